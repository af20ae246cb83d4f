"""The ``osm`` backend reads road access as the shipped OSRM motorbike profile does, from OSM files and
from osmnx downloads (answered offline from the same cases).

Each case is a square of roads: a direct way from ``a`` to ``b`` (through a middle node ``m``)
carrying the tags under test (over ``highway=residential``; ``None`` removes a tag), and an
untagged residential detour twice as long. Whether the fastest ride ``a → b`` and ``b → a`` takes
the direct way says whether the tags leave it open in that direction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

from medroute.geo import Location
from medroute.travel.graph import GraphBackend
from medroute.travel.speeds import (
    ACCESS_KEYS,
    CLOSED_WAY_TAGS,
    EXCLUDED_ACCESS,
    EXCLUDED_HIGHWAYS,
    OPEN_ACCESS,
    OPEN_CONSTRUCTION,
    ROUTE_SPEEDS_KMH,
)

pytest.importorskip("osmnx", reason="the osm extra (osmnx) is not installed")

STEP = 0.002
"""Side of the detour's short legs, degrees (≈ 220 m); the direct way is twice as long."""

# (way tags of the direct road, tags of its middle node, open a → b, open b → a)
CASES: dict[str, tuple[dict[str, str | None], dict[str, str], bool, bool]] = {
    "untagged": ({}, {}, True, True),
    "access=no": ({"access": "no"}, {}, False, False),
    "access=private": ({"access": "private"}, {}, False, False),
    "motorcycle=yes opens access=no": ({"access": "no", "motorcycle": "yes"}, {}, True, True),
    "motor_vehicle=private": ({"motor_vehicle": "private"}, {}, False, False),
    "motorcycle=no on a trunk": ({"highway": "trunk", "motorcycle": "no"}, {}, False, False),
    "vehicle=no": ({"vehicle": "no"}, {}, False, False),
    "motorcycle=yes over motor_vehicle=no": ({"motor_vehicle": "no", "motorcycle": "yes"}, {}, True, True),
    "access=destination": ({"access": "destination"}, {}, True, True),
    "access=no;destination": ({"access": "no;destination"}, {}, True, True),
    "motorway": ({"highway": "motorway"}, {}, False, False),
    "footway": ({"highway": "footway"}, {}, False, False),
    "oneway=yes": ({"oneway": "yes"}, {}, True, False),
    "oneway=-1": ({"oneway": "-1"}, {}, False, True),
    "oneway:motorcycle=no": ({"oneway": "yes", "oneway:motorcycle": "no"}, {}, True, True),
    "oneway:motorcycle=yes": ({"oneway:motorcycle": "yes"}, {}, True, False),
    "oneway=reverse is not one-way": ({"oneway": "reverse"}, {}, True, True),
    "roundabout": ({"junction": "roundabout"}, {}, True, False),
    "roundabout oneway=no": ({"junction": "roundabout", "oneway": "no"}, {}, True, True),
    "gate": ({}, {"barrier": "gate"}, True, True),
    "gate access=private": ({}, {"barrier": "gate", "access": "private"}, False, False),
    "lift_gate motor_vehicle=no": ({}, {"barrier": "lift_gate", "motor_vehicle": "no"}, False, False),
    "bollard motorcycle=yes access=private": (
        {}, {"barrier": "bollard", "motorcycle": "yes", "access": "private"}, True, True),
    "area=yes": ({"area": "yes"}, {}, False, False),
    "area=yes motorcycle=yes": ({"area": "yes", "motorcycle": "yes"}, {}, False, False),
    "area=no": ({"area": "no"}, {}, True, True),
    "service=emergency_access": ({"service": "emergency_access"}, {}, False, False),
    "service=emergency_access access=yes": ({"service": "emergency_access", "access": "yes"}, {}, False, False),
    "service=driveway": ({"service": "driveway"}, {}, True, True),
    "oneway=reversible": ({"oneway": "reversible"}, {}, False, False),
    "oneway=reversible oneway:motorcycle=yes": ({"oneway": "reversible", "oneway:motorcycle": "yes"}, {},
                                               False, False),
    "impassable=yes": ({"impassable": "yes"}, {}, False, False),
    "impassable=yes motorcycle=yes": ({"impassable": "yes", "motorcycle": "yes"}, {}, False, False),
    "impassable=no": ({"impassable": "no"}, {}, True, True),
    "status=impassable": ({"status": "impassable"}, {}, False, False),
    "construction=yes": ({"construction": "yes"}, {}, False, False),
    "construction=residential access=yes": ({"construction": "residential", "access": "yes"}, {}, False, False),
    "construction=no": ({"construction": "no"}, {}, True, True),
    "construction=widening": ({"construction": "widening"}, {}, True, True),
    "construction=minor": ({"construction": "minor"}, {}, True, True),
    "construction=minor;yes": ({"construction": "minor;yes"}, {}, False, False),
    "railway=construction": ({"railway": "construction"}, {}, False, False),
    "highway=construction": ({"highway": "construction"}, {}, False, False),
    "highway=proposed": ({"highway": "proposed"}, {}, False, False),
    "proposed=secondary on a built road": ({"proposed": "secondary"}, {}, True, True),
    "building outline": ({"highway": None, "building": "yes"}, {}, False, False),
    "route=bus without highway": ({"highway": None, "route": "bus"}, {}, False, False),
    "route=ferry on a road": ({"route": "ferry"}, {}, False, False),  # 5 km/h: the detour is faster
}


