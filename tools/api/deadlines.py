"""Regulated deadlines proven by the meter: ``deadline_status`` (customer) and
``deadline_exposure`` (operator).

Size (over 600 lines): two tools over one evidence model (the meter's proof per request family);
the split into evidence / status / exposure waits for the service-request outbox to settle.

Both read the service requests exported by the CRM (table ``service_requests``) and join them,
set-based, with the meter's evidence of completion: the first power-up or relay reconnect
after a religacao request (ASOF join), the first week of 1.008 voltage readings back in the
PRODIST limits after a voltage complaint (window over ``voltage_10min``), the first reading of
a new connection; the relay disconnect before a wrongful-suspension report gives the art. 441
suspension time. The pure engine :mod:`tools.domain.deadlines` then counts the deadlines
(art. 656 / art. 362) and the Anexo IV compensation (arts. 440-441). Every SQL goes in the trail.

The requests the assistant opened in a conversation (the outbox, :mod:`tools.data.outbox`) are
read together with the CRM's export, as one list: a customer asking "e meu pedido?" right after
opening one finds it. The customer's "now" is the data's today at 00:00, or later when the system
itself recorded a request of theirs later (the outbox is written by this running system).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from tools.api.context import ToolContext
from tools.api.fleet.common import opt_ts
from tools.api.quality_common import band_params, fleet_nominals, voltage_rules
from tools.data import outbox
from tools.data.queries import deadlines as dq
from tools.data.store import Store
from tools.domain import deadlines as dl
from tools.domain import request_types as rt
from tools.domain.deadline_reference import (
    DeadlineReference,
    DeadlineRule,
    load_reference,
    resolve_request_types,
)
from tools.domain.periods import month_bounds
from tools.errors import NoData, NotIdentified
from tools.registry import ToolSpec
from tools.types import Issue, Provenance, Step, ToolResult, TrailRef
from tools.units import d, money

CUSTOMER_LOOKBACK_DAYS = 90
_ZERO = Decimal(0)


def _types_with(ref: DeadlineReference, **match: Any) -> list[str]:
    return sorted(k for k, r in ref.rules.items() if all(getattr(r, f) == v for f, v in match.items()))


def fetch_requests(
    store: Store,
    as_of: dt.datetime,
    outbox_rows: pd.DataFrame | None = None,
    crm: bool = True,
    **query: Any,
) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    """Requests with the meter's evidence, in one set-based query (requests x events/voltage).

    ``outbox_rows``: the outbox's requests (:func:`tools.data.outbox.requests_frame`), read with
    the CRM's export as one list; ``crm=False`` when the store has no ``service_requests`` table.
    ``query``: the filters of :func:`requests_query` (installation_id, request_id, region, types,
    since, ref)."""
    with_outbox = outbox_rows is not None and not outbox_rows.empty
    source = (dq.CRM_AND_OUTBOX if crm else dq.OUTBOX_ONLY) if with_outbox else dq.CRM_REQUESTS
    sql, params = requests_query(store, as_of, source=source, **query)
    rows = dq.run_requests(store, sql, params, query.get("installation_id"), outbox_rows if with_outbox else None)
    return rows, sql, params


def requests_query(
    store: Store,
    as_of: dt.datetime,
    *,
    installation_id: str | None = None,
    request_id: str | None = None,
    region: str | None = None,
    types: Sequence[str] | None = None,
    since: dt.datetime | None = None,
    ref: DeadlineReference | None = None,
    source: str = dq.CRM_REQUESTS,
) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters of :func:`fetch_requests` (also run by the fleet jobs on Spark, over
    the CRM's export only: ``source`` names where the requests come from)."""
    ref = ref or load_reference()
    vr = voltage_rules()
    params: dict[str, Any] = {
        **_filter_params(as_of, installation_id, request_id, region, types, since),
        "reconnect_codes": list(ref.reconnection_codes),
        "reconnect_types": _types_with(ref, evidence="reconnection"),
        "wrongful_types": _types_with(ref, wrongful_suspension=True),
        "suspension_code": ref.suspension_code,
        "voltage_types": _types_with(ref, evidence="voltage_week"),
        "first_reading_types": _types_with(ref, evidence="first_reading"),
        "search_days": ref.voltage_search_days,
        "set_size": vr.set_size,
        "max_precaria": int(vr.set_size * vr.drp_lim_pct / 100),
        "max_critica": int(vr.set_size * vr.drc_lim_pct / 100),
        **band_params(fleet_nominals(store, installation_id)),  # one installation: its own band
    }
    for key in ("reconnect_types", "wrongful_types", "voltage_types", "first_reading_types"):
        if params[key] is not None and not params[key]:
            params[key] = ["-"]  # an empty VARCHAR[] has no type for the binder
    if not params["b_nom"]:
        params.update({"b_nom": [0.0], "b_alo": [0.0], "b_ahi": [0.0], "b_plo": [0.0], "b_phi": [0.0]})
    return requests_sql(source), params


