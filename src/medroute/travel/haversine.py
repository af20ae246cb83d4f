"""Great-circle travel: the embedded default that works with no data at all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ..errors import InvalidProblemError
from ..geo import Location, haversine_m
from .base import DEFAULT_PROFILE, TravelArrays, TravelMatrix, backend_name

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
    detour
        Road distance / great-circle distance (dimensionless, ≥ 1).
    speeds_kmh
        Average speed per profile, km/h.

    Attributes
    ----------
    name
        ``"haversine"`` with the defaults; else the parameters that differ from them, e.g.
        ``"haversine(detour=1.5, motorbike_kmh=40.0)"``. A plan records it
        (:attr:`medroute.Solution.travel`), so it is never re-checked on the default's travel.
    """

    detour: float = DETOUR_FACTOR
    speeds_kmh: Mapping[str, float] = field(default_factory=lambda: dict(SPEEDS_KMH))
    name: str = field(init=False)

    def __post_init__(self) -> None:
        if not self.detour >= 1.0:
            raise InvalidProblemError(f"haversine: detour factor must be >= 1, got {self.detour}")
        for profile, speed in self.speeds_kmh.items():
            if not speed > 0:
                raise InvalidProblemError(f"haversine: speed for profile {profile!r} must be > 0")
        params = [f"detour={float(self.detour)!r}"] if self.detour != DETOUR_FACTOR else []
        params += [f"{p}_kmh={float(v)!r}" for p, v in sorted(self.speeds_kmh.items()) if SPEEDS_KMH.get(p) != v]
        object.__setattr__(self, "name", backend_name("haversine", params))

    def speed_mps(self, profile: str) -> float:
        if profile not in self.speeds_kmh:
            raise InvalidProblemError(
                f"haversine: unknown profile {profile!r}; known: {sorted(self.speeds_kmh)}"
            )
        return self.speeds_kmh[profile] / 3.6

    def matrix(self, locations: Sequence[Location], *, profile: str = DEFAULT_PROFILE) -> TravelMatrix:
        durations, distances = self.table(locations, locations, profile=profile)
        return TravelMatrix(durations_s=durations, distances_m=distances, snap_m=np.zeros(len(locations)),
                            profile=profile, points=_coords(locations))

    def table(self, sources: Sequence[Location], targets: Sequence[Location], *,
              profile: str = DEFAULT_PROFILE) -> TravelArrays:
        """Durations (s) and distances (m) from every source to every target."""
        s, t = _coords(sources), _coords(targets)
        return self._rounded(haversine_m(s[:, :1], s[:, 1:], t[:, 0][None, :], t[:, 1][None, :]), profile)

    def legs(self, origins: Sequence[Location], destinations: Sequence[Location], *,
             profile: str = DEFAULT_PROFILE) -> TravelArrays:
        """Durations (s) and distances (m) from ``origins[i]`` to ``destinations[i]``."""
        a, b = _coords(origins), _coords(destinations)
        return self._rounded(haversine_m(a[:, 0], a[:, 1], b[:, 0], b[:, 1]), profile)

    def _rounded(self, straight_m: NDArray[np.float64], profile: str) -> TravelArrays:
        road_m = straight_m * self.detour
        secs = road_m / self.speed_mps(profile)
        return np.rint(secs).astype(np.int32), np.rint(road_m).astype(np.int32)

    def path(self, a: Location, b: Location, *, profile: str = DEFAULT_PROFILE) -> list[Location]:
        return [a, b]


def _coords(points: Sequence[Location]) -> NDArray[np.float64]:
    """(n, 2) latitudes and longitudes, degrees."""
    return np.array([(p.lat, p.lon) for p in points], dtype=np.float64).reshape(-1, 2)
