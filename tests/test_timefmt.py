"""Times: "HH:MM", ISO 8601 and seconds, round-tripping exactly."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medroute import InvalidProblemError
from medroute.timefmt import format_time, parse_time, to_datetime

WIB = ZoneInfo("Asia/Jakarta")
DAY = date(2026, 1, 5)


@given(st.integers(0, 99 * 3600))
def test_format_then_parse_is_identity(seconds: int) -> None:
    assert parse_time(format_time(seconds), day=DAY, tz=WIB, where="t") == seconds


@pytest.mark.parametrize(("text", "seconds"), [
    ("09:30", 34200), ("9:30", 34200), ("26:00", 93600), ("09:30:15", 34215),
    ("2026-01-05T09:30:00+07:00", 34200), ("2026-01-05T02:30:00Z", 34200), ("2026-01-05T09:30", 34200),
    ("2026-01-06T00:00:00+07:00", 86400), (42, 42),
])
def test_accepted_forms(text: object, seconds: int) -> None:
    assert parse_time(text, day=DAY, tz=WIB, where="t") == seconds


@pytest.mark.parametrize("bad", ["9.30", "noon", "25:61", True, None, [9, 30], float("nan")])
def test_rejected_forms_name_the_field(bad: object) -> None:
    with pytest.raises(InvalidProblemError, match=r"^orders\[3\]\.release: "):
        parse_time(bad, day=DAY, tz=WIB, where="orders[3].release")


def test_to_datetime_is_timezone_aware() -> None:
    assert to_datetime(34200, day=DAY, tz=WIB).isoformat() == "2026-01-05T09:30:00+07:00"