def _elements() -> tuple[list[dict[str, Any]], dict[str, tuple[Location, Location]]]:
    """Every case as its own square, side by side, as Overpass JSON elements; the (a, b) places of
    each case."""
    elements: list[dict[str, Any]] = []
    places: dict[str, tuple[Location, Location]] = {}
    for i, (name, (way_tags, node_tags, _, _)) in enumerate(CASES.items()):
        lon0 = 114.0 + i * 4 * STEP
        pts = {"a": (-8.0, lon0), "m": (-8.0, lon0 + STEP), "b": (-8.0, lon0 + 2 * STEP),
               "c": (-8.0 - STEP, lon0 + 2 * STEP), "d": (-8.0 - STEP, lon0)}
        ids = {k: 10 * i + j + 1 for j, k in enumerate(pts)}
        elements += [{"type": "node", "id": ids[k], "lat": lat, "lon": lon, "tags": node_tags if k == "m" else {}}
                     for k, (lat, lon) in pts.items()]
        tags = {k: v for k, v in {"highway": "residential", **way_tags}.items() if v is not None}
        elements.append({"type": "way", "id": 2 * i + 1, "nodes": [ids[k] for k in "amb"], "tags": tags})
        elements.append({"type": "way", "id": 2 * i + 2, "nodes": [ids[k] for k in "adcb"],
                         "tags": {"highway": "residential"}})
        places[name] = (Location(*pts["a"]), Location(*pts["b"]))
    return elements, places


def _osm_file(path: Path) -> dict[str, tuple[Location, Location]]:
    """Write every case (:func:`_elements`) as OSM XML; the (a, b) places of each case."""
    elements, places = _elements()

    def tags(t: dict[str, str]) -> str:
        return "".join(f'<tag k="{k}" v="{v}"/>' for k, v in t.items())

    lines = []
    for el in elements:
        if el["type"] == "node":
            lines.append(f'<node id="{el["id"]}" lat="{el["lat"]}" lon="{el["lon"]}">{tags(el["tags"])}</node>')
        else:
            nds = "".join(f'<nd ref="{n}"/>' for n in el["nodes"])
            lines.append(f'<way id="{el["id"]}">{nds}{tags(el["tags"])}</way>')
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
                    + "\n".join(lines) + "\n</osm>\n", encoding="utf-8")
    return places


AccessTown = tuple[Path, dict[str, tuple[Location, Location]]]
"""The access town's OSM file and each case's two places."""


@pytest.fixture(scope="module")
def access_town(tmp_path_factory: pytest.TempPathFactory) -> AccessTown:
    path = tmp_path_factory.mktemp("access") / "access.osm"
    return path, _osm_file(path)


