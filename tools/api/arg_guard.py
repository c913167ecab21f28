"""Dates and horizons in tool arguments, checked before any tool runs (M3, M5).

A period, bill reference or month that is not a real date (``2026-13``, ``2026-02-30``), lies
outside the years the platform can hold (before ``MIN_YEAR`` or more than ``MAX_YEARS_AHEAD``
after the data's today), or a cost horizon beyond ``MAX_EVAL_YEAR`` is an
:class:`~tools.errors.InvalidPeriod` naming the field — a 422 at the REST boundary, "data
inválida" in the chat — never an exception deep inside a tool (a 500) nor a worker busy for a
minute on year 9999.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from tools.domain.periods import TOOL_LABELS, resolve_period
from tools.errors import InvalidArguments, InvalidPeriod

MIN_YEAR = 2000
MAX_YEARS_AHEAD = 2
#: storage-cost horizons: the growth path is defined up to 2037-12; a little beyond is allowed
MIN_EVAL_YEAR = 2020
MAX_EVAL_YEAR = 2045

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_LAST_N = re.compile(r"^last_(\d+)_days$")
_MONTH_FIELDS = ("reference", "month", "ref")
_DATE_FIELDS = ("start", "end", "day", "date", "as_of")
_EVAL_FIELDS = ("eval_month", "start_month")
#: ``group`` filters: a supply group or a customer class (docs/data-model.md)
GROUPS = frozenset({"A", "B", "residencial", "comercial", "industrial", "rural", "poder_publico",
                    "iluminacao_publica", "servico_publico", "consumo_proprio"})


def _bad(field: str, value: Any, why: str) -> InvalidPeriod:
    return InvalidPeriod(f"invalid {field}", field=field, value=str(value)[:40], reason=why)


def _year_ok(year: int, today: dt.date, lo: int = MIN_YEAR, hi: int | None = None) -> bool:
    return lo <= year <= (hi if hi is not None else today.year + MAX_YEARS_AHEAD)


def check_month(field: str, value: str, today: dt.date, lo: int = MIN_YEAR, hi: int | None = None) -> None:
    m = _MONTH.match(value)
    if not m:
        return  # labels (last_bill, current_cycle...) are the tool's to read
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise _bad(field, value, "month")
    if not _year_ok(year, today, lo, hi):
        raise _bad(field, value, "year")


def check_day(field: str, value: str, today: dt.date) -> None:
    m = _DAY.match(value)
    if not m:
        return
    try:
        day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise _bad(field, value, "day") from exc
    if not _year_ok(day.year, today):
        raise _bad(field, value, "year")


def check_period(field: str, value: Any, today: dt.date) -> None:
    if value is None or value == "":
        return
    if isinstance(value, list):  # two periods to compare: each is checked on its own
        for i, item in enumerate(value):
            check_period(f"{field}[{i}]", item, today)
        return
    if isinstance(value, str):
        text = value.strip()
        if text in TOOL_LABELS:
            return  # the tool resolves it (installation's cycle, next month)
        if _DAY.match(text):
            check_day(field, text, today)
        elif _MONTH.match(text):
            check_month(field, text, today)
        elif re.fullmatch(r"\d{4}", text) and not _year_ok(int(text), today):
            raise _bad(field, value, "year")
        elif (m := _LAST_N.match(text)) and not 1 <= int(m.group(1)) <= 3660:
            raise _bad(field, value, "length")
    elif isinstance(value, Mapping):
        for k in ("start", "end"):
            if isinstance(value.get(k), str):
                check_day(f"{field}.{k}", value[k], today)
    try:
        period = resolve_period(value, today)
    except InvalidPeriod:
        return  # a label only the tool knows (current_cycle...): the tool reads it
    except (ValueError, OverflowError, TypeError) as exc:
        raise _bad(field, value, "period") from exc
    if period.end < period.start:
        raise _bad(field, value, "order")


def check_args(args: BaseModel, today: dt.date | None) -> None:
    """Raise InvalidPeriod for the first date-like argument that is not a usable date."""
    today = today or dt.date.today()
    values = args.model_dump()
    if "period" in values:
        check_period("period", values["period"], today)
    for field in _MONTH_FIELDS:
        if isinstance(values.get(field), str):
            check_month(field, values[field].strip(), today)
    for field in _DATE_FIELDS:
        v = values.get(field)
        if isinstance(v, str):
            check_day(field, v.strip(), today)
        elif isinstance(v, dt.date) and not _year_ok(v.year, today):
            raise _bad(field, v, "year")
    group = values.get("group")
    if isinstance(group, str) and group not in GROUPS:
        raise InvalidArguments("invalid group", field="group", value=group[:40], allowed=sorted(GROUPS))
    for field in _EVAL_FIELDS:
        if isinstance(values.get(field), str):
            check_month(field, values[field], today, lo=MIN_EVAL_YEAR, hi=MAX_EVAL_YEAR)
