"""Quoted benchmark figures cite study folders whose ``meta.json`` records the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medroute.bench.provenance import check, check_headline, check_report, citations, main, study_of
from medroute.bench.results import META_FILE, study

REPO = Path(__file__).resolve().parents[1]


def recorded_study(folder: Path, *files: str) -> Path:
    """A study folder with a run the results writer recorded, holding ``files``."""
    with study(folder, command="python benchmarks/x.py"):
        for name in files:
            (folder / name).write_text("| a |\n", encoding="utf-8")
    return folder


def imported_study(folder: Path, *files: str) -> Path:
    """A study folder holding results from before ``meta.json``: an ``imported`` entry only."""
    folder.mkdir(parents=True)
    for name in files:
        (folder / name).write_text("| a |\n", encoding="utf-8")
    run = {"part": "", "command": "python benchmarks/x.py", "status": "imported",
           "committed_in": {"commit": "0" * 40, "date": "2026-11-29T00:00:00+00:00"}}
    (folder / META_FILE).write_text(json.dumps({"study": folder.name, "runs": [run]}), encoding="utf-8")
    return folder


def readme(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "README.md"
    path.write_text("# Benchmarks\n\n## Headline\n\n| study | folder | figure |\n|---|---|---|\n"
                    + "".join(f"{row}\n" for row in rows) + "\n## Next\n\n| a | `results/nowhere/` |\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    results = tmp_path / "results"
    recorded_study(results / "scale", "scale.md")
    imported_study(results / "travel", "travel.md")
    recorded_study(results / "simulate" / "surge", "days.md")
    (results / "loose.md").write_text("| a |\n", encoding="utf-8")
    return results


def test_headline_rows_citing_recorded_studies_pass(tmp_path: Path, root: Path) -> None:
    path = readme(tmp_path, "| `scale` | [results/scale/](results/scale/) | 0.1 × greedy |",
                  "| `simulate` | `results/simulate/surge/days.md` | 95 % on time |")
    assert check_headline(path, root) == []


@pytest.mark.parametrize(("row", "why"), [
    ("| `travel` | `results/travel/` | 3.3 × |", "study results/travel/ has no recorded run"),
    ("| `loose` | `results/loose.md` | 1 s |", "results/loose.md: in no study folder"),
    ("| `gone` | `results/alns_speed/` | 5 × |", "results/alns_speed: no such file or folder"),
    ("| `bare` | (by hand) | 2 × |", "cites no results folder"),
])
def test_a_headline_row_without_a_recorded_study_fails(tmp_path: Path, root: Path, row: str, why: str) -> None:
    path = readme(tmp_path, "| `scale` | `results/scale/` | ok |", row)
    (failure,) = check_headline(path, root)
    assert why in failure and row.split("|")[1].strip() in failure


def test_only_the_headline_table_is_checked(tmp_path: Path, root: Path) -> None:
    path = readme(tmp_path, "| `scale` | `results/scale/` | ok |")  # the next section cites results/nowhere/
    assert check_headline(path, root) == []
    path.write_text("# Benchmarks\n\n| `travel` | `results/travel/` |\n", encoding="utf-8")
    assert check_headline(path, root) == [f"{path}: no table under '## Headline'"]


def test_a_report_needs_its_own_study_and_every_linked_result_recorded(root: Path) -> None:
    report = root / "scale" / "RESULTS.md"
    report.write_text("# Scale\n\n![plot](scale.png)\n\n[days](../simulate/surge/days.md), "
                      "[docs](https://example.org/a.md), [up](#scale)\n", encoding="utf-8")
    (root / "scale" / "scale.png").write_bytes(b"png")
    assert check_report(report, root) == []
    report.write_text("[old day](../loose.md) and [travel](../travel/travel.md)\n", encoding="utf-8")
    assert [f.split(": ", 1)[1] for f in check_report(report, root)] == [
        "results/loose.md: in no study folder (no meta.json at or above it)",
        "study results/travel/ has no recorded run (status 'done' in its meta.json)"]
    old = root / "travel" / "RESULTS.md"
    old.write_text("# Travel\n", encoding="utf-8")
    assert check_report(old, root) == [
        "results/travel/RESULTS.md: study results/travel/ has no recorded run (status 'done' in its meta.json)"]


def test_citations_resolve_links_and_named_paths_inside_the_results(tmp_path: Path, root: Path) -> None:
    text = ("[a](results/scale/scale.md) `benchmarks/results/travel/` medroute.bench.results "
            "[b](../outside.md) results/scale/scale.md")
    assert citations(text, tmp_path, root) == [(root / "scale" / "scale.md").resolve(), (root / "travel").resolve()]


def test_a_result_belongs_to_the_nearest_study_above_it(root: Path) -> None:
    assert study_of(root / "simulate" / "surge" / "days.md", root) == root / "simulate" / "surge"
    assert study_of(root / "loose.md", root) is None


def test_the_command_exits_1_on_a_failure(tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = readme(tmp_path, "| `scale` | `results/scale/` | ok |")
    assert main([str(path), "--results", str(root)]) == 0
    path = readme(tmp_path, "| `travel` | `results/travel/` | 3.3 × |")
    assert main([str(path), "--results", str(root)]) == 1
    assert "results/travel/" in capsys.readouterr().out



def test_check_covers_the_headline_and_every_report_under_the_results(tmp_path: Path, root: Path) -> None:
    path = readme(tmp_path, "| `scale` | `results/scale/` | ok |")
    (root / "scale" / "RESULTS.md").write_text("[days](../simulate/surge/days.md)\n", encoding="utf-8")
    assert check(path, root) == []
    (root / "travel" / "RESULTS.md").write_text("# Travel\n", encoding="utf-8")
    assert check(path, root) == ["results/travel/RESULTS.md: study results/travel/ has no recorded run "
                                 "(status 'done' in its meta.json)"]


def test_every_figure_the_benchmark_guide_and_reports_quote_comes_from_a_recorded_study() -> None:
    """benchmarks/README.md's headline and every results/**/RESULTS.md cite recorded studies only."""
    assert check(REPO / "benchmarks" / "README.md", REPO / "benchmarks" / "results") == []
