import datetime as dt

import pytest

from tools.domain.periods import resolve_period
from tools.errors import InvalidPeriod

TODAY = dt.date(2026, 11, 26)  # a Thursday


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("yesterday", "2026-11-25", "2026-11-25"),
        ("day_before_yesterday", "2026-11-24", "2026-11-24"),
        ("last_week", "2026-11-16", "2026-11-22"),
        ("last_7_days", "2026-11-19", "2026-11-25"),
        ("last_month", "2026-10-01", "2026-10-31"),
        ("month_before_last", "2026-09-01", "2026-09-30"),
        ("2026-09", "2026-09-01", "2026-09-30"),
        ("2026-11", "2026-11-01", "2026-11-25"),
        ("this_year", "2026-01-01", "2026-11-25"),
        ("last_30_days", "2026-10-27", "2026-11-25"),
    ],
)
def test_labels(label: str, start: str, end: str) -> None:
    p = resolve_period(label, TODAY)
    assert (p.start.isoformat(), p.end.isoformat()) == (start, end)


def test_mapping_and_errors() -> None:
    p = resolve_period({"start": "2026-09-05", "end": "2026-09-20"}, TODAY)
    assert p.days == 16
    with pytest.raises(InvalidPeriod):
        resolve_period("someday", TODAY)
    with pytest.raises(InvalidPeriod):
        resolve_period({"start": "2026-09-20", "end": "2026-09-05"}, TODAY)
