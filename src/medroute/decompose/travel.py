"""Travel for the parts of a day, never a square matrix over the whole day.

With a travel backend, each part's travel is a rectangular *block*: from the part's places to
those of the part and of its neighbours, computed where the part is solved
(:func:`medroute.travel.lookup.table`: one Dijkstra run per place on a road graph). The blocks
come back to :class:`PartTravel`, which assembles the square matrices of any later group of
places (two neighbouring parts re-planned together) from them and computes in one batch only the
rows no block covers (an order that moved further than a neighbour). Memory grows with the parts
and their neighbours, not with the square of the day. A full matrix given by the user is only
cut (:func:`medroute.sub_matrix`'s way).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..geo import Location
from ..matrices import GIVEN_MATRIX, MatrixLike, as_matrices
from ..model import Problem
from ..travel.base import TravelArrays, TravelBackend, TravelMatrix, location_points, take_points
from ..travel.lookup import table


def travel_backend(matrix: MatrixLike) -> TravelBackend | None:
    """The backend to compute blocks with: ``matrix`` itself if it is a travel backend (the
    haversine default for ``None``), else ``None`` (a full matrix to cut)."""
    if matrix is None:
        from ..travel.haversine import HaversineBackend

        return HaversineBackend()
    if isinstance(matrix, TravelBackend) and not isinstance(matrix, TravelMatrix) \
            and getattr(matrix, "locations", True) is not None:  # a MatrixBackend known by ids only is cut
        return matrix
    return None


def sub_problem(problem: Problem, orders: Sequence[int], riders: Sequence[int]) -> Problem:
    """``problem`` with only ``orders`` and ``riders`` (indices) and the pharmacies they use."""
    os_ = tuple(problem.orders[k] for k in sorted(orders))
    used = {o.pharmacy for o in os_}
    return problem.replace(orders=os_, riders=tuple(problem.riders[r] for r in sorted(riders)),
                           pharmacies=tuple(p for p in problem.pharmacies if p.id in used))


@dataclass(frozen=True, eq=False)
class _Block:
    """Travel from place rows ``rows`` to place rows ``cols`` (sorted)."""

    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    durations: NDArray[np.int32]
    distances: NDArray[np.int32]


class PartTravel:
    """The travel of a day's parts (see the module docstring).

    Parameters
    ----------
    problem
        The whole day.
    matrix
        A travel backend (or ``None``, haversine) to compute blocks with, or a full matrix
        (anything :func:`medroute.matrices.as_matrices` accepts) to cut.
    """

    def __init__(self, problem: Problem, matrix: MatrixLike) -> None:
        self.problem = problem
        self.index = problem.location_index
        self.backend = travel_backend(matrix)
        self.full = as_matrices(problem, matrix) if self.backend is None else None
        self.name = (self.backend.name if self.backend is not None
                     else (next(iter(self.full.values())).backend or GIVEN_MATRIX) if self.full else "")
        self.blocks: dict[str, list[_Block]] = {}
        self.row_block: dict[str, dict[int, tuple[int, int]]] = {}

    def rows(self, places: Sequence[Location]) -> NDArray[np.int64]:
        """The day's location rows of ``places``."""
        return np.array([self.index[p] for p in places], dtype=np.int64)

    def add(self, profile: str, rows: NDArray[np.int64], cols: NDArray[np.int64], arrays: TravelArrays) -> None:
        """Keep a block computed elsewhere: travel from place rows ``rows`` to ``cols``."""
        order = np.argsort(cols, kind="stable")
        block = _Block(rows, cols[order], arrays[0][:, order], arrays[1][:, order])
        blocks = self.blocks.setdefault(profile, [])
        where = self.row_block.setdefault(profile, {})
        for i, r in enumerate(rows.tolist()):
            where[r] = (len(blocks), i)
        blocks.append(block)

    def matrices(self, sub: Problem) -> dict[str, TravelMatrix]:
        """The square matrices of ``sub`` (a problem over some of the day's places), per profile."""
        rows = self.rows(sub.locations)
        if self.full is not None:
            sel = np.ix_(rows, rows)
            return {p: TravelMatrix(self.full[p].durations_s[sel], self.full[p].distances_m[sel],
                                    self.full[p].snap_m[rows], profile=p, backend=self.name,
                                    points=take_points(self.full[p].points, rows)) for p in sub.profiles}
        return {p: TravelMatrix(*self._square(p, rows), profile=p, backend=self.name,
                                points=location_points(sub.locations)) for p in sub.profiles}

    def _square(self, profile: str, rows: NDArray[np.int64]) -> TravelArrays:
        """Travel between ``rows`` from the blocks; rows no block covers computed in one batch."""
        n = len(rows)
        dur = np.empty((n, n), dtype=np.int32)
        dist = np.empty((n, n), dtype=np.int32)
        blocks = self.blocks.get(profile, [])
        where = self.row_block.get(profile, {})
        by_block: dict[int, list[int]] = {}
        missing: list[int] = []
        for i, r in enumerate(rows.tolist()):
            if r in where:
                by_block.setdefault(where[r][0], []).append(i)
            else:
                missing.append(i)
        for b, mine in by_block.items():
            block = blocks[b]
            pos = np.minimum(np.searchsorted(block.cols, rows), len(block.cols) - 1)
            if not np.array_equal(block.cols[pos], rows):
                missing += mine
                continue
            at = np.array([where[int(rows[i])][1] for i in mine], dtype=np.int64)
            dur[mine] = block.durations[np.ix_(at, pos)]
            dist[mine] = block.distances[np.ix_(at, pos)]
        if missing:
            assert self.backend is not None
            places = self.problem.locations
            new = table(self.backend, [places[int(rows[i])] for i in missing], [places[int(r)] for r in rows],
                        profile=profile)
            self.add(profile, rows[missing], rows.copy(), new)
            dur[missing], dist[missing] = new
        return dur, dist


def block_for(backend: TravelBackend, sub: Problem, extra: Sequence[Location]
              ) -> tuple[dict[str, TravelMatrix], dict[str, TravelArrays]]:
    """Run where a part is solved: the block from ``sub``'s places to them and to ``extra`` (the
    neighbours' places), and ``sub``'s square matrices cut from it, per profile."""
    places = list(sub.locations)
    cols = block_columns(sub, extra)
    n = len(places)
    blocks = {p: table(backend, places, cols, profile=p) for p in sub.profiles}
    points = location_points(places)
    mats = {p: TravelMatrix(np.ascontiguousarray(d[:, :n]), np.ascontiguousarray(m[:, :n]), profile=p,
                            backend=backend.name, points=points) for p, (d, m) in blocks.items()}
    return mats, blocks


def block_columns(sub: Problem, extra: Sequence[Location]) -> list[Location]:
    """The columns :func:`block_for` computes: ``sub``'s places, then the new ones of ``extra``."""
    places = list(sub.locations)
    seen = set(places)
    return places + [p for p in dict.fromkeys(extra) if p not in seen]


def neighbour_places(problem: Problem, orders: Sequence[int], riders: Sequence[int]) -> list[Location]:
    """Places of ``orders`` (pharmacies and doors) and ``riders`` (starts and ends)."""
    out: list[Location] = []
    for k in orders:
        o = problem.orders[k]
        out += [problem.pharmacy[o.pharmacy].location, o.location]
    for r in riders:
        rider = problem.riders[r]
        out.append(rider.start)
        if rider.end is not None:
            out.append(rider.end)
    return list(dict.fromkeys(out))
