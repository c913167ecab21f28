"""``outage_notice_plan`` (operator): the outages inferred up to a moment, who is under each one and
whether the supply is back for them; plus the consent and notice-log calls the messaging channel
needs (``channels.outage_notices``), so the channel never touches ``tools.data`` itself.

An outage here is what the copilot's outage inference finds (``fleet_outage_inference.sql``): power-down
bursts of at least two meters and half of a transformer within a few minutes, grouped into feeder
outages. A single meter going down (the customer's own breaker, a suspension) is never an outage and
is only counted, so no "we know about the outage in your region" notice can come from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from tools.api.context import ToolContext
from tools.api.fleet.common import opt_dec, opt_ts, sql_step
from tools.api.fleet.events import OUTAGE_MIN_METERS, OUTAGE_MIN_SHARE, OUTAGE_WINDOW_MIN
from tools.data import consent as consent_data
from tools.data import notices as notice_data
from tools.data import outage_feed, schema
from tools.registry import ToolSpec
from tools.types import Issue, Period, Provenance, Step, ToolResult, TrailRef

#: outages that started this long before ``at`` are still looked at (their power-up notice)
LOOKBACK_H = 16
POWER_CODES = (schema.EVENT_POWER_DOWN, schema.ALARM_LAST_GASP)
REF_PRODIST = TrailRef("PRODIST Modulo 8, secao 8.2 (long interruption: 3 minutes or more)", "confirmed")


class OutagePlanArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: dt.datetime = Field(description="the moment the notices are prepared (local time, no offset)")


@dataclass(frozen=True, slots=True)
class AffectedInstallation:
    installation_id: str
    down_at: dt.datetime | None  # own power-down (None: no own record yet)
    up_at: dt.datetime | None  # own power-up at or before ``at`` (None: still down)
    minutes: Decimal | None  # own duration when back
    counts: bool | None  # >= 3 min: counts in DIC/FIC (None: still down)


@dataclass(frozen=True, slots=True)
class PlannedOutage:
    key: str  # level:entity:start, the notices' dedup key
    level: str  # transformer | feeder
    entity_id: str
    feeder_id: str
    transformers: tuple[str, ...]
    start: dt.datetime
    restored: bool  # back for the area at ``at``
    end: dt.datetime | None
    duration_min: Decimal | None  # median over the meters (when back)
    long_interruption: bool | None
    meters_down: int
    meters_under: int
    affected: tuple[AffectedInstallation, ...]


@dataclass(frozen=True, slots=True)
class OutagePlan:
    at: dt.datetime
    since: dt.datetime
    outages: tuple[PlannedOutage, ...]
    isolated_meters: int  # meters down alone (never notified as an outage)


def outage_notice_plan(ctx: ToolContext, installation_id: str | None, args: OutagePlanArgs) -> ToolResult[OutagePlan]:
    at = args.at.replace(tzinfo=None)
    since = at - dt.timedelta(hours=LOOKBACK_H)
    df, sql, params = outage_feed.infer_outages(
        ctx.store, since, at, OUTAGE_WINDOW_MIN, OUTAGE_MIN_METERS, OUTAGE_MIN_SHARE, POWER_CODES,
        schema.INTERRUPTION_MIN_MINUTES,
    )
    steps: list[Step] = [sql_step("engagement.step.outage_inference", sql, params, len(df))]
    planned: list[PlannedOutage] = []
    in_outages: set[str] = set()
    for r in df.to_dict("records"):
        start = opt_ts(r["start_ts"])
        assert start is not None
        end = opt_ts(r["end_ts"])
        restored = end is not None and end <= at
        transformers = tuple(str(t) for t in r["transformers"])
        ids = outage_feed.installations_under(ctx.store, str(r["level"]), str(r["feeder_id"]), transformers)
        own = outage_feed.own_interruptions(
            ctx.store, ids, start - dt.timedelta(minutes=1), start + dt.timedelta(minutes=OUTAGE_WINDOW_MIN + 1)
        )
        own_by = {str(o["installation_id"]): o for o in own.to_dict("records")}
        affected = []
        for i in ids:
            o = own_by.get(i)
            down = opt_ts(o["start_ts"]) if o is not None else None
            up = opt_ts(o["end_ts"]) if o is not None and not pd.isna(o["end_ts"]) else None
            back = up is not None and up <= at
            minutes = opt_dec(o["duration_min"], "0.1") if o is not None and back else None
            counts = (minutes >= schema.INTERRUPTION_MIN_MINUTES) if minutes is not None else None
            if down is not None:
                in_outages.add(i)
            affected.append(AffectedInstallation(i, down, up if back else None, minutes, counts))
        planned.append(PlannedOutage(
            key=f"{r['level']}:{r['entity_id']}:{start:%Y-%m-%dT%H:%M}",
            level=str(r["level"]), entity_id=str(r["entity_id"]), feeder_id=str(r["feeder_id"]),
            transformers=transformers, start=start, restored=restored, end=end if restored else None,
            duration_min=opt_dec(r["duration_min"], "0.1") if restored else None,
            long_interruption=bool(r["long_interruption"]) if restored else None,
            meters_down=int(r["n_down"]), meters_under=int(r["n_meters"]), affected=tuple(affected),
        ))
    isolated = len(outage_feed.meters_down(ctx.store, since, at, POWER_CODES) - in_outages)
    steps.append(Step("engagement.step.outage_plan", {"at": at, "since": since, "outages": len(planned),
                                                      "isolated_meters": isolated},
                      "outages with two or more meters and half of a transformer; a meter down alone is not notified",
                      len(planned), "outages", (REF_PRODIST,)))
    issues = [Issue("fleet.issue.outage_inference_heuristic", "warning",
                    {"window_min": OUTAGE_WINDOW_MIN, "min_share": OUTAGE_MIN_SHARE})] if planned else []
    return ToolResult(
        tool="outage_notice_plan",
        value=OutagePlan(at, since, tuple(planned), isolated),
        units={"duration_min": "min", "minutes": "min"},
        trail=tuple(steps),
        issues=tuple(issues),
        provenance=Provenance(None, Period(since.date(), at.date(), "outage_window"), ctx.data_today, {}, (sql,)),
    )


# ----------------------------------------------------------------------------- channel helpers


def wants_outage_notices(home: str | Path, installation_id: str) -> bool:
    """The installation's latest decision about outage notices is an opt-in (LGPD consent log)."""
    return consent_data.has_consent(home, installation_id, "outage_notices")


