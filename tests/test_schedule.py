"""Timing sequences: earliest feasible times, budgets pushing pickups later, infeasibility reasons."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given

from medroute import CoolBox, Location, Order, Pharmacy, Problem, Reason, Rider, TimeWindow, check
from medroute.compile import COST_SCALE, Instance, compile_problem
from medroute.schedule import Infeasible, RouteTimes, build_solution, route_cost, schedule_route
from medroute.travel import TravelMatrix
from tests.strategies import solved

A, B, C = Location(-8.0, 114.0), Location(-8.0, 114.1), Location(-8.0, 114.2)
# Hand-checkable travel: A-B 600 s, B-C 600 s, A-C 1200 s.
POINTS = (A, B, C)


def matrix(p: Problem) -> TravelMatrix:
    """The A-B-C line for the problem's locations (600 s and 5 km per step)."""
    idx = [POINTS.index(loc) for loc in p.locations]
    steps = [[abs(i - j) for j in idx] for i in idx]
    return TravelMatrix([[600 * s for s in row] for row in steps], [[5000 * s for s in row] for row in steps])


def compiled(p: Problem) -> Instance:
    return compile_problem(p, matrix(p))


def problem(*orders: Order, rider: Rider | None = None) -> Problem:
    return Problem(pharmacies=(Pharmacy("ph", A, handover_s=60),), orders=orders,
                   riders=(rider or Rider("r", A, start_s=3600, coolbox=CoolBox(hold_s=10_000)),), max_trip_m=None)


def test_earliest_times_by_hand() -> None:
    p = problem(Order("x", "ph", B, release_s=7200, service_s=120), Order("y", "ph", C, service_s=120))
    inst = compiled(p)
    t = schedule_route(inst, 0, [0, 1, 2, 3])
    assert isinstance(t, RouteTimes)
    # leave as late as the first pickup allows: pickup x at 7200 (release), y at 7260
    assert t.depart_s == 7200 and t.starts == (7200, 7260, 7920, 8640) and t.end_s == 8760


def test_second_window_is_taken_when_the_first_is_missed() -> None:
    o = Order("x", "ph", C, release_s=3600, windows=(TimeWindow(0, 4000), TimeWindow(9000, 9500)))
    inst = compiled(problem(o))
    t = schedule_route(inst, 0, [0, 1])
    assert isinstance(t, RouteTimes) and t.starts[1] == 9000


def test_budget_pushes_the_pickup_later() -> None:
    # Delivery window opens late: an early pickup would leave the insulin out too long.
    o = Order("x", "ph", B, temperature="refrigerated", windows=(TimeWindow(14_000, 20_000),))
    inst = compiled(problem(o))
    t = schedule_route(inst, 0, [0, 1])
    assert isinstance(t, RouteTimes)
    assert t.starts[1] == 14_000 and t.starts[1] - (t.starts[0] + 60) <= 7200


def test_reasons_for_infeasible_sequences() -> None:
    cold = Order("x", "ph", C, temperature="refrigerated", max_ride_s=1000)
    inst = compiled(problem(cold, Order("y", "ph", B, weight_g=19_000), Order("z", "ph", B, weight_g=2_000)))
    # cold x carried past the other deliveries: 600 + 180 + 600 > 1000 s budget
    assert schedule_route(inst, 0, [0, 1, 4, 3]) == Infeasible(Reason.COLD_BUDGET, 0)
    assert schedule_route(inst, 0, [1, 2, 4, 5]) == Infeasible(Reason.CAPACITY, 2)
    assert schedule_route(inst, 0, [3]).reason == Reason.NO_RIDER  # type: ignore[union-attr]
    late = Order("w", "ph", C, windows=(TimeWindow(0, 3700),))
    assert schedule_route(compiled(problem(late)), 0, [0, 1]) == Infeasible(Reason.TIME_WINDOW, 0)
    tired = Rider("r", A, start_s=3600, shift=TimeWindow(0, 4000))
    inst = compiled(problem(Order("v", "ph", C), rider=tired))
    assert schedule_route(inst, 0, [0, 1]) == Infeasible(Reason.SHIFT, 0)


