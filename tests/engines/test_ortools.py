"""The OR-Tools engine on hand-checkable problems."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from types import SimpleNamespace

import pytest

import medroute
from medroute import CoolBox, Location, Order, Pharmacy, Problem, Reason, Rider, TimeWindow
from medroute.compile import compile_problem
from medroute.engines import ortools as ortools_engine
from medroute.engines.ortools import OrToolsEngine, _params, _restore, build_model, step_limit
from medroute.schedule import RouteTimes, schedule_route
from medroute.solve import solve
from medroute.stop import MaxRuntime, MaxWork, Meter, StopReason
from medroute.travel import TravelMatrix
from tests.decompose.towns import town

H = 3600
PH = Location(-8.2084, 114.3662)
START = Location(-8.2090, 114.3670)


def _problem(orders: tuple[Order, ...], riders: tuple[Rider, ...]) -> Problem:
    return Problem(pharmacies=(Pharmacy("ph", PH),), orders=orders, riders=riders)


def test_all_orders_served_and_checked() -> None:
    orders = tuple(Order(f"o{i}", "ph", Location(-8.22 - 0.01 * i, 114.37), release_s=8 * H) for i in range(4))
    problem = _problem(orders, (Rider("a", START, start_s=7 * H), Rider("b", START, start_s=7 * H)))
    solution = solve(problem, engine="ortools", time_limit=1.0)
    assert sorted(solution.served) == ["o0", "o1", "o2", "o3"]
    assert medroute.check(problem, solution) == []


def test_cold_budget_forbids_carrying_two_far_apart() -> None:
    # Two cold orders to doors ~8 km apart with a 20-minute budget: one rider may not carry both
    # at once; OR-Tools must deliver one before picking up the other (or split riders).
    orders = (Order("x", "ph", Location(-8.19, 114.40), release_s=8 * H, temperature="refrigerated",
                    max_ride_s=20 * 60),
              Order("y", "ph", Location(-8.25, 114.34), release_s=8 * H, temperature="refrigerated",
                    max_ride_s=20 * 60))
    problem = _problem(orders, (Rider("c", START, start_s=7 * H, coolbox=CoolBox()),))
    inst = compile_problem(problem)
    res = OrToolsEngine().solve(inst, stop=MaxRuntime(1.0), seed=0)
    (seq,) = res.routes
    assert sorted(seq) == [0, 1, 2, 3]
    times = schedule_route(inst, 0, seq)
    assert isinstance(times, RouteTimes)
    first = inst.order_of(seq[0])
    assert seq[1] == inst.delivery(first)  # delivered before the next pickup


def test_a_route_over_an_out_of_fridge_budget_is_not_a_plan_ortools_can_hold() -> None:
    # Two cold orders, doors ~8 km apart, 20-minute budgets: picking both up before either
    # delivery breaks one budget. OR-Tools' pickup-to-delivery limit alone let such routes in
    # (its local search returned them on DARP instances); the model must refuse them, as
    # schedule_route does, and keep the route that delivers in between.
    orders = (Order("x", "ph", Location(-8.19, 114.40), release_s=8 * H, temperature="refrigerated",
                    max_ride_s=20 * 60),
              Order("y", "ph", Location(-8.25, 114.34), release_s=8 * H, temperature="refrigerated",
                    max_ride_s=20 * 60))
    inst = compile_problem(_problem(orders, (Rider("c", START, start_s=7 * H, coolbox=CoolBox()),)))
    for seq, ok in (([0, 1, 2, 3], False), ([0, 1, 3, 2], False), ([0, 2, 1, 3], True)):
        assert isinstance(schedule_route(inst, 0, seq), RouteTimes) is ok
        model = build_model(inst)
        assert model is not None
        assert (_restore(model, inst, [seq]) is not None) is ok, seq


def test_optional_order_not_worth_it_is_dropped() -> None:
    orders = (Order("near", "ph", Location(-8.21, 114.37), release_s=8 * H),
              Order("far", "ph", Location(-8.40, 114.25), release_s=8 * H, required=False, penalty=100.0))
    problem = _problem(orders, (Rider("a", START, start_s=7 * H),))
    # a work budget: with a clock, a loaded machine could leave no time to explain the drop
    solution = solve(problem, engine="ortools", stop=MaxWork(1.0))
    assert solution.served == ("near",)
    assert [(u.order, u.reason) for u in solution.unassigned] == [("far", Reason.NOT_WORTH_IT)]


def test_required_but_unservable_comes_back_unassigned() -> None:
    # Both doors need a delivery in the same 10 minutes far apart: only one fits.
    w = (TimeWindow(8 * H + 600, 8 * H + 1500),)
    orders = (Order("a", "ph", Location(-8.22, 114.37), release_s=8 * H, windows=w),
              Order("b", "ph", Location(-8.22, 114.30), release_s=8 * H, windows=w))
    problem = _problem(orders, (Rider("r", START, start_s=8 * H),))
    solution = solve(problem, engine="ortools", stop=MaxWork(0.2))  # no clock: explain is never cut short
    assert medroute.check(problem, solution) == []
    assert len(solution.served) == 1
    (u,) = solution.unassigned
    assert u.reason == Reason.TIME_WINDOW


def test_warm_start_is_used() -> None:
    orders = tuple(Order(f"o{i}", "ph", Location(-8.22 - 0.01 * i, 114.37), release_s=8 * H) for i in range(3))
    problem = _problem(orders, (Rider("a", START, start_s=7 * H),))
    inst = compile_problem(problem)
    initial = [[0, 3, 1, 4, 2, 5]]
    res = OrToolsEngine().solve(inst, stop=MaxRuntime(1.0), seed=0, initial=initial)
    assert not any("could not be restored" in note for note in res.notes)
    assert Counter(inst.order_of(v) for v in res.routes[0]) == Counter({0: 2, 1: 2, 2: 2})


def test_flagged_orders_are_not_in_the_model() -> None:
    orders = (Order("ok", "ph", Location(-8.22, 114.37), release_s=8 * H),
              Order("cold", "ph", Location(-8.22, 114.37), release_s=8 * H, temperature="refrigerated"))
    inst = compile_problem(_problem(orders, (Rider("a", START),)))
    model = build_model(inst)
    assert model is not None
    assert sorted(model.nodes) == [0, 2]


def _eight_orders() -> Problem:
    orders = tuple(Order(f"o{i}", "ph", Location(-8.22 - 0.005 * i, 114.37 + 0.004 * (i % 3)), release_s=8 * H)
                   for i in range(8))
    return _problem(orders, (Rider("a", START, start_s=7 * H), Rider("b", START, start_s=7 * H)))


def test_the_work_budget_not_the_clock_ends_the_search() -> None:
    inst = compile_problem(_eight_orders())
    runs = [OrToolsEngine().solve(inst, stop=MaxWork(0.05), seed=0) for _ in range(2)]
    for res in runs:
        assert res.stats.stopped_by == StopReason.WORK and res.stats.reproducible
        assert res.stats.work == pytest.approx(0.05, rel=0.01)
    assert runs[0].routes == runs[1].routes


def test_the_step_counter_follows_the_search_and_stops_it_at_the_budget() -> None:
    # Unbounded, the search runs to a solution limit and the counter keeps counting; with a budget
    # below that count, the same search stops there, exactly (the check that ends it is the last).
    inst = compile_problem(_eight_orders())

    def search(budget: float) -> tuple[int, int]:
        model = build_model(inst)
        assert model is not None
        counter = step_limit(model.routing, Meter(MaxWork(budget)), 1.0)
        model.routing.SolveWithParameters(_params(60, "PARALLEL_CHEAPEST_INSERTION", solution_limit=30))
        return counter.steps, model.routing.solver().Solutions()

    free, solutions = search(10**12)
    assert free > 100 and solutions == 30
    half, fewer = search(free // 2)
    assert half == free // 2 and fewer < solutions
    assert search(free // 2) == (half, fewer)


def test_a_search_the_clock_stops_says_so_and_uses_the_clock() -> None:
    import time

    inst = compile_problem(_eight_orders())
    t0 = time.perf_counter()
    res = OrToolsEngine().solve(inst, stop=MaxRuntime(0.5), seed=0)
    assert 0.45 <= time.perf_counter() - t0 <= 0.5 * 1.05 + 1
    assert res.clock_stopped and res.stats.stopped_by == StopReason.CLOCK
    assert sorted(v for seq in res.routes for v in seq) == list(range(2 * inst.n))


def test_a_tiny_work_budget_still_returns_the_start_plan() -> None:
    # Restoring a start plan is a decision (a step) per node: not counted as work, so a budget
    # of almost nothing still returns the start plan instead of nothing.
    inst = compile_problem(_eight_orders())
    start = OrToolsEngine().solve(inst, stop=MaxWork(0.05), seed=0).routes
    res = OrToolsEngine().solve(inst, stop=MaxWork(1e-6), seed=0, initial=start)
    assert res.stats.stopped_by == StopReason.WORK
    assert sorted(v for seq in res.routes for v in seq) == list(range(2 * inst.n))


def test_no_time_left_returns_at_once_with_every_order_out() -> None:
    inst = compile_problem(_eight_orders())
    res = OrToolsEngine().solve(inst, stop=MaxRuntime(1e-9), seed=0)
    assert res.routes == ((), ()) and set(res.reasons.values()) == {Reason.SEARCH_LIMIT}


def test_a_work_budget_gives_the_same_plan_on_a_slower_machine(slow_machine: Callable[[], None]) -> None:
    # OR-Tools completes each large-neighbourhood move within its own 0.1-s clock by default: on a
    # loaded machine fewer completions fit, and the plan changed; a work budget switches it off.
    inst = compile_problem(town(2, pharmacies=2, orders=30, riders=6))
    idle = OrToolsEngine().solve(inst, stop=MaxWork(0.3), seed=0)
    slow_machine()
    slow = OrToolsEngine().solve(inst, stop=MaxWork(0.3), seed=0)
    assert slow.routes == idle.routes and slow.stats.stopped_by == StopReason.WORK


class _Overrunning:
    """An OR-Tools routing model that ignores its time limit (as it does on large instances)."""

    def SolveWithParameters(self, params: object) -> None:  # noqa: N802 (OR-Tools' names)
        time.sleep(30)

    def SolveFromAssignmentWithParameters(self, start: object, params: object) -> None:  # noqa: N802
        time.sleep(30)


class _Start:
    def ObjectiveValue(self) -> int:  # noqa: N802
        return 7


def test_a_search_that_overruns_its_time_limit_is_cut_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ortools_engine, "_extract", lambda inst, model, found: [[1, 3]])
    model = SimpleNamespace(routing=_Overrunning())
    notes: list[str] = []
    t0 = time.perf_counter()
    found = ortools_engine._local_search(None, model, _Start(), Meter(MaxRuntime(0.5)),  # type: ignore[arg-type]
                                         guarded=True, notes=notes)  # stand-ins: only model.routing is used
    assert time.perf_counter() - t0 < 1.05 * 0.5 + 1
    assert found == ([[1, 3]], 7.0)  # the start plan, kept
    t0 = time.perf_counter()
    first = ortools_engine._first_solution(SimpleNamespace(open_orders=()), model,  # type: ignore[arg-type]
                                           Meter(MaxRuntime(0.5)), 0, notes)
    assert time.perf_counter() - t0 < 1.05 * 0.5 + 1
    assert first is None


def test_an_order_whose_riders_cannot_ride_from_start_to_end_in_the_shift_is_shift() -> None:
    # Start → end takes longer than the shift, start → pharmacy → door → end does not (travel that
    # breaks the triangle inequality): the pre-check passes the order, the model leaves the rider
    # out. It came back no_rider, which the checker refutes: the rider may carry it.
    ph, door, start, end = (Location(-8.20, 114.36), Location(-8.21, 114.36), Location(-8.22, 114.36),
                            Location(-8.23, 114.36))
    seconds = [[0, 60, 60, 60], [60, 0, 60, 60], [60, 60, 0, 7200], [60, 60, 7200, 0]]
    travel = TravelMatrix(seconds, [[0 if a == b else 1000 for b in range(4)] for a in range(4)])
    problem = Problem(pharmacies=(Pharmacy("ph", ph),), orders=(Order("a", "ph", door),), riders=(
        Rider("r", start, end=end, shift=TimeWindow(8 * 3600, 9 * 3600)),))
    assert problem.locations == (ph, door, start, end)
    inst = compile_problem(problem, travel)
    assert not inst.flagged
    assert OrToolsEngine().solve(inst, stop=MaxRuntime(2.0), seed=0).reasons == {0: Reason.SHIFT}
