"""The engagement part of the demo home (operational state, not meter data), recorded by
``build_demo``: the 12 titulars of the demo customer's transformer who opted in to outage notices
(``outage_notice_opt_in``), the shower-challenge home's enrolment in both week challenges
(``shower_challenge``), and the outage notices of yesterday's outage (19:42-20:30) as the job would
have logged them, so the copilot's engagement page has figures. Idempotent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tools.data import challenges, consent, notices

BRT = dt.timezone(dt.timedelta(hours=-3))


def seed_challenges(home: str | Path, meta: dict[str, Any]) -> None:
    scen = meta.get("scenarios", {})
    details = meta.get("details", {})
    end = dt.date.fromisoformat(meta["period"]["end"])
    opted = [str(i) for i in scen.get("outage_notice_opt_in", [])]
    asked_at = dt.datetime.combine(end.replace(day=1), dt.time(10, 0), tzinfo=BRT)
    for inst in opted:
        if consent.current_consent(home, inst, "outage_notices") is None:
            consent.record_consent(home, inst, "outage_notices", "whatsapp", True, asked_at)
    challenge = details.get("shower_challenge")
    for inst in scen.get("shower_challenge", []):
        start = dt.date.fromisoformat(challenge["start"])
        joined = dt.datetime.combine(start, dt.time(8, 0), tzinfo=BRT)
        for name in challenges.CHALLENGES:
            challenges.enrol(home, str(inst), name, start, "whatsapp", joined)
    y = details.get("yesterday_outage")
    if not y or not opted:
        return
    start = dt.datetime.fromisoformat(y["start"])
    stop = dt.datetime.fromisoformat(y["end"])
    key = f"feeder:{y['feeder_id']}:{start:%Y-%m-%dT%H:%M}"
    for kind, at in (("outage_down", start + dt.timedelta(minutes=5)), ("outage_up", stop + dt.timedelta(minutes=5))):
        for inst in opted:
            if notices.claim_notice(home, inst, kind, key, "whatsapp", at.replace(tzinfo=BRT)):
                notices.mark_delivered(home, inst, kind, key, "SM_demo_seed")
