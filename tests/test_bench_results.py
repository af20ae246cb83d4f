"""The benchmark results writer: ``meta.json`` beside every study's tables."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from medroute.bench import results
from medroute.bench.results import META_FILE, git_state, read, study, survey


def test_a_study_records_its_command_code_versions_and_machine(tmp_path: Path) -> None:
    folder = tmp_path / "literature-10s"
    with study(folder, command="python benchmarks/x.py --fast", time_limit_s=10) as run:
        running = read(folder)
        (folder / "table.md").write_text("| a |\n", encoding="utf-8")
        run.entry["instances"] = 3
    assert running is not None and running["runs"][0]["status"] == "running"
    doc = read(folder)
    assert doc is not None and doc["study"] == "literature-10s"
    (entry,) = doc["runs"]
    assert entry["status"] == "done"
    assert entry["command"] == "python benchmarks/x.py --fast"
    assert entry["time_limit_s"] == 10 and entry["instances"] == 3
    assert entry["files"] == ["table.md"]
    assert len(entry["git"]["commit"]) == 40  # the tests run from a checkout
    assert entry["versions"]["python"] and entry["versions"]["numpy"]
    assert entry["machine"]["cores"] >= 1 and len(entry["machine"]["load_start"]) == 3
    assert entry["machine"]["load_end"] is not None and entry["wall_s"] >= 0
    assert entry["finished_utc"] >= entry["started_utc"]


def test_the_make_target_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(results.TARGET_VARIABLE, "bench-scale")
    with study(tmp_path / "scale"):
        pass
    doc = read(tmp_path / "scale")
    assert doc is not None and doc["runs"][0]["make_target"] == "bench-scale"


@pytest.mark.parametrize("cached", [True, False])
def test_the_alns_core_is_compiled_before_the_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   cached: bool) -> None:
    from medroute.engines import alns

    calls: list[str] = []
    monkeypatch.setattr(alns, "ready", lambda: cached)
    monkeypatch.setattr(alns, "warm_up", lambda: calls.append("compile"))
    with study(tmp_path):
        calls.append("runs")
    doc = read(tmp_path)
    assert doc is not None
    assert calls == (["runs"] if cached else ["compile", "runs"])
    assert ("alns_compiled_s" in doc["runs"][0]) is not cached


def test_a_failed_run_is_marked_and_the_error_raised(tmp_path: Path) -> None:
    with pytest.raises(ZeroDivisionError), study(tmp_path):
        _ = 1 / 0
    doc = read(tmp_path)
    assert doc is not None
    assert doc["runs"][0]["status"] == "failed" and "ZeroDivisionError" in doc["runs"][0]["error"]


@pytest.mark.parametrize(("code", "status"), [(0, "done"), (None, "done"), (1, "failed")])
def test_a_script_exit_status_decides_done_or_failed(tmp_path: Path, code: int | None, status: str) -> None:
    with pytest.raises(SystemExit), study(tmp_path):
        raise SystemExit(code)
    doc = read(tmp_path)
    assert doc is not None and doc["runs"][0]["status"] == status


def test_parts_are_kept_apart_replaced_or_merged(tmp_path: Path) -> None:
    for part, command in (("lilim", "a"), ("solomon", "b"), ("lilim", "c")):
        with study(tmp_path, part=part, command=command):
            pass
    doc = read(tmp_path)
    assert doc is not None and [(r["part"], r["command"]) for r in doc["runs"]] == [("solomon", "b"), ("lilim", "c")]
    with study(tmp_path, part="lilim", command="d", merge=True):
        pass
    doc = read(tmp_path)
    assert doc is not None
    assert [r["command"] for r in doc["runs"] if r["part"] == "lilim"] == ["c", "d"]


def test_a_file_path_means_its_folder(tmp_path: Path) -> None:
    with study(tmp_path / "reproducible" / "reproducible.md"):
        pass
    assert (tmp_path / "reproducible" / META_FILE).is_file()


def test_survey_lists_results_without_a_record(tmp_path: Path) -> None:
    with study(tmp_path / "scale"):
        (tmp_path / "scale" / "scale.md").write_text("x", encoding="utf-8")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "old.md").write_text("x", encoding="utf-8")
    (tmp_path / "loose.md").write_text("x", encoding="utf-8")
    studies, missing = survey(tmp_path)
    assert list(studies) == [tmp_path / "scale"]
    assert missing == [tmp_path / "loose.md", tmp_path / "old"]
    assert results.main([str(tmp_path)]) == 1


def test_git_state_reports_changes_outside_the_results(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "start")
    (tmp_path / "benchmarks" / "results").mkdir(parents=True)
    (tmp_path / "benchmarks" / "results" / "t.md").write_text("x", encoding="utf-8")
    state = git_state(tmp_path)
    assert state["commit"] and state["dirty"] is False
    (tmp_path / "engine.py").write_text("x = 1\n", encoding="utf-8")
    state = git_state(tmp_path)
    assert state["dirty"] is True and state["changed"] == ["engine.py"]
    assert json.dumps(state)


def test_outside_a_checkout_there_is_no_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert git_state(tmp_path) == {"commit": None, "branch": None, "dirty": None, "changed": []}
