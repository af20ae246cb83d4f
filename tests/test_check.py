"""The independent checker: valid plans pass, and every kind of corruption is caught."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medroute import (
    CoolBox,
    Load,
    Location,
    Order,
    Pharmacy,
    Problem,
    Rider,
    Route,
    Rule,
    Solution,
    Stop,
    StopKind,
    TimeWindow,
    Unassigned,
    check,
)
from medroute.compile import compile_problem
from medroute.reasons import Reason
from medroute.schedule import build_solution
from tests.strategies import RSUD_BLAMBANGAN, solved

PATIENT = Location(-8.2200, 114.3500)
FAR = Location(-8.2600, 114.3100)


def tiny(**order_kw: object) -> Problem:
    kw = {"release_s": 9 * 3600, "temperature": "refrigerated"} | order_kw
    return Problem(
        pharmacies=(Pharmacy("rsud", RSUD_BLAMBANGAN),),
        orders=(Order("o1", "rsud", PATIENT, **kw), Order("o2", "rsud", FAR)),  # type: ignore[arg-type]
        riders=(Rider("r1", RSUD_BLAMBANGAN, coolbox=CoolBox()), Rider("r2", RSUD_BLAMBANGAN)),
    )


def plan(problem: Problem, *seqs: list[int]) -> Solution:
    return build_solution(compile_problem(problem), list(seqs))


def rules(problem: Problem, solution: Solution) -> set[Rule]:
    return {v.rule for v in check(problem, solution)}


def with_stop(solution: Solution, route: int, stop: int, **changes: object) -> Solution:
    r = solution.routes[route]
    stops = list(r.stops)
    stops[stop] = dataclasses.replace(stops[stop], **changes)  # type: ignore[arg-type]
    routes = list(solution.routes)
    routes[route] = dataclasses.replace(r, stops=tuple(stops))
    return dataclasses.replace(solution, routes=tuple(routes))


def test_a_timed_plan_passes() -> None:
    p = tiny()
    assert check(p, plan(p, [0, 1, 2, 3], [])) == []


def test_pickup_after_delivery_is_caught() -> None:
    p = tiny()
    s = plan(p, [0, 2], [1, 3])
    stops = s.routes[0].stops
    swapped = dataclasses.replace(s.routes[0], stops=(stops[0], stops[2], stops[1], stops[3]))
    bad = dataclasses.replace(s, routes=(swapped, s.routes[1]))
    assert Rule.PICKUP_DELIVERY in rules(p, bad)


def test_missing_order_is_caught_and_unassigned_is_accepted() -> None:
    p = tiny()
    s = plan(p, [0, 2], [])
    assert s.unassigned == (Unassigned("o2", Reason.SEARCH_LIMIT),)
    assert check(p, s) == []
    dropped = dataclasses.replace(s, unassigned=())
    assert [v.rule for v in check(p, dropped)] == [Rule.MISSING]


def test_served_twice_is_caught() -> None:
    p = tiny()
    s = plan(p, [0, 2], [1, 3])
    twice = dataclasses.replace(s, unassigned=(Unassigned("o1", Reason.CAPACITY),))
    assert Rule.SERVED_TWICE in rules(p, twice)


def test_release_and_window_and_opening() -> None:
    p = tiny()
    s = plan(p, [0, 1, 2, 3], [])
    early = with_stop(s, 0, 1, start_s=8 * 3600, departure_s=8 * 3600 + 240)
    assert Rule.RELEASE in rules(p, early)
    narrow = tiny(windows=(TimeWindow(9 * 3600, 9 * 3600 + 60),))
    assert Rule.WINDOW in rules(narrow, plan(tiny(), [0, 1, 2, 3], []))
    closed = Problem(pharmacies=(Pharmacy("rsud", RSUD_BLAMBANGAN, opening=(TimeWindow(10 * 3600, 11 * 3600),)),),
                     orders=p.orders, riders=p.riders)
    assert Rule.OPENING in rules(closed, s)


def test_cold_item_needs_a_coolbox_and_its_budget() -> None:
    p = tiny()
    s = plan(p, [0, 1, 2, 3], [])
    no_box = dataclasses.replace(p, riders=(dataclasses.replace(p.riders[0], coolbox=None), p.riders[1]))
    assert Rule.COOLBOX in rules(no_box, s)
    exposure = s.routes[0].stops[3].cold[0][1]
    assert s.routes[0].stops[3].order == "o1" and exposure > 60
    short = tiny(max_ride_s=exposure - 1)
    assert [v.rule for v in check(short, s)] == [Rule.COLD_BUDGET]
    assert check(tiny(max_ride_s=exposure), s) == []
    small_box = dataclasses.replace(p, riders=(dataclasses.replace(p.riders[0], coolbox=CoolBox(parcels=0)),
                                               p.riders[1]))
    assert Rule.COOLBOX in rules(small_box, s)


def test_capacity_in_every_dimension() -> None:
    p = tiny()
    s = plan(p, [0, 1, 2, 3], [])
    for field in ("weight_g", "volume_ml", "parcels"):
        capacity: dict[str, Any] = {field: 1}
        small = dataclasses.replace(p.riders[0], **capacity)
        assert Rule.CAPACITY in rules(dataclasses.replace(p, riders=(small, p.riders[1])), s), field


def test_shift_start_and_max_work() -> None:
    p = tiny()
    s = plan(p, [0, 1, 2, 3], [])
    end = s.routes[0].stops[-1].arrival_s
    short_shift = dataclasses.replace(p.riders[0], shift=TimeWindow(0, end - 1))
    assert Rule.END in rules(dataclasses.replace(p, riders=(short_shift, p.riders[1])), s)
    tired = dataclasses.replace(p.riders[0], max_work_s=60)
    assert Rule.MAX_WORK in rules(dataclasses.replace(p, riders=(tired, p.riders[1])), s)
    late = dataclasses.replace(p.riders[0], start_s=9 * 3600 + 30, shift=TimeWindow(0, 86400))
    assert Rule.START in rules(dataclasses.replace(p, riders=(late, p.riders[1])), s)


def test_leg_and_service_and_load_reports() -> None:
    p = tiny()
    s = plan(p, [0, 1, 2, 3], [])
    assert Rule.LEG in rules(p, with_stop(s, 0, 3, arrival_s=s.routes[0].stops[3].arrival_s - 5))
    assert Rule.LEG in rules(p, with_stop(s, 0, 3, distance_m=1))
    assert Rule.EARLY_START in rules(p, with_stop(s, 0, 3, start_s=s.routes[0].stops[3].arrival_s - 1))
    assert Rule.SERVICE in rules(p, with_stop(s, 0, 3, departure_s=s.routes[0].stops[3].start_s))
    assert Rule.LOAD_REPORT in rules(p, with_stop(s, 0, 1, load=Load()))


def test_lock_trip_limit_unknowns() -> None:
    p = tiny()
    locked = dataclasses.replace(p, orders=(p.orders[0], dataclasses.replace(p.orders[1], rider="r1")))
    s = plan(p, [0, 2], [1, 3])
    assert Rule.LOCK in rules(locked, s)
    assert Rule.TRIP_LIMIT in rules(dataclasses.replace(p, max_trip_m=10), s)
    ghost = dataclasses.replace(s, routes=(dataclasses.replace(s.routes[0], rider="ghost"), s.routes[1]))
    assert Rule.UNKNOWN_RIDER in rules(p, ghost)
    stray = with_stop(s, 0, 1, order="nope")
    assert Rule.UNKNOWN_ORDER in rules(p, stray)
    shape = dataclasses.replace(s, routes=(dataclasses.replace(s.routes[0], stops=s.routes[0].stops[1:]),
                                           s.routes[1]))
    assert Rule.ROUTE_SHAPE in rules(p, shape)


def test_carried_item_counts_from_real_pickup() -> None:
    p = tiny()
    carried = dataclasses.replace(p.orders[0], picked_up_by="r1", picked_up_s=9 * 3600, max_ride_s=600)
    live = dataclasses.replace(p, orders=(carried, p.orders[1]),
                               riders=(dataclasses.replace(p.riders[0], start=PATIENT, start_s=9 * 3600 + 590),
                                       p.riders[1]))
    s = plan(live, [2], [1, 3])
    assert check(live, s) == []
    assert s.routes[0].stops[1].cold == (("o1", 590),)
    tight = dataclasses.replace(live, orders=(dataclasses.replace(carried, max_ride_s=589), p.orders[1]))
    assert [v.rule for v in check(tight, s)] == [Rule.COLD_BUDGET]


@given(solved())
def test_generated_plans_pass(case: tuple[Problem, Solution]) -> None:
    problem, solution = case
    assert check(problem, solution) == []
    assert check(problem, Solution.from_json(solution.to_json())) == []


@given(solved(), st.data())
def test_any_shifted_visit_is_caught(case: tuple[Problem, Solution], data: st.DataObject) -> None:
    problem, solution = case
    r = data.draw(st.sampled_from(range(len(solution.routes))))
    visits = [i for i, s in enumerate(solution.routes[r].stops) if s.kind in (StopKind.PICKUP, StopKind.DELIVERY)]
    i = data.draw(st.sampled_from(visits))
    delta = data.draw(st.integers(1, 600))
    stop: Stop = solution.routes[r].stops[i]
    moved = with_stop(solution, r, i, arrival_s=stop.arrival_s - delta)
    assert Rule.LEG in rules(problem, moved)


@given(solved(), st.data())
def test_any_dropped_delivery_is_caught(case: tuple[Problem, Solution], data: st.DataObject) -> None:
    problem, solution = case
    r = data.draw(st.sampled_from(range(len(solution.routes))))
    stops = solution.routes[r].stops
    i = data.draw(st.sampled_from([i for i, s in enumerate(stops) if s.kind == StopKind.DELIVERY]))
    cut = dataclasses.replace(solution.routes[r], stops=stops[:i] + stops[i + 1:])
    routes = list(solution.routes)
    routes[r] = cut
    found = rules(problem, dataclasses.replace(solution, routes=tuple(routes)))
    assert {Rule.MISSING, Rule.PICKUP_DELIVERY} <= found


@given(solved(), st.data())
def test_any_tightened_budget_or_capacity_is_caught(case: tuple[Problem, Solution], data: st.DataObject) -> None:
    problem, solution = case
    cold = [(o, e) for r in solution.routes for s in r.stops if s.kind == StopKind.DELIVERY
            for o, e in s.cold if o == s.order]
    if cold:
        oid, exposure = data.draw(st.sampled_from(cold))
        if exposure > 0:
            orders = tuple(dataclasses.replace(o, max_ride_s=exposure - 1) if o.id == oid else o
                           for o in problem.orders)
            assert Rule.COLD_BUDGET in rules(dataclasses.replace(problem, orders=orders), solution)
    route = data.draw(st.sampled_from(solution.routes))
    peak = max(s.load.weight_g for s in route.stops)
    riders = tuple(dataclasses.replace(r, weight_g=peak - 1) if r.id == route.rider else r
                   for r in problem.riders)
    assert Rule.CAPACITY in rules(dataclasses.replace(problem, riders=riders), solution)


def test_matrix_of_the_wrong_size_is_refused() -> None:
    from medroute import InvalidMatrixError, TravelMatrix

    p = tiny()
    with pytest.raises(InvalidMatrixError, match="locations"):
        check(p, plan(p, [0, 2], [1, 3]), TravelMatrix([[0]], [[0]]))


def test_leg_times_are_recomputed_without_overflow() -> None:
    """Issue 18 #6: the checker scaled travel times with the engines' int32 code, so a plan with an
    overflowed leg (−2,147,483,648 s) passed. The scaling now refuses to overflow, and the
    checker computes each leg itself."""
    from medroute import InvalidMatrixError, TravelMatrix

    p = Problem(pharmacies=(Pharmacy("rsud", RSUD_BLAMBANGAN),), orders=(Order("o1", "rsud", PATIENT),),
                riders=(Rider("r1", RSUD_BLAMBANGAN, speed_factor=0.1),), max_trip_m=None)
    far = TravelMatrix([[0, 400_000_000], [400_000_000, 0]], [[0, 10], [10, 0]])
    with pytest.raises(InvalidMatrixError, match=r"rider 'r1': travel times divided by speed_factor 0\.1"):
        compile_problem(p, far)
    leg = -(2**31)
    stops = (Stop(StopKind.START, None, 0, 0, 0), Stop(StopKind.PICKUP, "o1", 0, 0, 240),
             Stop(StopKind.DELIVERY, "o1", 240 + leg, 240, 420, leg, 10), Stop(StopKind.END, None, 420, 420, 420))
    found = [v for v in check(p, Solution(routes=(Route("r1", stops),)), far) if v.rule == Rule.LEG]
    assert found and "4000000000 s" in found[0].message


def carried_problem(**order_kw: object) -> Problem:
    """o1 (cold, 10-min budget) is already on r1, who stands at the pharmacy at 09:00."""
    kw = {"picked_up_by": "r1", "picked_up_s": 9 * 3600 - 60, "max_ride_s": 600} | order_kw
    p = tiny(**kw)
    riders = (dataclasses.replace(p.riders[0], start_s=9 * 3600), p.riders[1])
    return dataclasses.replace(p, riders=riders)


def test_an_order_on_board_left_unassigned_is_caught() -> None:
    """Issue 18 #14: a plan that left an order already on a rider unassigned passed."""
    p = carried_problem()
    s = plan(p, [2], [1, 3])
    assert check(p, s) == [] and s.routes[0].stops[1].order == "o1"
    for routes in ((s.routes[1],), s.routes):  # the rider without a route, then with one
        routes = tuple(dataclasses.replace(r, stops=(r.stops[0], r.stops[-1])) if r.rider == "r1" else r
                       for r in routes)
        dropped = dataclasses.replace(s, routes=routes, unassigned=(Unassigned("o1", Reason.SEARCH_LIMIT),))
        assert Rule.CARRIED in rules(p, dropped)