def claim(home: str | Path, installation_id: str, kind: str, key: str, channel: str, at: dt.datetime) -> bool:
    return notice_data.claim_notice(home, installation_id, kind, key, channel, at)


def release(home: str | Path, installation_id: str, kind: str, key: str) -> None:
    notice_data.release_notice(home, installation_id, kind, key)


def delivered(home: str | Path, installation_id: str, kind: str, key: str, message_sid: str | None) -> None:
    notice_data.mark_delivered(home, installation_id, kind, key, message_sid)


def sent_since(home: str | Path, installation_id: str, kinds: tuple[str, ...], since: dt.datetime) -> int:
    """Notices of ``kinds`` recorded for the installation since ``since`` (for throttling)."""
    return sum(1 for n in notice_data.notices(home, installation_id, since=since) if n.kind in kinds)


def already_logged(home: str | Path, installation_id: str, kind: str, key: str) -> bool:
    return any(n.key == key for n in notice_data.notices(home, installation_id, kind=kind))


def notices_log(home: str | Path, kind: str | None = None) -> list[Any]:
    return notice_data.notices(home, kind=kind)


SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="outage_notice_plan",
        fn=outage_notice_plan,
        args_model=OutagePlanArgs,
        audience=("operator",),
        needs_installation=False,
        summary="Outages inferred up to a moment (power-down bursts on a transformer or feeder), the installations "
        "under each one and whether their supply is back, for proactive outage notices.",
        cites=("PRODIST Modulo 8 secao 8.2",),
    ),
)
