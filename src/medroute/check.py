"""The independent feasibility checker.

:func:`check` recomputes every route from its sequence of stops and the travel matrix — legs,
arrivals, loads, time out of the fridge — and lists every rule the plan breaks. It imports no
engine and no scheduling code: it reads the problem and the matrix and nothing else, so a bug in
a solver cannot hide behind the same bug here.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .errors import InvalidSolutionError
from .geo import Location
from .matrices import MatrixLike, as_matrices, warn_if_other_backend, warn_if_other_travel
from .model import Order, Problem, Rider, TimeWindow
from .reasons import Reason
from .solution import Load, Route, Solution, Stop, StopKind, Unassigned
from .timefmt import format_time
from .travel.base import TravelBackend, TravelMatrix
from .travel.lookup import LegLookup
from .travel.matrix import LegTable

LEGS_ONLY_ABOVE = 4000
"""Above this many places, a travel backend given to :func:`check` is asked only for the legs the
plan rides (and the pharmacy → door trips), in batches, instead of a square matrix over every
place: checking a 10,000-order day then needs no 11,000 × 11,000 matrix."""


class Rule(StrEnum):
    """Every rule :func:`check` enforces."""

    UNKNOWN_RIDER = "unknown_rider"
    ONE_ROUTE = "one_route"
    """A rider rides at most one route."""
    UNKNOWN_ORDER = "unknown_order"
    ROUTE_SHAPE = "route_shape"
    """A route must be start, visits, end."""
    START = "start"
    """The route leaves the rider's start no earlier than the rider is available and on shift; the
    start stop reports the rider's availability as its arrival."""
    END = "end"
    """The route finishes inside the shift (at the rider's end location when one is set)."""
    MAX_WORK = "max_work"
    LEG = "leg"
    """Reported leg travel/distance must equal the matrix; arrival = previous departure + leg."""
    EARLY_START = "early_start"
    """Service cannot start before arrival."""
    SERVICE = "service"
    """Departure = service start + service time."""
    RELEASE = "release"
    OPENING = "opening"
    """Pickup starts inside the pharmacy's opening windows."""
    WINDOW = "window"
    """Delivery starts inside the order's delivery windows (and by its latest time)."""
    PICKUP_DELIVERY = "pickup_delivery"
    """Each served order is picked up, then delivered, by the same rider."""
    SERVED_TWICE = "served_twice"
    MISSING = "missing"
    """Every order is served exactly once or reported unassigned."""
    LOCK = "lock"
    """An order locked to (or carried by) a rider is served by that rider."""
    CAPACITY = "capacity"
    COOLBOX = "coolbox"
    """Cold items ride only in a cool box, within its parcels and volume."""
    COLD_BUDGET = "cold_budget"
    """Time out of the fridge (pickup handover end → door service start) within budget."""
    TRIP_LIMIT = "trip_limit"
    LOAD_REPORT = "load_report"
    """Reported loads and cold exposures (start and end stops included) match the recomputed ones."""
    CARRIED = "carried"
    """An order already on a rider is reported unassigned only if that rider could not deliver it
    (it then leaves the plan: it is not counted on board)."""
    REASON = "reason"
    """An order reported unassigned with a pre-check reason of :data:`JUDGED_REASONS` is one that
    reason holds for."""


JUDGED_REASONS = frozenset({Reason.NO_RIDER, Reason.NO_COOLBOX_RIDER, Reason.OVER_CAPACITY,
                            Reason.BEYOND_TRIP_LIMIT, Reason.BUDGET_SHORTER_THAN_RIDE,
                            Reason.WINDOW_UNREACHABLE})
"""The unassigned reasons :func:`check` judges (:attr:`Rule.REASON`): those about the order alone,
decided exactly from the problem and the travel. What a search found (``time_window``,
``shift``, ``search_limit``, ...) is not judged; nor is a pre-check's ``shift``, which is the same
code as a search's."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule, with the rider and order it concerns and a sentence."""

    rule: Rule
    message: str
    rider: str | None = None
    order: str | None = None

    def __str__(self) -> str:
        return f"[{self.rule.value}] {self.message}"


def _in(windows: tuple[TimeWindow, ...], t: int) -> bool:
    return any(w.start_s <= t <= w.end_s for w in windows)


def _fmt(windows: tuple[TimeWindow, ...]) -> str:
    return ", ".join(str(w) for w in windows)


