"""The Banyuwangi scenarios on the shipped data, and the stand-in towns on the repository's."""

from __future__ import annotations

import json
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import medroute
import medroute.datadir
import medroute.travel.osm_load
from medroute.datadir import DataNotFoundError, package_data_dir
from medroute.errors import InvalidProblemError
from medroute.precheck import precheck
from medroute.scenarios import Scenario, load, names
from medroute.scenarios import banyuwangi as bw
from medroute.scenarios.facilities import FACILITIES_FILE, ROADS_FILE, read_facilities
from medroute.travel.graph import GraphBackend

FACILITIES = package_data_dir() / FACILITIES_FILE
ROADS = package_data_dir() / ROADS_FILE
NINE = 9 * 3600
TWO_PM = 14 * 3600


def real_names() -> set[str]:
    return {f["properties"]["Name"] for f in json.loads(FACILITIES.read_text(encoding="utf-8"))["features"]}


@pytest.fixture(scope="module")
def historic() -> Scenario:
    return load("historic")


@pytest.fixture(scope="module")
def expanded() -> Scenario:
    return load("expanded")


@pytest.fixture(scope="module")
def surge() -> Scenario:
    return load("surge")


def as_json(sc: Scenario) -> str:
    return json.dumps(sc.problem.to_json(), sort_keys=True)


def test_registry_names() -> None:
    assert names() == ("historic", "expanded", "surge", "pancer", "puskesmas", "probolinggo", "surabaya")
    with pytest.raises(InvalidProblemError, match="scenario 'nowhere' is unknown"):
        load("nowhere")
    with pytest.raises(InvalidProblemError, match="backend 'teleport'"):
        load("historic", backend="teleport")


def test_historic_is_deterministic(historic: Scenario) -> None:
    assert as_json(historic) == as_json(load("historic", seed=0))
    assert as_json(historic) != as_json(load("historic", seed=1))


def test_expanded_is_deterministic(expanded: Scenario) -> None:
    assert as_json(expanded) == as_json(load("expanded", seed=0))
    assert as_json(expanded) != as_json(load("expanded", seed=7))


def test_counts(historic: Scenario, expanded: Scenario, surge: Scenario) -> None:
    for sc, sites, orders, riders in ((historic, 2, 20, 15), (expanded, 20, 200, 29), (surge, 20, 1000, 143)):
        p = sc.problem
        assert (len(p.pharmacies), len(p.orders), len(p.riders)) == (sites, orders, riders), sc.name
        assert sc.backend_name == "osm" and isinstance(sc.travel_backend, GraphBackend)
        assert sc.matrix.size == len(p.locations)
        assert p.max_trip_m == 40_000
    assert {ph.name for ph in historic.problem.pharmacies} == {"Rumah Sakit Umum Daerah Blambangan", "RSUD Genteng"}
    assert historic.problem.pharmacies[0].id == "rsud-blambangan"


def test_pickup_sites_are_real_facilities(historic: Scenario, expanded: Scenario) -> None:
    real = real_names()
    assert {ph.name for ph in expanded.problem.pharmacies} == real
    assert {ph.name for ph in historic.problem.pharmacies} <= real


def test_cold_share_and_releases(historic: Scenario, expanded: Scenario, surge: Scenario) -> None:
    for sc in (historic, expanded, surge):
        orders = sc.problem.orders
        share = sum(o.is_cold for o in orders) / len(orders)
        assert 0.05 <= share <= 0.15, sc.name
        assert all(o.temperature in ("ambient", "refrigerated") for o in orders)
        assert all(NINE <= o.release_s <= TWO_PM for o in orders), sc.name
        assert all(200 <= o.weight_g <= 2000 for o in orders)
        assert all(o.latest_s == 17 * 3600 and o.windows[0].start_s >= o.release_s for o in orders)


