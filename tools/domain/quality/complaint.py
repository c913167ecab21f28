"""Deadlines after a voltage complaint and for the compensation credit (pure).

The distributor's deadlines after a complaint (inspection, 168 h measurement: REN 1.000 art. 438,
Anexo IV) come from the one Anexo IV engine (:func:`tools.domain.deadlines.deadline_for`, counted per
art. 656); the consumer's own periods (asking for the 168 h measurement, notice of the
installation) are not Anexo IV deadlines and stay in the voltage rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tools.domain import request_types as rt
from tools.domain.deadline_reference import DeadlineReference
from tools.domain.deadlines import deadline_for
from tools.domain.quality.rules import VoltageRules
from tools.types import TrailRef


def end_of_month_after(day: dt.date, months: int) -> dt.date:
    """Last day of the month ``months`` after the month of ``day``."""
    y, m = divmod(day.month - 1 + months + 1, 12)
    return dt.date(day.year + y, m + 1, 1) - dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ComplaintDeadlines:
    """Deadlines after a voltage complaint (REN 1.000 art. 438), counted in calendar days."""

    complaint_date: dt.date
    inspection_by: dt.date  # inspection + instantaneous measurement
    measurement_168h_by: dt.date  # 168 h measurement and laudo
    consumer_request_days: int  # days the consumer has to ask for the 168 h measurement
    install_notice_hours: int
    inspection_days: int  # Anexo IV amounts of the two deadlines (calendar days)
    measurement_168h_days: int
    refs: tuple[TrailRef, ...]  # the two rules and the counting article


def complaint_deadlines(
    complaint_date: dt.date, rules: VoltageRules, ref: DeadlineReference, area: str = "urbana"
) -> ComplaintDeadlines:
    """Distributor deadlines counted from the complaint by the Anexo IV engine (REN 1.000 art. 656).

    Calendar days, the complaint day excluded; a complaint on a weekend or national holiday counts
    from the next business day, and a due day on one moves to the next business day.
    """
    opened = dt.datetime.combine(complaint_date, dt.time())
    inspection = deadline_for(rt.VOLTAGE_COMPLAINT, opened, area, ref)
    measurement = deadline_for(rt.VOLTAGE_MEASUREMENT_168H, opened, area, ref)
    c = rules.complaint
    return ComplaintDeadlines(
        complaint_date,
        inspection.due_date,
        measurement.due_date,
        c.consumer_request_168h_days,
        c.install_notice_hours,
        inspection.amount,
        measurement.amount,
        (ref.rules[rt.VOLTAGE_COMPLAINT].ref, ref.rules[rt.VOLTAGE_MEASUREMENT_168H].ref, ref.counting_ref, c.ref),
    )


def credit_deadline(reference_day: dt.date, rules: VoltageRules) -> dt.date:
    """Latest invoice date for the compensation: end of the 2nd month after the reference month."""
    return end_of_month_after(reference_day, rules.credit_months)

