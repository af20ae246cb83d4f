"""Reasons for orders the search left out."""

from __future__ import annotations

from medroute import CoolBox, Location, Order, Pharmacy, Problem, Reason, Rider, TimeWindow
from medroute.compile import compile_problem
from medroute.explain import explain, explain_order

H = 3600
PH = Location(-8.2084, 114.3662)
DOOR = Location(-8.22, 114.37)


def _inst(orders: tuple[Order, ...], riders: tuple[Rider, ...]):  # type: ignore[no-untyped-def]
    return compile_problem(Problem(pharmacies=(Pharmacy("ph", PH),), orders=orders, riders=riders))


def test_feasible_insertion_is_search_limit() -> None:
    inst = _inst((Order("a", "ph", DOOR, release_s=8 * H),), (Rider("r", PH),))
    assert explain(inst, [[]]) == {0: Reason.SEARCH_LIMIT}


def test_optional_with_tiny_penalty_is_not_worth_it() -> None:
    inst = _inst((Order("a", "ph", DOOR, release_s=8 * H, required=False, penalty=1.0),), (Rider("r", PH),))
    assert explain_order(inst, [[]], 0) == Reason.NOT_WORTH_IT


def test_shift_over_before_release() -> None:
    inst = _inst((Order("a", "ph", DOOR, release_s=10 * H),),
                 (Rider("r", PH, start_s=7 * H, shift=TimeWindow(7 * H, 9 * H)),))
    assert inst.flagged[0].reason == Reason.SHIFT  # the pre-check finds it first
    assert explain_order(inst, [[]], 0) == Reason.SHIFT


def test_window_missed_from_where_the_rider_is() -> None:
    far = Location(-8.45, 114.20)
    inst = _inst((Order("a", "ph", DOOR, release_s=8 * H, windows=(TimeWindow(8 * H, 8 * H + 1800),)),),
                 (Rider("r", far, start_s=8 * H),))
    assert inst.flagged[0].reason == Reason.SHIFT  # the pre-check finds it first: the rider is free too late
    assert explain_order(inst, [[]], 0) == Reason.TIME_WINDOW


def test_capacity_when_the_box_is_full_all_day() -> None:
    # The carried order fills the box and its delivery window opens late: nothing fits before it.
    orders = (Order("held", "ph", DOOR, windows=(TimeWindow(18 * H, 19 * H),), picked_up_by="r",
                    picked_up_s=8 * H, parcels=2),
              Order("new", "ph", DOOR, release_s=8 * H, windows=(TimeWindow(8 * H, 12 * H),)))
    inst = _inst(orders, (Rider("r", PH, start_s=8 * H, parcels=2, coolbox=CoolBox()),))
    assert explain_order(inst, [[inst.delivery(0)]], 1) in (Reason.CAPACITY,)


def test_served_and_flagged_orders_are_not_explained() -> None:
    orders = (Order("a", "ph", DOOR, release_s=8 * H), Order("cold", "ph", DOOR, temperature="refrigerated"))
    inst = _inst(orders, (Rider("r", PH),))
    assert explain(inst, [[0, 2]]) == {}


def test_an_order_on_board_is_explained_on_its_riders_route() -> None:
    # Picked up at 07:00 with a 10-minute budget, its rider free from 09:00: no delivery keeps the
    # budget. It was left with the engine's reason (search_limit from ortools and alns).
    spent = Order("spent", "ph", DOOR, temperature="refrigerated", max_ride_s=600, picked_up_by="r",
                  picked_up_s=7 * H)
    fresh = Order("fresh", "ph", DOOR, temperature="refrigerated", max_ride_s=3600, picked_up_by="r",
                  picked_up_s=9 * H)
    rider = Rider("r", PH, start_s=9 * H, coolbox=CoolBox())
    inst = _inst((spent, fresh), (rider,))
    assert not inst.flagged
    assert explain(inst, [[]], engine_reasons={0: Reason.SEARCH_LIMIT}) == {0: Reason.COLD_BUDGET,
                                                                          1: Reason.SEARCH_LIMIT}
    assert explain(inst, [[inst.delivery(1)]]) == {0: Reason.COLD_BUDGET}


def test_a_rider_who_cannot_reach_their_end_in_the_shift_is_a_shift_reason() -> None:
    # The rider's end is hours away, the shift one hour: no route of theirs times, not even the
    # empty one. Every engine said search_limit (a longer search could have served it).
    rider = Rider("r", PH, start_s=7 * H, end=Location(-8.9, 113.5), shift=TimeWindow(7 * H, 8 * H))
    inst = _inst((Order("a", "ph", DOOR, release_s=7 * H),), (rider,))
    assert inst.flagged[0].reason == Reason.SHIFT  # the pre-check finds it first
    assert explain_order(inst, [[]], 0) == Reason.SHIFT
