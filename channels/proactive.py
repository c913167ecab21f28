"""Proactive WhatsApp alerts (behind ``SMARTMETER_PROACTIVE_ENABLED``): a high-bill warning when
``forecast_bill`` projects the cycle above the last bill. Numbers come from the tool; the text from
the catalogue; sending through Twilio's client (``channels.whatsapp.send_whatsapp``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from assistant.i18n import format_brl, t
from channels.config import ChannelSettings
from channels.whatsapp import send_whatsapp
from tools.api import Scope, ToolContext, run_tool
from tools.api.identity import alert_recipients
from tools.errors import ToolError

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