def test_an_order_on_board_that_cannot_be_delivered_may_be_unassigned() -> None:
    gone = carried_problem(picked_up_s=8 * 3600)  # its 10-minute budget ran out an hour ago
    s = plan(carried_problem(), [2], [1, 3])
    abandoned = dataclasses.replace(s, routes=(s.routes[1],),
                                    unassigned=(Unassigned("o1", Reason.COLD_BUDGET),))
    assert check(gone, abandoned) == []
    assert Rule.COLD_BUDGET in rules(gone, s)


def test_start_and_end_stops_are_compared() -> None:
    """Issue 18 #14: the start and end stops' times and loads were never compared."""
    p = carried_problem()
    s = plan(p, [2], [1, 3])
    start, end = s.routes[0].stops[0], s.routes[0].stops[-1]
    last = len(s.routes[0].stops) - 1
    assert start.load.cold_parcels == 1 and start.cold == (("o1", 60),)
    changes: list[tuple[int, dict[str, Any], Rule]] = [
        (0, {"arrival_s": start.arrival_s - 1}, Rule.START),
        (0, {"start_s": start.start_s - 5}, Rule.SERVICE),
        (0, {"load": Load()}, Rule.LOAD_REPORT),
        (0, {"cold": ()}, Rule.LOAD_REPORT),
        (0, {"travel_s": 5}, Rule.LEG),
        (last, {"start_s": end.start_s + 5, "departure_s": end.start_s + 5}, Rule.SERVICE),
        (last, {"departure_s": end.departure_s + 5}, Rule.SERVICE),
        (last, {"load": Load(weight_g=1)}, Rule.LOAD_REPORT),
        (last, {"cold": (("o1", 1),)}, Rule.LOAD_REPORT),
    ]
    for i, change, rule in changes:
        assert rule in rules(p, with_stop(s, 0, i, **change)), (i, change)


