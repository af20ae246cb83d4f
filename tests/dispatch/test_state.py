"""The live state: ``apply`` is pure, and an event that contradicts the state or is malformed is
rejected whole (nothing changes, not even the clock)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from medroute import Location, Rider
from medroute.dispatch import Dispatcher, DispatchError, DispatchState, OrderStatus, Visit, apply
from medroute.dispatch.persist import state_to_json
from medroute.dispatch.state import relax_all
from medroute.events import (
    Delivered,
    DeliveryFailed,
    Event,
    OrderCreated,
    OrderReleased,
    PickedUp,
    PickupFailed,
    RiderOffline,
    RiderOnline,
    RiderPosition,
    TravelDelay,
)
from tests.dispatch.town import BLAMBANGAN, GENTENG, H, dispatcher, order, replan, rider


def test_apply_returns_a_new_state_and_leaves_its_input_alone() -> None:
    d = dispatcher(2)
    before = d.state
    snapshot = state_to_json(before, {})
    after = apply(before, OrderCreated(8 * H, order(0)))
    assert state_to_json(before, {}) == snapshot
    assert "o0" in after.orders and "o0" not in before.orders
    assert after.now_s == 8 * H


@pytest.mark.parametrize("event", [
    TravelDelay(10 * H, "nobody", 60),
    TravelDelay(10 * H, "r0", math.nan),  # type: ignore[arg-type]
    TravelDelay(10 * H, "r0", -5),
    TravelDelay(10 * H, "r0", 10**9),
    OrderCreated(-1, order(5)),
    OrderCreated(math.inf, order(5)),  # type: ignore[arg-type]
    "not an event",
    RiderPosition(10 * H, "r0", (1.0, 2.0)),  # type: ignore[arg-type]
])
def test_rejected_events_change_nothing_not_even_the_clock(event: object) -> None:
    d = dispatcher(1)
    d.apply(OrderCreated(8 * H, order(0)))
    before = d.to_json()
    with pytest.raises(DispatchError):
        d.apply(event)  # type: ignore[arg-type]
    assert d.to_json() == before and d.now_s == 8 * H


def test_pickup_by_an_offline_or_not_yet_online_rider_is_rejected() -> None:
    d = dispatcher(2)
    d.apply(OrderCreated(8 * H, order(0, release_s=8 * H), released=True))
    d.apply(RiderOffline(8 * H, "r1"))
    with pytest.raises(DispatchError, match="offline"):
        d.apply(PickedUp(8 * H + 60, "o0", "r1"))
    late = dispatcher(1, online=False)
    late.apply(OrderCreated(8 * H, order(0, release_s=8 * H), released=True))
    with pytest.raises(DispatchError, match="offline"):
        late.apply(PickedUp(8 * H + 60, "o0", "r0"))
    replan(d, 8 * H + 120)  # and the dispatcher still plans


def test_rider_online_with_a_spec_for_another_id_is_rejected() -> None:
    d = dispatcher(1)
    with pytest.raises(DispatchError, match="ids must match"):
        d.apply(RiderOnline(8 * H, "r0", spec=rider(7)))
    with pytest.raises(DispatchError, match="ids must match"):
        d.apply(RiderOnline(8 * H, "r9", spec=Rider("r7", BLAMBANGAN.location)))
    replan(d, 8 * H)


def test_lock_to_an_offline_rider_is_rejected() -> None:
    d = dispatcher(2)
    d.apply(OrderCreated(8 * H, order(0)))
    d.apply(RiderOffline(8 * H, "r1"))
    with pytest.raises(DispatchError, match="takes no new orders"):
        d.lock("o0", "r1")
    assert d.orders["o0"].lock is None


def test_delivery_before_its_pickup_is_rejected() -> None:
    d = dispatcher(1)
    d.apply(OrderCreated(8 * H, order(0, release_s=8 * H), released=True))
    d.apply(PickedUp(10 * H, "o0", "r0"))
    with pytest.raises(DispatchError, match="before its pickup"):
        d.apply(Delivered(9 * H, "o0"))
    d.apply(Delivered(10 * H + 600, "o0"))
    assert d.orders["o0"].status.value == "delivered"


@pytest.mark.parametrize("failed", [False, True])
def test_a_pickup_before_its_order_was_created_is_rejected_naming_both_times(failed: bool) -> None:
    d = dispatcher(1)
    d.apply(OrderCreated(9 * H, order(0, release_s=9 * H), released=True))
    before = d.to_json()
    event = PickupFailed(9 * H - 60, "o0", "r0") if failed else PickedUp(9 * H - 60, "o0", "r0")
    what = "pickup failed" if failed else "picked up"
    with pytest.raises(DispatchError, match=f"order 'o0': {what} at {9 * H - 60} s, before the order was created "
                                            f"at {9 * H} s"):
        d.apply(event)
    assert d.to_json() == before
    d.apply(PickedUp(9 * H, "o0", "r0"))  # at the creation time: accepted
    assert d.orders["o0"].carrier == "r0"


@pytest.mark.parametrize("released", [False, True])
def test_a_release_before_its_order_was_created_is_rejected_naming_both_times(released: bool) -> None:
    # it was accepted, and moved the release before the order existed
    d = dispatcher(1)
    d.apply(OrderCreated(9 * H, order(0, release_s=9 * H), released=released))
    before = d.to_json()
    with pytest.raises(DispatchError, match=f"order 'o0': released at {9 * H - 60} s, before the order was created "
                                            f"at {9 * H} s"):
        d.apply(OrderReleased(9 * H - 60, "o0"))
    assert d.to_json() == before
    d.apply(OrderReleased(9 * H, "o0"))  # at the creation time: accepted
    assert d.orders["o0"].released_s == 9 * H


def test_a_release_before_the_creation_of_an_order_imported_on_board_is_accepted() -> None:
    # picked up at 08:00 and imported at 09:00: the medicine was ready before the order was known
    d = dispatcher(1)
    d.apply(OrderCreated(9 * H, dataclasses.replace(order(0, release_s=8 * H), picked_up_by="r0", picked_up_s=8 * H)))
    d.apply(OrderReleased(8 * H - 600, "o0"))
    assert d.orders["o0"].released_s == 8 * H - 600


def test_a_long_delay_on_a_busy_rider_asks_for_a_replan() -> None:
    d = dispatcher(1, commit_within_s=24 * H)
    d.apply(OrderCreated(8 * H, order(0, release_s=8 * H), released=True))
    d.apply(TravelDelay(8 * H, "r0", 600))
    assert not d.replan_due, "an idle rider is behind nothing"
    replan(d, 8 * H)
    d.apply(TravelDelay(8 * H + 60, "r0", 60))
    assert not d.replan_due, "below behind_s"
    d.apply(TravelDelay(8 * H + 120, "r0", 600))
    assert d.replan_due
    replan(d, 8 * H + 180)
    assert not d.replan_due


def _planned(state: DispatchState, routes: dict[str, list[tuple[str, str]]]) -> DispatchState:
    t = 9 * H
    return dataclasses.replace(state, routes={rid: tuple(Visit(kind, oid, t + 60 * i, t + 60 * i + 30, t + 60 * i + 30)
                                                          for i, (kind, oid) in enumerate(stops))
                                                for rid, stops in routes.items()})


def test_a_pickup_off_the_plan_asks_for_a_replan_and_commits_nothing_stale() -> None:
    d = dispatcher(1)
    for i in (0, 2):
        d.apply(OrderCreated(8 * H, order(i, release_s=8 * H), released=True))
    stale = _planned(d.state, {"r0": [("pickup", "o2"), ("delivery", "o2")]})
    after = apply(stale, PickedUp(9 * H, "o0", "r0"))
    assert after.replan_due, "the route was planned without o0 on board"
    assert after.riders["r0"].committed is None, "the next stop was planned from elsewhere"
    planned = _planned(d.state, {"r0": [("pickup", "o0"), ("delivery", "o0"), ("pickup", "o2")]})
    after = apply(planned, PickedUp(9 * H, "o0", "r0"))
    assert not after.replan_due
    assert after.riders["r0"].committed == ("delivery", "o0")


def test_position_of_an_unknown_rider_is_named() -> None:
    d = dispatcher(1)
    with pytest.raises(DispatchError, match="rider 'x': unknown rider"):
        d.apply(RiderPosition(8 * H, "x", Location(0.0, 0.0)))


# -- stale position reports -----------------------------------------------------------------------

FAR = Location(-8.30, 114.25)
"""Somewhere between the two pharmacies, far from both."""


def test_a_position_report_older_than_a_pickup_is_logged_as_stale_and_ignored() -> None:
    d = dispatcher(1, commit_within_s=24 * H)
    d.apply(OrderCreated(8 * H, order(0, release_s=8 * H), released=True))
    d.apply(PickedUp(8 * H + 600, "o0", "r0"))
    before = d.riders["r0"]
    d.apply(RiderPosition(8 * H + 300, "r0", FAR))
    rs = d.riders["r0"]
    assert (rs.location, rs.time_s) == (BLAMBANGAN.location, 8 * H + 600) == (before.location, before.time_s)
    assert d.log[-1] == (f"{8 * H + 300}: rider 'r0': stale position report at {8 * H + 300} s ignored "
                         f"(the pickup of 'o0' at {8 * H + 600} s is newer)")


def test_a_position_report_older_than_another_is_ignored_and_a_newer_one_moves_the_rider() -> None:
    d = dispatcher(1)
    d.apply(RiderPosition(9 * H, "r0", FAR))
    d.apply(RiderPosition(9 * H - 60, "r0", GENTENG.location))
    assert (d.riders["r0"].location, d.riders["r0"].time_s) == (FAR, 9 * H)
    assert "stale position report" in d.log[-1] and f"the position report at {9 * H} s" in d.log[-1]
    d.apply(RiderPosition(9 * H + 60, "r0", GENTENG.location))
    assert (d.riders["r0"].location, d.riders["r0"].time_s) == (GENTENG.location, 9 * H + 60)


def test_a_position_report_at_the_same_time_as_a_delivery_moves_the_rider() -> None:
    d = dispatcher(1)
    d.apply(OrderCreated(8 * H, order(0, release_s=8 * H), released=True))
    d.apply(PickedUp(8 * H + 600, "o0", "r0"))
    d.apply(Delivered(8 * H + 1200, "o0"))
    d.apply(RiderPosition(8 * H + 1200, "r0", FAR))
    assert (d.riders["r0"].location, d.riders["r0"].time_s) == (FAR, 8 * H + 1200)
    assert not any("stale" in n for n in d.log)


def test_a_stale_report_is_judged_by_event_times_not_by_a_travel_delay() -> None:
    d = dispatcher(1)
    d.apply(RiderPosition(9 * H, "r0", FAR))
    d.apply(TravelDelay(9 * H, "r0", 1800))  # planned availability 9:30, but nothing newer was received
    d.apply(RiderPosition(9 * H + 600, "r0", GENTENG.location))
    assert (d.riders["r0"].location, d.riders["r0"].time_s) == (GENTENG.location, 9 * H + 600)


def test_a_replan_after_a_stale_report_plans_from_the_newer_place() -> None:
    d = dispatcher(1, commit_within_s=24 * H)
    d.apply(OrderCreated(8 * H, order(0, release_s=8 * H), released=True))
    d.apply(OrderCreated(8 * H, order(2, release_s=8 * H), released=True))
    d.apply(PickedUp(8 * H + 600, "o0", "r0"))
    d.apply(RiderPosition(8 * H + 300, "r0", FAR))
    plan = replan(d, 8 * H + 900)
    start = plan.problem.rider["r0"]
    assert (start.start, start.start_s) == (BLAMBANGAN.location, 8 * H + 900)


def test_the_newest_placing_event_survives_a_save_and_restore() -> None:
    d = dispatcher(1)
    d.apply(RiderPosition(9 * H, "r0", FAR))
    restored = Dispatcher.from_json(d.to_json())
    restored.apply(RiderPosition(9 * H - 60, "r0", GENTENG.location))
    assert restored.riders["r0"].location == FAR and "stale" in restored.log[-1]


@pytest.mark.parametrize("stop", ["pickup", "failed pickup", "delivery", "failed delivery"])
def test_a_late_stop_event_applies_its_fact_but_leaves_the_rider_at_the_newer_report(stop: str) -> None:
    d = dispatcher(1, commit_within_s=24 * H)
    d.apply(OrderCreated(8 * H, order(0, release_s=8 * H), released=True))
    if stop in ("delivery", "failed delivery"):
        d.apply(PickedUp(8 * H + 600, "o0", "r0"))
    d.apply(RiderPosition(9 * H, "r0", FAR))
    late = 9 * H - 300
    events: dict[str, Event] = {"pickup": PickedUp(late, "o0", "r0"), "failed pickup": PickupFailed(late, "o0", "r0"),
                                "delivery": Delivered(late, "o0"), "failed delivery": DeliveryFailed(late, "o0")}
    d.apply(events[stop])
    rs, st = d.riders["r0"], d.orders["o0"]
    assert (rs.location, rs.time_s, rs.seen) == (FAR, 9 * H, (9 * H, "position report"))
    assert f"{late}: rider 'r0': the {stop} of 'o0' at {late} s arrived after the position report at {9 * H} s; " \
           "the rider stays at the newer place" in d.log
    fact = {"pickup": (st.status, st.carrier, st.picked_up_s) == (OrderStatus.ON_BOARD, "r0", late),
            "failed pickup": st.status == OrderStatus.RELEASED and st.carrier is None and d.replan_due,
            "delivery": (st.status, st.carrier, st.done_s) == (OrderStatus.DELIVERED, None, late),
            "failed delivery": (st.status, st.returning, st.done_s) == (OrderStatus.FAILED, True, late)}[stop]
    assert fact


def test_a_late_delivery_keeps_the_newer_delivery_as_the_newest_placing_event() -> None:
    d = dispatcher(1)
    d.apply(OrderCreated(8 * H, order(0, release_s=8 * H), released=True))
    d.apply(OrderCreated(8 * H, order(2, release_s=8 * H), released=True))
    d.apply(PickedUp(8 * H + 600, "o0", "r0"))
    d.apply(PickedUp(8 * H + 600, "o2", "r0"))
    d.apply(Delivered(9 * H, "o2"))
    d.apply(Delivered(9 * H - 600, "o0"))
    rs = d.riders["r0"]
    assert (rs.location, rs.time_s, rs.seen) == (order(2).location, 9 * H, (9 * H, "delivery of 'o2'"))
    d.apply(RiderPosition(9 * H - 60, "r0", FAR))  # still older than the newest delivery: stale
    assert d.riders["r0"].location == order(2).location and "stale position report" in d.log[-1]


def test_a_rider_online_event_with_a_stale_location_brings_the_rider_online_where_the_newer_report_is() -> None:
    d = dispatcher(1)
    d.apply(RiderOffline(8 * H + 60, "r0"))
    d.apply(RiderPosition(9 * H, "r0", FAR))
    d.apply(RiderOnline(9 * H - 300, "r0", GENTENG.location))
    rs = d.riders["r0"]
    assert rs.online and (rs.location, rs.time_s, rs.seen) == (FAR, 9 * H, (9 * H, "position report"))
    assert d.log[-1] == (f"{9 * H - 300}: rider 'r0': stale location in the online report at {9 * H - 300} s "
                         f"ignored (the position report at {9 * H} s is newer)")
    d.apply(RiderOnline(9 * H + 60, "r0", GENTENG.location))
    rs = d.riders["r0"]
    assert (rs.location, rs.time_s, rs.seen) == (GENTENG.location, 9 * H + 60, (9 * H + 60, "online report"))


def test_relax_all_returns_what_it_bent_and_logs_it() -> None:
    d = dispatcher(2)
    d.apply(OrderCreated(8 * H, order(0, cold=True, release_s=8 * H), released=True))
    d.apply(OrderCreated(8 * H, order(2, release_s=8 * H), released=True))
    d.apply(PickedUp(8 * H + 60, "o0", "r0"))
    d.lock("o2", "r1")
    state = dataclasses.replace(d.state, riders={**d.state.riders,
                                                 "r1": dataclasses.replace(d.riders["r1"], committed=("pickup", "o2"))})
    after, notes = relax_all(state, 9 * H, release_pickups=True)
    assert notes == ("order 'o0' on board of 'r0': no plan delivers everything on board by the rules; "
                     "delivered as soon as possible",
                     "rider 'r1': commitment to pick up 'o2' released (no plan kept it)")
    assert after.log[len(state.log):] == tuple(f"{9 * H}: {n}" for n in notes)
    assert after.orders["o0"].relaxed and after.riders["r1"].committed is None
    assert relax_all(after, 9 * H, release_pickups=True)[1] == (), "nothing left to bend"


@pytest.mark.parametrize("stop", ["pickup", "delivery"])
def test_a_late_stop_event_commits_the_next_stop_as_of_the_clock(stop: str) -> None:
    d = dispatcher(1)
    for i in (0, 2):
        d.apply(OrderCreated(8 * H, order(i, release_s=8 * H), released=True))
    if stop == "delivery":
        d.apply(PickedUp(8 * H + 600, "o0", "r0"))
        d.apply(PickedUp(8 * H + 600, "o2", "r0"))
    route = {"pickup": [("pickup", "o0"), ("delivery", "o0")],
             "delivery": [("delivery", "o0"), ("delivery", "o2")]}[stop]
    state = apply(_planned(d.state, {"r0": route}), RiderPosition(9 * H + 30, "r0", FAR))
    event = PickedUp if stop == "pickup" else Delivered
    args = ("o0", "r0") if stop == "pickup" else ("o0",)
    nxt = state.routes["r0"][1]
    assert nxt.leave_s == 9 * H + 60  # due within commit_within_s of the clock, not of the late report
    on_time = apply(state, event(9 * H + 30, *args))
    late = apply(state, event(8 * H + 1200, *args))
    assert on_time.riders["r0"].committed == late.riders["r0"].committed == (nxt.kind, nxt.order)
    assert late.now_s == 9 * H + 30


# -- online and offline out of order --------------------------------------------------------------

def test_an_online_report_older_than_an_offline_one_is_logged_and_ignored() -> None:
    d = dispatcher(1)
    d.apply(RiderOffline(9 * H, "r0"))
    before = d.riders["r0"]
    d.apply(RiderOnline(9 * H - 300, "r0", FAR))
    rs = d.riders["r0"]
    assert not rs.working and (rs.location, rs.seen, rs.presence_s) == (before.location, before.seen, 9 * H)
    assert d.log[-1] == (f"{9 * H - 300}: rider 'r0': the online report at {9 * H - 300} s arrived after the "
                         f"offline report at {9 * H} s; ignored")
    d.apply(RiderOnline(9 * H, "r0"))  # at the same time or later: the newest wins
    assert d.riders["r0"].online and d.riders["r0"].presence_s == 9 * H


def test_an_offline_report_older_than_an_online_one_is_logged_and_ignored() -> None:
    d = dispatcher(1)
    d.apply(OrderCreated(8 * H, order(0, release_s=8 * H), released=True))
    d.lock("o0", "r0")
    d.apply(RiderOnline(9 * H, "r0"))
    d.apply(RiderOffline(9 * H - 300, "r0"))
    rs = d.riders["r0"]
    assert rs.online and not rs.closing and d.orders["o0"].lock == "r0"
    assert d.log[-1] == (f"{9 * H - 300}: rider 'r0': the offline report at {9 * H - 300} s arrived after the "
                         f"online report at {9 * H} s; ignored")
    restored = Dispatcher.from_json(d.to_json())  # the newest survives a save and restore
    restored.apply(RiderOffline(9 * H - 60, "r0"))
    assert restored.riders["r0"].online
    restored.apply(RiderOffline(9 * H + 60, "r0"))
    assert not restored.riders["r0"].working and restored.orders["o0"].lock is None


# -- a pickup before the release ------------------------------------------------------------------

def test_a_pickup_stamped_before_the_release_moves_the_release_to_the_pickup_and_is_logged() -> None:
    d = dispatcher(1)
    d.apply(OrderCreated(8 * H, order(0, release_s=9 * H)))
    d.apply(OrderReleased(9 * H, "o0"))
    d.apply(PickedUp(9 * H - 120, "o0", "r0"))  # the pharmacy reported the release late
    st = d.orders["o0"]
    assert (st.status, st.carrier, st.picked_up_s, st.released_s) == (OrderStatus.ON_BOARD, "r0", 9 * H - 120,
                                                                      9 * H - 120)
    assert (f"{9 * H - 120}: order 'o0': picked up at {9 * H - 120} s, before its release at {9 * H} s; "
            f"released at {9 * H - 120} s (the pickup shows the medicine was ready)") in d.log
    replan(d, 9 * H)


@pytest.mark.parametrize("released", [False, True])
def test_an_order_imported_on_board_is_released_by_its_pickup_and_it_is_logged(released: bool) -> None:
    # Picked up at 08:00, it kept the release it came with: 10:00 (its release_s) as the order's,
    # and its creation at 09:00 as the state's when created released.
    d = dispatcher(1)
    imported = dataclasses.replace(order(0, release_s=10 * H), picked_up_by="r0", picked_up_s=8 * H)
    d.apply(OrderCreated(9 * H, imported, released=released))
    st = d.orders["o0"]
    assert (st.status, st.picked_up_s, st.released_s, st.order.release_s) == (OrderStatus.ON_BOARD, 8 * H, 8 * H,
                                                                              8 * H)
    assert d.log[-1] == (f"{9 * H}: order 'o0': imported on board, picked up at {8 * H} s, before its release at "
                         f"{10 * H} s; released at {8 * H} s (the pickup shows the medicine was ready)")
    replan(d, 9 * H)


def test_an_order_imported_on_board_after_its_release_keeps_it_unlogged() -> None:
    d = dispatcher(1)
    imported = dataclasses.replace(order(0, release_s=7 * H), picked_up_by="r0", picked_up_s=8 * H)
    d.apply(OrderCreated(8 * H, imported, released=True))
    st = d.orders["o0"]
    assert (st.picked_up_s, st.released_s, st.order.release_s) == (8 * H, 8 * H, 7 * H)
    assert not any("imported on board" in line for line in d.log)


def test_a_release_received_after_the_pickup_but_stamped_before_it_is_the_release() -> None:
    d = dispatcher(1)
    d.apply(OrderCreated(8 * H, order(0, release_s=9 * H)))
    d.apply(PickedUp(9 * H, "o0", "r0"))
    assert d.orders["o0"].released_s == 9 * H
    d.apply(OrderReleased(9 * H - 300, "o0"))  # the earliest report wins, whichever arrives first
    assert d.orders["o0"].released_s == 9 * H - 300
    assert d.log[-1] == (f"{9 * H - 300}: order 'o0': released at {9 * H - 300} s, before the release known "
                         f"at {9 * H} s; released at {9 * H - 300} s")
    d.apply(OrderReleased(9 * H + 60, "o0"))  # a later report changes nothing
    assert d.orders["o0"].released_s == 9 * H - 300
