"""PartTravel: the parts' matrices equal the full matrix's, from blocks or cut, never whole-day."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from medroute.decompose import split
from medroute.decompose.travel import PartTravel, block_columns, block_for, neighbour_places, sub_problem
from medroute.geo import Location
from medroute.matrices import as_matrices
from medroute.travel.base import DEFAULT_PROFILE, TravelArrays, location_points
from medroute.travel.haversine import HaversineBackend

from .towns import town


class Counting(HaversineBackend):
    """Haversine that records the size of every table it computes."""

    def __init__(self) -> None:
        super().__init__()
        object.__setattr__(self, "asked", [])

    def table(self, sources: Sequence[Location], targets: Sequence[Location], *,
              profile: str = DEFAULT_PROFILE) -> TravelArrays:
        self.asked.append((len(sources), len(targets)))  # type: ignore[attr-defined]
        return super().table(sources, targets, profile=profile)


def test_parts_and_pairs_are_assembled_from_the_blocks_their_tasks_computed() -> None:
    p = town(1, pharmacies=3, orders=90, riders=9)
    backend = Counting()
    full = as_matrices(p, HaversineBackend())["motorbike"]
    got = split(p, part_size=30)
    travel = PartTravel(p, backend)
    for i, part in enumerate(got.parts):
        sub = sub_problem(p, part.orders, part.riders)
        near = got.neighbours[i]
        extra = neighbour_places(p, [k for q in near for k in got.parts[q].orders],
                                 [r for q in near for r in got.parts[q].riders])
        mats, blocks = block_for(backend, sub, extra)
        rows = travel.rows(sub.locations)
        assert np.array_equal(mats["motorbike"].durations_s, full.durations_s[np.ix_(rows, rows)])
        assert np.array_equal(mats["motorbike"].points, location_points(sub.locations))
        travel.add("motorbike", rows, travel.rows(block_columns(sub, extra)), blocks["motorbike"])
    asked = len(backend.asked)  # type: ignore[attr-defined]
    pair = sub_problem(p, got.parts[0].orders + got.parts[1].orders, got.parts[0].riders + got.parts[1].riders)
    rows = travel.rows(pair.locations)
    m = travel.matrices(pair)["motorbike"]
    assert np.array_equal(m.durations_s, full.durations_s[np.ix_(rows, rows)])
    assert np.array_equal(m.distances_m, full.distances_m[np.ix_(rows, rows)])
    assert np.array_equal(m.points, location_points(pair.locations))
    assert len(backend.asked) == asked  # type: ignore[attr-defined]  # neighbours: nothing computed
    assert max(a * b for a, b in backend.asked) < len(p.locations) ** 2  # type: ignore[attr-defined]


def test_rows_no_block_covers_are_computed_once() -> None:
    p = town(2, pharmacies=2, orders=40, riders=4)
    backend = Counting()
    travel = PartTravel(p, backend)
    sub = sub_problem(p, range(10), range(2))
    full = as_matrices(p, HaversineBackend())["motorbike"]
    rows = travel.rows(sub.locations)
    for _ in range(2):
        m = travel.matrices(sub)["motorbike"]
        assert np.array_equal(m.distances_m, full.distances_m[np.ix_(rows, rows)])
    assert backend.asked == [(len(rows), len(rows))]  # type: ignore[attr-defined]


def test_a_full_matrix_is_cut() -> None:
    p = town(3, orders=30, riders=3)
    full = as_matrices(p, None)
    travel = PartTravel(p, full)
    assert travel.backend is None
    sub = sub_problem(p, [0, 5, 9], [1])
    rows = travel.rows(sub.locations)
    assert np.array_equal(travel.matrices(sub)["motorbike"].durations_s,
                          full["motorbike"].durations_s[np.ix_(rows, rows)])
    assert np.array_equal(travel.matrices(sub)["motorbike"].points, location_points(sub.locations))
