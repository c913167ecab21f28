"""Proactive WhatsApp messages (behind ``SMARTMETER_PROACTIVE_ENABLED``).

- a high-bill warning when ``forecast_bill`` projects the cycle above the last bill;
- the D-1 digest (``daily_digest``), to customers who opted in, at the hour they chose (default 8h);
- the goal alert, once per cycle, when ``goal_progress`` projects the cycle above the customer's goal
  early enough to act (:func:`tools.domain.engagement.goal_alert_due`), with the two largest savings.

Every send goes through :func:`send_notice`: consent is checked by the caller, then quiet hours (no
message from 21h to 8h, America/Sao_Paulo), then the notice is claimed in the operational state
(one per installation, kind and key: a digest per day, a goal alert per cycle), sent through
Twilio's client (``channels.whatsapp.send_whatsapp``) and marked delivered, or released when Twilio
fails so the next run tries again. Numbers come from the tools; the text from the catalogue.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answers_engagement import action_text, digest_lines, goal_fields, join_and
from assistant.i18n import format_brl, t
from channels.config import ChannelSettings
from channels.whatsapp import send_whatsapp
from tools.api import Scope, ToolContext, run_tool
from tools.api.calendar import LOCAL_TZ
from tools.api.engagement import DIGEST_DEFAULT_HOUR
from tools.api.identity import alert_recipients
from tools.api.notices import (
    claim_notice,
    consented,
    goal_alert_due,
    goals_in_force,
    has_consent,
    mark_delivered,
    notices,
    release_notice,
)
from tools.errors import ToolError
from tools.types import to_jsonable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertOutcome:
    installation_id: str
    sent: bool
    reason: str  # sent | below_last_bill | disabled | not_configured | tool_error | twilio_error
    message_sid: str | None = None


def high_bill_alerts(store: Any, settings: ChannelSettings, installation_ids: list[str] | None = None) -> list[AlertOutcome]:
    outcomes: list[AlertOutcome] = []
    for inst, phone in alert_recipients(store, installation_ids):
        ctx = ToolContext(store=store, scope=Scope.customer(inst))
        try:
            result = run_tool("forecast_bill", ctx, inst, {})
        except ToolError as exc:
            outcomes.append(AlertOutcome(inst, False, "tool_error:" + exc.code))
            continue
        value = result.value
        if not getattr(value, "above_last_bill", False):
            outcomes.append(AlertOutcome(inst, False, "below_last_bill"))
            continue
        if not settings.proactive_enabled:
            outcomes.append(AlertOutcome(inst, False, "disabled"))
            continue
        if not settings.twilio_auth_token:  # never sent with a default token
            outcomes.append(AlertOutcome(inst, False, "not_configured"))
            continue
        body = t("whatsapp.proactive_high_bill", estimate=format_brl(value.total_rs), last=format_brl(value.last_bill_total_rs))
        try:
            sid = send_whatsapp(settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_from, phone, body,
                                api_base=settings.twilio_api_base)
        except RuntimeError:
            log.warning("proactive.twilio_error installation_tail=%s", inst[-4:])
            outcomes.append(AlertOutcome(inst, False, "twilio_error"))
            continue
        outcomes.append(AlertOutcome(inst, True, "sent", sid))
    return outcomes


# ---------------------------------------------------------------------------------- engagement

QUIET_FROM_HOUR = 21  # no proactive message from 21h ...
QUIET_UNTIL_HOUR = 8  # ... to 8h (local)


@dataclass(frozen=True)
class NoticeOutcome:
    installation_id: str
    kind: str  # daily_digest | goal_alert | outage_* ...
    key: str
    sent: bool
    # sent | disabled | not_configured | quiet_hours | already_sent | not_yet | not_due | no_phone
    # | tool_error:<code> | twilio_error
    reason: str
    message_sid: str | None = None


def in_quiet_hours(now: dt.datetime) -> bool:
    local = now.astimezone(LOCAL_TZ)
    return local.hour >= QUIET_FROM_HOUR or local.hour < QUIET_UNTIL_HOUR


def send_notice(home: str | Path, settings: ChannelSettings, installation_id: str, phone: str, kind: str, key: str,
                body: str, now: dt.datetime, *, respect_quiet_hours: bool = True) -> NoticeOutcome:
    """Send one proactive WhatsApp message once: settings, quiet hours, claim (dedup), Twilio,
    delivered or released. The caller has checked the customer's consent for the purpose."""
    if not settings.proactive_enabled:
        return NoticeOutcome(installation_id, kind, key, False, "disabled")
    if not settings.twilio_auth_token:  # never sent with a default token
        return NoticeOutcome(installation_id, kind, key, False, "not_configured")
    if respect_quiet_hours and in_quiet_hours(now):
        return NoticeOutcome(installation_id, kind, key, False, "quiet_hours")
    if not claim_notice(home, installation_id, kind, key, "whatsapp", now):
        return NoticeOutcome(installation_id, kind, key, False, "already_sent")
    try:
        sid = send_whatsapp(settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_from, phone, body,
                            api_base=settings.twilio_api_base)
    except RuntimeError:
        release_notice(home, installation_id, kind, key)
        log.warning("proactive.twilio_error kind=%s installation_tail=%s", kind, installation_id[-4:])
        return NoticeOutcome(installation_id, kind, key, False, "twilio_error")
    mark_delivered(home, installation_id, kind, key, sid)
    return NoticeOutcome(installation_id, kind, key, True, "sent", sid)