def requests_sql(source: str = dq.CRM_REQUESTS) -> str:
    """The text of the deadline query over ``source`` (see :func:`requests_query`)."""
    return dq.requests_sql(source, window_rows=int(voltage_rules().set_size) - 1)


def _filter_params(
    as_of: dt.datetime,
    installation_id: str | None,
    request_id: str | None,
    region: str | None,
    types: Sequence[str] | None,
    since: dt.datetime | None,
) -> dict[str, Any]:
    """The parameters of the requests part (``deadline_request_rows.sql``)."""
    return {
        "as_of": as_of,
        "installation": installation_id,
        "request_id": request_id,
        "region": region,
        "types": (list(types) or ["-"]) if types is not None else None,  # an empty VARCHAR[] has no type
        "since": since,
    }


def crm_requests_exist(
    store: Store,
    as_of: dt.datetime,
    *,
    installation_id: str | None = None,
    request_id: str | None = None,
    region: str | None = None,
    types: Sequence[str] | None = None,
    since: dt.datetime | None = None,
) -> bool:
    """Whether the CRM's export holds a request :func:`fetch_requests` would return (same filters):
    without one, the evidence query has nothing to find, and planning it alone costs ~20 ms."""
    return dq.crm_requests_exist(store, _filter_params(as_of, installation_id, request_id, region, types, since))


# ----------------------------------------------------------------------------- evaluation


def _month_days(month: str) -> int:
    return month_bounds(int(month[:4]), int(month[5:7]))[1].day


def attach_vrc(
    frame: pd.DataFrame, kwh: pd.DataFrame, as_of: dt.datetime, ref: DeadlineReference
) -> pd.DataFrame:
    """VRC [R$] = kWh of the month of apuracao x TUSD Fio B (partial months scaled to the month;
    when the month has no data, the latest month with data; basis recorded in ``vrc_basis``)."""
    out = frame.copy()
    fio_b = ref.compensation.fio_b_rs_kwh
    table: dict[str, dict[str, tuple[int, int]]] = {}
    for inst, month, wh, days in kwh[["installation_id", "month", "import_wh", "days"]].itertuples(
        index=False
    ):
        table.setdefault(str(inst), {})[str(month)] = (int(wh or 0), int(days))
    vrcs: list[Decimal | None] = []
    kwhs: list[Decimal | None] = []
    basis: list[str] = []
    for inst, month in zip(out["installation_id"], out["apuracao_month"], strict=True):
        months = table.get(str(inst), {})
        if month is None or pd.isna(month):
            vrcs.append(None)
            kwhs.append(None)
            basis.append("none")
            continue
        key, how = (month, "month") if month in months else (max(months) if months else None, "latest_month")
        if key is None:
            vrcs.append(None)
            kwhs.append(None)
            basis.append("missing")
            continue
        wh, days = months[key]
        k = Decimal(wh) / 1000
        if 0 < days < _month_days(key):
            k = k * _month_days(key) / days
            how = how + "_scaled"
        kwhs.append(k)
        vrcs.append(k * fio_b)
        basis.append(how)
    out["import_kwh"] = pd.Series(kwhs, index=out.index, dtype=object)
    out["vrc"] = pd.Series(vrcs, index=out.index, dtype=object)
    out["vrc_basis"] = pd.Series(basis, index=out.index, dtype=object)
    return out


