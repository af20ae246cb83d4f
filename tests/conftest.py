"""Shared fixtures."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "medroute", deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile("ci", parent=settings.get_profile("medroute"), max_examples=40, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "medroute")