def test_max_work_moves_the_departure() -> None:
    o = Order("x", "ph", B, release_s=7200)
    r = Rider("r", A, start_s=0, max_work_s=2000, end=A)
    inst = compiled(problem(o, rider=r))
    t = schedule_route(inst, 0, [0, 1])
    assert isinstance(t, RouteTimes) and t.end_s - t.depart_s <= 2000 and t.starts[0] == 7200


def test_build_solution_reports_kpis() -> None:
    p = problem(Order("x", "ph", B, target_s=3600), Order("y", "ph", C, temperature="refrigerated"))
    s = build_solution(compiled(p), [[0, 1, 2, 3]])
    assert check(p, s, matrix(p)) == []
    k = s.kpis
    assert (k.served, k.riders_used, k.travel_s, k.distance_m) == (2, 1, 1200, 10000)
    assert k.max_late_s == k.total_late_s == 3600 + 60 + 60 + 600 - 3600
    assert k.on_time_share == 0.5
    assert k.cost_rp == 10 * 2500
    assert k.max_cold_exposure_s == 600 + 180 + 600


def test_waiting_between_stops_costs_the_objective_s_wait_rate() -> None:
    # x ready at 3600 at B, y at 9000 at C: back at the pharmacy by 4980, the rider waits 4020 s for y.
    p = problem(Order("x", "ph", B, release_s=3600, service_s=120), Order("y", "ph", C, release_s=9000, service_s=120))
    waiting = dataclasses.replace(p, objective=dataclasses.replace(p.objective, rupiah_per_wait_hour=3600.0))
    costs = []
    for q in (p, waiting):
        inst = compiled(q)
        t = schedule_route(inst, 0, [0, 2, 1, 3])
        assert isinstance(t, RouteTimes) and t.starts == (3600, 4260, 9000, 10260)
        costs.append(route_cost(inst, 0, [0, 2, 1, 3], t))
    assert costs[1] - costs[0] == pytest.approx(4020 * COST_SCALE)


@given(solved())
def test_schedules_of_generated_plans_check(case: tuple[Problem, object]) -> None:
    problem_, solution = case
    assert check(problem_, solution) == []  # type: ignore[arg-type]
    assert dataclasses.asdict(solution.kpis)["served"] == len(problem_.orders)  # type: ignore[attr-defined]


def test_a_cold_order_without_parcels_is_still_cold() -> None:
    """Issue 18 #8: "cold" was decided by cool-box parcels here and by ``needs_coolbox`` in the
    checker, so a cold order with ``parcels=0`` got plans the checker refused."""
    p = problem(Order("o", "ph", B, temperature="refrigerated", parcels=0))
    inst = compiled(p)
    assert inst.cold.tolist() == [True]
    s = build_solution(inst, [[0, 1]])
    assert s.routes[0].stops[2].cold == (("o", 600),)
    assert check(p, s, matrix(p)) == []


def test_the_start_stop_reports_what_the_rider_carries() -> None:
    carried = Order("o", "ph", B, temperature="refrigerated", picked_up_by="r", picked_up_s=3000)
    p = problem(carried)
    s = build_solution(compiled(p), [[1]])
    start = s.routes[0].stops[0]
    assert (start.load.cold_parcels, start.cold) == (1, (("o", 600),))
    assert check(p, s, matrix(p)) == []


