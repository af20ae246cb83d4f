"""The PyVRP engine: the shipment model, what it says it cannot model, and mapping plans back."""

from __future__ import annotations

import time

import numpy as np
import pytest

from medroute import CoolBox, Location, Order, Pharmacy, Problem, Rider, TimeWindow, check
from medroute.compile import Instance, compile_problem
from medroute.engines import Engine
from medroute.engines.pyvrp import FALLBACK_NOTE, PyVrpEngine, relaxations, relaxed_instance
from medroute.schedule import Infeasible, build_solution, schedule_route
from medroute.travel import TravelMatrix

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


ENGINE = PyVrpEngine(iterations=200)


def test_is_an_engine() -> None:
    assert isinstance(ENGINE, Engine)
    assert ENGINE.name == "pyvrp"


def test_two_orders_on_a_line_by_hand() -> None:
    # Both orders at the pharmacy A, doors B and C: the only sensible plan is pick both, B, C.
    inst = compiled(Order("x", "ph", B), Order("y", "ph", C))
    assert ENGINE.supports(inst) is True
    res = ENGINE.solve(inst, time_limit=5, seed=0)
    (route,) = res.routes
    assert sorted(route[:2]) == [0, 1] and route[2:] == (2, 3)  # pickups, then B, then C
    sol = build_solution(inst, res.routes)
    assert check(inst.problem, sol, matrix=dict(inst.matrices)) == []
    assert sol.kpis.distance_m == 10_000  # A → C, open end


def test_end_depot_and_fixed_cost_are_modelled() -> None:
    rider = Rider("r", A, start_s=3600, end=A)
    inst = compiled(Order("x", "ph", C), riders=(rider,))
    res = ENGINE.solve(inst, time_limit=5, seed=0)
    assert res.routes == ((0, 1),)
    assert build_solution(inst, res.routes).kpis.distance_m == 20_000  # there and back


def test_general_pairs_are_solved_li_lim_style() -> None:
    # Pickups at different places (D then B), deliveries elsewhere: paired PDP, not depot-based.
    phs = (Pharmacy("pb", B, handover_s=0), Pharmacy("pd", D, handover_s=0))
    inst = compiled(Order("x", "pd", A), Order("y", "pb", C), pharmacies=phs)
    res = ENGINE.solve(inst, time_limit=5, seed=1)
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
    res = ENGINE.solve(inst, time_limit=5, seed=0)
    assert set(res.routes[1]) == {0, 2}  # the cold order rides with the cool box, far as it is
    assert set(res.routes[2]) == {1, 3}  # the locked order with its rider


def test_supports_names_what_it_relaxes() -> None:
    inst = compiled(
        Order("cold", "ph", B, temperature="refrigerated"),
        Order("split", "ph", C, windows=(TimeWindow(3600, 7200), TimeWindow(9000, 12_000))),
        Order("soft", "ph", B, target_s=5000),
    )
    said = ENGINE.supports(inst)
    assert isinstance(said, str)
    assert "out-of-fridge budgets" in said and "'cold'" in said
    assert "several delivery windows on order 'split'" in said and "hull" in said
    assert "soft delivery targets" in said and "'soft'" in said
    assert [x.hard for x in relaxations(inst)] == [True, True, False]


def test_relaxed_solve_says_so_and_reports_routes_that_do_not_time() -> None:
    # Two insulin orders, 1850 s budget: carried together out to C then D, the one for D rides
    # at least 1200 + 180 + 600 s = 1980 s; only going back to the pharmacy keeps the budget.
    o1 = Order("i1", "ph", C, temperature="refrigerated", max_ride_s=1850)
    o2 = Order("i2", "ph", D, temperature="refrigerated", max_ride_s=1850)
    inst = compiled(o1, o2, riders=(Rider("r", A, start_s=3600, coolbox=CoolBox()),))
    res = ENGINE.solve(inst, time_limit=5, seed=0)
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
    first = ENGINE.solve(inst, time_limit=10, seed=7)
    assert ENGINE.solve(inst, time_limit=10, seed=7).routes == first.routes
    warm = ENGINE.solve(inst, time_limit=10, seed=7, initial=first.routes)
    assert sorted(v for r in warm.routes for v in r) == list(range(16))