def _direct(durations_s: object) -> tuple[bool, bool]:
    """Whether a → b and b → a ride the direct way: the detour takes twice as long."""
    d = durations_s  # (2, 2) seconds
    detour_s = 4 * STEP * 111_000 / (25 / 3.6)
    return bool(d[0][1] < 0.75 * detour_s), bool(d[1][0] < 0.75 * detour_s)  # type: ignore[index]


@pytest.mark.parametrize("case", CASES)
def test_osm_backend_honours_motorbike_access(case: str, access_town: AccessTown) -> None:
    path, places = access_town
    backend = GraphBackend(path)
    assert _direct(backend.matrix(list(places[case])).durations_s) == CASES[case][2:]


def test_osm_backend_on_graphml_honours_motorbike_access(access_town: AccessTown, tmp_path: Path) -> None:
    """A GraphML of the cases (with the access tags, the tags that close a way and each way's own
    ``oneway``) rides as the OSM file does."""
    ox: Any = pytest.importorskip("osmnx")
    from medroute.travel.osm_load import load_graph

    path, places = access_town
    ox.save_graphml(load_graph(path), tmp_path / "access.graphml")
    backend = GraphBackend(tmp_path / "access.graphml")
    got = {case: _direct(backend.matrix(list(ab)).durations_s) for case, ab in places.items()}
    assert got == {case: want[2:] for case, want in CASES.items()}


def test_osm_and_osrm_agree_on_every_access_rule(access_town: AccessTown, tmp_path: Path) -> None:
    pytest.importorskip("osrm", reason="the osrm extra (osrm-bindings) is not installed")
    from medroute.travel.osrm import OsrmBackend, build_dataset

    path, places = access_town
    osm = GraphBackend(path)
    osrm = OsrmBackend(dataset=build_dataset(path, cache_dir=tmp_path))
    for case, (a, b) in places.items():
        assert _direct(osrm.matrix([a, b]).durations_s) == CASES[case][2:], case
        assert np.max(abs(osrm.matrix([a, b]).durations_s - osm.matrix([a, b]).durations_s)) <= 2, case


def test_osrm_from_a_graph_keeps_the_access_tags(access_town: AccessTown, tmp_path: Path) -> None:
    """A graph handed to OSRM (not its OSM file) is written with the tags the rules read."""
    pytest.importorskip("osrm", reason="the osrm extra (osrm-bindings) is not installed")
    from medroute.travel.osm_load import load_graph
    from medroute.travel.osrm import OsrmBackend, build_dataset

    path, places = access_town
    graph: nx.MultiDiGraph = load_graph(path)
    osrm = OsrmBackend(dataset=build_dataset(graph, cache_dir=tmp_path))
    for case, (a, b) in places.items():
        assert _direct(osrm.matrix([a, b]).durations_s) == CASES[case][2:], case


@pytest.fixture(scope="module")
def ferry_crossing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Location, Location]:
    """An OSM file of a ferry (``route=ferry``, no ``highway``) from ``a`` to ``b`` and a road to
    each (OSRM starts no ride on a ferry); ``a`` and ``b``."""
    path = tmp_path_factory.mktemp("ferry") / "ferry.osm"
    a, b = Location(-8.0, 114.0), Location(-8.0, 114.0 + 2 * STEP)
    ends = (Location(-8.0 - STEP, 114.0), Location(-8.0 - STEP, 114.0 + 2 * STEP))
    nodes = "".join(f'<node id="{i}" lat="{p.lat}" lon="{p.lon}"/>' for i, p in enumerate((a, b, *ends), 1))
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n' + nodes
                    + '<way id="1"><nd ref="1"/><nd ref="2"/><tag k="route" v="ferry"/></way>'
                    + '<way id="2"><nd ref="3"/><nd ref="1"/><tag k="highway" v="residential"/></way>'
                    + '<way id="3"><nd ref="2"/><nd ref="4"/><tag k="highway" v="residential"/></way>'
                    + "\n</osm>\n", encoding="utf-8")
    return path, a, b


