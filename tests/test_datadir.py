"""Finding the shared data directory in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from medroute.datadir import DataNotFoundError, data_dir, data_file


def test_env_var_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDROUTE_DATA", str(tmp_path))
    assert data_dir() == tmp_path
    (tmp_path / "osm").mkdir()
    (tmp_path / "osm" / "x.osm").write_text("<osm/>")
    assert data_file("osm", "x.osm").read_text() == "<osm/>"
    with pytest.raises(DataNotFoundError, match=r"missing\.osm does not exist"):
        data_file("osm", "missing.osm")


def test_env_var_that_is_not_a_directory_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDROUTE_DATA", str(tmp_path / "nope"))
    with pytest.raises(DataNotFoundError, match="MEDROUTE_DATA"):
        data_dir()


def test_no_data_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import medroute.datadir as mod

    monkeypatch.delenv("MEDROUTE_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(mod, "__file__", str(tmp_path / "a" / "b" / "c" / "datadir.py"))
    assert data_dir() is None
    with pytest.raises(DataNotFoundError, match="set \\$MEDROUTE_DATA"):
        data_dir(required=True)
