"""A slice of the soak harness (``benchmarks/soak.py``) in the suite: small days through each
engine, counting exceptions, plans the checker rejects and lost orders."""

from __future__ import annotations

import pytest
from benchmarks.soak import Day, run_day


@pytest.mark.parametrize("engine", ["none", "greedy", "ortools", "pyvrp", "auto"])
def test_small_days_soak_clean(engine: str) -> None:
    for noise, seed in ((0.3, 1), (0.15, 2)):
        out = run_day(Day("historic", seed, engine, noise, 0.1, orders=12))
        assert (out.exceptions, out.check_failures, out.lost) == (0, 0, 0), out.error
        assert out.plans > 0