@pytest.mark.parametrize("source", ["osm file", "osm GraphML", "osrm file", "osrm graph"])
def test_ferry_without_highway_rides_at_the_profiles_ferry_speed(
        source: str, ferry_crossing: tuple[Path, Location, Location], tmp_path: Path) -> None:
    from medroute.geo import pairwise_haversine_m
    from medroute.travel.osm_load import load_graph

    path, a, b = ferry_crossing
    backend: Any
    if source == "osm file":
        backend = GraphBackend(path)
    elif source == "osm GraphML":
        ox: Any = pytest.importorskip("osmnx")
        ox.save_graphml(load_graph(path), tmp_path / "ferry.graphml")
        backend = GraphBackend(tmp_path / "ferry.graphml")
    else:
        pytest.importorskip("osrm", reason="the osrm extra (osrm-bindings) is not installed")
        from medroute.travel.osrm import OsrmBackend, build_dataset

        backend = OsrmBackend(dataset=build_dataset(path if source == "osrm file" else load_graph(path),
                                                    cache_dir=tmp_path))
    ferry_s = float(pairwise_haversine_m([a, b])[0, 1]) / (ROUTE_SPEEDS_KMH["ferry"] / 3.6)
    durations = backend.matrix([a, b]).durations_s
    assert abs(durations[0][1] - ferry_s) <= 2 and abs(durations[1][0] - ferry_s) <= 2


def test_python_access_sets_are_the_profiles() -> None:
    lua = (Path(__file__).parents[2] / "src/medroute/travel/profiles/motorbike.lua").read_text()

    def lua_set(name: str) -> set[str]:
        body = re.search(name + r"\s*=\s*(?:Set|Sequence)\s*\{([^}]*)\}", lua)
        assert body is not None, name
        return set(re.findall(r"'([^']+)'", body.group(1)))

    assert lua_set("access_tag_whitelist") == OPEN_ACCESS
    assert lua_set("access_tag_blacklist") == EXCLUDED_ACCESS
    assert lua_set("service_tag_forbidden") == CLOSED_WAY_TAGS["service"]
    assert lua_set("construction_whitelist") == OPEN_CONSTRUCTION
    # avoid holds the excluded classes, and switches on the blocks of OSRM's way handler
    # (blocked_ways): area=yes; oneway=reversible; impassable=yes, status=impassable; construction=*
    # outside construction_whitelist, railway=construction, highway=construction; proposed=* only
    # on highway=proposed (an excluded class)
    assert lua_set("avoid") - EXCLUDED_HIGHWAYS == {"area", "reversible", "impassable"}
    assert {"construction", "proposed"} <= EXCLUDED_HIGHWAYS <= lua_set("avoid")
    assert dict(CLOSED_WAY_TAGS) == {"area": {"yes"}, "service": {"emergency_access"}, "oneway": {"reversible"},
                                     "impassable": {"yes"}, "status": {"impassable"}, "railway": {"construction"}}
    routes = re.search(r"route_speeds = \{([^}]*)\}", lua)
    assert routes is not None
    assert {k: float(v) for k, v in re.findall(r"(\w+) = (\d+(?:\.\d+)?)", routes.group(1))} == ROUTE_SPEEDS_KMH
    # a way without highway is dropped unless its route is set (and ridden only at a route speed)
    assert "if (not data.highway or data.highway == '') and (not data.route or data.route == '') then" in lua
    hierarchy = re.search(r"access_tags_hierarchy = Sequence \{([^}]*)\}", lua)
    assert hierarchy is not None and re.findall(r"'([^']+)'", hierarchy.group(1)) == list(ACCESS_KEYS)


def test_closed_way_tags_are_osrms_blocked_ways() -> None:
    """The tag values on which OSRM's way handler ``blocked_ways`` closes a way (for the ``avoid``
    switches the profile sets) are those of :data:`CLOSED_WAY_TAGS`, less ``service`` (closed by
    the profile's ``service_tag_forbidden``)."""
    osrm: Any = pytest.importorskip("osrm", reason="the osrm extra (osrm-bindings) is not installed")
    lua = (Path(osrm.__file__).parent / "share/profiles/lib/way_handlers.lua").read_text()
    body = re.search(r"\nfunction WayHandlers\.blocked_ways\(.*?\n(.*?)\nend\n", lua, re.S)
    assert body is not None
    pairs = set(re.findall(r"""get_value_by_key\(["'](\w+)["']\)\s*==\s*["'](\w+)["']""", body.group(1)))
    profile = (Path(__file__).parents[2] / "src/medroute/travel/profiles/motorbike.lua").read_text()
    assert not re.search(r"avoid = Set \{[^}]*'(toll|motorroad)'", profile)  # their blocks are off
    assert pairs - {("toll", "yes"), ("motorroad", "yes")} == {
        (key, value) for key, values in CLOSED_WAY_TAGS.items() if key != "service" for value in values}


