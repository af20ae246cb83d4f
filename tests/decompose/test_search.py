"""solve_decomposed: checked plans, the same on any executor with a work budget, borders that fix
what a part alone cannot, and auto that plans a large day in parts without a full matrix."""

from __future__ import annotations

import importlib
import multiprocessing
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

import medroute
from medroute import Problem, Reason, Solution, check
from medroute.compile import compile_problem
from medroute.decompose import DecomposeEngine, search, solve_decomposed, tasks
from medroute.engines.portfolio import AutoEngine
from medroute.geo import Location
from medroute.stop import MaxRuntime, MaxWork
from medroute.travel import TravelMatrix
from medroute.travel.base import DEFAULT_PROFILE
from medroute.travel.haversine import HaversineBackend

from .towns import town


def complete(problem: Problem, plan: Solution) -> bool:
    counts = Counter(plan.served) + Counter(u.order for u in plan.unassigned)
    return counts == Counter(o.id for o in problem.orders)


def test_solve_with_a_decompose_engine_plans_with_its_settings() -> None:
    p = town(1, pharmacies=4, orders=120, riders=16)
    plan = medroute.solve(p, engine=DecomposeEngine(part_size=30, max_workers=1), stop=MaxWork(0.4), seed=2)
    assert plan.notes[0].startswith("decomposed into 4 parts")  # the default size plans it whole
    assert check(p, plan) == [] and complete(p, plan)


def test_a_day_in_parts_is_a_checked_complete_plan() -> None:
    p = town(1, pharmacies=4, orders=120, riders=16)
    plan = solve_decomposed(p, stop=MaxWork(0.8), seed=2, part_size=30, max_workers=1)
    assert check(p, plan) == [] and complete(p, plan)
    assert plan.engine == "decompose" and plan.stats is not None and plan.stats.reproducible
    assert [s.name for s in plan.stats.stages] == ["parts", "borders"]
    assert plan.stats.work <= 0.8 * 1.001  # an engine stops at its first step past its share
    assert plan.notes[0].startswith("decomposed into 4 parts")
    assert plan.travel is not None and plan.travel.backend == "haversine" and plan.travel.digest == ""
    assert plan.kpis.orders == 120 and plan.kpis.served == len(plan.served)


def test_orders_of_a_part_without_riders_are_not_reported_no_rider() -> None:
    # Four parts, two riders: two parts have none. Their orders came back no_rider, which the
    # checker refutes: the day has riders who may carry them.
    p = town(1, pharmacies=4, orders=120, riders=2)
    plan = solve_decomposed(p, stop=MaxWork(0.4), seed=2, part_size=30, max_workers=1)
    assert plan.notes[0].startswith("decomposed into 4 parts")
    assert check(p, plan) == [] and complete(p, plan)
    assert Reason.NO_RIDER not in {u.reason for u in plan.unassigned}
    assert any("its part of the day has no rider who may carry it (no_rider there)" in u.detail
               for u in plan.unassigned)


def test_work_budget_gives_the_same_plan_on_any_executor() -> None:
    p = town(2, pharmacies=3, orders=90, riders=12)
    kw: dict[str, Any] = {"stop": MaxWork(0.6), "seed": 5, "part_size": 30}
    alone = solve_decomposed(p, max_workers=1, **kw)
    with ThreadPoolExecutor(2) as threads:
        threaded = solve_decomposed(p, executor=threads, **kw)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled = solve_decomposed(p, executor=pool, **kw)
    for other in (threaded, pooled):
        assert other.to_json()["routes"] == alone.to_json()["routes"]
        assert other.to_json()["unassigned"] == alone.to_json()["unassigned"]


def test_work_budget_gives_the_same_plan_on_a_slower_machine(slow_machine: Callable[[], None]) -> None:
    p = town(2, pharmacies=3, orders=90, riders=12)
    kw: dict[str, Any] = {"stop": MaxWork(0.6), "seed": 5, "part_size": 30, "max_workers": 1}
    idle = solve_decomposed(p, **kw)
    slow_machine()
    slow = solve_decomposed(p, **kw)
    assert slow.to_json()["routes"] == idle.to_json()["routes"]
    assert slow.to_json()["unassigned"] == idle.to_json()["unassigned"]


def test_a_part_without_riders_is_served_across_its_border() -> None:
    # One rider for two parts: the far part gets none, and only the pair re-plan serves it.
    p = town(3, pharmacies=2, orders=16, riders=1, cold=0.0)
    plan = solve_decomposed(p, stop=MaxWork(0.6), seed=0, part_size=8, max_workers=1)
    assert plan.stats is not None and plan.stats.stages[0].objective is not None
    assert check(p, plan) == [] and len(plan.served) > 8
    assert plan.notes[0].startswith("decomposed into 2 parts of 7–9 orders") and " 0 pairs" not in plan.notes[0]


def test_a_part_that_fails_gets_the_greedy_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    p = town(4, pharmacies=2, orders=40, riders=6)
    real = tasks.run

    def flaky(task: Any, backend: Any) -> Any:
        if "o000" in task.problem.order:
            raise RuntimeError("worker lost")
        return real(task, backend)

    monkeypatch.setattr(search, "run", flaky)
    plan = solve_decomposed(p, stop=MaxWork(0.4), seed=0, part_size=20, max_workers=1)
    assert check(p, plan) == [] and complete(p, plan)
    assert any("failed (RuntimeError: worker lost)" in n for n in plan.notes)


