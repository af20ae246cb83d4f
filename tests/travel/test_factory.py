from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medroute.errors import InvalidProblemError, MissingDependencyError
from medroute.geo import Location
from medroute.travel import BACKEND_NAMES, CachedBackend, GraphBackend, HaversineBackend, MatrixBackend, backend


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
