"""Resolve period labels against the data's "today" (pure).

Labels (what the assistant's slot extraction produces and the eval sets use):
``today``, ``yesterday``, ``day_before_yesterday``, ``last_week`` (previous Monday–Sunday), ``last_24_hours``, ``this_quarter``,
``this_week``, ``last_7_days``, ``last_30_days``, ``last_N_days``, ``this_month``,
``last_month``, ``month_before_last``, ``this_year``, ``last_year``, ``last_12_months``,
``YYYY-MM``, ``YYYY-MM-DD``, ``YYYY``, and ``{"start": ISO, "end": ISO}``.
Billing-cycle labels (``current_cycle``, ``last_bill``) need the installation's cycle day
and are resolved by :func:`tools.domain.calendar.billing_cycle` callers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from tools.errors import InvalidPeriod
from tools.types import Period

_DAY = dt.timedelta(days=1)

#: labels resolved by the tool that reads them, not here: the installation's billing cycle
#: (``current_cycle``, ``last_bill``) and the tariff flag's ``next_month``
TOOL_LABELS = frozenset({"current_cycle", "last_bill", "next_month"})


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last day of the calendar month."""
    start = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return start, nxt - _DAY


def add_months(d: dt.date, n: int) -> dt.date:
    """``d`` moved ``n`` calendar months (the day clipped to the target month's last day)."""
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    last = month_bounds(year, month)[1].day
    return dt.date(year, month, min(d.day, last))


def resolve_period(
    spec: str | Mapping[str, Any] | Period | None, today: dt.date, default: str = "last_30_days"
) -> Period:
    """Turn a label or a ``{"start", "end"}`` mapping into a closed :class:`Period`.

    ``today`` is the data's today (first day without complete data); "yesterday" is the
    last complete day. Periods are clipped so they never end after yesterday.
    """
    if isinstance(spec, Period):
        return spec
    if spec is None or spec == "":
        spec = default
    yesterday = today - _DAY
    if isinstance(spec, Mapping):
        try:
            start = dt.date.fromisoformat(str(spec["start"]))
            end = dt.date.fromisoformat(str(spec.get("end") or spec["start"]))
        except (KeyError, ValueError) as exc:
            raise InvalidPeriod("bad period mapping", spec=dict(spec)) from exc
        if end < start:
            raise InvalidPeriod("end before start", spec=dict(spec))
        return Period(start, min(end, yesterday) if start <= yesterday else end, f"{start}..{end}")
    label = str(spec).strip()
    p = _resolve_label(label, today, yesterday)
    if p is None:
        raise InvalidPeriod("unknown period label", label=label)
    return p


def _resolve_label(label: str, today: dt.date, yesterday: dt.date) -> Period | None:
    simple = {
        "today": (today, today),
        "yesterday": (yesterday, yesterday),
        "day_before_yesterday": (yesterday - _DAY, yesterday - _DAY),
        "last_7_days": (today - 7 * _DAY, yesterday),
        "last_30_days": (today - 30 * _DAY, yesterday),
        "this_week": (today - dt.timedelta(days=today.weekday()), yesterday),
        "this_month": (today.replace(day=1), yesterday),
        "this_year": (dt.date(today.year, 1, 1), yesterday),
        "last_year": (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
        "last_12_months": (add_months(today, -12), yesterday),
        "last_24_hours": (yesterday, yesterday),
        "this_quarter": (dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), yesterday),
    }
    if label in simple:
        s, e = simple[label]
        if e < s:  # e.g. "this_month" on the 1st
            s = e
        return Period(s, e, label)
    if label == "last_week":
        monday = today - dt.timedelta(days=today.weekday()) - 7 * _DAY
        return Period(monday, monday + 6 * _DAY, label)
    if label in ("last_month", "month_before_last"):
        back = 1 if label == "last_month" else 2
        first = add_months(today.replace(day=1), -back)
        s, e = month_bounds(first.year, first.month)
        return Period(s, e, label)
    m = re.fullmatch(r"last_(\d{1,3})_days", label)
    if m:
        n = int(m.group(1))
        return Period(today - n * _DAY, yesterday, label)
    if re.fullmatch(r"\d{4}-\d{2}", label):
        s, e = month_bounds(int(label[:4]), int(label[5:]))
        return Period(s, min(e, yesterday) if s <= yesterday else e, label)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", label):
        day = dt.date.fromisoformat(label)
        return Period(day, day, label)
    if re.fullmatch(r"\d{4}", label):
        s, e = dt.date(int(label), 1, 1), dt.date(int(label), 12, 31)
        return Period(s, min(e, yesterday) if s <= yesterday else e, label)
    return None