@pytest.mark.slow
def test_osm_and_osrm_agree_on_a_town_tagged_for_motorbikes(tmp_path: Path) -> None:
    """South Surabaya carries motorcycle, motor_vehicle and access tags on ways and gates: read
    alike, the two backends' times between 60 road places agree to a few seconds."""
    pytest.importorskip("osrm", reason="the osrm extra (osrm-bindings) is not installed")
    import numpy as np

    from medroute.travel.osrm import OsrmBackend, build_dataset
    from tests.data import data_path

    path = data_path("osm/surabaya_south_drive.osm.bz2")
    osm = GraphBackend(path)
    g = osm.graph
    main = np.flatnonzero(g.component == np.argmax(np.bincount(g.component)))
    pick = np.random.default_rng(1).choice(main, 60, replace=False)
    pts = [Location(float(g.lat[i]), float(g.lon[i])) for i in pick]
    a = osm.matrix(pts).durations_s.astype(float)
    b = OsrmBackend(dataset=build_dataset(path, cache_dir=tmp_path)).matrix(pts).durations_s.astype(float)
    rel = np.abs(a - b) / np.maximum(b, 1.0)
    assert float(np.max(rel)) <= 0.05


_FILTER_PART = re.compile(r'\[(~?)"([^"]*)"(?:(!?~)"([^"]*)")?\]')


def _overpass_keeps(way_filter: str, tags: dict[str, str]) -> bool:
    """Whether an Overpass QL way filter (``["k"]``, ``["k"~"re"]``, ``["k"!~"re"]``,
    ``[~"key re"~"re"]``, all of them) selects a way with these tags."""
    parts = _FILTER_PART.findall(way_filter)
    assert "".join(f"[{t}" for t in way_filter.split("[")[1:]) == way_filter and parts, way_filter
    for key_re, key, op, value_re in parts:
        if key_re:
            hit = any(re.search(key, k) and re.search(value_re, v) for k, v in tags.items())
        elif not op:
            hit = key in tags
        else:
            matched = key in tags and re.search(value_re, tags[key]) is not None
            hit = matched if op == "~" else not matched
        if not hit:
            return False
    return True


class _FakeOverpass:
    """Answers osmnx's Overpass POSTs from the case elements as the server would: the ways the
    query's filter selects, and their nodes (``>;``); with ``remark`` set, every answer carries it,
    as a server that timed out does; ``errors`` maps a query's number (0 for the first) to the
    HTTP error (status, reason, body) it is answered with. It answers at the transport, so requests
    runs its hooks."""

    def __init__(self, elements: list[dict[str, Any]]) -> None:
        self.elements = elements
        self.filters: list[str] = []
        self.ways: set[int] = set()
        self.remark: str | None = None
        self.errors: dict[int, tuple[int, str, str]] = {}
        self.posts = 0

    def answer(self, query_text: str) -> dict[str, Any]:
        """The Overpass JSON answer to an Overpass QL query."""
        query = re.search(r"way(.*)\(poly:", query_text)
        assert query is not None, query_text
        self.filters.append(query.group(1))
        ways = [el for el in self.elements if el["type"] == "way" and _overpass_keeps(query.group(1), el["tags"])]
        refs = {n for way in ways for n in way["nodes"]}
        self.ways |= {way["id"] for way in ways}
        nodes = [el for el in self.elements if el["type"] == "node" and el["id"] in refs]
        doc: dict[str, Any] = {"version": 0.6, "elements": nodes + ways}
        if self.remark is not None:
            doc["remark"] = self.remark
        return doc

    def send(self, request: Any, **_: object) -> Any:
        """``requests.adapters.HTTPAdapter.send``: an Overpass POST answered, anything else a failure."""
        from urllib.parse import parse_qs

        import requests

        assert request.method == "POST", f"unexpected {request.method} {request.url}"
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        response = requests.Response()
        response.url, response.request = request.url, request
        self.posts += 1
        if self.posts - 1 in self.errors:
            response.status_code, response.reason, text = self.errors[self.posts - 1]
            response._content = text.encode()
            return response
        response.status_code, response.reason = 200, "OK"
        response._content = json.dumps(self.answer(parse_qs(body)["data"][0])).encode()
        return response


