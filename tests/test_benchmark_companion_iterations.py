"""The companion-iterations study finds the companion's PyVRP search and PyVRP alone's."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks import companion_iterations as study

from medroute.engines import pyvrp as engine_pyvrp
from medroute.engines.portfolio.companion import free_core
from medroute.io import instance_paths


@pytest.mark.skipif(not free_core(), reason="auto starts its companion only with a second core")
def test_both_searches_are_counted_on_the_same_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_pyvrp._Criterion, "__call__", engine_pyvrp._Criterion.__call__)
    log = tmp_path / "searches.jsonl"
    study.instrument(log)
    path = next(p for p in instance_paths("solomon") if p.stem == "R101")
    row = study.measure("solomon", path, 2.5, log)
    alone, beside = row["pyvrp"]["search"], row["auto"]["search"]
    assert alone["iterations"] > 0 and beside["iterations"] > 0
    assert beside["last"] - beside["first"] > 0.5 * 2.5  # the companion runs most of the clock
    assert max(alone["last"], beside["last"]) <= 1.05 * 2.5  # both end by the clock
