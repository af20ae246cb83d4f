"""The PyVRP engine: the shipment model, what it says it cannot model, and mapping plans back."""

from __future__ import annotations

import time

import numpy as np
import pytest

from medroute import CoolBox, Location, Order, Pharmacy, Problem, Rider, TimeWindow, check
from medroute.compile import Instance, compile_problem
from medroute.engines import Engine
from medroute.engines import pyvrp as pyvrp_engine
from medroute.engines.base import relaxed_instance
from medroute.engines.pyvrp import PyVrpEngine, PyVrpFleetEngine, relaxations
from medroute.schedule import Infeasible, build_solution, schedule_route
from medroute.stop import MaxRuntime, MaxWork, StopReason
from medroute.travel import TravelMatrix
from tests.engines.test_conformance import generate

A, B, C, D = (Location(-8.0, 114.0), Location(-8.0, 114.1), Location(-8.0, 114.2), Location(-8.0, 114.3))
POINTS = (A, B, C, D)


def line(p: Problem) -> TravelMatrix:
    """A-B-C-D on a line: 600 s and 5 km per step."""
    idx = [POINTS.index(loc) for loc in p.locations]
    steps = [[abs(i - j) for j in idx] for i in idx]
    step = np.array(steps, dtype=np.int32)
    return TravelMatrix(600 * step, 5000 * step)


def compiled(*orders: Order, riders: tuple[Rider, ...] | None = None,
             pharmacies: tuple[Pharmacy, ...] | None = None) -> Instance:
    p = Problem(pharmacies=pharmacies or (Pharmacy("ph", A, handover_s=60),), orders=orders,
                riders=riders or (Rider("r", A, start_s=3600, coolbox=CoolBox()),), max_trip_m=None)
    return compile_problem(p, line(p))


ENGINE = PyVrpEngine()


def test_is_an_engine() -> None:
    assert isinstance(ENGINE, Engine)
    assert ENGINE.name == "pyvrp"


def test_two_orders_on_a_line_by_hand() -> None:
    # Both orders at the pharmacy A, doors B and C: the only sensible plan is pick both, B, C.
    inst = compiled(Order("x", "ph", B), Order("y", "ph", C))
    assert ENGINE.supports(inst)
    res = ENGINE.solve(inst, stop=MaxWork(0.5), seed=0)
    (route,) = res.routes
    assert sorted(route[:2]) == [0, 1] and route[2:] == (2, 3)  # pickups, then B, then C
    sol = build_solution(inst, res.routes)
    assert check(inst.problem, sol, matrix=dict(inst.matrices)) == []
    assert sol.kpis.distance_m == 10_000  # A → C, open end


def test_end_depot_and_fixed_cost_are_modelled() -> None:
    rider = Rider("r", A, start_s=3600, end=A)
    inst = compiled(Order("x", "ph", C), riders=(rider,))
    res = ENGINE.solve(inst, stop=MaxWork(0.5), seed=0)
    assert res.routes == ((0, 1),)
    assert build_solution(inst, res.routes).kpis.distance_m == 20_000  # there and back


def test_general_pairs_are_solved_li_lim_style() -> None:
    # Pickups at different places (D then B), deliveries elsewhere: paired PDP, not depot-based.
    phs = (Pharmacy("pb", B, handover_s=0), Pharmacy("pd", D, handover_s=0))
    inst = compiled(Order("x", "pd", A), Order("y", "pb", C), pharmacies=phs)
    res = ENGINE.solve(inst, stop=MaxWork(0.5), seed=1)
    (route,) = res.routes
    assert len(route) == 4
    for k in (0, 1):
        assert route.index(k) < route.index(inst.n + k)
    assert not isinstance(schedule_route(inst, 0, route), Infeasible)


def test_cool_box_and_locks_choose_the_rider() -> None:
    riders = (Rider("plain", A, start_s=3600), Rider("cool", D, start_s=3600, coolbox=CoolBox()),
              Rider("other", A, start_s=3600))
    inst = compiled(Order("ins", "ph", B, temperature="refrigerated", max_ride_s=10 * 3600),
                    Order("amb", "ph", B, rider="other"), riders=riders)
    res = ENGINE.solve(inst, stop=MaxWork(0.5), seed=0)
    assert set(res.routes[1]) == {0, 2}  # the cold order rides with the cool box, far as it is
    assert set(res.routes[2]) == {1, 3}  # the locked order with its rider


def test_supports_names_what_it_relaxes() -> None:
    inst = compiled(
        Order("cold", "ph", B, temperature="refrigerated"),
        Order("split", "ph", C, windows=(TimeWindow(3600, 7200), TimeWindow(9000, 12_000))),
        Order("soft", "ph", B, target_s=5000),
    )
    support = ENGINE.supports(inst)
    said = support.reason
    assert not support and str(support) == said
    assert "out-of-fridge budgets" in said and "'cold'" in said
    assert "several delivery windows on 1 order ('split')" in said and "hull" in said
    assert "soft delivery targets" in said and "'soft'" in said
    assert [x.hard for x in relaxations(inst)] == [True, True, False]


