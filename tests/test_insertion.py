"""Insertion: the full-cost inserter never leaves an order out for want of search time, and places
the orders its clock did not reach by their full cost."""

from __future__ import annotations

from medroute import PATIENTS_FIRST, Location, Order, Problem, TimeWindow
from medroute.compile import compile_problem
from medroute.insertion import Deadline, FullCostInserter, Inserter, order_on_board, repair
from medroute.reasons import Reason
from medroute.schedule import RouteTimes, schedule_route
from tests.dispatch.town import BLAMBANGAN, PHARMACIES, H, order, rider


def test_orders_left_when_the_clock_ran_out_are_still_inserted_if_they_fit() -> None:
    inst = compile_problem(Problem(PHARMACIES, tuple(order(i) for i in range(8)), (rider(0), rider(1))))
    empty: list[list[int]] = [[], []]
    _, reasons = Inserter(inst).insert(empty, list(range(8)), Deadline(0.0))
    assert set(reasons.values()) == {Reason.SEARCH_LIMIT}
    routes, reasons = FullCostInserter(inst).insert(empty, list(range(8)), Deadline(0.0))
    assert reasons == {}
    assert sorted(inst.order_of(v) for seq in routes for v in seq if not inst.is_pickup(v)) == list(range(8))


def test_orders_past_the_clock_go_where_the_patient_is_served_on_time_not_where_the_detour_is_least() -> None:
    # r0 waits at the pharmacy for o0 (ready at 11:00), then rides east past o1's door: o1 costs no
    # detour there but would arrive after 11:00; idle r1 delivers it at once for a short detour.
    east = Location(BLAMBANGAN.location.lat, BLAMBANGAN.location.lon + 0.08)
    halfway = Location(BLAMBANGAN.location.lat, BLAMBANGAN.location.lon + 0.04)
    far = Order("o0", "blambangan", east, release_s=11 * H, windows=(TimeWindow(0, 24 * H),))
    near = Order("o1", "blambangan", halfway, release_s=8 * H, windows=(TimeWindow(0, 24 * H),), target_s=9 * H)
    problem = Problem(PHARMACIES, (far, near), (rider(0), rider(2)), objective=PATIENTS_FIRST)
    inst = compile_problem(problem)
    planned = [[inst.pickup(0), inst.delivery(0)], []]
    detour, _ = Inserter(inst).insert(planned, [1], Deadline(float("inf")))
    assert inst.delivery(1) in detour[0], "the detour alone puts o1 behind o0's wait"
    routes, reasons = FullCostInserter(inst).insert(planned, [1], Deadline(0.0))
    assert reasons == {}
    timed = schedule_route(inst, 1, routes[1])
    assert inst.delivery(1) in routes[1] and isinstance(timed, RouteTimes)
    assert timed.starts[routes[1].index(inst.delivery(1))] <= 9 * H


def test_the_positions_compared_per_order_shrink_when_the_clock_is_short_for_the_backlog() -> None:
    inst = compile_problem(Problem(PHARMACIES, tuple(order(i) for i in range(12)), (rider(0), rider(1))))
    empty: list[list[int]] = [[], []]
    roomy = FullCostInserter(inst, compare=60)
    roomy.insert(empty, list(range(12)), Deadline(float("inf")))
    assert roomy.compare == 60
    short = FullCostInserter(inst, compare=60)
    _, reasons = short.insert(empty, list(range(12)), Deadline(0.0))
    assert short.compare == 1 and reasons == {}


def test_without_finish_the_orders_past_the_clock_are_left_out_for_the_search_limit() -> None:
    inst = compile_problem(Problem(PHARMACIES, tuple(order(i) for i in range(4)), (rider(0), rider(1))))
    _, reasons = FullCostInserter(inst, finish=False).insert([[], []], list(range(4)), Deadline(0.0))
    assert reasons == dict.fromkeys(range(4), Reason.SEARCH_LIMIT)


def test_repair_reorders_deliveries_on_board_whose_order_no_longer_times() -> None:
    # A is on the way to C. C's window closes first, but riding to C first misses A's window on
    # the way back: neither the route's order nor earliest deadline first times, only A then C.
    def on_board(name: str, east: float, closes: int = 24 * H) -> Order:
        door = Location(BLAMBANGAN.location.lat, BLAMBANGAN.location.lon + east)
        return Order(name, "blambangan", door, release_s=8 * H, windows=(TimeWindow(0, closes),),
                     picked_up_by="r0", picked_up_s=9 * H)

    def problem(a_closes: int = 24 * H, c_closes: int = 24 * H) -> Problem:
        return Problem(PHARMACIES, (on_board("A", 0.01, a_closes), on_board("C", 0.03, c_closes)),
                       (rider(0, start_s=9 * H),))

    inst = compile_problem(problem())
    dur, start = inst.duration(0), inst.start_loc[0]
    a, c = inst.node_loc[inst.delivery(0)], inst.node_loc[inst.delivery(1)]
    service = int(inst.service[inst.delivery(0)])
    c_closes = 9 * H + int(dur[start, a]) + service + int(dur[a, c])
    a_closes = 9 * H + int(dur[start, c]) + service + int(dur[c, a]) - 1
    assert c_closes < a_closes
    inst = compile_problem(problem(a_closes, c_closes))
    ac, ca = [inst.delivery(0), inst.delivery(1)], [inst.delivery(1), inst.delivery(0)]
    assert not isinstance(schedule_route(inst, 0, ca), RouteTimes)
    assert order_on_board(inst, 0, ca) == ac
    routes, reasons, removed = repair(inst, [ca], Inserter(inst), Deadline(1.0))
    assert routes == [ac] and reasons == {} and removed == 0
