"""``benchmarks/companion_ab.py``: the three ``auto`` variants it compares and its summary."""

from __future__ import annotations

from benchmarks import companion_ab


def test_the_variants_differ_only_in_the_companion() -> None:
    assert "alns-own" in [c.name for c in companion_ab.engine("with").companions]
    assert [c.name for c in companion_ab.engine("ortools-own").companions] == ["pyvrp-own", "ortools-own"]
    assert companion_ab.engine("without").parallel is False
    assert companion_ab.engine("with").parallel is None


def test_a_day_is_solved_by_each_variant_and_compared() -> None:
    row = companion_ab.pair("historic", None, 0, 1.0, cold=False)
    assert set(companion_ab.VARIANTS) <= set(row) and row["orders"] == 20
    assert row["ratio"] == row["with"]["objective_rp"] / row["without"]["objective_rp"]
    text = companion_ab.markdown([{**row, "ratio": 1.0, "ratio_before": 1.0},
                                  {**row, "ratio": 0.9, "ratio_before": 1.1}])
    assert "with / ortools-own: mean 1.0500 (1.0000–1.1000); cheaper on 0, dearer on 1" in text
    assert "with / without: mean 0.9500 (0.9000–1.0000); cheaper on 1, dearer on 0" in text
