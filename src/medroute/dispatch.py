"""Live dispatch: the state of one service area, events that change it, and replanning with locks.

A :class:`Dispatcher` holds pharmacies, riders (where each is, from when, what they carry, the
stop they are driving to) and orders (created, released, on board, done). After every batch of
events, :meth:`Dispatcher.replan` answers "what should each rider do next" with a :class:`Plan`:
a :class:`~medroute.solution.Solution` over the *live problem* (the open state as a
:class:`~medroute.model.Problem`) and a :class:`PlanDiff` against the previous plan.

Invariants every returned plan keeps (and :func:`medroute.check` confirms against the live
problem, every time, before the plan is returned):

* stops already done stay done: delivered, failed and cancelled orders never come back; an order
  on board is never picked up again;
* the **committed** stop (the one a rider is driving to) stays that rider's first stop until an
  event completes or cancels it;
* items on board stay with their rider and keep the out-of-fridge budget counted from the real
  pickup time (``Order.picked_up_by`` / ``picked_up_s``);
* an order locked to a rider (``Order.rider`` at creation, or :meth:`Dispatcher.lock`) goes to no
  other rider.

How a replan works (see ``docs/dispatch.md``): committed stops are *folded* into the riders'
starting points (a committed pickup becomes an item on board from its planned departure, a
committed delivery disappears), which gives a smaller *planning problem* any engine can solve
without knowing about commitments. Candidates:

1. **keep**: the previous plan, repaired (stops that no longer time are dropped) and completed by
   cheapest feasible insertion of new or dropped orders — fast, and close to the previous plan;
2. the **engine** (``"auto"``, ``"ortools"``, ``"pyvrp"``, ``"greedy"``), warm-started from
   *keep* through ``initial=`` for the rest of the time budget, its result repaired the same way.

**Stability** is a post-check cost comparison: each candidate scores its objective (Rupiah, the
problem's :class:`~medroute.model.Objective`) plus ``stability_rp`` for every order that the
previous plan gave to a different rider; the lowest score wins. The engines themselves do not see
the penalty, so a re-solve that reshuffles riders must save more than the penalty to be adopted.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .check import Violation, check
from .compile import COST_SCALE, Instance, compile_problem
from .engines.registry import get_engine
from .errors import EngineError, InvalidMatrixError, MedrouteError, SchemaError
from .events import (
    Delivered,
    DeliveryFailed,
    Event,
    OrderCancelled,
    OrderCreated,
    OrderReleased,
    PickedUp,
    RiderOffline,
    RiderOnline,
    RiderPosition,
    TravelDelay,
    location_from_json,
    location_to_json,
    order_from_json,
    order_to_json,
    pharmacy_from_json,
    pharmacy_to_json,
    rider_from_json,
    rider_to_json,
)
from .geo import Location
from .insertion import Deadline, Inserter, plan_objective, repair
from .model import DAY_END_S, MAX_TRIP_M, Objective, Order, Pharmacy, Problem, Rider, TimeWindow
from .reasons import Reason
from .schedule import build_solution
from .solution import Solution, Stop
from .stop import MaxRuntime
from .travel.base import TravelBackend, TravelMatrix
from .travel.haversine import HaversineBackend

DEFAULT_STABILITY_RP = 5_000.0
"""Penalty per order moved to another rider by a replan, Rp (E: about two kilometres of riding at
the Zone I ojek fare of Rp 2,500/km, domain.md — a re-shuffle must save at least that)."""

DEFAULT_COMMIT_WITHIN_S = 60
"""A rider's first planned stop becomes committed when the rider must leave for it within this
many seconds of the replan (or of finishing the previous stop), seconds."""

MatrixFn = Callable[[Sequence[Location], str], TravelMatrix]
"""``fn(locations, profile) -> TravelMatrix``: travel durations (s) and distances (m)."""


class DispatchError(MedrouteError, ValueError):
    """An event contradicts the live state (unknown id, delivering what is not on board, ...)."""


class OrderStatus(StrEnum):
    """Where an order stands. ``delivered``, ``failed`` and ``cancelled`` are final."""

    CREATED = "created"
    """Known; the medicine is not ready yet (planned from its estimated release)."""
    RELEASED = "released"
    """Ready at the pharmacy."""
    ON_BOARD = "on_board"
    """Picked up; only the delivery remains."""
    DELIVERED = "delivered"
    FAILED = "failed"
    """Patient not reached; if the item is still on board it is being taken back (``returning``)."""
    CANCELLED = "cancelled"


FINAL = frozenset({OrderStatus.DELIVERED, OrderStatus.FAILED, OrderStatus.CANCELLED})


@dataclass
class OrderState:
    """The live record of one order. Times in seconds from the start of the day.

    ``carrier`` is set while the item is on board (also while it is taken back: ``returning``).
    ``relaxed`` marks an item on board that can no longer meet its window or out-of-fridge budget:
    it is planned "as soon as possible" instead of being dropped (and counted as a breach).
    """

    order: Order
    status: OrderStatus
    created_s: int
    released_s: int | None = None
    lock: str | None = None
    carrier: str | None = None
    picked_up_s: int | None = None
    returning: bool = False
    retry: TimeWindow | None = None
    relaxed: bool = False
    attempts: int = 0
    done_s: int | None = None
    returned_s: int | None = None
    delivered_by: str | None = None

    @property
    def id(self) -> str:
        return self.order.id

    @property
    def needs_plan(self) -> bool:
        """Whether a plan must still visit it (open, or on board being taken back)."""
        return self.status not in FINAL or self.carrier is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "order": order_to_json(self.order), "status": self.status.value, "created_s": self.created_s,
            "released_s": self.released_s, "lock": self.lock, "carrier": self.carrier,
            "picked_up_s": self.picked_up_s, "returning": self.returning,
            "retry": [self.retry.start_s, self.retry.end_s] if self.retry is not None else None,
            "relaxed": self.relaxed, "attempts": self.attempts, "done_s": self.done_s,
            "returned_s": self.returned_s, "delivered_by": self.delivered_by,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> OrderState:
        retry = d.get("retry")
        return cls(order=order_from_json(d["order"]), status=OrderStatus(d["status"]), created_s=d["created_s"],
                   released_s=d.get("released_s"), lock=d.get("lock"), carrier=d.get("carrier"),
                   picked_up_s=d.get("picked_up_s"), returning=bool(d.get("returning")),
                   retry=TimeWindow(retry[0], retry[1]) if retry else None, relaxed=bool(d.get("relaxed")),
                   attempts=int(d.get("attempts", 0)), done_s=d.get("done_s"), returned_s=d.get("returned_s"),
                   delivered_by=d.get("delivered_by"))


class Visit(NamedTuple):
    """A planned stop in live terms: ``kind`` is ``"pickup"`` or ``"delivery"`` (for an item being
    taken back, the pharmacy); ``leave_s`` is when the rider leaves for it, ``arrival_s`` when
    they arrive, ``start_s`` when service starts (seconds)."""

    kind: str
    order: str
    leave_s: int
    arrival_s: int
    start_s: int


@dataclass
class RiderState:
    """The live record of one rider: last known position ``location`` from ``time_s`` (seconds)."""

    rider: Rider
    online: bool
    location: Location
    time_s: int
    closing: bool = False
    committed: tuple[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"rider": rider_to_json(self.rider), "online": self.online, "closing": self.closing,
                "location": location_to_json(self.location), "time_s": self.time_s,
                "committed": list(self.committed) if self.committed else None}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> RiderState:
        c = d.get("committed")
        return cls(rider=rider_from_json(d["rider"]), online=bool(d["online"]),
                   location=location_from_json(d["location"]), time_s=int(d["time_s"]),
                   closing=bool(d.get("closing")), committed=(c[0], c[1]) if c else None)


@dataclass(frozen=True)
class RiderDiff:
    """What changed for one rider: orders added to or removed from the route, and whether the
    orders kept are visited in another sequence."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    resequenced: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.resequenced)