class _Legs:
    """A rider's travel between matrix rows, computed here: ``ceil(d / speed_factor)`` seconds in
    exact Python arithmetic (no shared scaling code, no integer overflow)."""

    def __init__(self, rider: Rider, lookup: LegLookup) -> None:
        self.factor = rider.speed_factor
        self.lookup = lookup

    def time(self, a: int, b: int) -> int:
        d = self.lookup.leg(a, b)[0]
        return d if self.factor == 1.0 else math.ceil(d / self.factor)

    def distance(self, a: int, b: int) -> int:
        return self.lookup.leg(a, b)[1]


def _budget(o: Order, rider: Rider) -> int | None:
    """Longest time ``o`` may spend out of the fridge on ``rider``, seconds (``None``: no limit)."""
    budget = o.max_ride_s
    if o.needs_coolbox and rider.coolbox is not None:
        budget = rider.coolbox.hold_s if budget is None else min(budget, rider.coolbox.hold_s)
    return budget


def check(problem: Problem, solution: Solution, matrix: MatrixLike = None) -> list[Violation]:
    """Every violation of ``solution`` against ``problem``; an empty list means feasible.

    Parameters
    ----------
    problem
        The problem the plan is for.
    solution
        The plan to check, from any engine, a file or a person.
    matrix
        The travel the plan was made with (anything :func:`medroute.matrices.as_matrices`
        accepts); ``None`` = the haversine default. When the plan records other travel
        (:attr:`~medroute.Solution.travel`), a :class:`~medroute.errors.TravelMismatchWarning`
        says so: leg times would not match. A travel backend (or ``None``) on a problem of more
        than :data:`LEGS_ONLY_ABOVE` places is asked only for the legs the plan rides, in batches
        (no square matrix, so no travel digest to compare: only the backend's name).

    Returns
    -------
    list of Violation
        Each broken rule with the route, order and stop it concerns.

    Raises
    ------
    InvalidSolutionError
        A stop's kind, times, leg, load or cold exposures are not of their types (a time that is
        not integer seconds, such as NaN): there is no plan to judge.
    """
    _refuse_malformed(solution)
    mats = _lookups(problem, solution, matrix)
    out: list[Violation] = []
    served: Counter[str] = Counter()
    unassigned = Counter(u.order for u in solution.unassigned)
    routes_of: Counter[str] = Counter()
    for route in solution.routes:
        rider = problem.rider.get(route.rider)
        if rider is None:
            out.append(Violation(Rule.UNKNOWN_RIDER, f"route of unknown rider {route.rider!r}", route.rider))
            continue
        routes_of[rider.id] += 1
        if routes_of[rider.id] == 2:
            out.append(Violation(Rule.ONE_ROUTE, f"rider {rider.id!r} has more than one route: merge them into "
                                 "one day's route", rider.id))
        out.extend(_check_route(problem, rider, route.stops, _Legs(rider, mats[rider.profile]), served,
                                set(unassigned)))
    for oid, count in unassigned.items():
        if oid not in problem.order:
            out.append(Violation(Rule.UNKNOWN_ORDER, f"unassigned entry names unknown order {oid!r}", order=oid))
        elif count > 1 or served[oid]:
            out.append(Violation(Rule.SERVED_TWICE, f"order {oid!r} is reported unassigned but also "
                                 "served or reported twice", order=oid))
    for o in problem.orders:
        if served[o.id] > 1:
            out.append(Violation(Rule.SERVED_TWICE, f"order {o.id!r} is delivered {served[o.id]} times",
                                 order=o.id))
        if not served[o.id] and not unassigned[o.id]:
            out.append(Violation(Rule.MISSING, f"order {o.id!r} is neither served nor reported unassigned",
                                 order=o.id))
        if o.picked_up_by is not None and unassigned[o.id] and not served[o.id]:
            out.extend(_check_abandoned(problem, solution, o, mats))
    for u in solution.unassigned:
        told = problem.order.get(u.order)
        if told is not None and u.reason in JUDGED_REASONS and (why := _untrue(problem, told, u.reason, mats)):
            out.append(Violation(Rule.REASON, f"order {told.id!r} is reported {u.reason.value}, but {why}",
                                 order=told.id))
    return out


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _refuse_malformed(solution: Solution) -> None:
    """Raise :class:`~medroute.errors.InvalidSolutionError` naming the first route, stop or
    unassigned entry field that is not of its type: the rules compare ids, reasons, integer
    seconds, metres and amounts."""
    for i, u in enumerate(solution.unassigned):
        if not isinstance(u, Unassigned):
            raise InvalidSolutionError(f"unassigned[{i}]: expected an Unassigned, got {u!r}"[:300])
        if not isinstance(u.order, str) or not isinstance(u.detail, str):
            raise InvalidSolutionError(f"unassigned[{i}]: order and detail must be strings (an order id, a "
                                       f"sentence), got {u.order!r} and {u.detail!r}"[:300])
        if not isinstance(u.reason, Reason):
            raise InvalidSolutionError(f"unassigned[{i}] (order {u.order!r}): reason must be a medroute.Reason, "
                                       f"got {u.reason!r}"[:300])
    for r, route in enumerate(solution.routes):
        if not isinstance(route, Route):
            raise InvalidSolutionError(f"routes[{r}]: expected a Route, got {route!r}"[:300])
        if not isinstance(route.rider, str):
            raise InvalidSolutionError(f"routes[{r}]: rider must be a rider id (a string), got {route.rider!r}"[:300])
        if not isinstance(route.stops, tuple):
            raise InvalidSolutionError(f"routes[{r}] (rider {route.rider!r}): stops must be a tuple of Stop, got "
                                       f"{type(route.stops).__name__}")
        for i, s in enumerate(route.stops):
            where = f"routes[{r}] (rider {route.rider!r}) stop {i}"
            if not isinstance(s, Stop):
                raise InvalidSolutionError(f"{where}: expected a Stop, got {s!r}"[:300])
            if s.kind not in tuple(StopKind):
                raise InvalidSolutionError(f"{where}: kind must be one of {', '.join(k.value for k in StopKind)}, "
                                           f"got {s.kind!r}"[:300])
            for name in ("arrival_s", "start_s", "departure_s", "travel_s", "distance_m"):
                if not _is_int(getattr(s, name)):
                    raise InvalidSolutionError(f"{where}: {name} must be an integer (seconds, or metres for "
                                               f"distance_m), got {getattr(s, name)!r}"[:300])
            if not isinstance(s.load, Load) or not all(_is_int(v) for v in s.load.to_json()):
                raise InvalidSolutionError(f"{where}: load must be a Load of five integers, got {s.load!r}"[:300])
            if not all(isinstance(c, tuple) and len(c) == 2 and isinstance(c[0], str) and _is_int(c[1])
                       for c in s.cold):
                raise InvalidSolutionError(f"{where}: cold must hold (order id, integer seconds) pairs, "
                                           f"got {s.cold!r}"[:300])


