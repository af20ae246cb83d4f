"""The explain-speed study explains a short fleet's left-out orders both ways and tabulates them."""

from __future__ import annotations

from benchmarks import explain_speed as study

from medroute.reasons import Reason


def test_a_short_fleet_is_explained_both_ways_and_the_reasons_are_compared() -> None:
    row = study.measure("expanded", 40, 0.5, 3, 2.0)
    assert row["riders"] >= 1 and row["left_out"] > row["sample"] == 3
    assert sum(row["screened_reasons"].values()) == row["left_out"]
    assert sum(row["one_by_one_reasons"].values()) == 3 and 0 <= row["agree"] <= 3
    assert set(row["screened_reasons"]) <= {r.value for r in Reason}
    assert sum(row["clock_reasons"].values()) == row["clock_unassigned"] > 0
    text = study.markdown([row], "python benchmarks/explain_speed.py")
    assert f"| expanded (200 orders) | {row['riders']} | {row['left_out']:,} |" in text
