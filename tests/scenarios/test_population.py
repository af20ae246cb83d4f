"""Demand by population: the village layer, the node weighting on a small case, and the draw."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from tests.data import data_path

from medroute.errors import InvalidProblemError
from medroute.geo import Location
from medroute.scenarios import banyuwangi as bw
from medroute.scenarios.facilities import Facility
from medroute.scenarios.population import (
    KECAMATAN_FILE,
    VILLAGES_FILE,
    Villages,
    node_weights,
    read_kecamatan,
    read_villages,
)


def square(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])


def two_villages(pop_west: int, pop_east: int) -> Villages:
    """West: lon 114.000–114.010, east: 114.010–114.030 (with a hole 114.020–114.025), lat −8.01…−8.00."""
    rings = ((square(114.0, -8.01, 114.01, -8.0),),
             (square(114.01, -8.01, 114.03, -8.0), square(114.02, -8.008, 114.025, -8.002)))
    return Villages(("w", "e"), ("West", "East"), ("Kec A", "Kec B"), np.array([pop_west, pop_east]), rings,
                    np.array([[114.0, -8.01, 114.01, -8.0], [114.01, -8.01, 114.03, -8.0]]))


def test_node_weights_are_population_over_the_village_node_count() -> None:
    village_of = np.array([0, 0, 0, 1, -1, 1])
    w = node_weights(village_of, np.array([300, 50]))
    assert w.tolist() == [100.0, 100.0, 100.0, 25.0, 0.0, 25.0]
    assert w[village_of == 0].sum() == 300 and w[village_of == 1].sum() == 50


def test_locate_uses_the_even_odd_rule() -> None:
    v = two_villages(1, 1)
    lat = np.array([-8.005, -8.005, -8.005, -8.005, -8.02])
    lon = np.array([114.005, 114.015, 114.0225, 114.028, 114.005])  # west, east, hole, east, outside
    assert v.locate(lat, lon).tolist() == [0, 1, -1, 1, -1]


def test_sample_in_stays_inside_and_out_of_holes() -> None:
    v = two_villages(1, 1)
    lat, lon = v.sample_in(1, 500, np.random.default_rng(0))
    assert lat.shape == (500,) and (v.locate(lat, lon) == 1).all()


def line_network(n: int) -> bw.RoadNetwork:
    """A straight road of ``n`` nodes, 100 m apart, along lat −8.005 from lon 114.0005 eastwards."""
    g = nx.MultiDiGraph()
    step = 100 / 110_250  # ≈ 100 m of longitude at lat −8
    for i in range(n):
        g.add_node(i, x=114.0005 + i * step, y=-8.005)
    for i in range(n - 1):
        for a, b in ((i, i + 1), (i + 1, i)):
            g.add_edge(a, b, length=100.0, highway="residential")
    return bw._network_from_graph(g, "a test line")


def test_population_draw_follows_village_population_not_node_count() -> None:
    # 25 nodes: ~11 in the small West village (population 900), ~14 in East (100, hole aside).
    net = line_network(25)
    site = Facility("site", "Site", "puskesmas", Location(-8.005, 114.0005))
    villages = two_villages(900, 100)
    demand = bw.draw_by_population(net, (site,), np.array([1.0]), 20_000, villages=villages, min_m=0, max_m=10_000,
                                   rng=np.random.default_rng(1))
    lat = np.array([p.lat for p in demand.patients])
    lon = np.array([p.lon for p in demand.patients])
    where = villages.locate(lat, lon)
    share = np.bincount(where[where >= 0], minlength=2) / len(where)
    assert share[0] == pytest.approx(0.9, abs=0.01)
    assert (where >= 0).all()  # nodes in no village (the hole) never get a patient
    uniform = bw.draw_uniform(net, (site,), np.array([1.0]), 20_000, min_m=0, max_m=10_000,
                              rng=np.random.default_rng(1))
    uw = villages.locate(np.array([p.lat for p in uniform.patients]), np.array([p.lon for p in uniform.patients]))
    assert np.mean(uw == 0) < 0.5  # by node count the West village is the smaller one


def test_each_order_goes_to_a_site_whose_band_holds_its_home() -> None:
    net = line_network(25)
    near = Facility("west", "West site", "puskesmas", Location(-8.005, 114.0005))
    far = Facility("east", "East site", "rsud", Location(-8.005, 114.0005 + 24 * 100 / 110_250))
    demand = bw.draw_by_population(net, (far, near), np.array([3.0, 1.0]), 5_000, villages=two_villages(500, 500),
                                   min_m=0, max_m=1_500, rng=np.random.default_rng(2))
    d_near = np.array([(p.lon - near.location.lon) * 110_250 for p in demand.patients])
    d_far = np.array([(far.location.lon - p.lon) * 110_250 for p in demand.patients])
    site = demand.site_of
    assert (d_far[site == 0] <= 1_501).all() and (d_near[site == 1] <= 1_501).all()
    both = (d_near <= 1_499) & (d_far <= 1_499)
    assert both.any() and np.mean(site[both] == 0) == pytest.approx(0.75, abs=0.05)  # ∝ weights 3 : 1


def test_a_band_without_population_is_an_error() -> None:
    net = line_network(5)
    site = Facility("s", "S", "puskesmas", Location(-8.005, 114.0005))
    empty = Villages(("x",), ("X",), ("K",), np.array([10]), ((square(115.0, -9.0, 115.1, -8.9),),),
                     np.array([[115.0, -9.0, 115.1, -8.9]]))
    with pytest.raises(InvalidProblemError, match="no road node"):
        bw.draw_by_population(net, (site,), np.array([1.0]), 3, villages=empty, min_m=0, max_m=1_000,
                              rng=np.random.default_rng(0))


def test_the_shipped_village_layer() -> None:
    v = read_villages(data_path(VILLAGES_FILE))
    assert len(v) == 217 and int(v.population.sum()) == 1_556_078
    assert len(set(v.kecamatan)) == 25
    rng = np.random.default_rng(0)
    for i in (0, 100, 216):
        lat, lon = v.sample_in(i, 20, rng)
        assert (v.locate(lat, lon) == i).all()
    kec = read_kecamatan(data_path(KECAMATAN_FILE))
    assert len(kec) == 25 and sum(k.population_2010 for k in kec) == 1_556_078
    assert {k.name for k in kec} == set(v.kecamatan)


def test_malformed_village_file(tmp_path: Path) -> None:
    path = tmp_path / "v.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"desa": "X"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]}))
    with pytest.raises(InvalidProblemError, match="feature 0 is malformed"):
        read_villages(path)