def _lookups(problem: Problem, solution: Solution, matrix: MatrixLike) -> dict[str, LegLookup]:
    """Per profile, where :func:`check` reads legs: a square matrix, or a backend asked for the
    plan's legs only (above :data:`LEGS_ONLY_ABOVE` places, and always for a
    :class:`~medroute.travel.matrix.LegTable`, which holds no more)."""
    if matrix is None:
        from .travel.haversine import HaversineBackend

        backend: Any = HaversineBackend()
    else:
        backend = matrix
    by_id_only = getattr(backend, "locations", False) is None  # a MatrixBackend matched by ids
    if isinstance(backend, LegTable) or (
            isinstance(backend, TravelBackend) and not isinstance(backend, TravelMatrix) and not by_id_only
            and len(problem.locations) > LEGS_ONLY_ABOVE):
        warn_if_other_backend(solution, backend)
        lookups = {p: LegLookup(backend, problem.locations, p) for p in problem.profiles}
        for p, pairs in checked_legs(problem, solution).items():
            lookups[p].prefetch(pairs)
        return lookups
    mats = as_matrices(problem, matrix)
    warn_if_other_travel(problem, solution, mats)
    return {p: LegLookup(m, problem.locations, p) for p, m in mats.items()}


def checked_legs(problem: Problem, solution: Solution) -> dict[str, list[tuple[int, int]]]:
    """The legs :func:`check` reads for ``solution``, per travel profile of ``problem``: (origin
    row, destination row) in ``problem.locations``, each once.

    Every route's legs from stop to stop, the pharmacy → door trip of every pickup (when the
    problem limits trips), and for an order on board reported unassigned, the legs its rider's
    route would ride to deliver it anywhere (the :attr:`Rule.CARRIED` rule), and for an order
    reported with a reason of :data:`JUDGED_REASONS`, the direct ride to its door of each rider it
    fits (the :attr:`Rule.REASON` rule). Unknown riders and
    orders are skipped: the checker reports them without travel.
    """
    index = problem.location_index
    out: dict[str, dict[tuple[int, int], None]] = {p: {} for p in problem.profiles}
    for route in solution.routes:
        rider = problem.rider.get(route.rider)
        locs = _stop_locations(problem, rider, route.stops) if rider is not None and len(route.stops) > 1 else None
        if rider is not None and locs is not None:
            out[rider.profile].update(dict.fromkeys([*itertools.pairwise(locs), *_trips(problem, route.stops)]))
    held = {u.order for u in solution.unassigned}
    for u in solution.unassigned:
        o = problem.order.get(u.order)
        if o is not None and u.reason in JUDGED_REASONS:
            for r, a, b in _reason_legs(problem, o):
                out[r.profile][a, b] = None
    for o in problem.orders:
        carrier = problem.rider.get(o.picked_up_by or "")
        if carrier is None or o.id not in held:
            continue
        ridden = solution.route_of(carrier.id)
        visits = ridden.stops[1:-1] if ridden is not None else ()
        if any(v.order not in problem.order for v in visits):
            continue
        chain = [index[carrier.start], *(index[_visit_location(problem, v)] for v in visits)]
        door = index[o.location]
        pairs = [*itertools.pairwise(chain), *((c, door) for c in chain), *((door, c) for c in chain[1:])]
        if carrier.end is not None:
            pairs += [(chain[-1], index[carrier.end]), (door, index[carrier.end])]
        out[carrier.profile].update(dict.fromkeys(pairs))
    return {p: list(pairs) for p, pairs in out.items()}