@given(solved(), st.data())
def test_a_large_day_is_checked_on_the_legs_it_rides_with_the_same_verdict(case: tuple[Problem, Solution],
                                                                           data: st.DataObject) -> None:
    # Above LEGS_ONLY_ABOVE places a backend is asked for the plan's legs only: same violations.
    from unittest import mock

    from medroute.travel.haversine import HaversineBackend

    problem, solution = case
    r = data.draw(st.sampled_from(range(len(solution.routes))))
    i = data.draw(st.sampled_from(range(1, len(solution.routes[r].stops))))
    moved = with_stop(solution, r, i, arrival_s=solution.routes[r].stops[i].arrival_s - data.draw(st.integers(0, 60)))
    dense = [str(v) for v in check(problem, moved, HaversineBackend())]
    with mock.patch.object(sys.modules["medroute.check"], "LEGS_ONLY_ABOVE", 0):
        assert [str(v) for v in check(problem, moved, HaversineBackend())] == dense
        assert [str(v) for v in check(problem, moved)] == dense


def test_an_abandoned_order_is_judged_on_legs_asked_for_when_needed() -> None:
    from unittest import mock

    p = carried_problem()
    s = plan(p, [2], [1, 3])
    dropped = dataclasses.replace(s, routes=(s.routes[1],), unassigned=(Unassigned("o1", Reason.SEARCH_LIMIT),))
    with mock.patch.object(sys.modules["medroute.check"], "LEGS_ONLY_ABOVE", 0):
        assert Rule.CARRIED in rules(p, dropped)