def test_relaxed_solve_says_so_and_reports_routes_that_do_not_time() -> None:
    # Two insulin orders, 1850 s budget: carried together out to C then D, the one for D rides
    # at least 1200 + 180 + 600 s = 1980 s; only going back to the pharmacy keeps the budget.
    o1 = Order("i1", "ph", C, temperature="refrigerated", max_ride_s=1850)
    o2 = Order("i2", "ph", D, temperature="refrigerated", max_ride_s=1850)
    inst = compiled(o1, o2, riders=(Rider("r", A, start_s=3600, coolbox=CoolBox()),))
    res = ENGINE.solve(inst, stop=MaxWork(0.5), seed=0)
    assert res.notes[0].startswith("relaxed: PyVRP cannot model out-of-fridge budgets")
    (route,) = res.routes
    assert isinstance(schedule_route(inst, 0, route), Infeasible)
    assert any("does not time" in n for n in res.notes)
    # Timed as PyVRP saw it, the checker shows the broken budget.
    sol = build_solution(relaxed_instance(inst), res.routes)
    assert any(v.rule == "cold_budget" for v in check(inst.problem, sol, matrix=dict(inst.matrices)))


def test_same_seed_same_plan_and_warm_start() -> None:
    inst = compiled(*(Order(f"o{i}", "ph", POINTS[1 + i % 3], release_s=3600 + 600 * i) for i in range(8)),
                    riders=(Rider("r1", A, start_s=3600), Rider("r2", D, start_s=3600)))
    first = ENGINE.solve(inst, stop=MaxWork(0.5), seed=7)
    assert ENGINE.solve(inst, stop=MaxWork(0.5), seed=7).routes == first.routes
    warm = ENGINE.solve(inst, stop=MaxWork(0.5), seed=7, initial=first.routes)
    assert sorted(v for r in warm.routes for v in r) == list(range(16))


def test_time_limit_is_held() -> None:
    inst = compiled(*(Order(f"o{i}", "ph", POINTS[1 + i % 3]) for i in range(40)),
                    riders=tuple(Rider(f"r{i}", A, start_s=3600) for i in range(4)))
    t0 = time.perf_counter()
    res = ENGINE.solve(inst, stop=MaxRuntime(1.0), seed=0)
    took = time.perf_counter() - t0
    assert 0.95 <= took <= 1.05 + 1.0  # the clock is used to its end, and held
    assert res.stats.stopped_by == StopReason.CLOCK and not res.stats.reproducible


def two_rider_instance(windows: tuple[TimeWindow, ...] | None = None) -> Instance:
    riders = tuple(Rider(f"r{i}", A, start_s=3600) for i in range(2))
    if windows is None:
        return compiled(Order("x", "ph", B), Order("y", "ph", D), riders=riders)
    return compiled(Order("x", "ph", B, windows=windows), Order("y", "ph", D, windows=windows), riders=riders)


FLEET = PyVrpFleetEngine()


def test_route_elimination_serves_every_order_with_one_rider_fewer() -> None:
    inst = two_rider_instance()
    assert relaxations(inst) == []
    res = FLEET.solve(inst, stop=MaxWork(1), seed=0, initial=((0, 2), (1, 3)))
    assert sum(1 for s in res.routes if s) == 1
    assert sorted(v for s in res.routes for v in s) == [0, 1, 2, 3]
    assert checked_ok(inst, res.routes)
    assert res.stats.stopped_by == StopReason.DONE  # one rider cannot be taken out: done early


def test_route_elimination_keeps_the_plan_when_one_rider_cannot_do_it() -> None:
    # Both doors (B and D, 20 minutes apart) within the same 200 s: two riders are needed.
    w = (TimeWindow(3600 + 1800, 3600 + 2000),)
    inst = two_rider_instance(w)
    assert checked_ok(inst, ((0, 2), (1, 3)))
    res = FLEET.solve(inst, stop=MaxWork(0.5), seed=0, initial=((0, 2), (1, 3)))
    assert res.routes == ((0, 2), (1, 3)) and res.stats.stopped_by == StopReason.WORK
    assert res.stats.work == pytest.approx(0.5, rel=0.01)
    one = FLEET.solve(inst, stop=MaxWork(1), seed=0, initial=((0, 2, 1, 3), ()))
    assert one.routes == ((0, 2, 1, 3), ()) and one.stats.work == 0


