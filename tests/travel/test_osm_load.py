"""Every road or boundary file that ships (package data and the repository's benchmarks/data) goes
through the loader, or is refused clearly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from medroute.travel.osm_load import GraphLoadError, graph_from_place, load_graph, road_clusters
from tests.data import PACKAGE_DATA, REPO_DATA, data_path

# file -> (nodes, directed edges, largest weakly connected cluster), from SOURCES.md (raw graphs)
ROAD_FILES = {
    "banyuwangi/banyuwangi_pancer_drive.osm.bz2": (734, 1568, 734),
    "osm/banyuwangi_pancer_drive.overpass.json.gz": (734, 1568, 734),
    "osm/probolinggo_drive.osm.bz2": (22666, 47437, None),
    "osm/surabaya_south_drive.osm.bz2": (22017, 42835, None),
    "osm/balikpapan_kota_drive.graphml.bz2": (1207, 2683, None),
    "banyuwangi/banyuwangi_faskes_service_area_roads_3km.geojson.gz": (15154, 2 * 15743, 4101),
}
NOT_ROADS = ["banyuwangi/banyuwangi_faskes_20.geojson", "banyuwangi/banyuwangi_regency_boundary.geojson.gz",
             "banyuwangi/banyuwangi_desa_population.geojson.gz",
             "banyuwangi/banyuwangi_faskes_kemenkes_2019.geojson.gz"]
OTHER = ["banyuwangi/banyuwangi_kecamatan_population.csv"]


def test_every_shipped_geodata_file_is_covered() -> None:
    present = {p.relative_to(base).as_posix() for base, sub in ((PACKAGE_DATA, "banyuwangi"), (REPO_DATA, "osm"))
               for p in (base / sub).iterdir() if p.name != "SOURCES.md"}
    assert present == set(ROAD_FILES) | set(NOT_ROADS) | set(OTHER)


@pytest.mark.parametrize("name", sorted(ROAD_FILES))
def test_load_road_file(name: str) -> None:
    if not name.endswith((".geojson.gz",)):
        pytest.importorskip("osmnx", reason="the osm extra (osmnx) is not installed")
    graph = load_graph(data_path(name))
    nodes, edges, largest = ROAD_FILES[name]
    assert graph.number_of_nodes() == nodes
    assert graph.number_of_edges() == edges
    assert all("x" in d and "y" in d for _, d in graph.nodes(data=True))
    assert all(d["length"] >= 0 for _, _, d in graph.edges(data=True))
    if largest is not None:
        assert road_clusters(graph)[0] == largest


def test_geojson_roads_have_nine_clusters() -> None:
    graph = load_graph(data_path("banyuwangi/banyuwangi_faskes_service_area_roads_3km.geojson.gz"))
    clusters = road_clusters(graph)
    assert len(clusters) == 9 and clusters[0] == 4101
    km = sum(d["length"] for _, _, d in graph.edges(data=True)) / 2 / 1000
    assert km == pytest.approx(765.9, abs=0.5)


@pytest.mark.parametrize("name", NOT_ROADS)
def test_non_road_files_refused_clearly(name: str) -> None:
    with pytest.raises(GraphLoadError, match="no LineString"):
        load_graph(data_path(name))


def test_unknown_suffix(tmp_path: Path) -> None:
    (tmp_path / "x.shp").write_text("")
    with pytest.raises(GraphLoadError, match="unknown format"):
        load_graph(tmp_path / "x.shp")


def test_geojson_dedup_and_rounding(tmp_path: Path) -> None:
    (tmp_path / "r.geojson").write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","geometry":{"type":"MultiLineString","coordinates":'
        '[[[114.0,-8.0],[114.001,-8.0],[114.002,-8.0]],[[114.002,-8.0],[114.0010000001,-8.0]]]}},'
        '{"type":"Feature","geometry":{"type":"LineString","coordinates":[[114.0,-8.0],[114.0,-8.001]]}}]}')
    g = load_graph(tmp_path / "r.geojson")
    assert g.number_of_nodes() == 4 and g.number_of_edges() == 6  # 3 roads, both directions
    assert road_clusters(g) == [4]


_TINY_RESPONSE = {"elements": [
    {"type": "node", "id": 1, "lat": -8.005, "lon": 114.002},
    {"type": "node", "id": 2, "lat": -8.005, "lon": 114.003},
    {"type": "way", "id": 7, "nodes": [1, 2], "tags": {"highway": "residential"}},
]}


def _fake_download(ox: Any, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """osmnx offline: a place geocodes to a small box, and a polygon query caches one two-node road
    as osmnx's ``cache_only_mode`` does; the keyword arguments of each query."""
    geopandas = pytest.importorskip("geopandas")
    shapely = pytest.importorskip("shapely.geometry")
    calls: list[dict[str, Any]] = []

    def graph_from_polygon(polygon: Any, **kw: Any) -> None:
        calls.append(kw)
        assert ox.settings.cache_only_mode and ox.settings.use_cache
        (Path(ox.settings.cache_folder) / "response.json").write_text(json.dumps(_TINY_RESPONSE), encoding="utf-8")
        raise ox._errors.CacheOnlyInterruptError("Interrupted because `settings.cache_only_mode=True`.")

    box = shapely.box(114.0, -8.01, 114.01, -8.0)
    monkeypatch.setattr(ox, "graph_from_polygon", graph_from_polygon)
    monkeypatch.setattr(ox, "geocode_to_gdf", lambda query, **_: geopandas.GeoDataFrame(geometry=[box]))
    return calls


