"""The defaults a problem takes when its document does not say: the day, the timezone and the
riders' travel profile."""

from __future__ import annotations

from datetime import date

DEFAULT_DAY = date(2026, 1, 5)
"""The service day of a problem that names none (a Monday)."""

DEFAULT_TIMEZONE = "Asia/Jakarta"
"""Banyuwangi's timezone (WIB, UTC+7): clock times in documents are read in it."""

DEFAULT_PROFILE = "motorbike"
"""The travel profile of a rider that names none (a Go-Send motorbike)."""
