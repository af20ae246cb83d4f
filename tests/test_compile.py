"""Compiling a problem into integer arrays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medroute import CoolBox, InvalidMatrixError, Location, Order, Pharmacy, Problem, Rider, TimeWindow
from medroute.compile import COST_SCALE, NO_LIMIT, compile_problem
from medroute.precheck import precheck
from medroute.reasons import Reason
from medroute.travel import TravelMatrix

PH, P1, P2 = Location(-8.2, 114.36), Location(-8.21, 114.35), Location(-8.22, 114.34)


def problem() -> Problem:
    return Problem(
        pharmacies=(Pharmacy("ph", PH, opening=(TimeWindow(7 * 3600, 12 * 3600), TimeWindow(13 * 3600, 16 * 3600)),
                             handover_s=200),),
        orders=(Order("a", "ph", P1, release_s=12 * 3600 + 1, weight_g=700, volume_ml=900),
                Order("b", "ph", P2, temperature="refrigerated", volume_ml=300, target_s=36000, priority=1,
                      picked_up_by="cool", picked_up_s=33000)),
        riders=(Rider("plain", PH, speed_factor=1.25), Rider("cool", P1, coolbox=CoolBox(hold_s=3600), end=PH)),
    )


def test_arrays() -> None:
    inst = compile_problem(problem())
    assert (inst.n, inst.m) == (2, 2)
    assert list(inst.node_loc) == [0, 0, 1, 2]
    assert list(inst.start_loc) == [0, 1] and list(inst.end_loc) == [-1, 0]
    assert list(inst.service) == [200, 200, 180, 180]
    assert inst.windows[0] == ((13 * 3600, 16 * 3600),)  # released after the morning opening closes
    assert inst.demand.tolist() == [[700, 900, 1, 0, 0], [500, 0, 1, 1, 300]]
    assert inst.capacity[0, 3] == 0 and inst.capacity[1, 3] == 4
    assert inst.allowed.tolist() == [[True, True], [False, True]]
    assert inst.max_ride[0, 0] == NO_LIMIT and inst.max_ride[1, 1] == 3600  # min(2 h budget, 1 h box)
    assert list(inst.carried_by) == [-1, 1] and inst.carried_since[1] == 33000
    assert inst.late_cost[1] == pytest.approx(1000 / 60 * 2 * COST_SCALE)
    assert inst.target[0] == NO_LIMIT and inst.target[1] == 36000


def test_speed_factor_scales_durations() -> None:
    inst = compile_problem(problem())
    slow, fast = inst.duration(1), inst.duration(0)
    assert np.array_equal(fast, np.ceil(slow / 1.25).astype(np.int32))
    assert inst.distance(0) is inst.distance(1)


def test_arrays_are_read_only_and_matrix_sizes_checked() -> None:
    inst = compile_problem(problem())
    with pytest.raises(ValueError, match="read-only"):
        inst.demand[0, 0] = 1
    with pytest.raises(InvalidMatrixError, match="has 1 locations, the problem has 3"):
        compile_problem(problem(), TravelMatrix([[0]], [[0]]))
    with pytest.raises(InvalidMatrixError, match="no matrix for travel profile 'motorbike'"):
        compile_problem(problem(), {"car": TravelMatrix([[0]], [[0]])})


@settings(max_examples=40, deadline=None)
@given(budgets=st.lists(st.one_of(st.none(), st.integers(60, 9000)), min_size=1, max_size=5),
       colds=st.lists(st.booleans(), min_size=5, max_size=5),
       holds=st.lists(st.one_of(st.none(), st.integers(60, 9000)), min_size=1, max_size=4))
def test_ride_limits_and_cool_box_rules_hold_for_every_order_and_rider(
        budgets: list[int | None], colds: list[bool], holds: list[int | None]) -> None:
    orders = tuple(Order(f"o{k}", "ph", P1, temperature="refrigerated" if colds[k] else "ambient", max_ride_s=b)
                   for k, b in enumerate(budgets))
    riders = tuple(Rider(f"r{i}", PH, coolbox=None if h is None else CoolBox(hold_s=h)) for i, h in enumerate(holds))
    inst = compile_problem(Problem(pharmacies=(Pharmacy("ph", PH),), orders=orders, riders=riders))
    for k, o in enumerate(orders):
        for i, r in enumerate(riders):
            limits = [x for x in (o.max_ride_s, r.coolbox.hold_s if o.needs_coolbox and r.coolbox else None)
                      if x is not None]
            assert inst.max_ride[k, i] == (min(limits) if limits else NO_LIMIT)
            assert inst.allowed[k, i] == (not o.needs_coolbox or r.coolbox is not None)


def test_the_trip_limit_is_measured_on_the_profile_of_the_first_rider_the_order_fits() -> None:
    far = Location(-8.2, 114.40)  # about 4.4 km from the pharmacy
    def matrix(seconds: int, metres: int, profile: str) -> TravelMatrix:
        return TravelMatrix(np.array([[0, seconds], [seconds, 0]], dtype=np.int32),
                            np.array([[0, metres], [metres, 0]], dtype=np.int32), profile=profile)

    slow, fast = matrix(600, 9000, "slow"), matrix(300, 3000, "fast")
    riders = (Rider("small", PH, weight_g=100, profile="slow"), Rider("a", PH, profile="fast"),
              Rider("b", PH, profile="slow"), Rider("c", PH, profile="fast"))
    p = Problem(pharmacies=(Pharmacy("ph", PH),), orders=(Order("o", "ph", far, weight_g=500),), riders=riders,
                max_trip_m=5000)
    assert precheck(p, {"slow": slow, "fast": fast}) == []  # rider "a" fits first: 3 km on its profile
    swapped = p.replace(riders=(riders[0], riders[2], riders[1], riders[3]))
    assert [f.reason for f in precheck(swapped, {"slow": slow, "fast": fast})] == [Reason.BEYOND_TRIP_LIMIT]
