"""Packaging metadata: the licence as an SPDX string with its file, and dependency floors that
match the APIs used."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _project() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_spdx_with_its_file() -> None:
    doc = _project()
    project = doc["project"]
    assert isinstance(project, dict)
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    requires = doc["build-system"]["requires"]  # type: ignore[index]
    assert any(r.startswith("setuptools>=") and int(r.split(">=")[1].split(".")[0]) >= 77 for r in requires)


def test_pyvrp_floor_has_shipment() -> None:
    import pyvrp

    deps = _project()["project"]["dependencies"]  # type: ignore[index]
    floor = next(d for d in deps if d.startswith("pyvrp"))
    assert floor.startswith("pyvrp>=0.14")
    assert hasattr(pyvrp, "Shipment")  # the API the floor is for

