from __future__ import annotations

import re
from importlib import resources

import pytest

from medroute.travel.speeds import (
    EXCLUDED_HIGHWAYS,
    MOTORBIKE_SPEEDS_KMH,
    UNKNOWN_CLASS_KMH,
    edge_speed_kmh,
    parse_maxspeed_kmh,
)


@pytest.mark.parametrize(("raw", "kmh"), [
    ("40", 40.0), ("20 mph", 32.18688), (["40", "30"], 30.0), ("none", None), (None, None),
    ("ID:urban", None), (50, 50.0), ("0", None), ("30;40", 30.0),
])
def test_parse_maxspeed(raw: object, kmh: float | None) -> None:
    got = parse_maxspeed_kmh(raw)
    assert got == (pytest.approx(kmh) if kmh is not None else None)


def test_edge_speed_rules() -> None:
    assert edge_speed_kmh("residential", None, MOTORBIKE_SPEEDS_KMH) == 25.0
    assert edge_speed_kmh("trunk", "40", MOTORBIKE_SPEEDS_KMH) == 40.0  # maxspeed caps
    assert edge_speed_kmh("residential", "60", MOTORBIKE_SPEEDS_KMH) == 25.0  # never raises
    assert edge_speed_kmh("motorway", None, MOTORBIKE_SPEEDS_KMH) is None
    assert edge_speed_kmh("footway", None, MOTORBIKE_SPEEDS_KMH) is None
    assert edge_speed_kmh("service", None, MOTORBIKE_SPEEDS_KMH, access="private") is None
    assert edge_speed_kmh(None, None, MOTORBIKE_SPEEDS_KMH) == UNKNOWN_CLASS_KMH
    assert edge_speed_kmh(["track", "residential"], None, MOTORBIKE_SPEEDS_KMH) == 15.0


def test_osm_way_without_highway_is_no_road_unless_a_ferry() -> None:
    assert edge_speed_kmh(None, None, MOTORBIKE_SPEEDS_KMH, osm_way=True) is None
    assert edge_speed_kmh("", None, MOTORBIKE_SPEEDS_KMH, osm_way=True) is None
    assert edge_speed_kmh(None, None, MOTORBIKE_SPEEDS_KMH, route="bus", osm_way=True) is None
    assert edge_speed_kmh(None, None, MOTORBIKE_SPEEDS_KMH, route="ferry", osm_way=True) == 5.0
    assert edge_speed_kmh("residential", "4", MOTORBIKE_SPEEDS_KMH, route="ferry", osm_way=True) == 4.0
    assert edge_speed_kmh("footway", None, MOTORBIKE_SPEEDS_KMH, route="ferry", osm_way=True) is None
    assert edge_speed_kmh(None, None, MOTORBIKE_SPEEDS_KMH, route="ferry", access="no", osm_way=True) is None


def test_motorbike_network_is_wider_than_drive() -> None:
    for cls in ("service", "track", "living_street"):
        assert cls in MOTORBIKE_SPEEDS_KMH
    assert "motorway" in EXCLUDED_HIGHWAYS
    # PM 111/2015 caps (domain.md): nothing above 80 km/h, residential at most 30
    assert max(MOTORBIKE_SPEEDS_KMH.values()) <= 80 and MOTORBIKE_SPEEDS_KMH["residential"] <= 30


def test_lua_profile_defaults_match_python_table() -> None:
    lua = resources.files("medroute.travel").joinpath("profiles/motorbike.lua").read_text("utf-8")
    block = re.search(r"DEFAULT_SPEEDS = \{(.*?)\}", lua, re.S)
    assert block is not None
    table = {k: float(v) for k, v in re.findall(r"(\w+) = (\d+(?:\.\d+)?)", block.group(1))}
    assert table == dict(MOTORBIKE_SPEEDS_KMH)
    for cls in EXCLUDED_HIGHWAYS:
        assert f"'{cls}'" in lua, cls
