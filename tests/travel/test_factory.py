from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medroute.errors import InvalidProblemError, MissingDependencyError
from medroute.geo import Location
from medroute.travel import BACKEND_NAMES, CachedBackend, GraphBackend, HaversineBackend, MatrixBackend, backend
from medroute.travel.factory import backend_from_name


def test_every_name() -> None:
    assert set(BACKEND_NAMES) == {"haversine", "matrix", "osm", "osrm", "osrm-http"}
    assert isinstance(backend("haversine"), HaversineBackend)
    m = backend("matrix", durations_s=np.zeros((1, 1)), distances_m=np.zeros((1, 1)), ids=["a"])
    assert isinstance(m, MatrixBackend)
    assert backend("osrm-http", base_url="http://127.0.0.1:1").name == "osrm-http"


def test_osm_and_osrm_by_name(pancer_file: Path, tmp_path: Path) -> None:
    assert isinstance(backend("osm", source=pancer_file), GraphBackend)
    pytest.importorskip("osrm")
    b = backend("osrm", source=pancer_file, cache_dir=tmp_path)
    assert isinstance(b, CachedBackend) and b.inner.name == "osrm"
    assert b.matrix([Location(-8.5871411, 114.0076898), Location(-8.5839406, 114.0580248)]).durations_s[0, 1] > 0


def test_unknown_name_and_bad_arguments() -> None:
    with pytest.raises(InvalidProblemError, match="'graphhopper' is unknown"):
        backend("graphhopper")
    with pytest.raises(InvalidProblemError, match="bad arguments"):
        backend("osm")
    with pytest.raises(InvalidProblemError, match="bad arguments"):
        backend("haversine", speed=3)


def test_missing_extra_is_an_error_not_a_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module

    def no_osrm(name: str, package: str | None = None) -> Any:
        if name == "osrm" or name.startswith("osrm."):
            raise ImportError("no osrm here")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", no_osrm)
    with pytest.raises(MissingDependencyError, match=r"medroute\[osrm\]"):
        backend("osrm", source="x.osm")


@pytest.mark.parametrize("name", ["haversine", "haversine(detour=1.5)", "haversine(car_kmh=40.0, motorbike_kmh=25.0)",
                                  "haversine(detour=2.0, scooter_kmh=20.0)"])
def test_a_haversine_name_rebuilds_its_backend(name: str) -> None:
    be = backend_from_name(name)
    assert be is not None and be.name == name
    cached = backend_from_name(f"cached-{name}")
    assert cached is not None and cached.name == name


@pytest.mark.parametrize("name", ["osm", "osrm", "osrm-http", "matrix", "", "haversine(detour=0.5)",
                                  "haversine(detour=x)", "haversine(motorbike_kmh=30.0)", "haversine(speed=3)",
                                  "haversine()", "haversine(detour=1.5)x"])
def test_other_names_rebuild_no_backend(name: str) -> None:
    assert backend_from_name(name) is None
