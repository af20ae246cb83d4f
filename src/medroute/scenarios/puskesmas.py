"""The ``puskesmas`` scenario: the program spread to all 45 puskesmas and the two regency hospitals.

What is real and what is generated
----------------------------------
* **Pickup sites**: the 45 puskesmas of the Kemenkes 2019 facility list
  (``banyuwangi_faskes_kemenkes_2019.geojson.gz``) and RSUD Blambangan and RSUD Genteng at the
  facility WebGIS's coordinates (``banyuwangi_faskes_20.geojson``: the Kemenkes hospital points are
  1.4–3.2 km off, SOURCES.md). The points the quality notes name are fixed or flagged
  (:data:`POINT_NOTES`).
* **Patients** live where people live over the whole regency: a village is drawn ∝ its 2010
  census population (all 217), the home uniform inside its polygon (offline) or on one of its
  road nodes (``backend="osmnx-download"``).
* **Serving facility**: the home's kecamatan's puskesmas (the nearest, where a kecamatan has
  several); a share of the orders, the regency hospitals' weight over all sites' weights, goes
  to the nearest RSUD instead when it lies within the trip limit. A home outside
  ``patient_min_m``–``patient_max_m`` of its facility (estimated road distance: straight line ×
  1.35) is drawn again in the same village.
* **Travel**: the shipped road lines cover 3 km around 20 facilities only, so travel is the
  haversine backend (straight line × 1.35 at 30 km/h, domain.md, Couriers, E); with
  ``backend="osmnx-download"`` the regency's OSM motorbike network instead.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from ..errors import InvalidProblemError
from ..geo import Location, haversine_m
from ..travel.haversine import DETOUR_FACTOR
from .banyuwangi import (
    Demand,
    Generated,
    RoadNetwork,
    _band,
    _counts_text,
    _download_network,
    _require,
    _travel,
    generate_problem,
    rng_for,
)
from .facilities import FACILITIES_FILE, Facility, facility_id, read_facilities
from .params import ParamValue
from .population import VILLAGES_FILE, Villages, read_villages

KEMENKES_FILE = "banyuwangi/banyuwangi_faskes_kemenkes_2019.geojson.gz"
"""All 45 puskesmas and 4 hospitals (Kemenkes 2019), relative to a data directory (shipped)."""

SOBO = "P3510180201"
KLATAK = "P3510200202"
TEMBOKREJO = "P3510050203"
SOBO_WEBGIS = Location(-8.23563, 114.35903)
"""Puskesmas Sobo in ``banyuwangi_faskes_20.geojson`` (the Kemenkes longitude 114.258919 is a typo)."""

POINT_NOTES: Mapping[str, str] = MappingProxyType({
    SOBO: "Sobo: fixed, longitude typo 114.258919 → the facility WebGIS point (114.35903, -8.23563), "
          "Kec. Banyuwangi",
    KLATAK: "Klatak: fixed, the point ~1 km offshore moved to the nearest vertex of the village layer's "
            "coast; serves Kec. Kalipuro",
    TEMBOKREJO: "Tembokrejo: flagged, the point lies in Srono near the Muncar border; kept, and serves "
                "Kec. Muncar as its code says",
})
"""The quality notes' points (SOURCES.md) and what the scenario does with each, by Kemenkes code."""

_SERVES = {KLATAK: "Kalipuro", TEMBOKREJO: "Muncar"}


@dataclass(frozen=True, slots=True)
class Puskesmas:
    """A puskesmas as a pickup site, with the kecamatan it serves.

    Attributes
    ----------
    facility
        The pickup site (``kind="puskesmas"``, id ``puskesmas-<name>``).
    kecamatan
        The kecamatan whose patients it serves.
    code
        Its Kemenkes code (``kode_faskes``).
    """

    facility: Facility
    kecamatan: str
    code: str


