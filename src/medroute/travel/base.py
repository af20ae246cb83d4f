"""The travel-backend contract: a protocol and the matrix every backend returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..defaults import DEFAULT_PROFILE as DEFAULT_PROFILE
from ..errors import InvalidMatrixError
from ..geo import Location, haversine_m

TravelArrays = tuple[NDArray[np.int32], NDArray[np.int32]]
"""Travel durations (s) and distances (m) as a pair of int32 arrays of the same shape: a
rectangular table (sources × targets) or single legs (one entry per origin–destination pair)."""


def backend_name(name: str, params: Sequence[str]) -> str:
    """A backend's name with the parameters that make its travel differ from the defaults', e.g.
    ``"haversine(detour=1.5)"``; just ``name`` without any. A plan records it
    (:attr:`medroute.Solution.travel`), so it is never taken for travel on the defaults."""
    return f"{name}({', '.join(params)})" if params else name


@dataclass(frozen=True, eq=False, init=False)
class TravelMatrix:
    """Many-to-many travel between ``n`` locations.

    Attributes
    ----------
    durations_s
        (n, n) int32, seconds from row to column.
    distances_m
        (n, n) int32, metres from row to column.
    snap_m
        (n,) float64, how far each location was moved to reach the network, metres
        (zero for backends without a network).
    profile
        The travel profile the matrix was computed for (e.g. ``"motorbike"``).
    ids
        Optional names of the locations, for error messages and matching.
    backend
        Name of the travel backend that computed it (``""`` when unknown); a plan records
        it (:attr:`medroute.Solution.travel`).
    points
        Optional (n, 2) float64, the latitude and longitude (degrees) of the location each row
        was computed for. Every backend that computes from locations sets it, and every slice
        carries it; where the matrix meets a problem its points must be the problem's
        locations (within :data:`POINTS_TOLERANCE_M`), else the matrix is refused
        (:class:`~medroute.errors.InvalidMatrixError`) rather than planned on with travel
        computed for other places. ``None`` (numpy arrays, a literature instance): rows are
        trusted to be in the problem's order, as they are matched by count or by ids only.
    """

    durations_s: NDArray[np.int32]
    distances_m: NDArray[np.int32]
    snap_m: NDArray[np.float64]
    profile: str
    ids: tuple[str, ...] | None
    backend: str
    points: NDArray[np.float64] | None

    def __init__(self, durations_s: ArrayLike, distances_m: ArrayLike, snap_m: ArrayLike = (),
                 profile: str = DEFAULT_PROFILE, ids: tuple[str, ...] | None = None, backend: str = "",
                 points: ArrayLike | None = None) -> None:
        """Any array-like of integers (a list of lists, an int64 array) for the travel, any of
        floats for ``snap_m`` (empty: zeros) and ``points``; they are stored as the attributes'
        arrays, read-only."""
        for name, value in (("profile", profile), ("ids", ids), ("backend", backend)):
            object.__setattr__(self, name, value)
        d = np.asarray(durations_s)
        m = np.asarray(distances_m)
        if d.ndim != 2 or d.shape[0] != d.shape[1]:
            raise InvalidMatrixError(f"matrix: durations must be square, got shape {d.shape}")
        if m.shape != d.shape:
            raise InvalidMatrixError(
                f"matrix: distances shape {m.shape} differs from durations shape {d.shape}"
            )
        for name, arr in (("durations_s", d), ("distances_m", m)):
            if not np.issubdtype(arr.dtype, np.integer) and not np.all(np.isfinite(arr)):
                raise InvalidMatrixError(f"matrix: {name} has non-finite entries")
            if arr.size and np.min(arr) < 0:
                i, j = np.unravel_index(int(np.argmin(arr)), arr.shape)
                raise InvalidMatrixError(
                    f"matrix: {name} must not be negative, entry ({self._name(int(i))}, "
                    f"{self._name(int(j))}) is {arr[i, j]}"
                )
            if arr.size and np.max(arr) > np.iinfo(np.int32).max:
                raise InvalidMatrixError(f"matrix: {name} exceeds the int32 range")
        object.__setattr__(self, "durations_s", np.ascontiguousarray(d, dtype=np.int32))
        object.__setattr__(self, "distances_m", np.ascontiguousarray(m, dtype=np.int32))
        snap = np.asarray(snap_m, dtype=np.float64)
        if snap.size == 0:
            snap = np.zeros(d.shape[0])
        if snap.shape != (d.shape[0],):
            raise InvalidMatrixError(f"matrix: snap_m must have {d.shape[0]} entries, got {snap.shape}")
        object.__setattr__(self, "snap_m", snap)
        if self.ids is not None:
            if len(self.ids) != d.shape[0]:
                raise InvalidMatrixError(
                    f"matrix: {len(self.ids)} ids for a {d.shape[0]} x {d.shape[0]} matrix"
                )
            if len(set(self.ids)) != len(self.ids):
                raise InvalidMatrixError("matrix: ids must be unique")
        object.__setattr__(self, "points", None)
        if points is not None:
            pts = np.ascontiguousarray(points, dtype=np.float64)
            if pts.shape != (d.shape[0], 2):
                raise InvalidMatrixError(
                    f"matrix: points must be (n, 2) latitudes and longitudes for a {d.shape[0]} x "
                    f"{d.shape[0]} matrix, got shape {pts.shape}")
            ok = (np.abs(pts[:, 0]) <= 90.0) & (np.abs(pts[:, 1]) <= 180.0)  # False for nan
            if not ok.all():
                bad = int(np.flatnonzero(~ok)[0])
                raise InvalidMatrixError(f"matrix: point of location {self._name(bad)} is not a latitude "
                                         f"and longitude in degrees: {tuple(pts[bad].tolist())}")
            pts.setflags(write=False)
            object.__setattr__(self, "points", pts)
        self.durations_s.setflags(write=False)
        self.distances_m.setflags(write=False)
        self.snap_m.setflags(write=False)

    def _name(self, i: int) -> str:
        return repr(self.ids[i]) if self.ids is not None else str(i)

    @property
    def size(self) -> int:
        """Number of locations."""
        return int(self.durations_s.shape[0])


POINTS_TOLERANCE_M = 0.25
"""How far (metres) a matrix's :attr:`~TravelMatrix.points` may lie from the locations it is used
for: float noise and coordinates rounded to six decimals pass, a moved door does not."""


def location_points(locations: Sequence[Location]) -> NDArray[np.float64]:
    """The (n, 2) latitudes and longitudes of ``locations``: a matrix's
    :attr:`~TravelMatrix.points` when it was computed for them."""
    return np.array([(p.lat, p.lon) for p in locations], dtype=np.float64).reshape(-1, 2)


def take_points(points: NDArray[np.float64] | None, rows: NDArray[np.int64]) -> NDArray[np.float64] | None:
    """The points of the rows ``rows`` (``None`` for a matrix without points)."""
    return None if points is None else points[rows]


def points_off(points: NDArray[np.float64], locations: Sequence[Location]) -> tuple[int, float, int] | None:
    """Where ``points`` (a matrix's, one per row) stop being ``locations``: the first row whose
    point lies more than :data:`POINTS_TOLERANCE_M` from its location, how far (metres) and how
    many rows do; ``None`` when every row is its location."""
    here = location_points(locations)
    if here.shape != points.shape:
        raise ValueError(f"points_off: {len(points)} points for {len(here)} locations")
    if np.array_equal(points, here):
        return None
    gaps = haversine_m(points[:, 0], points[:, 1], here[:, 0], here[:, 1])
    off = np.flatnonzero(~(gaps <= POINTS_TOLERANCE_M))
    return (int(off[0]), float(gaps[off[0]]), int(off.size)) if off.size else None


@runtime_checkable
class TravelBackend(Protocol):
    """What every travel backend provides."""

    @property
    def name(self) -> str:
        """The backend's name, with the parameters that make its travel differ from the defaults'
        (:func:`backend_name`); a plan records it (:attr:`medroute.Solution.travel`)."""
        ...

    def matrix(self, locations: Sequence[Location], *, profile: str = DEFAULT_PROFILE) -> TravelMatrix:
        """Travel durations (s) and distances (m) between every pair of ``locations``."""
        ...

    def path(self, a: Location, b: Location, *, profile: str = DEFAULT_PROFILE) -> list[Location]:
        """The geometry travelled from ``a`` to ``b`` (for maps), endpoints included."""
        ...


@runtime_checkable
class TableBackend(TravelBackend, Protocol):
    """A travel backend that also answers for chosen pairs without a square matrix: what a day too
    large for one matrix needs (:mod:`medroute.travel.lookup` asks the square ``matrix`` of a
    backend without these). Every entry equals the square matrix's entry for the same two places."""

    def table(self, sources: Sequence[Location], targets: Sequence[Location], *,
              profile: str = DEFAULT_PROFILE) -> TravelArrays:
        """Travel from every source to every target: two (len(sources), len(targets)) arrays."""
        ...

    def legs(self, origins: Sequence[Location], destinations: Sequence[Location], *,
             profile: str = DEFAULT_PROFILE) -> TravelArrays:
        """Travel from ``origins[i]`` to ``destinations[i]`` for every ``i``: two (n,) arrays."""
        ...
