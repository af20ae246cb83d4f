"""The ``osm`` backend reads road access as the shipped OSRM motorbike profile does.

Each case is a square of roads: a direct way from ``a`` to ``b`` (through a middle node ``m``)
carrying the tags under test, and an untagged residential detour three times as long. Whether the
fastest ride ``a → b`` and ``b → a`` takes the direct way says whether the tags leave it open in
that direction.
"""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pytest

from medroute.geo import Location
from medroute.travel.graph import GraphBackend
from medroute.travel.speeds import ACCESS_KEYS, EXCLUDED_ACCESS, OPEN_ACCESS

pytest.importorskip("osmnx", reason="the osm extra (osmnx) is not installed")

STEP = 0.002
"""Side of the detour's short legs, degrees (≈ 220 m); the direct way is twice as long."""

# (way tags of the direct road, tags of its middle node, open a → b, open b → a)
CASES: dict[str, tuple[dict[str, str], dict[str, str], bool, bool]] = {
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
}


def _osm_file(path: Path) -> dict[str, tuple[Location, Location]]:
    """Write every case as its own square, side by side; the (a, b) places of each case."""
    nodes: list[str] = []
    ways: list[str] = []
    places: dict[str, tuple[Location, Location]] = {}

    def tags(t: dict[str, str]) -> str:
        return "".join(f'<tag k="{k}" v="{v}"/>' for k, v in t.items())

    for i, (name, (way_tags, node_tags, _, _)) in enumerate(CASES.items()):
        lon0 = 114.0 + i * 4 * STEP
        pts = {"a": (-8.0, lon0), "m": (-8.0, lon0 + STEP), "b": (-8.0, lon0 + 2 * STEP),
               "c": (-8.0 - STEP, lon0 + 2 * STEP), "d": (-8.0 - STEP, lon0)}
        ids = {k: 10 * i + j + 1 for j, k in enumerate(pts)}
        for k, (lat, lon) in pts.items():
            nodes.append(f'<node id="{ids[k]}" lat="{lat}" lon="{lon}">{tags(node_tags if k == "m" else {})}</node>')
        direct = {"highway": "residential", **way_tags}
        ways.append(f'<way id="{2 * i + 1}"><nd ref="{ids["a"]}"/><nd ref="{ids["m"]}"/><nd ref="{ids["b"]}"/>'
                    f"{tags(direct)}</way>")
        ways.append(f'<way id="{2 * i + 2}"><nd ref="{ids["a"]}"/><nd ref="{ids["d"]}"/><nd ref="{ids["c"]}"/>'
                    f'<nd ref="{ids["b"]}"/>{tags({"highway": "residential"})}</way>')
        places[name] = (Location(*pts["a"]), Location(*pts["b"]))
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
                    + "\n".join(nodes + ways) + "\n</osm>\n", encoding="utf-8")
    return places


@pytest.fixture(scope="module")
def access_town(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[Location, Location]]]:
    path = tmp_path_factory.mktemp("access") / "access.osm"
    return path, _osm_file(path)


def _direct(durations_s: object) -> tuple[bool, bool]:
    """Whether a → b and b → a ride the direct way: the detour takes twice as long."""
    d = durations_s  # (2, 2) seconds
    detour_s = 4 * STEP * 111_000 / (25 / 3.6)
    return bool(d[0][1] < 0.75 * detour_s), bool(d[1][0] < 0.75 * detour_s)  # type: ignore[index]


@pytest.mark.parametrize("case", CASES)
def test_osm_backend_honours_motorbike_access(case: str, access_town: tuple[Path, dict]) -> None:
    path, places = access_town
    backend = GraphBackend(path)
    assert _direct(backend.matrix(list(places[case])).durations_s) == CASES[case][2:]


def test_osm_and_osrm_agree_on_every_access_rule(access_town: tuple[Path, dict], tmp_path: Path) -> None:
    pytest.importorskip("osrm", reason="the osrm extra (osrm-bindings) is not installed")
    from medroute.travel.osrm import OsrmBackend, build_dataset

    path, places = access_town
    osm = GraphBackend(path)
    osrm = OsrmBackend(dataset=build_dataset(path, cache_dir=tmp_path))
    for case, (a, b) in places.items():
        assert _direct(osrm.matrix([a, b]).durations_s) == CASES[case][2:], case
        assert abs(osrm.matrix([a, b]).durations_s - osm.matrix([a, b]).durations_s).max() <= 2, case


def test_osrm_from_a_graph_keeps_the_access_tags(access_town: tuple[Path, dict], tmp_path: Path) -> None:
    """A graph handed to OSRM (not its OSM file) is written with the tags the rules read."""
    pytest.importorskip("osrm", reason="the osrm extra (osrm-bindings) is not installed")
    from medroute.travel.osm_load import load_graph
    from medroute.travel.osrm import OsrmBackend, build_dataset

    path, places = access_town
    graph: nx.MultiDiGraph = load_graph(path)
    osrm = OsrmBackend(dataset=build_dataset(graph, cache_dir=tmp_path))
    for case, (a, b) in places.items():
        assert _direct(osrm.matrix([a, b]).durations_s) == CASES[case][2:], case


def test_python_access_sets_are_the_profiles() -> None:
    lua = (Path(__file__).parents[2] / "src/medroute/travel/profiles/motorbike.lua").read_text()

    def lua_set(name: str) -> set[str]:
        body = re.search(name + r"\s*=\s*(?:Set|Sequence)\s*\{([^}]*)\}", lua)
        assert body is not None, name
        return set(re.findall(r"'([^']+)'", body.group(1)))

    assert lua_set("access_tag_whitelist") == OPEN_ACCESS
    assert lua_set("access_tag_blacklist") == EXCLUDED_ACCESS
    assert re.findall(r"'([^']+)'", re.search(r"access_tags_hierarchy = Sequence \{([^}]*)\}", lua).group(1)) \
        == list(ACCESS_KEYS)  # type: ignore[union-attr]


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
