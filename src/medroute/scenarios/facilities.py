"""The 20 real Banyuwangi health facilities (``banyuwangi_faskes_20.geojson``, shipped package data).

Source (see ``medroute/data/banyuwangi/SOURCES.md``): a qgis2web export of a student WebGIS
(``khanzaallayya-tech/Webgis-Keterjangkauan-Faskes-Kab.Banyuwangi``, commit ``1e75e571``),
10 puskesmas and 10 hospitals, WGS84. Positions are probably digitised from web maps; RSUD
Blambangan lies ~260 m from a Google-Maps embed of it; every point is 6–44 m from a road node of
the service-area road lines. The file states no licence: reference data, not OSM.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..datadir import DataNotFoundError
from ..errors import InvalidProblemError
from ..geo import Location

FacilityKind = Literal["rsud", "hospital", "puskesmas"]

FACILITIES_FILE = "banyuwangi/banyuwangi_faskes_20.geojson"
"""The facilities file, relative to a data directory (ships with the package)."""
ROADS_FILE = "banyuwangi/banyuwangi_faskes_service_area_roads_3km.geojson.gz"
"""The service-area road lines (9 clusters around the facilities; ships with the package)."""
PANCER_FILE = "banyuwangi/banyuwangi_pancer_drive.osm.bz2"
"""The real OSM extract around Pancer, Kec. Pesanggaran (ships with the package)."""
PROBOLINGGO_FILE = "osm/probolinggo_drive.osm.bz2"
"""The Kota Probolinggo OSM drive extract (a stand-in, not Banyuwangi; in the repository's
``benchmarks/data``, not in the wheel)."""
SURABAYA_FILE = "osm/surabaya_south_drive.osm.bz2"
"""The south Surabaya / north Sidoarjo OSM drive extract (a stand-in, as Probolinggo)."""

_KIND_ORDER = {"rsud": 0, "hospital": 1, "puskesmas": 2}


@dataclass(frozen=True, slots=True)
class Facility:
    """A health facility that can serve as a pickup site (its pharmacy and rider shelter).

    Attributes
    ----------
    id
        Short stable slug, e.g. ``"rsud-blambangan"``.
    name
        The name as written in the source file.
    kind
        ``"rsud"`` (regency hospital), ``"hospital"`` or ``"puskesmas"``.
    location
        WGS84 position.
    service_radius_m
        The source's ``Jangkauan`` (service radius), metres; 0 when unknown.
    """

    id: str
    name: str
    kind: FacilityKind
    location: Location
    service_radius_m: int = 0


def facility_id(name: str) -> str:
    """A short slug for a facility name (``"Rumah Sakit Umum Daerah Blambangan"`` → ``"rsud-blambangan"``)."""
    text = name.split("/")[0]
    for long, short in (("Rumah Sakit Umum Daerah", "RSUD"), ("Rumah Sakit Umum", "RSU"),
                        ("Rumah Sakit", "RS"), ("Banyuwangi", "")):
        text = re.sub(long, short, text, flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _kind(name: str, source_type: str) -> FacilityKind:
    if source_type == "puskesmas":
        return "puskesmas"
    if re.search(r"\bRSUD\b|Umum Daerah", name, flags=re.IGNORECASE):
        return "rsud"
    return "hospital"


def read_facilities(path: Path) -> tuple[Facility, ...]:
    """The facilities of a GeoJSON point file, regency hospitals first, then hospitals, then puskesmas.

    Within a kind the file's order is kept, so RSUD Blambangan comes first.

    Parameters
    ----------
    path
        The ``banyuwangi_faskes_20.geojson`` file (or one of the same shape: point features
        with ``Name``, ``type`` = ``puskesmas``/``hospital`` and optional ``Jangkauan`` in metres).

    Raises
    ------
    DataNotFoundError
        The file does not exist.
    InvalidProblemError
        The file is not such a GeoJSON point collection.
    """
    if not path.is_file():
        raise DataNotFoundError(f"facilities file: {path} does not exist")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        feats = doc["features"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidProblemError(f"facilities file {str(path)!r}: not a GeoJSON FeatureCollection ({exc})") from exc
    out: list[Facility] = []
    for k, feat in enumerate(feats):
        try:
            props = feat["properties"]
            lon, lat = feat["geometry"]["coordinates"][:2]
            name = str(props["Name"]).strip()
            kind = _kind(name, str(props.get("type", "hospital")))
            radius = int(float(props.get("Jangkauan") or 0))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidProblemError(f"facilities file {str(path)!r}: feature {k} is malformed ({exc})") from exc
        out.append(Facility(facility_id(name), name, kind, Location(float(lat), float(lon)), radius))
    ids = [f.id for f in out]
    if len(set(ids)) != len(ids):
        raise InvalidProblemError(f"facilities file {str(path)!r}: two facilities share an id in {ids}")
    return tuple(sorted(out, key=lambda f: _KIND_ORDER[f.kind]))
