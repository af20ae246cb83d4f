"""User-facing times ("HH:MM", "HH:MM:SS" or ISO 8601) ↔ seconds from the problem's start of day.

Inside medroute every time is an integer number of seconds from midnight of the problem's day in
its timezone. Hours past 23 (``"26:30"``) denote the following day, so long literature horizons
round-trip exactly.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from .errors import InvalidProblemError

_HHMM = re.compile(r"^(\d{1,9}):([0-5]\d)(?::([0-5]\d))?$", re.ASCII)


def parse_time(value: object, *, day: date, tz: ZoneInfo, where: str) -> int:
    """Seconds from midnight of ``day`` in ``tz`` for ``value``.

    ``value`` is an int (seconds, passed through), ``"HH:MM"``, ``"HH:MM:SS"`` or an ISO 8601
    timestamp (naive timestamps are read in ``tz``). ``where`` names the field in errors.
    """
    if isinstance(value, bool):
        raise InvalidProblemError(f"{where}: expected a time, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidProblemError(f"{where}: time must be finite, got {value!r}")
        return round(value)
    if not isinstance(value, str):
        raise InvalidProblemError(f"{where}: expected 'HH:MM' or ISO 8601, got {value!r}"[:300])
    m = _HHMM.match(value.strip())
    if m:
        return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0)
    try:
        stamp = datetime.fromisoformat(value.strip())
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=tz)
        midnight = datetime.combine(day, time(0), tzinfo=tz)
        return round((stamp - midnight).total_seconds())
    except (ValueError, OverflowError):
        raise InvalidProblemError(f"{where}: {value!r} is neither 'HH:MM' nor ISO 8601"[:300]) from None


def format_time(seconds: int) -> str:
    """``"HH:MM"`` (or ``"HH:MM:SS"`` when not on a minute); negative times get a leading ``-``."""
    sign = "-" if seconds < 0 else ""
    s = abs(int(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{sign}{h:02d}:{m:02d}" + (f":{sec:02d}" if sec else "")


def format_clock(seconds: int) -> str:
    """Always ``"HH:MM:SS"`` (one format for a whole table column); negative times get a ``-``."""
    sign = "-" if seconds < 0 else ""
    h, rem = divmod(abs(int(seconds)), 3600)
    return f"{sign}{h:02d}:{rem // 60:02d}:{rem % 60:02d}"


def to_datetime(seconds: int, *, day: date, tz: ZoneInfo) -> datetime:
    """The timezone-aware instant ``seconds`` after midnight of ``day``."""
    from datetime import timedelta

    return datetime.combine(day, time(0), tzinfo=tz) + timedelta(seconds=int(seconds))