def test_an_order_on_board_that_cannot_be_delivered_comes_back_unassigned() -> None:
    """Issue 18 #11 (the solve side): carried orders no route can time together made
    build_solution raise EngineError ("route cannot be timed"). Each can be delivered alone, not
    both: one now comes back unassigned with the binding reason, and the checker agrees that its
    rider could not also deliver it."""
    from medroute import solve
    from medroute.schedule import drop_untimable

    near = Order("near", "ph", B, windows=(TimeWindow(0, 3600 + 700),), picked_up_by="r", picked_up_s=3000)
    far = Order("far", "ph", C, windows=(TimeWindow(0, 3600 + 1300),), picked_up_by="r", picked_up_s=3000)
    p = problem(near, far)
    inst = compiled(p)
    assert inst.flagged == {}
    routes, dropped, _ = drop_untimable(inst, [[2, 3]], label="test")
    assert len(routes[0]) == 1 and list(dropped.values()) == [Reason.TIME_WINDOW]
    s = build_solution(inst, routes, reasons=dropped)
    assert [u.reason for u in s.unassigned] == [Reason.TIME_WINDOW]
    assert check(p, s, matrix(p)) == []
    for engine in ("greedy", "ortools", "auto"):
        planned = solve(p, engine=engine, time_limit=2, matrix=matrix(p))
        assert len(planned.unassigned) == 1 and check(p, planned, matrix(p)) == [], engine


def test_a_flagged_order_on_board_is_left_out_before_a_deliverable_one() -> None:
    """Found by the fuzzer: a flagged carried order first on the route made the timing blame the
    deliverable one behind it, and both came back unassigned."""
    from medroute.schedule import drop_untimable

    heavy = Order("heavy", "ph", C, weight_g=25_000, picked_up_by="r", picked_up_s=3000)
    fine = Order("fine", "ph", B, windows=(TimeWindow(0, 3600 + 700),), picked_up_by="r", picked_up_s=3000)
    p = problem(heavy, fine)
    inst = compiled(p)
    assert [f.reason for f in inst.flagged.values()] == [Reason.OVER_CAPACITY]
    routes, dropped, _ = drop_untimable(inst, [[2, 3]], label="test")
    assert routes == [[3]] and list(dropped) == [0]
    assert check(p, build_solution(inst, routes, reasons=dropped), matrix(p)) == []


def test_an_order_on_board_dropped_early_is_delivered_once_room_is_made() -> None:
    """Found by the fuzzer: the timing blamed "now" (no time out of the fridge left, at the rider's
    own door), then "far" (beyond the shift); both came back unassigned though "now" alone fits."""
    from medroute.schedule import drop_untimable

    now = Order("now", "ph", A, max_ride_s=0, service_s=0, picked_up_by="r", picked_up_s=3600)
    far = Order("far", "ph", C, picked_up_by="r", picked_up_s=3600)
    p = problem(now, far, rider=Rider("r", A, start_s=3600, shift=TimeWindow(3600, 3600 + 1000)))
    inst = compiled(p)
    routes, dropped, _ = drop_untimable(inst, [[3, 2]], label="test")
    assert routes == [[2]] and dropped == {1: Reason.SHIFT}
    assert check(p, build_solution(inst, routes, reasons=dropped), matrix(p)) == []


def test_an_order_on_board_put_on_another_riders_route_goes_back_to_its_rider() -> None:
    """Found by the fuzzer: PyVRP put the order "held" (on board of rider "a") on rider "b"'s route;
    taken off there, it came back unassigned though "a" could deliver it."""
    from medroute.schedule import drop_untimable

    held = Order("held", "ph", B, picked_up_by="a", picked_up_s=3000)
    p = Problem(pharmacies=(Pharmacy("ph", A, handover_s=60),), orders=(held,), max_trip_m=None,
                riders=(Rider("a", A, start_s=3600), Rider("b", C, start_s=3600)))
    inst = compiled(p)
    routes, dropped, _ = drop_untimable(inst, [[], [1]], label="test")
    assert routes == [[1], []] and dropped == {}
    assert check(p, build_solution(inst, routes, reasons=dropped), matrix(p)) == []


def test_an_order_on_board_its_rider_cannot_deliver_is_left_out_before_the_others() -> None:
    """VROOM appended the delivery of an item whose budget had run out to a route of four orders:
    all four were taken off before it, and came back unassigned though the route served them."""
    from medroute.schedule import drop_untimable

    spent = Order("spent", "ph", B, temperature="refrigerated", max_ride_s=60, picked_up_by="r", picked_up_s=0)
    p = problem(spent, Order("a", "ph", B), Order("b", "ph", C))
    inst = compiled(p)
    assert inst.flagged == {}
    routes, dropped, _ = drop_untimable(inst, [[1, 2, 4, 5, 3]], label="test")
    assert routes == [[1, 2, 4, 5]] and dropped == {0: Reason.COLD_BUDGET}
    assert check(p, build_solution(inst, routes, reasons=dropped), matrix(p)) == []


