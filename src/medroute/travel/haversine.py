"""Great-circle travel: the embedded default that works with no data at all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidProblemError
from ..geo import Location, pairwise_haversine_m
from .base import DEFAULT_PROFILE, TravelMatrix

DETOUR_FACTOR = 1.35
"""Road distance / straight-line distance. domain.md, Couriers: "road distance ≈ 1.3–1.4 ×
straight line" (E); the midpoint."""

SPEEDS_KMH: Mapping[str, float] = {"motorbike": 30.0, "car": 25.0, "bicycle": 12.0, "walk": 4.5}
"""Average door-to-door speeds, km/h. motorbike: domain.md, Couriers: 25–35 km/h in Banyuwangi
town (E) and 19–32 km/h measured in Jakarta (P) → 30. car, bicycle, walk: estimates (E)."""


@dataclass(frozen=True)
class HaversineBackend:
    """Straight-line distance × ``detour`` at a constant speed per profile.

    Parameters
    ----------
    detour : road distance / great-circle distance (dimensionless, ≥ 1).
    speeds_kmh : average speed per profile, km/h.
    """

    detour: float = DETOUR_FACTOR
    speeds_kmh: Mapping[str, float] = field(default_factory=lambda: dict(SPEEDS_KMH))
    name: str = "haversine"

    def __post_init__(self) -> None:
        if not self.detour >= 1.0:
            raise InvalidProblemError(f"haversine: detour factor must be >= 1, got {self.detour}")
        for profile, speed in self.speeds_kmh.items():
            if not speed > 0:
                raise InvalidProblemError(f"haversine: speed for profile {profile!r} must be > 0")

    def speed_mps(self, profile: str) -> float:
        if profile not in self.speeds_kmh:
            raise InvalidProblemError(
                f"haversine: unknown profile {profile!r}; known: {sorted(self.speeds_kmh)}"
            )
        return self.speeds_kmh[profile] / 3.6

    def matrix(self, locations: Sequence[Location], *, profile: str = DEFAULT_PROFILE) -> TravelMatrix:
        road_m = pairwise_haversine_m(list(locations)) * self.detour
        secs = road_m / self.speed_mps(profile)
        return TravelMatrix(
            durations_s=np.rint(secs).astype(np.int32),
            distances_m=np.rint(road_m).astype(np.int32),
            snap_m=np.zeros(len(locations)),
            profile=profile,
        )

    def path(self, a: Location, b: Location, *, profile: str = DEFAULT_PROFILE) -> list[Location]:
        return [a, b]
