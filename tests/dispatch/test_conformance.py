"""Dispatcher conformance: a scripted day with every event type through every engine, and
property tests of the invariants (every plan checked with :func:`medroute.check`)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medroute import TimeWindow
from medroute.dispatch import OrderStatus
from medroute.events import (
    EVENT_TYPES,
    DeliveryFailed,
    Event,
    OrderCancelled,
    OrderCreated,
    OrderReleased,
    PickupFailed,
    RiderOffline,
    RiderOnline,
    RiderPosition,
    TravelDelay,
)
from tests.dispatch.town import BLAMBANGAN, GENTENG, H, dispatcher, do_committed, drive_to_end, order, replan, rider

ENGINES = [None, "greedy", "ortools", "pyvrp", "auto"]


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
    d.apply(PickupFailed(t + 60, "o6", "r2", "the medicine was not there"))
    assert d.replan_due and d.orders["o6"].status == OrderStatus.RELEASED
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
    st.tuples(st.just("pickup_failed"), st.integers(0, 3)),
    st.tuples(st.just("delay"), st.integers(0, 3), st.integers(0, 1800)),
    st.tuples(st.just("position"), st.integers(0, 3)),
    st.tuples(st.just("offline"), st.integers(0, 3)),
    st.tuples(st.just("online"), st.integers(0, 3)),
    st.tuples(st.just("lock"), st.integers(0, 20), st.integers(0, 3)),
    st.tuples(st.just("replan"),),
    st.tuples(st.just("commit"), st.integers(0, 2 * H)),
), min_size=1, max_size=25)


@settings(max_examples=40, deadline=None)
@given(ops=OPS, commit=st.sampled_from([60, 3 * H]))
def test_random_events_lose_nothing_and_keep_commitments(ops: list[tuple[Any, ...]], commit: int) -> None:
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
            st_ = d.orders[ids[int(op[1]) % len(ids)]]
            if kind == "release" and st_.status == OrderStatus.CREATED:
                d.apply(OrderReleased(t, st_.id))
            elif kind == "cancel" and st_.status.value not in ("delivered", "failed", "cancelled"):
                d.apply(OrderCancelled(t, st_.id))
            elif kind == "lock" and st_.carrier is None and st_.status.value in ("created", "released"):
                rid = f"r{op[2]}"
                if d.riders[rid].online and not d.riders[rid].closing:
                    d.lock(st_.id, rid)
        elif kind == "commit":
            t += int(op[1])
            for rid in d.commit_due(t):
                first = d.routes[rid][0]
                assert d.riders[rid].committed == (first.kind, first.order) and first.leave_s <= t + commit
        elif kind in ("advance", "fail", "pickup_failed", "delay", "position", "offline", "online"):
            rid = f"r{op[1]}"
            rs = d.riders[rid]
            if kind == "advance":
                done = do_committed(d, rid, t)
                t = max(t, done or t)
            elif kind == "fail" and rs.committed is not None and rs.committed[0] == "delivery" \
                    and not d.orders[rs.committed[1]].returning:
                retry = TimeWindow(t + H, t + 3 * H) if op[2] else None
                d.apply(DeliveryFailed(t, rs.committed[1], retry=retry))
            elif kind == "pickup_failed" and rs.committed is not None and rs.committed[0] == "pickup":
                oid = rs.committed[1]
                d.apply(PickupFailed(t, oid, rid))
                assert d.riders[rid].committed is None and d.orders[oid].carrier is None and d.replan_due
            elif kind == "delay" and rs.online:
                d.apply(TravelDelay(t, rid, int(op[2])))
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