def test_a_window_missed_because_of_the_working_time_is_blamed_on_the_shift() -> None:
    """A rider who may work one minute: the working time pushes the departure on until the door's
    window has passed, and the route was reported infeasible for its time window."""
    rider = Rider("r", A, start_s=3600, max_work_s=60)
    inst = compiled(problem(Order("x", "ph", B, windows=(TimeWindow(0, 2 * 3600),)), rider=rider))
    timed = schedule_route(inst, 0, [0, 1])
    assert isinstance(timed, Infeasible) and timed.reason == Reason.SHIFT


def test_a_window_missed_because_of_the_cold_budget_is_blamed_on_the_budget() -> None:
    """The door opens at 10:00, the item may spend 15 minutes out of the fridge (the ride is 10),
    the pharmacy closes at 09:00: keeping the budget pushes the pickup past closing."""
    ph = Pharmacy("ph", A, handover_s=60, opening=(TimeWindow(0, 9 * 3600),))
    cold = Order("x", "ph", B, windows=(TimeWindow(10 * 3600, 11 * 3600),), temperature="refrigerated",
                 max_ride_s=900)
    p = dataclasses.replace(problem(cold), pharmacies=(ph,))
    inst = compiled(p)
    assert inst.flagged == {}
    timed = schedule_route(inst, 0, [0, 1])
    assert isinstance(timed, Infeasible) and timed.reason == Reason.COLD_BUDGET


def test_an_order_taken_off_a_malformed_route_is_not_reported_no_rider() -> None:
    """An order on a rider who may not carry it (a cold item without a cool box, a lock to
    another rider) or picked up and never delivered was reported no_rider (the route's
    structural verdict), which the checker refutes: another rider may carry it."""
    from medroute.schedule import drop_untimable

    cold = Order("cold", "ph", B, temperature="refrigerated")
    locked = Order("locked", "ph", B, rider="cool")
    half = Order("half", "ph", C)
    p = Problem(pharmacies=(Pharmacy("ph", A, handover_s=60),), orders=(cold, locked, half), max_trip_m=None,
                riders=(Rider("cool", A, start_s=3600, coolbox=CoolBox()), Rider("plain", A, start_s=3600)))
    inst = compiled(p)
    assert inst.flagged == {}
    routes, dropped, notes = drop_untimable(inst, [[2], [0, 3, 1, 4]], label="test")
    assert routes == [[], []] and dropped == dict.fromkeys((0, 1, 2), Reason.SEARCH_LIMIT)
    assert all("malformed" in n for n in notes)
    assert check(p, build_solution(inst, routes, reasons=dropped), matrix(p)) == []


def test_pyvrp_out_of_time_with_a_malformed_start_reports_true_reasons() -> None:
    """PyVRP out of time returns its start; a start with a locked order on another rider came back
    no_rider."""
    pytest.importorskip("pyvrp")
    from medroute import Solution, solve
    from medroute.stop import MaxRuntime

    p = Problem(pharmacies=(Pharmacy("ph", A, handover_s=60),), orders=(Order("o", "ph", B, rider="a"),),
                riders=(Rider("a", A, start_s=3600), Rider("b", A, start_s=3600)), max_trip_m=None)
    planned = solve(p, engine="greedy", time_limit=1, matrix=matrix(p))
    wrong = Solution(routes=tuple(dataclasses.replace(r, rider="b") for r in planned.routes if r.orders))
    got = solve(p, engine="pyvrp", stop=MaxRuntime(0.001), matrix=matrix(p), initial=wrong)
    assert [(u.order, u.reason) for u in got.unassigned] == [("o", Reason.SEARCH_LIMIT)]
    assert check(p, got, matrix(p)) == []
