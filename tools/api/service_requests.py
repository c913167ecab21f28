"""Service requests opened from a conversation (issue 21): ``service_request_preview`` (what the
request would be: its regulated deadline and the evidence attached; writes nothing),
``open_service_request`` (writes it to the outbox with a protocol, only after the customer
confirmed — the assistant calls it on an explicit "sim") and ``service_request_queue`` (the
outbox for the copilot).

The deadline is the Anexo IV engine's (:func:`tools.domain.deadlines.deadline_for`) from the
instant of the call (``ToolContext.clock``). The evidence comes from the tools that already
reason about the request: the meter's DRP/DRC weeks (``voltage_quality``) for a voltage
complaint, the convencional x Branca comparison (``compare_tariffs``) for a change of modality.
A customer opens requests only for their own installation (scope checked in ``run_tool``).

References
----------
REN 1.000/2021 arts. 219, 222-223 (modalidade), 250 (medidor), 362 and 365 (religacao),
437-438 (tensao), 602-620 (ressarcimento), 656 (contagem); see ``docs/outbox.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.api.billing import CompareTariffsArgs, compare_tariffs
from tools.api.context import ToolContext
from tools.api.quality import VoltageQualityArgs, voltage_quality
from tools.data import outbox
from tools.domain import deadlines as dl
from tools.domain import request_types as rt
from tools.domain.deadline_reference import load_reference
from tools.errors import NotIdentified, ToolError
from tools.registry import ToolSpec
from tools.types import Issue, Provenance, Step, ToolResult, TrailRef

Channel = Literal["whatsapp", "web", "voice", "rest", "cli", "copilot"]


# ----------------------------------------------------------------------------- arguments


class ServiceRequestArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    request_type: rt.OpenableType = Field(
        description="verificacao_tensao | troca_modalidade_tarifaria | religacao_normal | inspecao_medidor | "
        "ressarcimento_danos"
    )
    period: str | dict[str, str] | None = Field(
        None, description="voltage complaint: the weeks of meter readings attached (default last_week)"
    )
    damage_date: dt.date | None = Field(None, description="damage claim: the day of the damage, if known")
    refrigerated: bool = Field(
        False, description="damage claim: equipment that keeps food or medicine cold (vistoria in 1 business day)"
    )
    description: str | None = Field(
        None, max_length=500, description="what the customer described (already masked by the caller)"
    )
    channel: Channel = Field("web", description="channel the customer confirmed on")


class OpenServiceRequestArgs(ServiceRequestArgs):
    source_key: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{8,64}$",
        description="idempotency key of the confirmation (the same key never opens two requests)",
    )


class ServiceQueueArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Literal["open", "closed", "cancelled"] | None = Field(None, description="CRM status filter")
    pending_export: bool = Field(False, description="only rows the CRM has not acknowledged yet")
    limit: int = Field(200, ge=1, le=1000)


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class FollowUpDeadline:
    """A deadline that follows the opened one (the 168-hour measurement, the damage vistoria)."""

    request_type: str
    due_date: dt.date
    deadline_amount: int
    deadline_unit: str
    article: str


@dataclass(frozen=True, slots=True)
class RequestDraft:
    """A request as it would be opened now (``service_request_preview``) or as it was opened."""

    request_type: str  # tools.domain.request_types
    installation_id: str
    opened_at: dt.datetime  # with offset
    due_at: dt.datetime  # last on-time instant, with offset
    due_date: dt.date
    deadline_amount: int
    deadline_unit: str  # hours | days | business_days
    article: str
    article_status: str
    eligible: bool
    refusal: str | None  # catalogue key saying why it cannot be opened
    evidence: Mapping[str, Any]  # per type: voltage weeks, tariff comparison
    follow_ups: tuple[FollowUpDeadline, ...]
    protocol: str | None = None  # set once opened
    created: bool = False  # False: the confirmation had been recorded already (same protocol)
    status: str | None = None


@dataclass(frozen=True, slots=True)
class QueuedRequest:
    protocol: str
    installation_id: str
    request_type: str
    channel: str
    status: str
    created_at: dt.datetime
    due_at: dt.datetime
    due_date: dt.date
    deadline_amount: int
    deadline_unit: str
    article: str
    overdue: bool  # open and past the last on-time instant at the time of the call
    exported_at: dt.datetime | None
    evidence: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ServiceQueue:
    requests: tuple[QueuedRequest, ...]
    open: int
    overdue: int
    pending_export: int
    as_of: dt.datetime


# ----------------------------------------------------------------------------- evidence


def _voltage_evidence(ctx: ToolContext, inst: str, period: Any) -> tuple[dict[str, Any], list[Step], list[Issue]]:
    try:
        vq = voltage_quality(ctx, inst, VoltageQualityArgs(period=period or "last_week", phase=None))
    except ToolError as exc:  # no readings: the complaint is opened without the meter's evidence
        return {}, [], [Issue("service.issue.no_voltage_evidence", "warning", {"reason": exc.code})]
    v = vq.value
    weeks = [
        {
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            "readings": s.n_valid,
            "drp_pct": str(s.drp_pct),
            "drc_pct": str(s.drc_pct),
            "drp_violated": s.drp_violated,
            "drc_violated": s.drc_violated,
        }
        for s in v.sets
    ]
    worst = max(v.sets, key=lambda s: (s.drp_violated or s.drc_violated, s.drc_pct, s.drp_pct))
    evidence = {
        "nominal_v": str(v.nominal_v),
        "drp_lim_pct": str(v.drp_lim_pct),
        "drc_lim_pct": str(v.drc_lim_pct),
        "weeks": weeks,
        "start": min(s.start for s in v.sets).date().isoformat(),
        "end": max(s.end for s in v.sets).date().isoformat(),
        "drp_pct": str(worst.drp_pct),
        "drc_pct": str(worst.drc_pct),
        "violated": v.violated,
        "indicative": True,
    }
    return evidence, list(vq.trail), [i for i in vq.issues if i.code == "quality.issue.indicative_only"]


def _modality_evidence(
    ctx: ToolContext, inst: str, attrs: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Step], list[Issue], str | None]:
    current = str(attrs.get("tariff_modality") or "convencional").lower()
    if str(attrs.get("group_code") or "B").upper() == "A":
        return {"current_modality": current}, [], [], "service.refusal.branca_group_a"
    target = "convencional" if current == "branca" else "branca"
    subclass = str(attrs.get("subclass") or "").lower()
    if target == "branca" and subclass in rt.BRANCA_EXCLUDED_SUBCLASSES:
        return {"current_modality": current, "target_modality": target}, [], [], "service.refusal.branca_excluded"
    evidence: dict[str, Any] = {"current_modality": current, "target_modality": target}
    try:
        cmp = compare_tariffs(ctx, inst, CompareTariffsArgs())
    except ToolError as exc:
        return evidence, [], [Issue("service.issue.no_comparison", "warning", {"reason": exc.code})], None
    c = cmp.value
    if c.convencional is not None and c.branca is not None:
        evidence.update(
            {
                "months": c.cycles,
                "window_start": None if c.window_start is None else c.window_start.isoformat(),
                "window_end": None if c.window_end is None else c.window_end.isoformat(),
                "convencional_rs": str(c.convencional.total_rs),
                "branca_rs": str(c.branca.total_rs),
                "savings_branca_rs": None if c.savings_branca_rs is None else str(c.savings_branca_rs),
                "recommendation": c.recommendation,
            }
        )
    return evidence, list(cmp.trail), [i for i in cmp.issues if i.severity == "disqualifying"], None


# ----------------------------------------------------------------------------- draft


def _local_naive(at: dt.datetime) -> dt.datetime:
    return at.astimezone(outbox.LOCAL_TZ).replace(tzinfo=None)


def _aware(local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=outbox.LOCAL_TZ)


def _draft(ctx: ToolContext, installation_id: str | None, args: ServiceRequestArgs) -> ToolResult[RequestDraft]:
    if installation_id is None:
        raise NotIdentified("installation required", tool="open_service_request")
    ref = load_reference()
    attrs = ctx.installation(installation_id)
    area = str(attrs.get("area") or "urbana").lower()
    now = ctx.clock()
    local = _local_naive(now)
    rtype: str = args.request_type
    evidence: dict[str, Any] = {}
    trail: list[Step] = []
    issues: list[Issue] = []
    refusal: str | None = None
    if rtype == rt.VOLTAGE_COMPLAINT:
        evidence, steps, found = _voltage_evidence(ctx, installation_id, args.period)
        trail += steps
        issues += found
    elif rtype == rt.MODALITY_CHANGE:
        evidence, steps, found, refusal = _modality_evidence(ctx, installation_id, attrs)
        trail += steps
        issues += found
    elif rtype == rt.DAMAGE_CLAIM and args.damage_date is not None:
        age = (local.date() - args.damage_date).days
        evidence = {"damage_date": args.damage_date.isoformat(), "days_since_damage": age}
        if age < 0:
            refusal = "service.refusal.damage_in_future"
        elif args.damage_date < local.date().replace(year=local.year - rt.DAMAGE_CLAIM_LIMIT_YEARS):
            refusal = "service.refusal.damage_too_old"
        elif age > rt.DAMAGE_LATE_AFTER_DAYS:
            rtype = rt.DAMAGE_CLAIM_LATE
    if args.description:
        evidence["description"] = args.description.strip()[:500]
    due = dl.deadline_for(rtype, local, area, ref)
    rule = ref.rules[rtype]
    trail.append(
        Step(
            "service.step.deadline",
            {"request_type": rtype, "opened_at": now.isoformat(), "area": area},
            "Anexo IV rule of the request type, counted per art. 656 (days) or art. 362 (hours)",
            _aware(due.due_at).isoformat(),
            "datetime",
            (rule.ref, ref.counting_ref),
        )
    )
    follow: list[FollowUpDeadline] = []
    others = rt.FOLLOW_UP_TYPES.get(args.request_type, ())
    if args.request_type == rt.DAMAGE_CLAIM and args.refrigerated:
        others = (rt.DAMAGE_VISIT_REFRIGERATION,)
        evidence["refrigerated"] = True
    for other in others:
        d2 = dl.deadline_for(other, local, area, ref)
        follow.append(FollowUpDeadline(other, d2.due_date, d2.amount, d2.unit, d2.article))
    value = RequestDraft(
        request_type=rtype,
        installation_id=installation_id,
        opened_at=now,
        due_at=_aware(due.due_at),
        due_date=due.due_date,
        deadline_amount=due.amount,
        deadline_unit=due.unit,
        article=due.article,
        article_status=rule.status,
        eligible=refusal is None,
        refusal=refusal,
        evidence=evidence,
        follow_ups=tuple(follow),
    )
    cites = [TrailRef(a, s) for a, s in rt.OPEN_ARTICLES.get(args.request_type, ())]  # type: ignore[arg-type]
    cites.append(rule.ref)
    cites.append(ref.counting_ref)
    seen: dict[str, TrailRef] = {}
    for c in cites:
        seen.setdefault(c.source, c)
    return ToolResult(
        tool="service_request_preview",
        value=value,
        units={"deadline_amount": due.unit},
        trail=tuple(trail),
        issues=tuple(issues),
        provenance=Provenance(
            installation_id=installation_id, today=ctx.data_today, reference_versions={"deadlines": ref.version}
        ),
        citations=tuple(seen.values()),
    )


def service_request_preview(
    ctx: ToolContext, installation_id: str | None, args: ServiceRequestArgs
) -> ToolResult[RequestDraft]:
    """The request as it would be opened now: deadline, follow-up deadlines and evidence. Writes nothing."""
    return _draft(ctx, installation_id, args)


def open_service_request(
    ctx: ToolContext, installation_id: str | None, args: OpenServiceRequestArgs
) -> ToolResult[RequestDraft]:
    """Open the request in the outbox with a protocol number (call only after the customer's explicit
    confirmation). Idempotent by ``source_key``: the same confirmation returns the same protocol."""
    draft = _draft(ctx, installation_id, args)
    d = draft.value
    if not d.eligible:
        return ToolResult(
            tool="open_service_request",
            value=d,
            units=draft.units,
            trail=draft.trail,
            issues=(*draft.issues, Issue(str(d.refusal), "disqualifying", {})),
            provenance=draft.provenance,
            citations=draft.citations,
        )
    attrs = ctx.installation(d.installation_id)
    row, created = outbox.record_request(
        ctx.store.home,
        outbox.NewRequest(
            request_type=d.request_type,
            installation_id=d.installation_id,
            channel=args.channel,
            created_at=d.opened_at,
            due_at=d.due_at,
            due_date=d.due_date,
            deadline_amount=d.deadline_amount,
            deadline_unit=d.deadline_unit,
            article=d.article,
            article_status=d.article_status,
            area=str(attrs.get("area") or "urbana").lower(),
            region=str(attrs.get("municipality") or "-"),
            details=dict(d.evidence),
            source_key=args.source_key,
        ),
    )
    value = RequestDraft(
        request_type=row.request_type,
        installation_id=row.installation_id,
        opened_at=row.created_at,
        due_at=row.due_at,
        due_date=row.due_date,
        deadline_amount=row.deadline_amount,
        deadline_unit=row.deadline_unit,
        article=row.article,
        article_status=row.article_status,
        eligible=True,
        refusal=None,
        evidence=row.details,
        follow_ups=d.follow_ups,
        protocol=row.protocol,
        created=created,
        status=row.status,
    )
    step = Step(
        "service.step.recorded",
        {"source_key": args.source_key, "created": created},
        "INSERT INTO service_outbox (protocol = day + sequence of the day), idempotent by source_key",
        row.protocol,
        "protocol",
    )
    return ToolResult(
        tool="open_service_request",
        value=value,
        units=draft.units,
        trail=(*draft.trail, step),
        issues=draft.issues,
        provenance=draft.provenance,
        citations=draft.citations,
    )


def service_request_queue(
    ctx: ToolContext, installation_id: str | None, args: ServiceQueueArgs
) -> ToolResult[ServiceQueue]:
    """The requests the assistant opened (newest first), with their deadline and the CRM's status."""
    now = ctx.clock()
    rows = outbox.outbox_requests(ctx.store.home, status=args.status, pending_export=args.pending_export,
                                  limit=args.limit)
    items = tuple(
        QueuedRequest(
            protocol=r.protocol,
            installation_id=r.installation_id,
            request_type=r.request_type,
            channel=r.channel,
            status=r.status,
            created_at=r.created_at,
            due_at=r.due_at,
            due_date=r.due_date,
            deadline_amount=r.deadline_amount,
            deadline_unit=r.deadline_unit,
            article=r.article,
            overdue=r.status == "open" and now > r.due_at,
            exported_at=r.exported_at,
            evidence=r.details,
        )
        for r in rows
    )
    value = ServiceQueue(
        requests=items,
        open=sum(i.status == "open" for i in items),
        overdue=sum(i.overdue for i in items),
        pending_export=sum(i.exported_at is None for i in items),
        as_of=now,
    )
    trail = (
        Step(
            "service.step.queue",
            {"status": args.status, "pending_export": args.pending_export},
            outbox.QUEUE_QUERY,
            len(items),
            "requests",
        ),
    )
    return ToolResult(tool="service_request_queue", value=value, trail=trail,
                      provenance=Provenance(today=ctx.data_today))


