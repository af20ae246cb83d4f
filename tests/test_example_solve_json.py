"""examples/solve_json.py: a usage line without arguments, and the travel of the folder it re-plans."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import medroute
from medroute.outputs import write_outputs
from medroute.travel import HaversineBackend
from tests.examples import EXAMPLES, load_example
from tests.plans import small_problem

EXAMPLE = EXAMPLES / "solve_json.py"


def load() -> ModuleType:
    return load_example("solve_json.py")


def test_without_arguments_it_prints_its_usage() -> None:
    done = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("usage: python examples/solve_json.py PROBLEM_JSON OUT_DIR")
    assert "Traceback" not in done.stderr


def _folder(tmp_path: Path) -> Path:
    """An output folder whose plan was made on travel other than haversine (travel.npz beside it)."""
    p = small_problem()
    m = HaversineBackend(detour=1.5).matrix(p.locations)
    plan = medroute.solve(p, engine="greedy", time_limit=2, matrix=m)
    folder = tmp_path / "out"
    write_outputs(folder, p, plan, matrix=m, tables=False, figures=False, html_map=False)
    return folder


def test_it_replans_on_the_travel_beside_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    again = tmp_path / "again"
    assert load().main(str(folder / "problem.json"), str(again), time_limit=2) == 0
    assert f"travel: the travel matrix {folder / 'travel.npz'}" in capsys.readouterr().out
    assert json.loads((again / "plan.json").read_text())["travel"]["backend"] == "matrix"
    assert (again / "travel.npz").is_file()


def test_it_takes_a_travel_file_or_says_it_uses_haversine(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    bare = tmp_path / "problem.json"
    bare.write_text((folder / "problem.json").read_text())
    example = load()
    assert example.main(str(bare), str(tmp_path / "given"), str(folder / "travel.npz"), time_limit=2) == 0
    assert "travel: the travel matrix" in capsys.readouterr().out
    assert example.main(str(bare), str(tmp_path / "straight"), time_limit=2) == 0
    assert "travel: haversine" in capsys.readouterr().out
    assert json.loads((tmp_path / "straight" / "plan.json").read_text())["travel"]["backend"] == "haversine"
