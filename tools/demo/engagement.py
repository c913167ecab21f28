"""Engagement scenarios of the demo fleet (seed 7; the same installations and readings in the
60-meter test fleet and the 200-meter ``smartmeter setup`` fleet), seeded into the operational state.

With the demo's today (2026-11-26) and the data through 2026-11-25:

- ``goal_on_track`` — 40010016 (cycle from 2026-11-10, 30 days, day 16): goal R$ 100,00 per cycle;
  ``forecast_bill`` projects R$ 81,31 (range R$ 68,30 to R$ 86,03): on track all cycle long.
- ``goal_week3`` — 40010049 (cycle from 2026-11-09, 30 days): goal R$ 190,00. The projection stays at
  or under the goal through day 16 and passes it on day 17 (R$ 191,13 on 2026-11-26): the goal alert
  goes out in the third week of the cycle, with 13 days left to act.

Both opted in to the goal alert (when they set the goal) and to the D-1 digest at 8h, on WhatsApp.
Worked figures: ``tests/channels/test_engagement.py``, ``docs/engagement.md``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from tools.data.consent import consent_history, record_consent
from tools.data.goals import current_goal, set_goal

BRT = dt.timezone(dt.timedelta(hours=-3))
#: name → (installation, unit, goal, when it was set)
GOAL_SCENARIOS: dict[str, tuple[str, str, Decimal, dt.datetime]] = {
    "goal_on_track": ("40010016", "brl", Decimal("100"), dt.datetime(2026, 11, 10, 9, 30, tzinfo=BRT)),
    "goal_week3": ("40010049", "brl", Decimal("190"), dt.datetime(2026, 11, 9, 19, 0, tzinfo=BRT)),
}


def seed_engagement(home: str | Path, installation_ids: set[str] | None = None) -> list[str]:
    """Write the scenarios' goals and consents once (nothing when already there); the seeded ids."""
    seeded = []
    for inst, unit, amount, at in GOAL_SCENARIOS.values():
        if installation_ids is not None and inst not in installation_ids:
            continue
        if current_goal(home, inst) is not None or consent_history(home, inst):
            continue
        set_goal(home, inst, "kwh" if unit == "kwh" else "brl", amount, "whatsapp", at)
        record_consent(home, inst, "goal_alerts", "whatsapp", True, at, {"via": "set_goal"})
        record_consent(home, inst, "daily_digest", "whatsapp", True, at + dt.timedelta(minutes=1), {"hour": 8})
        seeded.append(inst)
    return seeded
