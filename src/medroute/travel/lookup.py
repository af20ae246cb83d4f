"""Travel matrices looked up rather than computed: a fixed matrix as a backend, and a growing
cache over every location seen so far (what live dispatch needs as patients appear)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ..errors import InvalidMatrixError
from ..geo import Location
from .base import TravelMatrix

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
    """

    name = "lookup"

    def __init__(self, locations: Sequence[Location], matrix: TravelMatrix | Mapping[str, TravelMatrix]) -> None:
        self.index = {loc: i for i, loc in enumerate(locations)}
        self.matrices: Mapping[str, TravelMatrix] | TravelMatrix = matrix

    def matrix(self, locations: Sequence[Location], *, profile: str = "motorbike") -> TravelMatrix:
        """The sub-matrix over ``locations`` (each must be one of the lookup's locations)."""
        mat = self.matrices if isinstance(self.matrices, TravelMatrix) else self.matrices[profile]
        try:
            idx = np.array([self.index[loc] for loc in locations], dtype=np.int64)
        except KeyError as exc:
            raise InvalidMatrixError(f"lookup: location {exc.args[0]} is not in the matrix") from None
        sub = np.ix_(idx, idx)
        return TravelMatrix(mat.durations_s[sub], mat.distances_m[sub], profile=profile)

    def path(self, a: Location, b: Location, *, profile: str = "motorbike") -> list[Location]:
        """A straight segment: the lookup knows no roads."""
        return [a, b]


class GrowingMatrix:
    """Travel matrices over every location seen so far, per profile, recomputed when the set grows.

    A problem's matrix is numpy fancy-indexed out of the full one, so a problem over known
    locations computes no travel at all.

    Parameters
    ----------
    fn
        ``fn(locations, profile) -> TravelMatrix`` over exactly ``locations``.
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
                self.full[profile] = mat
                self.computed[profile] = len(self.locations)
                self.recomputed += 1
            full = self.full[profile]
            sub = np.ix_(idx, idx)
            out[profile] = TravelMatrix(full.durations_s[sub], full.distances_m[sub], profile=profile)
        return out
