"""The greedy dispatcher on hand-checkable problems."""

from __future__ import annotations

from medroute import CoolBox, Location, Order, Pharmacy, Problem, Reason, Rider, TimeWindow
from medroute.compile import compile_problem
from medroute.engines.greedy import GreedyEngine
from medroute.schedule import RouteTimes, schedule_route
from medroute.stop import MaxRuntime

H = 3600
PH = Location(-8.2084, 114.3662)
NEAR = Location(-8.2090, 114.3670)
FAR = Location(-8.3000, 114.3000)


def _problem(orders: tuple[Order, ...], riders: tuple[Rider, ...]) -> Problem:
    return Problem(pharmacies=(Pharmacy("ph", PH),), orders=orders, riders=riders)


def _run(problem: Problem) -> tuple[tuple[tuple[int, ...], ...], dict[int, Reason]]:
    inst = compile_problem(problem)
    res = GreedyEngine().solve(inst, stop=MaxRuntime(1.0), seed=0)
    for r, seq in enumerate(res.routes):
        assert isinstance(schedule_route(inst, r, seq), RouteTimes)
    return res.routes, res.reasons


def test_nearest_free_rider_gets_the_order() -> None:
    order = Order("a", "ph", Location(-8.22, 114.37), release_s=8 * H)
    routes, _ = _run(_problem((order,), (Rider("far", FAR, start_s=7 * H), Rider("near", NEAR, start_s=7 * H))))
    assert routes == ((), (0, 1))


def test_same_pharmacy_orders_are_batched() -> None:
    orders = (Order("a", "ph", Location(-8.22, 114.37), release_s=8 * H),
              Order("b", "ph", Location(-8.23, 114.36), release_s=8 * H))
    routes, _ = _run(_problem(orders, (Rider("r", NEAR, start_s=7 * H),)))
    assert routes == ((0, 1, 2, 3),)  # pickups a, b, then deliveries a, b


def test_full_box_means_no_batch() -> None:
    orders = (Order("a", "ph", Location(-8.22, 114.37), release_s=8 * H),
              Order("b", "ph", Location(-8.23, 114.36), release_s=8 * H))
    routes, _ = _run(_problem(orders, (Rider("r", NEAR, start_s=7 * H, parcels=1),)))
    assert routes == ((0, 2, 1, 3),)


def test_release_order_then_id() -> None:
    orders = (Order("late", "ph", Location(-8.22, 114.37), release_s=9 * H),
              Order("early", "ph", Location(-8.23, 114.36), release_s=8 * H))
    routes, _ = _run(_problem(orders, (Rider("r", NEAR, start_s=7 * H, parcels=1),)))
    assert routes == ((1, 3, 0, 2),)


def test_order_nobody_can_take_gets_a_reason() -> None:
    # Each order alone fits the half-hour shift (no pre-check flags either), not both.
    orders = (Order("a", "ph", Location(-8.22, 114.37), release_s=8 * H),
              Order("b", "ph", Location(-8.25, 114.33), release_s=8 * H))
    rider = Rider("r", NEAR, start_s=8 * H, shift=TimeWindow(8 * H, 8 * H + 1800))
    problem = _problem(orders, (rider,))
    assert not compile_problem(problem).flagged
    routes, reasons = _run(problem)
    assert routes == ((0, 2),)
    assert reasons == {1: Reason.SHIFT}


def test_cold_order_goes_to_coolbox_rider() -> None:
    orders = (Order("ins", "ph", Location(-8.22, 114.37), release_s=8 * H, temperature="refrigerated"),)
    riders = (Rider("plain", NEAR, start_s=7 * H), Rider("cool", FAR, start_s=7 * H, coolbox=CoolBox()))
    routes, _ = _run(_problem(orders, riders))
    assert routes == ((), (0, 1))


def test_an_order_only_a_rider_whose_items_on_board_do_not_time_may_carry_gets_that_riders_reason() -> None:
    # Two items on board, each deliverable alone by 08:10 but not both; the open order is locked to
    # the same rider. It came back no_rider, which the checker refutes: the rider may carry it.
    north, south = Location(-8.1900, 114.3662), Location(-8.2270, 114.3662)
    window = (TimeWindow(8 * H, 8 * H + 600),)
    orders = (Order("a", "ph", north, windows=window, picked_up_by="r", picked_up_s=8 * H),
              Order("b", "ph", south, windows=window, picked_up_by="r", picked_up_s=8 * H),
              Order("c", "ph", NEAR, release_s=8 * H, rider="r"))
    inst = compile_problem(_problem(orders, (Rider("r", PH, start_s=8 * H),)))
    assert not inst.flagged
    assert GreedyEngine().solve(inst, stop=MaxRuntime(1.0), seed=0).reasons[2] == Reason.TIME_WINDOW
