"""The command line: help texts, a full solve → check round trip, and every error path (one line,
no traceback, the documented exit code)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medroute.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATIONS, app
from tests.plans import small_problem

runner = CliRunner()


def _err(result: object) -> str:
    return getattr(result, "stderr", "") or getattr(result, "output", "")


@pytest.mark.parametrize("args", [[], ["solve"], ["demo"], ["check"], ["simulate"], ["bench"], ["graph"],
                                  ["graph", "build"]])
def test_help(args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert "Exit codes" in result.output


def test_simulate_writes_report_and_timelines(problem_file: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "day"
    result = runner.invoke(app, ["simulate", str(problem_file), "-o", str(prefix), "--policy", "greedy",
                                 "--policy", "pharmacy_wait", "--engine", "none"])
    assert result.exit_code == EXIT_OK, _err(result)
    report = (prefix.with_suffix(".md")).read_text()
    assert "| KPI | greedy | pharmacy_wait |" in report
    rows = (prefix.with_suffix(".csv")).read_text().splitlines()
    assert len(rows) == 1 + 2 * len(small_problem().orders)


def test_bench_unknown_suite(tmp_path: Path) -> None:
    result = runner.invoke(app, ["bench", "--suite", "olympics", "-o", str(tmp_path)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "olympics" in _err(result)


def test_simulate_unknown_policy(problem_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", str(problem_file), "-o", str(tmp_path / "x"), "--policy", "teleport"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "teleport" in _err(result)


def test_solve_then_check(problem_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(problem_file), "-o", str(out), "--engine", "greedy",
                                 "--time-limit", "2", "--seed", "1"])
    assert result.exit_code == EXIT_OK, _err(result)
    for name in ("plan.json", "plan.geojson", "problem.json", "report.md", "stops.csv", "routes.csv",
                 "orders.csv", "kpis.csv", "map.html", "figures/routes.png", "figures/timeline.png",
                 "figures/cold_exposure.png"):
        assert (out / name).is_file(), name
    assert "served" in result.output
    checked = runner.invoke(app, ["check", str(problem_file), str(out / "plan.json")])
    assert checked.exit_code == EXIT_OK, checked.output
    assert "feasible" in checked.output


def _greedy_plan(problem_file: Path, out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``medroute solve`` with greedy into ``out``: the plan document and its first delivery stop."""
    assert runner.invoke(app, ["solve", str(problem_file), "-o", str(out), "--engine", "greedy",
                               "--time-limit", "2", "--no-figures"]).exit_code == EXIT_OK
    plan = json.loads((out / "plan.json").read_text())
    return plan, next(s for r in plan["routes"] for s in r["stops"] if s["kind"] == "delivery")