def test_checked_legs_only_a_plan_of_another_backend_is_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a square matrix there is no digest to compare: the backend's name still tells
    tuned haversine from the default."""
    import warnings

    from medroute.errors import TravelMismatchWarning
    from medroute.solve import solve
    from medroute.travel import HaversineBackend
    from tests.plans import small_problem

    p = small_problem()
    tuned = HaversineBackend(detour=1.5)
    plan = solve(p, engine="greedy", time_limit=1, matrix=tuned)
    monkeypatch.setattr(sys.modules["medroute.check"], "LEGS_ONLY_ABOVE", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check(p, plan, tuned) == []
    with pytest.warns(TravelMismatchWarning, match=r"haversine\(detour=1.5\)"):
        assert check(p, plan)


def test_the_legs_the_checker_reads_are_all_it_reads() -> None:
    """Checked on a table of just :func:`checked_legs` (what ``write_outputs`` keeps of a day
    planned in parts), every plan gets the verdict it gets on the full matrix: the route's legs, the
    trips, and the legs that tell whether an item on board could still be delivered."""
    from medroute.check import checked_legs
    from medroute.matrices import as_matrices
    from medroute.travel.matrix import LegTable

    base = carried_problem()
    ends = dataclasses.replace(base, riders=(dataclasses.replace(base.riders[0], end=FAR), base.riders[1]),
                               max_trip_m=20_000)
    for p in (base, ends):
        s = plan(p, [2], [1, 3])
        no_route = dataclasses.replace(s, routes=(s.routes[1],), unassigned=(Unassigned("o1", Reason.SEARCH_LIMIT),))
        emptied = dataclasses.replace(s, routes=(dataclasses.replace(s.routes[0], stops=(
            s.routes[0].stops[0], s.routes[0].stops[-1])), s.routes[1]), unassigned=no_route.unassigned)
        unreached = dataclasses.replace(no_route, unassigned=(Unassigned("o1", Reason.WINDOW_UNREACHABLE),))
        judged = [dataclasses.replace(s, routes=(s.routes[0], dataclasses.replace(s.routes[1], stops=(
            s.routes[1].stops[0], s.routes[1].stops[-1]))), unassigned=tuple(
                Unassigned(o, reason) for o in s.routes[1].orders)) for reason in (
                    Reason.WINDOW_UNREACHABLE, Reason.BUDGET_SHORTER_THAN_RIDE, Reason.BEYOND_TRIP_LIMIT)]
        m = as_matrices(p, None)["motorbike"]
        for variant in (s, no_route, emptied, unreached, *judged):
            pairs = checked_legs(p, variant)["motorbike"]
            table = LegTable.of([(p.locations[a], p.locations[b]) for a, b in pairs],
                                [m.durations_s[a, b] for a, b in pairs], [m.distances_m[a, b] for a, b in pairs])
            assert check(p, variant, table) == check(p, variant)
        assert Rule.CARRIED in rules(p, emptied)


def test_a_true_no_rider_passes_and_an_untrue_one_is_caught() -> None:
    """No rider in the problem, and the cold ``o1`` locked to the rider without a cool box: no
    rider may carry it. Locked to the rider with one, it may be carried: no_rider is untrue."""
    p = tiny()
    nobody = p.replace(riders=())
    assert check(nobody, build_solution(compile_problem(nobody), [])) == []
    assert {u.reason for u in plan(nobody).unassigned} == {Reason.NO_RIDER}
    untrue = (Rule.REASON, "order 'o1' is reported no_rider, but rider 'r1' may carry it")
    for lock, found in (("r2", []), ("r1", [untrue])):
        locked = p.replace(orders=(dataclasses.replace(p.orders[0], rider=lock), p.orders[1]))
        s = build_solution(compile_problem(locked), [[], [1, 3]], reasons={0: Reason.NO_RIDER})
        assert [(v.rule, v.message) for v in check(locked, s)] == found


def test_a_route_leaving_before_the_shift_starts_is_caught() -> None:
    """The rider is available at midnight but on shift from 08:00: the same route an hour earlier
    breaks the start rule alone."""
    p = tiny(release_s=0, temperature="ambient")
    p = dataclasses.replace(p, riders=(dataclasses.replace(p.riders[0], shift=TimeWindow(8 * 3600, 17 * 3600)),
                                       p.riders[1]))
    s = plan(p, [0, 1, 2, 3], [])
    assert check(p, s) == [] and s.routes[0].stops[0].departure_s >= 8 * 3600
    early = tuple(dataclasses.replace(x, arrival_s=x.arrival_s - (3600 if i else 0), start_s=x.start_s - 3600,
                                      departure_s=x.departure_s - 3600) for i, x in enumerate(s.routes[0].stops))
    found = check(p, dataclasses.replace(s, routes=(dataclasses.replace(s.routes[0], stops=early),)))
    assert [v.rule for v in found] == [Rule.START] and "07:" in found[0].message


def test_two_routes_of_one_rider_are_caught() -> None:
    """Each route is feasible alone; a rider cannot ride both."""
    p = tiny(temperature="ambient")
    one, other = plan(p, [0, 2], []).routes[0], plan(p, [1, 3], []).routes[0]
    found = check(p, Solution(routes=(one, other)))
    assert [(v.rule, v.rider) for v in found] == [(Rule.ONE_ROUTE, "r1")]


def test_a_cold_exposure_reported_twice_is_caught() -> None:
    p = tiny()
    s = plan(p, [0, 1, 2, 3], [])
    cold = s.routes[0].stops[3].cold
    assert cold and [v.rule for v in check(p, with_stop(s, 0, 3, cold=cold + cold))] == [Rule.LOAD_REPORT]


@pytest.mark.parametrize("change", [{"arrival_s": float("nan")}, {"start_s": float("inf")}, {"departure_s": "09:00"},
                                    {"travel_s": 1.5}, {"distance_m": None}, {"arrival_s": True},
                                    {"kind": "teleport"}, {"load": Load(weight_g=0.5)},  # type: ignore[arg-type]
                                    {"cold": (("o1", float("nan")),)}])
def test_a_stop_of_the_wrong_types_is_refused(change: dict[str, object]) -> None:
    """A plan built in Python with a NaN time crashed the checker (ValueError); now it is refused."""
    from medroute import InvalidSolutionError

    p = tiny()
    name = next(iter(change))
    with pytest.raises(InvalidSolutionError, match=rf"routes\[0\] \(rider 'r1'\) stop 1: {name}"):
        check(p, with_stop(plan(p, [0, 1, 2, 3], []), 0, 1, **change))