@dataclass(frozen=True)
class PlanDiff:
    """Differences between two consecutive plans (only riders with a change are listed)."""

    riders: Mapping[str, RiderDiff] = field(default_factory=dict)
    moved: tuple[str, ...] = ()
    """Orders that changed rider."""
    unassigned: tuple[str, ...] = ()
    """Orders the new plan leaves out."""

    @property
    def changed(self) -> bool:
        return bool(self.riders)


@dataclass(frozen=True)
class Plan:
    """A replan's answer.

    Attributes
    ----------
    now_s : the time of the replan, seconds.
    problem : the live problem (open orders, riders at their current positions and times).
    solution : the plan; ``medroute.check(problem, solution, matrix) == []``.
    matrix : travel matrices over ``problem.locations`` per profile.
    diff : changes against the previous plan.
    stage : the candidate that won (``"keep"`` or the engine's name).
    objective_rp : the winner's objective over the planning problem, Rupiah.
    moves : orders the winner gives to another rider than the previous plan did.
    latency_s : wall-clock time of the replan, seconds.
    notes : what the replan had to bend (relaxed items, dropped commitments, ...).
    """

    now_s: int
    problem: Problem
    solution: Solution
    matrix: Mapping[str, TravelMatrix]
    diff: PlanDiff
    stage: str
    objective_rp: float
    moves: int
    latency_s: float
    notes: tuple[str, ...] = ()

    def route(self, rider: str) -> tuple[Stop, ...]:
        """Rider ``rider``'s planned visits (pickups and deliveries), in order."""
        r = self.solution.route_of(rider)
        return r.visits if r is not None else ()

    def next_stop(self, rider: str) -> Stop | None:
        """What rider ``rider`` should do next, or ``None``."""
        visits = self.route(rider)
        return visits[0] if visits else None


class MatrixLookup:
    """A travel backend over a fixed matrix: rows of known ``locations`` are looked up, no travel
    is computed. Useful with a scenario's precomputed matrix.

    Parameters
    ----------
    locations : the locations the matrix rows stand for.
    matrix : one :class:`TravelMatrix` (every profile) or a mapping profile → matrix.
    """

    name = "lookup"

    def __init__(self, locations: Sequence[Location], matrix: TravelMatrix | Mapping[str, TravelMatrix]) -> None:
        self.index = {loc: i for i, loc in enumerate(locations)}
        self.matrices: Mapping[str, TravelMatrix] | TravelMatrix = matrix

    def matrix(self, locations: Sequence[Location], *, profile: str = "motorbike") -> TravelMatrix:
        mat = self.matrices if isinstance(self.matrices, TravelMatrix) else self.matrices[profile]
        try:
            idx = np.array([self.index[loc] for loc in locations], dtype=np.int64)
        except KeyError as exc:
            raise InvalidMatrixError(f"lookup: location {exc.args[0]} is not in the matrix") from None
        sub = np.ix_(idx, idx)
        return TravelMatrix(mat.durations_s[sub], mat.distances_m[sub], profile=profile)

    def path(self, a: Location, b: Location, *, profile: str = "motorbike") -> list[Location]:
        return [a, b]


