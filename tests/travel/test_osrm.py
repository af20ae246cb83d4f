from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from medroute.errors import InvalidProblemError
from medroute.geo import Location
from medroute.travel.graph import GraphBackend

osrm_mod = pytest.importorskip("osrm", reason="the osrm extra (osrm-bindings) is not installed")

from medroute.travel.osrm import (  # noqa: E402
    OsrmBackend,
    OsrmError,
    OsrmHttpBackend,
    build_dataset,
    free_port,
    osrm_tool,
    render_profile,
    write_osm_xml,
)


def test_tools_are_found() -> None:
    for name in ("osrm-extract", "osrm-partition", "osrm-customize", "osrm-routed"):
        assert osrm_tool(name).is_file()


def test_profile_carries_python_speeds() -> None:
    text = render_profile({"residential": 22.0})
    assert '["residential"] = 22.0' in text and "weight_name                   = 'duration'" in text
    with pytest.raises(InvalidProblemError, match="must be > 0"):
        render_profile({"residential": -1.0})


def test_dataset_cache_is_keyed_by_input_and_profile(pancer_file: Path, tmp_path: Path) -> None:
    a = build_dataset(pancer_file, cache_dir=tmp_path)
    stamp = (a.parent / "data.osrm.done").stat().st_mtime_ns
    again = build_dataset(pancer_file, cache_dir=tmp_path)
    assert again == a and (a.parent / "data.osrm.done").stat().st_mtime_ns == stamp  # not rebuilt
    slower = build_dataset(pancer_file, cache_dir=tmp_path, speeds_kmh={"residential": 15.0, "secondary": 15.0})
    assert slower != a
    pts = [Location(-8.5871411, 114.0076898), Location(-8.5839406, 114.0580248)]
    fast = OsrmBackend(dataset=a).matrix(pts).durations_s[0, 1]
    slow = OsrmBackend(dataset=slower).matrix(pts).durations_s[0, 1]
    assert slow > fast
    named = OsrmBackend(pancer_file, cache_dir=tmp_path, speeds_kmh={"residential": 15.0, "secondary": 15.0})
    assert named.dataset == slower and named.name == "osrm(residential_kmh=15.0, secondary_kmh=15.0)"
    assert OsrmBackend(pancer_file, cache_dir=tmp_path).name == OsrmBackend(dataset=slower).name == "osrm"


def test_in_process_equals_http(pancer_osrm_dataset: Path, osrm_url: str, pancer_points: list[Location]) -> None:
    a = OsrmBackend(dataset=pancer_osrm_dataset).matrix(pancer_points)
    b = OsrmHttpBackend(osrm_url).matrix(pancer_points)
    assert np.array_equal(a.durations_s, b.durations_s) and np.array_equal(a.distances_m, b.distances_m)
    pa = OsrmBackend(dataset=pancer_osrm_dataset).path(pancer_points[0], pancer_points[5])
    pb = OsrmHttpBackend(osrm_url).path(pancer_points[0], pancer_points[5])
    assert pa == pb and len(pa) > 2


def test_server_really_answers_http(osrm_url: str) -> None:
    with urllib.request.urlopen(f"{osrm_url}/nearest/v1/driving/114.01,-8.59", timeout=10) as fh:
        assert json.loads(fh.read())["code"] == "Ok"


def test_geojson_lines_go_through_osm_xml(tmp_path: Path) -> None:
    import networkx as nx

    g = nx.MultiDiGraph()
    coords = [(114.0, -8.0), (114.01, -8.0), (114.01, -8.01)]
    for i, (x, y) in enumerate(coords):
        g.add_node(i, x=x, y=y)
    for u, v in ((0, 1), (1, 2)):
        for a, b in ((u, v), (v, u)):
            g.add_edge(a, b, length=1100.0, highway=None)
    xml = write_osm_xml(g, tmp_path / "g.osm").read_text()
    assert xml.count("<way ") == 2 and 'v="unclassified"' in xml and "oneway" not in xml
    back = OsrmBackend(g, cache_dir=tmp_path)
    graph = GraphBackend(g)
    pts = [Location(y, x) for x, y in coords]
    o, m = back.matrix(pts), graph.matrix(pts)
    assert np.allclose(o.durations_s, m.durations_s, rtol=0.02, atol=2)


def test_oneway_written_and_respected(tmp_path: Path) -> None:
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_node(1, x=114.0, y=-8.0)
    g.add_node(2, x=114.01, y=-8.0)
    g.add_edge(1, 2, length=1100.0, highway="residential")
    assert 'k="oneway" v="yes"' in write_osm_xml(g, tmp_path / "o.osm").read_text()


def test_http_errors_are_clear() -> None:
    with pytest.raises(InvalidProblemError, match="http://"):
        OsrmHttpBackend("localhost:5000")
    dead = OsrmHttpBackend(f"http://127.0.0.1:{free_port()}", timeout_s=2)
    with pytest.raises(OsrmError, match="cannot reach"):
        dead.matrix([Location(-8.59, 114.01), Location(-8.58, 114.02)])


def test_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(OsrmError, match="not a built OSRM dataset"):
        OsrmBackend(dataset=tmp_path / "nothing.osrm")
    with pytest.raises(InvalidProblemError, match="source"):
        OsrmBackend()


def test_matrix_cache_tells_datasets_apart(pancer_file: Path, tmp_path: Path) -> None:
    """Two datasets in folders of the same name (``.../ds/data.osrm``), built with other speeds:
    a cached matrix of one is never the other's."""
    import shutil

    from medroute.travel.cache import CachedBackend

    slower = {"residential": 15.0, "secondary": 15.0}
    built = [build_dataset(pancer_file, cache_dir=tmp_path / "build"),
             build_dataset(pancer_file, cache_dir=tmp_path / "build", speeds_kmh=slower)]
    pts = [Location(-8.5871411, 114.0076898), Location(-8.5839406, 114.0580248)]
    got = []
    for name, ds in zip(("one", "two"), built, strict=True):
        shutil.copytree(ds.parent, tmp_path / name / "ds")
        cached = CachedBackend(OsrmBackend(dataset=tmp_path / name / "ds" / ds.name), tmp_path / "matrices")
        got.append(cached.matrix(pts).durations_s[0, 1])
    assert got[0] < got[1]