def _phones(store: Any, installation_ids: list[str]) -> dict[str, str]:
    return dict(alert_recipients(store, installation_ids)) if installation_ids else {}


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def daily_digests(store: Any, settings: ChannelSettings, now: dt.datetime | None = None,
                  installation_ids: list[str] | None = None) -> list[NoticeOutcome]:
    """The D-1 digest to every customer who opted in, from the hour they chose (at most one a day)."""
    now = _now(now)
    home = store.home
    local = now.astimezone(LOCAL_TZ)
    start_of_day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    wanted = [c for c in consented(home, "daily_digest") if installation_ids is None or c.installation_id in installation_ids]
    phones = _phones(store, [c.installation_id for c in wanted])
    today = store.data_today() or local.date()
    key = (today - dt.timedelta(days=1)).isoformat()  # the day the digest is about
    out: list[NoticeOutcome] = []
    for c in wanted:
        inst = c.installation_id
        hour = int(c.details.get("hour", DIGEST_DEFAULT_HOUR))
        if local.hour < hour:
            out.append(NoticeOutcome(inst, "daily_digest", key, False, "not_yet"))
            continue
        if notices(home, inst, "daily_digest", since=start_of_day):  # one a day, whatever the data
            out.append(NoticeOutcome(inst, "daily_digest", key, False, "already_sent"))
            continue
        phone = phones.get(inst)
        if not phone:
            out.append(NoticeOutcome(inst, "daily_digest", key, False, "no_phone"))
            continue
        ctx = ToolContext(store=store, scope=Scope.customer(inst), today=today, channel="whatsapp")
        try:
            result = run_tool("daily_digest", ctx, inst, {})
        except ToolError as exc:
            out.append(NoticeOutcome(inst, "daily_digest", key, False, "tool_error:" + exc.code))
            continue
        body = " ".join(digest_lines(to_jsonable(result.value))) + "\n\n" + t("engagement.proactive.digest_footer")
        out.append(send_notice(home, settings, inst, phone, "daily_digest", key, body, now))
    return out


def goal_alert_text(report: dict[str, Any]) -> str:
    """The goal alert: the projection against the goal, the daily budget, the two largest savings."""
    g = report["progress"]
    unit = str(report.get("unit") or "brl")
    f = goal_fields(g, unit)
    parts = [t("engagement.proactive.goal" if unit == "brl" else "engagement.proactive.goal_kwh", **f)]
    actions = []
    for s in report.get("savings") or []:
        action = action_text(s.get("tip_key"))
        if action:
            saving = format_brl(s["brl"]) if s.get("brl") is not None else f"{s.get('kwh')} kWh"
            actions.append(f"{action} ({saving})")
    if actions:
        parts.append(t("engagement.proactive.goal_actions", actions=join_and(actions)))
    return " ".join(parts) + "\n\n" + t("engagement.proactive.goal_footer")


def goal_alerts(store: Any, settings: ChannelSettings, now: dt.datetime | None = None,
                installation_ids: list[str] | None = None, today: dt.date | None = None) -> list[NoticeOutcome]:
    """A goal alert, once per cycle, to customers with a goal and the goal-alert consent whose
    projection passes the goal early enough to act."""
    now = _now(now)
    home = store.home
    wanted = [g for g in goals_in_force(home) if installation_ids is None or g.installation_id in installation_ids]
    wanted = [g for g in wanted if has_consent(home, g.installation_id, "goal_alerts")]
    phones = _phones(store, [g.installation_id for g in wanted])
    out: list[NoticeOutcome] = []
    for goal in wanted:
        inst = goal.installation_id
        ctx = ToolContext(store=store, scope=Scope.customer(inst), today=today, channel="whatsapp")
        try:
            result = run_tool("goal_progress", ctx, inst, {})
        except ToolError as exc:
            out.append(NoticeOutcome(inst, "goal_alert", "", False, "tool_error:" + exc.code))
            continue
        progress = result.value.progress
        key = f"goal:{progress.bill_month}" if progress is not None else ""
        if progress is None or not goal_alert_due(progress):
            out.append(NoticeOutcome(inst, "goal_alert", key, False, "not_due"))
            continue
        phone = phones.get(inst)
        if not phone:
            out.append(NoticeOutcome(inst, "goal_alert", key, False, "no_phone"))
            continue
        body = goal_alert_text(to_jsonable(result.value))
        out.append(send_notice(home, settings, inst, phone, "goal_alert", key, body, now))
    return out