def export_outbox(
    home: str | Path, pending_only: bool = True, acknowledge_at: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """The outbox rows in the documented format (``docs/outbox.md``), oldest first, for the CRM/SAP.

    ``pending_only``: the rows the CRM has not acknowledged; ``acknowledge_at`` (with offset) marks
    the rows returned as delivered (idempotent by protocol: a repeated delivery keeps the first instant).
    """
    rows = list(reversed(outbox.outbox_requests(home, pending_export=pending_only, limit=100_000)))
    if acknowledge_at is not None:
        for r in rows:
            outbox.acknowledge(home, r.protocol, acknowledge_at)
        rows = [outbox.get_request(home, r.protocol) or r for r in rows]
    return [outbox.export_record(r) for r in rows]


SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="service_request_preview",
        fn=service_request_preview,
        args_model=ServiceRequestArgs,
        audience=("customer",),
        needs_installation=True,
        summary="What a service request (voltage complaint, Tarifa Branca change, religacao, meter inspection, "
        "damage claim) would be if opened now: regulated deadline and the meter's evidence; writes nothing",
        cites=("REN 1.000/2021 Anexo IV", "REN 1.000/2021 art. 656"),
    ),
    ToolSpec(
        name="open_service_request",
        fn=open_service_request,
        args_model=OpenServiceRequestArgs,
        audience=("customer",),
        needs_installation=True,
        summary="Open a service request in the outbox with a protocol number and its regulated deadline; only "
        "after the customer's explicit confirmation",
        cites=("REN 1.000/2021 Anexo IV", "REN 1.000/2021 art. 656"),
        writes=True,
    ),
    ToolSpec(
        name="service_request_queue",
        fn=service_request_queue,
        args_model=ServiceQueueArgs,
        audience=("operator",),
        needs_installation=False,
        summary="Service requests the assistant opened (the CRM outbox): protocol, type, deadline, status",
    ),
)