def test_check_reports_violations(problem_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    plan, stop = _greedy_plan(problem_file, out)
    stop["start_s"] -= 3 * 3600  # before the rider arrives
    bad = tmp_path / "bad_plan.json"
    bad.write_text(json.dumps(plan))
    result = runner.invoke(app, ["check", str(problem_file), str(bad)])
    assert result.exit_code == EXIT_VIOLATIONS
    assert "[early_start]" in result.output


def _assert_one_line_error(result: object, code: int, *needles: str) -> None:
    assert getattr(result, "exit_code", None) == code, getattr(result, "output", "")
    text = _err(result)
    assert "Traceback" not in text
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert lines[0].startswith("error:")
    for n in needles:
        assert n in lines[0], lines[0]


def test_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("{not json")
    _assert_one_line_error(runner.invoke(app, ["solve", str(path)]), EXIT_BAD_INPUT, "not valid JSON")


def test_schema_mismatch_names_path(problem_file: Path) -> None:
    doc = json.loads(problem_file.read_text())
    doc["orders"][1]["weight_g"] = "heavy"
    problem_file.write_text(json.dumps(doc))
    _assert_one_line_error(runner.invoke(app, ["solve", str(problem_file)]), EXIT_BAD_INPUT,
                           "$.orders[1].weight_g")


def test_unknown_id(problem_file: Path) -> None:
    doc = json.loads(problem_file.read_text())
    doc["orders"][0]["pharmacy"] = "nowhere"
    problem_file.write_text(json.dumps(doc))
    _assert_one_line_error(runner.invoke(app, ["solve", str(problem_file)]), EXIT_BAD_INPUT, "nowhere")


def test_missing_file(tmp_path: Path) -> None:
    _assert_one_line_error(runner.invoke(app, ["solve", str(tmp_path / "absent.json")]), EXIT_BAD_INPUT,
                           "absent.json", "does not exist")


def test_unknown_engine(problem_file: Path, tmp_path: Path) -> None:
    _assert_one_line_error(runner.invoke(app, ["solve", str(problem_file), "-o", str(tmp_path / "o"),
                                               "--engine", "quantum"]), EXIT_BAD_INPUT, "quantum")


def test_unknown_backend_and_missing_graph(problem_file: Path, tmp_path: Path) -> None:
    _assert_one_line_error(runner.invoke(app, ["solve", str(problem_file), "--backend", "teleport"]),
                           EXIT_BAD_INPUT, "teleport")
    _assert_one_line_error(runner.invoke(app, ["solve", str(problem_file), "--backend", "osm"]),
                           EXIT_BAD_INPUT, "--graph")


def test_check_unknown_order_in_plan(problem_file: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"routes": [], "unassigned": [{"order": "ghost", "reason": "no_rider"}]}))
    result = runner.invoke(app, ["check", str(problem_file), str(plan)])
    assert result.exit_code == EXIT_VIOLATIONS
    assert "ghost" in result.output


def test_check_plan_schema_error(problem_file: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"routes": [{"rider": "ani", "stops": [{"kind": "teleport"}]}]}))
    _assert_one_line_error(runner.invoke(app, ["check", str(problem_file), str(plan)]), EXIT_BAD_INPUT,
                           "$.routes[0].stops[0]")


def test_debug_shows_traceback(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("[]")
    result = runner.invoke(app, ["solve", str(path), "--debug"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "Traceback" in _err(result)


def test_graph_build_from_geojson(tmp_path: Path) -> None:
    pytest.importorskip("osmnx")
    roads = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"highway": "residential"},
         "geometry": {"type": "LineString", "coordinates": [[114.36, -8.21], [114.365, -8.21], [114.37, -8.215]]}}]}
    src = tmp_path / "roads.geojson"
    src.write_text(json.dumps(roads))
    out = tmp_path / "g.graphml"
    result = runner.invoke(app, ["graph", "build", "--file", str(src), "-o", str(out)])
    assert result.exit_code == EXIT_OK, _err(result)
    assert out.is_file()
    assert "nodes" in result.output


def test_graph_build_needs_one_source(tmp_path: Path) -> None:
    _assert_one_line_error(runner.invoke(app, ["graph", "build", "-o", str(tmp_path / "g.graphml")]),
                           EXIT_BAD_INPUT, "--file")
    _assert_one_line_error(runner.invoke(app, ["graph", "build", "--file", str(tmp_path / "none.osm"),
                                               "-o", str(tmp_path / "g.graphml")]), EXIT_BAD_INPUT, "none.osm")


def test_demo(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["demo", "-o", str(out), "--time-limit", "3"])
    assert result.exit_code in (EXIT_OK, EXIT_VIOLATIONS), _err(result)
    assert result.exit_code == EXIT_OK, result.output
    for name in ("plan.json", "plan.geojson", "report.md", "map.html", "figures/routes.png", "travel.npz"):
        assert (out / name).is_file(), name
    assert "on_time_share" in result.output
    assert json.loads((out / "plan.json").read_text())["travel"]["backend"] == "osm"
    checked = runner.invoke(app, ["check", str(out / "problem.json"), str(out / "plan.json")])
    assert checked.exit_code == EXIT_OK, _err(checked)  # on the road travel it was made with, not haversine
    assert "warning" not in _err(checked)
    alone = tmp_path / "alone"  # the plan without its travel.npz: no road graph a user builds is the demo's
    alone.mkdir()
    for name in ("problem.json", "plan.json"):
        shutil.copy(out / name, alone / name)
    refused = runner.invoke(app, ["check", str(alone / "problem.json"), str(alone / "plan.json")])
    assert refused.exit_code == EXIT_BAD_INPUT
    advice = _err(refused)
    assert "--matrix PATH" in advice and "travel.npz" in advice
    assert advice.index("--matrix PATH") < advice.index("--graph PATH")
    again = runner.invoke(app, ["check", str(alone / "problem.json"), str(alone / "plan.json"),
                                "--matrix", str(out / "travel.npz")])
    assert again.exit_code == EXIT_OK, _err(again)


