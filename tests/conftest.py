"""Shared fixtures."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import medroute.datadir as datadir

settings.register_profile(
    "medroute", deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile("ci", parent=settings.get_profile("medroute"), max_examples=40, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "medroute")


@pytest.fixture(autouse=True)
def _restore_data_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """``medroute --data-dir`` sets a process-wide setting; no test leaks it into the next."""
    monkeypatch.setattr(datadir.settings, "data_dir", datadir.settings.data_dir)


@pytest.fixture(scope="session", autouse=True)
def _alns_compiled() -> None:
    """The ``alns`` engine's numba core compiled (or loaded from numba's disk cache) before any
    test runs, so that no timed test spends its budget compiling."""
    from medroute.engines.alns import warm_up

    warm_up()
