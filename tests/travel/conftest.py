"""Shared fixtures: the Pancer extract (shipped with the package), its backends, OSRM."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from medroute.geo import Location
from medroute.scenarios.facilities import PANCER_FILE
from medroute.travel.graph import GraphBackend
from tests.data import data_path


@pytest.fixture(scope="session")
def pancer_file() -> Path:
    return data_path(PANCER_FILE)


@pytest.fixture(scope="session")
def pancer_osm(pancer_file: Path) -> GraphBackend:
    pytest.importorskip("osmnx", reason="the osm extra (osmnx) is not installed")
    return GraphBackend(pancer_file)


@pytest.fixture(scope="session")
def pancer_points(pancer_osm: GraphBackend) -> list[Location]:
    """30 road nodes of Pancer, fixed seed: on the network, so every backend snaps them exactly."""
    g = pancer_osm.graph
    rng = np.random.default_rng(7)
    sel = rng.choice(g.node_count, 30, replace=False)
    return [Location(float(g.lat[i]), float(g.lon[i])) for i in sel]


@pytest.fixture(scope="session")
def travel_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("medroute-cache")


@pytest.fixture(scope="session")
def pancer_osrm_dataset(pancer_file: Path, travel_cache: Path) -> Path:
    pytest.importorskip("osrm", reason="the osrm extra (osrm-bindings) is not installed")
    from medroute.travel.osrm import build_dataset

    return build_dataset(pancer_file, cache_dir=travel_cache)


@pytest.fixture(scope="session")
def osrm_url(pancer_osrm_dataset: Path) -> Iterator[str]:
    """A real osrm-routed on a loopback port, torn down at the end of the session."""
    from medroute.travel.osrm import osrm_server

    with osrm_server(pancer_osrm_dataset) as url:
        yield url
