"""Where data files are found: the user's directory over what ships, and nothing beside the checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

import medroute.datadir as datadir
from medroute.datadir import DataNotFoundError, checkout_data_dir, data_file, find, search_path
from medroute.scenarios.facilities import FACILITIES_FILE, PANCER_FILE, ROADS_FILE
from tests.data import REPO_DATA

SHIPPED = [FACILITIES_FILE, ROADS_FILE, PANCER_FILE, "banyuwangi/banyuwangi_regency_boundary.geojson.gz",
           "banyuwangi/banyuwangi_desa_population.geojson.gz", "banyuwangi/banyuwangi_kecamatan_population.csv",
           "banyuwangi/banyuwangi_faskes_kemenkes_2019.geojson.gz", "banyuwangi/SOURCES.md"]


@pytest.fixture(autouse=True)
def no_user_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(datadir.ENV_VAR, raising=False)
    monkeypatch.setattr(datadir.settings, "data_dir", None)


def overlay(root: Path, rel: str = FACILITIES_FILE) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    return path


@pytest.mark.parametrize("rel", SHIPPED)
def test_the_banyuwangi_files_are_package_resources(rel: str) -> None:
    assert resources.files("medroute").joinpath("data", rel).is_file()
    assert find(rel) == datadir.package_data_dir() / rel


def test_the_repository_data_is_found_from_a_checkout() -> None:
    assert checkout_data_dir() == Path(__file__).resolve().parents[1] / "benchmarks" / "data"
    assert find("literature/lilim/bks.csv") == REPO_DATA / "literature" / "lilim" / "bks.csv"
    assert find("osm/probolinggo_drive.osm.bz2") == REPO_DATA / "osm" / "probolinggo_drive.osm.bz2"


def test_a_user_directory_overlays_the_shipped_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env, setting, arg = (tmp_path / n for n in ("env", "setting", "arg"))
    for d in (env, setting, arg):
        overlay(d)
    monkeypatch.setenv(datadir.ENV_VAR, str(env))
    assert find(FACILITIES_FILE) == env / FACILITIES_FILE
    assert find(ROADS_FILE) == datadir.package_data_dir() / ROADS_FILE  # absent there: what ships
    monkeypatch.setattr(datadir.settings, "data_dir", setting)
    assert find(FACILITIES_FILE) == setting / FACILITIES_FILE
    assert data_file(FACILITIES_FILE, arg) == arg / FACILITIES_FILE
    assert search_path(arg)[0] == arg and env not in search_path(arg)


@pytest.mark.parametrize("how", ["env", "settings", "argument"])
def test_a_named_directory_that_does_not_exist_is_an_error(how: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nope"
    arg = None
    if how == "env":
        monkeypatch.setenv(datadir.ENV_VAR, str(missing))
    elif how == "settings":
        monkeypatch.setattr(datadir.settings, "data_dir", missing)
    else:
        arg = missing
    with pytest.raises(DataNotFoundError, match=r"nope.*is not a directory"):
        find(FACILITIES_FILE, arg)


def test_a_data_directory_beside_the_clone_is_never_searched(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # A clone without benchmarks/data, with a data directory beside it: only what ships is found.
    clone = tmp_path / "clone"
    (clone / "src" / "medroute").mkdir(parents=True)
    beside = tmp_path / "data"
    overlay(beside)
    overlay(beside, "literature/lilim/bks.csv")
    monkeypatch.chdir(clone)
    monkeypatch.setattr(datadir, "__file__", str(clone / "src" / "medroute" / "datadir.py"))
    assert checkout_data_dir() is None
    assert all(tmp_path not in p.parents for p in search_path())
    assert find(FACILITIES_FILE) == datadir.package_data_dir() / FACILITIES_FILE
    with pytest.raises(DataNotFoundError, match=r"literature/lilim/bks\.csv.*docs/data\.md"):
        data_file("literature/lilim/bks.csv")
