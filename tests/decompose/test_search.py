"""solve_decomposed: checked plans, the same on any executor with a work budget, borders that fix
what a part alone cannot, and auto that plans a large day in parts without a full matrix."""

from __future__ import annotations

import dataclasses
import importlib
import multiprocessing
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

import medroute
from medroute import Problem, Reason, Rule, Solution, TimeWindow, check
from medroute.compile import compile_problem
from medroute.decompose import DecomposeEngine, search, solve_decomposed, split, tasks
from medroute.decompose.travel import sub_problem
from medroute.engines.portfolio import AutoEngine
from medroute.geo import Location
from medroute.stop import MaxRuntime, MaxWork
from medroute.travel import TravelMatrix
from medroute.travel.base import DEFAULT_PROFILE
from medroute.travel.haversine import HaversineBackend

from .towns import H, town


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
    assert any("cannot serve it (no_rider there" in u.detail for u in plan.unassigned)


def trapped(seed: int, fast_at: str = "ph5", trapped_at: str = "ph0") -> tuple[Problem, list[str]]:
    """A town whose fast big-box rider starts at ``fast_at``, in another part than the orders of
    ``trapped_at`` that only that rider can serve (too heavy, a window or budget only a fast
    ride makes, a window before the part's riders are free), one order too heavy for anyone and
    one too heavy for the rider of the part it is locked to."""
    p = town(seed, pharmacies=6, orders=72, riders=12, cold=0.0)
    orders, riders = list(p.orders), list(p.riders)
    mine = [k for k, o in enumerate(orders) if o.pharmacy == trapped_at]
    fast = next(i for i, r in enumerate(riders) if r.start == p.pharmacy[fast_at].location)
    riders[fast] = dataclasses.replace(riders[fast], weight_g=60_000, speed_factor=2.0)
    inst = compile_problem(p)

    def ride(k: int) -> int:  # at speed factor 1
        return int(inst.duration(0)[inst.node_loc[k], inst.node_loc[inst.n + k]])

    heavy, tight, budget, early, huge, held = mine[:6]
    handed = p.pharmacy[trapped_at].handover_s
    orders[heavy] = dataclasses.replace(orders[heavy], weight_g=40_000)
    orders[tight] = dataclasses.replace(orders[tight], target_s=None, windows=(
        TimeWindow(orders[tight].release_s, orders[tight].release_s + handed + ride(tight) * 3 // 4),))
    orders[budget] = dataclasses.replace(orders[budget], max_ride_s=ride(budget) * 3 // 4)
    orders[early] = dataclasses.replace(orders[early], release_s=8 * H, windows=(TimeWindow(8 * H, 9 * H),),
                                        target_s=None)
    orders[huge] = dataclasses.replace(orders[huge], weight_g=100_000)
    near = next(i for i, r in enumerate(riders) if r.start == p.pharmacy[trapped_at].location)
    orders[held] = dataclasses.replace(orders[held], weight_g=40_000, rider=riders[near].id)
    p = p.replace(orders=tuple(orders), riders=tuple(riders))
    part = next(x for x in split(p, part_size=12).parts if heavy in x.orders)
    assert fast not in part.riders and {heavy, tight, budget, early, huge, held} <= set(part.orders)
    late = tuple(dataclasses.replace(r, start_s=10 * H) if i in part.riders else r for i, r in enumerate(riders))
    return p.replace(riders=late), [orders[k].id for k in (heavy, tight, budget, early, huge, held)]


def test_reasons_of_a_day_in_parts_hold_for_the_whole_day() -> None:
    # The part of ph0's orders has neither the big box nor the fast rider, and its riders are free
    # at 10:00: its pre-check flags four orders the day can serve. They were reported with the
    # part's flags, which the checker refutes on the day.
    p, (heavy, tight, budget, early, huge, held) = trapped(5)
    at = next(k for k, o in enumerate(p.orders) if o.id == heavy)
    part = next(x for x in split(p, part_size=12).parts if at in x.orders)
    flags = {f.id: f.reason for f in medroute.precheck(sub_problem(p, part.orders, part.riders))}
    assert {o: flags.get(o) for o in (heavy, tight, budget, early)} == {
        heavy: Reason.OVER_CAPACITY, tight: Reason.WINDOW_UNREACHABLE, budget: Reason.BUDGET_SHORTER_THAN_RIDE,
        early: Reason.SHIFT}
    plan = solve_decomposed(p, stop=MaxWork(0.3), seed=0, part_size=12, max_workers=1)
    assert check(p, plan) == [] and complete(p, plan)
    left = {u.order: u for u in plan.unassigned}
    assert left[huge].reason == Reason.OVER_CAPACITY  # the day's flag: no rider of the day holds it
    assert left[held].reason == Reason.OVER_CAPACITY  # locked to a rider of its part: the part's flag is the day's
    for oid in (heavy, tight, budget, early):
        assert oid not in left or (left[oid].reason == Reason.SEARCH_LIMIT and "part" in left[oid].detail)
    assert sum(oid in left for oid in (heavy, tight, budget, early)) >= 2  # the search served some, not all


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 50), st.sampled_from(["ph3", "ph4", "ph5"]))
def test_reasons_of_any_day_in_parts_hold_for_the_whole_day(seed: int, fast_at: str) -> None:
    try:
        p, _ = trapped(seed, fast_at)
    except (AssertionError, ValueError):  # too few orders at ph0, or the fast rider in their part
        reject()
    plan = solve_decomposed(p, stop=MaxWork(0.2), seed=seed, part_size=12, max_workers=1)
    assert [v for v in check(p, plan) if v.rule == Rule.REASON] == []


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