def _visit_location(problem: Problem, stop: Stop) -> Location:
    """Where a visit of a known order takes place: its pharmacy for a pickup, else its door."""
    order = problem.order[stop.order or ""]
    return problem.pharmacy[order.pharmacy].location if stop.kind == StopKind.PICKUP else order.location


def _trips(problem: Problem, stops: tuple[Stop, ...]) -> list[tuple[int, int]]:
    """(pharmacy row, door row) of every pickup among ``stops`` (for the trip limit)."""
    if problem.max_trip_m is None:
        return []
    index = problem.location_index
    out = []
    for s in stops:
        o = problem.order.get(s.order or "")
        if s.kind == StopKind.PICKUP and o is not None:
            out.append((index[problem.pharmacy[o.pharmacy].location], index[o.location]))
    return out


def _stop_locations(problem: Problem, rider: Rider, stops: tuple[Stop, ...]) -> list[int] | None:
    """Matrix row of every stop (the end stop at the rider's end, or where the last visit is);
    ``None`` if a visit names an unknown order."""
    index = problem.location_index
    locs: list[int] = [index[rider.start]]
    for s in stops[1:-1]:
        if s.order not in problem.order:
            return None
        locs.append(index[_visit_location(problem, s)])
    locs.append(index[rider.end] if rider.end is not None else locs[-1])
    return locs


