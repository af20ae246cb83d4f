"""Optional dependencies: the error names the extra that installs them, and says when an extra
cannot install anything on this Python."""

from __future__ import annotations

import sys

import pytest

from medroute.errors import MissingDependencyError, install_hint, require


def test_osrm_extra_on_python_311_says_it_needs_312() -> None:
    hint = install_hint("osrm", (3, 11))
    assert "3.12" in hint and "3.11" in hint and "osrm-http" in hint
    assert "pip install" not in hint  # the extra's marker installs nothing on 3.11


def test_osrm_extra_on_python_312_is_a_pip_command() -> None:
    assert install_hint("osrm", (3, 12)) == "pip install 'medroute[osrm]'"
    assert install_hint("viz", (3, 11)) == "pip install 'medroute[viz]'"


def test_require_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "geopandas", None)  # import fails as if not installed
    with pytest.raises(MissingDependencyError, match=r"medroute\[osm\]"):
        require("geopandas", "osm")


def test_to_geodataframe_needs_the_osm_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from medroute.outputs.geojson import to_geodataframe
    from tests.plans import small_plan

    monkeypatch.setitem(sys.modules, "geopandas", None)
    with pytest.raises(MissingDependencyError, match=r"medroute\[osm\]"):
        to_geodataframe(*small_plan())
