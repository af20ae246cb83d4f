from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medroute.errors import InvalidProblemError, UnreachableLocationError
from medroute.geo import Location
from medroute.scenarios.facilities import ROADS_FILE
from medroute.travel.graph import GraphBackend, compile_graph
from medroute.travel.osm_load import load_graph
from tests.data import data_path


def line_graph(*, oneway: bool = False, highway: str = "residential", maxspeed: str | None = None
               ) -> nx.MultiDiGraph:
    """0 —1 km— 1 —1 km— 2 along the equator-ish latitude -8."""
    g = nx.MultiDiGraph()
    for i in range(3):
        g.add_node(i, x=114.0 + i * 0.009085, y=-8.0)
    for u, v in ((0, 1), (1, 2)):
        g.add_edge(u, v, length=1000.0, highway=highway, maxspeed=maxspeed)
        if not oneway:
            g.add_edge(v, u, length=1000.0, highway=highway, maxspeed=maxspeed)
    return g


def pts(g: nx.MultiDiGraph) -> list[Location]:
    return [Location(d["y"], d["x"]) for _, d in sorted(g.nodes(data=True))]


def test_hand_checked_times_and_distances() -> None:
    g = line_graph()
    m = GraphBackend(g).matrix(pts(g))
    assert m.distances_m.tolist() == [[0, 1000, 2000], [1000, 0, 1000], [2000, 1000, 0]]
    assert m.durations_s[0, 2] == round(2000 / (25 / 3.6))  # residential 25 km/h


def test_speed_override_and_maxspeed_cap() -> None:
    g = line_graph(maxspeed="10")
    assert GraphBackend(g).matrix(pts(g)).durations_s[0, 1] == 360  # 1 km at 10 km/h
    g2 = line_graph()
    assert GraphBackend(g2, speeds_kmh={"residential": 36.0}).matrix(pts(g2)).durations_s[0, 1] == 100
    with pytest.raises(InvalidProblemError, match="must be > 0"):
        GraphBackend(g2, speeds_kmh={"residential": 0.0})


def test_the_name_records_the_speeds_that_are_not_the_defaults() -> None:
    g = line_graph()
    assert GraphBackend(g).name == "osm"
    assert GraphBackend(g, speeds_kmh={"residential": 36.0, "trunk": 45.0}).name == "osm(residential_kmh=36.0)"
    assert GraphBackend(g, unknown_kmh=20, snap_speed_kmh=5).name == "osm(unknown_kmh=20.0, snap_speed_kmh=5.0)"


def test_oneway_is_one_strong_component_short() -> None:
    g = line_graph(oneway=True)
    with pytest.raises(UnreachableLocationError, match=r"location [01] .*cannot reach or be reached"):
        GraphBackend(g).matrix(pts(g)[:2])


def test_excluded_class_drops_the_road() -> None:
    g = line_graph()
    g.add_node(9, x=114.03, y=-8.0)
    g.add_edge(2, 9, length=1000.0, highway="motorway")
    g.add_edge(9, 2, length=1000.0, highway="motorway")
    back = GraphBackend(g)
    assert back.graph.node_count == 3
    with pytest.raises(UnreachableLocationError, match=r"location 0 \('toll'\).* m from the nearest road"):
        back.matrix([Location(-8.0, 114.03)], ids=["toll"])


def test_snap_limit_and_snap_speed() -> None:
    g = line_graph()
    off = [Location(-8.0009, 114.0), Location(-8.0, 114.01817)]  # ~100 m off node 0; node 2
    m = GraphBackend(g).matrix(off)
    assert m.snap_m[0] == pytest.approx(99.5, abs=1) and m.distances_m[0, 1] == 2000
    walk = GraphBackend(g, snap_speed_kmh=3.6).matrix(off)  # 1 m/s
    assert walk.distances_m[0, 1] == pytest.approx(2000 + m.snap_m.sum(), abs=1)
    assert walk.durations_s[0, 1] == pytest.approx(m.durations_s[0, 1] + m.snap_m.sum(), abs=1)
    with pytest.raises(UnreachableLocationError, match="beyond max_snap_m=50"):
        GraphBackend(g, max_snap_m=50).matrix(off)


def test_with_snap_speed_a_place_is_no_travel_from_itself() -> None:
    """The same place twice in a matrix (off the road, the snap legs added) is zero travel apart,
    as in a table or single legs between the two."""
    from medroute.travel.lookup import legs, table

    g = line_graph()
    a, b = Location(-8.0009, 114.0), Location(-8.0, 114.01817)
    walk = GraphBackend(g, snap_speed_kmh=3.6)
    m = walk.matrix([a, a, b])
    assert m.durations_s[0, 1] == m.distances_m[0, 1] == 0
    assert np.array_equal(m.durations_s[0], m.durations_s[1])
    assert np.array_equal(table(walk, [a, a, b], [a, a, b])[0], m.durations_s)
    assert legs(walk, [a], [a])[0].tolist() == [0]