def _check_route(problem: Problem, rider: Rider, stops: tuple[Stop, ...], legs: _Legs,
                 served: Counter[str], unassigned: set[str]) -> list[Violation]:
    rid = rider.id
    out: list[Violation] = []

    def bad(rule: Rule, msg: str, order: str | None = None) -> None:
        out.append(Violation(rule, f"rider {rid!r}: {msg}", rid, order))

    if len(stops) < 2 or stops[0].kind != StopKind.START or stops[-1].kind != StopKind.END or any(
            s.kind in (StopKind.START, StopKind.END) for s in stops[1:-1]):
        bad(Rule.ROUTE_SHAPE, "a route must be one start stop, the visits, and one end stop")
        return out
    locs = _stop_locations(problem, rider, stops)
    if locs is None:
        s = next(s for s in stops[1:-1] if s.order not in problem.order)
        bad(Rule.UNKNOWN_ORDER, f"stop names unknown order {s.order!r}", s.order)
        return out
    # Items on board: order id -> (order, time it left the fridge). Carried items start on board,
    # unless the plan reports them unassigned (then they are out of the plan; Rule.CARRIED judges that).
    on_board: dict[str, tuple[Order, int]] = {
        o.id: (o, o.picked_up_s) for o in problem.orders
        if o.picked_up_by == rid and o.picked_up_s is not None and o.id not in unassigned}
    start = stops[0]
    out.extend(_check_terminal(rider, start, 0, on_board))
    picked_here: set[str] = set()
    prev_dep = start.departure_s
    for i in range(1, len(stops)):
        s, a, b = stops[i], locs[i - 1], locs[i]
        leg_t, leg_d = legs.time(a, b), legs.distance(a, b)
        if s.kind == StopKind.END and rider.end is None:
            leg_t = leg_d = 0
        if (s.travel_s, s.distance_m) != (leg_t, leg_d):
            bad(Rule.LEG, f"leg into stop {i} is {leg_t} s / {leg_d} m by the matrix, reported "
                          f"{s.travel_s} s / {s.distance_m} m", s.order)
        if s.arrival_s != prev_dep + leg_t:
            bad(Rule.LEG, f"arrives at stop {i} at {format_time(s.arrival_s)}, but leaving at "
                          f"{format_time(prev_dep)} plus {leg_t} s gives {format_time(prev_dep + leg_t)}", s.order)
        if s.start_s < s.arrival_s:
            what = f"{s.kind.value} of order {s.order!r}" if s.order else f"{s.kind.value} stop"
            bad(Rule.EARLY_START, f"{what} at stop {i} starts service at {format_time(s.start_s)}, before arriving "
                                  f"at {format_time(s.arrival_s)}", s.order)
        if s.kind == StopKind.END:
            break
        o = problem.order[s.order or ""]
        ph = problem.pharmacy[o.pharmacy]
        service = ph.handover_s if s.kind == StopKind.PICKUP else o.service_s
        if s.departure_s != s.start_s + service:
            bad(Rule.SERVICE, f"order {o.id!r}: service takes {service} s, reported "
                              f"{s.departure_s - s.start_s} s", o.id)
        exposures = {oid: s.start_s - left for oid, (oo, left) in on_board.items() if oo.needs_coolbox}
        if o.rider is not None and o.rider != rid:
            bad(Rule.LOCK, f"order {o.id!r} is locked to rider {o.rider!r}", o.id)
        if s.kind == StopKind.PICKUP:
            out.extend(_check_pickup(problem, rider, s, o, on_board, picked_here, legs))
        else:
            served[o.id] += 1
            out.extend(_check_delivery(rider, s, o, on_board))
        if sorted(s.cold) != sorted(exposures.items()):
            bad(Rule.LOAD_REPORT, f"stop {i}: reported cold exposure {list(s.cold)} differs from "
                                  f"{sorted(exposures.items())}", o.id)
        out.extend(_check_load(rider, on_board, s, i, o.id))
        prev_dep = s.departure_s
    for oid in on_board:
        bad(Rule.PICKUP_DELIVERY, f"order {oid!r} is picked up but never delivered", oid)
    end = stops[-1]
    out.extend(_check_terminal(rider, end, len(stops) - 1, on_board))
    if end.arrival_s > rider.shift.end_s:
        bad(Rule.END, f"finishes at {format_time(end.arrival_s)}, after the shift ends "
                      f"({format_time(rider.shift.end_s)})")
    if rider.max_work_s is not None and end.arrival_s - start.departure_s > rider.max_work_s:
        bad(Rule.MAX_WORK, f"works {end.arrival_s - start.departure_s} s, over the maximum "
                           f"{rider.max_work_s} s")
    return out


def _check_pickup(problem: Problem, rider: Rider, s: Stop, o: Order, on_board: dict[str, tuple[Order, int]],
                  picked_here: set[str], legs: _Legs) -> list[Violation]:
    """A pickup's rules; ``o`` goes on board."""
    ph = problem.pharmacy[o.pharmacy]
    out: list[Violation] = []

    def bad(rule: Rule, msg: str) -> None:
        out.append(Violation(rule, f"rider {rider.id!r}: order {o.id!r} {msg}", rider.id, o.id))

    if o.picked_up_by is not None or o.id in picked_here:
        bad(Rule.PICKUP_DELIVERY, "is picked up twice")
    if s.start_s < o.release_s:
        bad(Rule.RELEASE, f"picked up at {format_time(s.start_s)}, before its release {format_time(o.release_s)}")
    if not _in(ph.opening, s.start_s):
        bad(Rule.OPENING, f"picked up at {format_time(s.start_s)}, outside pharmacy {ph.id!r} opening "
                          f"{_fmt(ph.opening)}")
    picked_here.add(o.id)
    on_board[o.id] = (o, s.departure_s)
    if problem.max_trip_m is not None:
        index = problem.location_index
        trip = legs.distance(index[ph.location], index[o.location])
        if trip > problem.max_trip_m:
            bad(Rule.TRIP_LIMIT, f"goes {trip} m from pharmacy to door, over the {problem.max_trip_m} m limit")
    return out


