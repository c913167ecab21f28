"""Fleet exposure: compensation owed per installation-month from violating voltage sets, and its
totals per group (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from tools.domain.quality.complaint import credit_deadline, end_of_month_after
from tools.domain.quality.rules import VoltageRules, band_for
from tools.domain.quality.voltage import drp_drc, voltage_compensation
from tools.units import d

_MILLI = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class ExposureItem:
    """One installation-month owed (or likely owed) a compensation."""

    installation_id: str
    feeder_id: str | None
    transformer_id: str | None
    indicator: str  # DRP | DRC | DRP+DRC | DIC | FIC | DMIC | DICRI
    month: str  # YYYY-MM of the measurement / apuracao
    measured: Mapping[str, Decimal]  # the indicator values behind the amount
    eusd_rs: Decimal
    amount_rs: Decimal  # rounded invoice credit
    deadline: dt.date  # latest invoice for the credit


def eusd_from_energy(
    wh: float | int,
    days: int,
    month: str,
    group_code: str | None,
    contracted_kw: Any,
    tusd: Mapping[str, tuple[Decimal, Decimal]],
) -> Decimal:
    """EUSD [R$] of a month from its energy [Wh]; a partly observed month is scaled to the whole month."""
    y, m = int(month[:4]), int(month[5:7])
    month_days = (end_of_month_after(dt.date(y, m, 1), 0)).day
    kwh = Decimal(int(wh)) / 1000
    if 0 < days < month_days:
        kwh = kwh * month_days / days
    group = "A" if str(group_code).upper() == "A" else "B"
    energy, demand = tusd[group]
    ckw = (
        d(contracted_kw)
        if group == "A" and contracted_kw is not None and pd.notna(contracted_kw)
        else Decimal(0)
    )
    return kwh * energy / 1000 + ckw * demand


def voltage_exposure(
    rows: pd.DataFrame,
    rules: VoltageRules,
    tusd: Mapping[str, tuple[Decimal, Decimal]],
    indicators: Sequence[str] = ("DRP", "DRC"),
) -> list[ExposureItem]:
    """Compensation per installation-month from the violating sets of ``fleet_exposure_voltage.sql``.

    The worst set of each installation-month is paid once (the monthly credit of the last
    measurement, repeated while not regularised). Sets that are not complete are indicative.
    """
    best: dict[tuple[str, str], ExposureItem] = {}
    for r in rows.to_dict("records"):
        n = rules.set_size if bool(r["complete"]) else int(r["n_valid"])
        drp, drc = drp_drc(int(r["nlp"]), int(r["nlc"]), n)
        drp = drp if "DRP" in indicators else Decimal(0)
        drc = drc if "DRC" in indicators else Decimal(0)
        if drp <= rules.drp_lim_pct and drc <= rules.drc_lim_pct:
            continue
        eusd_rs = eusd_from_energy(
            r["wh"], int(r["days"]), r["month"], r["group_code"], r["contracted_demand_kw"], tusd
        )
        level = band_for(r["nominal_voltage_v"], rules).level
        comp = voltage_compensation(drp, drc, eusd_rs, level, rules)
        name = "+".join(x for x, v in (("DRP", comp.k1), ("DRC", comp.k2)) if v > 0)
        y, m = int(r["month"][:4]), int(r["month"][5:7])
        item = ExposureItem(
            str(r["installation_id"]),
            r.get("feeder_id"),
            r.get("transformer_id"),
            name,
            r["month"],
            {"drp_pct": drp.quantize(_MILLI), "drc_pct": drc.quantize(_MILLI)},
            eusd_rs,
            comp.amount_rs,
            credit_deadline(dt.date(y, m, 1), rules),
        )
        key = (item.installation_id, item.month)
        if key not in best or item.amount_rs > best[key].amount_rs:
            best[key] = item
    return list(best.values())


@dataclass(frozen=True, slots=True)
class ExposureGroup:
    group_id: str
    amount_rs: Decimal
    n_items: int
    n_installations: int
    by_indicator: Mapping[str, Decimal]


def summarize_exposure(
    items: Sequence[ExposureItem], group_by: str, today: dt.date, due_within_days: int
) -> tuple[tuple[ExposureGroup, ...], tuple[ExposureItem, ...], Decimal]:
    """Totals per group (feeder / transformer / meter) and the items due in the next N days."""
    groups: dict[str, list[ExposureItem]] = {}
    for it in items:
        gid = {"meter": it.installation_id, "transformer": it.transformer_id}.get(
            group_by, it.feeder_id
        ) or ""
        groups.setdefault(gid, []).append(it)
    out = []
    for gid, its in groups.items():
        by_ind: dict[str, Decimal] = {}
        for it in its:
            by_ind[it.indicator] = by_ind.get(it.indicator, Decimal(0)) + it.amount_rs
        out.append(
            ExposureGroup(
                gid,
                sum((i.amount_rs for i in its), Decimal(0)),
                len(its),
                len({i.installation_id for i in its}),
                by_ind,
            )
        )
    out.sort(key=lambda g: (-g.amount_rs, g.group_id))
    horizon = today + dt.timedelta(days=due_within_days)
    due = sorted(
        (i for i in items if today <= i.deadline <= horizon), key=lambda i: (i.deadline, -i.amount_rs)
    )
    return tuple(out), tuple(due), sum((i.amount_rs for i in items), Decimal(0))