@pytest.fixture
def overpass(monkeypatch: pytest.MonkeyPatch) -> _FakeOverpass:
    """osmnx's Overpass and Nominatim traffic answered offline from the case elements."""
    ox: Any = pytest.importorskip("osmnx")
    import requests

    fake = _FakeOverpass(_elements()[0])
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", fake.send)
    monkeypatch.setattr(ox._http, "_config_dns", lambda url: None)
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    monkeypatch.setattr(ox, "geocode_to_gdf", lambda query, **_: _area())
    monkeypatch.setattr(ox.geocoder, "geocode_to_gdf", lambda query, **_: _area())
    return fake


def _area() -> Any:
    """The place every case lies in, as osmnx's geocoder gives it."""
    geopandas = pytest.importorskip("geopandas")
    shapely = pytest.importorskip("shapely.geometry")
    east = 114.0 + 4 * STEP * len(CASES)
    return geopandas.GeoDataFrame(geometry=[shapely.box(113.99, -8.01, east, -7.99)], crs="epsg:4326")


def test_download_filter_keeps_what_the_motorbike_rules_may_open(overpass: _FakeOverpass, tmp_path: Path) -> None:
    from medroute.travel.osm_load import graph_from_polygon

    graph_from_polygon(_area().geometry[0], cache_dir=tmp_path)
    direct = {name: 2 * i + 1 for i, name in enumerate(CASES)}
    left_out = {  # no tag opens them
        "access=no", "access=private", "motorway", "footway", "area=yes", "area=yes motorcycle=yes",
        "service=emergency_access", "service=emergency_access access=yes", "oneway=reversible",
        "oneway=reversible oneway:motorcycle=yes", "impassable=yes", "impassable=yes motorcycle=yes",
        "status=impassable", "construction=yes", "construction=residential access=yes",
        "construction=minor;yes", "railway=construction", "highway=construction", "highway=proposed",
        "building outline", "route=bus without highway"}
    assert {name for name in CASES if direct[name] not in overpass.ways} == left_out


def test_downloaded_graph_honours_motorbike_access(overpass: _FakeOverpass, tmp_path: Path) -> None:
    from medroute.travel.osm_load import graph_from_place

    backend = GraphBackend(graph_from_place("Kecamatan Kotak", cache_dir=tmp_path))
    got = {case: _direct(backend.matrix(list(ab)).durations_s) for case, ab in _elements()[1].items()}
    assert got == {case: want[2:] for case, want in CASES.items()}


def test_download_rides_as_the_osm_file(overpass: _FakeOverpass, tmp_path: Path,
                                       access_town: AccessTown) -> None:
    """The download (which the filter cuts) and the OSM file of every case (which it does not) give
    the same times and distances within each case."""
    from medroute.travel.osm_load import graph_from_polygon

    path, places = access_town
    downloaded = GraphBackend(graph_from_polygon(_area().geometry[0], cache_dir=tmp_path))
    from_file = GraphBackend(path)
    for case, ab in places.items():
        got, want = downloaded.matrix(list(ab)), from_file.matrix(list(ab))
        assert got.durations_s.tolist() == want.durations_s.tolist(), case
        assert got.distances_m.tolist() == want.distances_m.tolist(), case


