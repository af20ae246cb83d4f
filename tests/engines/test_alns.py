"""The alns engine: its compiled timing agrees with schedule_route, its search keeps every rule,
its work budget makes it reproducible and its clock budget uses the whole time."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import medroute
from medroute import Order, TimeWindow
from medroute.compile import compile_problem
from medroute.engines import alns_kernel as kernel
from medroute.engines.alns import AlnsEngine, iteration_work, tables
from medroute.insertion import plan_objective
from medroute.schedule import Infeasible, route_cost, schedule_route
from medroute.stop import MaxRuntime, MaxWork, StopReason
from tests.engines.test_conformance import generate
from tests.strategies import problems

H = 3600


@st.composite
def timed_sequences(draw: st.DrawFn) -> tuple[medroute.Problem, int, list[int]]:
    """A problem with binding budgets and split windows, lateness, lead time and waiting priced or not, a
    rider, and a structurally valid sequence of some of its orders (each pickup before its
    delivery), orders on board included."""
    problem = draw(problems(max_orders=7, max_riders=2))
    orders = []
    for o in problem.orders:
        split = draw(st.booleans())
        windows = ((TimeWindow(o.release_s, o.release_s + H), TimeWindow(o.release_s + 2 * H, 21 * H))
                   if split else o.windows)
        orders.append(dataclasses.replace(o, windows=windows, max_ride_s=draw(st.none() | st.integers(300, 3 * H))))
    rider = problem.riders[0]
    on_board = draw(st.integers(0, min(2, len(orders) - 1)))
    for i in range(on_board):
        orders[i] = dataclasses.replace(orders[i], picked_up_by=rider.id, picked_up_s=rider.start_s - 600)
    objective = dataclasses.replace(problem.objective, rupiah_per_late_minute=draw(st.sampled_from((0.0, 20_000.0))),
                                    rupiah_per_lead_minute=draw(st.sampled_from((0.0, 500.0))),
                                    rupiah_per_wait_hour=draw(st.sampled_from((0.0, 20_000.0))))
    problem = problem.replace(orders=tuple(orders), objective=objective)
    inst = compile_problem(problem)
    chosen = [k for k in range(inst.n) if k < on_board or draw(st.booleans())]
    events = [v for k in chosen for v in ((inst.n + k,) if k < on_board else (k, inst.n + k))]
    events = draw(st.permutations(events))
    seq: list[int] = []
    for v in events:  # a delivery drawn before its pickup goes right after it
        if v < inst.n:
            seq = [*seq, v]
            if inst.n + v in seq[:-1]:
                seq.remove(inst.n + v)
                seq.append(inst.n + v)
        else:
            seq.append(v)
    return problem, 0, seq


@given(timed_sequences())
def test_kernel_times_a_route_as_schedule_route_does(case: tuple[medroute.Problem, int, list[int]]) -> None:
    problem, r, seq = case
    inst = compile_problem(problem)
    T = tables(inst)
    P = kernel.new_plan(inst.n, inst.m, 0)
    nodes = np.array([*seq, 0], np.int64)
    cost = kernel.time_route(T, r, nodes, len(seq), P.t, P.gap, P.pick)
    timed = schedule_route(inst, r, seq)
    if isinstance(timed, Infeasible) or not seq:
        assert cost == (kernel.INFEASIBLE if seq else 0.0)
        return
    assert cost == pytest.approx(route_cost(inst, r, seq, timed), rel=1e-12)
    # the least timing: deliveries at the same starts (pickups may move later in schedule_route)
    for i, v in enumerate(seq):
        if v >= inst.n:
            assert P.t[i + 1] == timed.starts[i]


def cold_day(seed: int = 2, n: int = 14) -> medroute.Problem:
    """A conformance-style day where every order is cold with a 45-minute budget."""
    p = generate(seed, n=n, m=4, cold_share=1.0)
    return p.replace(orders=tuple(dataclasses.replace(o, max_ride_s=45 * 60) for o in p.orders))


def test_work_budget_is_reproducible_and_keeps_every_rule() -> None:
    problem = cold_day()
    inst = compile_problem(problem)
    work = 300 * iteration_work(inst)
    runs = [AlnsEngine().solve(inst, stop=MaxWork(work), seed=4) for _ in range(2)]
    assert runs[0].routes == runs[1].routes
    assert runs[0].stats.reproducible and runs[0].stats.stopped_by in (StopReason.WORK, StopReason.NO_IMPROVEMENT)
    solution = medroute.solve(problem, engine="alns", stop=MaxWork(work), seed=4)
    assert medroute.check(problem, solution) == []


def test_search_improves_on_its_start_and_never_loses_an_order() -> None:
    inst = compile_problem(cold_day(3, n=16))
    start = AlnsEngine().solve(inst, stop=MaxWork(1e-9), seed=0)
    found = AlnsEngine().solve(inst, stop=MaxWork(500 * iteration_work(inst)), seed=0)
    before, after = plan_objective(inst, start.routes), plan_objective(inst, found.routes)
    assert before is not None and after is not None
    assert after < before
    served = {v for s in found.routes for v in s if v < inst.n}
    assert served >= {v for s in start.routes for v in s if v < inst.n and inst.required[v]}


def test_warm_start_keeps_a_good_initial_plan() -> None:
    inst = compile_problem(cold_day(5))
    good = AlnsEngine().solve(inst, stop=MaxWork(400 * iteration_work(inst)), seed=1).routes
    again = AlnsEngine().solve(inst, stop=MaxWork(iteration_work(inst)), seed=9, initial=good)
    assert plan_objective(inst, again.routes) <= plan_objective(inst, good)  # type: ignore[operator]


@pytest.mark.parametrize("seed", range(3))
def test_search_from_a_plan_never_returns_a_dearer_one_under_patients_first(seed: int) -> None:
    """Lead time and waiting priced (the dispatcher's objective): the search from the insertion
    plan keeps its start unless it finds a plan cheaper by the whole objective."""
    problem = cold_day(seed, n=16)
    inst = compile_problem(problem.replace(objective=medroute.Objective.named("patients_first")))
    start = AlnsEngine().solve(inst, stop=MaxWork(1e-9), seed=seed).routes
    found = AlnsEngine().solve(inst, stop=MaxWork(300 * iteration_work(inst)), seed=seed, initial=start).routes
    assert plan_objective(inst, found) <= plan_objective(inst, start)  # type: ignore[operator]


def test_clock_budget_uses_the_whole_time() -> None:
    inst = compile_problem(cold_day(6, n=20))
    t0 = time.perf_counter()
    res = AlnsEngine().solve(inst, stop=MaxRuntime(1.5), seed=0)
    elapsed = time.perf_counter() - t0
    assert res.stats.stopped_by == StopReason.CLOCK
    assert 1.4 <= elapsed <= 1.5 * 1.05 + 0.2


class _Compile:
    """A background compile that ends after ``polls`` looks (never, with ``None``)."""

    def __init__(self, polls: int | None) -> None:
        self.left = polls

    def poll(self) -> int | None:
        if self.left is None or self.left > 0:
            self.left = None if self.left is None else self.left - 1
            return None
        return 0


def test_a_clock_on_a_machine_without_the_core_returns_greedys_plan_not_a_compile(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A fresh install has no compiled core: with a clock the call waits for the background compile
    # half of it, then returns greedy's plan on the rest instead of compiling inside the clock.
    from medroute.engines import alns
    from medroute.engines.greedy import GreedyEngine

    monkeypatch.setattr(alns, "ready", lambda: False)
    monkeypatch.setattr(alns, "compile_in_background", lambda: _Compile(None))
    inst = compile_problem(cold_day(3, n=16))
    res = AlnsEngine().solve(inst, stop=MaxRuntime(1.0), seed=0)
    waited, greedy = res.stats.stages
    assert (waited.name, waited.skipped, greedy.name) == ("alns", "compiling", "greedy")
    assert waited.seconds >= alns.WAIT_SHARE * 1.0 - 0.05
    assert res.stats.best_stage == "greedy" and not res.stats.reproducible
    assert res.routes == GreedyEngine().solve(inst, stop=MaxRuntime(1.0), seed=0).routes


def test_a_compile_that_ends_within_the_wait_leaves_the_rest_of_the_clock_to_the_search(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from medroute.engines import alns

    compiler = _Compile(4)
    monkeypatch.setattr(alns, "ready", lambda: compiler.poll() == 0)
    monkeypatch.setattr(alns, "compile_in_background", lambda: compiler)
    inst = compile_problem(cold_day(3, n=16))
    res = AlnsEngine().solve(inst, stop=MaxRuntime(1.0), seed=0)
    assert [s.name for s in res.stats.stages] == ["alns"] and res.stats.stages[0].skipped == ""
    assert res.stats.stopped_by == StopReason.CLOCK and res.stats.seconds >= 0.9


def test_a_work_budget_never_waits_for_a_background_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    from medroute.engines import alns

    def refuse() -> None:
        raise AssertionError("a work budget must not depend on a background compile")

    monkeypatch.setattr(alns, "ready", lambda: False)
    monkeypatch.setattr(alns, "compile_in_background", refuse)
    inst = compile_problem(cold_day(3, n=16))
    res = AlnsEngine().solve(inst, stop=MaxWork(50 * iteration_work(inst)), seed=0)
    assert res.stats.reproducible and [s.name for s in res.stats.stages] == ["alns"]


def test_orders_without_a_rider_come_back_with_a_reason() -> None:
    problem = cold_day(7, n=6)
    far = Order("late", problem.orders[0].pharmacy, problem.orders[0].location, release_s=8 * H,
                windows=(TimeWindow(8 * H, 8 * H + 60),), max_ride_s=60)
    problem = problem.replace(orders=(*problem.orders, far))
    solution = medroute.solve(problem, engine="alns", time_limit=2.0, seed=0)
    assert medroute.check(problem, solution) == []
    assert "late" in {u.order for u in solution.unassigned}


def test_a_start_plan_that_leaves_a_carried_item_off_its_route_is_planned_anew() -> None:
    base = generate(11, n=2, m=1, cold_share=0.0, plain=True)
    rider = dataclasses.replace(base.riders[0], parcels=2, start_s=8 * H)
    carried, other = base.orders
    carried = dataclasses.replace(carried, parcels=1, picked_up_by=rider.id, picked_up_s=8 * H - 600,
                                  windows=(TimeWindow(rider.shift.end_s + H, rider.shift.end_s + 2 * H),))
    other = dataclasses.replace(other, parcels=2, required=False)
    problem = base.replace(orders=(carried, other), riders=(rider,))
    inst = compile_problem(problem)
    start = [[1, 1 + inst.n]]  # fits only with the undeliverable carried item left out
    assert not isinstance(schedule_route(inst, 0, start[0]), Infeasible)
    res = AlnsEngine().solve(inst, stop=MaxWork(20 * iteration_work(inst)), seed=0, initial=start)
    assert 1 not in res.routes[0]  # with the carried item on board the other order does not fit
    solution = medroute.solve(problem, engine="alns", stop=MaxWork(20 * iteration_work(inst)), seed=0)
    assert medroute.check(problem, solution) == []


def test_the_last_chunk_of_the_search_ends_by_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of CHUNK_SECONDS ran up to that long past the engine's stop, into the share of the
    clock solve keeps for explaining: at time_limit=0.5 half the orders left out kept the engine's
    search_limit instead of explain's reason. On a simulated clock (0.1 ms an iteration), the
    search now stops by its 0.18 s."""
    from types import SimpleNamespace

    from medroute.stop import MaxRuntime, Meter, StopReason

    now = [0.0]

    def iterate(T, P, B, best, orders, weights, scores, uses, stats, step, *rest):  # type: ignore[no-untyped-def]
        now[0] += step * 1e-4
        stats[0] += step
        return False

    monkeypatch.setattr(time, "perf_counter", lambda: now[0])
    monkeypatch.setattr(kernel, "iterate", iterate)
    T = SimpleNamespace(dist=np.ones((2, 2)), dur=np.ones((2, 2)), cost_per_m=1.0, cost_per_s=1.0, n=2)
    P = SimpleNamespace(where=np.zeros(1, dtype=np.int64), cost=np.ones(1))
    meter = Meter(MaxRuntime(0.18))
    assert AlnsEngine._search(T, P, P, P, np.array([0]), np.zeros(8), None, meter) == StopReason.CLOCK  # type: ignore[arg-type]
    assert meter.elapsed() <= 0.18 + 1e-3
