"""Coordinates on the WGS84 ellipsoid's mean sphere: the one place lat/lon are validated."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .errors import InvalidProblemError

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), metres."""


def plain_numbers(obj: object, names: tuple[str, ...]) -> None:
    """Store the numpy scalars among ``obj``'s attributes ``names`` as Python ``bool``, ``int`` or
    ``float`` (numpy and pandas hand them out: ``df.release_s[i]``, ``np.arange``), so that the
    checks that follow judge the value, and a model object holds plain numbers."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, (np.bool_, np.integer, np.floating)):
            object.__setattr__(obj, name, value.item())


@dataclass(frozen=True, slots=True)
class Location:
    """A point in WGS84 degrees. ``lat`` in [-90, 90], ``lon`` in [-180, 180]."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        plain_numbers(self, ("lat", "lon"))
        for name, value, bound in (("lat", self.lat, 90.0), ("lon", self.lon, 180.0)):
            if (isinstance(value, bool) or not isinstance(value, (int, float))
                    or (isinstance(value, float) and not math.isfinite(value))):
                raise InvalidProblemError(f"location: {name} must be a finite number, got {value!r}"[:300])
            if abs(value) > bound:
                raise InvalidProblemError(f"location: {name} must be in [-{bound}, {bound}], got {value!r}"[:300])

    def to_json(self) -> dict[str, float]:
        return {"lat": self.lat, "lon": self.lon}


def haversine_m(lat1: NDArray[np.float64], lon1: NDArray[np.float64],
                lat2: NDArray[np.float64], lon2: NDArray[np.float64]) -> NDArray[np.float64]:
    """Great-circle distance in metres, broadcasting over numpy arrays of degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64)


def pairwise_haversine_m(points: list[Location]) -> NDArray[np.float64]:
    """n x n great-circle distances in metres."""
    lat = np.array([p.lat for p in points], dtype=np.float64)
    lon = np.array([p.lon for p in points], dtype=np.float64)
    return haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
