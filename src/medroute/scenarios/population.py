"""Where Banyuwangi's people live: 217 village polygons with their 2010 census population.

The village layer (``banyuwangi_desa_population.geojson.gz``, shipped; sources in the package's
``SOURCES.md``) answers two questions for the scenario generator and the analyst view:

* which village (and so which kecamatan) a point lies in (:meth:`Villages.locate`, even-odd ray
  casting on the polygons, no GIS library needed);
* how to draw homes so that each village's share of orders follows its population
  (:func:`node_weights` on road nodes, :meth:`Villages.sample_in` inside a polygon).
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InvalidProblemError

VILLAGES_FILE = "banyuwangi/banyuwangi_desa_population.geojson.gz"
"""The village polygons with population, relative to a data directory (ships with the package)."""
KECAMATAN_FILE = "banyuwangi/banyuwangi_kecamatan_population.csv"
"""The 25 kecamatan with population and shares (ships with the package)."""

Ring = NDArray[np.float64]
"""(k, 2) closed ring of (lon, lat) vertices, degrees."""
ArrayLike1 = Sequence[float] | NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Villages:
    """The village layer, one entry per village in file order.

    Attributes
    ----------
    code
        BPS village code (``bps_village_code``).
    name
        Village (desa/kelurahan) name.
    kecamatan
        Name of the kecamatan the village belongs to.
    population
        2010 census population (``pop_census2010``).
    rings
        Per village, its rings (outer rings and holes alike; even-odd rule).
    bbox
        (n, 4) lon_min, lat_min, lon_max, lat_max per village.
    geometry
        Per village, its GeoJSON geometry as read (for maps).
    """

    code: tuple[str, ...]
    name: tuple[str, ...]
    kecamatan: tuple[str, ...]
    population: NDArray[np.int64]
    rings: tuple[tuple[Ring, ...], ...]
    bbox: NDArray[np.float64]
    geometry: tuple[dict[str, Any], ...] = ()

    def __len__(self) -> int:
        return len(self.code)

    def contains(self, village: int, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Whether each point lies inside ``village`` (even-odd rule over all its rings)."""
        inside = np.zeros(lat.shape, dtype=bool)
        py, px = lat[:, None], lon[:, None]
        for ring in self.rings[village]:
            x0, y0, x1, y1 = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
            crosses = (y0 > py) != (y1 > py)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_at = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
            inside ^= (np.count_nonzero(crosses & (px < x_at), axis=1) % 2).astype(bool)
        return inside

    def locate(self, lat: ArrayLike1, lon: ArrayLike1) -> NDArray[np.int64]:
        """The village index of each point, ``-1`` outside every village."""
        la, lo = np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
        out = np.full(la.shape, -1, dtype=np.int64)
        for v in range(len(self)):
            x0, y0, x1, y1 = self.bbox[v]
            cand = np.flatnonzero((out < 0) & (lo >= x0) & (lo <= x1) & (la >= y0) & (la <= y1))
            if cand.size:
                out[cand[self.contains(v, la[cand], lo[cand])]] = v
        return out

    def sample_in(self, village: int, n: int, rng: np.random.Generator) -> tuple[NDArray[np.float64],
                                                                                 NDArray[np.float64]]:
        """``n`` points uniform inside ``village`` (rejection sampling in its bounding box)."""
        x0, y0, x1, y1 = self.bbox[village]
        lat_out: list[NDArray[np.float64]] = []
        lon_out: list[NDArray[np.float64]] = []
        got = 0
        while got < n:
            lon = rng.uniform(x0, x1, size=4 * (n - got) + 8)
            lat = rng.uniform(y0, y1, size=lon.size)
            keep = self.contains(village, lat, lon)
            lat_out.append(lat[keep])
            lon_out.append(lon[keep])
            got += int(keep.sum())
        return np.concatenate(lat_out)[:n], np.concatenate(lon_out)[:n]



def _rings(geom: dict[str, object]) -> tuple[Ring, ...]:
    kind, coords = geom.get("type"), geom.get("coordinates")
    polys = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else None
    if not isinstance(polys, list):
        raise ValueError(f"geometry type {kind!r} is not a (Multi)Polygon")
    return tuple(np.asarray(ring, dtype=np.float64)[:, :2] for poly in polys for ring in poly)


def read_villages(path: Path) -> Villages:
    """The village layer of a GeoJSON (optionally gzipped) polygon file.

    Parameters
    ----------
    path
        Features with ``bps_village_code``, ``desa``, ``kecamatan`` and ``pop_census2010``
        properties and (Multi)Polygon geometries, WGS84.

    Raises
    ------
    InvalidProblemError
        The file is not such a layer (the message names the file and the feature).
    """
    return _read_villages(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _read_villages(path: str, _mtime: int) -> Villages:
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            feats = json.load(fh)["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidProblemError(f"village file {path!r}: not a GeoJSON FeatureCollection ({exc})") from exc
    code, name, kec, pop, rings, geoms = [], [], [], [], [], []
    for k, feat in enumerate(feats):
        try:
            props = feat["properties"]
            rings.append(_rings(feat["geometry"]))
            geoms.append(feat["geometry"])
            code.append(str(props["bps_village_code"]))
            name.append(str(props["desa"]))
            kec.append(str(props["kecamatan"]))
            pop.append(int(props["pop_census2010"]))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise InvalidProblemError(f"village file {path!r}: feature {k} is malformed ({exc})") from exc
    bbox = np.array([[*np.vstack(rr).min(axis=0), *np.vstack(rr).max(axis=0)] for rr in rings])
    return Villages(tuple(code), tuple(name), tuple(kec), np.array(pop, dtype=np.int64), tuple(rings), bbox,
                    tuple(geoms))


@dataclass(frozen=True, slots=True)
class Kecamatan:
    """One kecamatan (district) of the regency.

    Attributes
    ----------
    code
        BPS kecamatan code.
    name
        Its name.
    population_2010
        2010 census population (BPS).
    population_2024
        The 2010 share scaled to the mid-2024 regency total, 1,791,789 (Kemendagri; an estimate).
    """

    code: str
    name: str
    population_2010: int
    population_2024: int


def read_kecamatan(path: Path) -> tuple[Kecamatan, ...]:
    """The kecamatan table (``banyuwangi_kecamatan_population.csv``), in file order.

    Raises
    ------
    InvalidProblemError
        A row lacks a column or a number (the message names the row).
    """
    out = []
    with path.open(newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                out.append(Kecamatan(row["bps_kecamatan_code"], row["kecamatan"], int(row["pop_census2010_bps"]),
                                     int(row["pop_scaled_to_2024est_1791789"])))
            except (KeyError, TypeError, ValueError) as exc:
                raise InvalidProblemError(f"kecamatan file {str(path)!r}, line {line}: {exc}") from exc
    return tuple(out)


def node_weights(village_of: NDArray[np.int64], population: NDArray[np.int64]) -> NDArray[np.float64]:
    """Sampling weight of each candidate node: its village's population over the village's count of
    candidate nodes (0 for a node in no village).

    Every village with at least one candidate node thus gets a total weight equal to its
    population: homes drawn with these weights put each village's share of orders in proportion
    to its population, spread evenly over the village's roads.

    Parameters
    ----------
    village_of
        (n,) village index of each candidate node, ``-1`` outside every village.
    population
        (v,) population of each village.
    """
    inside = village_of >= 0
    counts = np.bincount(village_of[inside], minlength=population.size)
    out = np.zeros(village_of.shape, dtype=np.float64)
    out[inside] = population[village_of[inside]] / counts[village_of[inside]]
    return out
