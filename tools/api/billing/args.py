"""Argument models of the billing tools and the constants they share."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ZERO = Decimal(0)
MIN_CYCLE_COVERAGE = 0.75
_AUDIENCE: tuple[Literal["customer", "operator"], ...] = ("customer", "operator")

_EPOCH = dt.date(1970, 1, 1)


# ============================================================================ arguments


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


_REF_RE = re.compile(r"^(last_bill|current_cycle|\d{4}-\d{2})$")


class ExplainBillArgs(_Args):
    reference: str = Field(
        default="last_bill",
        description='Which bill: "last_bill", "current_cycle" or the reading month "YYYY-MM".',
    )

    @field_validator("reference")
    @classmethod
    def _ref(cls, v: str) -> str:
        v = (v or "last_bill").strip()
        if not _REF_RE.match(v):
            raise ValueError("reference must be last_bill, current_cycle or YYYY-MM")
        return v


class ForecastBillArgs(_Args):
    reference: Literal["current_cycle"] = Field(
        default="current_cycle", description="Only the cycle in progress."
    )


class CompareTariffsArgs(_Args):
    months: int = Field(default=12, ge=1, le=24, description="Number of past reading cycles to compare over.")
    shift: Literal["peak_to_offpeak"] | None = Field(
        default=None,
        description='What-if: "peak_to_offpeak" moves part of ponta+intermediario energy to fora ponta.',
    )
    shift_pct: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Share (0..1) of ponta+intermediario energy moved to fora ponta; default 0.3 when shift is set.",
    )


class GdCreditsArgs(_Args):
    period: str | dict[str, str] | None = Field(
        default=None,
        description='Period label (e.g. "last_month", "2026-09", "last_12_months") or {start, end}.',
    )


class TariffFlagArgs(_Args):
    period: str | None = Field(
        default=None, description='Month label "YYYY-MM", "this_month", "last_month"...'
    )
