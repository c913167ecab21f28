"""Instants are shown to people in local time (America/Sao_Paulo, UTC-3), dd/mm/aaaa hh:mm."""

from __future__ import annotations

import datetime as dt

from assistant.render import fmt_value


def test_an_utc_instant_is_shown_three_hours_earlier():
    # 05:44 UTC on 7 December is 02:44 in São Paulo (UTC-3, no daylight saving since 2019)
    assert fmt_value("2026-12-07T05:44:00+00:00") == "07/12/2026 02:44"
    assert fmt_value("2026-12-07T05:44:03.123456+00:00") == "07/12/2026 02:44"
    assert fmt_value(dt.datetime(2026, 12, 7, 5, 44, tzinfo=dt.UTC)) == "07/12/2026 02:44"


def test_an_utc_instant_after_midnight_falls_on_the_previous_local_day():
    assert fmt_value("2027-01-01T01:30:00Z") == "31/12/2026 22:30"


def test_a_local_wall_clock_time_is_kept_as_written():
    assert fmt_value("2026-12-07 10:00") == "07/12/2026 10:00"
    assert fmt_value(dt.datetime(2026, 12, 7, 10, 0)) == "07/12/2026 10:00"
