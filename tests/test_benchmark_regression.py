"""The CI regression slice: verdicts against committed figures, tolerances, and its exit status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from benchmarks import regression
from benchmarks.regression import MIN_TOLERANCE, UPDATE, tolerance, verdict

from medroute.bench.results import read

THEN = {"set": "solomon", "name": "R101", "units": 1.0, "orders": 100, "seeds": 5, "served": 500,
        "riders_used": 95, "costs_rp": [1000.0] * 5, "cost_rp": 1000.0, "violations": 0, "reproducible": True,
        "travel": "0123456789abcdef", "tolerance": 0.01, "wall_s": 4.0}


def now(**changes: Any) -> dict[str, Any]:
    return {**THEN, **changes}


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, "ok"),
    ({"cost_rp": 1009.0}, "ok"),
    ({"cost_rp": 990.0}, "better"),
    ({"riders_used": 94, "cost_rp": 1005.0}, "ok"),
])
def test_within_the_tolerance_a_case_holds(changes: dict[str, Any], expected: str) -> None:
    assert verdict(now(**changes), THEN) == expected


@pytest.mark.parametrize(("changes", "says"), [
    ({"cost_rp": 1031.0},
     "mean cost beyond riders 1,031 Rp is +3.10% on committed 1,000, over its tolerance of 1.00% (at most 1,010)"),
    ({"served": 499, "cost_rp": 900.0}, "served 499 over 5 seeds, 1 fewer than committed 500"),
    ({"riders_used": 96, "cost_rp": 900.0}, "96 riders over 5 seeds, 1 more than committed 95"),
    ({"violations": 1}, "1 rule violations (committed 0)"),
    ({"reproducible": False}, "stopped by the clock"),
    ({"travel": "fedcba9876543210"}, "travel changed (digest fedcba9876543210, committed 0123456789abcdef)"),
])
def test_a_worse_plan_regresses_and_says_what_and_by_how_much(changes: dict[str, Any], says: str) -> None:
    v = verdict(now(**changes), THEN)
    assert v.startswith("REGRESSED") and says in v


def test_a_rider_more_regresses_although_its_fixed_cost_is_within_any_tolerance_of_the_objective() -> None:
    # On the literature sets a rider costs 1e8 Rp, 2 % of R101's objective is 38e6 Rp: the cost
    # compared is the cost beyond the riders, and the riders are compared apart.
    assert verdict(now(riders_used=96), THEN).startswith("REGRESSED")


def test_a_case_without_a_committed_figure_is_not_a_pass() -> None:
    assert verdict(now(), None) == "no committed figure"


@pytest.mark.parametrize(("costs", "expected"), [
    ([100.0] * 5, MIN_TOLERANCE),
    ([90.0, 95.0, 100.0, 105.0, 110.0], pytest.approx(3 * 7.9057 * (2 / 5) ** 0.5 / 100, abs=1e-4)),
    ([100.0], MIN_TOLERANCE),
])
def test_a_tolerance_follows_the_spread_over_the_seeds(costs: list[float], expected: Any) -> None:
    assert tolerance(costs) == expected


def test_write_then_check_and_a_worsened_engine_fails_and_says_how_to_update(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    spread = [480.0, 490.0, 500.0, 510.0, 520.0]
    rows = [now(), now(set="darp", name="a4-40", costs_rp=spread, cost_rp=500.0)]
    monkeypatch.setattr(regression, "_run", lambda: [dict(r) for r in rows])
    assert regression.main(["--write", "--figures", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "regression.json").read_text(encoding="utf-8"))["cases"]
    assert [w["tolerance"] for w in written] == [MIN_TOLERANCE, tolerance(spread)]
    doc = read(tmp_path)
    assert doc is not None and doc["runs"][0]["status"] == "done"
    assert regression.main(["--figures", str(tmp_path)]) == 0
    worse = 500.0 * (1 + tolerance(spread)) + 1
    monkeypatch.setattr(regression, "_run", lambda: [dict(rows[0]), {**rows[1], "cost_rp": worse}])
    capsys.readouterr()
    assert regression.main(["--figures", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "darp/a4-40: REGRESSED: mean cost beyond riders" in err and UPDATE in err


def test_travel_digest_tells_a_slower_travel_apart() -> None:
    import numpy as np

    from medroute.travel.base import TravelMatrix

    d = np.array([[0, 100], [120, 0]], dtype=np.int32)
    m = TravelMatrix(durations_s=d, distances_m=d * 10, snap_m=np.zeros(2))
    slower = TravelMatrix(durations_s=np.rint(d * 1.1).astype(np.int32), distances_m=d * 10, snap_m=np.zeros(2))
    assert regression.travel_digest(m) == regression.travel_digest(m)
    assert regression.travel_digest(m) != regression.travel_digest(slower)
