"""Great-circle distances."""

from __future__ import annotations

import numpy as np
from hypothesis import given

from medroute import Location
from medroute.geo import pairwise_haversine_m
from tests.strategies import coords


def test_one_degree_of_latitude_is_about_111_km() -> None:
    d = pairwise_haversine_m([Location(-8.0, 114.0), Location(-7.0, 114.0)])
    assert abs(d[0, 1] - 111_195) < 50


@given(coords, coords, coords)
def test_metric_properties(a: Location, b: Location, c: Location) -> None:
    d = pairwise_haversine_m([a, b, c])
    assert np.allclose(d, d.T) and np.all(np.diag(d) == 0)
    assert d[0, 2] <= d[0, 1] + d[1, 2] + 1e-6
