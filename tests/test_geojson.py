"""Solution → GeoJSON."""

from __future__ import annotations

import json

from medroute.geo import Location
from medroute.outputs.geojson import solution_geojson, to_geodataframe
from tests.plans import small_plan


class Wiggly:
    """A backend whose paths have a midpoint, to see road geometry used."""

    name = "wiggly"

    def __init__(self) -> None:
        self.calls = 0

    def path(self, a: Location, b: Location, *, profile: str = "motorbike") -> list[Location]:
        self.calls += 1
        return [a, Location((a.lat + b.lat) / 2 + 0.001, (a.lon + b.lon) / 2), b]


def _by(fc: dict, kind: str) -> list[dict]:  # type: ignore[type-arg]
    return [f for f in fc["features"] if f["properties"]["feature"] == kind]


def test_features() -> None:
    p, s = small_plan()
    fc = solution_geojson(p, s)
    json.dumps(fc)  # serialisable
    assert fc["type"] == "FeatureCollection"
    assert len(_by(fc, "pharmacy")) == 2
    stops = _by(fc, "stop")
    assert len(stops) == sum(len(r.stops) for r in s.routes)
    d = next(f for f in stops if f["properties"]["order"] == "rx-2" and f["properties"]["kind"] == "delivery")
    props = d["properties"]
    assert props["arrival"] == "08:14:51" and props["cold_exposure_s"] > 0
    assert props["cold_exposure_s"] <= props["cold_budget_s"]
    loc = p.order["rx-2"].location
    assert d["geometry"]["coordinates"] == [loc.lon, loc.lat]  # lon, lat order
    legs = _by(fc, "leg")
    assert all(f["geometry"]["type"] == "LineString" and f["properties"]["path"] == "straight" for f in legs)
    assert sum(f["properties"]["distance_m"] for f in legs) == s.kpis.distance_m
    (u,) = _by(fc, "unassigned")
    assert u["properties"]["order"] == "rx-4" and u["properties"]["reason"] == "beyond_trip_limit"
    assert fc["properties"]["kpis"]["served"] == 3


def test_road_geometry_from_backend() -> None:
    p, s = small_plan()
    be = Wiggly()
    legs = _by(solution_geojson(p, s, backend=be), "leg")
    assert be.calls > 0
    assert all(len(f["geometry"]["coordinates"]) == 3 and f["properties"]["path"] == "road" for f in legs)


def test_geodataframe() -> None:
    import pytest

    pytest.importorskip("geopandas")
    p, s = small_plan()
    gdf = to_geodataframe(p, s)
    assert gdf.crs.to_epsg() == 4326
    assert set(gdf.feature) == {"pharmacy", "stop", "leg", "unassigned"}