def _check_delivery(rider: Rider, s: Stop, o: Order, on_board: dict[str, tuple[Order, int]]) -> list[Violation]:
    """A delivery's rules; ``o`` leaves the boxes."""
    out: list[Violation] = []

    def bad(rule: Rule, msg: str) -> None:
        out.append(Violation(rule, f"rider {rider.id!r}: order {o.id!r} {msg}", rider.id, o.id))

    if o.id not in on_board:
        bad(Rule.PICKUP_DELIVERY, "is delivered before (or without) being picked up on this route")
    else:
        exposure = s.start_s - on_board.pop(o.id)[1]
        budget = _budget(o, rider)
        if budget is not None and exposure > budget:
            bad(Rule.COLD_BUDGET, f"is out of the fridge {exposure} s, over its budget of {budget} s")
    if not _in(o.delivery_windows, s.start_s):
        bad(Rule.WINDOW, f"delivered at {format_time(s.start_s)}, outside {_fmt(o.delivery_windows)}")
    return out


def _check_terminal(rider: Rider, s: Stop, i: int, on_board: Mapping[str, tuple[Order, int]]) -> list[Violation]:
    """The start (``i == 0``) or end stop: its times, and the load and cold exposures it reports
    (what is on board: the carried items at the start, nothing at the end of a sound route)."""
    rid = rider.id
    out: list[Violation] = []

    def bad(rule: Rule, msg: str) -> None:
        out.append(Violation(rule, f"rider {rid!r}: {msg}", rid))

    if i == 0 and s.arrival_s != rider.start_s:
        bad(Rule.START, f"start stop reports arrival {format_time(s.arrival_s)}, but the rider is "
                        f"available at {format_time(rider.start_s)}")
    if i == 0 and s.departure_s < rider.earliest_departure_s:
        bad(Rule.START, f"leaves at {format_time(s.departure_s)}, before the rider is available and on shift "
                        f"({format_time(rider.earliest_departure_s)})")
    if i == 0 and (s.travel_s, s.distance_m) != (0, 0):
        bad(Rule.LEG, f"start stop reports a leg of {s.travel_s} s / {s.distance_m} m into it")
    if s.start_s < s.arrival_s:
        bad(Rule.EARLY_START, f"{s.kind.value} stop starts before it is reached")
    if s.departure_s != s.start_s or (i > 0 and s.start_s != s.arrival_s):
        bad(Rule.SERVICE, f"{s.kind.value} stop reports {format_time(s.arrival_s)} / "
                          f"{format_time(s.start_s)} / {format_time(s.departure_s)}: a start stop waits "
                          "only before leaving, an end stop neither waits nor serves")
    exposures = {oid: s.start_s - left for oid, (o, left) in on_board.items() if o.needs_coolbox}
    if sorted(s.cold) != sorted(exposures.items()):
        bad(Rule.LOAD_REPORT, f"{s.kind.value} stop: reported cold exposure {list(s.cold)} differs from "
                              f"{sorted(exposures.items())}")
    out.extend(_check_load_report(rider, on_board, s, i))
    return out


def _load(on_board: Mapping[str, tuple[Order, int]]) -> tuple[int, int, int, int, int]:
    """(weight, box volume, parcels, cool-box parcels, cool-box volume) of what is on board."""
    items = [o for o, _ in on_board.values()]
    cold = [o for o in items if o.needs_coolbox]
    return (sum(o.weight_g for o in items), sum(o.volume_ml for o in items if not o.needs_coolbox),
            sum(o.parcels for o in items), sum(o.parcels for o in cold), sum(o.volume_ml for o in cold))


def _check_load_report(rider: Rider, on_board: Mapping[str, tuple[Order, int]], s: Stop, i: int,
                       oid: str | None = None) -> list[Violation]:
    recomputed = _load(on_board)
    if tuple(s.load.to_json()) == recomputed:
        return []
    return [Violation(Rule.LOAD_REPORT, f"rider {rider.id!r}: stop {i} reports load "
                      f"{tuple(s.load.to_json())}, recomputed {recomputed}", rider.id, oid)]


