"""Problems on which the campaign found an engine defect, kept as a corpus: each is planned now.

A file is named ``ENGINE-what.json``: ``solve(problem, engine=ENGINE)`` once crashed, hung or
returned a plan that broke a promise on it. The solve runs in a child process so that a hang
fails the test instead of stalling the suite.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from medroute import Problem
from tests.fuzz.trials import ACCEPTED, Outcome, guarded, judge_plan

FOUND = sorted((Path(__file__).parent / "found").glob("*.json"))
HANG_S = 60.0
"""A solve of a few orders with time_limit=0.3 that has not returned after this long hangs."""


def _plan_and_judge(path: Path, engine: str, conn: Connection) -> None:
    import medroute

    def run() -> Outcome:
        p = Problem.from_json(path)
        why = judge_plan(p, medroute.solve(p, engine=engine, time_limit=0.3, seed=0))
        return Outcome("defect", why) if why else ACCEPTED

    conn.send(guarded(f"solve(engine={engine!r})", run))


@pytest.mark.parametrize("path", FOUND, ids=[p.stem for p in FOUND])
def test_a_problem_that_found_a_defect_is_planned_soundly(path: Path) -> None:
    engine = path.stem.split("-")[0]
    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_plan_and_judge, args=(path, engine, send))
    child.start()
    try:
        assert receive.poll(HANG_S), f"{engine} has not returned after {HANG_S:.0f} s"
        assert receive.recv() == ACCEPTED
    finally:
        child.kill()
        child.join()
