"""Compiling a problem into integer arrays."""

from __future__ import annotations

import numpy as np
import pytest

from medroute import CoolBox, InvalidMatrixError, Location, Order, Pharmacy, Problem, Rider, TimeWindow
from medroute.compile import COST_SCALE, NO_LIMIT, compile_problem
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