class _Matrices:
    """Travel matrices over every location seen so far, per profile, recomputed when the set grows.

    Sub-matrices for a problem are numpy fancy-indexed from the full one (the "cache for the
    location set": a replan over known locations computes no travel at all).
    """

    def __init__(self, fn: MatrixFn) -> None:
        self.fn = fn
        self.locations: list[Location] = []
        self.index: dict[Location, int] = {}
        self.full: dict[str, TravelMatrix] = {}
        self.computed: dict[str, int] = {}
        self.recomputed = 0

    def for_problem(self, problem: Problem) -> dict[str, TravelMatrix]:
        for loc in problem.locations:
            if loc not in self.index:
                self.index[loc] = len(self.locations)
                self.locations.append(loc)
        idx = np.array([self.index[loc] for loc in problem.locations], dtype=np.int64)
        out = {}
        for profile in problem.profiles:
            if self.computed.get(profile) != len(self.locations):
                mat = self.fn(tuple(self.locations), profile)
                if mat.size != len(self.locations):
                    raise InvalidMatrixError(f"dispatch: matrix function returned {mat.size} locations, "
                                             f"asked for {len(self.locations)}")
                self.full[profile] = mat
                self.computed[profile] = len(self.locations)
                self.recomputed += 1
            full = self.full[profile]
            sub = np.ix_(idx, idx)
            out[profile] = TravelMatrix(full.durations_s[sub], full.distances_m[sub], profile=profile)
        return out


def _bump(t: int, windows: Sequence[tuple[int, int]]) -> int | None:
    for a, b in windows:
        if t <= b:
            return max(t, a)
    return None


@dataclass
class _Built:
    """The live problem, the planning problem (commitments folded) and the maps between them."""

    live: Problem
    live_inst: Instance
    live_mats: dict[str, TravelMatrix]
    plan: Problem
    plan_inst: Instance
    first: dict[int, int]
    """Live rider index → live node of its committed stop."""
    notes: list[str]


