"""Typed, frozen result objects shared by every tool.

A tool answers with a :class:`ToolResult`: the figures (``value``), their units, the
``trail`` of computation steps that produced them, structured ``issues`` (warnings or
disqualifications, eemeter style) and ``provenance`` (which data and reference tables
were used). Keys in ``Step.key`` and ``Issue.code`` are message-catalogue keys; tools
never produce sentences.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")

Severity = Literal["warning", "disqualifying"]
Audience = Literal["customer", "operator"]


@dataclass(frozen=True, slots=True)
class Period:
    """Closed date interval ``[start, end]`` in local time (America/Sao_Paulo)."""

    start: dt.date
    end: dt.date
    label: str = ""  # e.g. "yesterday", "2026-09", "last_bill"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("period end before start")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def start_ts(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time())

    def end_ts_exclusive(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time())


@dataclass(frozen=True, slots=True)
class TrailRef:
    """Where a number or rule comes from (a regulation article, a tariff resolution...)."""

    source: str  # e.g. "REN 1.000/2021, art. 657" or "REH 3.579/2026"
    status: Literal["confirmed", "unconfirmed", "reference"] = "confirmed"
    url: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """One stage of a computation: catalogue key, inputs, formula and output."""

    key: str  # catalogue key, e.g. "billing.step.tusd"
    inputs: Mapping[str, Any] = field(default_factory=dict)
    formula: str = ""  # e.g. "kwh * tusd_rs_kwh"
    output: Any = None
    unit: str = ""
    refs: tuple[TrailRef, ...] = ()
    sql: str = ""  # the query that produced the inputs, when any


@dataclass(frozen=True, slots=True)
class Issue:
    """A caveat (warning) or a reason not to answer (disqualifying)."""

    code: str  # dotted catalogue key, e.g. "issue.data.insufficient_days"
    severity: Severity = "warning"
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which data, reference tables and code produced a result."""

    installation_id: str | None = None
    period: Period | None = None
    today: dt.date | None = None
    reference_versions: Mapping[str, str] = field(default_factory=dict)
    queries: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ToolResult(Generic[T]):
    """What every tool returns."""

    tool: str
    value: T
    units: Mapping[str, str] = field(default_factory=dict)
    trail: tuple[Step, ...] = ()
    issues: tuple[Issue, ...] = ()
    provenance: Provenance = field(default_factory=Provenance)
    citations: tuple[TrailRef, ...] = ()

    @property
    def disqualified(self) -> bool:
        return any(i.severity == "disqualifying" for i in self.issues)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (Decimals as strings, dates ISO)."""
        return to_jsonable(self)


#: JSON decimal strings keep at most this many decimals ("9.17694444", never a 28-digit quotient)
JSON_MAX_DECIMALS = 8
_JSON_QUANTUM = decimal.Decimal(1).scaleb(-JSON_MAX_DECIMALS)


def decimal_text(d: decimal.Decimal) -> str | None:
    """A Decimal as a plain fixed-point string: no exponent ("0E-8" → "0"), at most 8 decimals."""
    if not d.is_finite():
        return None
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -JSON_MAX_DECIMALS:
        d = d.quantize(_JSON_QUANTUM, rounding=decimal.ROUND_HALF_EVEN)
        text = format(d, "f").rstrip("0").rstrip(".")
        return text if text not in ("", "-0") else "0"
    if d == 0 and isinstance(exponent, int) and exponent < -2:
        return "0"
    return format(d, "f")


def to_jsonable(obj: Any) -> Any:
    """Convert dataclasses, Decimals, dates, enums and containers to JSON-ready values."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        if isinstance(obj, ToolResult):
            out["disqualified"] = obj.disqualified
        return out
    if isinstance(obj, decimal.Decimal):
        return decimal_text(obj)
    if isinstance(obj, dt.datetime | dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return obj.item()
    if isinstance(obj, float):  # NaN → null; binary artefacts (7.736549999999999) → 10 significant digits
        return float(format(obj, ".10g")) if obj == obj and obj not in (float("inf"), float("-inf")) else None
    return obj
