"""The CI regression slice: verdicts against committed figures, tolerances, and its exit status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from benchmarks import regression
from benchmarks.regression import MIN_TOLERANCE, UPDATE, day_verdict, tolerance, verdict

from medroute.bench.results import read

THEN = {"set": "solomon", "name": "R101", "units": 1.0, "orders": 100, "seeds": 5, "served": 500,
        "riders_used": 95, "costs_rp": [1000.0] * 5, "cost_rp": 1000.0, "violations": 0, "reproducible": True,
        "travel": "0123456789abcdef", "tolerance": 0.01, "wall_s": 4.0,
        "stages": {"construct": 5, "greedy": 5, "pyvrp": 5, "pyvrp-fleet": 5, "pyvrp-on-time": 2}}

DAY = {"set": "dispatch", "name": "expanded-60", "units": 0.1, "orders": 60, "seeds": 5, "replans": 400,
       "stranded": 0, "reproducible": True, "travel": "0123456789abcdef", "on_time": 0.95, "lead_min": 105.0,
       "engine_work": 0.096, "on_times": [0.95] * 5, "lead_mins": [105.0] * 5, "engine_works": [0.096] * 5,
       "tolerances": {"on_time": 0.07, "lead_min": 0.06, "engine_work": 0.02}, "wall_s": 40.0}


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


def test_a_stage_that_ran_on_every_seed_and_now_on_none_regresses_by_name() -> None:
    # pyvrp off: route elimination takes over its share, the cost moves by less than the spread
    v = verdict(now(stages={"construct": 5, "greedy": 5, "pyvrp-fleet": 5, "pyvrp-on-time": 2}), THEN)
    assert v == "REGRESSED: auto's stage pyvrp ran on none of 5 seeds (committed: on every seed)"


@pytest.mark.parametrize("stages", [
    {"construct": 5, "greedy": 5, "pyvrp": 1, "pyvrp-fleet": 5},  # a stage that did not run on every seed
    {"construct": 5, "greedy": 5, "pyvrp": 5, "pyvrp-fleet": 5, "ortools": 3},  # a new stage
])
def test_a_stage_that_applies_by_the_plan_may_come_and_go(stages: dict[str, int]) -> None:
    assert verdict(now(stages=stages), THEN) == "ok"


def test_solve_case_counts_the_seeds_each_stage_ran_on() -> None:
    row = regression.solve_case(regression.Case("solomon", "R101", 0.05), seeds=(0, 1))
    assert row["seeds"] == 2 and row["reproducible"]
    assert {"construct": 2, "greedy": 2, "pyvrp": 2}.items() <= row["stages"].items()


def test_a_case_without_a_committed_figure_is_not_a_pass() -> None:
    assert verdict(now(), None) == "no committed figure"
    assert day_verdict(DAY, None) == "no committed figure"


@pytest.mark.parametrize("changes", [{}, {"on_time": 0.9}, {"lead_min": 111.0}, {"engine_work": 0.095},
                                     {"on_time": 1.0, "lead_min": 90.0, "engine_work": 0.1}])
def test_a_replayed_day_within_its_tolerances_holds(changes: dict[str, Any]) -> None:
    assert day_verdict({**DAY, **changes}, DAY) == "ok"


@pytest.mark.parametrize(("changes", "says"), [
    # the dispatcher's engine starved to a thirtieth of its budget: the patients' figures stay
    # within their spread, the work it counted does not
    ({"engine_work": 0.0035, "on_time": 0.96},
     "engine work per replan (reference s) 0.0035 is -96.35% on committed 0.096, over its tolerance of 2.00%"),
    ({"on_time": 0.85}, "on-time share 0.85 is -10.53% on committed 0.95, over its tolerance of 7.00%"),
    ({"lead_min": 120.0}, "mean lead time (min) 120 is +14.29% on committed 105, over its tolerance of 6.00%"),
    ({"stranded": 1}, "1 items left on board at the end of the day over 5 seeds (committed 0)"),
    ({"reproducible": False}, "stopped by the clock"),
    ({"travel": "fedcba9876543210"}, "travel changed"),
])
def test_a_worse_replayed_day_regresses_and_says_what(changes: dict[str, Any], says: str) -> None:
    v = day_verdict({**DAY, **changes}, DAY)
    assert v.startswith("REGRESSED") and says in v


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
    lead_mins = [100.0, 105.0, 105.0, 105.0, 110.0]
    day = {k: v for k, v in DAY.items() if k != "tolerances"} | {"lead_mins": lead_mins}
    monkeypatch.setattr(regression, "_replay", lambda: [dict(day)])
    assert regression.main(["--write", "--figures", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "regression.json").read_text(encoding="utf-8"))
    assert [w["tolerance"] for w in doc["cases"]] == [MIN_TOLERANCE, tolerance(spread)]
    assert doc["days"][0]["tolerances"] == {"on_time": MIN_TOLERANCE, "lead_min": tolerance(lead_mins),
                                            "engine_work": MIN_TOLERANCE}
    doc = read(tmp_path)
    assert doc is not None and doc["runs"][0]["status"] == "done"
    assert regression.main(["--figures", str(tmp_path)]) == 0
    worse = 500.0 * (1 + tolerance(spread)) + 1
    monkeypatch.setattr(regression, "_run", lambda: [dict(rows[0]), {**rows[1], "cost_rp": worse}])
    capsys.readouterr()
    assert regression.main(["--figures", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "darp/a4-40: REGRESSED: mean cost beyond riders" in err and UPDATE in err
    assert "2 of 3 cases hold" in err
    monkeypatch.setattr(regression, "_run", lambda: [dict(r) for r in rows])
    monkeypatch.setattr(regression, "_replay", lambda: [{**day, "engine_work": 0.0035}])
    assert regression.main(["--figures", str(tmp_path)]) == 1
    assert "dispatch/expanded-60: REGRESSED: engine work per replan" in capsys.readouterr().err


def test_travel_digest_tells_a_slower_travel_apart() -> None:
    import numpy as np

    from medroute.travel.base import TravelMatrix

    d = np.array([[0, 100], [120, 0]], dtype=np.int32)
    m = TravelMatrix(durations_s=d, distances_m=d * 10, snap_m=np.zeros(2))
    slower = TravelMatrix(durations_s=np.rint(d * 1.1).astype(np.int32), distances_m=d * 10, snap_m=np.zeros(2))
    assert regression.travel_digest(m) == regression.travel_digest(m)
    assert regression.travel_digest(m) != regression.travel_digest(slower)


def test_replay_day_measures_the_work_the_dispatchers_engine_counted_per_replan() -> None:
    row = regression.replay_day(regression.Day("historic-8", "historic", (("orders", 8), ("riders", 2)), 0.02),
                                seeds=(0,))
    assert row["reproducible"] and row["replans"] > 0 and row["stranded"] == 0
    assert 0.5 * 0.02 < row["engine_work"] <= 0.02 * 1.05 and 0 < row["on_time"] <= 1
