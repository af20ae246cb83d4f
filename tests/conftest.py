"""Shared fixtures."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """The figures a test drew are closed after it (pyplot keeps them, and warns past 20)."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


@pytest.fixture(scope="session", autouse=True)
def _alns_compiled() -> None:
    """The ``alns`` engine's numba core compiled (or loaded from numba's disk cache) before any
    test runs, so that no timed test spends its budget compiling."""
    from medroute.engines.alns import warm_up

    warm_up()



SLOWER = 1000.0
"""How many times slower :func:`slow_machine` makes the machine look."""


@pytest.fixture
def slow_machine(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to make the machine look :data:`SLOWER` times slower to every search that reads a
    clock: Python's clocks run that many times faster, and OR-Tools' clock limits are that many
    times shorter (what it gets done inside them). A run that ends by work alone must not notice."""
    import time

    from medroute.engines import ortools

    def faster(real: Callable[[], float]) -> Callable[[], float]:
        t0 = real()
        return lambda: t0 + (real() - t0) * SLOWER

    def slower() -> None:
        for name in ("perf_counter", "monotonic", "time"):
            monkeypatch.setattr(time, name, faster(getattr(time, name)))
        params = ortools._params

        def shorter(*args: Any, **kwargs: Any) -> Any:
            p = params(*args, **kwargs)
            for limit in (p.time_limit, p.lns_time_limit):
                limit.FromNanoseconds(max(1, int(limit.ToNanoseconds() / SLOWER)))
            return p

        monkeypatch.setattr(ortools, "_params", shorter)

    return slower


@pytest.fixture
def problem_file(tmp_path: Path) -> Path:
    """The small problem of ``tests.plans``, saved as ``problem.json`` (the CLI tests' input)."""
    from tests.plans import small_problem

    path = tmp_path / "problem.json"
    small_problem().save(path)
    return path
