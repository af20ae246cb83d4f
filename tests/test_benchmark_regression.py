"""The CI regression slice: verdicts against committed figures, and its exit status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from benchmarks import regression
from benchmarks.regression import verdict

from medroute.bench.results import read

THEN = {"set": "solomon", "name": "R101", "units": 1.0, "orders": 100, "served": 100, "riders_used": 19,
        "distance_m": 1000, "objective_rp": 1000.0, "violations": 0, "reproducible": True, "wall_s": 4.0}


def now(**changes: Any) -> dict[str, Any]:
    return {**THEN, **changes}


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, "ok"),
    ({"objective_rp": 1019.0}, "ok"),
    ({"objective_rp": 990.0}, "better"),
])
def test_within_the_tolerance_a_case_holds(changes: dict[str, Any], expected: str) -> None:
    assert verdict(now(**changes), THEN) == expected


@pytest.mark.parametrize("changes", [
    {"objective_rp": 1021.0},
    {"served": 99, "objective_rp": 900.0},
    {"violations": 1},
    {"reproducible": False},
])
def test_a_worse_plan_regresses(changes: dict[str, Any]) -> None:
    assert verdict(now(**changes), THEN).startswith("REGRESSED")


def test_a_case_without_a_committed_figure_is_not_a_pass() -> None:
    assert verdict(now(), None) == "no committed figure"


def test_write_then_check_and_a_worsened_engine_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [now(), now(set="darp", name="a4-40", objective_rp=500.0)]
    monkeypatch.setattr(regression, "_run", lambda: rows)
    assert regression.main(["--write", "--figures", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "regression.json").read_text(encoding="utf-8"))["cases"] == rows
    doc = read(tmp_path)
    assert doc is not None and doc["runs"][0]["status"] == "done"
    assert regression.main(["--figures", str(tmp_path)]) == 0
    monkeypatch.setattr(regression, "_run", lambda: [rows[0], {**rows[1], "objective_rp": 520.0}])
    assert regression.main(["--figures", str(tmp_path)]) == 1
