"""The live state of one service area, and the pure function that changes it by an event.

A :class:`DispatchState` is immutable: :func:`apply` returns a new state or raises
:class:`DispatchError` and leaves its input untouched, so an event that contradicts the state
changes nothing (not even the clock), and a reader on another thread always sees a whole state.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from numbers import Integral, Real
from typing import Any, NamedTuple

from ..errors import MedrouteError
from ..events import (
    EVENT_TYPES,
    Delivered,
    DeliveryFailed,
    Event,
    OrderCancelled,
    OrderCreated,
    OrderReleased,
    PickedUp,
    PickupFailed,
    RiderOffline,
    RiderOnline,
    RiderPosition,
    TravelDelay,
)
from ..geo import Location
from ..model import MAX_TIME_S, Order, Pharmacy, Rider, TimeWindow
from ..solution import Solution

DEFAULT_COMMIT_WITHIN_S = 60
"""A rider's first planned stop becomes committed when the rider must leave for it within this
many seconds of the replan (or of finishing the previous stop), seconds."""

DEFAULT_BEHIND_S = 120
"""A :class:`~medroute.events.TravelDelay` of at least this many seconds on a rider with
something on board or a committed stop makes :attr:`DispatchState.replan_due` true, seconds (the
simulator reports legs more than 2 min over plan; :data:`medroute.simulate.DELAY_REPORT_S`)."""


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


@dataclass(frozen=True, slots=True)
class OrderState:
    """The live record of one order. Times in seconds from the start of the day.

    ``carrier`` is set while the item is on board (also while it is taken back: ``returning``).
    ``relaxed`` marks an item on board that can no longer meet its window or out-of-fridge budget
    (or that its carrier cannot legally carry): it is planned "as soon as possible" instead of
    being dropped, and counted as a breach.
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
        """The order's id."""
        return self.order.id

    @property
    def needs_plan(self) -> bool:
        """Whether a plan must still visit it (open, or on board being taken back)."""
        return self.status not in FINAL or self.carrier is not None


class Visit(NamedTuple):
    """A planned stop in live terms: ``kind`` is ``"pickup"`` or ``"delivery"`` (for an item being
    taken back, the pharmacy); ``leave_s`` is when the rider leaves for it, ``arrival_s`` when
    they arrive, ``start_s`` when service starts (seconds)."""

    kind: str
    order: str
    leave_s: int
    arrival_s: int
    start_s: int


@dataclass(frozen=True, slots=True)
class RiderState:
    """The live record of one rider: last known position ``location`` from ``time_s`` (seconds;
    a :class:`~medroute.events.TravelDelay` moves it later); ``closing``: offline once what is on
    board is delivered; ``committed``: the stop ``(kind, order)`` the rider is driving to;
    ``seen``: the event time (seconds) and description of the newest event received that placed
    the rider (a position report, pickup, failed pickup, delivery, ...), which no event stamped
    earlier overrides: such an event does not move the rider; ``presence_s``: the event time
    (seconds) of the newest :class:`~medroute.events.RiderOnline` or
    :class:`~medroute.events.RiderOffline` received, which decides whether the rider is online:
    one of them stamped earlier is logged and ignored."""

    rider: Rider
    online: bool
    location: Location
    time_s: int
    closing: bool = False
    committed: tuple[str, str] | None = None
    seen: tuple[int, str] | None = None
    presence_s: int | None = None

    @property
    def working(self) -> bool:
        """Online, or closing (still delivering what is on board)."""
        return self.online or self.closing


@dataclass(frozen=True)
class DispatchState:
    """Everything the dispatcher knows, at ``now_s`` (the latest event or replan time, seconds).

    ``routes`` is the current plan per rider in live terms; ``replan_due`` is set when an event
    put a working rider behind the plan (see :data:`DEFAULT_BEHIND_S`) or off it (a pickup the
    rider's route does not deliver, a pickup that failed), and cleared by a replan.
    The mappings are never changed in place: every change makes a new state.
    """

    pharmacies: Mapping[str, Pharmacy]
    riders: Mapping[str, RiderState]
    orders: Mapping[str, OrderState] = field(default_factory=dict)
    routes: Mapping[str, tuple[Visit, ...]] = field(default_factory=dict)
    now_s: int = 0
    commit_within_s: int = DEFAULT_COMMIT_WITHIN_S
    behind_s: int = DEFAULT_BEHIND_S
    replan_due: bool = False
    log: tuple[str, ...] = ()

    def open_orders(self) -> list[OrderState]:
        """Orders a plan must still visit (open, on board, or being taken back)."""
        return [s for s in self.orders.values() if s.needs_plan]

    def carried_by(self, rider: str) -> list[OrderState]:
        """What ``rider`` has on board."""
        return [s for s in self.orders.values() if s.carrier == rider]


