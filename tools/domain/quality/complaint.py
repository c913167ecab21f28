"""Deadlines after a voltage complaint (REN 1.000 arts. 438 and 656) and for the compensation
credit (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from tools.domain.calendar import roll_forward
from tools.domain.quality.rules import VoltageRules


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


def complaint_deadlines(
    complaint_date: dt.date, rules: VoltageRules, extra_holidays: Sequence[dt.date] = ()
) -> ComplaintDeadlines:
    """Distributor deadlines counted from the complaint (REN 1.000 art. 656).

    Calendar days, the complaint day excluded; a due day on a weekend or national holiday
    moves to the next business day (state/municipal holidays go in ``extra_holidays``).
    """
    c = rules.complaint
    return ComplaintDeadlines(
        complaint_date,
        roll_forward(complaint_date + dt.timedelta(days=c.inspection_days), extra_holidays),
        roll_forward(complaint_date + dt.timedelta(days=c.measurement_168h_days), extra_holidays),
        c.consumer_request_168h_days,
        c.install_notice_hours,
    )


def credit_deadline(reference_day: dt.date, rules: VoltageRules) -> dt.date:
    """Latest invoice date for the compensation: end of the 2nd month after the reference month."""
    return end_of_month_after(reference_day, rules.credit_months)

