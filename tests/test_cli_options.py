"""Command-line options that pick the travel, the engine and the budgets: every subcommand reads
``--matrix``/``--graph`` the same way, refuses contradictions and bad values with exit 2 before it
reads or writes anything, and lists the engines of the registry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medroute.cli import EXIT_BAD_INPUT, EXIT_OK, _travel_backend, app
from medroute.cli_files import UsageError
from medroute.engines.registry import engine_names, get_engine
from medroute.errors import EngineError
from medroute.travel import HaversineBackend, MatrixBackend
from tests.plans import small_problem
from tests.test_cli_inputs import _err, _one_line

runner = CliRunner()


@pytest.fixture
def npz(tmp_path: Path) -> Path:
    p = small_problem()
    m = HaversineBackend(detour=1.5).matrix(p.locations)
    path = tmp_path / "m.npz"
    MatrixBackend(m.durations_s, m.distances_m, locations=p.locations).to_npz(path)
    return path


@pytest.fixture
def garbage_graph(tmp_path: Path) -> Path:
    pytest.importorskip("osmnx")
    path = tmp_path / "g.graphml"
    path.write_text("<graphml><node id='1'>")
    return path


# -- travel: --backend, --graph, --matrix -------------------------------------------------------

def as_path(name: str | None) -> Path | None:
    return None if name is None else Path(name)


@pytest.mark.parametrize(("backend", "graph", "matrix", "expected"), [
    (None, None, None, None),
    (None, None, "m.npz", "matrix"),
    (None, "g.graphml", None, "osm"),
    ("matrix", None, "m.npz", "matrix"),
    ("osrm", "g.graphml", None, "osrm"),
    ("haversine", None, None, "haversine"),
])
def test_the_travel_options_name_one_backend(backend: str | None, graph: str | None, matrix: str | None,
                                             expected: str | None) -> None:
    assert _travel_backend(backend, as_path(graph), as_path(matrix)) == expected


def test_a_graph_alone_stands_for_the_graph_backend_asked_for() -> None:
    assert _travel_backend(None, Path("g.graphml"), None, graph_backend="osrm") == "osrm"


@pytest.mark.parametrize(("backend", "graph", "matrix", "needle"), [
    ("haversine", None, "m.npz", "--matrix"),
    ("osm", None, "m.npz", "--matrix"),
    ("haversine", "g.graphml", None, "--graph"),
    ("matrix", "g.graphml", "m.npz", "--graph and --matrix"),
    (None, "g.graphml", "m.npz", "--graph and --matrix"),
    ("teleport", None, None, "teleport"),
])
def test_contradictory_travel_options_are_refused(backend: str | None, graph: str | None, matrix: str | None,
                                                  needle: str) -> None:
    with pytest.raises(UsageError, match=re.escape(needle)):
        _travel_backend(backend, as_path(graph), as_path(matrix))


def test_solve_with_a_matrix_alone_plans_on_that_matrix(problem_file: Path, npz: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(problem_file), "--matrix", str(npz), "-o", str(out), "--engine",
                                 "greedy", "--time-limit", "2", "--no-figures"])
    assert result.exit_code == EXIT_OK, _err(result)
    assert json.loads((out / "plan.json").read_text())["travel"]["backend"] == "matrix"


def test_solve_with_a_graph_alone_reads_the_graph(problem_file: Path, garbage_graph: Path, tmp_path: Path) -> None:
    _one_line(runner.invoke(app, ["solve", str(problem_file), "--graph", str(garbage_graph), "-o",
                                  str(tmp_path / "out"), "--engine", "greedy", "--no-figures"]),
              EXIT_BAD_INPUT, "--graph", "g.graphml")


@pytest.mark.parametrize("options", [
    ["--backend", "haversine", "--matrix", "{npz}"],
    ["--backend", "osm", "--matrix", "{npz}"],
    ["--backend", "matrix", "--graph", "{graph}"],
    ["--graph", "{graph}", "--matrix", "{npz}"],
    ["--backend", "osm"],
    ["--backend", "osrm"],
    ["--backend", "matrix"],
])
def test_solve_refuses_contradictory_or_incomplete_travel_before_writing(problem_file: Path, npz: Path, tmp_path: Path,
                                                           options: list[str]) -> None:
    graph = tmp_path / "g.graphml"
    args = [o.format(npz=npz, graph=graph) for o in options]
    out = tmp_path / "out"
    _one_line(runner.invoke(app, ["solve", str(problem_file), "-o", str(out), *args]), EXIT_BAD_INPUT)
    assert not out.exists()


@pytest.fixture
def haversine_plan(problem_file: Path, tmp_path: Path) -> Path:
    out = tmp_path / "plan"
    result = runner.invoke(app, ["solve", str(problem_file), "-o", str(out), "--engine", "greedy", "--time-limit",
                                 "2", "--no-figures"])
    assert result.exit_code == EXIT_OK, _err(result)
    return out / "plan.json"


def test_check_with_a_graph_alone_reads_the_graph(problem_file: Path, haversine_plan: Path,
                                                  garbage_graph: Path) -> None:
    _one_line(runner.invoke(app, ["check", str(problem_file), str(haversine_plan), "--graph", str(garbage_graph)]),
              EXIT_BAD_INPUT, "--graph", "g.graphml")


def test_check_refuses_a_matrix_its_backend_does_not_read(problem_file: Path, haversine_plan: Path,
                                                          npz: Path) -> None:
    _one_line(runner.invoke(app, ["check", str(problem_file), str(haversine_plan), "--backend", "haversine",
                                  "--matrix", str(npz)]), EXIT_BAD_INPUT, "--matrix", "--backend haversine")


# -- engines and time limits -------------------------------------------------------------------

@pytest.mark.parametrize("command", ["solve", "demo", "simulate", "bench"])
def test_help_lists_every_registered_engine(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], terminal_width=400)
    assert result.exit_code == EXIT_OK
    text = " ".join(result.output.split())
    for name in engine_names():
        assert re.search(rf"\b{name}\b", text), name


def test_docs_list_every_registered_engine_for_solve() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    row = next(line for line in doc.splitlines() if line.startswith("| `medroute solve"))
    listed = re.search(r"--engine ([\w\\|]+)\]", row)
    assert listed is not None, row
    assert sorted(listed.group(1).split("\\|")) == sorted(engine_names())


@pytest.mark.parametrize(("options", "needle"), [
    (["--engine", "foo"], "unknown engine"),
    (["--time-limit", "-1"], "--time-limit"),
    (["--time-limit", "nan"], "--time-limit"),
])
def test_demo_checks_its_options_before_loading_the_scenario(tmp_path: Path, options: list[str],
                                                             needle: str) -> None:
    out = tmp_path / "out"
    _one_line(runner.invoke(app, ["demo", "-o", str(out), *options]), EXIT_BAD_INPUT, needle)  # no description
    assert not out.exists()


def test_solve_refuses_a_bad_time_limit_before_writing(problem_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _one_line(runner.invoke(app, ["solve", str(problem_file), "-o", str(out), "--time-limit", "0"]), EXIT_BAD_INPUT,
              "--time-limit", "0")
    assert not out.exists()


# -- bench: engines and budgets ------------------------------------------------------------------

def _unknown_engine_message(name: str) -> str:
    """What ``solve --engine NAME`` says."""
    with pytest.raises(EngineError) as caught:
        get_engine(name)
    return str(caught.value)


@pytest.mark.parametrize(("options", "needle"), [
    (["--engine", "foo"], _unknown_engine_message("foo")),
    (["--engine", "greedy", "--engine", "foo"], _unknown_engine_message("foo")),
    (["--engine", "greedy", "--engine", "greedy"], "'greedy' is given twice"),
    (["--budget", "-1"], "budget -1:"),
    (["--budget", "2", "--budget", "inf"], "budget inf:"),
])
def test_bench_refuses_bad_engines_and_budgets_before_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              options: list[str], needle: str) -> None:
    monkeypatch.setattr("medroute.bench_cli.bench_command", lambda *a, **k: pytest.fail("must not run"))
    out = tmp_path / "b"
    _one_line(runner.invoke(app, ["bench", "--quick", "-o", str(out), *options]), EXIT_BAD_INPUT, needle)
    assert not out.exists()  # so the same -o is accepted once the options are fixed