def test_releases_peak_mid_morning(surge: Scenario) -> None:
    rel = np.array([o.release_s for o in surge.problem.orders])
    hist = np.bincount((rel - NINE) // 3600, minlength=6)
    assert int(np.argmax(hist)) in (1, 2)  # 10:00–12:00: busiest 09:45 + 40–60 min


def test_riders_at_shelters_with_cool_boxes(expanded: Scenario) -> None:
    p = expanded.problem
    sites = {ph.location for ph in p.pharmacies}
    assert all(r.start in sites for r in p.riders)
    assert all(r.shift.start_s == 8 * 3600 and r.shift.end_s == 17 * 3600 for r in p.riders)
    assert sum(r.coolbox is not None for r in p.riders) == round(0.3 * len(p.riders))
    first = p.riders[0]
    assert first.start == p.pharmacy["rsud-blambangan"].location and first.coolbox is not None


@pytest.mark.parametrize("fixture", ["historic", "expanded", "surge"])
def test_patients_on_the_graph_near_their_facility(fixture: str, request: pytest.FixtureRequest) -> None:
    sc: Scenario = request.getfixturevalue(fixture)
    p, m = sc.problem, sc.matrix
    net = bw._geojson_network(bw._file_key(ROADS))
    backend = sc.travel_backend
    assert isinstance(backend, GraphBackend)
    for o in p.orders:
        i, j = p.location_index[p.pharmacy[o.pharmacy].location], p.location_index[o.location]
        assert 300 <= m.distances_m[i, j] <= 3001, o.id
        assert m.snap_m[j] < 0.5, o.id  # on a road node
        nodes, _ = backend.snap([p.pharmacy[o.pharmacy].location, o.location])
        assert net.cluster[nodes[0]] == net.cluster[nodes[1]], o.id


def test_historic_is_servable_by_direct_travel(historic: Scenario, expanded: Scenario) -> None:
    assert precheck(historic.problem, historic.matrix) == []
    assert precheck(expanded.problem, expanded.matrix) == []


def test_a_plan_on_the_scenario_matrix_records_its_backend(historic: Scenario) -> None:
    assert historic.matrix.backend == historic.backend_name == "osm"
    plan = medroute.solve(historic.problem, engine="greedy", time_limit=2, matrix=historic.matrix)
    assert plan.travel is not None and plan.travel.backend == "osm"
    assert ["travel", "osm"] in [line.split() for line in str(plan).splitlines()]


def test_travel_backend_draws_road_paths(historic: Scenario) -> None:
    p = historic.problem
    a, b = p.pharmacies[0].location, p.orders[0].location
    path = historic.travel_backend.path(a, b)
    assert path[0] == a and path[-1] == b and len(path) > 3


def test_overrides(historic: Scenario) -> None:
    sc = load("historic", orders=12, cold_share=0.25, riders=4)
    assert len(sc.problem.orders) == 12 and len(sc.problem.riders) == 4
    assert sum(o.is_cold for o in sc.problem.orders) == 3
    assert sc.params["orders"] == 12 and historic.params["orders"] == 20
    with pytest.raises(InvalidProblemError, match="unknown parameter 'oders'"):
        load("historic", oders=12)


def test_haversine_backend_keeps_the_road_placement(historic: Scenario) -> None:
    sc = load("historic", backend="haversine")
    assert sc.backend_name == "haversine"
    assert as_json(sc) == as_json(historic)  # same problem, other travel


def test_surge_generation_is_quick(surge: Scenario) -> None:
    t = time.perf_counter()
    load("surge", seed=5, backend="haversine")  # graph loaded by the fixture; problem generation only
    assert time.perf_counter() - t < 10.0


def test_pancer() -> None:
    sc = load("pancer")
    p = sc.problem
    assert len(p.orders) == 6 and len(p.riders) == 2 and sc.backend_name == "osm"
    assert [ph.name for ph in p.pharmacies] == ["Puskesmas Tegalsari"]
    assert as_json(sc) == as_json(load("pancer"))
    for o in p.orders:  # on the OSM extract (SOURCES.md bbox)
        assert 113.9971 <= o.location.lon <= 114.0586 and -8.6033 <= o.location.lat <= -8.5675
        assert sc.matrix.snap_m[p.location_index[o.location]] < 0.5
    assert precheck(p, sc.matrix) == []
    assert "OpenStreetMap" in sc.description


@pytest.mark.slow
@pytest.mark.parametrize("name", ["probolinggo", "surabaya"])
def test_stand_ins(name: str) -> None:
    a = load(name, orders=20)
    b = load(name, orders=20, seed=1)
    assert len(a.problem.orders) == 20 and len(a.problem.pharmacies) == 10
    assert a.problem.pharmacies == b.problem.pharmacies  # sites do not depend on the seed
    assert as_json(a) != as_json(b)
    assert "NOT Banyuwangi" in a.description
    p, m = a.problem, a.matrix
    for o in p.orders:
        i, j = p.location_index[p.pharmacy[o.pharmacy].location], p.location_index[o.location]
        assert 300 <= m.distances_m[i, j] <= 3001 and m.snap_m[j] < 0.5


def _grid(centre_lat: float, centre_lon: float, n: int, step_deg: float, start: int) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for r in range(n):
        for c in range(n):
            g.add_node(start + r * n + c, y=centre_lat + (r - n // 2) * step_deg,
                       x=centre_lon + (c - n // 2) * step_deg)
    for r in range(n):
        for c in range(n):
            u = start + r * n + c
            for v in ([u + 1] if c + 1 < n else []) + ([u + n] if r + 1 < n else []):
                g.add_edge(u, v, length=step_deg * 111_000, highway="residential")
                g.add_edge(v, u, length=step_deg * 111_000, highway="residential")
    return g


def test_osmnx_download_path_with_a_fake_downloader(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    blambangan, genteng = (f.location for f in read_facilities(FACILITIES) if f.kind == "rsud")

    def fake(query: str, *, cache_dir: Path | None = None, **_: object) -> nx.MultiDiGraph:
        calls.append(query)
        g = nx.compose(_grid(blambangan.lat, blambangan.lon, 41, 0.001, 0),
                       _grid(genteng.lat, genteng.lon, 41, 0.001, 10_000))
        a, b = 41 * 20 + 20, 10_000 + 41 * 20 + 20
        g.add_edge(a, b, length=40_000.0, highway="trunk")
        g.add_edge(b, a, length=40_000.0, highway="trunk")
        return g

    monkeypatch.setattr(medroute.travel.osm_load, "graph_from_place", fake)
    sc = load("historic", backend="osmnx-download")
    assert calls == ["Banyuwangi, Jawa Timur, Indonesia"]
    assert sc.backend_name == "osm" and "downloaded with osmnx" in sc.description
    p = sc.problem
    assert len(p.orders) == 20
    for o in p.orders:
        i, j = p.location_index[p.pharmacy[o.pharmacy].location], p.location_index[o.location]
        assert 300 <= sc.matrix.distances_m[i, j] <= 3001 and sc.matrix.snap_m[j] < 0.5


def test_osmnx_download_is_only_for_the_regency() -> None:
    with pytest.raises(InvalidProblemError, match="osmnx-download"):
        load("probolinggo", backend="osmnx-download")


def test_matrix_cache_on_disk(historic: Scenario, tmp_path: Path) -> None:
    from medroute.travel.cache import CachedBackend

    first = load("historic", cache_dir=tmp_path)
    assert not list(tmp_path.glob("*.npz"))  # the matrix is computed when first asked for
    assert np.array_equal(first.matrix.durations_s, historic.matrix.durations_s)
    second = load("historic", cache_dir=tmp_path)
    assert np.array_equal(second.matrix.distances_m, historic.matrix.distances_m)
    assert isinstance(second.travel_backend, CachedBackend) and second.travel_backend.hits == 1
    assert list(tmp_path.glob("*.npz"))


def test_a_data_dir_overlays_the_shipped_files(tmp_path: Path) -> None:
    doc = json.loads(FACILITIES.read_text(encoding="utf-8"))
    for feat in doc["features"]:
        if feat["properties"]["Name"] == "RSUD Genteng":
            feat["properties"]["Name"] = "RSUD Genteng (overlay)"
    (tmp_path / "banyuwangi").mkdir()
    (tmp_path / FACILITIES_FILE).write_text(json.dumps(doc), encoding="utf-8")
    sc = load("historic", data_dir=tmp_path)
    assert {ph.name for ph in sc.problem.pharmacies} == {"Rumah Sakit Umum Daerah Blambangan",
                                                         "RSUD Genteng (overlay)"}
    assert sc.backend_name == "osm"  # the roads still come from the package


def test_a_data_dir_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="nope"):
        load("historic", data_dir=tmp_path / "nope")


@pytest.mark.parametrize("name", ["probolinggo", "surabaya"])
def test_stand_ins_outside_a_checkout_say_where_to_get_them(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDROUTE_DATA", raising=False)
    monkeypatch.setattr(medroute.datadir, "checkout_data_dir", lambda: None)  # as from a wheel
    with pytest.raises(DataNotFoundError, match=rf"scenario '{name}' needs .*docs/data\.md"):
        load(name)
