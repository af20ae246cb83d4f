"""Matrices looked up rather than computed."""

from __future__ import annotations

from medroute.travel import GrowingMatrix, HaversineBackend, MatrixLookup, TravelMatrix
from tests.dispatch.town import BLAMBANGAN, GENTENG


def test_matrix_lookup_backend() -> None:
    locs = [BLAMBANGAN.location, GENTENG.location]
    full = HaversineBackend().matrix(locs)
    lookup = MatrixLookup(locs, full)
    sub = lookup.matrix([GENTENG.location])
    assert sub.size == 1 and int(sub.durations_s[0, 0]) == 0


def test_growing_matrix_asks_again_only_for_new_locations() -> None:
    asked: list[int] = []

    def fn(locs: object, profile: str) -> TravelMatrix:
        asked.append(len(locs))  # type: ignore[arg-type]
        return HaversineBackend().matrix(locs, profile=profile)  # type: ignore[arg-type]

    g = GrowingMatrix(fn)
    a = g.over([GENTENG.location, BLAMBANGAN.location], ["motorbike"])["motorbike"]
    b = g.over([BLAMBANGAN.location], ["motorbike"])["motorbike"]
    assert asked == [2] and b.size == 1 and int(a.durations_s[1, 0]) == int(g.full["motorbike"].durations_s[0, 1])
