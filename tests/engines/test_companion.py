"""``auto``'s companion: a stage beside the table on a second core, for the whole clock."""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from medroute.compile import Instance, compile_problem
from medroute.engines import EngineResult
from medroute.engines.portfolio import STAGES, AutoEngine, Stage, companion
from medroute.engines.portfolio.stages import Context
from medroute.engines.pyvrp import PyVrpEngine, relaxations
from medroute.insertion import plan_objective
from medroute.stats import SolveStats
from medroute.stop import MaxRuntime, MaxWork, Stop, StopReason
from tests.engines.test_auto import checked, cold_town, town

GREEDY = tuple(s for s in STAGES if s.name == "greedy")
CLOCK = 2.5
"""Seconds for a run that starts a companion (where it is OR-Tools, a process's first call spends
up to half a second importing it inside its clock before the companion starts)."""


def ambient_town() -> Instance:
    """12 orders, 3 riders, nothing PyVRP relaxes."""
    problem = town(12, 3, 0)
    orders = tuple(dataclasses.replace(o, temperature="ambient", max_ride_s=None) for o in problem.orders)
    inst = compile_problem(dataclasses.replace(problem, orders=orders))
    assert relaxations(inst) == []
    return inst


def names(res: EngineResult) -> list[str]:
    return [s.name for s in res.stats.stages]


def planted(routes: tuple[tuple[int, ...], ...]) -> Stage:
    """A companion that puts ``routes`` into the pool."""

    def run(ctx: Context, stop: Stop) -> EngineResult:
        ctx.pool.add("planted", routes)
        return EngineResult(routes, stats=SolveStats(StopReason.DONE, 0.0))

    return Stage("planted", 1.0, lambda c: True, run)


def test_with_a_clock_pyvrp_runs_from_its_own_start_beside_the_table() -> None:
    inst = ambient_town()
    res = AutoEngine(stages=GREEDY, parallel=True).solve(inst, stop=MaxRuntime(CLOCK), seed=0)
    own = next(s for s in res.stats.stages if s.name == "pyvrp-own")
    assert own.stopped_by == StopReason.CLOCK and own.seconds >= 0.7 * CLOCK
    assert res.stats.seconds <= 1.05 * CLOCK + 1.0
    assert checked(inst, res.routes) == []


def test_where_pyvrp_relaxes_a_rule_ortools_runs_from_its_own_start() -> None:
    inst = cold_town()
    res = AutoEngine(stages=GREEDY, parallel=True).solve(inst, stop=MaxRuntime(CLOCK), seed=0)
    assert names(res) == ["greedy", "ortools-own"]
    assert checked(inst, res.routes) == []


def test_where_ortools_is_slow_a_second_alns_runs_beside_the_table_with_the_next_seed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from medroute.engines.alns import AlnsEngine
    from medroute.engines.portfolio import stages

    monkeypatch.setattr(stages, "SLOW_ORTOOLS", math.inf)
    seeds: list[int] = []
    solve = AlnsEngine.solve

    def seeded(self: AlnsEngine, inst: Instance, **kw: Any) -> EngineResult:
        seeds.append(kw["seed"])
        return solve(self, inst, **kw)

    monkeypatch.setattr(AlnsEngine, "solve", seeded)
    inst = cold_town()
    res = AutoEngine(parallel=True).solve(inst, stop=MaxRuntime(CLOCK), seed=3)
    assert names(res)[:3] == ["construct", "greedy", "alns"] and "ortools-own" not in names(res)
    assert names(res)[-1] == "alns-own"
    own = res.stats.stages[-1]
    assert own.stopped_by == StopReason.CLOCK and own.seconds >= 0.7 * CLOCK
    assert seeds == [3]  # the table's; the companion's call (seed 4) ran in the child
    assert any(n.startswith("alns-own: objective") for n in res.notes)
    assert checked(inst, res.routes) == []


def test_ortools_is_slow_on_banyuwangi_days_and_on_no_darp_instance() -> None:
    # Where the companion is a second alns (docs/engines.md): the literature's DARP results rest
    # on the OR-Tools companion, the Banyuwangi days of 200 orders on the alns one.
    from medroute.engines.ortools import steps_per_unit
    from medroute.engines.portfolio.stages import SLOW_ORTOOLS
    from medroute.io import instance_paths, read_instance
    from medroute.scenarios import load

    darp = [read_instance(p, "darp") for p in instance_paths("darp")]
    assert len(darp) == 48
    assert min(steps_per_unit(compile_problem(d.problem, d.matrix)) for d in darp) >= SLOW_ORTOOLS
    day = load("expanded", seed=0)
    assert steps_per_unit(compile_problem(day.problem, day.matrix)) < SLOW_ORTOOLS


def test_where_alns_is_not_compiled_the_companion_is_ortools(monkeypatch: pytest.MonkeyPatch) -> None:
    from medroute.engines import alns
    from medroute.engines.portfolio import stages

    monkeypatch.setattr(stages, "SLOW_ORTOOLS", math.inf)
    monkeypatch.setattr(alns, "ready", lambda: False)
    monkeypatch.setattr(alns, "compile_in_background", lambda: None)
    res = AutoEngine(stages=GREEDY, parallel=True).solve(cold_town(), stop=MaxRuntime(CLOCK), seed=0)
    assert names(res) == ["greedy", "ortools-own"]