def _check_load(rider: Rider, on_board: Mapping[str, tuple[Order, int]], s: Stop, i: int,
                oid: str) -> list[Violation]:
    rid = rider.id
    weight, volume, parcels, cold_parcels, cold_volume = _load(on_board)
    out: list[Violation] = []
    for name, value, cap in (("weight", weight, rider.weight_g), ("volume", volume, rider.volume_ml),
                             ("parcels", parcels, rider.parcels)):
        if value > cap:
            out.append(Violation(Rule.CAPACITY, f"rider {rid!r}: after stop {i} carries {value} {name}, "
                                                f"over the capacity {cap}", rid, oid))
    cold = sorted(o.id for o, _ in on_board.values() if o.needs_coolbox)
    if cold:
        box = rider.coolbox
        if box is None:
            out.append(Violation(Rule.COOLBOX, f"rider {rid!r}: carries cold order(s) {cold} without a "
                                               "cool box", rid, oid))
        else:
            for name, value, cap in (("parcels", cold_parcels, box.parcels),
                                     ("volume", cold_volume, box.volume_ml)):
                if value > cap:
                    out.append(Violation(Rule.COOLBOX, f"rider {rid!r}: cool box holds {value} {name} after "
                                                       f"stop {i}, over its capacity {cap}", rid, oid))
    return out + _check_load_report(rider, on_board, s, i, oid)


# ---------------------------------------------------------------------------------------------
# A pre-check reason given for an unassigned order must hold for it.

def _fitting(problem: Problem, o: Order) -> tuple[list[Rider], list[Rider]]:
    """The riders who may carry ``o`` (its locked rider or carrier only; a cool box for a cold
    item), and those of them whose empty boxes it fits."""
    lock = o.picked_up_by or o.rider
    riders = [problem.rider[lock]] if lock is not None else list(problem.riders)
    eligible = [r for r in riders if not o.needs_coolbox or r.coolbox is not None]
    return eligible, [r for r in eligible if _fits(r, o, Load())]


def _reason_legs(problem: Problem, o: Order) -> list[tuple[Rider, int, int]]:
    """(rider, origin row, door row) of the direct ride to ``o``'s door each rider it fits would
    make: from its pharmacy, or from the carrier's start for an order on board."""
    index = problem.location_index
    door = index[o.location]
    if o.picked_up_by is not None:
        return [(r, index[r.start], door) for r in _fitting(problem, o)[1]]
    pharmacy = index[problem.pharmacy[o.pharmacy].location]
    return [(r, pharmacy, door) for r in _fitting(problem, o)[1]]


def _untrue(problem: Problem, o: Order, reason: Reason, mats: Mapping[str, LegLookup]) -> str | None:
    """Why the pre-check ``reason`` does not hold for ``o`` (a clause), or ``None``."""
    eligible, fitting = _fitting(problem, o)
    if reason == Reason.NO_RIDER:
        return f"rider {eligible[0].id!r} may carry it" if eligible else None
    if reason == Reason.NO_COOLBOX_RIDER:
        if not o.needs_coolbox:
            return "it is not a cold item"
        return f"rider {eligible[0].id!r} may carry it in a cool box" if eligible else None
    if reason == Reason.OVER_CAPACITY:
        return f"it fits rider {fitting[0].id!r}'s boxes" if fitting else None
    ph = problem.pharmacy[o.pharmacy]
    if reason == Reason.WINDOW_UNREACHABLE:
        doors = [(w.start_s, w.end_s) for w in o.delivery_windows]
        pickup = _earliest([(max(w.start_s, o.release_s), w.end_s) for w in ph.opening], o.release_s)
        for r, a, b in _reason_legs(problem, o):
            ride = _Legs(r, mats[r.profile]).time(a, b)
            if o.picked_up_by is not None:
                there = r.earliest_departure_s + ride
                how = f"rider {r.id!r} riding straight from its start at {format_time(r.earliest_departure_s)}"
            elif pickup is not None:
                there = pickup + ph.handover_s + ride
                how = f"rider {r.id!r} picking it up at {format_time(pickup)} and riding straight"
            else:
                return None
            if _earliest(doors, there) is not None:
                return f"{how} reaches the door at {format_time(there)}, in time for {_fmt(o.delivery_windows)}"
        return None
    if o.picked_up_by is not None:
        return None  # the trip limit and the direct ride concern a pickup still to make
    legs = [(r, _Legs(r, mats[r.profile]), a, b) for r, a, b in _reason_legs(problem, o)]
    if reason == Reason.BEYOND_TRIP_LIMIT:
        if problem.max_trip_m is None:
            return "the problem has no trip limit"
        trips = [leg.distance(a, b) for _, leg, a, b in legs]
        if trips and max(trips) <= problem.max_trip_m:
            return f"pharmacy → door is {max(trips)} m, within the {problem.max_trip_m} m trip limit"
        return None
    for r, leg, a, b in legs:  # Reason.BUDGET_SHORTER_THAN_RIDE
        ride, budget = leg.time(a, b), _budget(o, r)
        if budget is None or ride <= budget:
            return (f"rider {r.id!r} rides it straight in {ride} s, within its out-of-fridge budget "
                    f"{'(none)' if budget is None else f'{budget} s'}")
    return None