def test_time_limit_is_held() -> None:
    inst = compiled(*(Order(f"o{i}", "ph", POINTS[1 + i % 3]) for i in range(40)),
                    riders=tuple(Rider(f"r{i}", A, start_s=3600) for i in range(4)))
    t0 = time.perf_counter()
    PyVrpEngine(iterations=10**9).solve(inst, time_limit=1.0, seed=0)
    assert time.perf_counter() - t0 <= 1.05 + 1.0


@pytest.mark.parametrize("bad", [0, -3])
def test_rejects_a_non_positive_iteration_budget(bad: int) -> None:
    with pytest.raises(ValueError, match="iterations must be >= 1"):
        PyVrpEngine(iterations=bad)


def two_rider_instance(windows: tuple[TimeWindow, ...] | None = None) -> Instance:
    riders = tuple(Rider(f"r{i}", A, start_s=3600) for i in range(2))
    if windows is None:
        return compiled(Order("x", "ph", B), Order("y", "ph", D), riders=riders)
    return compiled(Order("x", "ph", B, windows=windows), Order("y", "ph", D, windows=windows), riders=riders)


def test_reduce_fleet_serves_every_order_with_one_rider_fewer() -> None:
    inst = two_rider_instance()
    assert relaxations(inst) == []
    fewer, spent = ENGINE.reduce_fleet(inst, [(0, 2), (1, 3)], time_limit=5, seed=0)
    assert fewer is not None and spent >= 0
    assert sum(1 for s in fewer if s) == 1
    assert sorted(v for s in fewer for v in s) == [0, 1, 2, 3]
    assert checked_ok(inst, fewer)


def test_reduce_fleet_gives_up_when_one_rider_cannot_do_it() -> None:
    # Both doors (B and D, 20 minutes apart) within the same 200 s: two riders are needed.
    w = (TimeWindow(3600 + 1800, 3600 + 2000),)
    inst = two_rider_instance(w)
    assert checked_ok(inst, ((0, 2), (1, 3)))
    fewer, spent = PyVrpEngine(iterations=50).reduce_fleet(inst, [(0, 2), (1, 3)], time_limit=5, seed=0)
    assert fewer is None and spent == 50
    assert ENGINE.reduce_fleet(inst, [(0, 2, 1, 3), ()], time_limit=5, seed=0) == (None, 0)  # one rider


def test_reduce_fleet_refuses_what_pyvrp_relaxes() -> None:
    cold = Order("x", "ph", B, temperature="refrigerated", max_ride_s=3600)
    riders = tuple(Rider(f"r{i}", A, start_s=3600, coolbox=CoolBox()) for i in range(2))
    inst = compiled(cold, Order("y", "ph", C), riders=riders)
    assert relaxations(inst)
    assert ENGINE.reduce_fleet(inst, [(0, 2), (1, 3)], time_limit=5, seed=0) == (None, 0)


def checked_ok(inst: Instance, routes: tuple[tuple[int, ...], ...]) -> bool:
    sol = build_solution(inst, routes)
    return check(inst.problem, sol, matrix=dict(inst.matrices)) == []


def many_orders(n: int, riders: int) -> Instance:
    return compiled(*(Order(f"o{i}", "ph", POINTS[1 + i % 3]) for i in range(n)),
                    riders=tuple(Rider(f"r{i}", A, start_s=3600) for i in range(riders)))