def test_demo_runs_on_the_shipped_roads_without_any_data_setting(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDROUTE_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo", "-o", "out", "--time-limit", "3"])
    assert result.exit_code == EXIT_OK, _err(result)
    assert "travel: osm" in _err(result)
    assert json.loads((tmp_path / "out" / "plan.json").read_text())["kpis"]["served"] == 20


def test_data_dir_option_is_searched_first(tmp_path: Path) -> None:
    bad = tmp_path / "data" / "banyuwangi" / "banyuwangi_faskes_20.geojson"
    bad.parent.mkdir(parents=True)
    bad.write_text("not json")
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "data"), "demo", "-o", str(tmp_path / "out")])
    _assert_one_line_error(result, EXIT_BAD_INPUT, str(bad))
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "missing"), "demo", "-o", str(tmp_path / "out")])
    assert result.exit_code == EXIT_BAD_INPUT and "--data-dir" in _err(result)


def test_demo_unknown_scenario(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "-o", str(tmp_path), "--scenario", "atlantis"])
    _assert_one_line_error(result, EXIT_BAD_INPUT, "atlantis")


def test_the_search_core_is_compiled_before_the_clock_on_a_fresh_machine(problem_file: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh install has no compiled alns core: solve, demo, simulate and bench compile it once
    before timing, else every short solve kills the compile at its clock and never caches it."""
    import importlib

    import medroute.engines.alns as alns

    solve_module = importlib.import_module("medroute.solve")  # the module, not the function medroute.solve
    events: list[str] = []
    real_solve = solve_module.solve
    monkeypatch.setattr(alns, "ready", lambda: "compile" in events)
    monkeypatch.setattr(alns, "warm_up", lambda: events.append("compile"))

    def timed_solve(problem: object, **kw: object) -> object:
        events.append(f"solve {kw['engine']}")
        return real_solve(problem, **{**kw, "engine": "greedy"})

    monkeypatch.setattr(solve_module, "solve", timed_solve)
    for engine in ("greedy", "auto", "auto"):
        result = runner.invoke(app, ["solve", str(problem_file), "-o", str(tmp_path / engine), "--engine", engine,
                                     "--no-figures"])
        assert result.exit_code == EXIT_OK, _err(result)
    assert events == ["solve greedy", "compile", "solve auto", "solve auto"]  # once, before the first auto clock


def test_a_shifted_stop_is_reported_with_its_order_and_times(problem_file: Path, tmp_path: Path) -> None:
    """What a person needs to find the stop: the order, what the rider does there, and both times."""
    out = tmp_path / "out"
    plan, stop = _greedy_plan(problem_file, out)
    stop["start_s"] = stop["arrival_s"] - 120
    (out / "plan.json").write_text(json.dumps(plan))
    result = runner.invoke(app, ["check", str(problem_file), str(out / "plan.json")])
    assert result.exit_code == EXIT_VIOLATIONS
    line = next(ln for ln in result.output.splitlines() if ln.startswith("[early_start]"))
    start, arrival = (f"{t // 3600:02d}:{t % 3600 // 60:02d}" for t in (stop["start_s"], stop["arrival_s"]))
    assert f"order {stop['order']!r}" in line and "delivery" in line and start in line and arrival in line, line