def read_puskesmas(path: Path, villages: Villages) -> tuple[Puskesmas, ...]:
    """The 45 puskesmas of the Kemenkes list with :data:`POINT_NOTES` applied, in file order.

    A puskesmas serves the kecamatan its (fixed) point lies in, except where :data:`POINT_NOTES`
    says otherwise.

    Raises
    ------
    InvalidProblemError
        The file is not the Kemenkes point layer (the message names the file).
    """
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            feats = [f for f in json.load(fh)["features"] if f["properties"]["jenis"] == "PUSKESMAS"]
        raw = [(str(f["properties"]["kode_faskes"]), str(f["properties"]["nama"]),
                Location(float(f["geometry"]["coordinates"][1]), float(f["geometry"]["coordinates"][0])))
               for f in feats]
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise InvalidProblemError(f"facility list {str(path)!r}: not the Kemenkes point layer ({exc})") from exc
    out = []
    for code, name, loc in raw:
        if code == SOBO:
            loc = SOBO_WEBGIS
        elif code == KLATAK:
            loc = nearest_vertex(villages, loc)
        kec = _SERVES.get(code) or villages.kecamatan[int(villages.locate([loc.lat], [loc.lon])[0])]
        title = f"Puskesmas {name.title()}"
        out.append(Puskesmas(Facility(facility_id(title), title, "puskesmas", loc), kec, code))
    return tuple(out)


def nearest_vertex(villages: Villages, loc: Location) -> Location:
    """The village-layer vertex nearest ``loc`` (a point on land, on the coast for a point at sea)."""
    pts = np.vstack([ring for rings in villages.rings for ring in rings])
    d = haversine_m(pts[:, 1], pts[:, 0], np.full(len(pts), loc.lat), np.full(len(pts), loc.lon))
    lon, lat = pts[int(np.argmin(d))]
    return Location(round(float(lat), 6), round(float(lon), 6))


HomeSampler = Callable[[int, int, np.random.Generator], tuple[NDArray[np.float64], NDArray[np.float64]]]
"""``sample(village, n, rng)`` → (lat, lon) of ``n`` homes in that village."""


@dataclass(frozen=True, eq=False)
class RegencyDemand:
    """Who serves whom in the ``puskesmas`` scenario.

    Attributes
    ----------
    sites
        Pickup sites: the regency hospitals first, then the puskesmas.
    kecamatan
        Per site, the kecamatan it serves; ``None`` for a regency hospital (serves anyone in reach).
    villages
        The village layer (population and polygons).
    sample
        Draws homes inside a village.
    min_m, max_m
        Estimated road distance (straight line × 1.35) a home must lie at from its facility.
    """

    sites: tuple[Facility, ...]
    kecamatan: tuple[str | None, ...]
    villages: Villages
    sample: HomeSampler
    min_m: float
    max_m: float

    def road_m(self, site: NDArray[np.int64], lat: NDArray[np.float64],
               lon: NDArray[np.float64]) -> NDArray[np.float64]:
        """Estimated road distance from each ``site`` (index) to each home, metres."""
        slat = np.array([self.sites[k].location.lat for k in site.tolist()])
        slon = np.array([self.sites[k].location.lon for k in site.tolist()])
        return np.asarray(haversine_m(slat, slon, lat, lon)) * DETOUR_FACTOR

    def nearest(self, pool: Sequence[int], lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.int64]:
        """For each home, the nearest site of ``pool`` in straight line."""
        d = np.stack([self.road_m(np.full(lat.size, k), lat, lon) for k in pool])
        return np.asarray(pool, dtype=np.int64)[np.argmin(d, axis=0)]

    def draw(self, weights: NDArray[np.float64], n: int, rng: np.random.Generator) -> Demand:
        """``n`` orders: village ∝ population, home in it, serving site (see the module docstring)."""
        v = self.villages
        village = rng.choice(len(v), size=n, p=v.population / v.population.sum())
        hospitals = [k for k, kec in enumerate(self.kecamatan) if kec is None]
        h_share = float(weights[hospitals].sum() / weights.sum())
        wants_hospital = rng.uniform(size=n) < h_share
        lat, lon, site = np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int64)
        for vi in np.unique(village).tolist():
            idx = np.flatnonzero(village == vi)
            pool = [k for k, kec in enumerate(self.kecamatan) if kec == v.kecamatan[vi]] or \
                [k for k, kec in enumerate(self.kecamatan) if kec is not None]
            lat[idx], lon[idx], site[idx] = self._homes(vi, idx.size, pool, rng)
        if hospitals:
            near = self.nearest(hospitals, lat, lon)
            to_hospital = wants_hospital & (self.road_m(near, lat, lon) <= self.max_m) & \
                (self.road_m(near, lat, lon) >= self.min_m)
            site[to_hospital] = near[to_hospital]
        return Demand(site, [Location(round(float(a), 6), round(float(b), 6)) for a, b in zip(lat, lon, strict=True)])

    def _homes(self, village: int, n: int, pool: Sequence[int], rng: np.random.Generator
               ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
        lat, lon, site = np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int64)
        todo = np.arange(n)
        for _ in range(50):
            a, b = self.sample(village, todo.size, rng)
            near = self.nearest(pool, a, b)
            d = self.road_m(near, a, b)
            ok = (d >= self.min_m) & (d <= self.max_m)
            lat[todo[ok]], lon[todo[ok]], site[todo[ok]] = a[ok], b[ok], near[ok]
            todo = todo[~ok]
            if todo.size == 0:
                return lat, lon, site
        raise InvalidProblemError(
            f"scenario 'puskesmas': village {self.villages.name[village]!r} has no home "
            f"{self.min_m:.0f}–{self.max_m:.0f} m (estimated by road) from its puskesmas")


