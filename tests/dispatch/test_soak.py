"""A slice of the soak harness (``benchmarks/soak.py``) in the suite: small days through each
engine, counting exceptions, hangs, plans the checker rejects and lost orders."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from benchmarks.soak import Day, Outcome, load_outcomes, print_outcome, run, run_day, sources_table


@pytest.mark.parametrize("engine", ["none", "greedy", "ortools", "pyvrp", "auto"])
def test_small_days_soak_clean(engine: str) -> None:
    for noise, seed in ((0.3, 1), (0.15, 2)):
        out = run_day(Day("historic", seed, engine, noise, 0.1, orders=12))
        assert (out.exceptions, out.hangs, out.check_failures, out.lost) == (0, 0, 0, 0), out.error
        assert out.plans > 0
        assert sum(out.sources.values()) == out.plans  # every plan's candidate counted once


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
    assert err[0].endswith("0 exceptions, 0 hangs, 0 check failures, 2 lost: 2 items stranded on board: "
                           "['rx-1', 'rx-2']")
    assert err[1].endswith("0 exceptions, 0 hangs, 1 check failures, 0 lost: ")


def test_a_day_that_never_ends_is_stopped_and_counted_as_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    def endless(*args: Any, **kw: Any) -> None:
        while True:
            with contextlib.suppress(Exception):  # a library that swallows errors does not swallow the timeout
                time.sleep(0.01)

    import medroute.simulate  # noqa: F401  (the module, so that its function can be replaced)

    monkeypatch.setattr(sys.modules["medroute.simulate"], "simulate", endless)
    t0 = time.perf_counter()
    out = run_day(Day("historic", 1, "none", 0.15, 0.1, orders=6, timeout_s=1))
    assert time.perf_counter() - t0 < 10
    assert (out.hangs, out.exceptions) == (1, 0)
    assert out.error.startswith("hang: not ended after 1 s") and "endless" in out.error


def test_days_logged_before_hangs_were_counted_still_read(tmp_path: Path) -> None:
    day = Day("historic", 3, "none", 0.15, 0.1, orders=6)
    row = {"day": {k: v for k, v in vars(day).items() if k != "timeout_s"}, "plans": 4, "exceptions": 0,
           "check_failures": 0, "lost": 0, "wall_s": 1.5, "error": ""}
    (tmp_path / "old.jsonl").write_text(json.dumps(row) + "\n")
    assert load_outcomes(tmp_path / "old.jsonl") == [Outcome(day, plans=4, wall_s=1.5)]


def test_the_report_says_which_candidate_the_plans_came_from() -> None:
    days = [Day("expanded", seed, "auto", 0.15, 2.0) for seed in (1, 2)]
    outcomes = [Outcome(days[0], plans=5, sources={"keep": 3, "alns-own": 2}),
                Outcome(days[1], plans=4, sources={"alns": 3, "alns-own": 1}),
                Outcome(Day("expanded", 1, "none", 0.15, 2.0), plans=2, sources={"keep": 2})]
    rows = sources_table(outcomes)
    assert rows[2:] == ["| expanded | auto | 9 | alns: 3, alns-own: 3, keep: 3 |", "| expanded | none | 2 | keep: 2 |"]
