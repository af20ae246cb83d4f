"""Travel looked up rather than computed, and travel between chosen places without a square
matrix over all of them.

* :class:`MatrixLookup`: a fixed matrix as a backend; :class:`GrowingMatrix`: a cache over every
  location seen so far (what live dispatch needs as patients appear).
* :func:`table` and :func:`legs`: a day of 10,000 orders has some 11,000 places, and a full matrix
  is two 11,000 × 11,000 int32 arrays (almost 1 GB, several times that while a backend builds
  it). What decomposition and the checker need is much less: travel between the places of one
  part and its neighbours (:func:`table`), and the legs a plan actually rides (:func:`legs`).
  Backends that answer these directly (:class:`~medroute.travel.base.TableBackend`: ``osm``,
  ``haversine``, ``matrix``) do so in batches; any other backend is asked its square ``matrix``
  over a few places at a time. Every entry equals the square matrix's entry for the same places.
* :class:`LegLookup` serves a problem's legs by location row, from a travel backend (computed in
  batches and kept) or from a :class:`~medroute.travel.TravelMatrix` (looked up): what
  :func:`medroute.check` reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from ..errors import InvalidMatrixError
from ..geo import Location
from .base import DEFAULT_PROFILE, TableBackend, TravelArrays, TravelBackend, TravelMatrix, location_points, points_off

MatrixFn = Callable[[Sequence[Location], str], TravelMatrix]
"""``fn(locations, profile) -> TravelMatrix``: travel durations (s) and distances (m)."""


class MatrixLookup:
    """A travel backend over a fixed matrix: rows of known ``locations`` are looked up, no travel
    is computed. Useful with a scenario's precomputed matrix.

    Parameters
    ----------
    locations
        The locations the matrix rows stand for.
    matrix
        One :class:`TravelMatrix` (every profile) or a mapping profile → matrix.

    Attributes
    ----------
    name
        The backend that computed the matrices (their ``backend``, the same for all), else
        ``"lookup"``: a plan made with the lookup records the same.

    Raises
    ------
    InvalidMatrixError
        A matrix knows the places it was computed for (:attr:`TravelMatrix.points`) and they
        are not ``locations``.
    """

    def __init__(self, locations: Sequence[Location], matrix: TravelMatrix | Mapping[str, TravelMatrix]) -> None:
        self.index = {loc: i for i, loc in enumerate(locations)}
        self.matrices: Mapping[str, TravelMatrix] | TravelMatrix = matrix
        mats = [matrix] if isinstance(matrix, TravelMatrix) else list(matrix.values())
        for mat in mats:
            require_points(mat, locations, "lookup")
        names = {m.backend for m in mats}
        self.name = names.pop() if len(names) == 1 and "" not in names else "lookup"

    def matrix(self, locations: Sequence[Location], *, profile: str = DEFAULT_PROFILE) -> TravelMatrix:
        """The sub-matrix over ``locations`` (each must be one of the lookup's locations), with
        their points.

        Raises
        ------
        InvalidMatrixError
            A location the lookup does not hold, or a profile it has no matrix for.
        """
        if isinstance(self.matrices, TravelMatrix):
            mat = self.matrices
        elif profile in self.matrices:
            mat = self.matrices[profile]
        else:
            raise InvalidMatrixError(f"lookup: no matrix for travel profile {profile!r}; it has matrices for "
                                     f"{sorted(map(str, self.matrices))}")
        try:
            idx = np.array([self.index[loc] for loc in locations], dtype=np.int64)
        except KeyError as exc:
            raise InvalidMatrixError(f"lookup: location {exc.args[0]} is not in the matrix") from None
        sub = np.ix_(idx, idx)
        return TravelMatrix(mat.durations_s[sub], mat.distances_m[sub], profile=profile, backend=mat.backend,
                            points=mat.points[idx] if mat.points is not None else location_points(locations))

    def path(self, a: Location, b: Location, *, profile: str = DEFAULT_PROFILE) -> list[Location]:
        """A straight segment: the lookup knows no roads."""
        return [a, b]


class GrowingMatrix:
    """Travel matrices over every location seen so far, per profile, recomputed when the set grows.

    A problem's matrix is numpy fancy-indexed out of the full one, so a problem over known
    locations computes no travel at all.

    Parameters
    ----------
    fn
        ``fn(locations, profile) -> TravelMatrix`` over exactly ``locations`` (a matrix that
        knows its :attr:`~TravelMatrix.points` must have been computed for them).
    """

    def __init__(self, fn: MatrixFn) -> None:
        self.fn = fn
        self.locations: list[Location] = []
        self.index: dict[Location, int] = {}
        self.full: dict[str, TravelMatrix] = {}
        self.computed: dict[str, int] = {}
        self.recomputed = 0

    def over(self, locations: Sequence[Location], profiles: Sequence[str]) -> dict[str, TravelMatrix]:
        """One matrix per profile over ``locations``, in their order."""
        for loc in locations:
            if loc not in self.index:
                self.index[loc] = len(self.locations)
                self.locations.append(loc)
        idx = np.array([self.index[loc] for loc in locations], dtype=np.int64)
        out = {}
        for profile in profiles:
            if self.computed.get(profile) != len(self.locations):
                mat = self.fn(tuple(self.locations), profile)
                if mat.size != len(self.locations):
                    raise InvalidMatrixError(f"matrix function returned {mat.size} locations, "
                                             f"asked for {len(self.locations)}")
                require_points(mat, self.locations, "matrix function")
                self.full[profile] = mat
                self.computed[profile] = len(self.locations)
                self.recomputed += 1
            full = self.full[profile]
            sub = np.ix_(idx, idx)
            out[profile] = TravelMatrix(full.durations_s[sub], full.distances_m[sub], profile=profile,
                                        backend=full.backend,
                                        points=full.points[idx] if full.points is not None
                                        else location_points(locations))
        return out


def require_points(mat: TravelMatrix, locations: Sequence[Location], what: str) -> None:
    """Refuse ``mat``, whose rows are meant to stand for ``locations``, when it knows the places
    it was computed for (:attr:`TravelMatrix.points`) and they are others (a row's point more than
    :data:`~medroute.travel.base.POINTS_TOLERANCE_M` away); a matrix without points is trusted."""
    if mat.points is None:
        return
    if mat.size != len(locations):
        raise InvalidMatrixError(f"{what}: a matrix over {mat.size} places for {len(locations)} locations")
    off = points_off(mat.points, locations)
    if off is not None:
        i, gap, count = off
        (lat, lon), loc = mat.points[i].tolist(), locations[i]
        raise InvalidMatrixError(
            f"{what}: location {i} at ({loc.lat:.6f}, {loc.lon:.6f}) has a matrix row computed for "
            f"({lat:.6f}, {lon:.6f}), {gap:,.2f} m away ({count} of {mat.size} rows differ): "
            "the matrix was computed for other places; compute it for these locations")


FALLBACK_BATCH = 64
"""Sources per square-matrix request for a backend without ``table``/``legs``."""


def table(backend: TravelBackend, sources: Sequence[Location], targets: Sequence[Location], *,
          profile: str = DEFAULT_PROFILE) -> TravelArrays:
    """Durations (s) and distances (m) from every source to every target: two
    (len(sources), len(targets)) int32 arrays.

    Parameters
    ----------
    backend
        Any travel backend; one without ``table`` is asked for square matrices over
        :data:`FALLBACK_BATCH` sources and the targets at a time.
    sources, targets
        The places.
    profile
        The travel profile.
    """
    if isinstance(backend, TableBackend):
        return backend.table(sources, targets, profile=profile)
    dur = np.zeros((len(sources), len(targets)), dtype=np.int32)
    dist = np.zeros_like(dur)
    for s in range(0, len(sources), FALLBACK_BATCH):
        chunk = list(sources[s:s + FALLBACK_BATCH])
        places = list(dict.fromkeys([*chunk, *targets]))
        at = {p: i for i, p in enumerate(places)}
        m = backend.matrix(places, profile=profile)
        rows = np.array([at[p] for p in chunk], dtype=np.int64)
        cols = np.array([at[p] for p in targets], dtype=np.int64)
        dur[s:s + len(chunk)] = m.durations_s[np.ix_(rows, cols)]
        dist[s:s + len(chunk)] = m.distances_m[np.ix_(rows, cols)]
    return dur, dist


def legs(backend: TravelBackend, origins: Sequence[Location], destinations: Sequence[Location], *,
         profile: str = DEFAULT_PROFILE) -> TravelArrays:
    """Durations (s) and distances (m) from ``origins[i]`` to ``destinations[i]``: two (n,) int32
    arrays. A backend without ``legs`` answers through :func:`table`, origin by origin group."""
    if len(origins) != len(destinations):
        raise ValueError(f"legs: {len(origins)} origins for {len(destinations)} destinations")
    if isinstance(backend, TableBackend):
        return backend.legs(origins, destinations, profile=profile)
    dur = np.zeros(len(origins), dtype=np.int32)
    dist = np.zeros_like(dur)
    firsts = list(dict.fromkeys(origins))
    for s in range(0, len(firsts), FALLBACK_BATCH):
        chunk = set(firsts[s:s + FALLBACK_BATCH])
        mine = [i for i, o in enumerate(origins) if o in chunk]
        srcs = list(dict.fromkeys(origins[i] for i in mine))
        dsts = list(dict.fromkeys(destinations[i] for i in mine))
        d, m = table(backend, srcs, dsts, profile=profile)
        si, di = {p: i for i, p in enumerate(srcs)}, {p: i for i, p in enumerate(dsts)}
        for i in mine:
            dur[i] = d[si[origins[i]], di[destinations[i]]]
            dist[i] = m[si[origins[i]], di[destinations[i]]]
    return dur, dist


class LegLookup:
    """Travel between a problem's places by location row, for one profile.

    From a :class:`~medroute.travel.TravelMatrix` over the places, an entry is read; from a
    travel backend, legs are computed in batches (:meth:`prefetch`) and kept, and a leg asked for
    that was not prefetched is computed alone.

    Parameters
    ----------
    source
        A TravelMatrix whose rows are ``places``, or a travel backend.
    places
        The places, in row order (``problem.locations``).
    profile
        The travel profile.
    """

    def __init__(self, source: TravelMatrix | TravelBackend, places: Sequence[Location],
                 profile: str = DEFAULT_PROFILE) -> None:
        self.matrix = source if isinstance(source, TravelMatrix) else None
        self.backend = None if isinstance(source, TravelMatrix) else source
        self.places = places
        self.profile = profile
        self.known: dict[tuple[int, int], tuple[int, int]] = {}

    def prefetch(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Compute the legs ``pairs`` (origin row, destination row) in one batch (backends only)."""
        if self.backend is None:
            return
        todo = list(dict.fromkeys(p for p in pairs if p not in self.known))
        if not todo:
            return
        dur, dist = legs(self.backend, [self.places[a] for a, _ in todo], [self.places[b] for _, b in todo],
                         profile=self.profile)
        self.known.update(zip(todo, zip(dur.tolist(), dist.tolist(), strict=True), strict=True))

    def leg(self, a: int, b: int) -> tuple[int, int]:
        """Seconds and metres from place row ``a`` to place row ``b``."""
        if self.matrix is not None:
            return int(self.matrix.durations_s[a, b]), int(self.matrix.distances_m[a, b])
        if (a, b) not in self.known:
            self.prefetch([(a, b)])
        return self.known[(a, b)]
