from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medroute.errors import InvalidProblemError
from medroute.geo import Location
from medroute.travel.haversine import DETOUR_FACTOR, HaversineBackend


def test_one_degree_of_latitude() -> None:
    m = HaversineBackend().matrix([Location(-8.0, 114.0), Location(-7.0, 114.0)])
    assert m.distances_m[0, 1] == pytest.approx(111_195 * DETOUR_FACTOR, rel=1e-3)
    assert m.durations_s[0, 1] == pytest.approx(m.distances_m[0, 1] / (30 / 3.6), abs=1)


def test_profiles_and_validation() -> None:
    b = HaversineBackend()
    pts = [Location(-8.2, 114.36), Location(-8.21, 114.37)]
    assert b.matrix(pts, profile="walk").durations_s[0, 1] > b.matrix(pts).durations_s[0, 1]
    with pytest.raises(InvalidProblemError, match="unknown profile"):
        b.matrix(pts, profile="boat")
    with pytest.raises(InvalidProblemError, match="detour"):
        HaversineBackend(detour=0.9)


coords = st.builds(Location, st.floats(-8.8, -7.7), st.floats(113.8, 114.6))


@given(st.lists(coords, min_size=1, max_size=6))
def test_symmetric_and_zero_diagonal(points: list[Location]) -> None:
    m = HaversineBackend().matrix(points)
    assert np.array_equal(m.durations_s, m.durations_s.T)
    assert np.all(np.diag(m.distances_m) == 0)