def test_search_rate_falls_with_route_length_and_for_route_elimination() -> None:
    inst = many_orders(60, 6)  # 60 shipments: 120 PyVRP nodes
    engine = PyVrpEngine(iterations_per_second=300)
    short = engine.search_rate(inst)
    assert short == pytest.approx(300 * 100 / 120)
    assert engine.search_rate(inst, [[0]] * 10) == pytest.approx(short)  # 12 nodes per route
    by_length = [engine.search_rate(inst, [[0]] * r) for r in (10, 6, 4, 2, 1)]
    assert by_length == sorted(by_length, reverse=True) and by_length[-1] < short / 2
    assert engine.search_rate(inst, [[0]] * 4, fleet=True) < engine.search_rate(inst, [[0]] * 4) / 4
    # A fixed fleet of shipments: 40 % of the speed on short routes, much slower on long ones.
    assert engine.search_rate(inst, [[0]] * 10, fixed_fleet=True) == pytest.approx(short * 0.4)
    assert engine.search_rate(inst, [[0]] * 2, fixed_fleet=True) < short / 4
    assert engine.iteration_budget(inst, 2.0, [[0]] * 2) == int(2.0 * by_length[-2])
    assert PyVrpEngine(iterations=7).iteration_budget(inst, 2.0, [[0]] * 2, fleet=True) == 7


def test_fixed_fleet_keeps_to_the_riders_of_the_initial_plan() -> None:
    # Both doors within the same 200 s: two riders are needed. From a plan on rider 0 alone,
    # the free search takes rider 1 too; on a fixed fleet rider 1 stays home (an order is left).
    inst = two_rider_instance((TimeWindow(3600 + 1800, 3600 + 2000),))
    alone = ((0, 1, 2, 3), ())
    free = ENGINE.solve(inst, time_limit=5, seed=0, initial=alone)
    assert all(free.routes) and checked_ok(inst, free.routes)
    fixed = ENGINE.solve(inst, time_limit=5, seed=0, initial=alone, fixed_fleet=True)
    assert len(fixed.routes[0]) == 2 and fixed.routes[1] == () and checked_ok(inst, fixed.routes)
    with pytest.raises(ValueError, match="fixed_fleet needs an initial plan with a route"):
        ENGINE.solve(inst, time_limit=5, seed=0, fixed_fleet=True)


def test_work_seconds_not_the_clock_set_the_plan() -> None:
    # The same work budget under two different wall-clock caps: the same plan, not clock-stopped.
    inst = many_orders(24, 3)
    engine = PyVrpEngine(iterations_per_second=40)
    a = engine.solve(inst, time_limit=20, seed=3, work_seconds=1.0)
    b = engine.solve(inst, time_limit=40, seed=3, work_seconds=1.0)
    assert not a.clock_stopped and not b.clock_stopped
    assert a.routes == b.routes


def test_a_search_the_clock_stops_says_so() -> None:
    inst = many_orders(40, 4)
    res = PyVrpEngine(iterations_per_second=10**7).solve(inst, time_limit=0.5, seed=0)
    assert res.clock_stopped
    assert any("stopped by the time limit" in n for n in res.notes)


def test_the_search_goes_on_from_the_fallback_too_only_when_the_probe_finds_nothing_feasible() -> None:
    # d is on board and its window closed before the rider can reach D: no plan is feasible in
    # PyVRP's model, so after the probe the search goes on from the fallback plan.
    hopeless = compiled(Order("c", "ph", C), Order("d", "ph", D, windows=(TimeWindow(0, 3630),),
                                                   picked_up_by="r", picked_up_s=3000))
    res = PyVrpEngine().solve(hopeless, time_limit=5, seed=0, initial=((3,),), work_seconds=0.05,
                              fallback=((0, 3, 2),))
    assert FALLBACK_NOTE in res.notes
    # Both searches give a plan: the fallback's as the result, the probe's as the alternative.
    assert len(res.alternatives) == 1 and len(res.alternatives[0]) == hopeless.m
    # A feasible plan found in the probe: the fallback is not used.
    fine = compiled(Order("c", "ph", C), Order("d", "ph", D))
    res = PyVrpEngine().solve(fine, time_limit=5, seed=0, initial=((0, 1, 2, 3),), work_seconds=0.05,
                              fallback=((0, 2),))
    assert FALLBACK_NOTE not in res.notes and sorted(res.routes[0]) == [0, 1, 2, 3]
    assert res.alternatives == ()
