"""Packaging: the licence as an SPDX string with its file, dependency floors that match the APIs
used, and a wheel (built from a copy of the source tree) that carries the Banyuwangi data."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from medroute.datadir import package_data_dir

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


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    pytest.importorskip("setuptools", reason="building the wheel needs setuptools (the dev extra has it)")
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(out), str(src)], check=True, capture_output=True)
    (path,) = out.glob("medroute-*.whl")
    return zipfile.ZipFile(path)


@pytest.mark.slow
def test_the_wheel_holds_every_shipped_data_file(wheel: zipfile.ZipFile) -> None:
    shipped = {f"medroute/data/{p.relative_to(package_data_dir()).as_posix()}"
               for p in package_data_dir().rglob("*") if p.is_file()}
    assert "medroute/data/banyuwangi/banyuwangi_faskes_service_area_roads_3km.geojson.gz" in shipped
    assert shipped <= set(wheel.namelist())
    for name in shipped:
        assert wheel.getinfo(name).file_size == (package_data_dir().parents[1] / name).stat().st_size, name


@pytest.mark.slow
def test_the_wheel_stays_lean(wheel: zipfile.ZipFile) -> None:
    data = [i for i in wheel.infolist() if i.filename.startswith("medroute/data/")]
    assert max(i.file_size for i in data) < 2**20  # no file over 1 MiB (docs/data.md)
    assert sum(i.file_size for i in data) < 1.5 * 2**20
    assert {i.filename.rsplit("/", 1)[0] for i in data} == {"medroute/data/banyuwangi"}  # no repository data
