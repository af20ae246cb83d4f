"""The command line keeps the user's words, and maps every bad input or output path to exit 2
(one line, no traceback), a missing internet connection to exit 5, and prints its version."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from medroute import cli_files
from medroute.cli import EXIT_BAD_INPUT, EXIT_OFFLINE, EXIT_OK, app
from tests.plans import small_problem

runner = CliRunner()


def _err(result: Any) -> str:
    return str(getattr(result, "stderr", "") or getattr(result, "output", ""))


def _one_line(result: Any, code: int, *needles: str) -> str:
    assert result.exit_code == code, _err(result) + result.output
    text = _err(result)
    assert "Traceback" not in text
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert lines[0].startswith("error:")
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def problem_file(tmp_path: Path) -> Path:
    folder = tmp_path / "data[old]"
    folder.mkdir()
    path = folder / "day.json"
    small_problem().save(path)
    return path


def test_brackets_in_paths_survive(problem_file: Path, tmp_path: Path) -> None:
    _one_line(runner.invoke(app, ["solve", str(tmp_path / "[old]x.json")]), EXIT_BAD_INPUT, "[old]x.json")
    out = tmp_path / "out[v2]"
    result = runner.invoke(app, ["solve", str(problem_file), "-o", str(out), "--engine", "greedy",
                                 "--time-limit", "2", "--no-figures"])
    assert result.exit_code == EXIT_OK, _err(result)
    assert f"Wrote {out}/" in result.output


def test_help_keeps_extras_in_brackets() -> None:
    result = runner.invoke(app, ["solve", "--help"])
    assert result.exit_code == EXIT_OK
    assert "medroute[viz]" in " ".join(result.output.split())


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == EXIT_OK
    assert result.output.strip() == f"medroute {importlib.metadata.version('medroute')}"


def test_no_figures_lists_only_what_was_written(problem_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = runner.invoke(app, ["solve", str(problem_file), "-o", str(out), "--engine", "greedy",
                                 "--time-limit", "2", "--no-figures"])
    assert result.exit_code == EXIT_OK, _err(result)
    line = next(line for line in result.output.splitlines() if line.startswith("Wrote"))
    wrote = line.split("/: ", 1)[1].split(", ")
    assert "plan.json" in wrote and "report.md" in wrote
    assert "map.html" not in wrote and not any(w.startswith("figures") for w in wrote)
    assert not (out / "map.html").exists()


def test_out_is_an_existing_file(problem_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "taken.txt"
    target.write_text("keep me")
    _one_line(runner.invoke(app, ["solve", str(problem_file), "-o", str(target)]), EXIT_BAD_INPUT,
              "-o/--out", "taken.txt")
    assert target.read_text() == "keep me"


def test_out_cannot_be_created(problem_file: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    _one_line(runner.invoke(app, ["solve", str(problem_file), "-o", str(blocker / "sub")]), EXIT_BAD_INPUT,
              "-o/--out", "cannot create")


@pytest.mark.parametrize(("content", "needle"), [
    (b"\x00\x01 not a zip", "--matrix"),
    (b"PK\x03\x04 truncated", "--matrix"),
])
def test_garbage_matrix_file(problem_file: Path, tmp_path: Path, content: bytes, needle: str) -> None:
    npz = tmp_path / "m.npz"
    npz.write_bytes(content)
    _one_line(runner.invoke(app, ["solve", str(problem_file), "-o", str(tmp_path / "o"), "--backend", "matrix",
                                  "--matrix", str(npz)]), EXIT_BAD_INPUT, needle, "m.npz")


@pytest.mark.parametrize(("name", "kind"), [("problem.json", "JSON text"), ("m.npy", "a single .npy array")])
def test_a_matrix_file_that_is_not_an_npz_says_what_one_holds(problem_file: Path, tmp_path: Path, name: str,
                                                              kind: str) -> None:
    path = tmp_path / name
    if name.endswith(".npy"):
        np.save(path, np.zeros((2, 2)))
    else:
        path.write_text(problem_file.read_text())
    line = _one_line(runner.invoke(app, ["solve", str(problem_file), "-o", str(tmp_path / "o"), "--backend",
                                         "matrix", "--matrix", str(path)]), EXIT_BAD_INPUT,
                     "--matrix", name, "not an .npz travel matrix", kind, "durations_s", "distances_m")
    assert "pickle" not in line


def test_garbage_graph_file(problem_file: Path, tmp_path: Path) -> None:
    pytest.importorskip("osmnx")
    graphml = tmp_path / "g.graphml"
    graphml.write_text("<graphml><node id='1'>")
    _one_line(runner.invoke(app, ["solve", str(problem_file), "-o", str(tmp_path / "o"), "--backend", "osm",
                                  "--graph", str(graphml)]), EXIT_BAD_INPUT, "--graph", "g.graphml")
    _one_line(runner.invoke(app, ["graph", "build", "--file", str(graphml), "-o", str(tmp_path / "x.graphml")]),
              EXIT_BAD_INPUT, "--file")


@pytest.mark.parametrize("content", ["[" * 100_000, "\ufeff{", "null", "{" + '"a":' * 50_000])
def test_non_json_or_deep_problem(tmp_path: Path, content: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(content, encoding="utf-8")
    _one_line(runner.invoke(app, ["solve", str(path), "-o", str(tmp_path / "o")]), EXIT_BAD_INPUT, "p.json")


def test_folder_as_problem_or_plan(problem_file: Path, tmp_path: Path) -> None:
    _one_line(runner.invoke(app, ["solve", str(tmp_path)]), EXIT_BAD_INPUT, "is a folder")
    _one_line(runner.invoke(app, ["check", str(problem_file), str(tmp_path)]), EXIT_BAD_INPUT, "PLAN_FILE")


def test_too_large_for_memory_is_refused_before_allocating(problem_file: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_files, "available_memory_bytes", lambda: 1000)
    line = _one_line(runner.invoke(app, ["solve", str(problem_file), "-o", str(tmp_path / "o")]), EXIT_BAD_INPUT,
                     "travel matrix", "split the day")
    assert "4 orders" in line


def test_matrix_memory_estimate() -> None:
    """20,000 orders on this kind of machine: about 19 GB, refused; 1,000 orders fit."""
    with pytest.raises(cli_files.UsageError, match=r"19\.\d GB"):
        cli_files.check_matrix_memory(20_020, 1, orders=20_000, available=16 * 10**9)
    cli_files.check_matrix_memory(1_100, 1, orders=1_000, available=16 * 10**9)


def test_osrm_matrix_memory_estimate_is_its_measured_peak() -> None:
    """OSRM's table takes about 370 bytes per cell (benchmarks/matrix_memory.py), haversine 48: 5,000
    locations fit in 8 GB on haversine (1.2 GB) but not on osrm (9.2 GB)."""
    cli_files.check_matrix_memory(5_000, 1, orders=5_000, backend="haversine", available=8 * 10**9)
    with pytest.raises(cli_files.UsageError, match=r"9\.\d GB"):
        cli_files.check_matrix_memory(5_000, 1, orders=5_000, backend="osrm", available=8 * 10**9)


def test_graph_build_offline_says_it_needs_the_internet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ox = pytest.importorskip("osmnx")
    requests = pytest.importorskip("requests")

    def offline(*_a: object, **_k: object) -> None:
        raise requests.exceptions.ConnectionError("Failed to resolve 'nominatim.openstreetmap.org'")

    monkeypatch.setattr(ox, "geocode_to_gdf", offline)
    monkeypatch.setenv("MEDROUTE_CACHE", str(tmp_path / "cache"))
    _one_line(runner.invoke(app, ["graph", "build", "--place", "Kecamatan Banyuwangi", "-o",
                                  str(tmp_path / "g.graphml")]), EXIT_OFFLINE, "needs the internet", "--file")


def test_bench_writes_a_new_folder_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []

    def fake(suite: str, budgets: object, engines: object, output: Path, seeds: object, **_k: object) -> int:
        calls.append(output)
        return 0

    monkeypatch.setattr("medroute.bench_cli.bench_command", fake)
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["bench", "--quick"]).exit_code == EXIT_OK
    assert runner.invoke(app, ["bench", "--quick"]).exit_code == EXIT_OK
    assert len(calls) == 2 and calls[0] != calls[1]
    for out in calls:
        assert out.parent == tmp_path and out.name.startswith("bench-") and out.is_dir()


def test_bench_never_writes_over_earlier_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("medroute.bench_cli.bench_command", lambda *a, **k: pytest.fail("must not run"))
    (tmp_path / "RESULTS.md").write_text("committed")
    _one_line(runner.invoke(app, ["bench", "--quick", "--out", str(tmp_path)]), EXIT_BAD_INPUT, "RESULTS.md",
              "--overwrite")
    assert (tmp_path / "RESULTS.md").read_text() == "committed"


def test_schema_error_names_the_path_once(tmp_path: Path) -> None:
    doc = small_problem().to_json()
    doc["orders"][0]["release"] = "25:99x"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    line = _one_line(runner.invoke(app, ["solve", str(path)]), EXIT_BAD_INPUT, "$.orders[0].release")
    assert line.count("$.orders[0].release") == 1


def test_every_exit_code_is_documented() -> None:
    from medroute.cli import EXIT_CODES

    doc = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    rows = {int(line.split("|")[1]) for line in doc.splitlines() if line.startswith("| ") and
            line.split("|")[1].strip().isdigit()}
    assert rows == set(EXIT_CODES)
