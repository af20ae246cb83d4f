"""The benchmark runner on a tiny suite (seconds), its report files and the scale curve."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from medroute import CoolBox, Location, Order, Pharmacy, Problem, Rider, TimeWindow
from medroute.bench import (
    SUITES,
    RunRecord,
    ScenarioRun,
    Suite,
    headline,
    headline_table,
    plot_suite,
    rerender,
    run_scale,
    run_suite,
    targets,
    with_ratios,
)
from medroute.bench_cli import bench_command
from medroute.errors import EngineError, InvalidProblemError

PH = Location(-8.22, 114.37)


def tiny(name: str, *, seed: int = 0, orders: int = 4) -> Any:
    """A hand-sized Banyuwangi day: one pharmacy, two riders (one with a cool box)."""
    doors = [Location(-8.22 + 0.01 * (i % 3 + 1), 114.37 + 0.01 * (i % 2 + 1)) for i in range(orders)]
    os_ = tuple(Order(f"o{i}", "ph", d, release_s=8 * 3600, windows=(TimeWindow(8 * 3600, 14 * 3600),),
                      temperature="refrigerated" if i % 3 == 0 else "ambient")
                for i, d in enumerate(doors))
    riders = (Rider("cool", PH, start_s=8 * 3600, coolbox=CoolBox()), Rider("warm", PH, start_s=8 * 3600))
    problem = Problem(pharmacies=(Pharmacy("ph", PH),), orders=os_, riders=riders)
    return SimpleNamespace(problem=problem, matrix=None, description=f"tiny {name}", backend_name="haversine")


SUITE = Suite("tiny", (ScenarioRun("tiny", (1.0,)),), engines=("auto", "pyvrp", "vroom", "greedy"))


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[RunRecord]]:
    out = tmp_path_factory.mktemp("results") / "tiny"
    return out, run_suite(SUITE, out=out, progress=False, loader=tiny, command="pytest tiny")


def test_every_run_is_recorded_and_checked(ran: tuple[Path, list[RunRecord]]) -> None:
    _, records = ran
    assert [r.engine for r in records] == ["auto", "pyvrp", "vroom", "greedy"]
    assert all(r.mode in ("full", "relaxed") for r in records), [r.note for r in records]
    auto = records[0]
    assert auto.mode == "full"
    assert auto.violations == 0
    assert auto.served == 4
    assert math.isclose(min(r.ratio for r in records if r.feasible), 1.0)
    vroom = records[2]
    assert vroom.mode == "relaxed"  # cold budgets: VROOM runs relaxed, repaired by dropping
    assert vroom.violations == 0


def test_report_files(ran: tuple[Path, list[RunRecord]]) -> None:
    out, records = ran
    md = (out / "RESULTS.md").read_text(encoding="utf-8")
    assert "pytest tiny" in md
    assert "auto/best" in md
    assert "Machine load" in md
    for png in ("ratio.png", "violations.png", "solve_time.png"):
        assert (out / png).stat().st_size > 1000
        assert f"({png})" in md
    doc = json.loads((out / "runs.json").read_text(encoding="utf-8"))
    assert len(doc["runs"]) == len(records)
    assert doc["meta"]["command"] == "pytest tiny"
    assert (out / "runs.csv").read_text(encoding="utf-8").count("\n") == len(records) + 1


def test_ratios_use_feasible_runs_only() -> None:
    base = RunRecord("s", "x", 1, 1, 1.0, "a", 0, "full", objective_rp=200.0)
    cheap_but_broken = RunRecord("s", "x", 1, 1, 1.0, "b", 0, "relaxed", objective_rp=100.0, violations=2)
    out = with_ratios([base, cheap_but_broken])
    assert [r.ratio for r in out] == [1.0, 0.5]
    (h,) = headline(out)
    assert h["best_engine"] == "a"


def test_budget_plan_fits_half_an_hour() -> None:
    suite = SUITES["banyuwangi"]
    assert suite.runs == 9 * 5
    assert suite.planned_s == 4 * ((10 + 30) * 3 + 30) + 3 * (30 + 60)  # no VROOM on surge
    assert suite.planned_s < 0.5 * 30 * 60  # leaves room for loading, checking and load from others


def test_scale_curve(tmp_path: Path) -> None:
    points = run_scale("tiny", (3, 6), budget=lambda n: 1.0, out=tmp_path, loader=tiny, progress=False)
    assert [p.orders for p in points] == [3, 6]
    assert all(p.violations == 0 for p in points)
    assert (tmp_path / "scale.png").stat().st_size > 1000
    assert "| 6 |" in (tmp_path / "scale.md").read_text(encoding="utf-8")


def test_bench_command(tmp_path: Path) -> None:
    code = bench_command("quick", budgets=[1.0], engines=["greedy"], output=tmp_path, loader=tiny)
    assert code == 0
    assert (tmp_path / "RESULTS.md").exists()
    assert bench_command("nope", output=tmp_path) == 2


def test_targets_and_rerender(ran: tuple[Path, list[RunRecord]]) -> None:
    out, _ = ran
    (out / "RESULTS.md").unlink()
    rerender(out)
    md = (out / "RESULTS.md").read_text(encoding="utf-8")
    assert "auto has no violations on any run: **met**" in md


def test_the_simulate_study_beside_the_report_appears_in_it(ran: tuple[Path, list[RunRecord]]) -> None:
    out, _ = ran
    day = out.parent / "simulate" / "tiny" / "days-sigma0.15.md"
    day.parent.mkdir(parents=True)
    day.write_text("# Simulated days\n\nMade by `x`.\n\n## Noise\n\n| KPI | a |\n|---|---:|\n| orders | 4 |\n",
                   encoding="utf-8")
    (out.parent / "simulate_old.md").write_text("# Old day\n\n| KPI | a |\n|---|---:|\n| orders | 9 |\n",
                                                encoding="utf-8")
    rerender(out)
    md = (out / "RESULTS.md").read_text(encoding="utf-8")
    section = md.split("## Simulated days", 1)[1]
    assert "[simulate/tiny/days-sigma0.15.md](../simulate/tiny/days-sigma0.15.md)" in section
    assert "| orders | 4 |" in section and "# Simulated days" not in section
    assert "\n#### Noise\n" in section  # its own sections nest under the link
    assert "| orders | 9 |" not in md  # a loose file outside the study is not a simulated day


def test_the_suite_in_reproducible_mode_gives_every_solve_a_work_budget(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import medroute.bench.suite as bench

    real = bench.solve_once
    asked: list[bool] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        asked.append(kwargs.get("work", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(bench, "solve_once", spy)
    suite = Suite("tiny", (ScenarioRun("tiny", (0.2,)),), engines=("auto", "greedy"))
    records = run_suite(suite, out=tmp_path / "w", progress=False, loader=tiny, command="pytest tiny", plots=False,
                        work=True)
    assert asked == [True, True] and all(r.feasible for r in records)
    assert json.loads((tmp_path / "w" / "runs.json").read_text())["meta"]["work"] is True


def test_the_report_claims_nothing_about_engines_that_were_not_run(tmp_path: Path) -> None:
    assert bench_command("quick", budgets=[1.0], engines=["greedy"], output=tmp_path, loader=tiny) == 0
    md = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    headline_md = md.split("## Headline", 1)[1].split("## Runs", 1)[0]
    assert "auto viol." not in headline_md and "/auto" not in headline_md
    assert "**met**" not in headline_md and "**missed**" not in headline_md
    assert "auto was not run" in headline_md


def test_targets_only_compare_auto_with_engines_that_ran() -> None:
    records = with_ratios([RunRecord("s", "x", 1, 1, 1.0, "auto", 0, "full", objective_rp=100.0),
                           RunRecord("s", "x", 1, 1, 1.0, "greedy", 0, "full", objective_rp=150.0),
                           RunRecord("s", "x", 1, 1, 1.0, "vroom", 0, "skipped")])
    header, rows = headline_table(records)
    assert header == ["scenario", "budget s", "auto viol.", "auto objective Rp", "best feasible engine",
                      "auto/best", "greedy/auto"]
    assert rows == [["x", "1", "0", "100", "auto", "1.000", "1.500"]]
    assert targets(records) == [
        "auto has no violations on any run: **met**",
        "auto best or within 2 % of the best feasible objective: **met**",
        "auto beats greedy: **met**",
        "auto beats ortools: not checked (ortools was not run)",
    ]


def test_plots_survive_a_suite_where_every_run_failed(tmp_path: Path) -> None:
    failed = [RunRecord("s", "x", 1, 1, 1.0, "vroom", 0, "error", note="ImportError: no vroom")]
    assert plot_suite(failed, tmp_path) == ["ratio.png", "violations.png", "solve_time.png"]


@pytest.mark.parametrize(("engines", "budgets", "error"), [
    (["foo"], None, EngineError),
    (["greedy", "greedy"], None, EngineError),
    (None, [-1.0], InvalidProblemError),
    (None, [math.nan], InvalidProblemError),
    (None, [True], InvalidProblemError),
])
def test_the_suite_refuses_bad_engines_and_budgets_before_writing(
        tmp_path: Path, engines: list[str] | None, budgets: list[float] | None, error: type[Exception]) -> None:
    out = tmp_path / "never"
    with pytest.raises(error):
        run_suite(SUITE, budgets, engines, out=out, progress=False, loader=tiny)
    with pytest.raises(error):
        bench_command("quick", budgets, engines, output=out, loader=tiny)
    assert not out.exists()
