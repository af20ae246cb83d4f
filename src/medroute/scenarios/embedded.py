"""The offline fallback: the two regency hospitals' coordinates, embedded in code.

Used when no data directory exists (a fresh machine, offline). Two public coordinates only, not
a copy of any data file:

* **RSUD Blambangan**, Jl. Letkol Istiqlah 49, Banyuwangi: lat -8.20840, lon 114.36617, as given
  in the data directory's ``SOURCES.md`` §3 for ``banyuwangi_faskes_20.geojson`` (about 260 m from
  the centre of a Google-Maps embed of the hospital on a hospital website, 114.36380, -8.20837).
* **RSUD Genteng**: lat -8.36560, lon 114.16386, the point of ``RSUD Genteng`` in
  ``banyuwangi_faskes_20.geojson`` (qgis2web export of
  ``khanzaallayya-tech/Webgis-Keterjangkauan-Faskes-Kab.Banyuwangi``, commit ``1e75e571``),
  rounded to 1e-5° (≈ 1 m).

Without a road graph, patients are placed by straight-line distance: the network band
``patient_min_m``–``patient_max_m`` divided by the detour factor 1.35 (domain.md, Couriers:
"road distance ≈ 1.3–1.4 × straight line", E), on a bearing inside the site's land sector
(RSUD Blambangan is ~2 km from the Bali Strait, so only bearings from south through west to
north, E).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..geo import EARTH_RADIUS_M, Location
from .facilities import Facility

RSUD_BLAMBANGAN = Facility("rsud-blambangan", "RSUD Blambangan", "rsud", Location(-8.20840, 114.36617), 3000)
"""RSUD Blambangan, Banyuwangi town (SOURCES.md §3; domain.md: type B, 213 beds, P)."""
RSUD_GENTENG = Facility("rsud-genteng", "RSUD Genteng", "rsud", Location(-8.36560, 114.16386), 3000)
"""RSUD Genteng (banyuwangi_faskes_20.geojson, 1e-5° rounding)."""

EMBEDDED_FACILITIES = (RSUD_BLAMBANGAN, RSUD_GENTENG)
"""The two pickup sites of the ``historic`` scenario, RSUD Blambangan first."""


@dataclass(frozen=True, slots=True)
class Sector:
    """Bearings (degrees clockwise from north) on which patients may be placed: ``[start, start + width]``."""

    start_deg: float = 0.0
    width_deg: float = 360.0


LAND_SECTORS = {"rsud-blambangan": Sector(180.0, 180.0), "rsud-genteng": Sector()}
"""Land sector per embedded site (E: the coast lies ~2 km east of RSUD Blambangan; Genteng is inland)."""


def destination(origin: Location, bearing_deg: float, distance_m: float) -> Location:
    """The point ``distance_m`` metres from ``origin`` on an initial bearing (great circle, mean sphere)."""
    lat1, lon1 = math.radians(origin.lat), math.radians(origin.lon)
    brg, delta = math.radians(bearing_deg), distance_m / EARTH_RADIUS_M
    lat2 = math.asin(math.sin(lat1) * math.cos(delta) + math.cos(lat1) * math.sin(delta) * math.cos(brg))
    lon2 = lon1 + math.atan2(math.sin(brg) * math.sin(delta) * math.cos(lat1),
                             math.cos(delta) - math.sin(lat1) * math.sin(lat2))
    return Location(round(math.degrees(lat2), 6), round(math.degrees(lon2), 6))


def sample_around(rng: np.random.Generator, origin: Location, n: int, *, min_m: float, max_m: float,
                  sector: Sector = Sector()) -> list[Location]:
    """``n`` points at a straight-line distance uniform in ``[min_m, max_m]`` metres from ``origin``.

    Parameters
    ----------
    rng : the random generator (consumed deterministically).
    origin : the centre.
    n : how many points.
    min_m, max_m : straight-line distance band, metres.
    sector : allowed bearings.
    """
    dist = rng.uniform(min_m, max_m, size=n)
    brg = sector.start_deg + rng.uniform(0.0, sector.width_deg, size=n)
    return [destination(origin, float(b) % 360.0, float(d)) for b, d in zip(brg, dist, strict=True)]