class Dispatcher:
    """Live state of one service area and replanning after events (see the module docstring).

    Parameters
    ----------
    pharmacies : the pickup sites.
    riders : the roster; each rider is online at ``rider.start`` from ``rider.start_s`` unless
        ``online=False`` (then a :class:`~medroute.events.RiderOnline` event brings them in).
    backend : a :class:`~medroute.travel.TravelBackend` (default :class:`HaversineBackend`).
    matrix_fn : alternatively ``fn(locations, profile) -> TravelMatrix``; wins over ``backend``.
    objective : the costs in Rupiah (default :class:`~medroute.model.Objective`).
    stability_rp : penalty per order moved to another rider by a replan, Rupiah
        (:data:`DEFAULT_STABILITY_RP`); ``0`` disables stability.
    engine : ``"auto"``, ``"ortools"``, ``"pyvrp"``, ``"greedy"``, or ``None`` for the incremental
        insertion alone (fastest).
    seed : random seed passed to the engine.
    incremental : whether the *keep* candidate (previous plan + cheapest insertion) competes.
        With ``False`` the engine's plan is taken whenever it passes the checks.
    commit_within_s : a first stop is committed when the rider must leave within this many
        seconds, seconds.
    online : whether the roster starts online.
    day, timezone, max_trip_m : as in :class:`~medroute.model.Problem` (trip limit in metres).
    """

    def __init__(self, pharmacies: Iterable[Pharmacy], riders: Iterable[Rider], *,
                 backend: TravelBackend | None = None, matrix_fn: MatrixFn | None = None,
                 objective: Objective | None = None, stability_rp: float = DEFAULT_STABILITY_RP,
                 engine: str | None = "auto", seed: int = 0, incremental: bool = True,
                 commit_within_s: int = DEFAULT_COMMIT_WITHIN_S, online: bool = True,
                 day: date | None = None, timezone: str = "Asia/Jakarta",
                 max_trip_m: int | None = MAX_TRIP_M) -> None:
        self.pharmacies: dict[str, Pharmacy] = {p.id: p for p in pharmacies}
        self.riders: dict[str, RiderState] = {
            r.id: RiderState(r, online, r.start, r.start_s) for r in riders}
        self.orders: dict[str, OrderState] = {}
        self.routes: dict[str, list[Visit]] = {}
        self.objective = objective or Objective()
        self.stability_rp = float(stability_rp)
        self.engine = engine
        self.seed = seed
        self.incremental = incremental
        self.commit_within_s = int(commit_within_s)
        self.day = day or date(2026, 1, 5)
        self.timezone = timezone
        self.max_trip_m = max_trip_m
        self.now_s = 0
        self.plan: Plan | None = None
        self.log: list[str] = []
        self._backend = backend
        if matrix_fn is None:
            be: Any = backend if backend is not None else HaversineBackend()

            def fn(locs: Sequence[Location], profile: str) -> TravelMatrix:
                mat: TravelMatrix = be.matrix(locs, profile=profile)
                return mat

            matrix_fn = fn
        self._matrices = _Matrices(matrix_fn)
        self._engine_obj: Any = None
        # Validate the roster as a problem would (duplicate ids, unknown profiles are caught later).
        Problem(pharmacies=tuple(self.pharmacies.values()), orders=(), riders=tuple(r.rider for r in
                                                                                    self.riders.values()))

    # -- events --------------------------------------------------------------------------------------
    def apply(self, event: Event) -> None:
        """Change the live state by ``event`` (no replan). Raises :class:`DispatchError` when the event
        contradicts the state."""
        t = int(event.t_s)
        self.now_s = max(self.now_s, t)
        match event:
            case OrderCreated():
                self._created(t, event)
            case OrderReleased():
                st = self._order(event.order)
                if st.status == OrderStatus.CREATED:
                    st.status, st.released_s = OrderStatus.RELEASED, t
            case OrderCancelled():
                self._cancelled(t, self._order(event.order))
            case RiderOnline():
                self._online(t, event)
            case RiderOffline():
                self._offline(t, self._rider(event.rider))
            case RiderPosition():
                rs = self._rider(event.rider)
                rs.location, rs.time_s = event.location, t
            case PickedUp():
                self._picked_up(t, self._order(event.order), self._rider(event.rider))
            case Delivered():
                self._delivered(t, self._order(event.order))
            case DeliveryFailed():
                self._failed(t, self._order(event.order), event.retry)
            case TravelDelay():
                rs = self._rider(event.rider)
                if event.delay_s < 0:
                    raise DispatchError(f"travel delay for rider {rs.rider.id!r}: delay_s must be >= 0")
                rs.time_s = max(rs.time_s, t) + int(event.delay_s)
            case _:
                raise DispatchError(f"unknown event {event!r}")

    def apply_all(self, events: Iterable[Event]) -> None:
        """Apply ``events`` in order."""
        for e in events:
            self.apply(e)

    def _order(self, oid: str) -> OrderState:
        if oid not in self.orders:
            raise DispatchError(f"order {oid!r}: unknown order")
        return self.orders[oid]

    def _rider(self, rid: str) -> RiderState:
        if rid not in self.riders:
            raise DispatchError(f"rider {rid!r}: unknown rider")
        return self.riders[rid]

    def _created(self, t: int, e: OrderCreated) -> None:
        o = e.order
        if o.id in self.orders:
            raise DispatchError(f"order {o.id!r}: created twice")
        if o.pharmacy not in self.pharmacies:
            raise DispatchError(f"order {o.id!r}: unknown pharmacy {o.pharmacy!r}")
        for rid in (o.rider, o.picked_up_by):
            if rid is not None and rid not in self.riders:
                raise DispatchError(f"order {o.id!r}: unknown rider {rid!r}")
        st = OrderState(order=dataclasses.replace(o, rider=None, picked_up_by=None, picked_up_s=None),
                        status=OrderStatus.RELEASED if e.released else OrderStatus.CREATED, created_s=t,
                        released_s=t if e.released else None, lock=o.rider)
        if o.picked_up_by is not None:
            st.status, st.carrier, st.picked_up_s, st.lock = (OrderStatus.ON_BOARD, o.picked_up_by,
                                                              o.picked_up_s, o.picked_up_by)
        self.orders[o.id] = st

    def _drop_visits(self, oid: str, kind: str | None = None) -> None:
        """Remove ``oid``'s planned stops (of ``kind``) from every route, and commitments to them."""
        for rid, visits in self.routes.items():
            self.routes[rid] = [v for v in visits if not (v.order == oid and (kind is None or v.kind == kind))]
        for rs in self.riders.values():
            if rs.committed is not None and rs.committed[1] == oid and (kind is None or rs.committed[0] == kind):
                rs.committed = None

    def _advance(self, rs: RiderState, t: int) -> None:
        """After a stop is done: commit the next planned stop if the rider must leave for it now."""
        visits = self.routes.get(rs.rider.id, [])
        if rs.committed is None and visits and visits[0].leave_s <= t + self.commit_within_s:
            rs.committed = (visits[0].kind, visits[0].order)

    def _cancelled(self, t: int, st: OrderState) -> None:
        if st.status in FINAL:
            raise DispatchError(f"order {st.id!r}: cancelled after it was {st.status.value}")
        st.status, st.done_s = OrderStatus.CANCELLED, t
        if st.carrier is not None:
            st.returning = True  # the rider takes it back to the pharmacy
            self._drop_visits(st.id)
        else:
            self._drop_visits(st.id)

    def _online(self, t: int, e: RiderOnline) -> None:
        if e.rider not in self.riders:
            if e.spec is None or e.spec.id != e.rider:
                raise DispatchError(f"rider {e.rider!r}: unknown rider (give spec= to add one)")
            self.riders[e.rider] = RiderState(e.spec, True, e.location or e.spec.start, t)
            return
        rs = self.riders[e.rider]
        if e.spec is not None:
            rs.rider = e.spec
        rs.online, rs.closing = True, False
        rs.location = e.location or rs.location
        rs.time_s = max(rs.time_s, t)

    def _offline(self, t: int, rs: RiderState) -> None:
        rid = rs.rider.id
        carried = [s for s in self.orders.values() if s.carrier == rid]
        for st in self.orders.values():
            if st.lock == rid and st.carrier != rid:
                st.lock = None
        if rs.committed is not None and rs.committed[0] == "pickup":
            rs.committed = None
        self.routes[rid] = [v for v in self.routes.get(rid, [])
                            if v.kind == "delivery" and self.orders[v.order].carrier == rid]
        if carried:
            rs.closing = True  # delivers what is on board, takes nothing new
            self.log.append(f"{t}: rider {rid!r} goes offline after delivering {len(carried)} item(s) on board")
        else:
            rs.online, rs.closing, rs.committed = False, False, None
            self.routes.pop(rid, None)

    def _picked_up(self, t: int, st: OrderState, rs: RiderState) -> None:
        rid = rs.rider.id
        if st.status in FINAL or st.carrier is not None:
            raise DispatchError(f"order {st.id!r}: picked up by {rid!r} but it is {st.status.value}"
                                + (f" and on board of {st.carrier!r}" if st.carrier else ""))
        if st.lock is not None and st.lock != rid:
            self.log.append(f"{t}: order {st.id!r} locked to {st.lock!r} was picked up by {rid!r}")
        st.status, st.carrier, st.picked_up_s, st.lock = OrderStatus.ON_BOARD, rid, t, rid
        if st.released_s is None:
            st.released_s = t
        self._drop_visits(st.id, "pickup")
        # the delivery, if planned on another rider, moves to this one at the next replan
        for other, visits in self.routes.items():
            if other != rid:
                self.routes[other] = [v for v in visits if v.order != st.id]
        rs.location, rs.time_s = self.pharmacies[st.order.pharmacy].location, t
        self._advance(rs, t)

    def _carried_by(self, st: OrderState, what: str) -> RiderState:
        if st.carrier is None:
            raise DispatchError(f"order {st.id!r}: {what} but it is not on board ({st.status.value})")
        return self.riders[st.carrier]

    def _delivered(self, t: int, st: OrderState) -> None:
        rs = self._carried_by(st, "delivered")
        if st.returning:
            st.returned_s = t
            rs.location = self.pharmacies[st.order.pharmacy].location
        else:
            st.status, st.done_s, st.delivered_by = OrderStatus.DELIVERED, t, rs.rider.id
            rs.location = st.order.location
        st.carrier = None
        rs.time_s = t
        self._drop_visits(st.id)
        self._after_drop(rs, t)

    def _failed(self, t: int, st: OrderState, retry: TimeWindow | None) -> None:
        rs = self._carried_by(st, "delivery failed")
        if st.returning:
            raise DispatchError(f"order {st.id!r}: a return to the pharmacy cannot fail")
        st.attempts += 1
        rs.location, rs.time_s = st.order.location, t
        self._drop_visits(st.id)
        if retry is not None:
            st.retry = retry
        else:
            st.status, st.done_s, st.returning = OrderStatus.FAILED, t, True
        self._after_drop(rs, t)

    def _after_drop(self, rs: RiderState, t: int) -> None:
        if rs.closing and not any(s.carrier == rs.rider.id for s in self.orders.values()):
            rs.online, rs.closing, rs.committed = False, False, None
            self.routes.pop(rs.rider.id, None)
            return
        self._advance(rs, t)

    def close_day(self, t: int) -> list[str]:
        """End of service at ``t`` (seconds): orders never picked up fail as unserved. Returns their ids.
        Items still on board are left alone (they need a :class:`~medroute.events.Delivered`)."""
        out = []
        for st in self.orders.values():
            if st.status not in FINAL and st.carrier is None:
                st.status, st.done_s = OrderStatus.FAILED, t
                out.append(st.id)
                self._drop_visits(st.id)
        self.now_s = max(self.now_s, t)
        return out

    def lock(self, order: str, rider: str | None) -> None:
        """Lock ``order`` to ``rider`` (``None`` unlocks); an order on board stays with its carrier.

        Another rider's commitment to pick the order up is released (the lock is the newer decision).
        """
        st = self._order(order)
        if rider is not None:
            self._rider(rider)
        if st.carrier is not None and rider != st.carrier:
            raise DispatchError(f"order {order!r} is on board of {st.carrier!r}; it cannot be locked elsewhere")
        st.lock = rider
        for rs in self.riders.values():
            if rider is not None and rs.rider.id != rider and rs.committed == ("pickup", order):
                rs.committed = None
                self.routes[rs.rider.id] = [v for v in self.routes.get(rs.rider.id, []) if v.order != order]

    # -- the live problem ---------------------------------------------------------------------------
    def open_orders(self) -> list[OrderState]:
        """Orders a plan must still visit (open, on board, or being taken back)."""
        return [s for s in self.orders.values() if s.needs_plan]

    def _live_order(self, st: OrderState, now: int, riders: set[str]) -> Order:
        o = st.order
        ph = self.pharmacies[o.pharmacy]
        if st.carrier is not None:
            if st.returning:
                return Order(id=o.id, pharmacy=o.pharmacy, location=ph.location, weight_g=o.weight_g,
                             volume_ml=o.volume_ml, parcels=o.parcels, service_s=ph.handover_s,
                             picked_up_by=st.carrier, picked_up_s=st.picked_up_s, rider=st.carrier)
            kw: dict[str, Any] = {"picked_up_by": st.carrier, "picked_up_s": st.picked_up_s, "rider": st.carrier,
                                  "release_s": min(o.release_s, st.picked_up_s or 0)}
            if st.retry is not None:
                kw |= {"windows": (st.retry,), "latest_s": None}
            if st.relaxed:
                kw |= {"windows": (TimeWindow(0, DAY_END_S),), "latest_s": None, "max_ride_s": None,
                       "temperature": "ambient"}
            return dataclasses.replace(o, **kw)
        release = st.released_s if st.released_s is not None else max(o.release_s, now)
        kw = {"release_s": release, "rider": st.lock if st.lock in riders else None}
        if st.retry is not None:
            kw |= {"windows": (st.retry,), "latest_s": None}
        return dataclasses.replace(o, **kw)

    def _live_riders(self, now: int, overtime: set[str]) -> list[Rider]:
        carrying = {s.carrier for s in self.orders.values() if s.carrier is not None}
        out = []
        for rid, rs in self.riders.items():
            if not (rs.online or rs.closing):
                continue
            r = rs.rider
            start_s = max(rs.time_s, now)
            shift = r.shift
            if start_s > shift.end_s or rid in overtime:
                if rid not in carrying:
                    continue
                shift = TimeWindow(shift.start_s, max(shift.end_s, DAY_END_S, start_s))
            out.append(dataclasses.replace(r, start=rs.location, start_s=start_s, shift=shift,
                                           max_work_s=None if rid in overtime else r.max_work_s))
        return out

    def live_problem(self, now: int | None = None) -> Problem:
        """The open state as a :class:`Problem`: riders at their current positions from
        ``max(last known time, now)``, items on board with their real pickup times, locks."""
        return self._live(self.now_s if now is None else now, set())

    def _live(self, now: int, overtime: set[str]) -> Problem:
        riders = self._live_riders(now, overtime)
        ids = {r.id for r in riders}
        orders = [self._live_order(st, now, ids) for st in self.open_orders()]
        return Problem(pharmacies=tuple(self.pharmacies.values()), orders=tuple(orders), riders=tuple(riders),
                       day=self.day, timezone=self.timezone, objective=self.objective, max_trip_m=self.max_trip_m)

    def _build(self, now: int, overtime: set[str]) -> _Built:
        notes: list[str] = []
        live = self._live(now, overtime)
        mats = self._matrices.for_problem(live)
        inst = compile_problem(live, mats)
        # Carried items that cannot make it even by riding straight there: deliver ASAP.
        changed = False
        for k, o in enumerate(live.orders):
            st = self.orders[o.id]
            r = int(inst.carried_by[k])
            if r < 0 or st.relaxed or st.returning:
                continue
            eta = int(inst.depart[r]) + int(inst.duration(r)[inst.start_loc[r], inst.node_loc[inst.delivery(k)]])
            ws = inst.windows[inst.delivery(k)]
            late = not ws or eta > ws[-1][1]
            spoiled = int(inst.max_ride[k, r]) < eta - int(inst.carried_since[k])
            if late or spoiled:
                st.relaxed, changed = True, True
                notes.append(f"order {o.id!r} on board of {o.picked_up_by!r} can no longer be delivered "
                             f"{'in its window' if late else 'within its out-of-fridge budget'}; delivered ASAP")
        if changed:
            live = self._live(now, overtime)
            mats = self._matrices.for_problem(live)
            inst = compile_problem(live, mats)
        # Fold committed stops into the riders' starting points.
        rindex = {r.id: i for i, r in enumerate(live.riders)}
        for rid, rs in self.riders.items():
            if rid not in rindex and rs.committed is not None:
                rs.committed = None
        oindex = {o.id: k for k, o in enumerate(live.orders)}
        riders = list(live.riders)
        orders: dict[str, Order] = {o.id: o for o in live.orders}
        first: dict[int, int] = {}
        for rid, r in rindex.items():
            rs = self.riders[rid]
            if rs.committed is None:
                continue
            kind, oid = rs.committed
            found = oindex.get(oid)
            k = -1 if found is None else found
            ok = found is not None and (kind == "pickup") == (inst.carried_by[k] < 0) and bool(inst.allowed[k, r])
            if not ok:
                notes.append(f"rider {rid!r}: commitment to {kind} of {oid!r} no longer applies; released")
                rs.committed = None
                continue
            node = inst.pickup(k) if kind == "pickup" else inst.delivery(k)
            loc = int(inst.node_loc[node])
            # Service starts on arrival, or at the planned start if later (a cold pickup may be
            # planned late on purpose so that the out-of-fridge budget reaches the door window).
            visits = self.routes.get(rid, [])
            planned = visits[0].start_s if visits and (visits[0].kind, visits[0].order) == rs.committed else 0
            arrive = int(inst.depart[r]) + int(inst.duration(r)[inst.start_loc[r], loc])
            start = _bump(max(arrive, planned), inst.windows[node])
            cap_ok = kind != "pickup" or bool(np.all(
                inst.demand[inst.carried_by == r].sum(axis=0) + inst.demand[k] <= inst.capacity[r]))
            if start is None or not cap_ok:
                notes.append(f"rider {rid!r}: committed {kind} of {oid!r} cannot be made any more; released")
                rs.committed = None
                continue
            dep = start + int(inst.service[node])
            first[r] = node
            o = live.orders[k]
            riders[r] = dataclasses.replace(riders[r], start=live.locations[loc], start_s=dep,
                                            shift=TimeWindow(riders[r].shift.start_s,
                                                             max(riders[r].shift.end_s, dep)))
            if kind == "pickup":
                orders[oid] = dataclasses.replace(o, picked_up_by=rid, picked_up_s=dep, rider=rid)
            else:
                del orders[oid]
        plan = dataclasses.replace(live, riders=tuple(riders), orders=tuple(orders.values()))
        plan_inst = compile_problem(plan, self._matrices.for_problem(plan))
        # Closing riders and riders in overtime take nothing new.
        no_new = [i for i, r in enumerate(plan.riders) if self.riders[r.id].closing or r.id in overtime]
        if no_new:
            allowed = plan_inst.allowed.copy()
            for i in no_new:
                allowed[:, i] &= plan_inst.carried_by == i
            allowed.setflags(write=False)
            plan_inst = dataclasses.replace(plan_inst, allowed=allowed)
        return _Built(live, inst, mats, plan, plan_inst, first, notes)

    # -- replanning -----------------------------------------------------------------------------------
    def _initial(self, b: _Built) -> list[list[int]]:
        """The current plan as node sequences of the planning problem (committed stops left out)."""
        inst = b.plan_inst
        oindex = {o.id: k for k, o in enumerate(b.plan.orders)}
        out: list[list[int]] = []
        for rider in b.plan.riders:
            seq: list[int] = []
            visits = list(self.routes.get(rider.id, []))
            if self.riders[rider.id].committed is not None and visits and \
                    (visits[0].kind, visits[0].order) == self.riders[rider.id].committed:
                visits = visits[1:]
            for v in visits:
                k = oindex.get(v.order)
                if k is None:
                    continue
                if v.kind == "pickup":
                    if inst.carried_by[k] < 0:
                        seq.append(inst.pickup(k))
                else:
                    seq.append(inst.delivery(k))
            out.append(seq)
        # Items on board the previous plan did not visit (new, failed and retried, returned): their
        # deliveries go last, earliest deadline first; the repair re-times and re-inserts the rest.
        # (The insertion cannot add them one by one: a route times only with all its items delivered.)
        for r, seq in enumerate(out):
            present = {inst.order_of(v) for v in seq if not inst.is_pickup(v)}
            extra = [k for k in range(inst.n) if inst.carried_by[k] == r and k not in present]
            extra.sort(key=lambda k: (min(inst.windows[inst.delivery(k)][-1][1] if inst.windows[inst.delivery(k)]
                                          else 0, int(inst.carried_since[k] + inst.max_ride[k, r])), k))
            seq.extend(inst.delivery(k) for k in extra)
        return out

    def _previous_rider(self) -> dict[str, str]:
        return {v.order: rid for rid, visits in self.routes.items() for v in visits}

    def _engine(self) -> Any:
        if self.engine is None:
            return None
        if self._engine_obj is None or self._engine_obj.name != self.engine:
            self._engine_obj = get_engine(self.engine)
        return self._engine_obj

    def replan(self, now: int | None = None, *, time_budget: float = 1.0) -> Plan:
        """Plan the open state at ``now`` (seconds; default: the latest event time).

        Parameters
        ----------
        now : the time of the replan, seconds from the start of the day.
        time_budget : wall-clock budget of the whole replan, seconds. About 30 % goes to the
            incremental *keep* candidate, the rest (less a reserve for checking) to the engine.

        Returns
        -------
        Plan
            A plan that passes :func:`medroute.check` against :attr:`Plan.problem`; the dispatcher's
            current plan becomes it and first stops due within ``commit_within_s`` are committed.

        Raises
        ------
        DispatchError
            If no candidate passes the checker even with every item on board relaxed (a bug).
        """
        t0 = time.perf_counter()
        at = self.now_s if now is None else int(now)
        self.now_s = max(self.now_s, at)
        deadline = t0 + max(0.05, time_budget)
        overtime: set[str] = set()
        last: list[Violation] | str = ""
        for attempt in range(3):
            b = self._build(at, overtime)
            result = self._solve(b, deadline, final=attempt == 2)
            if isinstance(result, tuple):
                stage, sol, obj, moves = result
                return self._adopt(b, at, stage, sol, obj, moves, time.perf_counter() - t0)
            last = result
            # Items on board that no candidate could deliver: relax them, allow overtime, retry;
            # at the last attempt commitments to pickups are released too.
            if attempt == 1:
                for rs in self.riders.values():
                    if rs.committed is not None and rs.committed[0] == "pickup":
                        self.log.append(f"{at}: rider {rs.rider.id!r}: commitment to pick up "
                                        f"{rs.committed[1]!r} released (no plan kept it)")
                        rs.committed = None
            for st in self.orders.values():
                if st.carrier is not None:
                    if not st.returning:
                        st.relaxed = True
                    overtime.add(st.carrier)
        raise DispatchError(f"dispatch: no plan passes the checker at {at} s: {last}")

    def _solve(self, b: _Built, deadline: float, *, final: bool) -> tuple[str, Solution, float, int] | str:
        inst = b.plan_inst
        prev_rider = self._previous_rider()
        initial = self._initial(b)
        inserter = Inserter(inst)
        left = deadline - time.perf_counter()
        cands: list[tuple[float, str, list[list[int]], dict[int, Reason], float, int]] = []

        def add(stage: str, routes: Sequence[Sequence[int]], reasons: dict[int, Reason]) -> None:
            obj = plan_objective(inst, routes)
            if obj is None:
                return
            moves = 0
            for r, seq in enumerate(routes):
                rid = b.plan.riders[r].id
                for v in seq:
                    if inst.is_pickup(v):
                        before = prev_rider.get(b.plan.orders[inst.order_of(v)].id)
                        moves += before is not None and before != rid
            score = obj + self.stability_rp * COST_SCALE * moves
            cands.append((score, stage, [list(s) for s in routes], reasons, obj / COST_SCALE, moves))

        engine = self._engine()
        if self.incremental or engine is None or final:
            share = 0.3 if engine is not None else 0.9
            routes, reasons, _ = repair(inst, initial, inserter, Deadline(max(0.02, share * left)))
            add("keep", routes, reasons)
        left = deadline - time.perf_counter()
        reserve = min(0.3, 0.1 * (deadline - time.perf_counter() + 0.1)) + 0.02
        if engine is not None and not final and left - reserve > 0.05:
            start = min(cands)[2] if cands else None
            res = engine.solve(inst, stop=MaxRuntime(left - reserve), seed=self.seed, initial=start)
            fixed, reasons, _ = repair(inst, res.routes, inserter, Deadline(max(0.02, reserve / 2)))
            add(engine.name, fixed, {**res.reasons, **reasons})
        if not cands:
            routes, reasons, _ = repair(inst, initial, inserter, Deadline(0.5))
            add("keep", routes, reasons)
        problems = "no candidate times"
        for _score, stage, routes, reasons, obj, moves in sorted(cands, key=lambda c: (c[0], c[1])):
            sol = self._to_live(b, routes, reasons, stage)
            if isinstance(sol, str):
                problems = sol
                continue
            return stage, sol, obj, moves
        return problems

    def _to_live(self, b: _Built, routes: Sequence[Sequence[int]], reasons: Mapping[int, Reason],
                 stage: str) -> Solution | str:
        """Map planning-problem routes back to the live problem, prepend committed stops, check."""
        pi, li = b.plan_inst, b.live_inst
        lindex = {o.id: k for k, o in enumerate(b.live.orders)}
        live_routes: list[list[int]] = [[] for _ in range(li.m)]
        for r in range(li.m):
            seq = [b.first[r]] if r in b.first else []
            for v in routes[r]:
                k = lindex[b.plan.orders[pi.order_of(v)].id]
                seq.append(li.pickup(k) if pi.is_pickup(v) else li.delivery(k))
            live_routes[r] = seq
        served = {li.order_of(v) for s in live_routes for v in s if not li.is_pickup(v)}
        missing = [b.live.orders[k].id for k in range(li.n) if li.carried_by[k] >= 0 and k not in served]
        if missing:
            return f"items on board left out: {missing}"
        live_reasons = {lindex[b.plan.orders[k].id]: why for k, why in reasons.items()}
        try:
            sol = build_solution(li, live_routes, reasons=live_reasons, engine=stage, seed=self.seed)
        except EngineError as exc:
            return str(exc)
        bad = check(b.live, sol, b.live_mats)
        if bad:
            return "; ".join(str(v) for v in bad[:3])
        return sol

    def _adopt(self, b: _Built, now: int, stage: str, sol: Solution, obj: float, moves: int,
               latency: float) -> Plan:
        old = {rid: [(v.kind, v.order) for v in visits] for rid, visits in self.routes.items()}
        new_routes: dict[str, list[Visit]] = {}
        for route in sol.routes:
            visits = [Visit(s.kind.value, s.order or "", s.arrival_s - s.travel_s, s.arrival_s, s.start_s)
                      for s in route.visits]
            if visits:
                new_routes[route.rider] = visits
        self.routes = new_routes
        for route in sol.routes:
            rs = self.riders[route.rider]
            visits = new_routes.get(route.rider, [])
            if rs.committed is None and visits and route.stops[0].departure_s <= now + self.commit_within_s:
                rs.committed = (visits[0].kind, visits[0].order)
        diff = _diff(old, {rid: [(v.kind, v.order) for v in vs] for rid, vs in new_routes.items()},
                     tuple(u.order for u in sol.unassigned))
        plan = Plan(now, b.live, sol, b.live_mats, diff, stage, round(obj, 2), moves, latency, tuple(b.notes))
        self.log.extend(f"{now}: {n}" for n in b.notes)
        self.plan = plan
        return plan

    # -- save / restore -------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """The whole live state (not the travel backend) as a JSON-ready dict."""
        o = self.objective
        return {
            "medroute": "dispatch/1",
            "now_s": self.now_s,
            "config": {"stability_rp": self.stability_rp, "engine": self.engine, "seed": self.seed,
                       "incremental": self.incremental, "commit_within_s": self.commit_within_s,
                       "day": self.day.isoformat(), "timezone": self.timezone, "max_trip_m": self.max_trip_m,
                       "objective": dataclasses.asdict(o)},
            "pharmacies": [pharmacy_to_json(p) for p in self.pharmacies.values()],
            "riders": [rs.to_json() for rs in self.riders.values()],
            "orders": [st.to_json() for st in self.orders.values()],
            "routes": {rid: [list(v) for v in visits] for rid, visits in self.routes.items()},
            "log": list(self.log),
        }

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_json` to ``path`` (atomically: a temporary file, then a rename)."""
        p = Path(path)
        tmp = p.with_suffix(p.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")
        tmp.replace(p)

    @classmethod
    def from_json(cls, source: str | Path | dict[str, Any], *, backend: TravelBackend | None = None,
                  matrix_fn: MatrixFn | None = None) -> Dispatcher:
        """Restore a dispatcher saved by :meth:`to_json` / :meth:`save` (a dict, a JSON string or a
        path). The travel backend is not saved: pass it again."""
        if isinstance(source, dict):
            doc = source
        else:
            text = Path(source).read_text(encoding="utf-8") if isinstance(source, Path) or (
                isinstance(source, str) and not source.lstrip().startswith("{")) else str(source)
            doc = json.loads(text)
        if doc.get("medroute") != "dispatch/1":
            raise SchemaError(f"$.medroute: expected 'dispatch/1', got {doc.get('medroute')!r}")
        cfg = doc["config"]
        d = cls([pharmacy_from_json(p) for p in doc["pharmacies"]], [], backend=backend, matrix_fn=matrix_fn,
                objective=Objective(**cfg["objective"]), stability_rp=cfg["stability_rp"], engine=cfg["engine"],
                seed=cfg["seed"], incremental=cfg["incremental"], commit_within_s=cfg["commit_within_s"],
                day=date.fromisoformat(cfg["day"]), timezone=cfg["timezone"], max_trip_m=cfg["max_trip_m"])
        d.now_s = int(doc["now_s"])
        d.riders = {rs.rider.id: rs for rs in (RiderState.from_json(x) for x in doc["riders"])}
        d.orders = {st.id: st for st in (OrderState.from_json(x) for x in doc["orders"])}
        d.routes = {rid: [Visit(str(v[0]), str(v[1]), int(v[2]), int(v[3]), int(v[4])) for v in visits]
                    for rid, visits in doc["routes"].items()}
        d.log = list(doc.get("log", []))
        return d


def _diff(old: Mapping[str, list[tuple[str, str]]], new: Mapping[str, list[tuple[str, str]]],
          unassigned: tuple[str, ...]) -> PlanDiff:
    """Per rider: orders added, removed, and whether the common stops changed sequence."""
    riders: dict[str, RiderDiff] = {}
    owner_old = {oid: rid for rid, vs in old.items() for _, oid in vs}
    owner_new = {oid: rid for rid, vs in new.items() for _, oid in vs}
    for rid in sorted(set(old) | set(new)):
        a, b = old.get(rid, []), new.get(rid, [])
        ao, bo = list(dict.fromkeys(o for _, o in a)), list(dict.fromkeys(o for _, o in b))
        added = tuple(o for o in bo if o not in set(ao))
        removed = tuple(o for o in ao if o not in set(bo))
        common = set(ao) & set(bo)
        reseq = [v for v in a if v[1] in common] != [v for v in b if v[1] in common]
        d = RiderDiff(added, removed, reseq)
        if d.changed:
            riders[rid] = d
    moved = tuple(sorted(o for o, r in owner_new.items() if o in owner_old and owner_old[o] != r))
    return PlanDiff(riders, moved, unassigned)
