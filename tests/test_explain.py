"""Reasons for orders the search left out."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medroute import CoolBox, Location, MaxWork, Order, Pharmacy, Problem, Reason, Rider, TimeWindow, check, solve
from medroute.compile import Instance, compile_problem
from medroute.explain import Screened, _route, _screen, _with, explain, explain_order
from medroute.schedule import Infeasible, RouteTimes, node_routes, schedule_route
from tests.strategies import coords

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


def _late_and_far() -> Problem:
    """The rider is free at 08:00, about 30 km away: the door window (08:00-08:30) is reached by
    riding straight from the pharmacy, but not by this rider."""
    far = Location(-8.45, 114.20)
    return Problem(pharmacies=(Pharmacy("ph", PH),), riders=(Rider("r", far, start_s=8 * H),), orders=(
        Order("a", "ph", DOOR, release_s=8 * H, windows=(TimeWindow(8 * H, 8 * H + 1800),)),))


def test_window_missed_from_where_the_rider_is_is_the_shift_however_asked() -> None:
    # explain_order said time_window while the pre-check said shift
    inst = compile_problem(_late_and_far())
    assert inst.flagged[0].reason == Reason.SHIFT
    assert explain_order(inst, [[]], 0) == Reason.SHIFT


@pytest.mark.parametrize("engine", ["greedy", "ortools"])
def test_a_rider_free_too_late_and_too_far_comes_back_shift(engine: str) -> None:
    (u,) = solve(_late_and_far(), engine=engine, time_limit=1).unassigned
    assert (u.order, u.reason) == ("a", Reason.SHIFT)


@pytest.mark.parametrize("engine", ["greedy", "ortools"])
def test_an_order_on_board_of_a_rider_free_too_late_and_too_far_is_window_unreachable(engine: str) -> None:
    # The same order on the rider's bike: no other rider can take it and it rides from the rider's
    # start, so no plan reaches its window (checked true); at the pharmacy it is shift (above).
    p = _late_and_far()
    p = p.replace(orders=(dataclasses.replace(p.orders[0], picked_up_by="r", picked_up_s=8 * H),))
    inst = compile_problem(p)
    assert inst.flagged[0].reason == Reason.WINDOW_UNREACHABLE
    assert explain_order(inst, [[]], 0) == Reason.WINDOW_UNREACHABLE
    assert "on board of rider 'r', free at 08:00" in inst.flagged[0].message
    plan = solve(p, engine=engine, time_limit=1)
    assert [(u.order, u.reason) for u in plan.unassigned] == [("a", Reason.WINDOW_UNREACHABLE)]
    assert check(p, plan) == []


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


@st.composite
def _tight_days(draw: st.DrawFn) -> Problem:
    """Small days where little fits: short shifts and working times, narrow or split windows,
    small boxes, tight out-of-fridge budgets, items on board."""
    opening = draw(st.sampled_from([(TimeWindow(7 * H, 20 * H),),
                                    (TimeWindow(7 * H, 9 * H), TimeWindow(10 * H, 20 * H))]))
    pharmacies = tuple(Pharmacy(f"ph{i}", draw(coords), opening=opening, handover_s=draw(st.integers(0, 300)))
                       for i in range(draw(st.integers(1, 2))))
    riders = tuple(Rider(f"r{i}", draw(coords), start_s=draw(st.integers(7 * H, 8 * H)),
                         end=draw(st.none() | coords),
                         shift=TimeWindow(7 * H, draw(st.integers(10 * H, 13 * H))),
                         max_work_s=draw(st.none() | st.integers(2 * H, 5 * H)),
                         parcels=draw(st.integers(1, 3)),
                         coolbox=CoolBox(parcels=draw(st.integers(1, 2))) if i == 0 or draw(st.booleans()) else None)
                   for i in range(draw(st.integers(1, 2))))
    orders = []
    for k in range(draw(st.integers(3, 10))):
        release = draw(st.integers(7 * H, 9 * H))
        starts = sorted(draw(st.lists(st.integers(8 * H, 11 * H), min_size=1, max_size=2, unique=True)))
        windows = tuple(TimeWindow(a, a + draw(st.integers(1800, 7200))) for a in starts)
        windows = tuple(w for i, w in enumerate(windows) if i == 0 or w.start_s > windows[i - 1].end_s)
        cold = draw(st.booleans())
        on_board = k < 2 and draw(st.booleans())
        orders.append(Order(f"o{k}", draw(st.sampled_from(pharmacies)).id, draw(coords), release_s=release,
                            windows=windows, parcels=draw(st.integers(1, 2)),
                            temperature="refrigerated" if cold else "ambient",
                            max_ride_s=draw(st.integers(900, 3600)) if cold else None,
                            picked_up_by="r0" if on_board else None,
                            picked_up_s=draw(st.integers(7 * H, 9 * H)) if on_board else None))
    return Problem(pharmacies=pharmacies, orders=tuple(orders), riders=riders)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_tight_days(), st.sampled_from(["greedy", "ortools"]))
def test_the_ways_the_screen_rules_out_never_time(problem: Problem, engine: str) -> None:
    # every order on every route of a plan, its own taken off first: what the necessary tests rule
    # out cannot time
    inst = compile_problem(problem)
    routes = node_routes(inst, solve(problem, engine=engine, stop=MaxWork(0.05)))
    for r, k in itertools.product(range(inst.m), range(inst.n)):
        carrier = int(inst.carried_by[k])
        if k in inst.flagged or not inst.allowed[k, r] or carrier not in (-1, r):
            continue
        seq = [v for v in routes[r] if inst.order_of(v) != k]
        if isinstance(schedule_route(inst, r, seq), Infeasible):
            continue
        [(why, ways, passed)] = _screen(inst, r, _route(inst, r, seq), [k], len(seq) ** 2 + 2)
        every = ([(-1, j) for j in range(len(seq) + 1)] if carrier >= 0 else
                 [(i, j) for i in range(len(seq) + 1) for j in range(i, len(seq) + 1)])
        assert sum(why.values()) + passed == len(every) and len(ways) == passed  # each way once
        assert ways == sorted(ways) and set(ways) <= set(every)
        for i, j in set(every) - set(ways):
            ruled_out = schedule_route(inst, r, _with(seq, inst.pickup(k), inst.delivery(k), i, j))
            assert isinstance(ruled_out, Infeasible), (k, r, i, j)


def _packed(extra: int = 1) -> tuple[Instance, list[int]]:
    """One rider whose day is full of back-to-back doors, and ``extra`` orders due mid-morning for
    which it has no room (the last order indices)."""
    doors = [Location(-8.2084 + 0.01 * (i % 2), 114.3662 + 0.01 * (i % 3)) for i in range(12)]
    orders = tuple(Order(f"o{i}", "ph", door, release_s=8 * H,
                         windows=(TimeWindow(8 * H + 900 * i, 8 * H + 900 * i + 300),))
                   for i, door in enumerate(doors))
    late = tuple(Order(f"late{i}", "ph", DOOR, release_s=8 * H, windows=(TimeWindow(9 * H, 9 * H + 600),))
                 for i in range(extra))
    inst = _inst((*orders, *late), (Rider("r", PH, start_s=8 * H, parcels=20),))
    route = [v for i in range(len(orders)) for v in (inst.pickup(i), inst.delivery(i))]
    assert not isinstance(schedule_route(inst, 0, route), Infeasible)
    return inst, route


def test_a_packed_route_is_explained_without_timing_what_cannot_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    inst, route = _packed()
    orders = inst.n - 1
    timed: list[Sequence[int]] = []

    def counting(inst_: Instance, r: int, nodes: Sequence[int]) -> RouteTimes | Infeasible:
        timed.append(nodes)
        return schedule_route(inst_, r, nodes)

    monkeypatch.setattr("medroute.explain.schedule_route", counting)
    assert explain(inst, [route]) == {orders: Reason.TIME_WINDOW}
    ways = (len(route) + 1) * (len(route) + 2) // 2
    assert len(timed) < ways // 10  # the plan's route, and the few ways the tests cannot rule out


def test_a_deadline_keeps_the_batches_explained_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # Batches of one order; the clock runs out once the first has been screened.
    inst, route = _packed(extra=3)
    screened: list[int] = []

    def screen(*args: Any) -> list[Screened]:
        screened.append(1)
        return _screen(*args)

    monkeypatch.setattr("medroute.explain.BATCH", 1)
    monkeypatch.setattr("medroute.explain._screen", screen)
    monkeypatch.setattr("medroute.explain.perf_counter", lambda: 1e9 if screened else 0.0)
    first, *rest = range(inst.n - 3, inst.n)
    got = explain(inst, [route], engine_reasons=dict.fromkeys(rest, Reason.CAPACITY), deadline=1.0)
    assert got == {first: Reason.TIME_WINDOW} | dict.fromkeys(rest, Reason.CAPACITY)


def test_the_screen_rules_out_a_ride_longer_than_the_budget_and_keeps_the_direct_one() -> None:
    far = Location(-8.30, 114.30)
    other = Order("other", "ph", far, release_s=8 * H)
    cold = Order("cold", "ph", DOOR, release_s=8 * H, temperature="refrigerated", max_ride_s=900)
    inst = _inst((other, cold), (Rider("r", PH, start_s=8 * H, coolbox=CoolBox()),))
    seq = [inst.pickup(0), inst.delivery(0)]
    [(why, ways, _)] = _screen(inst, 0, _route(inst, 0, seq), [1], 10)
    assert (0, 0) in ways and (2, 2) in ways  # straight to the door, before or after the other order
    assert (0, 2) not in ways and why[Reason.COLD_BUDGET] >= 1  # by way of the far door: too long a ride
    assert isinstance(schedule_route(inst, 0, _with(seq, inst.pickup(1), inst.delivery(1), 0, 2)), Infeasible)