# ---------------------------------------------------------------------------------------------
# An order already on a rider may be reported unassigned only when the rider could not deliver it.

def _check_abandoned(problem: Problem, solution: Solution, o: Order, mats: Mapping[str, LegLookup]
                     ) -> list[Violation]:
    """A violation if ``o``'s rider could have delivered it: some place in its route where the
    item fits beside the load until then and the delivery, with the later stops pushed back, keeps
    every window, budget, shift and working time."""
    rider = problem.rider[o.picked_up_by or ""]
    route = solution.route_of(rider.id)
    if route is None:
        t0 = rider.earliest_departure_s
        stops: tuple[Stop, ...] = (Stop(StopKind.START, None, t0, t0, t0), Stop(StopKind.END, None, t0, t0, t0))
    else:
        stops = route.stops
    visits = list(stops[1:-1])
    if len(stops) < 2 or any(v.order not in problem.order for v in visits):
        return []  # the route's own violations say what is wrong
    legs = _Legs(rider, mats[rider.profile])
    for pos in range(len(visits) + 1):
        if not all(_fits(rider, o, s.load) for s in stops[:pos + 1]):
            break  # on board until stop pos: it must fit beside what the route carries there
        seq = [*visits[:pos], Stop(StopKind.DELIVERY, o.id, 0, 0, 0), *visits[pos:]]
        if _pushed_route_holds(problem, rider, stops[0].departure_s, seq, legs):
            where = "as its first visit" if pos == 0 else f"after stop {pos}"
            return [Violation(Rule.CARRIED, f"rider {rider.id!r}: order {o.id!r} is on board but reported "
                                            f"unassigned, yet the rider could deliver it {where}",
                              rider.id, o.id)]
    return []


def _fits(rider: Rider, o: Order, load: Load) -> bool:
    """Whether ``o`` fits in ``rider``'s boxes beside ``load``."""
    box = rider.coolbox
    if o.needs_coolbox and (box is None or load.cold_parcels + o.parcels > box.parcels
                            or load.cold_volume_ml + o.volume_ml > box.volume_ml):
        return False
    volume = 0 if o.needs_coolbox else o.volume_ml
    return (load.weight_g + o.weight_g <= rider.weight_g and load.parcels + o.parcels <= rider.parcels
            and load.volume_ml + volume <= rider.volume_ml)


def _earliest(windows: Iterable[tuple[int, int]], t: int) -> int | None:
    return next((max(t, a) for a, b in windows if t <= b), None)


def _pushed_route_holds(problem: Problem, rider: Rider, depart: int, seq: list[Stop], legs: _Legs) -> bool:
    """Whether riding ``seq`` from ``depart``, each visit at its reported start or later when the
    ride pushes it, keeps every window, release, opening, out-of-fridge budget and the shift."""
    index = problem.location_index
    left = {o.id: o.picked_up_s for o in problem.orders if o.picked_up_by == rider.id}
    t, here = depart, index[rider.start]
    for s in seq:
        o = problem.order[s.order or ""]
        ph = problem.pharmacy[o.pharmacy]
        pick = s.kind == StopKind.PICKUP
        there = index[ph.location if pick else o.location]
        windows = ([(max(w.start_s, o.release_s), w.end_s) for w in ph.opening] if pick
                   else [(w.start_s, w.end_s) for w in o.delivery_windows])
        start = _earliest(windows, max(t + legs.time(here, there), s.start_s))
        if start is None:
            return False
        t, here = start + (ph.handover_s if pick else o.service_s), there
        if pick:
            left[o.id] = t
        else:
            budget, since = _budget(o, rider), left.get(o.id)
            if budget is not None and since is not None and start - since > budget:
                return False
    if rider.end is not None:
        t += legs.time(here, index[rider.end])
    return t <= rider.shift.end_s and (rider.max_work_s is None or t - depart <= rider.max_work_s)
