"""Dispatcher conformance: a scripted day with every event type, and property tests of the invariants.

Every plan the Dispatcher returns is checked with :func:`medroute.check` against the live problem.
The helpers at the top (a tiny service area in Banyuwangi and a rider "driver") are shared with
``test_dispatch.py``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medroute import CoolBox, Location, Order, Pharmacy, Rider, TimeWindow, check
from medroute.dispatch import Dispatcher, OrderStatus, Plan
from medroute.events import (
    EVENT_TYPES,
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
)

H = 3600
BLAMBANGAN = Pharmacy("blambangan", Location(-8.2192, 114.3691), name="RSUD Blambangan")
GENTENG = Pharmacy("genteng", Location(-8.3667, 114.1500), name="RSUD Genteng")
PHARMACIES = (BLAMBANGAN, GENTENG)


def rider(i: int, *, cool: bool = True, start_s: int = 8 * H) -> Rider:
    base = BLAMBANGAN if i % 2 == 0 else GENTENG
    return Rider(f"r{i}", base.location, start_s=start_s, shift=TimeWindow(8 * H, 18 * H),
                 coolbox=CoolBox() if cool else None)


def order(i: int, *, release_s: int = 9 * H, cold: bool = False, pharmacy: str | None = None,
          window: TimeWindow | None = None, rider_lock: str | None = None) -> Order:
    ph = pharmacy or ("blambangan" if i % 2 == 0 else "genteng")
    base = BLAMBANGAN if ph == "blambangan" else GENTENG
    # patients on a small deterministic spiral around the pharmacy (≤ ~8 km)
    dlat = ((i * 37) % 17 - 8) * 0.004
    dlon = ((i * 53) % 19 - 9) * 0.004
    return Order(f"o{i}", ph, Location(base.location.lat + dlat, base.location.lon + dlon), release_s=release_s,
                 temperature="refrigerated" if cold else "ambient",
                 windows=(window,) if window is not None else (TimeWindow(0, 24 * H),), rider=rider_lock)


def dispatcher(n_riders: int = 3, *, engine: str | None = None, commit_within_s: int = 60,
               **kw: object) -> Dispatcher:
    return Dispatcher(PHARMACIES, [rider(i) for i in range(n_riders)], engine=engine,
                      commit_within_s=commit_within_s, **kw)  # type: ignore[arg-type]


def do_committed(d: Dispatcher, rid: str, t: int) -> int | None:
    """Carry out rider ``rid``'s committed stop at the earliest of ``t`` and its planned start.

    Returns the time the stop finished, or ``None`` if the rider has no committed stop.
    """
    rs = d.riders[rid]
    if rs.committed is None:
        return None
    kind, oid = rs.committed
    visits = d.routes.get(rid, [])
    planned = visits[0].start_s if visits and (visits[0].kind, visits[0].order) == rs.committed else t
    when = max(t, planned, d.now_s)
    st = d.orders[oid]
    if kind == "pickup":
        if st.status == OrderStatus.CREATED:
            d.apply(OrderReleased(when, oid))
        when += d.pharmacies[st.order.pharmacy].handover_s
        d.apply(PickedUp(when, oid, rid))
    else:
        when += st.order.service_s
        d.apply(Delivered(when, oid))
    return when


def assert_plan_ok(d: Dispatcher, plan: Plan, committed_before: dict[str, tuple[str, str] | None]) -> None:
    """The invariants every plan keeps (checked after every replan)."""
    assert check(plan.problem, plan.solution, plan.matrix) == []
    planned = {o.id for o in plan.problem.orders}
    open_ids = {s.id for s in d.open_orders()}
    assert planned == open_ids, "the live problem holds exactly the open orders"
    routed = set(plan.solution.served)
    unassigned = {u.order for u in plan.solution.unassigned}
    assert routed | unassigned == open_ids and not routed & unassigned, "nothing lost"
    for st_ in d.orders.values():
        if st_.carrier is not None:
            route = plan.solution.route_of(st_.carrier)
            assert route is not None and st_.id in route.orders, f"{st_.id} on board stays with its rider"
        elif st_.lock is not None and st_.id in routed:
            route = plan.solution.route_of(st_.lock)
            assert route is not None and any(v.order == st_.id for v in route.visits), f"{st_.id} stays locked"
    for rid, c in committed_before.items():
        if c is None:
            continue
        nxt = plan.next_stop(rid)
        assert nxt is not None and (nxt.kind.value, nxt.order) == c, f"rider {rid}: committed stop {c} stays first"


def replan(d: Dispatcher, t: int, budget: float = 0.3) -> Plan:
    before = {rid: rs.committed for rid, rs in d.riders.items()}
    plan = d.replan(t, time_budget=budget)
    assert_plan_ok(d, plan, before)
    return plan


def drive_to_end(d: Dispatcher, t: int, budget: float = 0.3, max_rounds: int = 400) -> int:
    """Replan and carry out committed stops until no rider has anything left to do."""
    for _ in range(max_rounds):
        plan = replan(d, t, budget)
        moved = False
        for rid in sorted(d.riders):
            done = do_committed(d, rid, t)
            if done is not None:
                t, moved = max(t, done), True
        if not moved:
            # nobody must leave yet: jump to the next departure, or stop when nothing is planned
            starts = [r.stops[0].departure_s for r in plan.solution.routes if r.visits]
            if not starts:
                return t
            t = max(t + 60, min(starts) - d.commit_within_s)
    raise AssertionError("the day did not end")


ENGINES = [None, "greedy", "ortools", "auto"]


@pytest.mark.parametrize("engine", ENGINES)
def test_scripted_day_with_every_event(engine: str | None) -> None:
    d = dispatcher(3, engine=engine, commit_within_s=600)
    applied: set[str] = set()
    apply = d.apply

    def record(event: Event) -> None:
        applied.add(type(event).__name__)
        apply(event)

    d.apply = record  # type: ignore[method-assign]
    t = 8 * H + 30 * 60
    for i in range(6):
        d.apply(OrderCreated(t, order(i, release_s=9 * H + 300 * i, cold=i == 3)))
    d.apply(OrderCreated(t, order(6, release_s=9 * H, rider_lock="r2")))
    replan(d, t)
    t = 9 * H
    d.apply(OrderReleased(t, "o0"))
    d.apply(OrderReleased(t, "o6"))
    d.apply(RiderPosition(t, "r1", GENTENG.location))
    d.apply(RiderOnline(t, "r3", location=BLAMBANGAN.location, spec=rider(3)))
    replan(d, t)
    d.apply(OrderCancelled(t + 60, "o5"))
    d.apply(TravelDelay(t + 60, "r0", 600))
    replan(d, t + 60)
    # everybody does two stops, one delivery fails with a retry window, one with a return
    for _ in range(3):
        for rid in sorted(d.riders):
            done = do_committed(d, rid, d.now_s)
            if done is not None:
                replan(d, d.now_s)
    on_board = [s for s in d.orders.values() if s.carrier is not None and not s.returning]
    assert on_board, "the script needs something on board"
    d.apply(DeliveryFailed(d.now_s + 60, on_board[0].id, retry=TimeWindow(15 * H, 17 * H)))
    replan(d, d.now_s)
    if len(on_board) > 1:
        d.apply(DeliveryFailed(d.now_s + 60, on_board[1].id))
        replan(d, d.now_s)
    d.apply(OrderCreated(d.now_s, order(7, release_s=d.now_s, cold=True), released=True))
    d.apply(RiderOffline(d.now_s, "r1"))
    replan(d, d.now_s)
    end = drive_to_end(d, d.now_s)
    assert not d.riders["r1"].online
    unserved = d.close_day(end)
    assert all(s.status.value in ("delivered", "failed", "cancelled") for s in d.orders.values())
    assert all(s.carrier is None for s in d.orders.values())
    assert d.orders["o5"].status.value == "cancelled"
    assert len(unserved) <= 1
    assert applied == {cls.__name__ for cls in EVENT_TYPES.values()}, "every event type was applied"


# -- property tests ---------------------------------------------------------------------------

OPS = st.lists(st.one_of(
    st.tuples(st.just("create"), st.booleans(), st.booleans()),
    st.tuples(st.just("release"), st.integers(0, 20)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("advance"), st.integers(0, 3)),
    st.tuples(st.just("fail"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("delay"), st.integers(0, 3), st.integers(0, 1800)),
    st.tuples(st.just("position"), st.integers(0, 3)),
    st.tuples(st.just("offline"), st.integers(0, 3)),
    st.tuples(st.just("online"), st.integers(0, 3)),
    st.tuples(st.just("lock"), st.integers(0, 20), st.integers(0, 3)),
    st.tuples(st.just("replan"),),
), min_size=1, max_size=25)


@settings(max_examples=40, deadline=None)
@given(ops=OPS, commit=st.sampled_from([60, 3 * H]))
def test_random_events_lose_nothing_and_keep_commitments(ops: list[tuple[object, ...]], commit: int) -> None:
    d = dispatcher(4, engine=None, commit_within_s=commit)
    t = 8 * H
    n = 0
    replan(d, t, 0.2)
    for op in ops:
        t += 120
        kind = op[0]
        ids = sorted(d.orders)
        if kind == "create":
            d.apply(OrderCreated(t, order(n, release_s=t + 600, cold=bool(op[1])), released=bool(op[2])))
            n += 1
        elif kind in ("release", "cancel", "lock") and ids:
            st_ = d.orders[ids[int(op[1]) % len(ids)]]  # type: ignore[call-overload]
            if kind == "release" and st_.status == OrderStatus.CREATED:
                d.apply(OrderReleased(t, st_.id))
            elif kind == "cancel" and st_.status.value not in ("delivered", "failed", "cancelled"):
                d.apply(OrderCancelled(t, st_.id))
            elif kind == "lock" and st_.carrier is None:
                rid = f"r{op[2]}"
                if d.riders[rid].online and not d.riders[rid].closing:
                    d.lock(st_.id, rid)
        elif kind in ("advance", "fail", "delay", "position", "offline", "online"):
            rid = f"r{op[1]}"
            rs = d.riders[rid]
            if kind == "advance":
                done = do_committed(d, rid, t)
                t = max(t, done or t)
            elif kind == "fail" and rs.committed is not None and rs.committed[0] == "delivery" \
                    and not d.orders[rs.committed[1]].returning:
                retry = TimeWindow(t + H, t + 3 * H) if op[2] else None
                d.apply(DeliveryFailed(t, rs.committed[1], retry=retry))
            elif kind == "delay" and rs.online:
                d.apply(TravelDelay(t, rid, int(op[2])))  # type: ignore[call-overload]
            elif kind == "position" and rs.online:
                d.apply(RiderPosition(t, rid, GENTENG.location if int(op[1]) % 2 else BLAMBANGAN.location))
            elif kind == "offline" and rs.online:
                d.apply(RiderOffline(t, rid))
            elif kind == "online":
                d.apply(RiderOnline(t, rid))
        replan(d, t, 0.2)
    for rid in d.riders:  # bring everyone back so that nothing waits for a rider forever
        if not d.riders[rid].online:
            d.apply(RiderOnline(t, rid))
    end = drive_to_end(d, t, 0.2)
    d.close_day(end)
    assert all(s.status.value in ("delivered", "failed", "cancelled") for s in d.orders.values())
    assert all(s.carrier is None for s in d.orders.values()), "every item on board was delivered or returned"
    assert len(d.orders) == n
