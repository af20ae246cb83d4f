"""One suite, every backend: the contract any TravelBackend must keep."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medroute.errors import InvalidMatrixError, InvalidProblemError, UnreachableLocationError
from medroute.geo import Location
from medroute.travel import BACKEND_NAMES, CachedBackend, TravelBackend
from medroute.travel.base import location_points
from medroute.travel.graph import GraphBackend
from medroute.travel.haversine import HaversineBackend
from medroute.travel.matrix import MatrixBackend

BACKENDS = ["haversine", "matrix", "osm", "osrm", "osrm-http", "cached"]
"""Every backend the registry lists, and the disk cache around one (``cached``: around ``osm``)."""
NETWORK = {"osm", "osrm", "osrm-http"}
FAR = Location(-8.2084, 114.3662)  # RSUD Blambangan: ~45 km from the Pancer extract


def test_the_suite_runs_every_backend_of_the_registry() -> None:
    assert set(BACKEND_NAMES) <= set(BACKENDS)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, pancer_osm: GraphBackend, pancer_points: list[Location],
            tmp_path: Path) -> TravelBackend:
    name = request.param
    if name == "haversine":
        return HaversineBackend()
    if name == "cached":
        return CachedBackend(pancer_osm, tmp_path / "matrices")
    if name == "matrix":
        m = pancer_osm.matrix(pancer_points)
        return MatrixBackend(m.durations_s, m.distances_m, locations=pancer_points,
                             ids=[f"p{i}" for i in range(len(pancer_points))])
    if name == "osm":
        return pancer_osm
    if name == "osrm":
        from medroute.travel.osrm import OsrmBackend

        return OsrmBackend(dataset=request.getfixturevalue("pancer_osrm_dataset"))
    from medroute.travel.osrm import OsrmHttpBackend

    return OsrmHttpBackend(request.getfixturevalue("osrm_url"))


def test_satisfies_protocol(backend: TravelBackend) -> None:
    assert isinstance(backend, TravelBackend)
    assert backend.name


def test_shape_dtype_zero_diagonal_non_negative(backend: TravelBackend, pancer_points: list[Location]) -> None:
    m = backend.matrix(pancer_points)
    n = len(pancer_points)
    assert m.durations_s.shape == m.distances_m.shape == (n, n)
    assert m.durations_s.dtype == np.int32 and m.distances_m.dtype == np.int32
    assert np.all(np.diag(m.durations_s) == 0) and np.all(np.diag(m.distances_m) == 0)
    off = ~np.eye(n, dtype=bool)
    assert np.min(m.durations_s) >= 0 and np.min(m.distances_m) >= 0
    assert np.mean(m.distances_m[off] > 0) > 0.95  # distinct nodes are apart (a few may be < 0.5 m)
    assert m.snap_m.shape == (n,) and np.all(m.snap_m >= 0) and np.all(m.snap_m < 1.0)
    assert m.profile == "motorbike"


def test_speeds_are_plausible_for_a_motorbike(backend: TravelBackend, pancer_points: list[Location]) -> None:
    m = backend.matrix(pancer_points)
    off = ~np.eye(len(pancer_points), dtype=bool)
    off &= m.durations_s > 30  # rounding dominates very short legs
    kmh = m.distances_m[off] / m.durations_s[off] * 3.6
    assert np.all((kmh > 5) & (kmh < 60)), (np.min(kmh), np.max(kmh))


def test_triangle_inequality_within_rounding(backend: TravelBackend, pancer_points: list[Location]) -> None:
    d = backend.matrix(pancer_points).durations_s.astype(np.int64)
    via = (d[:, :, None] + d[None, :, :]).min(axis=1)  # best i -> j -> k
    assert np.all(d <= via + 2)  # each entry rounds to the second


def test_at_least_straight_line(backend: TravelBackend, pancer_points: list[Location]) -> None:
    from medroute.geo import pairwise_haversine_m

    m = backend.matrix(pancer_points)
    # OSRM measures with its own (approximate) earth model: allow 1 %
    assert np.all(m.distances_m >= np.floor(pairwise_haversine_m(pancer_points) * 0.99) - 1)


def test_repeated_calls_identical(backend: TravelBackend, pancer_points: list[Location]) -> None:
    a = backend.matrix(pancer_points)
    b = backend.matrix(pancer_points)
    assert np.array_equal(a.durations_s, b.durations_s)
    assert np.array_equal(a.distances_m, b.distances_m)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_submatrix_consistency(backend: TravelBackend, pancer_points: list[Location], data: st.DataObject
                               ) -> None:
    """Asking for any subset, in any order, gives the same entries as the full matrix."""
    full = backend.matrix(pancer_points)
    idx = data.draw(st.lists(st.integers(0, len(pancer_points) - 1), min_size=2, max_size=8, unique=True))
    sub = backend.matrix([pancer_points[i] for i in idx])
    assert np.array_equal(sub.durations_s, full.durations_s[np.ix_(idx, idx)])
    assert np.array_equal(sub.distances_m, full.distances_m[np.ix_(idx, idx)])


def test_single_and_empty(backend: TravelBackend, pancer_points: list[Location]) -> None:
    one = backend.matrix(pancer_points[:1])
    assert one.durations_s.shape == (1, 1) and one.durations_s[0, 0] == 0
    none = backend.matrix([])
    assert none.durations_s.shape == none.distances_m.shape == (0, 0) and none.snap_m.shape == (0,)


def test_a_place_twice_is_zero_travel_apart(backend: TravelBackend, pancer_points: list[Location]) -> None:
    a, b, c = pancer_points[:3]
    m = backend.matrix([a, b, a, c])
    for arr in (m.durations_s, m.distances_m):
        assert arr[0, 2] == arr[2, 0] == 0
        assert np.array_equal(arr[0], arr[2]) and np.array_equal(arr[:, 0], arr[:, 2])


def test_the_matrix_knows_the_places_it_was_computed_for(backend: TravelBackend, pancer_points: list[Location]
                                                        ) -> None:
    for places in (pancer_points, pancer_points[::-3], pancer_points[:1], []):
        m = backend.matrix(places)
        assert m.points is not None
        np.testing.assert_array_equal(m.points, location_points(places))


def test_far_point_refused_with_its_index(backend: TravelBackend, pancer_points: list[Location]) -> None:
    points = [*pancer_points[:2], FAR]
    if backend.name == "haversine":
        assert backend.matrix(points).durations_s[0, 2] > 0  # no network: nothing to refuse
        return
    expected = UnreachableLocationError if backend.name.removeprefix("cached-") in NETWORK else InvalidMatrixError
    with pytest.raises(expected, match=r"location 2\b"):
        backend.matrix(points)


def test_path_endpoints(backend: TravelBackend, pancer_points: list[Location]) -> None:
    a, b = pancer_points[0], pancer_points[1]
    line = backend.path(a, b)
    assert line[0] == a and line[-1] == b and len(line) >= 2
    assert all(math.isfinite(p.lat) and math.isfinite(p.lon) for p in line)


def test_unknown_profile_rejected(backend: TravelBackend, pancer_points: list[Location]) -> None:
    with pytest.raises((InvalidProblemError, InvalidMatrixError), match=r"profile|'hovercraft'"):
        backend.matrix(pancer_points[:3], profile="hovercraft")


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nan_coordinates_rejected_before_any_backend(bad: float) -> None:
    with pytest.raises(InvalidProblemError, match="finite"):
        Location(bad, 114.0)


def test_shortest_path_backends_agree_on_pancer(pancer_osm: GraphBackend, pancer_points: list[Location],
                                                pancer_osrm_dataset: Path) -> None:
    from medroute.travel.osrm import OsrmBackend

    a = pancer_osm.matrix(pancer_points).durations_s.astype(float)
    b = OsrmBackend(dataset=pancer_osrm_dataset).matrix(pancer_points).durations_s.astype(float)
    off = ~np.eye(len(pancer_points), dtype=bool) & (b >= 30)
    rel = np.abs(a - b)[off] / b[off]
    assert np.median(rel) < 0.01 and np.percentile(rel, 95) < 0.03


def test_tables_and_legs_equal_the_square_matrix(backend: TravelBackend, pancer_points: list[Location]) -> None:
    # What decomposition and the checker ask instead of a square matrix (medroute.travel.lookup:
    # the backend's own table/legs, or its square matrix over a few places at a time).
    from medroute.travel.lookup import legs, table

    m = backend.matrix(pancer_points)
    rng = np.random.default_rng(3)
    rows, cols = rng.choice(30, 7, replace=False), rng.choice(30, 11, replace=False)
    dur, dist = table(backend, [pancer_points[i] for i in rows], [pancer_points[j] for j in cols])
    assert np.array_equal(dur, m.durations_s[np.ix_(rows, cols)])
    assert np.array_equal(dist, m.distances_m[np.ix_(rows, cols)])
    a, b = rng.integers(0, 30, 40), rng.integers(0, 30, 40)
    dur, dist = legs(backend, [pancer_points[i] for i in a], [pancer_points[j] for j in b])
    assert dur.dtype == np.int32 and np.array_equal(dur, m.durations_s[a, b])
    assert np.array_equal(dist, m.distances_m[a, b])


def test_a_plan_is_held_to_the_travel_it_was_made_on(backend: TravelBackend, pancer_points: list[Location]) -> None:
    """Planned on the backend, a plan records it and checks feasible on it; on slower travel its
    schedule is impossible, and the checker says so, leg by leg, with a mismatch warning."""
    import medroute
    from medroute.check import Rule
    from medroute.errors import TravelMismatchWarning
    from medroute.matrices import as_matrices

    day = medroute.TimeWindow(8 * 3600, 13 * 3600)
    pharmacy = medroute.Pharmacy("ph", pancer_points[0])
    orders = tuple(medroute.Order(f"o{k}", "ph", pancer_points[3 + k], release_s=day.start_s, windows=(day,))
                   for k in range(4))
    problem = medroute.Problem((pharmacy,), orders, (medroute.Rider("r", pancer_points[1], start_s=day.start_s),))
    plan = medroute.solve(problem, engine="greedy", time_limit=1, matrix=backend)
    assert plan.travel is not None and plan.travel.backend == backend.name
    assert plan.kpis.served == 4 and medroute.check(problem, plan, backend) == []
    m = as_matrices(problem, backend)["motorbike"]
    slower = m.durations_s * 2 + 1 - np.eye(m.size, dtype=np.int32)  # every leg longer, the diagonal 0
    with pytest.warns(TravelMismatchWarning):
        late = medroute.check(problem, plan, medroute.TravelMatrix(slower, m.distances_m))
    assert sum(v.rule == Rule.LEG for v in late) >= 5


def test_a_problem_place_off_the_network_is_named(backend: TravelBackend, pancer_points: list[Location]) -> None:
    """Refused for a problem, a place is named by what stands there, not by its row."""
    import medroute
    from medroute.matrices import as_matrices

    if backend.name == "haversine":
        return  # no network: nothing to refuse
    pharmacy = medroute.Pharmacy("ph", pancer_points[0])
    orders = (medroute.Order("near", "ph", pancer_points[2]), medroute.Order("far-away", "ph", FAR))
    problem = medroute.Problem((pharmacy,), orders, (medroute.Rider("r", pancer_points[1]),))
    with pytest.raises((UnreachableLocationError, InvalidMatrixError), match=r"location 2\b.*'far-away'"):
        as_matrices(problem, backend)
