"""Proactive outage notices on WhatsApp (behind ``SMARTMETER_PROACTIVE_ENABLED``).

Run every few minutes with the current moment: for each outage the copilot's inference finds
(``outage_notice_plan``: two or more meters and half of a transformer down within minutes), every
installation under it whose titular opted in to ``outage_notices`` gets

* while the supply is off: "Sabemos da falta de energia na sua região desde 19h42 ...";
* once it is back for them: when it came back, how long it lasted and whether it counts in DIC/FIC
  this month (3 minutes or more, PRODIST Módulo 8), with the month so far from
  ``continuity_indicators`` and, when a monthly limit is already exceeded, the compensation due.

Rules: one notice per (installation, kind, outage) and everything else of a send (setting, quiet hours
21h-8h, claim, Twilio, release on failure) through :func:`channels.proactive.send_notice`, the one
send path of the proactive messages; the power-up notice of an evening or night outage goes at 8h
while the outage is within the plan's look-back (16 h); at most :data:`MAX_PER_DAY` outage notices
per installation in 24 hours. A meter that goes down alone
(its own breaker, a suspension) never gets an outage notice: it is not an outage.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from assistant.i18n import format_brl, format_date, format_number, t
from channels.config import ChannelSettings
from channels.proactive import in_quiet_hours, send_notice
from tools.api import Scope, ToolContext, run_tool
from tools.api import outage_notices as api
from tools.api.calendar import LOCAL_TZ
from tools.api.identity import alert_recipients
from tools.errors import ToolError

log = logging.getLogger(__name__)

MAX_PER_DAY = 4
KINDS = ("outage_down", "outage_up")
CHANNEL = "whatsapp"


@dataclass(frozen=True)
class NoticeOutcome:
    installation_id: str
    outage: str
    kind: str  # outage_down | outage_up
    sent: bool
    reason: str  # sent | no_consent | already_sent | quiet_hours | throttled | disabled | not_configured | no_phone | twilio_error | tool_error
    body: str = ""
    message_sid: str | None = None


def _hhmm(x: dt.datetime) -> str:
    return f"{x:%H}h{x:%M}"


def _duration(minutes: Decimal) -> str:
    total = int(minutes.to_integral_value())
    if total < 60:
        return t("outage_notice.minutes", n=max(total, 1)) if total >= 1 else t("outage_notice.under_minute")
    h, m = divmod(total, 60)
    return t("outage_notice.hours", h=h, m=f"{m:02d}")


def _hours(x: Any) -> str:
    return f"{format_number(Decimal(str(x)), 1)} h"


def _up_body(store: Any, inst: str, outage: api.PlannedOutage, aff: api.AffectedInstallation) -> str:
    assert aff.up_at is not None and aff.minutes is not None
    lines = [t("outage_notice.up", end=_hhmm(aff.up_at), duration=_duration(aff.minutes))]
    if not aff.counts:
        lines.append(t("outage_notice.short"))
        return " ".join(lines)
    # the month so far, up to the day of the power-up
    ctx = ToolContext(store=store, scope=Scope.customer(inst), today=aff.up_at.date() + dt.timedelta(days=1))
    try:
        c = run_tool("continuity_indicators", ctx, inst, {"period": f"{aff.up_at:%Y-%m}"}).value
    except ToolError:
        lines.append(t("outage_notice.counts"))
        return " ".join(lines)
    lines.append(t("outage_notice.counts_month", count=c.fic, fic=c.fic, dic=_hours(c.dic_h),
                   fic_limit=format_number(Decimal(str(c.limits["fic"])), 0), dic_limit=_hours(c.limits["dic_h"])))
    month = c.months[-1] if c.months else None
    if c.violated and month is not None and month.compensation_rs > 0:
        lines.append(t("outage_notice.exceeded", which=", ".join(c.violated), amount=format_brl(month.compensation_rs),
                       deadline=format_date(month.payment_deadline) if month.payment_deadline else ""))
    elif c.violated:
        lines.append(t("outage_notice.exceeded_no_amount", which=", ".join(c.violated)))
    return " ".join(lines)


def outage_notices(store: Any, settings: ChannelSettings, at: dt.datetime, state_home: str | Path | None = None
                   ) -> list[NoticeOutcome]:
    """Send the outage notices due at ``at`` (an aware datetime); returns one outcome per candidate.

    ``state_home``: where consents and the notice log live (the store's home by default).
    """
    if at.tzinfo is None:
        raise ValueError("at must carry its UTC offset")
    home = Path(state_home) if state_home is not None else Path(store.home)
    local = at.astimezone(LOCAL_TZ).replace(tzinfo=None)
    ctx = ToolContext(store=store, scope=Scope.operator(), today=local.date() + dt.timedelta(days=1))
    try:
        plan = run_tool("outage_notice_plan", ctx, None, {"at": local}).value
    except ToolError as exc:
        log.warning("outage_notices.tool_error code=%s", exc.code)
        return [NoticeOutcome("", "", "", False, "tool_error:" + exc.code)]
    ids = sorted({a.installation_id for o in plan.outages for a in o.affected})
    phones = dict(alert_recipients(store, ids)) if ids else {}
    out: list[NoticeOutcome] = []
    for outage in plan.outages:
        for aff in outage.affected:
            inst = aff.installation_id
            back = aff.up_at is not None
            kind = "outage_up" if back else "outage_down"
            if not back and outage.restored:  # back for the area, not yet recorded for this meter
                continue
            if not api.wants_outage_notices(home, inst):
                out.append(NoticeOutcome(inst, outage.key, kind, False, "no_consent"))
                continue
            phone = phones.get(inst)
            if not phone:
                out.append(NoticeOutcome(inst, outage.key, kind, False, "no_phone"))
                continue
            if api.already_logged(home, inst, kind, outage.key):
                out.append(NoticeOutcome(inst, outage.key, kind, False, "already_sent"))
                continue
            if api.sent_since(home, inst, KINDS, at - dt.timedelta(hours=24)) >= MAX_PER_DAY:
                out.append(NoticeOutcome(inst, outage.key, kind, False, "throttled"))
                continue
            if in_quiet_hours(at) or not settings.proactive_enabled or not settings.twilio_auth_token:
                body = ""  # nothing will go out: no need to build the text (send_notice says why)
            elif back:
                body = _up_body(store, inst, outage, aff) + "\n\n" + t("outage_notice.footer")
            else:
                body = t("outage_notice.down", since=_hhmm(outage.start)) + "\n\n" + t("outage_notice.footer")
            sent = send_notice(home, settings, inst, phone, kind, outage.key, body, at)
            out.append(NoticeOutcome(inst, outage.key, kind, sent.sent, sent.reason, body if sent.sent else "",
                                     sent.message_sid))
    return out
