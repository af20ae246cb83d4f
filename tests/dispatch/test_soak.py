"""A slice of the soak harness (``benchmarks/soak.py``) in the suite: small days through each
engine, counting exceptions, plans the checker rejects and lost orders."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.soak import Day, Outcome, load_outcomes, print_outcome, run, run_day


@pytest.mark.parametrize("engine", ["none", "greedy", "ortools", "pyvrp", "auto"])
def test_small_days_soak_clean(engine: str) -> None:
    for noise, seed in ((0.3, 1), (0.15, 2)):
        out = run_day(Day("historic", seed, engine, noise, 0.1, orders=12))
        assert (out.exceptions, out.check_failures, out.lost) == (0, 0, 0), out.error
        assert out.plans > 0


def test_each_finished_day_is_logged_at_once_and_read_back(tmp_path: Path) -> None:
    log = tmp_path / "soak.jsonl"
    days = [Day("historic", 3, "none", 0.15, 0.1, orders=6)]
    outcomes, skipped = run(days, hours=1.0, jobs=1, log=log)
    assert skipped == [] and load_outcomes(log) == outcomes
    assert load_outcomes(tmp_path / "none.jsonl") == []


def test_a_finding_without_an_exception_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    day = Day("surge", 7, "greedy", 0.3, 0.1)
    print_outcome(Outcome(day, plans=3, lost=2, error="2 items stranded on board: ['rx-1', 'rx-2']"))
    print_outcome(Outcome(day, plans=3, check_failures=1))
    err = capsys.readouterr().err.splitlines()
    assert err[0].endswith("0 exceptions, 0 check failures, 2 lost: 2 items stranded on board: ['rx-1', 'rx-2']")
    assert err[1].endswith("0 exceptions, 1 check failures, 0 lost: ")
