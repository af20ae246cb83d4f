"""A disk cache of travel matrices, as numpy ``.npz`` files.

The key is a sha256 of the backend's :meth:`cache_key` (graph content hash and parameters), the
profile, the ids and the exact coordinates of the points, in order. A hit is read back bit for
bit, with the matrix's :attr:`~medroute.travel.TravelMatrix.points` (an empty ``points`` array
for a matrix without them). A file without ``points`` (written before matrices knew their points)
is computed again and rewritten, as a corrupt file is: a hit is never weaker than a miss.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidMatrixError, InvalidProblemError
from ..geo import Location
from .base import DEFAULT_PROFILE, TravelArrays, TravelBackend, TravelMatrix
from .lookup import legs, table

CACHE_ENV_VAR = "MEDROUTE_CACHE"


def default_cache_dir() -> Path:
    """``$MEDROUTE_CACHE`` when set, else ``~/.cache/medroute``."""
    env = os.environ.get(CACHE_ENV_VAR)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "medroute"


def backend_fingerprint(backend: object) -> str:
    """A stable text naming a backend's content and parameters.

    Uses ``backend.cache_key()`` when present, else the ``repr`` of a dataclass backend.

    Raises
    ------
    InvalidProblemError
        The backend offers neither (it cannot be cached safely).
    """
    key = getattr(backend, "cache_key", None)
    if callable(key):
        return str(key())
    if dataclasses.is_dataclass(backend):
        return repr(backend)
    raise InvalidProblemError(
        f"cache: backend {type(backend).__name__} has no cache_key() and is not a dataclass")


def matrix_key(backend: object, locations: Sequence[Location], profile: str,
               ids: Sequence[str] | None = None) -> str:
    """The cache key (hex sha256) of one matrix request."""
    h = hashlib.sha256()
    h.update(json.dumps([backend_fingerprint(backend), profile, list(ids) if ids else None]).encode())
    h.update(np.array([(p.lat, p.lon) for p in locations], dtype=np.float64).tobytes())
    return h.hexdigest()


class CachedBackend:
    """Wrap a backend so that each distinct matrix request is computed once and kept on disk.

    Parameters
    ----------
    inner
        The backend that computes.
    cache_dir
        Directory of the ``.npz`` files (default :func:`default_cache_dir` / ``matrices``).
    """

    def __init__(self, inner: TravelBackend, cache_dir: str | Path | None = None) -> None:
        self.inner = inner
        self.name = f"cached-{inner.name}"
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir() / "matrices"
        self.hits = 0
        self.misses = 0

    def cache_key(self) -> str:
        return backend_fingerprint(self.inner)

    def _file(self, key: str) -> Path:
        return self.cache_dir / f"{key}.npz"

    def matrix(self, locations: Sequence[Location], *, profile: str = DEFAULT_PROFILE,
               ids: Sequence[str] | None = None) -> TravelMatrix:
        """The inner backend's matrix, from disk when this exact request was made before.

        Parameters
        ----------
        locations
            The places.
        profile
            The travel profile.
        ids
            Names of the locations, carried by the matrix (:attr:`TravelMatrix.ids`) whatever the
            inner backend: one whose ``matrix`` takes ``ids`` (a
            :class:`~medroute.travel.MatrixBackend` matches its rows by them) is given them, any
            other (the :class:`~medroute.travel.base.TravelBackend` protocol has none) is not.

        Raises
        ------
        InvalidMatrixError
            ``ids`` are not one per location, or not unique.
        """
        if ids is not None and len(ids) != len(locations):
            raise InvalidMatrixError(f"cache: {len(ids)} ids for {len(locations)} locations")
        names = tuple(ids) if ids is not None else None
        key = matrix_key(self.inner, locations, profile, ids)
        path = self._file(key)
        if path.exists():
            try:
                with np.load(path, allow_pickle=False) as z:
                    points = z["points"]
                    hit = TravelMatrix(z["durations_s"], z["distances_m"], z["snap_m"], profile=profile,
                                       ids=names, points=points if points.size else None)
                self.hits += 1
                return hit
            except (OSError, ValueError, KeyError):
                path.unlink(missing_ok=True)
        self.misses += 1
        takes_ids = "ids" in inspect.signature(self.inner.matrix).parameters
        kw: dict[str, Any] = {"ids": ids} if ids is not None and takes_ids else {}
        result = self.inner.matrix(locations, profile=profile, **kw)
        if result.ids != names:
            result = dataclasses.replace(result, ids=names)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.cache_dir, suffix=".npz.tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, durations_s=result.durations_s, distances_m=result.distances_m, snap_m=result.snap_m,
                     points=result.points if result.points is not None else np.zeros((0, 2)))
        Path(tmp).replace(path)
        return result

    def table(self, sources: Sequence[Location], targets: Sequence[Location], *,
              profile: str = DEFAULT_PROFILE) -> TravelArrays:
        """Not cached: the inner backend's (:func:`medroute.travel.lookup.table`)."""
        return table(self.inner, sources, targets, profile=profile)

    def legs(self, origins: Sequence[Location], destinations: Sequence[Location], *,
             profile: str = DEFAULT_PROFILE) -> TravelArrays:
        """Not cached: the inner backend's (:func:`medroute.travel.lookup.legs`)."""
        return legs(self.inner, origins, destinations, profile=profile)

    def path(self, a: Location, b: Location, *, profile: str = DEFAULT_PROFILE) -> list[Location]:
        """Not cached: delegated to the inner backend."""
        return self.inner.path(a, b, profile=profile)
