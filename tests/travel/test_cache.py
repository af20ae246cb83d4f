from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from medroute.errors import InvalidMatrixError, InvalidProblemError
from medroute.geo import Location
from medroute.travel.base import TravelMatrix
from medroute.travel.cache import CachedBackend, backend_fingerprint, default_cache_dir, matrix_key
from medroute.travel.graph import GraphBackend
from medroute.travel.haversine import HaversineBackend
from medroute.travel.matrix import MatrixBackend

PTS = [Location(-8.20, 114.36), Location(-8.21, 114.37), Location(-8.22, 114.35)]


def test_hit_after_miss_is_identical(tmp_path: Path) -> None:
    c = CachedBackend(HaversineBackend(), tmp_path)
    a = c.matrix(PTS)
    b = c.matrix(PTS)
    assert (c.misses, c.hits) == (1, 1)
    assert np.array_equal(a.durations_s, b.durations_s) and np.array_equal(a.snap_m, b.snap_m)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    c.matrix(PTS[::-1])
    c.matrix(PTS, profile="walk")
    assert c.misses == 3


def test_a_hit_knows_its_points_and_an_older_file_without_them_is_computed_again(tmp_path: Path) -> None:
    """A file written before matrices knew their points is not trusted: it is computed again and
    rewritten with them, so the matrix is refused for other places, as a miss is."""
    import dataclasses

    from medroute.matrices import as_matrices
    from tests.plans import small_problem

    problem = small_problem()
    c = CachedBackend(HaversineBackend(), tmp_path)
    miss = c.matrix(problem.locations)
    hit = c.matrix(problem.locations)
    assert c.hits == 1 and miss.points is not None and hit.points is not None
    np.testing.assert_array_equal(hit.points, [(p.lat, p.lon) for p in problem.locations])
    (path,) = tmp_path.glob("*.npz")
    np.savez(path, durations_s=miss.durations_s, distances_m=miss.distances_m, snap_m=miss.snap_m)  # as before
    again = c.matrix(problem.locations)
    assert (c.hits, c.misses) == (1, 2)
    np.testing.assert_array_equal(again.durations_s, miss.durations_s)
    with np.load(path) as z:
        np.testing.assert_array_equal(z["points"], miss.points)
    door = problem.orders[0]
    moved = problem.replace(orders=(dataclasses.replace(door, location=Location(door.location.lat + 0.01,
                                                                               door.location.lon)),
                                    *problem.orders[1:]))
    with pytest.raises(InvalidMatrixError, match="computed for other places"):
        as_matrices(moved, again)


def test_a_matrix_without_points_is_cached_as_one(tmp_path: Path) -> None:
    """A backend's matrix without points (a matrix known by ids only) reads back without, as a hit."""
    ids = [f"p{i}" for i in range(len(PTS))]
    inner = MatrixBackend(HaversineBackend().matrix(PTS).durations_s, HaversineBackend().matrix(PTS).distances_m,
                          ids=ids)
    c = CachedBackend(inner, tmp_path)
    miss = c.matrix(PTS, ids=ids)
    hit = c.matrix(PTS, ids=ids)
    assert miss.points is None and hit.points is None and (c.hits, c.misses) == (1, 1)
    np.testing.assert_array_equal(hit.durations_s, miss.durations_s)


def test_key_depends_on_backend_params_points_and_ids() -> None:
    base = matrix_key(HaversineBackend(), PTS, "motorbike")
    assert matrix_key(HaversineBackend(detour=1.2), PTS, "motorbike") != base
    assert matrix_key(HaversineBackend(), PTS[:2], "motorbike") != base
    assert matrix_key(HaversineBackend(), PTS, "motorbike", ids=["a", "b", "c"]) != base
    assert matrix_key(HaversineBackend(), list(PTS), "motorbike") == base


def test_graph_content_changes_key(pancer_file: Path) -> None:
    a = GraphBackend(pancer_file)
    b = GraphBackend(pancer_file, speeds_kmh={"residential": 20.0})
    assert backend_fingerprint(a) != backend_fingerprint(b)
    assert a.graph.content_hash in backend_fingerprint(a)


def test_corrupt_file_is_recomputed(tmp_path: Path) -> None:
    c = CachedBackend(HaversineBackend(), tmp_path)
    c.matrix(PTS)
    next(tmp_path.glob("*.npz")).write_bytes(b"garbage")
    m = c.matrix(PTS)
    assert c.misses == 2 and isinstance(m, TravelMatrix)


def test_default_dir_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEDROUTE_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("MEDROUTE_CACHE")
    assert default_cache_dir() == Path.home() / ".cache" / "medroute"


def test_uncacheable_backend_refused() -> None:
    class Opaque:
        name = "opaque"

    with pytest.raises(InvalidProblemError, match="no cache_key"):
        backend_fingerprint(Opaque())

    @dataclass(frozen=True)
    class Simple:
        speed: float = 1.0

    assert "speed=1.0" in backend_fingerprint(Simple())


def test_path_delegates(tmp_path: Path) -> None:
    assert CachedBackend(HaversineBackend(), tmp_path).path(PTS[0], PTS[1]) == [PTS[0], PTS[1]]


def test_ids_are_carried_for_every_backend_and_given_only_to_one_that_takes_them(tmp_path: Path) -> None:
    """The protocol's ``matrix`` takes no ``ids``: haversine is not given them (it raised TypeError),
    the matrix carries them as names, on a miss as on a hit; a MatrixBackend matches rows by them."""
    names = ("a", "b", "c")
    c = CachedBackend(HaversineBackend(), tmp_path / "haversine")
    miss, hit = c.matrix(PTS, ids=names), c.matrix(PTS, ids=list(names))
    assert (c.misses, c.hits) == (1, 1) and miss.ids == hit.ids == names
    np.testing.assert_array_equal(miss.durations_s, HaversineBackend().matrix(PTS).durations_s)
    full = HaversineBackend().matrix(PTS)
    by_name = CachedBackend(MatrixBackend(full.durations_s, full.distances_m, ids=names), tmp_path / "matrix")
    swapped = by_name.matrix(PTS[:2], ids=("c", "a"))
    assert swapped.ids == ("c", "a") and int(swapped.durations_s[0, 1]) == int(full.durations_s[2, 0])
    with pytest.raises(InvalidMatrixError, match="2 ids for 3 locations"):
        c.matrix(PTS, ids=("a", "b"))