def test_path_follows_edge_geometry() -> None:
    shapely = pytest.importorskip("shapely.geometry")
    g = line_graph()
    g[0][1][0]["geometry"] = shapely.LineString([(114.0, -8.0), (114.004, -8.001), (114.009085, -8.0)])
    p = pts(g)
    line = GraphBackend(g).path(p[0], p[2])
    assert Location(-8.001, 114.004) in line and line[0] == p[0] and line[-1] == p[2]


def test_matches_networkx_dijkstra_on_pancer(pancer_file: Path, pancer_points: list[Location]) -> None:
    """Compiled scipy results equal pure-networkx Dijkstra on the same edge times."""
    nxg = load_graph(pancer_file)
    back = GraphBackend(nxg)
    simple = nx.DiGraph()
    for u, v, d in nxg.edges(data=True):
        t = round(d["length"] / (25 / 3.6 if d["highway"] == "residential" else
                                 {"secondary": 35, "unclassified": 30}[d["highway"]] / 3.6) * 100)
        if not simple.has_edge(u, v) or simple[u][v]["t"] > t:
            simple.add_edge(u, v, t=max(1, t))
    pos = {(round(d["y"], 7), round(d["x"], 7)): n for n, d in nxg.nodes(data=True)}
    nodes = [pos[(round(p.lat, 7), round(p.lon, 7))] for p in pancer_points[:8]]
    m = back.matrix(pancer_points[:8])
    for i, s in enumerate(nodes):
        dist = nx.single_source_dijkstra_path_length(simple, s, weight="t")
        expect = np.array([dist[t] / 100 for t in nodes])
        assert np.allclose(m.durations_s[i], expect, atol=0.51)


def test_compiled_graph_hash_is_content_based(pancer_file: Path) -> None:
    g = load_graph(pancer_file)
    a, b = compile_graph(g), compile_graph(g)
    assert a.content_hash == b.content_hash
    assert compile_graph(g, speeds_kmh={"residential": 20}).content_hash != a.content_hash


def test_geojson_roads_clusters_refused_across() -> None:
    back = GraphBackend(data_path(ROADS_FILE))
    assert len(back.graph.component_sizes()) == 9
    blambangan, genteng = Location(-8.2084, 114.36617), Location(-8.3657, 114.1517)
    ok = back.matrix([blambangan, Location(-8.2150, 114.3600)])
    assert ok.durations_s[0, 1] > 0 and np.max(ok.snap_m) < 150
    with pytest.raises(UnreachableLocationError, match="location 2 \\('genteng'\\)"):
        back.matrix([blambangan, Location(-8.2150, 114.3600), genteng], ids=["rsud", "x", "genteng"])


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.floats(-8.596, -8.580), st.floats(114.002, 114.047)), min_size=2, max_size=6))
def test_random_points_on_pancer_triangle(pancer_osm_static: GraphBackend,
                                          raw: list[tuple[float, float]]) -> None:
    points = [Location(a, b) for a, b in raw]
    try:
        m = pancer_osm_static.matrix(points)
    except UnreachableLocationError as exc:  # off-network points are refused with a message, never inf
        message = str(exc)
        assert_refusal(message)
        return
    d = m.durations_s.astype(np.int64)
    assert np.all(d <= (d[:, :, None] + d[None, :, :]).min(axis=1) + 2)
    assert np.all(m.snap_m <= 500)


def assert_refusal(message: str) -> None:
    assert message.startswith("location ") and "max_snap_m" in message


@pytest.fixture(scope="module")
def pancer_osm_static(pancer_osm: GraphBackend) -> GraphBackend:
    return pancer_osm


def test_unknown_profile(pancer_osm: GraphBackend, pancer_points: list[Location]) -> None:
    with pytest.raises(InvalidProblemError, match="only profile 'motorbike'"):
        pancer_osm.matrix(pancer_points, profile="car")


def test_bad_parameters() -> None:
    with pytest.raises(InvalidProblemError, match="max_snap_m"):
        GraphBackend(line_graph(), max_snap_m=0)
    with pytest.raises(InvalidProblemError, match="snap_speed_kmh"):
        GraphBackend(line_graph(), snap_speed_kmh=-1)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["probolinggo_drive.osm.bz2", "surabaya_south_drive.osm.bz2",
                                  "balikpapan_kota_drive.graphml.bz2"])
def test_urban_graphs_compile_and_route(name: str) -> None:
    back = GraphBackend(data_path(f"osm/{name}"))
    g = back.graph
    main = int(np.argmax(np.bincount(g.component)))
    idx = np.flatnonzero(g.component == main)[:: max(1, g.node_count // 40)][:40]
    m = back.matrix([Location(float(g.lat[i]), float(g.lon[i])) for i in idx])
    assert np.all(m.durations_s >= 0) and np.max(m.durations_s) > 60