def test_download_is_the_overpass_file_graph(overpass: _FakeOverpass, tmp_path: Path) -> None:
    """The same elements downloaded or read from an Overpass JSON file give the same graph."""
    ox: Any = pytest.importorskip("osmnx")
    from medroute.travel.osm_load import graph_from_polygon, load_graph

    downloaded = graph_from_polygon(_area().geometry[0], cache_dir=tmp_path)
    served = [el for way_filter in list(overpass.filters)
              for el in overpass.answer(f"way{way_filter}(poly:'')")["elements"]]
    (tmp_path / "served.overpass.json").write_text(json.dumps({"elements": served}), encoding="utf-8")
    ox.save_graphml(load_graph(tmp_path / "served.overpass.json"), tmp_path / "file.graphml")
    from_file = ox.load_graphml(tmp_path / "file.graphml")

    def edges(g: nx.MultiDiGraph) -> list[tuple[Any, ...]]:
        return sorted((u, v, sorted(d.items())) for u, v, d in g.edges(data=True))

    assert dict(downloaded.nodes(data=True)) == dict(from_file.nodes(data=True))
    assert edges(downloaded) == edges(from_file)


def test_download_answered_with_a_remark_is_refused(overpass: _FakeOverpass, tmp_path: Path) -> None:
    """An Overpass answer with a remark (a server timeout) holds part of the roads at most: the
    download raises, quoting it, and caches nothing; a clean answer then downloads."""
    from medroute.travel.osm_load import GraphLoadError, graph_from_place, graph_from_polygon

    overpass.remark = 'runtime error: Query timed out in "query" at line 3 after 26 seconds.'
    downloads: list[Callable[[], object]] = [lambda: graph_from_polygon(_area().geometry[0], cache_dir=tmp_path),
                                             lambda: graph_from_place("Kecamatan Kotak", cache_dir=tmp_path)]
    for download in downloads:
        with pytest.raises(GraphLoadError, match=r"answered with a remark: 'runtime error: Query timed out"
                                                 r".*incomplete.*[Rr]etry later.*smaller area.*overpass_url"):
            download()
    assert not list(tmp_path.rglob("*.graphml"))
    assert pytest.importorskip("osmnx").settings.requests_kwargs == {}
    overpass.remark = None
    assert graph_from_polygon(_area().geometry[0], cache_dir=tmp_path).number_of_edges() > 0
    assert len(list(tmp_path.rglob("*.graphml"))) == 1


_OVERPASS_400 = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en"><head>
  <meta http-equiv="content-type" content="text/html; charset=utf-8" lang="en"/>
  <title>OSM3S Response</title>
</head>
<body>
<p>The data included in this document is from www.openstreetmap.org. The data is made available under ODbL.</p>
<p><strong style="color:#FF0000">Error</strong>: line 3: parse error: Unknown type "wya" </p>
</body>
</html>
"""


@pytest.mark.parametrize(("query", "status", "reason", "body", "message"), [
    (0, 400, "Bad Request", _OVERPASS_400, 'Error: line 3: parse error: Unknown type "wya"'),
    (1, 503, "Service Unavailable", '{"error": "the server is overloaded"}',
     '{"error": "the server is overloaded"}'),
    (1, 500, "Internal Server Error", '{"version": 0.6, "elements": [], "remark": "runtime error: out of memory"}',
     "runtime error: out of memory"),
], ids=["400 html", "503 json", "500 json remark"])
def test_download_answered_with_an_http_error_is_refused(overpass: _FakeOverpass, tmp_path: Path, query: int,
                                                         status: int, reason: str, body: str, message: str) -> None:
    """An Overpass HTTP error osmnx does not retry (it only logs one with a JSON body, and the
    other queries' answers would make a partial graph) makes the download raise, quoting the
    status and the server's message, and cache nothing."""
    from medroute.travel.osm_load import GraphLoadError, graph_from_place

    overpass.errors = {query: (status, reason, body)}
    with pytest.raises(GraphLoadError, match=re.escape(f"answered HTTP {status} {reason}: {message!r}")
                       + r".*incomplete.*neither built nor cached.*[Rr]etry later.*smaller area.*custom_filter"
                         r".*overpass_url"):
        graph_from_place("Kecamatan Kotak", cache_dir=tmp_path)
    assert not list(tmp_path.rglob("*.graphml"))
    assert pytest.importorskip("osmnx").settings.requests_kwargs == {}