def _node_sampler(net: RoadNetwork, villages: Villages) -> HomeSampler:
    """Homes on the road nodes of each village (uniform among them); the polygon where a village has none."""
    g = net.backend.graph
    where = villages.locate(g.lat, g.lon)
    nodes = {int(v): np.flatnonzero(where == v) for v in np.unique(where[where >= 0]).tolist()}

    def sample(village: int, n: int, rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        own = nodes.get(village)
        if own is None:
            return villages.sample_in(village, n, rng)
        pick = rng.choice(own, size=n)
        return g.lat[pick].astype(np.float64), g.lon[pick].astype(np.float64)

    return sample


def build_puskesmas(*, seed: int, data_dir: Path | None, backend: str, values: dict[str, ParamValue],
                    cache_dir: Path | None) -> Generated:
    """The ``puskesmas`` day (see the module docstring)."""
    if backend == "osm":
        raise InvalidProblemError("scenario 'puskesmas': no shipped road graph covers the regency (the road lines "
                                  "reach 3 km around 20 facilities); use backend='haversine' (what 'auto' gives) "
                                  "or 'osmnx-download'")
    rng = rng_for("puskesmas", seed)
    villages = read_villages(_require(data_dir, VILLAGES_FILE, "puskesmas"))
    hospitals = tuple(f for f in read_facilities(_require(data_dir, FACILITIES_FILE, "puskesmas")) if f.kind == "rsud")
    pusk = read_puskesmas(_require(data_dir, KEMENKES_FILE, "puskesmas"), villages)
    sites = hospitals + tuple(p.facility for p in pusk)
    net = _download_network(cache_dir) if backend == "osmnx-download" else None
    lo, hi = _band(values)
    demand = RegencyDemand(sites, (None,) * len(hospitals) + tuple(p.kecamatan for p in pusk), villages,
                           _node_sampler(net, villages) if net else villages.sample_in, lo, hi)
    problem = generate_problem("puskesmas", sites, demand.draw, values, rng)
    name, travel = _travel(net, backend if net else "haversine", cache_dir)
    hosp = sum(o.pharmacy in {h.id for h in hospitals} for o in problem.orders)
    homes = ("on its road nodes" if net else "uniform inside its polygon")
    travel_text = (f"travel on {net.summary}" if net else
                   f"travel is haversine, straight line × {DETOUR_FACTOR} at 30 km/h (domain.md, Couriers: road ≈ "
                   "1.3–1.4 × straight line, E), because the shipped road lines cover only 3 km around 20 "
                   "facilities; backend='osmnx-download' builds the regency's OSM road network instead (needs the "
                   "internet once, then cached)")
    desc = (f"Banyuwangi 'puskesmas' (seed {seed}): {_counts_text(problem)}: the {len(pusk)} puskesmas of the "
            "Kemenkes 2019 list and RSUD Blambangan and RSUD Genteng (facility WebGIS coordinates; the Kemenkes "
            f"hospital points are 1.4–3.2 km off). Point fixes: {'; '.join(POINT_NOTES.values())}. Demand by "
            "population over the whole regency: a village drawn ∝ its 2010 census population (all 217), the "
            f"home {homes}, served by its kecamatan's nearest puskesmas, or ({hosp} orders) by the nearest RSUD "
            f"when within reach; homes {lo / 1000:g}–{hi / 1000:g} km from their facility by estimated road. "
            f"Volume {len(problem.orders)} orders/day: an estimate (E), the top of domain.md's 100–300 orders/day "
            f"with all facilities as pickup sites. Then {travel_text}.")
    return Generated(problem, name, desc, travel)