def test_the_companion_forks_before_ortools_is_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    # A process's first OR-Tools import takes ~0.05 s; pyvrp-own must not wait for it.
    from medroute.engines.portfolio import auto

    order: list[str] = []
    find, fork = auto._ortools, companion.start

    def ortools(inst: Instance) -> Any:
        order.append("ortools")
        return find(inst)

    def start(ctx: Any, stages: Any) -> Any:
        order.append("fork")
        return fork(ctx, stages)

    monkeypatch.setattr(auto, "_ortools", ortools)
    monkeypatch.setattr(companion, "start", start)
    res = AutoEngine(parallel=True).solve(ambient_town(), stop=MaxRuntime(CLOCK), seed=0)
    assert "pyvrp-own" in names(res) and order[0] == "fork"


def test_the_companion_s_plans_reach_the_pool_and_the_better_one_is_returned() -> None:
    inst = ambient_town()
    greedy = AutoEngine(stages=GREEDY, parallel=False).solve(inst, stop=MaxRuntime(CLOCK), seed=0)
    better = PyVrpEngine().solve(inst, stop=MaxWork(0.5), seed=0).routes
    ours, greedy_objective = plan_objective(inst, better), plan_objective(inst, greedy.routes)
    assert ours is not None and greedy_objective is not None and ours < greedy_objective
    res = AutoEngine(stages=GREEDY, companions=(planted(better),), parallel=True).solve(inst, stop=MaxRuntime(CLOCK),
                                                                                        seed=0)
    assert res.routes == better and res.stats.best_stage == "planted"


def test_a_work_budget_never_runs_a_companion_and_its_plan_repeats() -> None:
    inst = ambient_town()
    runs = [AutoEngine(parallel=p).solve(inst, stop=MaxWork(0.5), seed=1) for p in (True, False)]
    assert "pyvrp-own" not in names(runs[0])
    assert runs[0].routes == runs[1].routes


@pytest.mark.parametrize(("parallel", "cores", "fork", "thread", "runs"), [
    (None, 2, True, False, True),
    (None, 1, True, False, False),
    (None, 2, True, True, False),  # a thread pool's call would take a core each
    (None, 2, False, False, False),  # a daemonic worker
    (True, 1, True, True, True),
    (True, 2, False, False, False),
    (False, 2, True, False, False),
])
def test_when_a_companion_runs(monkeypatch: pytest.MonkeyPatch, parallel: bool | None, cores: int, fork: bool,
                               thread: bool, runs: bool) -> None:
    monkeypatch.setattr(companion, "cores", lambda: cores)
    monkeypatch.setattr(companion, "can_fork", lambda: fork)
    inst = ambient_town()
    out: list[EngineResult] = []

    def solve() -> None:
        out.append(AutoEngine(stages=GREEDY, parallel=parallel).solve(inst, stop=MaxRuntime(CLOCK), seed=0))

    if thread:
        worker = threading.Thread(target=solve)
        worker.start()
        worker.join()
    else:
        solve()
    assert ("pyvrp-own" in names(out[0])) == runs


def _pooled(inst: Instance) -> list[str]:
    return names(AutoEngine(stages=GREEDY).solve(inst, stop=MaxRuntime(CLOCK), seed=0))


def test_no_companion_by_default_in_a_worker_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # A process pool's workers (not daemonic since Python 3.9) may fork, but their siblings hold
    # the other cores.
    monkeypatch.setattr(companion, "cores", lambda: 2)
    inst = ambient_town()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        assert pool.submit(_pooled, inst).result() == ["greedy"]


def test_no_companion_for_less_than_its_minimum() -> None:
    inst = ambient_town()
    res = AutoEngine(stages=GREEDY, parallel=True).solve(inst, stop=MaxRuntime(0.5 * companion.MIN_SECONDS), seed=0)
    assert names(res) == ["greedy"]


def test_a_failing_companion_leaves_the_table_s_plan_and_says_so() -> None:
    def fail(ctx: Context, stop: Stop) -> EngineResult:
        raise ValueError("broken")

    inst = ambient_town()
    res = AutoEngine(stages=GREEDY, companions=(Stage("broken", 1.0, lambda c: True, fail),),
                     parallel=True).solve(inst, stop=MaxRuntime(CLOCK), seed=0)
    stage = res.stats.stages[-1]
    assert (stage.name, stage.skipped) == ("broken", "failed")
    assert any(n.startswith("broken: failed") for n in res.notes)
    assert res.stats.best_stage == "greedy" and checked(inst, res.routes) == []


def test_a_companion_past_its_clock_is_killed_and_the_clock_held() -> None:
    def hang(ctx: Context, stop: Stop) -> EngineResult:
        time.sleep(60)
        raise AssertionError("not reached")

    inst = ambient_town()
    t0 = time.perf_counter()
    res = AutoEngine(stages=GREEDY, companions=(Stage("hung", 1.0, lambda c: True, hang),),
                     parallel=True).solve(inst, stop=MaxRuntime(CLOCK), seed=0)
    assert time.perf_counter() - t0 <= 1.05 * CLOCK + 1.0
    assert res.stats.stages[-1].skipped == "no_time"
    assert res.stats.best_stage == "greedy" and checked(inst, res.routes) == []


def test_an_error_in_the_table_kills_the_companion_at_once() -> None:
    def hang(ctx: Context, stop: Stop) -> EngineResult:
        time.sleep(60)
        raise AssertionError("not reached")

    def fail(ctx: Context, stop: Stop) -> EngineResult:
        raise ValueError("table broke")

    inst = ambient_town()
    before = set(multiprocessing.active_children())
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="table broke"):
        AutoEngine(stages=(Stage("broken", 1.0, lambda c: True, fail),),
                   companions=(Stage("hung", 1.0, lambda c: True, hang),), parallel=True).solve(
            inst, stop=MaxRuntime(30.0), seed=0)
    assert time.perf_counter() - t0 < 5.0
    assert set(multiprocessing.active_children()) <= before
