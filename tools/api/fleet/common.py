"""Helpers shared by the operator fleet tools: periods, SQL files and trail steps, limit/tariff parameters."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from tools.api.quality_common import continuity_rules, tusd_for
from tools.data.queries import register
from tools.data.sqlfiles import with_parts as with_parts  # re-exported: the fleet tools and jobs read it here
from tools.data.store import Store
from tools.domain import continuity as cont
from tools.domain.periods import month_bounds
from tools.errors import InvalidArguments
from tools.reference.places import place_names
from tools.types import Issue, Period, Step, TrailRef
from tools.units import money, wh_to_kwh

Level = Literal["meter", "transformer", "feeder"]
VOLTAGE_INDICATORS = ("DRP", "DRC")
CONTINUITY_INDICATORS = ("DIC", "FIC", "DMIC")
ALL_INDICATORS = (*VOLTAGE_INDICATORS, *CONTINUITY_INDICATORS, "DICRI")
DAY = dt.timedelta(days=1)

# ----------------------------------------------------------------------------- shared helpers


def day_ts(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def nominal_end(label: object, period: Period) -> dt.date:
    """Where the period would end if the data reached it (``this_month`` -> last day of the month)."""
    text = str(label or "")
    if text == "this_month" or (len(text) == 7 and text[4] == "-"):
        return month_bounds(period.start.year, period.start.month)[1]
    if text == "this_week":
        return period.start + 6 * DAY
    if text == "this_quarter":
        q_end_month = period.start.month + 2
        return month_bounds(period.start.year, q_end_month)[1]
    if text == "this_year" or (len(text) == 4 and text.isdigit()):
        return dt.date(period.start.year, 12, 31)
    return period.end


def previous_period(period: Period, nom_end: dt.date) -> Period:
    """The period of equal length before ``period`` (the previous calendar month for months)."""
    if period.start.day == 1 and nom_end == month_bounds(period.start.year, period.start.month)[1]:
        last = period.start - DAY
        return Period(last.replace(day=1), last, "previous")
    span = (nom_end - period.start).days + 1
    return Period(period.start - span * DAY, period.start - DAY, "previous")


def months_between(start: dt.date, end: dt.date) -> list[str]:
    out, cur = [], start.replace(day=1)
    while cur <= end:
        out.append(cur.strftime("%Y-%m"))
        cur = month_bounds(cur.year, cur.month)[1] + DAY
    return out


def param_text(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as they go in the trail (lists shortened)."""
    out: dict[str, Any] = {}
    for k, v in params.items():
        out[k] = v if not isinstance(v, list) or len(v) <= 12 else [*v[:12], f"... ({len(v)})"]
    return out


def sql_step(
    key: str, sql: str, params: Mapping[str, Any], rows: int, refs: tuple[TrailRef, ...] = ()
) -> Step:
    return Step(key, param_text(params), "set-based SQL (see sql)", rows, "rows", refs, sql)


def limit_params(store: Store, with_dicri: bool = False) -> dict[str, list[Any]]:
    """Continuity limits per distinct (conjunto, area, group, subgroup) of the fleet, as SQL lists."""
    rules = continuity_rules()
    combos = register.continuity_combinations(store)
    out: dict[str, list[Any]] = {
        k: [] for k in ("l_conj", "l_area", "l_group", "l_sub", "l_dic_h", "l_fic", "l_dmic_h")
    }
    if with_dicri:
        out["l_dicri_h"] = []
    for conj, area, group, sub in combos:
        lim = rules.limits_for(conj, area, cont.supply_level(group, sub))
        out["l_conj"].append(conj)
        out["l_area"].append(area)
        out["l_group"].append(group)
        out["l_sub"].append(sub)
        out["l_dic_h"].append(float(lim.dic_h))
        out["l_fic"].append(float(lim.fic))
        out["l_dmic_h"].append(float(lim.dmic_h))
        if with_dicri:
            out["l_dicri_h"].append(float(lim.dicri_h))
    return out


def critical_params(store: Store) -> dict[str, list[Any]]:
    rules = continuity_rules()
    conj, days = [], []
    for cid in register.conjuntos(store):
        for day in sorted(rules.critical_days_for(cid)):
            conj.append(cid)
            days.append(day)
    return {"crit_conj": conj, "crit_day": days}


def tusd_map(on: dt.date) -> tuple[dict[str, tuple[Decimal, Decimal]], list[TrailRef], bool]:
    """TUSD per group (CPFL Paulista B1 / A4 verde) and whether any is not a confirmed value."""
    a, b = tusd_for("A", on), tusd_for("B", on)
    weak = a.fallback or b.fallback or a.ref.status != "confirmed" or b.ref.status != "confirmed"
    return (
        {"A": (a.energy_rs_mwh, a.demand_rs_kw), "B": (b.energy_rs_mwh, b.demand_rs_kw)},
        [a.ref, b.ref],
        weak,
    )


def indicator_list(value: str | Sequence[str] | None, default: Sequence[str]) -> list[str]:
    if value is None:
        return list(default)
    items = [value] if isinstance(value, str) else list(value)
    out = [str(x).upper() for x in items]
    bad = [x for x in out if x not in ALL_INDICATORS]
    if bad:
        raise InvalidArguments("unknown indicator", indicator=bad, known=list(ALL_INDICATORS))
    return out


def opt_dec(x: Any, places: str = "0.001") -> Decimal | None:
    return None if x is None or pd.isna(x) else Decimal(repr(float(x))).quantize(Decimal(places))


def opt_ts(x: Any) -> dt.datetime | None:
    return None if x is None or pd.isna(x) else pd.Timestamp(x).to_pydatetime()


def kwh_of(wh: Any) -> Decimal:
    return Decimal(0) if wh is None or pd.isna(wh) else wh_to_kwh(int(wh))


def money_of(x: Any) -> Decimal:
    return money(Decimal(repr(float(x))))


def municipalities(store: Store) -> tuple[str, ...]:
    """The municipalities of the installation register, as spelled there (filters and pickers)."""
    return register.municipalities(store)


class PlaceFilter(BaseModel):
    """Filters shared by the fleet tools: where in the network (all optional, combined with AND)."""

    model_config = ConfigDict(extra="ignore")

    feeder: str | None = Field(None, description="filter: feeder id, e.g. AL-001")
    transformer: str | None = Field(None, description="filter: transformer id, e.g. TR-0011")
    region: str | None = Field(
        None, description="filter: municipality of the installation register (accents and case ignored)"
    )


def scope_ids(store: Store, f: PlaceFilter, use_transformer: bool = True) -> list[str] | None:
    """Installations inside the filters (None = no filter; ``["-"]`` = a filter nothing matches)."""
    transformer = f.transformer if use_transformer else None
    if not (f.feeder or transformer or f.region):
        return None
    return register.installations_in_place(store, f.feeder, transformer, f.region) or ["-"]


def scope_issue(f: PlaceFilter, ids: list[str] | None) -> list[Issue]:
    """A warning when the filters match no installation (a mistyped feeder or municipality)."""
    if ids != ["-"]:
        return []
    named = ", ".join(x for x in (f.feeder, f.transformer, f.region) if x)
    return [Issue("fleet.issue.filter_matches_nothing", "warning", {"filter": named})]


def place_name(name: str | None) -> str:
    """A municipality as officially written ("Ribeirao Preto" in the register → "Ribeirão Preto")."""
    if not name:
        return ""
    key = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower().strip()
    return place_names().get(key, str(name))