def initial_state(pharmacies: Iterable[Pharmacy], riders: Iterable[Rider], *, online: bool = True,
                  commit_within_s: int = DEFAULT_COMMIT_WITHIN_S, behind_s: int = DEFAULT_BEHIND_S) -> DispatchState:
    """A state with no orders: every rider at ``rider.start`` from ``rider.start_s``."""
    return DispatchState(pharmacies={p.id: p for p in pharmacies},
                         riders={r.id: RiderState(r, online, r.start, r.start_s) for r in riders},
                         commit_within_s=int(commit_within_s), behind_s=int(behind_s))


# -- validation of event fields -------------------------------------------------------------------

def seconds(value: object, what: str) -> int:
    """``value`` as whole seconds in ``0..MAX_TIME_S``, or :class:`DispatchError` naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise DispatchError(f"{what}: must be a number of seconds, got {value!r}")
    if isinstance(value, Integral):
        t = int(value)
    elif math.isfinite(float(value)):
        t = round(float(value))
    else:
        raise DispatchError(f"{what}: must be a finite number of seconds, got {value!r}")
    if not 0 <= t <= MAX_TIME_S:
        raise DispatchError(f"{what}: must be in 0..{MAX_TIME_S} s (100 days), got {value!r}")
    return t


def _need(value: object, cls: type[Any] | tuple[type[Any], ...], what: str) -> None:
    if not isinstance(value, cls):
        raise DispatchError(f"{what}: got {value!r}")


# -- the transition -------------------------------------------------------------------------------

class _Change:
    """A state being changed: copies of the mappings, frozen again by :meth:`done`."""

    def __init__(self, state: DispatchState) -> None:
        self.base = state
        self.riders = dict(state.riders)
        self.orders = dict(state.orders)
        self.routes = dict(state.routes)
        self.log: list[str] = []
        self.replan_due = state.replan_due

    def order(self, oid: object) -> OrderState:
        if not isinstance(oid, str) or oid not in self.orders:
            raise DispatchError(f"order {oid!r}: unknown order")
        return self.orders[oid]

    def rider(self, rid: object) -> RiderState:
        if not isinstance(rid, str) or rid not in self.riders:
            raise DispatchError(f"rider {rid!r}: unknown rider")
        return self.riders[rid]

    def set_order(self, st: OrderState, **changes: Any) -> OrderState:
        new = dataclasses.replace(st, **changes)
        self.orders[st.id] = new
        return new

    def set_rider(self, rs: RiderState, **changes: Any) -> RiderState:
        new = dataclasses.replace(rs, **changes)
        self.riders[rs.rider.id] = new
        return new

    def place(self, rid: str, location: Location, t: int, what: str) -> None:
        """Rider ``rid`` is at ``location`` at ``t`` by an event described as ``what``, unless an
        event received earlier placed them later: the rider then stays where and when that newer
        event left them (the late event's fact is applied by the caller), and it is logged."""
        rs = self.riders[rid]
        if rs.seen is not None and t < rs.seen[0]:
            self.log.append(f"{t}: rider {rid!r}: the {what} at {t} s arrived after the {rs.seen[1]} at "
                            f"{rs.seen[0]} s; the rider stays at the newer place")
            return
        self.set_rider(rs, location=location, time_s=t, seen=(t, what))

    def drop_visits(self, oid: str, kind: str | None = None) -> None:
        """Remove ``oid``'s planned stops (of ``kind``) from every route, and commitments to them."""
        for rid, visits in self.routes.items():
            if any(v.order == oid for v in visits):
                self.routes[rid] = tuple(v for v in visits if not (v.order == oid and kind in (None, v.kind)))
        for rs in list(self.riders.values()):
            c = rs.committed
            if c is not None and c[1] == oid and kind in (None, c[0]):
                self.set_rider(rs, committed=None)

    def advance(self, rid: str, t: int) -> None:
        """After a stop is done at ``t``: commit the next planned stop if the rider must leave for
        it within ``commit_within_s`` of the later of ``t`` and the clock (a stop reported late
        commits what a replan at the clock would)."""
        rs = self.riders[rid]
        visits = self.routes.get(rid, ())
        now = max(t, self.base.now_s)
        if rs.committed is None and visits and visits[0].leave_s <= now + self.base.commit_within_s:
            self.set_rider(rs, committed=(visits[0].kind, visits[0].order))

    def after_drop(self, rid: str, t: int) -> None:
        """A closing rider with nothing left on board goes offline; anyone else moves on."""
        rs = self.riders[rid]
        if rs.closing and not any(s.carrier == rid for s in self.orders.values()):
            self.set_rider(rs, online=False, closing=False, committed=None)
            self.routes.pop(rid, None)
            return
        self.advance(rid, t)

    def done(self, now: int) -> DispatchState:
        return dataclasses.replace(self.base, riders=self.riders, orders=self.orders, routes=self.routes,
                                   now_s=max(self.base.now_s, now), replan_due=self.replan_due,
                                   log=self.base.log + tuple(self.log))


def apply(state: DispatchState, event: Event) -> DispatchState:
    """The state after ``event``; ``state`` itself is not changed.

    Raises
    ------
    DispatchError
        If ``event`` is not a dispatch event, has a bad field (negative or non-finite time,
        unknown id), or contradicts the state (delivering what is not on board, a pickup by an
        offline rider, ...). The state is then unchanged.
    """
    if type(event) not in EVENT_TYPES.values():
        raise DispatchError(f"not a dispatch event: {event!r}")
    t = seconds(event.t_s, f"{event.kind} event: t_s")
    c = _Change(state)
    match event:
        case OrderCreated():
            _created(c, t, event)
        case OrderReleased():
            _released(c, t, c.order(event.order))
        case OrderCancelled():
            _cancelled(c, t, c.order(event.order))
        case RiderOnline():
            _online(c, t, event)
        case RiderOffline():
            _offline(c, t, c.rider(event.rider))
        case RiderPosition():
            _position(c, t, c.rider(event.rider), event.location)
        case PickedUp():
            _picked_up(c, t, c.order(event.order), c.rider(event.rider))
        case PickupFailed():
            _pickup_failed(c, t, c.order(event.order), c.rider(event.rider), event.reason)
        case Delivered():
            _delivered(c, t, c.order(event.order))
        case DeliveryFailed():
            _failed(c, t, c.order(event.order), event.retry)
        case TravelDelay():
            _delayed(c, t, c.rider(event.rider), event.delay_s)
    return c.done(t)


def _created(c: _Change, t: int, e: OrderCreated) -> None:
    o = e.order
    _need(o, Order, "order_created event: order must be an Order")
    if o.id in c.orders:
        raise DispatchError(f"order {o.id!r}: created twice")
    if o.pharmacy not in c.base.pharmacies:
        raise DispatchError(f"order {o.id!r}: unknown pharmacy {o.pharmacy!r}")
    for rid in (o.rider, o.picked_up_by):
        if rid is not None and rid not in c.riders:
            raise DispatchError(f"order {o.id!r}: unknown rider {rid!r}")
    if o.rider is not None and o.picked_up_by is None and not _takes_orders(c.riders[o.rider]):
        raise DispatchError(f"order {o.id!r}: locked to rider {o.rider!r}, who takes no new orders")
    st = OrderState(order=dataclasses.replace(o, rider=None, picked_up_by=None, picked_up_s=None),
                    status=OrderStatus.RELEASED if e.released else OrderStatus.CREATED, created_s=t,
                    released_s=t if e.released else None, lock=o.rider)
    c.orders[o.id] = st
    if o.picked_up_by is not None and o.picked_up_s is not None:  # the model sets both or neither
        carrier = c.riders[o.picked_up_by]
        _need_working(carrier, f"order {o.id!r}: imported on board of")
        picked = o.picked_up_s
        stated = o.release_s if st.released_s is None else max(o.release_s, st.released_s)
        if stated > picked:  # the earliest evidence wins, as for a pickup before its release
            c.log.append(f"{t}: order {o.id!r}: imported on board, picked up at {picked} s, before its release at "
                         f"{stated} s; released at {picked} s (the pickup shows the medicine was ready)")
        c.set_order(st, order=dataclasses.replace(st.order, release_s=min(o.release_s, picked)),
                    status=OrderStatus.ON_BOARD, carrier=carrier.rider.id, picked_up_s=picked, lock=carrier.rider.id,
                    released_s=picked if st.released_s is None else min(st.released_s, picked))


def _released(c: _Change, t: int, st: OrderState) -> None:
    """The medicine is ready from ``t``: the earliest report of it wins, a pickup being one. A
    report stamped before the order was created is refused, unless the order was picked up by then
    (imported on board: the medicine was ready before the order was known)."""
    if st.picked_up_s is None or st.picked_up_s > st.created_s:
        _after_creation(st, "released", t)
    if st.status == OrderStatus.CREATED:
        c.set_order(st, status=OrderStatus.RELEASED, released_s=t)
    elif st.released_s is not None and t < st.released_s:
        c.log.append(f"{t}: order {st.id!r}: released at {t} s, before the release known at {st.released_s} s; "
                     f"released at {t} s")
        c.set_order(st, released_s=t)


def _takes_orders(rs: RiderState) -> bool:
    return rs.online and not rs.closing


def _need_working(rs: RiderState, what: str) -> None:
    if not rs.working:
        raise DispatchError(f"{what} rider {rs.rider.id!r}, who is offline (a RiderOnline must come first)")


def _cancelled(c: _Change, t: int, st: OrderState) -> None:
    if st.status in FINAL:
        raise DispatchError(f"order {st.id!r}: cancelled after it was {st.status.value}")
    # On board: the rider takes it back to the pharmacy.
    c.set_order(st, status=OrderStatus.CANCELLED, done_s=t, returning=st.carrier is not None)
    c.drop_visits(st.id)


def _online(c: _Change, t: int, e: RiderOnline) -> None:
    if e.location is not None:
        _need(e.location, Location, f"rider {e.rider!r}: location must be a Location")
    if e.spec is not None:
        _need(e.spec, Rider, f"rider {e.rider!r}: spec must be a Rider")
        if e.spec.id != e.rider:
            raise DispatchError(f"rider {e.rider!r}: spec is for rider {e.spec.id!r}; the ids must match")
    if not isinstance(e.rider, str) or e.rider not in c.riders:
        if e.spec is None:
            raise DispatchError(f"rider {e.rider!r}: unknown rider (give spec= to add one)")
        seen = (t, "online report") if e.location is not None else None
        c.riders[e.rider] = RiderState(e.spec, True, e.location or e.spec.start, t, seen=seen, presence_s=t)
        return
    rs = c.riders[e.rider]
    if _superseded(c, rs, t, "online report"):
        return
    rs = c.set_rider(rs, rider=e.spec or rs.rider, online=True, closing=False, presence_s=t)
    if e.location is None:
        c.set_rider(rs, time_s=max(rs.time_s, t))
    elif rs.seen is not None and t < rs.seen[0]:
        c.log.append(f"{t}: rider {e.rider!r}: stale location in the online report at {t} s ignored "
                     f"(the {rs.seen[1]} at {rs.seen[0]} s is newer)")
    else:
        c.set_rider(rs, location=e.location, time_s=max(rs.time_s, t), seen=(t, "online report"))


def _superseded(c: _Change, rs: RiderState, t: int, what: str) -> bool:
    """Whether an online or offline report at ``t`` is older than the newest one received (then it
    is logged, and the caller ignores it)."""
    if rs.presence_s is None or t >= rs.presence_s:
        return False
    newer = "online report" if rs.online else "offline report"
    c.log.append(f"{t}: rider {rs.rider.id!r}: the {what} at {t} s arrived after the {newer} at "
                 f"{rs.presence_s} s; ignored")
    return True


def _offline(c: _Change, t: int, rs: RiderState) -> None:
    rid = rs.rider.id
    if _superseded(c, rs, t, "offline report"):
        return
    rs = c.set_rider(rs, presence_s=t)
    if not rs.working:
        return
    for st in list(c.orders.values()):
        if st.lock == rid and st.carrier != rid:
            c.set_order(st, lock=None)
    carried = {s.id for s in c.orders.values() if s.carrier == rid}
    c.routes[rid] = tuple(v for v in c.routes.get(rid, ()) if v.kind == "delivery" and v.order in carried)
    committed = rs.committed if rs.committed is not None and rs.committed[0] == "delivery" else None
    if carried:
        c.set_rider(rs, committed=committed, closing=True)  # delivers what is on board, takes nothing new
        c.log.append(f"{t}: rider {rid!r} goes offline after delivering {len(carried)} item(s) on board")
    else:
        c.set_rider(rs, online=False, closing=False, committed=None)
        c.routes.pop(rid, None)


def _position(c: _Change, t: int, rs: RiderState, location: Location) -> None:
    """A position report moves the rider unless an event received earlier placed them later."""
    rid = rs.rider.id
    _need(location, Location, f"rider {rid!r}: position must be a Location")
    if rs.seen is not None and t < rs.seen[0]:
        c.log.append(f"{t}: rider {rid!r}: stale position report at {t} s ignored "
                     f"(the {rs.seen[1]} at {rs.seen[0]} s is newer)")
        return
    c.place(rid, location, t, "position report")


def _picked_up(c: _Change, t: int, st: OrderState, rs: RiderState) -> None:
    rid = rs.rider.id
    if st.status in FINAL or st.carrier is not None:
        raise DispatchError(f"order {st.id!r}: picked up by {rid!r} but it is {st.status.value}"
                            + (f" and on board of {st.carrier!r}" if st.carrier else ""))
    _need_working(rs, f"order {st.id!r}: picked up by")
    _after_creation(st, "picked up", t)
    if st.lock is not None and st.lock != rid:
        c.log.append(f"{t}: order {st.id!r} locked to {st.lock!r} was picked up by {rid!r}")
    if st.released_s is not None and t < st.released_s:
        c.log.append(f"{t}: order {st.id!r}: picked up at {t} s, before its release at {st.released_s} s; "
                     f"released at {t} s (the pickup shows the medicine was ready)")
    c.set_order(st, status=OrderStatus.ON_BOARD, carrier=rid, picked_up_s=t, lock=rid,
                released_s=t if st.released_s is None else min(st.released_s, t))
    c.drop_visits(st.id, "pickup")
    # The delivery, if planned on another rider, moves to this one at the next replan.
    for other, visits in list(c.routes.items()):
        if other != rid and any(v.order == st.id for v in visits):
            c.routes[other] = tuple(v for v in visits if v.order != st.id)
    for other_rs in list(c.riders.values()):
        if other_rs.rider.id != rid and other_rs.committed is not None and other_rs.committed[1] == st.id:
            c.set_rider(other_rs, committed=None)
    c.place(rid, c.base.pharmacies[st.order.pharmacy].location, t, f"pickup of {st.id!r}")
    if any(v.order == st.id for v in c.routes.get(rid, ())):
        c.advance(rid, t)
    else:  # picked up off the plan (a released commitment): the rest of the route was planned elsewhere
        c.replan_due = True


def _pickup_failed(c: _Change, t: int, st: OrderState, rs: RiderState, reason: object) -> None:
    rid = rs.rider.id
    if st.status in FINAL or st.carrier is not None:
        raise DispatchError(f"order {st.id!r}: pickup failed for {rid!r} but it is {st.status.value}"
                            + (f" and on board of {st.carrier!r}" if st.carrier else ""))
    _need_working(rs, f"order {st.id!r}: pickup failed for")
    _after_creation(st, "pickup failed", t)
    _need(reason, str, f"order {st.id!r}: the reason a pickup failed must be a string")
    c.drop_visits(st.id)
    c.place(rid, c.base.pharmacies[st.order.pharmacy].location, t, f"failed pickup of {st.id!r}")
    c.log.append(f"{t}: rider {rid!r} could not pick up {st.id!r}" + (f" ({reason})" if reason else ""))
    c.replan_due = True


def _after_creation(st: OrderState, what: str, t: int) -> None:
    if t < st.created_s:
        raise DispatchError(f"order {st.id!r}: {what} at {t} s, before the order was created at {st.created_s} s "
                            "(check the event's time: it cannot precede its order)")


def _carrier(c: _Change, st: OrderState, what: str, t: int) -> RiderState:
    if st.carrier is None:
        raise DispatchError(f"order {st.id!r}: {what} but it is not on board ({st.status.value})")
    if st.picked_up_s is not None and t < st.picked_up_s:
        raise DispatchError(f"order {st.id!r}: {what} at {t} s, before its pickup at {st.picked_up_s} s")
    return c.riders[st.carrier]


def _delivered(c: _Change, t: int, st: OrderState) -> None:
    rs = _carrier(c, st, "delivered", t)
    if st.returning:
        c.set_order(st, returned_s=t, carrier=None)
        c.place(rs.rider.id, c.base.pharmacies[st.order.pharmacy].location, t, f"return of {st.id!r}")
    else:
        c.set_order(st, status=OrderStatus.DELIVERED, done_s=t, delivered_by=rs.rider.id, carrier=None)
        c.place(rs.rider.id, st.order.location, t, f"delivery of {st.id!r}")
    c.drop_visits(st.id)
    c.after_drop(rs.rider.id, t)


def _failed(c: _Change, t: int, st: OrderState, retry: TimeWindow | None) -> None:
    rs = _carrier(c, st, "delivery failed", t)
    if st.returning:
        raise DispatchError(f"order {st.id!r}: a return to the pharmacy cannot fail")
    if retry is not None:
        _need(retry, TimeWindow, f"order {st.id!r}: retry must be a TimeWindow")
        c.set_order(st, attempts=st.attempts + 1, retry=retry)
    else:
        c.set_order(st, attempts=st.attempts + 1, status=OrderStatus.FAILED, done_s=t, returning=True)
    c.place(rs.rider.id, st.order.location, t, f"failed delivery of {st.id!r}")
    c.drop_visits(st.id)
    c.after_drop(rs.rider.id, t)


def _delayed(c: _Change, t: int, rs: RiderState, delay: object) -> None:
    d = seconds(delay, f"travel delay for rider {rs.rider.id!r}: delay_s")
    c.set_rider(rs, time_s=seconds(max(rs.time_s, t) + d, f"travel delay for rider {rs.rider.id!r}: the new time"))
    busy = rs.committed is not None or any(s.carrier == rs.rider.id for s in c.orders.values())
    if rs.working and busy and d >= c.base.behind_s:
        c.replan_due = True


def lock(state: DispatchState, order: str, rider: str | None) -> DispatchState:
    """The state with ``order`` locked to ``rider`` (``None`` unlocks).

    Another rider's commitment to pick the order up is released (the lock is the newer decision).

    Raises
    ------
    DispatchError
        Unknown order or rider, a rider who is not online (or is closing), or an order on board of
        another rider.
    """
    c = _Change(state)
    st = c.order(order)
    if rider is not None and not _takes_orders(c.rider(rider)):
        raise DispatchError(f"order {order!r}: cannot be locked to rider {rider!r}, who takes no new orders")
    if st.carrier is not None and rider != st.carrier:
        raise DispatchError(f"order {order!r} is on board of {st.carrier!r}; it cannot be locked elsewhere")
    if st.status in FINAL:
        raise DispatchError(f"order {order!r}: cannot be locked, it is {st.status.value}")
    c.set_order(st, lock=rider)
    if rider is not None:
        for rs in list(c.riders.values()):
            if rs.rider.id != rider and rs.committed == ("pickup", order):
                c.set_rider(rs, committed=None)
            if rs.rider.id != rider and any(v.order == order for v in c.routes.get(rs.rider.id, ())):
                c.routes[rs.rider.id] = tuple(v for v in c.routes[rs.rider.id] if v.order != order)
    return c.done(state.now_s)


def commit_due(state: DispatchState, now: int) -> tuple[DispatchState, list[str]]:
    """The state at ``now`` with the first planned stop of every working rider who has none
    committed, and must leave for it within ``commit_within_s``, committed: what a replan at
    ``now`` would commit, without replanning. Time passing commits nothing else, so between
    events a service calls this (or replans) to keep riders moving: a rider waiting for a retry
    window an hour away is committed when the window comes near.

    As for a replan, a ``now`` before the clock (``state.now_s``) commits at the clock, and a later
    one becomes the clock when something is committed.

    Returns the new state (``state`` itself when nothing was due) and the riders committed.
    """
    t = max(seconds(now, "commit_due: now"), state.now_s)
    c = _Change(state)
    out = []
    for rid, rs in state.riders.items():
        if rs.working:
            c.advance(rid, t)
            if c.riders[rid].committed != rs.committed:
                out.append(rid)
    return (c.done(t) if out else state), out


def close_day(state: DispatchState, t: int) -> tuple[DispatchState, list[str]]:
    """End of service at ``t`` (seconds): orders never picked up fail as unserved.

    Returns the new state and their ids. Items still on board are left alone (they need a
    :class:`~medroute.events.Delivered`).
    """
    t = seconds(t, "close_day: t")
    c = _Change(state)
    out = []
    for st in list(c.orders.values()):
        if st.status not in FINAL and st.carrier is None:
            c.set_order(st, status=OrderStatus.FAILED, done_s=t)
            out.append(st.id)
            c.drop_visits(st.id)
    return c.done(t), out


def adopt(state: DispatchState, solution: Solution, *, now: int, relaxed: Collection[str],
          committed: Mapping[str, tuple[str, str]], notes: Sequence[str]) -> DispatchState:
    """The state with ``solution`` as the current plan.

    Commitments are those the replan kept (``committed``, by rider), plus each rider's first stop
    when the rider must leave for it within ``commit_within_s`` of ``now``. ``relaxed`` orders are
    marked, ``notes`` logged, and :attr:`DispatchState.replan_due` cleared.
    """
    c = _Change(state)
    c.routes = {}
    for r in solution.routes:
        visits = tuple(Visit(s.kind.value, s.order or "", s.arrival_s - s.travel_s, s.arrival_s, s.start_s)
                       for s in r.visits)
        if visits:
            c.routes[r.rider] = visits
    for rid, rs in list(c.riders.items()):
        keep = committed.get(rid)
        visits = c.routes.get(rid, ())
        route = solution.route_of(rid)
        if keep is None and visits and route is not None and route.stops[0].departure_s <= now + state.commit_within_s:
            keep = (visits[0].kind, visits[0].order)
        if keep != rs.committed:
            c.set_rider(rs, committed=keep)
    for oid in relaxed:
        if oid in c.orders and not c.orders[oid].relaxed:
            c.set_order(c.orders[oid], relaxed=True)
    c.log.extend(f"{now}: {n}" for n in notes)
    c.replan_due = False
    return c.done(now)


def relax_all(state: DispatchState, now: int, *,
              release_pickups: bool) -> tuple[DispatchState, tuple[str, ...]]:
    """The state with every item on board relaxed (planned as soon as possible) and, with
    ``release_pickups``, every commitment to a pickup released: what a replan bends when no
    candidate passes the checker.

    Returns the new state and what was bent, one note per item or commitment (each also logged,
    stamped ``now``).
    """
    c = _Change(state)
    notes = []
    for st in list(c.orders.values()):
        if st.carrier is not None and not st.returning and not st.relaxed:
            notes.append(f"order {st.id!r} on board of {st.carrier!r}: no plan delivers everything on board "
                         "by the rules; delivered as soon as possible")
            c.set_order(st, relaxed=True)
    if release_pickups:
        for rs in list(c.riders.values()):
            if rs.committed is not None and rs.committed[0] == "pickup":
                notes.append(f"rider {rs.rider.id!r}: commitment to pick up {rs.committed[1]!r} released "
                             "(no plan kept it)")
                c.set_rider(rs, committed=None)
    c.log.extend(f"{now}: {n}" for n in notes)
    return c.done(state.now_s), tuple(notes)
