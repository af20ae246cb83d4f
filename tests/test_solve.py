"""medroute.solve: engine choice, no silent fallback, bookkeeping, time limit."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import pytest

import medroute
from medroute import CoolBox, EngineError, Location, Order, Pharmacy, Problem, Rider, TimeWindow
from medroute.compile import Instance
from medroute.engines import registry
from medroute.engines.base import SUPPORTED, EngineResult, Support
from medroute.errors import InvalidProblemError
from medroute.scalars import Real
from medroute.solution import Route, Solution, StopKind
from medroute.solution import Stop as Visit
from medroute.solve import solve
from medroute.stats import Progress, ProgressEvent
from medroute.stop import Budget, MaxRuntime, MaxWork, Meter, NoImprovement, Stop, StopReason

H = 3600


def _problem() -> Problem:
    return Problem(pharmacies=(Pharmacy("ph", Location(-8.2084, 114.3662)),),
                   orders=(Order("a", "ph", Location(-8.22, 114.37), release_s=8 * H),),
                   riders=(Rider("r", Location(-8.209, 114.367), start_s=7 * H),))


class _Refusing:
    name = "refusing"

    def supports(self, instance: Instance) -> Support:
        return Support("refusing cannot model motorbikes")

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        raise AssertionError("must not run")


class _Lazy:
    """Serves nothing: solve() must fill the reason in via explain."""

    name = "lazy"
    budget = -1.0

    def supports(self, instance: Instance) -> Support:
        return SUPPORTED

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        self.budget = stop.seconds
        return EngineResult(tuple(() for _ in range(instance.m)))


def test_public_solve_is_the_function() -> None:
    assert medroute.solve is solve


def test_unknown_engine() -> None:
    with pytest.raises(EngineError, match="unknown engine"):
        solve(_problem(), engine="simplex")


def test_missing_engine_module_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.ENGINES, "ghost", ("medroute.engines.no_such_module", "Ghost"))
    with pytest.raises(EngineError, match="engine 'ghost' is not available"):
        solve(_problem(), engine="ghost")


def test_unsupported_problem_raises_quoting_the_engine() -> None:
    with pytest.raises(EngineError, match="refusing cannot model motorbikes"):
        solve(_problem(), engine=_Refusing())


@pytest.mark.parametrize("limit", [0, -1.0, float("nan"), float("inf")])
def test_bad_time_limit(limit: float) -> None:
    with pytest.raises(ValueError, match="time_limit"):
        solve(_problem(), engine="greedy", time_limit=limit)


def test_left_out_orders_are_explained_and_budget_passed_on() -> None:
    lazy = _Lazy()
    t0 = time.perf_counter()
    solution = solve(_problem(), engine=lazy, time_limit=2.0, seed=5)
    assert time.perf_counter() - t0 <= 2.0 * 1.05 + 1
    assert 0 < lazy.budget < 2.0
    assert [(u.order, u.reason) for u in solution.unassigned] == [("a", medroute.Reason.SEARCH_LIMIT)]
    assert (solution.engine, solution.seed) == ("lazy", 5)
    assert solution.solve_time_s > 0


class _Overrunning:
    """Serves the first order and uses the whole budget, reserve included (a loaded machine)."""

    name = "overrunning"

    def supports(self, instance: Instance) -> Support:
        return SUPPORTED

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        time.sleep(stop.seconds + 0.1)
        return EngineResult(((0, instance.n),))  # the first order's pickup and delivery


def test_an_engine_that_used_the_whole_budget_still_gets_its_left_out_orders_explained() -> None:
    # Both doors need a delivery in the same half hour, far apart: once the rider takes one, the
    # other misses its window (each alone is servable, so no pre-check decides it).
    w = (TimeWindow(8 * H + 600, 8 * H + 1500),)
    orders = (Order("a", "ph", Location(-8.22, 114.37), release_s=8 * H, windows=w),
              Order("b", "ph", Location(-8.22, 114.30), release_s=8 * H, windows=w))
    problem = Problem(pharmacies=_problem().pharmacies, orders=orders,
                      riders=(Rider("r", Location(-8.209, 114.367), start_s=8 * H),))
    t0 = time.perf_counter()
    solution = solve(problem, engine=_Overrunning(), time_limit=0.3)
    assert time.perf_counter() - t0 <= 0.3 * 1.05 + 1
    assert solution.served == ("a",)
    assert [(u.order, u.reason) for u in solution.unassigned] == [("b", medroute.Reason.TIME_WINDOW)]


def test_greedy_by_name() -> None:
    solution = solve(_problem(), engine="greedy", time_limit=1.0)
    assert solution.served == ("a",)
    assert solution.engine == "greedy"


class _Careless:
    """Returns one route that breaks a window: order b is delivered after it closes."""

    name = "careless"

    def supports(self, instance: Instance) -> Support:
        return SUPPORTED

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        n = instance.n
        return EngineResult(routes=((0, n, 1, n + 1),))


def test_untimable_routes_lose_the_blamed_order_not_the_plan() -> None:
    from medroute import Reason, TimeWindow, check

    home = Location(-8.2084, 114.36617)
    p = Problem(pharmacies=(Pharmacy("ph", home),),
                orders=(Order("a", "ph", Location(-8.30, 114.30)),
                        Order("b", "ph", Location(-8.21, 114.365), windows=(TimeWindow(0, 700),))),
                riders=(Rider("r", home),))
    s = solve(p, engine=_Careless(), time_limit=2)
    assert [r.orders for r in s.routes] == [("a",)]
    assert [(u.order, u.reason) for u in s.unassigned] == [("b", Reason.TIME_WINDOW)]
    assert any("'b' taken off rider 'r'" in n for n in s.notes)
    assert check(p, s) == []


class _Misplaced:
    """Puts order x (locked to rider b) on rider a, order y on rider b."""

    name = "misplaced"

    def supports(self, instance: Instance) -> Support:
        return SUPPORTED

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        n = instance.n
        return EngineResult(routes=((0, n), (1, n + 1)))


def test_an_order_taken_off_a_malformed_route_gets_the_reason_explain_finds() -> None:
    """x, taken off a rider who may not carry it, was reported search_limit (the drop's reason
    for a malformed route); its only rider b cannot also reach it in time after y (by 2 rides)."""
    from medroute import Reason, check
    from medroute.explain import explain_order
    from medroute.schedule import node_routes
    from medroute.travel import backend

    home, east, west = Location(-8.2084, 114.3662), Location(-8.2084, 114.4112), Location(-8.2084, 114.3212)
    by = TimeWindow(0, 8 * H + 2 * int(backend("haversine").matrix([home, east]).durations_s[0][1]))
    p = Problem(pharmacies=(Pharmacy("ph", home),),
                orders=(Order("x", "ph", east, release_s=8 * H, windows=(by,), rider="b"),
                        Order("y", "ph", west, release_s=8 * H, windows=(by,))),
                riders=(Rider("a", home, start_s=8 * H), Rider("b", home, start_s=8 * H)))
    s = solve(p, engine=_Misplaced(), time_limit=2)
    assert any("'x' taken off rider 'a'" in n and "malformed" in n for n in s.notes)
    inst = medroute.compile_problem(p)
    assert not inst.flagged and explain_order(inst, node_routes(inst, s), 0) == Reason.TIME_WINDOW
    assert [(u.order, u.reason) for u in s.unassigned] == [("x", Reason.TIME_WINDOW)]
    assert check(p, s) == []


def _visit(kind: str, order: str) -> Visit:
    return Visit(StopKind(kind), order, 0, 0, 0)


def _start(*routes: tuple[str, str]) -> Solution:
    """A start plan by hand: per rider, its visits as ``"p:order d:order ..."``."""
    return Solution(routes=tuple(Route(rider, tuple(_visit("pickup" if v[0] == "p" else "delivery", v[2:])
                                                    for v in visits.split()))
                                 for rider, visits in routes))


def _two_riders() -> Problem:
    home = Location(-8.2090, 114.3670)
    orders = tuple(Order(f"o{i}", "ph", Location(-8.22 - 0.01 * i, 114.37), release_s=8 * H) for i in range(4))
    orders += (Order("onb", "ph", Location(-8.25, 114.37), picked_up_by="b", picked_up_s=7 * H),
               Order("mine", "ph", Location(-8.25, 114.37), release_s=8 * H, rider="b"))
    return Problem(pharmacies=(Pharmacy("ph", Location(-8.2084, 114.3662)),), orders=orders,
                   riders=(Rider("a", home, start_s=7 * H), Rider("b", home, start_s=7 * H)))


@pytest.mark.parametrize("engine", ["pyvrp", "ortools", "greedy", "alns"])
def test_a_start_plan_with_a_pickup_never_delivered_leaves_that_order_out_of_the_start(engine: str) -> None:
    """A start plan is a hint: the order it picks up and never delivers is left out of the start
    with a note naming it, its rider and the fault; the rest of the start is used (PyVRP raised
    its own "unpaired pickup and delivery", OR-Tools dropped the whole start)."""
    from medroute import check

    p = _two_riders()
    s = solve(p, engine=engine, stop=MaxWork(0.2), initial=_start(("a", "p:o0 d:o0 p:o3"), ("b", "d:onb")))
    assert s.notes[0] == ("initial plan: order 'o3' on rider 'a' is picked up but not delivered; it is left out of "
                          "the start")
    assert not any("initial" in n for n in s.notes[1:]) and not any("could not" in n for n in s.notes)
    assert sorted(s.served) == ["mine", "o0", "o1", "o2", "o3", "onb"]
    assert check(p, s) == []


def test_a_start_plan_s_faults_are_each_named_and_left_out() -> None:
    p = _two_riders()
    start = _start(("a", "d:o0 p:o0 p:o1 d:o1 d:onb p:zz d:zz p:o2 d:o2 p:o2 d:o2 p:mine d:mine"),
                   ("b", "p:o1 d:o1 d:o3"),
                   ("z", "p:o3 d:o3"), ("b", "p:o0 d:o0"))
    s = solve(p, engine="pyvrp", stop=MaxWork(0.2), initial=start)
    assert [n for n in s.notes if n.startswith("initial plan")] == [
        "initial plan: rider 'z' is not in the problem; its route is left out of the start",
        "initial plan: rider 'b' has a second route; it is left out of the start",
        "initial plan: order 'o0' on rider 'a' is delivered before it is picked up; it is left out of the start",
        "initial plan: order 'o1' on rider 'a' is also on rider 'b'; it is left out of the start",
        "initial plan: order 'onb' on rider 'a' is already on board of rider 'b'; it is left out of the start",
        "initial plan: order 'zz' on rider 'a' is not in the problem; it is left out of the start",
        "initial plan: order 'o2' on rider 'a' is visited 4 times (a pickup and a delivery each once); it is left "
        "out of the start",
        "initial plan: order 'mine' on rider 'a' is locked to rider 'b'; it is left out of the start",
        "initial plan: order 'o1' on rider 'b' is also on rider 'a'; it is left out of the start",
        "initial plan: order 'o3' on rider 'b' is delivered but not picked up; it is left out of the start"]
    assert sorted(s.served) == ["mine", "o0", "o1", "o2", "o3", "onb"]


def test_a_start_plan_with_a_cold_order_on_a_rider_without_a_cool_box_leaves_it_out_of_the_start() -> None:
    home = Location(-8.2090, 114.3670)
    p = Problem(pharmacies=(Pharmacy("ph", Location(-8.2084, 114.3662)),),
                orders=(Order("cold", "ph", Location(-8.24, 114.37), release_s=8 * H, temperature="refrigerated"),),
                riders=(Rider("a", home, start_s=7 * H), Rider("b", home, start_s=7 * H, coolbox=CoolBox())))
    s = solve(p, engine="ortools", stop=MaxWork(0.2), initial=_start(("a", "p:cold d:cold")))
    assert s.notes[0] == ("initial plan: order 'cold' on rider 'a' is cold and this rider has no cool box; it is "
                          "left out of the start")
    assert [(r.rider, r.orders) for r in s.routes if r.orders] == [("b", ("cold",))]


def _four_orders() -> Problem:
    orders = tuple(Order(f"o{i}", "ph", Location(-8.22 - 0.01 * i, 114.37), release_s=8 * 3600) for i in range(4))
    return Problem(pharmacies=(Pharmacy("ph", Location(-8.2084, 114.3662)),), orders=orders,
                   riders=(Rider("a", Location(-8.2090, 114.3670), start_s=7 * 3600),))


def test_the_clock_or_work_stopping_the_search_is_a_typed_field() -> None:
    cut = solve(_four_orders(), engine="pyvrp", time_limit=0.5)
    assert cut.stats is not None and cut.stats.stopped_by == StopReason.CLOCK and not cut.stats.reproducible
    whole = solve(_four_orders(), engine="pyvrp", stop=MaxWork(0.1))
    assert whole.stats is not None and whole.stats.stopped_by == StopReason.WORK and whole.stats.reproducible
    assert whole.stats.work == pytest.approx(0.1, rel=0.05)


def test_time_limit_and_stop_are_one_or_the_other() -> None:
    with pytest.raises(InvalidProblemError, match="not both"):
        solve(_four_orders(), engine="greedy", time_limit=1, stop=MaxWork(1))
    with pytest.raises(InvalidProblemError, match="no clock or work limit"):
        solve(_four_orders(), engine="greedy", stop=NoImprovement(1))
    with pytest.raises(InvalidProblemError, match="expected MaxRuntime"):
        solve(_four_orders(), engine="greedy", stop=30)  # type: ignore[arg-type]


@pytest.mark.parametrize("make", [MaxRuntime, MaxWork, NoImprovement])
@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf")])
def test_criteria_refuse_bad_amounts(make: Callable[[float], Budget], bad: float) -> None:
    with pytest.raises(ValueError, match="finite number > 0"):
        make(bad)


@pytest.mark.parametrize("make", [MaxRuntime, MaxWork, NoImprovement])
def test_criteria_and_time_limit_take_numpy_numbers(make: Callable[[Real], Budget]) -> None:
    """A sweep over ``np.arange(1, 4)`` hands the criteria numpy integers."""
    import numpy as np

    assert make(np.int64(2)) == make(2) == make(np.float32(2.0))
    with pytest.raises(ValueError, match="finite number > 0"):
        make(True)
    assert solve(_problem(), engine="greedy", time_limit=np.int64(1)).served == ("a",)


def test_criteria_combine_to_the_smallest_of_each_limit() -> None:
    both = MaxRuntime(30) | MaxWork(5) | MaxRuntime(10) | NoImprovement(2)
    assert (both.seconds, both.work, both.patience) == (10, 5, 2)
    assert MaxWork(5).reproducible and not both.reproducible


def test_a_meter_parts_by_the_limits_it_has_and_never_past_them() -> None:
    clock = Meter(MaxRuntime(30))
    assert (clock.part(2).seconds, clock.part(2).work) == (2, math.inf)
    assert clock.part(60).seconds == pytest.approx(30, abs=0.1)
    work = Meter(MaxWork(5))
    work.add(4)
    assert work.part(2).seconds == math.inf and work.part(2).work == pytest.approx(1)
    patient = Meter(NoImprovement(3))  # reproducible: its parts count work, not seconds
    assert (patient.part(2).seconds, patient.part(2).work) == (math.inf, 2)
    both = Meter(MaxRuntime(30) | MaxWork(5)).part(2)
    assert (both.seconds, both.work, both.patience) == (2, 2, math.inf)


def test_progress_reports_each_stage_and_display_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    events: list[ProgressEvent] = []
    solution = solve(_four_orders(), stop=MaxWork(0.2), progress=events.append, display=True)
    assert solution.stats is not None
    assert [e.stage for e in events] == [s.name for s in solution.stats.stages]
    assert all(e.feasible for e in events) and events[-1].objective is not None
    assert [e.elapsed_s for e in events] == sorted(e.elapsed_s for e in events)
    printed = capsys.readouterr().err.splitlines()
    assert printed[0].split()[:3] == ["stage", "best", "objective"] and len(printed) == len(events) + 1
