"""The ``puskesmas`` scenario: 45 puskesmas and the two RSUDs, demand by population over the regency."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from tests.data import data_path

import medroute.travel.osm_load
from medroute import check, solve
from medroute.errors import InvalidProblemError
from medroute.geo import haversine_m
from medroute.precheck import precheck
from medroute.scenarios import Scenario, load
from medroute.scenarios.facilities import FACILITIES_FILE, read_facilities
from medroute.scenarios.population import VILLAGES_FILE, read_villages
from medroute.scenarios.puskesmas import KEMENKES_FILE, KLATAK, SOBO, SOBO_WEBGIS, read_puskesmas
from medroute.stop import MaxWork
from medroute.travel.haversine import DETOUR_FACTOR

VILLAGES = read_villages(data_path(VILLAGES_FILE))


@pytest.fixture(scope="module")
def day() -> Scenario:
    return load("puskesmas")


def kemenkes_points() -> dict[str, tuple[float, float]]:
    with gzip.open(data_path(KEMENKES_FILE), "rt", encoding="utf-8") as fh:
        return {f["properties"]["kode_faskes"]: tuple(f["geometry"]["coordinates"]) for f in json.load(fh)["features"]}


def test_sites_are_the_45_puskesmas_and_the_two_rsuds(day: Scenario) -> None:
    p = day.problem
    assert len(p.pharmacies) == 47 and len(p.orders) == 300 and len(p.riders) == 43
    assert sum(ph.id.startswith("puskesmas-") for ph in p.pharmacies) == 45
    rsuds = {f.id: f.location for f in read_facilities(data_path(FACILITIES_FILE)) if f.kind == "rsud"}
    assert {ph.id: ph.location for ph in p.pharmacies[:2]} == rsuds  # the WebGIS points, not Kemenkes'
    assert day.backend_name == "haversine" and precheck(p, day.matrix) == []


def test_the_quality_notes_points_are_fixed() -> None:
    pusk = {p.code: p for p in read_puskesmas(data_path(KEMENKES_FILE), VILLAGES)}
    assert pusk[SOBO].facility.location == SOBO_WEBGIS and pusk[SOBO].kecamatan == "Banyuwangi"
    lon, lat = kemenkes_points()[KLATAK]
    klatak = pusk[KLATAK].facility.location
    moved = float(haversine_m(np.array(lat), np.array(lon), np.array(klatak.lat), np.array(klatak.lon)))
    assert 100 < moved < 2_000 and pusk[KLATAK].kecamatan == "Kalipuro"
    assert VILLAGES.locate([lat], [lon])[0] == -1  # the source point is at sea
    assert {p.kecamatan for p in pusk.values()} == set(VILLAGES.kecamatan)  # every kecamatan has one


def test_orders_go_to_the_kecamatan_puskesmas_or_a_reachable_rsud(day: Scenario) -> None:
    p = day.problem
    serves = {p.facility.id: p.kecamatan for p in read_puskesmas(data_path(KEMENKES_FILE), VILLAGES)}
    lat = np.array([o.location.lat for o in p.orders])
    lon = np.array([o.location.lon for o in p.orders])
    where = VILLAGES.locate(lat, lon)
    assert (where >= 0).all()
    hospital = 0
    for o, v in zip(p.orders, where.tolist(), strict=True):
        site = p.pharmacy[o.pharmacy].location
        road = float(haversine_m(np.array(site.lat), np.array(site.lon), np.array(o.location.lat),
                                 np.array(o.location.lon))) * DETOUR_FACTOR
        assert 300 <= road <= 40_000, o.id
        if o.pharmacy in serves:
            assert serves[o.pharmacy] == VILLAGES.kecamatan[v], o.id
        else:
            hospital += 1
    assert 0.05 < hospital / len(p.orders) < 0.2  # about 6 / 51 = 12 %


def test_deterministic_and_seeded(day: Scenario) -> None:
    assert day.problem.to_json() == load("puskesmas", seed=0).problem.to_json()
    assert day.problem.to_json() != load("puskesmas", seed=1).problem.to_json()


def test_orders_follow_population_over_the_whole_regency() -> None:
    p = load("puskesmas", orders=3000, backend="haversine").problem
    where = VILLAGES.locate(np.array([o.location.lat for o in p.orders]), np.array([o.location.lon for o in p.orders]))
    counts = np.bincount(where, minlength=len(VILLAGES))
    assert np.corrcoef(counts, VILLAGES.population)[0, 1] > 0.8


@pytest.mark.slow
def test_auto_gives_a_checked_plan(day: Scenario) -> None:
    solution = solve(day.problem, stop=MaxWork(0.5), matrix=day.matrix)  # a work budget: the same plan at any load
    assert check(day.problem, solution, day.matrix) == []
    assert len(solution.served) == 300


def test_backends_and_demand() -> None:
    with pytest.raises(InvalidProblemError, match="osmnx-download"):
        load("puskesmas", backend="osm")
    with pytest.raises(InvalidProblemError, match="demand"):
        load("puskesmas", demand="uniform")


def test_osmnx_download_puts_homes_on_the_downloaded_roads(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(query: str, **_: object) -> nx.MultiDiGraph:  # a 0.006° grid (≈ 660 m) over the regency
        g = nx.MultiDiGraph()
        xs, ys = np.arange(113.83, 114.62, 0.006), np.arange(-8.79, -7.88, 0.006)
        for i, x in enumerate(xs):
            for j, y in enumerate(ys):
                g.add_node((i, j), x=float(x), y=float(y))
                for a, b in (((i, j), (i - 1, j)), ((i, j), (i, j - 1))):
                    if b in g:
                        g.add_edge(a, b, length=660.0, highway="secondary")
                        g.add_edge(b, a, length=660.0, highway="secondary")
        return g

    monkeypatch.setattr(medroute.travel.osm_load, "graph_from_place", fake)
    sc = load("puskesmas", orders=40, backend="osmnx-download")
    assert sc.backend_name == "osm"
    patients = [sc.problem.location_index[o.location] for o in sc.problem.orders]
    # on road nodes, but in the few villages too small to hold a node of this coarse grid
    assert np.mean(sc.matrix.snap_m[patients] < 1.0) > 0.9


def test_medroute_simulate_runs_the_puskesmas_day(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from medroute.cli import EXIT_OK, app

    result = CliRunner().invoke(app, ["simulate", "puskesmas", "--policy", "medroute", "--policy", "pharmacy_wait",
                                      "--engine", "none", "-o", str(tmp_path / "day")])
    assert result.exit_code == EXIT_OK, result.output
    report = (tmp_path / "day.md").read_text(encoding="utf-8")
    assert "| orders | 300 | 300 |" in report
    assert len((tmp_path / "day.csv").read_text(encoding="utf-8").splitlines()) == 1 + 2 * 300
