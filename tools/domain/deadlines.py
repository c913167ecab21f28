"""Regulated service deadlines (REN 1.000/2021 Anexo IV) and their compensation (pure).

Size (over 600 lines): the Anexo IV calendar arithmetic (hours, days, dias úteis) and its
compensation are one rule set, read and tested together.

Each request type has a deadline in continuous hours, continuous days or dias uteis, with an
urban/rural variant, taken from ``tools/reference/deadlines.json`` (parsed by
:mod:`tools.domain.deadline_reference`). Counting follows
art. 656: the day of *cientificacao* is excluded and the due day included; a start day or a
due day on a weekend or holiday moves to the next business day; dias uteis skip weekends and
the national holidays of :mod:`tools.domain.calendar`. Religacoes count in continuous hours
(art. 362): from the request when it is made on a business day between 08:00 and 18:00,
else from 08:00 of the next business day; a wrongful suspension counts from the report, any
day and time.

A request is done when the meter proves it (reconnection: the first power-up or relay
reconnect after the request; voltage complaint: the first week of 1.008 readings back in the
limits) or, without meter evidence, when the system closed it. Late requests owe the
art. 440 compensation; wrongful suspensions also owe the art. 441 one::

    art. 440:  C = k1 + k2 * VRC * (Pv - PR) / PR          (equation form: REFERENCE)
    art. 441:  C = max(m * VRC * T / 730, 0.5 * custo adm. de inspecao)   (m: REFERENCE)

``k1`` = 50 % of the custo administrativo de inspecao [R$], ``k2`` = 15/20/30 (Group B,
Anexo IV Tipo 1/2/3) or 10/15/25 (Group A), ``VRC`` = EUSD Fio B of the month of apuracao
[R$], ``Pv``/``PR`` = verified / regulatory time [h or days]; for day-counted rules
``Pv = PR + calendar days from the day after the due date to the execution`` (art. 440 par. 3).

The engine is vectorised over a pandas frame of requests (numpy business-day arithmetic);
:func:`deadline_for` and :func:`assess_one` wrap it for a single request.

References
----------
REN 1.000/2021 arts. 362-365 (religacao), 408-409 (reclamacoes), 438 (voltage complaints),
440-443 (compensation), 656 (counting), Anexo IV (list and Tipo); see ``docs/deadlines.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
import pandas as pd

from tools.domain.calendar import tariff_holidays
from tools.domain.deadline_reference import DeadlineReference, Unit, load_reference
from tools.types import Step
from tools.units import d, money

_US_PER_HOUR = Decimal(3_600_000_000)
_CENTI = Decimal("0.01")
_ZERO = Decimal(0)
REN = "REN 1.000/2021"

# ----------------------------------------------------------------------------- calendar


def holiday_array(years: Iterable[int]) -> np.ndarray:
    """National holidays of ``years`` as ``datetime64[D]`` (for numpy business-day functions)."""
    days = sorted({h for y in years for h in tariff_holidays(int(y))})
    return np.array(days, dtype="datetime64[D]")


def _years(series: pd.Series) -> range:
    s = series.dropna()
    if s.empty:
        return range(2000, 2001)
    return range(int(s.min().year) - 1, int(s.max().year) + 3)


# ----------------------------------------------------------------------------- timing (vectorised)

_TIMING_COLUMNS = (
    "family",
    "unit",
    "amount",
    "article",
    "anexo_iv_type",
    "rule_status",
    "start_rule",
    "evidence_kind",
    "wrongful",
    "count_start",
    "day0",
    "start_shifted",
    "due_at",
    "due_date",
    "due_shifted",
    "done_at",
    "done_source",
    "late",
    "state",
    "pv",
    "pr",
    "elapsed_hours",
    "remaining_hours",
    "meter_flag",
    "hidden_late",
    "apuracao_month",
    "suspension_hours",
)


def _hours(delta_us: int) -> Decimal:
    return Decimal(int(delta_us)) / _US_PER_HOUR


def _ts_col(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    return pd.to_datetime(frame[col]).astype("datetime64[us]")


def evaluate_timing(
    frame: pd.DataFrame, as_of: dt.datetime, ref: DeadlineReference | None = None
) -> pd.DataFrame:
    """Deadline, completion, lateness and meter flags of each request (one row each).

    Parameters
    ----------
    frame : DataFrame
        Columns ``request_type``, ``area`` (urbana | rural), ``opened_at``, ``status``
        (open | closed | cancelled) and optionally ``closed_at``, ``evidence_at`` (the
        meter's proof of completion) and ``suspension_start`` (relay disconnect before a
        wrongful-suspension report). Request types missing from the reference are returned
        with ``state = "unknown_type"``.
    as_of : datetime
        The data's "now": open requests are judged at this instant.

    Returns
    -------
    DataFrame
        The input columns plus ``_TIMING_COLUMNS``: ``count_start``, ``due_at`` (last on-time
        instant; 23:59:59 of the due day for day-counted rules), ``due_date``, ``done_at``
        and ``done_source`` (meter | system | none), ``late``, ``state`` (on_time | late |
        open | open_late | cancelled | unknown_type), ``pv``/``pr`` (verified/regulatory time
        in the rule's unit, ``pv`` only when late), ``elapsed_hours``, ``remaining_hours``,
        ``meter_flag`` (confirmed | closed_before_meter | closed_not_confirmed |
        meter_done_still_open | awaiting_meter | not_applicable), ``hidden_late`` (closed on
        time in the system but late by the meter) and ``apuracao_month`` (art. 442).
    """
    ref = ref or load_reference()
    out = frame.copy()
    n = len(out)
    rules = [ref.rules.get(str(t)) for t in out["request_type"]]
    known = np.array([r is not None for r in rules], dtype=bool)
    area = (
        out["area"].fillna("urbana").astype(str).str.lower()
        if "area" in out
        else pd.Series("urbana", index=out.index)
    )
    status = out["status"].fillna("open").astype(str).str.lower()
    opened = _ts_col(out, "opened_at")
    closed = _ts_col(out, "closed_at")
    evidence = _ts_col(out, "evidence_at")
    susp = _ts_col(out, "suspension_start")
    as_of_ts = pd.Timestamp(as_of)

    def col(values: list[Any]) -> pd.Series:  # object dtype keeps None (no NaN / str dtype)
        return pd.Series(values, index=out.index, dtype=object)

    out["family"] = col([r.family if r else None for r in rules])
    out["unit"] = col([r.unit if r else None for r in rules])
    out["amount"] = col([r.amount(a) if r else None for r, a in zip(rules, area, strict=True)])
    out["article"] = col([r.article if r else None for r in rules])
    out["anexo_iv_type"] = col([r.anexo_iv_type if r else None for r in rules])
    out["rule_status"] = col([r.status if r else None for r in rules])
    out["start_rule"] = col([r.start if r else None for r in rules])
    out["evidence_kind"] = col([r.evidence if r else None for r in rules])
    out["wrongful"] = [bool(r and r.wrongful_suspension) for r in rules]

    unit = out["unit"].to_numpy(dtype=object)
    start_rule = out["start_rule"].to_numpy(dtype=object)
    amount = np.array([r.amount(a) if r else 0 for r, a in zip(rules, area, strict=True)], dtype=np.int64)
    hol = holiday_array(_years(opened))

    day = opened.dt.normalize()
    day64 = day.to_numpy(dtype="datetime64[D]")
    valid = known & ~pd.isna(day64)
    safe_day = np.where(valid, day64, np.datetime64("2000-01-03", "D"))
    is_bd = np.is_busday(safe_day, holidays=hol)

    # hours rules ------------------------------------------------------------
    tod = (opened - day).to_numpy()
    open_td = np.timedelta64(ref.business_open.hour * 60 + ref.business_open.minute, "m")
    close_td = np.timedelta64(ref.business_close.hour * 60 + ref.business_close.minute, "m")
    in_hours = is_bd & (tod >= open_td) & (tod <= close_td)
    before_open = is_bd & (tod < open_td)
    next_bd = np.busday_offset(safe_day, 1, roll="backward", holidays=hol)
    bh_start = np.where(
        in_hours,
        opened.to_numpy(),
        np.where(
            before_open,
            safe_day.astype("datetime64[us]") + open_td,
            next_bd.astype("datetime64[us]") + open_td,
        ),
    )
    is_hours = unit == "hours"
    count_start = np.where(is_hours & (start_rule == "business_hours"), bh_start, opened.to_numpy())
    hours_due = count_start + amount.astype("timedelta64[h]")

    # day rules (art. 656) ----------------------------------------------------
    day0 = np.busday_offset(safe_day, 0, roll="forward", holidays=hol)
    start_shifted = (~is_hours) & valid & (day0 != safe_day)
    plain_due = day0 + amount.astype("timedelta64[D]")
    plain_due_rolled = np.busday_offset(plain_due, 0, roll="forward", holidays=hol)
    bus_due = np.busday_offset(day0, amount, roll="forward", holidays=hol)
    due_date = np.where(unit == "business_days", bus_due, plain_due_rolled)
    due_shifted = (unit == "days") & (plain_due_rolled != plain_due)
    day_due_at = due_date.astype("datetime64[us]") + np.timedelta64(86_399, "s")
    due_at = np.where(is_hours, hours_due, day_due_at)
    due_date = np.where(is_hours, hours_due.astype("datetime64[D]"), due_date)
    count_start = np.where(is_hours, count_start, day0.astype("datetime64[us]"))

    # completion ---------------------------------------------------------------
    has_kind = out["evidence_kind"].notna().to_numpy()
    has_ev = has_kind & evidence.notna().to_numpy()
    is_closed = (status == "closed").to_numpy()
    is_cancel = (status == "cancelled").to_numpy()
    done_at = np.where(
        has_ev, evidence.to_numpy(), np.where(is_closed, closed.to_numpy(), np.datetime64("NaT", "us"))
    )
    done = ~pd.isna(done_at)
    done_source = np.where(has_ev, "meter", np.where(is_closed, "system", "none"))
    end = np.where(done, done_at, np.datetime64(as_of_ts.to_datetime64(), "us"))
    late_hours = end > due_at
    late_days = end.astype("datetime64[D]") > due_date
    late = np.where(is_hours, late_hours, late_days) & valid & ~is_cancel
    state = np.where(done, np.where(late, "late", "on_time"), np.where(late, "open_late", "open"))
    state = np.where(is_cancel, "cancelled", state)
    state = np.where(valid, state, "unknown_type")

    # meter flags ------------------------------------------------------------------
    tol = np.timedelta64(int(ref.closed_tolerance.total_seconds()), "s")
    closed_np = closed.to_numpy()
    ev_np = evidence.to_numpy()
    flag = np.full(n, "not_applicable", dtype=object)
    flag[has_kind & is_closed & ~has_ev] = "closed_not_confirmed"
    with np.errstate(invalid="ignore"):
        before_meter = has_ev & is_closed & (ev_np > closed_np + tol)
    flag[has_kind & is_closed & has_ev] = "confirmed"
    flag[before_meter] = "closed_before_meter"
    is_open = ~is_closed & ~is_cancel
    flag[has_kind & is_open & has_ev] = "meter_done_still_open"
    flag[has_kind & is_open & ~has_ev] = "awaiting_meter"
    closed_on_time = np.where(is_hours, closed_np <= due_at, closed_np.astype("datetime64[D]") <= due_date)
    hidden_late = has_ev & is_closed & late & closed_on_time

    # times ----------------------------------------------------------------------
    end_us = end.astype("datetime64[us]").astype(np.int64)
    start_us = count_start.astype("datetime64[us]").astype(np.int64)
    opened_us = opened.to_numpy().astype("datetime64[us]").astype(np.int64)
    due_us = due_at.astype("datetime64[us]").astype(np.int64)
    as_of_us = int(np.datetime64(as_of_ts.to_datetime64(), "us").astype(np.int64))
    end_days = end.astype("datetime64[D]")
    days_after_due = (end_days - due_date.astype("datetime64[D]")).astype(np.int64)
    pv: list[Decimal | None] = []
    elapsed: list[Decimal | None] = []
    remaining: list[Decimal | None] = []
    months: list[str | None] = []
    susp_h: list[Decimal | None] = []
    susp_np = susp.to_numpy()
    for i in range(n):
        if not valid[i]:
            pv.append(None)
            elapsed.append(None)
            remaining.append(None)
            months.append(None)
            susp_h.append(None)
            continue
        if late[i]:
            pv.append(
                _hours(end_us[i] - start_us[i])
                if is_hours[i]
                else Decimal(int(amount[i] + days_after_due[i]))
            )
        else:
            pv.append(None)
        elapsed.append(_hours(end_us[i] - opened_us[i]).quantize(_CENTI, ROUND_HALF_EVEN))
        remaining.append(None if done[i] else _hours(due_us[i] - as_of_us).quantize(_CENTI, ROUND_HALF_EVEN))
        e = pd.Timestamp(end[i])
        months.append(f"{e.year:04d}-{e.month:02d}" if (late[i] or out["wrongful"].iat[i]) else None)
        if out["wrongful"].iat[i] and not pd.isna(susp_np[i]):
            t_us = end_us[i] - np.datetime64(susp_np[i], "us").astype(np.int64)
            susp_h.append(_hours(max(int(t_us), 0)).quantize(_CENTI, ROUND_HALF_EVEN))
        else:
            susp_h.append(None)

    out["count_start"] = pd.to_datetime(count_start)
    out["day0"] = pd.to_datetime(np.where(is_hours, np.datetime64("NaT", "D"), day0)).date
    out["start_shifted"] = start_shifted
    out["due_at"] = pd.to_datetime(due_at)
    out["due_date"] = pd.to_datetime(due_date.astype("datetime64[D]")).date
    out["due_shifted"] = due_shifted
    out["done_at"] = pd.to_datetime(done_at)
    out["done_source"] = done_source
    out["late"] = late
    out["state"] = state
    out["pv"] = col(pv)
    out["pr"] = col([int(a) if v else None for a, v in zip(amount, valid, strict=True)])
    out["elapsed_hours"] = col(elapsed)
    out["remaining_hours"] = col(remaining)
    out["meter_flag"] = np.where(valid, flag, "not_applicable")
    out["hidden_late"] = hidden_late & valid
    out["apuracao_month"] = col(months)
    out["suspension_hours"] = col(susp_h)
    for name in ("count_start", "due_at", "done_at"):
        out.loc[~valid, name] = pd.NaT
    return out


# ----------------------------------------------------------------------------- compensation


def connection_type(group_code: str | None, phases: int | None) -> str:
    """Key of the custo administrativo de inspecao table for a connection."""
    if (group_code or "B").upper() == "A":
        return "grupo_a"
    return {1: "monofasico", 2: "bifasico"}.get(int(phases or 1), "trifasico")


def compensation_art440(k1: Decimal, k2: Decimal, vrc: Decimal, pv: Decimal, pr: Decimal) -> Decimal:
    """Anexo IV compensation for a missed deadline [R$] (REFERENCE equation form, art. 440).

    ``k1 + k2 * VRC * (Pv - PR) / PR``; zero when ``Pv <= PR``. Not rounded (art. 657).
    """
    if pv <= pr:
        return _ZERO
    return k1 + k2 * vrc * (pv - pr) / pr


def compensation_art441(
    vrc: Decimal,
    t_hours: Decimal,
    minimum: Decimal,
    multiplier: Decimal = Decimal(1),
    hours_per_month: Decimal = Decimal(730),
) -> Decimal:
    """Compensation for a wrongful suspension [R$] (art. 441; multiplier REFERENCE).

    ``max(m * VRC * T / 730, minimum)`` with ``minimum`` = 50 % of the custo administrativo
    de inspecao (art. 441 par. 3, confirmed).
    """
    return max(multiplier * vrc * t_hours / hours_per_month, minimum)


def compensate(frame: pd.DataFrame, ref: DeadlineReference | None = None) -> pd.DataFrame:
    """Add ``k1``, ``k2``, ``comp_440``, ``comp_441``, ``compensation`` and ``at_stake`` [R$].

    ``frame`` is the output of :func:`evaluate_timing` with ``group_code``, ``phases`` and
    ``vrc`` [R$] (the EUSD Fio B of the month of apuracao; None when unknown, then only the
    fixed part is owed). ``compensation`` (rounded to cents, what would be credited) is the
    art. 440 amount when late plus the art. 441 amount of a wrongful suspension;
    ``at_stake`` is the fixed part ``k1`` owed as soon as an open request misses its deadline.
    """
    ref = ref or load_reference()
    p = ref.compensation
    out = frame.copy()
    k1s: list[Decimal | None] = []
    k2s: list[Decimal | None] = []
    c440: list[Decimal] = []
    c441: list[Decimal] = []
    total: list[Decimal] = []
    stake: list[Decimal] = []
    groups = out["group_code"] if "group_code" in out else pd.Series("B", index=out.index)
    phases = out["phases"] if "phases" in out else pd.Series(1, index=out.index)
    vrcs = out["vrc"] if "vrc" in out else pd.Series(None, index=out.index, dtype=object)
    for i in range(len(out)):
        row = out.iloc[i]
        tipo = row["anexo_iv_type"]
        group = "A" if str(groups.iat[i] or "B").upper() == "A" else "B"
        ph = phases.iat[i]
        conn = connection_type(group, None if pd.isna(ph) else int(ph))
        base = p.inspection_cost[conn]
        k1 = p.k1_share * base
        k2 = p.k2[group][int(tipo)] if tipo is not None and not pd.isna(tipo) else None
        vrc_raw = vrcs.iat[i]
        vrc = _ZERO if vrc_raw is None or (isinstance(vrc_raw, float) and np.isnan(vrc_raw)) else d(vrc_raw)
        a440 = _ZERO
        if row["state"] in ("late", "open_late") and k2 is not None and row["pv"] is not None:
            a440 = compensation_art440(k1, k2, vrc, d(row["pv"]), d(row["pr"]))
        a441 = _ZERO
        if row["wrongful"] and row["suspension_hours"] is not None and row["state"] != "cancelled":
            a441 = compensation_art441(
                vrc,
                d(row["suspension_hours"]),
                p.art441_min_share * base,
                p.art441_multiplier,
                p.hours_per_month,
            )
        k1s.append(k1)
        k2s.append(k2)
        c440.append(a440)
        c441.append(a441)
        total.append(money(a440 + a441))
        stake.append(money(k1) if row["state"] == "open" and k2 is not None else _ZERO)
    for name, values in (
        ("k1", k1s),
        ("k2", k2s),
        ("comp_440", c440),
        ("comp_441", c441),
        ("compensation", total),
        ("at_stake", stake),
    ):
        out[name] = pd.Series(values, index=out.index, dtype=object)
    return out


# ----------------------------------------------------------------------------- single request


@dataclass(frozen=True, slots=True)
class Deadline:
    """The deadline of one request."""

    request_type: str
    area: str
    amount: int
    unit: Unit
    opened_at: dt.datetime
    count_start: dt.datetime
    due_at: dt.datetime  # last on-time instant
    due_date: dt.date
    start_shifted: bool
    due_shifted: bool
    article: str
    anexo_iv_type: int | None


def _single(
    request_type: str, opened_at: dt.datetime, area: str, as_of: dt.datetime | None = None, **cols: Any
) -> pd.DataFrame:
    row = {
        "request_id": "r",
        "request_type": request_type,
        "area": area,
        "opened_at": opened_at,
        "status": cols.pop("status", "open"),
        **cols,
    }
    return pd.DataFrame([row])


def deadline_for(
    request_type: str, opened_at: dt.datetime, area: str = "urbana", ref: DeadlineReference | None = None
) -> Deadline:
    """Deadline of a request of ``request_type`` opened at ``opened_at`` in ``area``."""
    ref = ref or load_reference()
    if request_type not in ref.rules:
        raise KeyError(request_type)
    r = evaluate_timing(_single(request_type, opened_at, area), opened_at, ref).iloc[0]
    return Deadline(
        request_type,
        area,
        int(r["amount"]),
        r["unit"],
        opened_at,
        r["count_start"].to_pydatetime(),
        r["due_at"].to_pydatetime(),
        r["due_date"],
        bool(r["start_shifted"]),
        bool(r["due_shifted"]),
        r["article"],
        r["anexo_iv_type"],
    )


def assess_one(
    request_type: str,
    opened_at: dt.datetime,
    *,
    area: str = "urbana",
    as_of: dt.datetime,
    status: str = "open",
    closed_at: dt.datetime | None = None,
    evidence_at: dt.datetime | None = None,
    suspension_start: dt.datetime | None = None,
    group_code: str = "B",
    phases: int = 1,
    vrc: Decimal | None = None,
    ref: DeadlineReference | None = None,
) -> dict[str, Any]:
    """Timing and compensation of one request, as a dict of the columns of :func:`compensate`."""
    ref = ref or load_reference()
    frame = _single(
        request_type,
        opened_at,
        area,
        status=status,
        closed_at=closed_at,
        evidence_at=evidence_at,
        suspension_start=suspension_start,
        group_code=group_code,
        phases=phases,
        vrc=vrc,
    )
    row = compensate(evaluate_timing(frame, as_of, ref), ref).iloc[0]
    return row.to_dict()


# ----------------------------------------------------------------------------- trail


def _iso(x: Any) -> str | None:
    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return None
    return x.isoformat() if hasattr(x, "isoformat") else str(x)


def request_steps(
    row: Mapping[str, Any], ref: DeadlineReference | None = None, sql: str = ""
) -> tuple[Step, ...]:
    """Trail of one evaluated (and compensated) request: start, due, completion, Pv, compensation."""
    ref = ref or load_reference()
    p = ref.compensation
    rule = ref.rules[str(row["request_type"])]
    steps: list[Step] = []
    if row["unit"] == "hours":
        start_ref = ref.religacao_start_ref if row["start_rule"] == "business_hours" else rule.ref
        steps.append(
            Step(
                "deadlines.step.count_start",
                {"opened_at": _iso(row["opened_at"]), "rule": row["start_rule"]},
                "business day 08:00-18:00 ? opened_at : next business day 08:00"
                if row["start_rule"] == "business_hours"
                else "opened_at",
                _iso(row["count_start"]),
                "datetime",
                (start_ref,),
            )
        )
        steps.append(
            Step(
                "deadlines.step.due",
                {"count_start": _iso(row["count_start"]), "hours": row["amount"]},
                "count_start + hours (continuous, art. 362)",
                _iso(row["due_at"]),
                "datetime",
                (rule.ref,),
            )
        )
    else:
        refs = (ref.counting_ref, ref.start_shift_ref) if row["start_shifted"] else (ref.counting_ref,)
        steps.append(
            Step(
                "deadlines.step.count_start",
                {"opened_at": _iso(row["opened_at"])},
                "day of cientificacao (next business day when not one); excluded from the count",
                _iso(row["day0"]),
                "date",
                refs,
            )
        )
        formula = (
            "n-th business day after day 0"
            if row["unit"] == "business_days"
            else "day 0 + n days, moved to the next business day when not one"
        )
        steps.append(
            Step(
                "deadlines.step.due",
                {
                    "day0": _iso(row["day0"]),
                    "n": row["amount"],
                    "unit": row["unit"],
                    "moved": bool(row["due_shifted"]),
                },
                formula,
                _iso(row["due_date"]),
                "date",
                (rule.ref, ref.counting_ref),
            )
        )
    steps.append(
        Step(
            "deadlines.step.completion",
            {
                "status": row.get("status"),
                "closed_at": _iso(row.get("closed_at")),
                "evidence_kind": row["evidence_kind"],
                "evidence_at": _iso(row.get("evidence_at")),
            },
            "meter evidence when present, else the system closing",
            _iso(row["done_at"]),
            row["done_source"],
            (ref.voltage_ref,) if row["evidence_kind"] == "voltage_week" else (),
            sql,
        )
    )
    if row["late"]:
        formula = (
            "(done_at - count_start) in hours"
            if row["unit"] == "hours"
            else "PR + calendar days from the day after the due date to the execution (art. 440, par. 3)"
        )
        steps.append(
            Step(
                "deadlines.step.verified_time",
                {"pr": row["pr"], "due": _iso(row["due_at"]), "done_or_now": _iso(row["done_at"])},
                formula,
                row["pv"],
                row["unit"],
                (p.art440_coeff_ref,),
            )
        )
    if "vrc" in row and (row["late"] or row["wrongful"]):
        steps.append(
            Step(
                "deadlines.step.vrc",
                {
                    "month": row.get("apuracao_month"),
                    "import_kwh": row.get("import_kwh"),
                    "tusd_fio_b_rs_kwh": p.fio_b_rs_kwh,
                },
                "import_kwh * tusd_fio_b",
                row.get("vrc"),
                "R$",
                (p.fio_b_ref,),
            )
        )
    if "comp_440" in row and row["late"] and row.get("k2") is not None:
        steps.append(
            Step(
                "deadlines.step.compensation_440",
                {"k1": row["k1"], "k2": row["k2"], "vrc": row.get("vrc"), "pv": row["pv"], "pr": row["pr"]},
                p.art440_equation,
                row["comp_440"],
                "R$",
                (p.art440_ref, p.art440_coeff_ref, p.inspection_ref),
            )
        )
    if "comp_441" in row and row["wrongful"] and row["suspension_hours"] is not None:
        steps.append(
            Step(
                "deadlines.step.compensation_441",
                {
                    "vrc": row.get("vrc"),
                    "t_hours": row["suspension_hours"],
                    "suspension_start": _iso(row.get("suspension_start")),
                },
                p.art441_equation,
                row["comp_441"],
                "R$",
                (p.art441_ref, p.inspection_ref),
            )
        )
    return tuple(steps)
