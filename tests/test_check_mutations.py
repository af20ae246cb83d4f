"""Mutation testing of the checker: feasible plans from several engines on a shipped scenario,
broken one rule at a time, are each reported under that rule (or refused as malformed)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from medroute import Problem, Route, Rule, Solution, Stop, StopKind, TimeWindow, Unassigned, check
from medroute.errors import InvalidSolutionError, TravelMismatchWarning
from medroute.reasons import Reason
from medroute.scenarios import load
from medroute.solve import solve

ENGINES = ("greedy", "ortools", "alns")

Case = tuple[Problem, Solution]


@pytest.fixture(scope="module")
def problem() -> Problem:
    return load("historic", seed=1, backend="haversine", orders=12, riders=3).problem


@pytest.fixture(scope="module", params=ENGINES)
def planned(request: pytest.FixtureRequest, problem: Problem) -> Case:
    solution = solve(problem, engine=request.param, time_limit=1.0, seed=1)
    assert check(problem, solution) == [] and len(solution.routes) >= 2
    return problem, solution


def _busiest(s: Solution) -> int:
    return max(range(len(s.routes)), key=lambda r: len(s.routes[r].stops))


def _set_stops(s: Solution, r: int, stops: list[Stop]) -> Solution:
    routes = list(s.routes)
    routes[r] = dataclasses.replace(routes[r], stops=tuple(stops))
    return dataclasses.replace(s, routes=tuple(routes))


def _set_stop(s: Solution, r: int, i: int, **changes: object) -> Solution:
    stops = list(s.routes[r].stops)
    stops[i] = dataclasses.replace(stops[i], **changes)  # type: ignore[arg-type]
    return _set_stops(s, r, stops)


def _first(s: Solution, kind: StopKind) -> tuple[int, int, Stop]:
    """(route, stop index, stop) of the first stop of ``kind`` on the busiest route."""
    r = _busiest(s)
    i, stop = next((i, st) for i, st in enumerate(s.routes[r].stops) if st.kind == kind)
    return r, i, stop


def _rider(p: Problem, rid: str, **changes: object) -> Problem:
    return p.replace(riders=tuple(dataclasses.replace(x, **changes) if x.id == rid else x  # type: ignore[arg-type]
                                  for x in p.riders))


def _order(p: Problem, oid: str, **changes: object) -> Problem:
    return p.replace(orders=tuple(dataclasses.replace(o, **changes) if o.id == oid else o  # type: ignore[arg-type]
                                  for o in p.orders))


def swap_two_stops(p: Problem, s: Solution) -> Case:
    r = _busiest(s)
    st = s.routes[r].stops
    return p, _set_stops(s, r, [st[0], st[2], st[1], *st[3:]])


def delivery_before_pickup(p: Problem, s: Solution) -> Case:
    r, d, stop = _first(s, StopKind.DELIVERY)
    st = list(s.routes[r].stops)
    pick = next(i for i, x in enumerate(st) if x.kind == StopKind.PICKUP and x.order == stop.order)
    del st[d]
    st.insert(pick, stop)
    return p, _set_stops(s, r, st)


def delivery_on_another_rider(p: Problem, s: Solution) -> Case:
    r, d, stop = _first(s, StopKind.DELIVERY)
    other = next(i for i in range(len(s.routes)) if i != r)
    moved = _set_stops(s, r, [x for i, x in enumerate(s.routes[r].stops) if i != d])
    o = moved.routes[other].stops
    return p, _set_stops(moved, other, [*o[:-1], stop, o[-1]])


def stop_earlier_than_travel_allows(p: Problem, s: Solution) -> Case:
    r, i, stop = _first(s, StopKind.DELIVERY)
    return p, _set_stop(s, r, i, arrival_s=stop.arrival_s - 1, start_s=stop.start_s - 1,
                        departure_s=stop.departure_s - 1)


def service_before_arrival(p: Problem, s: Solution) -> Case:
    r, i, stop = _first(s, StopKind.DELIVERY)
    return p, _set_stop(s, r, i, arrival_s=stop.start_s + 1)


def window_missed_by_a_second(p: Problem, s: Solution) -> Case:
    _, _, stop = _first(s, StopKind.DELIVERY)
    late = stop.start_s - 1
    return _order(p, stop.order or "", windows=(TimeWindow(0, late),), latest_s=None), s


def released_a_second_after_pickup(p: Problem, s: Solution) -> Case:
    _, _, stop = _first(s, StopKind.PICKUP)
    return _order(p, stop.order or "", release_s=stop.start_s + 1), s


def pharmacy_closed_at_pickup(p: Problem, s: Solution) -> Case:
    _, _, stop = _first(s, StopKind.PICKUP)
    ph = p.order[stop.order or ""].pharmacy
    closed = (TimeWindow(0, stop.start_s - 1), TimeWindow(stop.start_s + 1, 24 * 3600))
    return p.replace(pharmacies=tuple(dataclasses.replace(x, opening=closed) if x.id == ph else x
                                      for x in p.pharmacies)), s


def box_one_parcel_short(p: Problem, s: Solution) -> Case:
    route = s.routes[_busiest(s)]
    return _rider(p, route.rider, parcels=max(x.load.parcels for x in route.stops) - 1), s


def coolbox_one_parcel_short(p: Problem, s: Solution) -> Case:
    route = next(r for r in s.routes if any(x.load.cold_parcels for x in r.stops))
    box = p.rider[route.rider].coolbox
    assert box is not None
    return _rider(p, route.rider, coolbox=dataclasses.replace(
        box, parcels=max(x.load.cold_parcels for x in route.stops) - 1)), s


def cold_budget_a_second_short(p: Problem, s: Solution) -> Case:
    oid, exposure = next((o, e) for r in s.routes for x in r.stops if x.kind == StopKind.DELIVERY
                         for o, e in x.cold if o == x.order)
    return _order(p, oid, max_ride_s=exposure - 1), s


def shift_ends_a_second_early(p: Problem, s: Solution) -> Case:
    route = s.routes[_busiest(s)]
    shift = p.rider[route.rider].shift
    return _rider(p, route.rider, shift=TimeWindow(shift.start_s, route.stops[-1].arrival_s - 1)), s


def shift_starts_a_second_late(p: Problem, s: Solution) -> Case:
    route = s.routes[_busiest(s)]
    rider = p.rider[route.rider]
    return _rider(p, route.rider, shift=TimeWindow(route.stops[0].departure_s + 1, rider.shift.end_s)), s


def available_a_second_late(p: Problem, s: Solution) -> Case:
    route = s.routes[_busiest(s)]
    return _rider(p, route.rider, start_s=route.stops[0].departure_s + 1), s


def works_a_second_too_long(p: Problem, s: Solution) -> Case:
    route = s.routes[_busiest(s)]
    return _rider(p, route.rider, max_work_s=route.stops[-1].arrival_s - route.stops[0].departure_s - 1), s


def trip_over_the_limit(p: Problem, s: Solution) -> Case:
    return p.replace(max_trip_m=1), s


def locked_to_another_rider(p: Problem, s: Solution) -> Case:
    r, _, stop = _first(s, StopKind.DELIVERY)
    other = next(x.id for x in p.riders if x.id != s.routes[r].rider)
    return _order(p, stop.order or "", rider=other), s


def served_twice(p: Problem, s: Solution) -> Case:
    r = _busiest(s)
    other = next(i for i in range(len(s.routes)) if i != r)
    pair = [x for x in s.routes[r].stops if x.order == s.routes[r].orders[0]]
    o = s.routes[other].stops
    return p, _set_stops(s, other, [*o[:-1], *pair, o[-1]])


def dropped_without_a_reason(p: Problem, s: Solution) -> Case:
    r = _busiest(s)
    oid = s.routes[r].orders[0]
    return p, _set_stops(s, r, [x for x in s.routes[r].stops if x.order != oid])


def served_and_unassigned(p: Problem, s: Solution) -> Case:
    return p, dataclasses.replace(s, unassigned=(*s.unassigned, Unassigned(s.served[0], Reason.CAPACITY)))


def unknown_order_unassigned(p: Problem, s: Solution) -> Case:
    return p, dataclasses.replace(s, unassigned=(*s.unassigned, Unassigned("ghost", Reason.CAPACITY)))


def unknown_order_visited(p: Problem, s: Solution) -> Case:
    r, i, _ = _first(s, StopKind.PICKUP)
    return p, _set_stop(s, r, i, order="ghost")


def unknown_rider(p: Problem, s: Solution) -> Case:
    r = _busiest(s)
    routes = list(s.routes)
    routes[r] = dataclasses.replace(routes[r], rider="ghost")
    return p, dataclasses.replace(s, routes=tuple(routes))


def two_routes_for_one_rider(p: Problem, s: Solution) -> Case:
    route = s.routes[_busiest(s)]
    return p, dataclasses.replace(s, routes=(*s.routes, Route(route.rider, (route.stops[0], route.stops[-1]))))


def negative_times(p: Problem, s: Solution) -> Case:
    r = _busiest(s)
    return p, _set_stop(s, r, 0, arrival_s=-5, start_s=-5, departure_s=-5)


def huge_times(p: Problem, s: Solution) -> Case:
    r = _busiest(s)
    t = 10**30
    return p, _set_stop(s, r, len(s.routes[r].stops) - 1, arrival_s=t, start_s=t, departure_s=t)


def _reported(s: Solution, reason: Reason, *, cold: bool | None = None, p: Problem | None = None) -> Solution:
    """``s`` with a served order (a cold one when ``cold``, an ambient one when not) taken off its
    route and reported unassigned with ``reason``."""
    oid = next(o for route in s.routes for o in route.orders
               if cold is None or p is None or p.order[o].needs_coolbox == cold)
    r = next(i for i, route in enumerate(s.routes) if oid in route.orders)
    return dataclasses.replace(_set_stops(s, r, [x for x in s.routes[r].stops if x.order != oid]),
                               unassigned=(*s.unassigned, Unassigned(oid, reason)))


def untrue_over_capacity(p: Problem, s: Solution) -> Case:
    return p, _reported(s, Reason.OVER_CAPACITY)


def untrue_window_unreachable(p: Problem, s: Solution) -> Case:
    return p, _reported(s, Reason.WINDOW_UNREACHABLE)


def untrue_budget_shorter_than_ride(p: Problem, s: Solution) -> Case:
    return p, _reported(s, Reason.BUDGET_SHORTER_THAN_RIDE)


def untrue_beyond_trip_limit(p: Problem, s: Solution) -> Case:
    return p, _reported(s, Reason.BEYOND_TRIP_LIMIT)


def untrue_no_coolbox_rider(p: Problem, s: Solution) -> Case:
    return p, _reported(s, Reason.NO_COOLBOX_RIDER, cold=True, p=p)


def untrue_no_coolbox_rider_of_an_ambient_order(p: Problem, s: Solution) -> Case:
    return p, _reported(s, Reason.NO_COOLBOX_RIDER, cold=False, p=p)


def untrue_no_rider(p: Problem, s: Solution) -> Case:
    return p, _reported(s, Reason.NO_RIDER)


def untrue_no_rider_of_a_cold_order(p: Problem, s: Solution) -> Case:
    return p, _reported(s, Reason.NO_RIDER, cold=True, p=p)


def untrue_no_rider_of_a_locked_order(p: Problem, s: Solution) -> Case:
    """A served order locked to its rider, reported no_rider: its rider may carry it."""
    reported = _reported(s, Reason.NO_RIDER)
    oid = reported.unassigned[-1].order
    return _order(p, oid, rider=next(r.rider for r in s.routes if oid in r.orders)), reported


MUTATIONS: dict[Callable[[Problem, Solution], Case], Rule] = {
    swap_two_stops: Rule.LEG,
    delivery_before_pickup: Rule.PICKUP_DELIVERY,
    delivery_on_another_rider: Rule.PICKUP_DELIVERY,
    stop_earlier_than_travel_allows: Rule.LEG,
    service_before_arrival: Rule.EARLY_START,
    window_missed_by_a_second: Rule.WINDOW,
    released_a_second_after_pickup: Rule.RELEASE,
    pharmacy_closed_at_pickup: Rule.OPENING,
    box_one_parcel_short: Rule.CAPACITY,
    coolbox_one_parcel_short: Rule.COOLBOX,
    cold_budget_a_second_short: Rule.COLD_BUDGET,
    shift_ends_a_second_early: Rule.END,
    shift_starts_a_second_late: Rule.START,
    available_a_second_late: Rule.START,
    works_a_second_too_long: Rule.MAX_WORK,
    trip_over_the_limit: Rule.TRIP_LIMIT,
    locked_to_another_rider: Rule.LOCK,
    served_twice: Rule.SERVED_TWICE,
    dropped_without_a_reason: Rule.MISSING,
    served_and_unassigned: Rule.SERVED_TWICE,
    unknown_order_unassigned: Rule.UNKNOWN_ORDER,
    unknown_order_visited: Rule.UNKNOWN_ORDER,
    unknown_rider: Rule.UNKNOWN_RIDER,
    two_routes_for_one_rider: Rule.ONE_ROUTE,
    negative_times: Rule.START,
    huge_times: Rule.END,
    untrue_over_capacity: Rule.REASON,
    untrue_window_unreachable: Rule.REASON,
    untrue_budget_shorter_than_ride: Rule.REASON,
    untrue_beyond_trip_limit: Rule.REASON,
    untrue_no_coolbox_rider: Rule.REASON,
    untrue_no_coolbox_rider_of_an_ambient_order: Rule.REASON,
    untrue_no_rider: Rule.REASON,
    untrue_no_rider_of_a_cold_order: Rule.REASON,
    untrue_no_rider_of_a_locked_order: Rule.REASON,
}


@pytest.mark.parametrize("mutate", list(MUTATIONS), ids=lambda f: f.__name__)
@pytest.mark.filterwarnings("ignore::medroute.errors.TravelMismatchWarning")  # a mutation may move a plan's places
def test_each_broken_rule_is_reported(planned: Case, mutate: Callable[[Problem, Solution], Case]) -> None:
    problem, solution = mutate(*planned)
    assert MUTATIONS[mutate] in {v.rule for v in check(problem, solution)}


def test_a_plan_of_other_travel_is_warned_about(planned: Case) -> None:
    problem, solution = planned
    assert solution.travel is not None
    other = dataclasses.replace(solution.travel, digest="0" * len(solution.travel.digest))
    with pytest.warns(TravelMismatchWarning, match="digest 0+"):
        check(problem, dataclasses.replace(solution, travel=other))


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda s: dataclasses.replace(s, routes=(dataclasses.replace(s.routes[0], rider=7), *s.routes[1:])),
     r"routes\[0\]: rider must be a rider id"),
    (lambda s: dataclasses.replace(s, routes=(dataclasses.replace(s.routes[0], stops=list(s.routes[0].stops)),
                                              *s.routes[1:])),
     r"routes\[0\] \(rider '[^']+'\): stops must be a tuple of Stop, got list"),
    (lambda s: dataclasses.replace(s, routes=(*s.routes, "r1")), r"routes\[\d+\]: expected a Route"),
    (lambda s: dataclasses.replace(s, unassigned=(Unassigned("x", "capacity"),)),  # type: ignore[arg-type]
     r"unassigned\[0\] \(order 'x'\): reason must be a medroute.Reason, got 'capacity'"),
    (lambda s: dataclasses.replace(s, unassigned=(Unassigned(3, Reason.CAPACITY),)),  # type: ignore[arg-type]
     r"unassigned\[0\]: order and detail must be strings"),
    (lambda s: dataclasses.replace(s, unassigned=("x",)), r"unassigned\[0\]: expected an Unassigned"),
])
def test_a_plan_of_wrong_types_is_refused(planned: Case, mutate: Callable[[Solution], Solution], message: str) -> None:
    problem, solution = planned
    with pytest.raises(InvalidSolutionError, match=message):
        check(problem, mutate(solution))
