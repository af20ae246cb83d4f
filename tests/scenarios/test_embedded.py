"""The offline fallback: no data directory → two embedded RSUDs, haversine travel."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import medroute.datadir
from medroute.datadir import DataNotFoundError
from medroute.geo import haversine_m
from medroute.scenarios import load
from medroute.scenarios.embedded import RSUD_BLAMBANGAN, RSUD_GENTENG, destination
from medroute.travel.haversine import DETOUR_FACTOR


@pytest.fixture
def no_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(medroute.datadir, "data_dir", lambda **_: None)


def test_fallback_without_a_data_directory(no_data: None) -> None:
    sc = load("historic")
    assert sc.backend_name == "haversine"
    assert "EMBEDDED FALLBACK" in sc.description and "no data directory was found" in sc.description
    assert "no road graph was used" in sc.description
    p = sc.problem
    assert len(p.orders) == 20 and len(p.riders) == 15
    assert {ph.id: ph.location for ph in p.pharmacies} == {
        "rsud-blambangan": RSUD_BLAMBANGAN.location, "rsud-genteng": RSUD_GENTENG.location}
    assert sc.matrix.size == len(p.locations)
    assert p.flags(sc.matrix) == []
    assert sc.travel_backend.path(p.pharmacies[0].location, p.orders[0].location)[0] == p.pharmacies[0].location


def test_fallback_with_an_empty_data_dir_argument(tmp_path: Path) -> None:
    sc = load("historic", data_dir=tmp_path)
    assert sc.backend_name == "haversine"
    assert "lacks the Banyuwangi files" in sc.description


def test_fallback_with_medroute_data_pointing_to_an_empty_dir(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDROUTE_DATA", str(tmp_path))
    sc = load("historic")
    assert sc.backend_name == "haversine" and "EMBEDDED FALLBACK" in sc.description


def test_fallback_is_deterministic(no_data: None) -> None:
    a = json.dumps(load("historic", seed=3).problem.to_json())
    assert a == json.dumps(load("historic", seed=3).problem.to_json())
    assert a != json.dumps(load("historic", seed=4).problem.to_json())


def test_fallback_patients_lie_in_the_band_and_on_land(no_data: None) -> None:
    p = load("historic", orders=200).problem
    for o in p.orders:
        site = p.pharmacy[o.pharmacy].location
        d = float(haversine_m(np.array(site.lat), np.array(site.lon), np.array(o.location.lat),
                              np.array(o.location.lon)))
        assert 300 / DETOUR_FACTOR - 1 <= d <= 3000 / DETOUR_FACTOR + 1, o.id
        if o.pharmacy == "rsud-blambangan":  # the coast is ~2 km east: only bearings S→W→N
            assert o.location.lon <= site.lon + 1e-6, o.id


def test_osm_backend_never_falls_back_silently(no_data: None) -> None:
    with pytest.raises(DataNotFoundError, match="historic"):
        load("historic", backend="osm")


@pytest.mark.parametrize("name", ["expanded", "surge", "pancer", "probolinggo", "surabaya"])
def test_other_scenarios_need_their_data(no_data: None, name: str) -> None:
    with pytest.raises(DataNotFoundError, match=name):
        load(name)


def test_destination_moves_the_stated_distance() -> None:
    o = RSUD_GENTENG.location
    for brg in (0.0, 90.0, 225.0):
        q = destination(o, brg, 1000.0)
        d = float(haversine_m(np.array(o.lat), np.array(o.lon), np.array(q.lat), np.array(q.lon)))
        assert abs(d - 1000.0) < 0.5


def test_embedded_coordinates_match_the_data_file() -> None:
    root = medroute.datadir.data_dir()
    path = root / "osm" / "banyuwangi_faskes_20.geojson" if root else None
    if path is None or not path.is_file():
        pytest.skip("data directory with banyuwangi_faskes_20.geojson not available")
    feats = {f["properties"]["Name"]: f["geometry"]["coordinates"]
             for f in json.loads(path.read_text(encoding="utf-8"))["features"]}
    for fac, name in ((RSUD_BLAMBANGAN, "Rumah Sakit Umum Daerah Blambangan"), (RSUD_GENTENG, "RSUD Genteng")):
        lon, lat = feats[name]
        d = float(haversine_m(np.array(lat), np.array(lon), np.array(fac.location.lat), np.array(fac.location.lon)))
        assert d < 2.0, name
