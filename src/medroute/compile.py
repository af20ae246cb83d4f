"""Problem + travel matrices → :class:`Instance`: the flat integer arrays every engine reads.

Node numbering, shared by all engines: order ``k`` has its pickup at node ``k`` and its
delivery at node ``n + k`` (``n`` orders). Times are seconds, distances metres, weights grams.
Costs are integer centi-Rupiah (``COST_SCALE`` per Rupiah) so engines can sum them exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .matrices import MatrixLike, as_matrices
from .model import Flag, Order, Problem, Rider
from .reasons import Reason
from .scalars import Integer
from .timefmt import format_time
from .travel.base import TravelMatrix

COST_SCALE = 100
"""Integer cost units per Rupiah."""

NO_LIMIT = np.iinfo(np.int32).max // 2
"""Stands for "no limit" in the integer arrays (seconds)."""

DIMS = ("weight_g", "volume_ml", "parcels", "cold_parcels", "cold_volume_ml")
"""Capacity dimensions, in the column order of :attr:`Instance.demand` and :attr:`Instance.capacity`."""


@dataclass(frozen=True, eq=False)
class Instance:
    """A compiled problem. Arrays are read-only; index orders by ``k``, riders by ``r``.

    Attributes
    ----------
    problem
        The source problem.
    n, m
        Number of orders and riders.
    node_loc
        (2n,) matrix row of each node (pickups then deliveries).
    start_loc, end_loc
        (m,) matrix row of each rider's start / end (``-1`` = open end).
    durations
        One (L, L) int32 seconds matrix per distinct (profile, speed factor);
        ``rider_durations[r]`` picks the rider's.
    distances
        One (L, L) int32 metres matrix per profile; ``rider_distances[r]`` picks it.
    service
        (2n,) service seconds at each node.
    windows
        Per node, a tuple of ``(start_s, end_s)`` windows (pickups: pharmacy opening cut
        at the release time; deliveries: the order's hard windows).
    demand
        (n, 5) what an order occupies, columns :data:`DIMS`.
    cold
        (n,) bool, whether order k rides in a cool box (:attr:`Order.needs_coolbox`; the one
        definition of "cold", whatever the order's parcels).
    capacity
        (m, 5) what a rider holds, columns :data:`DIMS`.
    max_ride
        (n, m) out-of-fridge budget of order k on rider r, seconds (``NO_LIMIT`` = none).
    allowed
        (n, m) bool, whether rider r may carry order k (cool box, locks, already on board).
    carried_by
        (n,) rider already carrying order k (``-1`` = still at the pharmacy, or carried
        but flagged: a rider cannot be made to deliver what the rules forbid it to carry, so the
        order comes back unassigned with the flag's reason).
    carried_since
        (n,) when the carried order was picked up, seconds.
    target
        (n,) soft target, seconds (``NO_LIMIT`` = none).
    late_cost
        (n,) cost units per second late.
    release
        (n,) release time of each order, seconds.
    lead_cost
        (n,) cost units per second from the release to the start of the delivery.
    drop_cost
        (n,) cost units of leaving order k unserved.
    required
        (n,) bool.
    depart
        (m,) earliest departure of each rider, seconds.
    shift_end
        (m,) latest finish of each rider, seconds.
    max_work
        (m,) longest working time, seconds (``NO_LIMIT`` = none).
    cost_per_m, cost_per_s
        Cost units per metre ridden and per second of riding.
    cost_per_wait_s
        Cost units per second a rider waits between the stops of a route.
    rider_cost
        Cost units per rider used.
    flagged
        Pre-check flags by order index; engines leave these orders out.
    """

    problem: Problem
    matrices: Mapping[str, TravelMatrix]
    n: int
    m: int
    node_loc: NDArray[np.int32]
    start_loc: NDArray[np.int32]
    end_loc: NDArray[np.int32]
    durations: tuple[NDArray[np.int32], ...]
    rider_durations: NDArray[np.int32]
    distances: tuple[NDArray[np.int32], ...]
    rider_distances: NDArray[np.int32]
    service: NDArray[np.int32]
    windows: tuple[tuple[tuple[int, int], ...], ...]
    demand: NDArray[np.int64]
    cold: NDArray[np.bool_]
    capacity: NDArray[np.int64]
    max_ride: NDArray[np.int64]
    allowed: NDArray[np.bool_]
    carried_by: NDArray[np.int32]
    carried_since: NDArray[np.int64]
    target: NDArray[np.int64]
    late_cost: NDArray[np.float64]
    release: NDArray[np.int64]
    lead_cost: NDArray[np.float64]
    drop_cost: NDArray[np.float64]
    required: NDArray[np.bool_]
    depart: NDArray[np.int64]
    shift_end: NDArray[np.int64]
    max_work: NDArray[np.int64]
    cost_per_m: float
    cost_per_s: float
    rider_cost: float
    flagged: Mapping[int, Flag]
    cost_per_wait_s: float = 0.0

    def pickup(self, k: int) -> int:
        return k

    def delivery(self, k: int) -> int:
        return self.n + k

    def order_of(self, node: int) -> int:
        return node if node < self.n else node - self.n

    def is_pickup(self, node: int) -> bool:
        return node < self.n

    def duration(self, r: Integer) -> NDArray[np.int32]:
        """Rider r's travel-time matrix, seconds."""
        return self.durations[int(self.rider_durations[r])]

    def distance(self, r: Integer) -> NDArray[np.int32]:
        """Rider r's distance matrix, metres."""
        return self.distances[int(self.rider_distances[r])]

    def arc_cost(self, r: Integer) -> NDArray[np.int64]:
        """Rider r's cost of every arc between matrix rows, integer cost units."""
        return np.rint(self.distance(r) * self.cost_per_m + self.duration(r) * self.cost_per_s).astype(np.int64)

    # Python-native copies for the per-route hot path (numpy scalar access costs ~100 ns each).
    @cached_property
    def carried(self) -> tuple[tuple[int, ...], ...]:
        """Orders each rider already carries."""
        return tuple(tuple(int(k) for k in np.flatnonzero(self.carried_by == r)) for r in range(self.m))

    @cached_property
    def cold_list(self) -> tuple[bool, ...]:
        return tuple(bool(x) for x in self.cold)

    @cached_property
    def demand_rows(self) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(int(x) for x in row) for row in self.demand)

    @cached_property
    def capacity_rows(self) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(int(x) for x in row) for row in self.capacity)

    @cached_property
    def window_rows(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Every node's windows as :func:`padded_windows` arrays (starts, ends), a row per node."""
        return padded_windows(self.windows)

    @cached_property
    def service_list(self) -> tuple[int, ...]:
        return tuple(int(x) for x in self.service)

    @cached_property
    def node_loc_list(self) -> tuple[int, ...]:
        return tuple(int(x) for x in self.node_loc)

    @property
    def open_orders(self) -> list[int]:
        """Orders the engines should try to route (not flagged by the pre-checks)."""
        return [k for k in range(self.n) if k not in self.flagged]


def _ride_limits(orders: Sequence[Order], riders: Sequence[Rider],
                 cold: NDArray[np.bool_]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Each (order, rider)'s longest ride (its own budget, the cool box's hold for a cold item;
    :data:`NO_LIMIT` without one) and whether the rider may carry it (a cold item needs a cool box)."""
    none = np.iinfo(np.int64).max
    budget = np.array([none if o.max_ride_s is None else o.max_ride_s for o in orders], dtype=np.int64)
    hold = np.array([none if r.coolbox is None else r.coolbox.hold_s for r in riders], dtype=np.int64)
    max_ride = np.repeat(budget[:, None], len(riders), axis=1)
    max_ride[cold] = np.minimum(budget[cold, None], hold[None, :])
    max_ride[max_ride == none] = NO_LIMIT
    allowed = np.ones((len(orders), len(riders)), dtype=bool)
    allowed[np.ix_(cold, np.array([r.coolbox is None for r in riders], dtype=bool))] = False
    return max_ride, allowed


def compile_problem(problem: Problem, matrix: MatrixLike = None) -> Instance:
    """Compile ``problem`` with ``matrix`` (anything :func:`medroute.matrices.as_matrices`
    accepts; ``None`` for the haversine default)."""
    mats = as_matrices(problem, matrix)
    index = problem.location_index
    orders, riders = problem.orders, problem.riders
    n, m = len(orders), len(riders)
    rider_ids = {r.id: i for i, r in enumerate(riders)}

    profiles = list(dict.fromkeys(r.profile for r in riders))
    distances = tuple(mats[p].distances_m for p in profiles)
    speed_keys = list(dict.fromkeys((r.profile, r.speed_factor) for r in riders))
    durations = tuple(
        next(r for r in riders if (r.profile, r.speed_factor) == key).scale_durations(mats[key[0]].durations_s)
        for key in speed_keys
    )
    rider_durations = np.array([speed_keys.index((r.profile, r.speed_factor)) for r in riders], dtype=np.int32)
    rider_distances = np.array([profiles.index(r.profile) for r in riders], dtype=np.int32)

    node_loc = np.array([index[problem.pharmacy[o.pharmacy].location] for o in orders]
                        + [index[o.location] for o in orders], dtype=np.int32)
    start_loc = np.array([index[r.start] for r in riders], dtype=np.int32)
    end_loc = np.array([index[r.end] if r.end is not None else -1 for r in riders], dtype=np.int32)
    service = np.array([problem.pharmacy[o.pharmacy].handover_s for o in orders]
                       + [o.service_s for o in orders], dtype=np.int32)

    windows: list[tuple[tuple[int, int], ...]] = []
    for o in orders:
        opening = problem.pharmacy[o.pharmacy].opening
        windows.append(tuple((max(w.start_s, o.release_s), w.end_s) for w in opening if w.end_s >= o.release_s))
    for o in orders:
        windows.append(tuple((w.start_s, w.end_s) for w in o.delivery_windows))

    cold = np.array([o.needs_coolbox for o in orders], dtype=bool)
    demand = np.zeros((n, 5), dtype=np.int64)
    for k, o in enumerate(orders):
        demand[k] = (o.weight_g, 0 if cold[k] else o.volume_ml, o.parcels,
                     o.parcels if cold[k] else 0, o.volume_ml if cold[k] else 0)
    capacity = np.zeros((m, 5), dtype=np.int64)
    for i, r in enumerate(riders):
        box = r.coolbox
        capacity[i] = (r.weight_g, r.volume_ml, r.parcels,
                       box.parcels if box else 0, box.volume_ml if box else 0)

    obj = problem.objective
    max_ride, allowed = _ride_limits(orders, riders, cold)
    carried_by = np.full(n, -1, dtype=np.int32)
    carried_since = np.zeros(n, dtype=np.int64)
    for k, o in enumerate(orders):
        lock = o.picked_up_by or o.rider
        if lock is not None:
            allowed[k] &= np.arange(m) == rider_ids[lock]
        if o.picked_up_by is not None:
            carried_by[k] = rider_ids[o.picked_up_by]
            carried_since[k] = int(o.picked_up_s or 0)

    arrays: dict[str, Any] = {
        "node_loc": node_loc, "start_loc": start_loc, "end_loc": end_loc, "service": service,
        "demand": demand, "cold": cold,
        "capacity": capacity, "max_ride": max_ride, "allowed": allowed,
        "carried_by": carried_by, "carried_since": carried_since,
        "rider_durations": rider_durations, "rider_distances": rider_distances,
        "target": np.array([o.target_s if o.target_s is not None else NO_LIMIT for o in orders], dtype=np.int64),
        "late_cost": np.array([obj.rupiah_per_late_minute / 60 * o.weight * COST_SCALE for o in orders]),
        "release": np.array([o.release_s for o in orders], dtype=np.int64),
        "lead_cost": np.array([obj.rupiah_per_lead_minute / 60 * o.weight * COST_SCALE for o in orders]),
        "drop_cost": np.array([obj.unassigned_cost(o) * COST_SCALE for o in orders]),
        "required": np.array([o.required for o in orders], dtype=bool),
        "depart": np.array([r.earliest_departure_s for r in riders], dtype=np.int64),
        "shift_end": np.array([r.shift.end_s for r in riders], dtype=np.int64),
        "max_work": np.array([r.max_work_s if r.max_work_s is not None else NO_LIMIT for r in riders],
                             dtype=np.int64),
    }
    for arr in arrays.values():
        arr.setflags(write=False)
    inst = Instance(
        problem=problem, matrices=mats, n=n, m=m, durations=durations, distances=distances,
        windows=tuple(windows),
        cost_per_m=obj.rupiah_per_km / 1000 * COST_SCALE,
        cost_per_s=obj.rupiah_per_hour / 3600 * COST_SCALE,
        rider_cost=obj.rupiah_per_rider * COST_SCALE,
        flagged={},
        cost_per_wait_s=obj.rupiah_per_wait_hour / 3600 * COST_SCALE,
        **arrays,
    )
    flagged = _flags(inst)
    if not any(carried_by[k] >= 0 for k in flagged):
        return replace(inst, flagged=flagged)
    # a flagged order on board comes back unassigned: a rider cannot be made to deliver what the
    # rules forbid it to carry
    carried_by = carried_by.copy()
    carried_by[list(flagged)] = -1
    carried_by.setflags(write=False)
    return replace(inst, flagged=flagged, carried_by=carried_by)


def earliest_in(t: int, windows: Sequence[tuple[int, int]]) -> int | None:
    """The earliest time ≥ ``t`` inside one of ``windows`` (sorted); ``None`` if past the last."""
    for a, b in windows:
        if t <= b:
            return max(t, a)
    return None


def _flags(inst: Instance) -> dict[int, Flag]:
    """Orders no plan can serve whatever the plan (the pre-checks), by order index.

    No allowed rider, none it fits, a pharmacy farther from the door than the trip limit, a
    fastest direct ride longer than the most lenient out-of-fridge budget, or a door not reached
    inside its windows even by a direct ride from the earliest pickup (for an order on board, from
    the carrier's start when the carrier is free: it can go with no other rider, so a carrier free
    too late or too far away makes its window unreachable); then, for an order still at its
    pharmacy, no rider it fits who
    serves it alone inside the shift (:func:`_alone_in_shift`: a pharmacy open only before or
    after every shift, a door window outside them, a door too far to reach and return from in the
    shift, a cold order whose cool-box riders are off shift then), :attr:`Reason.SHIFT`. Each rider's travel,
    budget and room are the instance's own; the rules are evaluated for all orders at once, the
    messages written for the flagged ones.
    """
    n = inst.n
    pick, door = inst.node_loc[:n], inst.node_loc[n:]
    rooms, kind = np.unique(inst.capacity, axis=0, return_inverse=True)
    fit = inst.allowed & (inst.demand[:, None, :] <= rooms[None, :, :]).all(axis=2)[:, kind.ravel()]
    first = fit.argmax(axis=1) if inst.m else np.zeros(n, dtype=np.intp)
    dist = np.zeros(n, dtype=np.int64)
    for p in range(len(inst.distances)):
        mine = inst.rider_distances[first] == p if inst.m else np.zeros(n, dtype=bool)
        dist[mine] = inst.distances[p][pick[mine], door[mine]]
    ride = np.full(n, np.iinfo(np.int64).max)
    for d, durations in enumerate(inst.durations):
        has = (fit & (inst.rider_durations == d)[None, :]).any(axis=1)
        ride = np.where(has, np.minimum(ride, durations[pick, door]), ride)
    budget = np.where(fit, inst.max_ride, -1).max(axis=1, initial=-1)
    alone = _alone_in_shift(inst, fit)
    out = {}
    for k in range(n):
        if (flag := _flag(inst, k, bool(fit[k].any()), int(dist[k]), int(ride[k]), int(budget[k]))) is not None:
            out[k] = flag
        elif inst.carried_by[k] < 0 and not alone[k]:
            out[k] = _shift_flag(inst, k, fit[k])
    return out


NEVER = np.iinfo(np.int64).max // 4
"""Stands for "no window left" in :func:`earliest_each` (sums of it and of seconds do not overflow)."""


def padded_windows(windows: Sequence[tuple[tuple[int, int], ...]]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``windows`` as (starts, ends) arrays of one row each, padded with windows no time is inside."""
    width = max((len(w) for w in windows), default=0)
    starts = np.full((len(windows), max(width, 1)), NEVER, dtype=np.int64)
    ends = np.full((len(windows), max(width, 1)), -1, dtype=np.int64)
    for i, w in enumerate(windows):
        if w:
            starts[i, :len(w)], ends[i, :len(w)] = zip(*w, strict=True)
    return starts, ends


def earliest_each(t: NDArray[np.int64], starts: NDArray[np.int64], ends: NDArray[np.int64]) -> NDArray[np.int64]:
    """:func:`earliest_in` row by row: the times of ``t``'s row ``x`` (one time, or a row of them)
    in the windows of row ``x`` of :func:`padded_windows`' arrays; :data:`NEVER` for ``None``."""
    shape = (-1,) + (1,) * (t.ndim - 1)
    out = np.full_like(t, NEVER)
    for w in range(starts.shape[1] - 1, -1, -1):
        out = np.where(t <= ends[:, w].reshape(shape), np.maximum(t, starts[:, w].reshape(shape)), out)
    return out


def _alone_in_shift(inst: Instance, fit: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """(n,) whether some rider fit to carry order ``k`` serves it alone inside the shift: leaving
    its start at its earliest departure, riding to the pharmacy, picking up at the earliest
    opening, riding straight to the door, delivering in the earliest window and reaching its end
    by the end of the shift, with the riding and service alone within its working time."""
    n = inst.n
    pick, door = inst.node_loc[:n].astype(np.intp), inst.node_loc[n:].astype(np.intp)
    starts, ends = inst.window_rows
    handover, service = inst.service[:n].astype(np.int64), inst.service[n:].astype(np.int64)
    ok = np.zeros(n, dtype=bool)
    for r in range(inst.m):
        ks = np.flatnonzero(fit[:, r] & ~ok)
        if not len(ks):
            continue
        dur = inst.duration(r)
        to_pharmacy = dur[inst.start_loc[r], pick[ks]].astype(np.int64)
        ride = dur[pick[ks], door[ks]].astype(np.int64)
        home = dur[door[ks], inst.end_loc[r]].astype(np.int64) if inst.end_loc[r] >= 0 else np.zeros(len(ks), np.int64)
        picked = earliest_each(inst.depart[r] + to_pharmacy, starts[ks], ends[ks])
        delivered = earliest_each(picked + handover[ks] + ride, starts[n + ks], ends[n + ks])
        work = to_pharmacy + handover[ks] + ride + service[ks] + home
        ok[ks] = (delivered + service[ks] + home <= inst.shift_end[r]) & (work <= inst.max_work[r])
    return ok


def _shift_flag(inst: Instance, k: int, fit: NDArray[np.bool_]) -> Flag:
    """The :attr:`Reason.SHIFT` flag of order ``k``: its pharmacy's hours, its door windows and the
    shifts of the riders fit to carry it (the first few)."""
    o = inst.problem.orders[k]
    riders = [inst.problem.riders[r] for r in np.flatnonzero(fit)]

    def shift(r: Rider) -> str:
        free = f", free from {format_time(r.start_s)}" if r.start_s > r.shift.start_s else ""
        work = f", working at most {r.max_work_s} s" if r.max_work_s is not None else ""
        return f"{r.id!r} {r.shift}{free}{work}"

    shifts = ", ".join(shift(r) for r in riders[:4]) + (f" and {len(riders) - 4} more" if len(riders) > 4 else "")
    opening = ", ".join(str(w) for w in inst.problem.pharmacy[o.pharmacy].opening)
    doors = ", ".join(str(w) for w in o.delivery_windows)
    return Flag(Reason.SHIFT, o.id, f"order {o.id!r}: no rider who can carry it can pick it up at pharmacy "
                f"{o.pharmacy!r} (open {opening}, released {format_time(o.release_s)}) and deliver it "
                f"({doors}) inside their shift, even riding it alone; riders' shifts: {shifts}. Widen a "
                "shift or the pharmacy's hours, or move the order's windows")


def _flag(inst: Instance, k: int, fits: bool, dist: int, ride: int, budget: int) -> Flag | None:
    """Why order ``k`` cannot be served (see :func:`_flags`), or ``None``."""
    o = inst.problem.orders[k]
    if not inst.allowed[k].any():
        if inst.m == 0:
            return Flag(Reason.NO_RIDER, o.id, f"order {o.id!r}: no rider works in this problem")
        return Flag(Reason.NO_COOLBOX_RIDER, o.id, f"order {o.id!r}: {o.temperature} item but no rider with a "
                    "cool box")
    if not fits:
        return Flag(Reason.OVER_CAPACITY, o.id, f"order {o.id!r}: {o.weight_g} g / {o.volume_ml} ml / "
                    f"{o.parcels} parcels exceeds every eligible rider's capacity")
    carrier = int(inst.carried_by[k])
    max_trip = inst.problem.max_trip_m
    if max_trip is not None and carrier < 0 and dist > max_trip:
        return Flag(Reason.BEYOND_TRIP_LIMIT, o.id, f"order {o.id!r}: pharmacy → door is {dist} m, beyond the "
                    f"{max_trip} m trip limit")
    if carrier < 0 and ride > budget:
        return Flag(Reason.BUDGET_SHORTER_THAN_RIDE, o.id, f"order {o.id!r}: direct ride {ride} s exceeds its "
                    f"out-of-fridge budget {budget} s")
    doors = inst.windows[inst.n + k]
    if carrier >= 0:  # on board: no other rider can take it, so its carrier's day is the order's
        j = int(inst.node_loc[inst.n + k])
        earliest = int(inst.depart[carrier]) + int(inst.duration(carrier)[inst.start_loc[carrier], j])
        if earliest_in(earliest, doors) is None:
            return Flag(Reason.WINDOW_UNREACHABLE, o.id, f"order {o.id!r}: on board of rider "
                        f"{o.picked_up_by!r}, free at {format_time(int(inst.depart[carrier]))}: riding straight "
                        f"from its start it reaches the door at {format_time(earliest)}, after its last window "
                        f"closes at {format_time(doors[-1][1])}. Widen its door window, or free the rider earlier")
        return None
    pickup = earliest_in(o.release_s, inst.windows[k])
    if pickup is None:
        return Flag(Reason.WINDOW_UNREACHABLE, o.id, f"order {o.id!r}: released at "
                    f"{format_time(o.release_s)}, after pharmacy {o.pharmacy!r} closes")
    earliest = pickup + int(inst.service[k]) + ride
    if earliest_in(earliest, doors) is None:
        return Flag(Reason.WINDOW_UNREACHABLE, o.id, f"order {o.id!r}: cannot reach the door before "
                    f"{format_time(doors[-1][1])} even by direct travel (earliest {format_time(earliest)})")
    return None
