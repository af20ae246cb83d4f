"""lookup: matrices looked up rather than computed; tables and legs without a square matrix;
LegLookup for the checker."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pytest

from medroute.errors import InvalidMatrixError
from medroute.geo import Location
from medroute.travel import GrowingMatrix, HaversineBackend, MatrixLookup, TravelMatrix
from medroute.travel.base import DEFAULT_PROFILE
from medroute.travel.graph import GraphBackend
from medroute.travel.lookup import LegLookup, legs, table
from tests.dispatch.town import BLAMBANGAN, GENTENG


def test_matrix_lookup_backend() -> None:
    locs = [BLAMBANGAN.location, GENTENG.location]
    full = dataclasses.replace(HaversineBackend().matrix(locs), backend="osm")
    lookup = MatrixLookup(locs, full)
    sub = lookup.matrix([GENTENG.location])
    assert sub.size == 1 and int(sub.durations_s[0, 0]) == 0
    assert sub.backend == "osm"  # a plan timed on it records the backend that computed the matrix
    assert lookup.name == "osm"  # and the lookup itself is that travel, not other travel
    assert MatrixLookup(locs, HaversineBackend().matrix(locs)).name == "lookup"


def test_matrix_lookup_cuts_carry_their_points_and_other_places_are_refused() -> None:
    locs = [BLAMBANGAN.location, GENTENG.location]
    full = HaversineBackend().matrix(locs)
    sub = MatrixLookup(locs, {"motorbike": full}).matrix([GENTENG.location, BLAMBANGAN.location])
    assert sub.points is not None and sub.points.tolist() == [[GENTENG.location.lat, GENTENG.location.lon],
                                                              [BLAMBANGAN.location.lat, BLAMBANGAN.location.lon]]
    with pytest.raises(InvalidMatrixError, match=r"lookup: location 0 .* computed for other places"):
        MatrixLookup(locs[::-1], full)
    bare = TravelMatrix(full.durations_s, full.distances_m)  # no points: trusted, as before
    assert MatrixLookup(locs[::-1], bare).matrix([GENTENG.location]).size == 1


def test_growing_matrix_carries_points_and_refuses_a_matrix_for_other_places() -> None:
    g = GrowingMatrix(lambda locs, profile: HaversineBackend().matrix(locs, profile=profile))
    a = g.over([GENTENG.location, BLAMBANGAN.location], ["motorbike"])["motorbike"]
    b = g.over([BLAMBANGAN.location], ["motorbike"])["motorbike"]
    assert a.points is not None and b.points is not None
    assert b.points.tolist() == [[BLAMBANGAN.location.lat, BLAMBANGAN.location.lon]]
    wrong = GrowingMatrix(lambda locs, profile: HaversineBackend().matrix(list(locs)[::-1], profile=profile))
    with pytest.raises(InvalidMatrixError, match="matrix function: location 0"):
        wrong.over([GENTENG.location, BLAMBANGAN.location], ["motorbike"])


def test_growing_matrix_asks_again_only_for_new_locations() -> None:
    asked: list[int] = []

    def fn(locs: object, profile: str) -> TravelMatrix:
        asked.append(len(locs))  # type: ignore[arg-type]
        m = HaversineBackend().matrix(locs, profile=profile)  # type: ignore[arg-type]
        return dataclasses.replace(m, backend="haversine")

    g = GrowingMatrix(fn)
    a = g.over([GENTENG.location, BLAMBANGAN.location], ["motorbike"])["motorbike"]
    b = g.over([BLAMBANGAN.location], ["motorbike"])["motorbike"]
    assert asked == [2] and b.size == 1 and int(a.durations_s[1, 0]) == int(g.full["motorbike"].durations_s[0, 1])
    assert a.backend == b.backend == "haversine"


class SquareOnly:
    """A backend with only the square ``matrix`` (like OSRM): counts what it is asked."""

    name = "square-only"

    def __init__(self) -> None:
        self.inner = HaversineBackend()
        self.sizes: list[int] = []

    def matrix(self, locations: Sequence[Location], *, profile: str = DEFAULT_PROFILE) -> TravelMatrix:
        self.sizes.append(len(locations))
        return self.inner.matrix(locations, profile=profile)

    def path(self, a: Location, b: Location, *, profile: str = DEFAULT_PROFILE) -> list[Location]:
        return [a, b]


def points(n: int, seed: int = 0) -> list[Location]:
    rng = np.random.default_rng(seed)
    return [Location(-8.2 - 0.1 * float(a), 114.3 + 0.1 * float(b)) for a, b in rng.random((n, 2))]


def test_a_backend_without_tables_is_asked_small_squares() -> None:
    pts = points(150)
    square = SquareOnly()
    full = HaversineBackend().matrix(pts)
    dur, dist = table(square, pts[:130], pts[100:])
    assert np.array_equal(dur, full.durations_s[:130, 100:]) and np.array_equal(dist, full.distances_m[:130, 100:])
    assert max(square.sizes) <= 64 + 50  # a batch of sources and the targets, never all 150 places
    a = list(range(0, 150, 3))
    b = list(range(149, -1, -3))
    dur, dist = legs(square, [pts[i] for i in a], [pts[j] for j in b])
    assert np.array_equal(dur, full.durations_s[a, b]) and np.array_equal(dist, full.distances_m[a, b])


def test_legs_reach_beyond_their_first_search_radius(pancer_osm: GraphBackend,
                                                     pancer_points: list[Location]) -> None:
    # The first Dijkstra runs stop at 5 min; a leg across the extract takes longer.
    m = pancer_osm.matrix(pancer_points)
    i, j = np.unravel_index(int(np.argmax(m.durations_s)), m.durations_s.shape)
    assert m.durations_s[i, j] > 300
    dur, dist = pancer_osm.legs([pancer_points[i], pancer_points[j]], [pancer_points[j], pancer_points[i]])
    assert dur.tolist() == [m.durations_s[i, j], m.durations_s[j, i]]
    assert dist.tolist() == [m.distances_m[i, j], m.distances_m[j, i]]


def test_snap_legs_are_added_to_tables_and_legs_as_to_the_matrix(pancer_file: object,
                                                                 pancer_points: list[Location]) -> None:
    pytest.importorskip("osmnx")
    off_road = [Location(p.lat + 0.0004, p.lon) for p in pancer_points[:6]]
    slow = GraphBackend(str(pancer_file), snap_speed_kmh=5.0)
    m = slow.matrix(off_road)
    dur, dist = slow.table(off_road[:3], off_road)
    assert np.array_equal(dur, m.durations_s[:3]) and np.array_equal(dist, m.distances_m[:3])
    dur, _ = slow.legs(off_road, off_road[::-1])
    assert np.array_equal(dur, m.durations_s[np.arange(6), np.arange(6)[::-1]])


def test_leg_lookup_reads_a_matrix_or_batches_a_backend() -> None:
    pts = points(20, seed=1)
    square = SquareOnly()
    full = HaversineBackend().matrix(pts)
    from_backend = LegLookup(square, pts)
    from_backend.prefetch([(0, 5), (5, 9), (0, 5)])
    asked = len(square.sizes)
    assert from_backend.leg(5, 9) == (int(full.durations_s[5, 9]), int(full.distances_m[5, 9]))
    assert len(square.sizes) == asked  # prefetched
    assert from_backend.leg(9, 2) == (int(full.durations_s[9, 2]), int(full.distances_m[9, 2]))
    assert LegLookup(full, pts).leg(3, 4) == (int(full.durations_s[3, 4]), int(full.distances_m[3, 4]))


def test_matrix_lookup_names_a_profile_it_has_no_matrix_for() -> None:
    locs = [BLAMBANGAN.location, GENTENG.location]
    lookup = MatrixLookup(locs, {"motorbike": HaversineBackend().matrix(locs)})
    with pytest.raises(InvalidMatrixError, match=r"no matrix for travel profile 'car'; it has matrices for "
                                                 r"\['motorbike'\]"):
        lookup.matrix(locs, profile="car")