def test_luby_sequence() -> None:
    assert [pyvrp_engine.luby(i) for i in range(1, 16)] == [1, 1, 2, 1, 1, 2, 4, 1, 1, 2, 1, 1, 2, 4, 8]
    with pytest.raises(ValueError, match=">= 1"):
        pyvrp_engine.luby(0)


def test_route_elimination_restarts_with_the_next_seed_on_luby_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    # The first two attempts spend their slice without a feasible plan; the third finds one.
    run = pyvrp_engine._run
    calls: list[tuple[int, float]] = []

    def failing_twice(model, inst, criterion, seed, start):  # type: ignore[no-untyped-def]
        calls.append((seed, criterion.meter.budget.work))
        if len(calls) < 3:
            while not criterion(pyvrp_engine.INFEASIBLE_COST):
                pass
            return None
        return run(model, inst, criterion, seed, start)

    monkeypatch.setattr(pyvrp_engine, "_run", failing_twice)
    unit = pyvrp_engine.RESTART_UNIT
    res = FLEET.solve(two_rider_instance(), stop=MaxWork(10 * unit), seed=5, initial=((0, 2), (1, 3)))
    assert sum(1 for s in res.routes if s) == 1 and checked_ok(two_rider_instance(), res.routes)
    assert calls == [(5, unit), (6, unit), (7, 2 * unit)]
    assert 2 * unit <= res.stats.work < 4 * unit


def test_route_elimination_refuses_what_pyvrp_relaxes() -> None:
    cold = Order("x", "ph", B, temperature="refrigerated", max_ride_s=3600)
    riders = tuple(Rider(f"r{i}", A, start_s=3600, coolbox=CoolBox()) for i in range(2))
    inst = compiled(cold, Order("y", "ph", C), riders=riders)
    assert relaxations(inst)
    assert FLEET.solve(inst, stop=MaxWork(1), seed=0, initial=((0, 2), (1, 3))).routes == ((0, 2), (1, 3))


def checked_ok(inst: Instance, routes: tuple[tuple[int, ...], ...]) -> bool:
    sol = build_solution(inst, routes)
    return check(inst.problem, sol, matrix=dict(inst.matrices)) == []


def many_orders(n: int, riders: int) -> Instance:
    return compiled(*(Order(f"o{i}", "ph", POINTS[1 + i % 3]) for i in range(n)),
                    riders=tuple(Rider(f"r{i}", A, start_s=3600) for i in range(riders)))


def test_fixed_fleet_keeps_to_the_riders_of_the_initial_plan() -> None:
    # Both doors within the same 200 s: two riders are needed. From a plan on rider 0 alone,
    # the free search takes rider 1 too; on a fixed fleet rider 1 stays home (an order is left).
    inst = two_rider_instance((TimeWindow(3600 + 1800, 3600 + 2000),))
    alone = ((0, 1, 2, 3), ())
    free = ENGINE.solve(inst, stop=MaxWork(0.5), seed=0, initial=alone)
    assert all(free.routes) and checked_ok(inst, free.routes)
    fixed = PyVrpEngine(fixed_fleet=True).solve(inst, stop=MaxWork(0.5), seed=0, initial=alone)
    assert len(fixed.routes[0]) == 2 and fixed.routes[1] == () and checked_ok(inst, fixed.routes)
    with pytest.raises(ValueError, match="fixed_fleet needs an initial plan with a route"):
        PyVrpEngine(fixed_fleet=True).solve(inst, stop=MaxWork(0.5), seed=0)


def test_work_not_the_clock_sets_the_plan() -> None:
    # The same work budget, once alone and once with a generous clock: the same plan, by work.
    inst = many_orders(24, 3)
    a = ENGINE.solve(inst, stop=MaxWork(0.5), seed=3)
    b = ENGINE.solve(inst, stop=MaxWork(0.5) | MaxRuntime(60), seed=3)
    assert a.stats.stopped_by == b.stats.stopped_by == StopReason.WORK
    assert a.stats.reproducible and a.routes == b.routes
    assert a.stats.work == pytest.approx(0.5, rel=0.01)


def test_a_search_the_clock_stops_says_so() -> None:
    inst = many_orders(40, 4)
    res = ENGINE.solve(inst, stop=MaxRuntime(0.5) | MaxWork(10**6), seed=0)
    assert res.clock_stopped and res.stats.stopped_by == StopReason.CLOCK


def test_a_search_that_overruns_the_clock_is_cut_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    inst = compile_problem(generate(1, n=4, m=2, plain=True))
    monkeypatch.setattr(pyvrp_engine, "_run", lambda *args, **kwargs: time.sleep(30))  # like its first search
    t0 = time.perf_counter()
    result = PyVrpEngine().solve(inst, stop=MaxRuntime(0.5), seed=0)
    assert time.perf_counter() - t0 < 1.05 * 0.5 + 1
    assert result.routes == ((), ()) and result.stats.stopped_by == StopReason.CLOCK
