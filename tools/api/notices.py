"""The proactive-notice and consent records, for the channels that send (the edges never import
``tools.data``): dedup and throttling of sends (:mod:`tools.data.notices`), who opted in to what
(:mod:`tools.data.consent`) the goals in force (:mod:`tools.data.goals`) and when a goal alert is due."""

from __future__ import annotations

from tools.data.consent import Consent, consent_history, consented, has_consent, record_consent
from tools.data.goals import Goal, goals_in_force
from tools.data.notices import Notice, claim_notice, mark_delivered, notices, release_notice
from tools.domain.engagement import goal_alert_due

__all__ = [
    "Consent",
    "Goal",
    "Notice",
    "claim_notice",
    "consent_history",
    "consented",
    "goal_alert_due",
    "goals_in_force",
    "has_consent",
    "mark_delivered",
    "notices",
    "record_consent",
    "release_notice",
]