def test_graph_from_place_downloads_once_then_reads_the_cache(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    ox: Any = pytest.importorskip("osmnx")
    calls = _fake_download(ox, monkeypatch)
    cache_mode = ox.settings.use_cache, ox.settings.cache_folder, ox.settings.cache_only_mode
    g1 = graph_from_place("Kecamatan Banyuwangi", cache_dir=tmp_path)
    g2 = graph_from_place("Kecamatan Banyuwangi", cache_dir=tmp_path)
    assert len(calls) == 1
    assert any("motorway" in f for f in calls[0]["custom_filter"]) and calls[0]["simplify"] is False
    assert g1.number_of_edges() == g2.number_of_edges() == 2
    assert list((tmp_path / "osm").glob("*.graphml"))
    assert (ox.settings.use_cache, ox.settings.cache_folder, ox.settings.cache_only_mode) == cache_mode
    graph_from_place("Kecamatan Giri", cache_dir=tmp_path)
    assert len(calls) == 2


def test_graph_from_polygon_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ox: Any = pytest.importorskip("osmnx")
    shapely = pytest.importorskip("shapely.geometry")
    from medroute.travel.osm_load import graph_from_polygon

    calls = _fake_download(ox, monkeypatch)
    poly = shapely.box(114.0, -8.01, 114.01, -8.0)
    graph_from_polygon(poly, cache_dir=tmp_path)
    graph_from_polygon(poly, cache_dir=tmp_path)
    assert len(calls) == 1


def test_download_with_no_road_inside_the_area_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ox: Any = pytest.importorskip("osmnx")
    shapely = pytest.importorskip("shapely.geometry")
    from medroute.travel.osm_load import graph_from_polygon

    _fake_download(ox, monkeypatch)
    with pytest.raises(GraphLoadError, match="no road node inside the area"):
        graph_from_polygon(shapely.box(115.0, -8.01, 115.01, -8.0), cache_dir=tmp_path)


@pytest.mark.parametrize(("name", "content"), [
    ("g.graphml", b"\x00\xff garbage"),
    ("g.graphml", b"<graphml>hello"),
    ("g.graphml", b'<?xml version="1.0" encoding="utc-8"?><graphml/>'),
    ("g.osm", b"<osm><node id='x'"),
    ("g.geojson", b'{"features": [{"geometry": {"type": "LineString", "coordinates": [[1, 2], [3]]}}]}'),
    ("g.geojson", b'{"features": [7]}'),
    ("g.overpass.json", b'{"elements": [{"type": "node"}]}'),
])
def test_garbage_graph_files_raise_graph_load_errors(tmp_path: Path, name: str, content: bytes) -> None:
    """Issue 18 #12: garbage road-graph files raised ParseError, LookupError, NetworkXError, ..."""
    pytest.importorskip("osmnx", reason="the osm extra (osmnx) is not installed")
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(GraphLoadError, match="road graph"):
        load_graph(path)


def test_graph_nodes_without_coordinates_are_refused() -> None:
    from medroute.travel.graph import GraphBackend

    g = nx.MultiDiGraph()
    g.add_node(1, x=114.0, y=-8.0)
    g.add_node(2, x="east")
    g.add_edge(1, 2, length=10.0, highway="residential")
    with pytest.raises(GraphLoadError, match="node 2 x must be a number"):
        GraphBackend(g)
    g.nodes[2].update(x=114.0, y=float("nan"))
    with pytest.raises(GraphLoadError, match="finite WGS84"):
        GraphBackend(g)