def evaluate(
    store: Store, frame: pd.DataFrame, as_of: dt.datetime, ref: DeadlineReference
) -> tuple[pd.DataFrame, str]:
    """Timing (engine) -> VRC -> compensation, for a frame of requests with evidence.

    Monthly kWh are read only for the installations that owe something (late requests and
    wrongful suspensions), from about a month before the earliest apuracao month."""
    timed = dl.evaluate_timing(frame, as_of, ref)
    need = timed[timed["late"].astype(bool) | timed["wrongful"].astype(bool)]
    months = sorted(m for m in need["apuracao_month"] if isinstance(m, str))
    start = dt.datetime.fromisoformat(months[0] + "-01") - dt.timedelta(days=35) if months else as_of
    ids = sorted(set(map(str, need["installation_id"])))
    kwh, ksql = dq.month_kwh(store, ids, start, as_of)
    return dl.compensate(attach_vrc(timed, kwh, as_of, ref), ref), ksql


# ----------------------------------------------------------------------------- result types


@dataclass(frozen=True, slots=True)
class RequestDeadline:
    """One request: its deadline, the meter's evidence and what is owed."""

    request_id: str
    installation_id: str
    request_type: str  # catalogue key deadlines.request_type.<type>
    family: str
    area: str
    region: str
    status: str  # CRM status: open | closed | cancelled
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    count_start: dt.datetime
    due_at: dt.datetime  # last on-time instant (23:59:59 of the due day for day-counted rules)
    due_date: dt.date
    deadline_amount: int
    deadline_unit: str  # hours | days | business_days
    article: str
    rule_status: str
    anexo_iv_type: int | None
    evidence_kind: str | None  # reconnection | voltage_week | first_reading | None
    evidence_at: dt.datetime | None  # when the meter shows the service done
    done_at: dt.datetime | None  # instant used for the check
    done_source: str  # meter | system | none
    state: str  # on_time | late | open | open_late | cancelled
    late: bool
    hidden_late: bool  # closed on time in the system, late by the meter
    meter_flag: str
    elapsed_hours: Decimal  # [h] opened -> done (or now)
    remaining_hours: Decimal | None  # [h] now -> due (open requests; negative when late)
    pv: Decimal | None  # verified time [h or days], when late
    pr: int
    apuracao_month: str | None
    vrc: Decimal | None  # [R$] EUSD Fio B of the apuracao month
    compensation: Decimal  # [R$] art. 440 (+ art. 441), rounded to cents
    compensation_if_missed: Decimal  # [R$] fixed part owed as soon as an open request is late
    suspension_hours: Decimal | None  # [h] wrongful suspension time (art. 441)


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A request type's regulatory deadline for the caller's area."""

    request_type: str
    deadline_amount: int
    deadline_unit: str  # hours | days | business_days
    article: str
    family: str
    area: str
    status: str
    anexo_iv_type: int | None
    start: str  # business_hours | any_time | art656


@dataclass(frozen=True, slots=True)
class DeadlineStatus:
    """``main`` is the request the customer most likely asks about (open and late first, then
    open with the nearest deadline, then the most recent); ``main_rule`` its rule, or the main
    rule of the asked family when there is no request (e.g. religacao normal for religacao)."""

    main: RequestDeadline | None
    main_rule: RuleInfo | None
    open_requests: int
    late_requests: int
    compensation_owed: Decimal  # [R$] sum over the requests shown
    requests: tuple[RequestDeadline, ...]
    rules: tuple[RuleInfo, ...]
    installation_id: str
    as_of: dt.datetime


@dataclass(frozen=True, slots=True)
class ExposureGroup:
    region: str
    request_type: str
    open: int
    due_soon: int
    open_late: int
    closed_late: int
    hidden_late: int  # closed on time in the system, late by the meter
    closed_before_meter: int
    closed_not_confirmed: int
    meter_done_still_open: int
    compensation_owed: Decimal  # [R$] late requests (open late accrued to now)
    compensation_at_stake: Decimal  # [R$] fixed part of the requests due soon


@dataclass(frozen=True, slots=True)
class DeadlineExposure:
    as_of: dt.datetime
    window_end: dt.datetime
    due_soon: tuple[RequestDeadline, ...]
    late: tuple[RequestDeadline, ...]
    flagged: tuple[RequestDeadline, ...]  # meter disagrees with the CRM
    groups: tuple[ExposureGroup, ...]
    total_requests: int
    total_compensation_owed: Decimal
    total_at_stake: Decimal


def _opt_str(x: Any) -> str | None:
    return None if x is None or (not isinstance(x, str) and pd.isna(x)) else str(x)


def to_record(row: Mapping[str, Any]) -> RequestDeadline:
    tipo = row["anexo_iv_type"]
    return RequestDeadline(
        request_id=str(row["request_id"]),
        installation_id=str(row["installation_id"]),
        request_type=str(row["request_type"]),
        family=str(row["family"]),
        area=str(row["area"]),
        region=str(row.get("region", "")),
        status=str(row["status"]),
        opened_at=pd.Timestamp(row["opened_at"]).to_pydatetime(),
        closed_at=opt_ts(row.get("closed_at")),
        count_start=pd.Timestamp(row["count_start"]).to_pydatetime(),
        due_at=pd.Timestamp(row["due_at"]).to_pydatetime(),
        due_date=row["due_date"],
        deadline_amount=int(row["amount"]),
        deadline_unit=str(row["unit"]),
        article=str(row["article"]),
        rule_status=str(row["rule_status"]),
        anexo_iv_type=None if tipo is None or pd.isna(tipo) else int(tipo),
        evidence_kind=_opt_str(row["evidence_kind"]),
        evidence_at=opt_ts(row.get("evidence_at")),
        done_at=opt_ts(row["done_at"]),
        done_source=str(row["done_source"]),
        state=str(row["state"]),
        late=bool(row["late"]),
        hidden_late=bool(row["hidden_late"]),
        meter_flag=str(row["meter_flag"]),
        elapsed_hours=row["elapsed_hours"],
        remaining_hours=row["remaining_hours"],
        pv=row["pv"],
        pr=int(row["pr"]),
        apuracao_month=_opt_str(row["apuracao_month"]),
        vrc=None if row.get("vrc") is None else money(d(row["vrc"])),
        compensation=row["compensation"],
        compensation_if_missed=row["at_stake"],
        suspension_hours=row["suspension_hours"],
    )


def rule_info(rule: DeadlineRule, area: str) -> RuleInfo:
    return RuleInfo(
        request_type=rule.request_type,
        deadline_amount=rule.amount(area),
        deadline_unit=rule.unit,
        article=rule.article,
        family=rule.family,
        area=area,
        status=rule.status,
        anexo_iv_type=rule.anexo_iv_type,
        start=rule.start,
    )


#: The rule shown first for a family when the customer has no request of it.
PRIMARY_TYPES = rt.PRIMARY_TYPES


def _main_request(records: Sequence[RequestDeadline]) -> RequestDeadline | None:
    if not records:
        return None
    open_late = [r for r in records if r.state == "open_late"]
    if open_late:
        return min(open_late, key=lambda r: (r.due_at, r.request_id))
    open_ = [r for r in records if r.state == "open"]
    if open_:
        return min(open_, key=lambda r: (r.due_at, r.request_id))
    return max(records, key=lambda r: (r.opened_at, r.request_id))


def _citations(articles: Sequence[tuple[str, str]]) -> tuple[TrailRef, ...]:
    seen: dict[str, TrailRef] = {}
    for art, status in articles:
        seen.setdefault(art, TrailRef(art, status))  # type: ignore[arg-type]
    return tuple(seen.values())


def _common_issues(ev: pd.DataFrame) -> list[Issue]:
    issues: list[Issue] = []
    if ev.empty:
        return issues
    owed = ev[(ev["compensation"] > 0) | (ev["at_stake"] > 0)]
    if not owed.empty:
        issues.append(Issue("deadlines.issue.reference_values", "warning", {}))
    est = ev[ev["vrc_basis"].astype(str).str.startswith("latest")]
    if not est.empty:
        issues.append(Issue("deadlines.issue.vrc_estimated", "warning", {"requests": int(len(est))}))
    if (ev["evidence_kind"] == "voltage_week").any():
        issues.append(Issue("deadlines.issue.meter_indicative", "warning", {}))
    unknown = ev[ev["state"] == "unknown_type"]
    if not unknown.empty:
        issues.append(
            Issue(
                "deadlines.issue.unknown_types_in_data",
                "warning",
                {"types": ", ".join(sorted(set(map(str, unknown["request_type"]))))},
            )
        )
    return issues


def _as_of(ctx: ToolContext) -> dt.datetime:
    return dt.datetime.combine(ctx.data_today, dt.time())


# ----------------------------------------------------------------------------- deadline_status


class DeadlineStatusArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    request_type: str | None = Field(
        None,
        description="request type or family, e.g. religacao, reclamacao, tensao, ligacao_nova, ressarcimento",
    )
    request_id: str | None = Field(None, description="protocol number of a specific request")


def deadline_status(
    ctx: ToolContext, installation_id: str | None, args: DeadlineStatusArgs
) -> ToolResult[DeadlineStatus]:
    """The customer's open and recent requests: deadline, elapsed time, meter evidence and the
    compensation owed if the deadline is missed (REN 1.000/2021 arts. 362, 408, 438, 440-441, 656).

    Without a matching request, returns the regulatory deadlines of the asked family for the
    installation's area (e.g. religacao normal 24 h urban, art. 362 IV).
    """
    if installation_id is None:
        raise NotIdentified("installation required", tool="deadline_status")
    ref = load_reference()
    inst = ctx.installation(installation_id)
    area = str(inst.get("area") or "urbana").lower()
    as_of = _as_of(ctx)
    issues: list[Issue] = []
    types: tuple[str, ...] | None = None
    if args.request_type:
        types = resolve_request_types(args.request_type, ref)
        if not types:
            issues.append(
                Issue("deadlines.issue.unknown_request_type", "warning", {"request_type": args.request_type})
            )
    mine = outbox.requests_frame(outbox.outbox_requests(ctx.store.home, installation_id))
    if not mine.empty:  # this system recorded a request of theirs: "now" is at least that instant
        as_of = max(as_of, pd.Timestamp(mine["opened_at"].max()).to_pydatetime())
    since = None if args.request_id else as_of - dt.timedelta(days=CUSTOMER_LOOKBACK_DAYS)
    trail: list[Step] = []
    queries: list[str] = []
    records: list[RequestDeadline] = []
    ev = pd.DataFrame()
    crm = ctx.store.has_table("service_requests")
    if not crm and mine.empty:
        issues.append(Issue("deadlines.issue.no_service_requests", "warning", {}))
    elif types is None or types:
        query: dict[str, Any] = {
            "installation_id": installation_id,
            "request_id": args.request_id,
            "types": types,
            "since": since,
        }
        if mine.empty and not crm_requests_exist(ctx.store, as_of, **query):
            raw, sql = pd.DataFrame(), requests_sql()
        else:
            raw, sql, _ = fetch_requests(ctx.store, as_of, outbox_rows=mine, crm=crm, ref=ref, **query)
        queries.append(sql)
        if raw.empty:  # no request (the usual answer): nothing to time or compensate
            ev, ksql = raw, dq.month_kwh(ctx.store, [], as_of, as_of)[1]
        else:
            ev, ksql = evaluate(ctx.store, raw, as_of, ref)
            ev = ev[ev["state"] != "unknown_type"]
        queries.append(ksql)
        trail.append(
            Step(
                "deadlines.step.requests",
                {
                    "installation_id": installation_id,
                    "types": list(types or []),
                    "request_id": args.request_id,
                },
                "(service_requests UNION ALL outbox) LEFT JOIN meter evidence (ASOF joins on events, window on "
                "voltage_10min)",
                int(len(ev)),
                "requests",
                (ref.counting_ref,),
                sql,
            )
        )
        for row in ev.to_dict("records"):
            records.append(to_record(row))
            trail.extend(dl.request_steps(row, ref))
        if ev.empty:
            issues.append(Issue("deadlines.issue.no_requests", "warning", {"days": CUSTOMER_LOOKBACK_DAYS}))
        issues.extend(_common_issues(ev))
    rule_types = types if types else tuple(sorted({r.request_type for r in records}))
    rules = tuple(rule_info(ref.rules[t], area) for t in rule_types if t in ref.rules)
    total = sum((r.compensation for r in records), _ZERO)
    if records:
        trail.append(
            Step(
                "deadlines.step.total_owed",
                {"requests": len(records)},
                "sum(compensation)",
                total,
                "R$",
                (ref.compensation.art440_coeff_ref,),
            )
        )
    arts = [(r.article, r.rule_status) for r in records] + [(r.article, r.status) for r in rules]
    if any(r.late for r in records) or any(r.compensation_if_missed > 0 for r in records):
        arts.append((ref.compensation.art440_ref.source, ref.compensation.art440_ref.status))
    main = _main_request(records)
    if main is not None:
        main_rule: RuleInfo | None = rule_info(ref.rules[main.request_type], area)
    else:
        main_rule = min(
            rules, key=lambda r: (r.request_type not in PRIMARY_TYPES, r.request_type), default=None
        )
    value = DeadlineStatus(
        installation_id=installation_id,
        as_of=as_of,
        main=main,
        main_rule=main_rule,
        open_requests=sum(r.state in ("open", "open_late") for r in records),
        late_requests=sum(r.late for r in records),
        compensation_owed=money(total),
        requests=tuple(records),
        rules=rules,
    )
    return ToolResult(
        tool="deadline_status",
        value=value,
        units={
            "elapsed_hours": "h",
            "remaining_hours": "h",
            "suspension_hours": "h",
            "compensation": "R$",
            "compensation_if_missed": "R$",
            "compensation_owed": "R$",
            "vrc": "R$",
        },
        trail=tuple(trail),
        issues=tuple(issues),
        provenance=Provenance(
            installation_id=installation_id,
            today=ctx.data_today,
            reference_versions={"deadlines": ref.version},
            queries=tuple(queries),
        ),
        citations=_citations(arts),
    )


# ----------------------------------------------------------------------------- deadline_exposure


class DeadlineExposureArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    due_within_hours: int | None = Field(
        None, ge=0, description="window for 'due soon' in hours (wins over days)"
    )
    due_within_days: int | None = Field(7, ge=0, description="window for 'due soon' in days")
    region: str | None = Field(None, description="region / municipality filter")
    request_type: str | None = Field(None, description="request type or family filter")
    lookback_days: int = Field(
        60, ge=1, le=400, description="closed requests kept when closed within this many days"
    )
    limit: int = Field(50, ge=1, le=1000, description="maximum items in each list")


def _group_table(ev: pd.DataFrame, window_end: dt.datetime) -> tuple[ExposureGroup, ...]:
    if ev.empty:
        return ()
    e = ev.assign(
        is_open=ev["state"].isin(["open", "open_late"]),
        is_due_soon=(ev["state"] == "open") & (pd.to_datetime(ev["due_at"]) <= pd.Timestamp(window_end)),
        is_open_late=ev["state"] == "open_late",
        is_closed_late=ev["state"] == "late",
        f_before=ev["meter_flag"] == "closed_before_meter",
        f_unconfirmed=ev["meter_flag"] == "closed_not_confirmed",
        f_still_open=ev["meter_flag"] == "meter_done_still_open",
    )
    e["stake"] = [s if due else _ZERO for s, due in zip(e["at_stake"], e["is_due_soon"], strict=True)]
    out = []
    for (region, rtype), g in e.groupby(["region", "request_type"], sort=True):
        out.append(
            ExposureGroup(
                str(region),
                str(rtype),
                int(g["is_open"].sum()),
                int(g["is_due_soon"].sum()),
                int(g["is_open_late"].sum()),
                int(g["is_closed_late"].sum()),
                int(g["hidden_late"].sum()),
                int(g["f_before"].sum()),
                int(g["f_unconfirmed"].sum()),
                int(g["f_still_open"].sum()),
                sum(g["compensation"], _ZERO),
                sum(g["stake"], _ZERO),
            )
        )
    return tuple(out)


def deadline_exposure(
    ctx: ToolContext, installation_id: str | None, args: DeadlineExposureArgs
) -> ToolResult[DeadlineExposure]:
    """Requests due soon, late ones and the compensation at stake by region and request type,
    with the meter's evidence; flags requests the CRM closed before (or without) the meter
    showing the service done, and those the meter shows done but the CRM keeps open."""
    ref = load_reference()
    crm = ctx.store.has_table("service_requests")
    opened = outbox.requests_frame(outbox.outbox_requests(ctx.store.home, limit=100_000))
    if not crm and opened.empty:
        raise NoData("no service requests in the store", table="service_requests")
    as_of = _as_of(ctx)
    if args.due_within_hours is not None:
        window_end = as_of + dt.timedelta(hours=args.due_within_hours)
    else:
        window_end = as_of + dt.timedelta(
            days=args.due_within_days if args.due_within_days is not None else 7
        )
    issues: list[Issue] = []
    types: tuple[str, ...] | None = None
    if args.request_type:
        types = resolve_request_types(args.request_type, ref)
        if not types:
            issues.append(
                Issue("deadlines.issue.unknown_request_type", "warning", {"request_type": args.request_type})
            )
            types = ("-",)
    since = as_of - dt.timedelta(days=args.lookback_days)
    raw, sql, params = fetch_requests(
        ctx.store, as_of, outbox_rows=opened, crm=crm, region=args.region, types=types, since=since, ref=ref
    )
    ev, ksql = evaluate(ctx.store, raw, as_of, ref)
    issues.extend(_common_issues(ev))
    ev = ev[~ev["state"].isin(["unknown_type", "cancelled"])]
    groups = _group_table(ev, window_end)
    due_mask = (ev["state"] == "open") & (pd.to_datetime(ev["due_at"]) <= pd.Timestamp(window_end))
    due_soon = ev[due_mask].sort_values(["due_at", "request_id"])
    late = ev[ev["state"].isin(["late", "open_late"])].sort_values(
        ["compensation", "request_id"], ascending=[False, True]
    )
    flagged = ev[
        ev["meter_flag"].isin(["closed_before_meter", "closed_not_confirmed", "meter_done_still_open"])
        | ev["hidden_late"]
    ].sort_values(["opened_at", "request_id"])
    owed = sum((g.compensation_owed for g in groups), _ZERO)
    stake = sum((g.compensation_at_stake for g in groups), _ZERO)
    n = args.limit
    trail = [
        Step(
            "deadlines.step.exposure_requests",
            {
                "as_of": as_of.isoformat(),
                "since": since.isoformat(),
                "region": args.region,
                "types": list(types or []),
                "requests": int(len(ev)),
            },
            "requests LEFT JOIN first power-up/relay reconnect (ASOF) / first compliant 1008-reading week (window) "
            "/ first reading / relay disconnect (ASOF)",
            int(len(ev)),
            "requests",
            (ref.counting_ref,),
            sql,
        ),
        Step(
            "deadlines.step.vrc",
            {"tusd_fio_b_rs_kwh": ref.compensation.fio_b_rs_kwh},
            "import_kwh * tusd_fio_b",
            None,
            "R$",
            (ref.compensation.fio_b_ref,),
            ksql,
        ),
        Step(
            "deadlines.step.exposure_due_soon",
            {"window_end": window_end.isoformat()},
            "state == open and due_at <= window_end",
            int(due_mask.sum()),
            "requests",
        ),
        Step(
            "deadlines.step.exposure_owed",
            {"late": int(len(late))},
            "sum(compensation of late requests)",
            owed,
            "R$",
            (ref.compensation.art440_ref, ref.compensation.art440_coeff_ref, ref.compensation.art441_ref),
        ),
        Step(
            "deadlines.step.exposure_at_stake",
            {"due_soon": int(due_mask.sum())},
            "sum(k1 of requests due soon)",
            stake,
            "R$",
            (ref.compensation.inspection_ref,),
        ),
    ]
    value = DeadlineExposure(
        as_of=as_of,
        window_end=window_end,
        due_soon=tuple(to_record(r) for r in due_soon.head(n).to_dict("records")),
        late=tuple(to_record(r) for r in late.head(n).to_dict("records")),
        flagged=tuple(to_record(r) for r in flagged.head(n).to_dict("records")),
        groups=groups,
        total_requests=int(len(ev)),
        total_compensation_owed=money(owed),
        total_at_stake=money(stake),
    )
    arts = sorted({(str(a), str(s)) for a, s in zip(ev["article"], ev["rule_status"], strict=True)})
    arts.append((ref.compensation.art440_ref.source, ref.compensation.art440_ref.status))
    return ToolResult(
        tool="deadline_exposure",
        value=value,
        units={
            "compensation": "R$",
            "total_compensation_owed": "R$",
            "total_at_stake": "R$",
            "compensation_owed": "R$",
            "compensation_at_stake": "R$",
            "elapsed_hours": "h",
            "remaining_hours": "h",
        },
        trail=tuple(trail),
        issues=tuple(issues),
        provenance=Provenance(
            today=ctx.data_today, reference_versions={"deadlines": ref.version}, queries=(sql, ksql)
        ),
        citations=_citations(arts),
    )


SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="deadline_status",
        fn=deadline_status,
        args_model=DeadlineStatusArgs,
        audience=("customer", "operator"),
        needs_installation=True,
        summary="The customer's open/recent service requests (religacao, reclamacao, ligacao nova...): regulated "
        "deadline, elapsed time, meter evidence and the Anexo IV compensation owed if missed",
        cites=(
            "REN 1.000/2021 art. 362",
            "REN 1.000/2021 art. 408",
            "REN 1.000/2021 art. 440",
            "REN 1.000/2021 art. 441",
            "REN 1.000/2021 art. 656",
        ),
    ),
    ToolSpec(
        name="deadline_exposure",
        fn=deadline_exposure,
        args_model=DeadlineExposureArgs,
        audience=("operator",),
        needs_installation=False,
        summary="Service requests due soon and late, with the meter's proof of completion, and the Anexo IV "
        "compensation owed and at stake by region and request type",
        cites=(
            "REN 1.000/2021 Anexo IV",
            "REN 1.000/2021 art. 440",
            "REN 1.000/2021 art. 441",
            "REN 1.000/2021 art. 656",
        ),
    ),
)