class WholeDayGuard(HaversineBackend):
    """Haversine that refuses a square matrix over more than ``limit`` places."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        object.__setattr__(self, "limit", limit)

    def matrix(self, locations: Sequence[Location], *, profile: str = DEFAULT_PROFILE) -> TravelMatrix:
        assert len(locations) <= self.limit, f"a {len(locations)}-place matrix was asked for"  # type: ignore[attr-defined]
        return super().matrix(locations, profile=profile)


def test_auto_plans_a_large_day_in_parts_without_a_full_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    from medroute.decompose import day

    p = town(5, pharmacies=4, orders=120, riders=16)
    monkeypatch.setattr(day, "DECOMPOSE_ABOVE", 100)
    monkeypatch.setattr(importlib.import_module("medroute.check"), "LEGS_ONLY_ABOVE", 50)
    guard = WholeDayGuard(limit=len(p.locations) // 2)
    plan = medroute.solve(p, stop=MaxWork(0.6), seed=1, matrix=guard)
    assert plan.engine == "auto" and plan.stats is not None and plan.stats.best_stage == "decompose"
    assert check(p, plan, guard) == [] and complete(p, plan)
    monkeypatch.setattr(day, "DECOMPOSE_ABOVE", 1000)
    small = medroute.solve(p.replace(orders=p.orders[:20]), stop=MaxWork(0.2), matrix=guard)
    assert small.stats is not None and small.stats.best_stage != "decompose"


def test_auto_on_a_large_instance_runs_the_decompose_stage_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from medroute.decompose import day

    p = town(6, pharmacies=3, orders=90, riders=12)
    monkeypatch.setattr(day, "DECOMPOSE_ABOVE", 50)
    inst = compile_problem(p)
    res = AutoEngine().solve(inst, stop=MaxWork(0.5), seed=0)
    assert [s.name for s in res.stats.stages] == ["decompose"]
    direct = DecomposeEngine(max_workers=1).solve(inst, stop=MaxWork(0.5), seed=0)
    assert res.routes == direct.routes
    assert set(res.reasons.values()) <= set(Reason)


def test_the_clock_is_held() -> None:
    import time

    p = town(7, pharmacies=4, orders=160, riders=20)
    t0 = time.perf_counter()
    plan = medroute.solve(p, engine="decompose", stop=MaxRuntime(4.0), seed=0)
    assert time.perf_counter() - t0 <= 1.05 * 4.0 + 1.0
    assert plan.stats is not None and not plan.stats.reproducible
    assert check(p, plan) == []


def test_border_tasks_that_cost_more_than_their_clock_are_not_started_past_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    p = town(8, pharmacies=4, orders=160, riders=20)
    real = tasks.run
    pairs: list[float] = []

    def slow(task: Any, backend: Any) -> Any:
        if task.parts:  # a pair whose task costs 1.5 s more than its clock (building, sending, splitting)
            pairs.append(task.stop.seconds)
            time.sleep(1.5)
        return real(task, backend)

    monkeypatch.setattr(search, "run", slow)
    t0 = time.perf_counter()
    plan = solve_decomposed(p, stop=MaxRuntime(6.0), seed=0, part_size=20, max_workers=1)
    assert time.perf_counter() - t0 <= 1.05 * 6.0 + 1.0  # without the overhead learnt: 4 pairs, about 10 s
    assert len(pairs) <= 2  # round 1 has 4 pairs; once one has shown its cost, none fits the time left
    assert check(p, plan) == [] and complete(p, plan)


def test_a_part_whose_travel_takes_its_whole_clock_still_has_a_complete_plan_while_the_search_has_time() -> None:
    from medroute.decompose.tasks import Task, run
    from medroute.stop import Budget

    p = town(9, pharmacies=2, orders=400, riders=60)
    # The part's clock ends while its travel is computed; the search has 60 s left.
    got = run(Task(p, Budget(0.05), 0, None, (), start_s=60.0), HaversineBackend())
    assert got.solution.unassigned == ()
    assert check(p, got.solution) == []


def test_parts_the_clock_left_no_time_for_are_not_started_and_left_unassigned(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    p = town(10, pharmacies=4, orders=160, riders=20)
    real = tasks.run
    started: list[int] = []

    def slow(task: Any, backend: Any) -> Any:  # the first part's task takes the whole clock
        started.append(len(task.problem.orders))
        if len(started) == 1:
            time.sleep(0.6)
        return real(task, backend)

    monkeypatch.setattr(search, "run", slow)
    plan = solve_decomposed(p, stop=MaxRuntime(0.5), seed=0, part_size=20, max_workers=1)
    assert len(started) == 1  # without the check, every part got a task of MIN_SECONDS past the clock
    assert check(p, plan) == [] and complete(p, plan)
    assert sum(u.reason == Reason.SEARCH_LIMIT for u in plan.unassigned) >= len(p.orders) - started[0]


def test_a_task_counts_its_clock_from_when_it_was_issued() -> None:
    import time

    from medroute.decompose.tasks import Task, run
    from medroute.stop import Budget

    p = town(11, pharmacies=2, orders=40, riders=6)
    # Issued 10 s before a worker took it: its 5-s clock is spent, so its greedy start is the plan.
    got = run(Task(p, Budget(5.0), 0, None, (), issued=time.time() - 10), HaversineBackend())
    assert got.solution.stats is not None
    assert [s.name for s in got.solution.stats.stages] == ["greedy"]
    assert check(p, got.solution) == [] and complete(p, got.solution)
