"""The route-elimination study runs both variants from one base plan and restores the engine."""

from __future__ import annotations

import math

import pytest
from benchmarks import route_elimination as study

from medroute.engines import pyvrp as engine_pyvrp
from medroute.io import instance_paths
from medroute.stop import Budget, Meter


def test_each_variant_runs_every_seed_from_the_same_base(monkeypatch: pytest.MonkeyPatch) -> None:
    units: list[float] = []
    part = Meter.part

    def counted(self: Meter, amount: float) -> Budget:
        units.append(amount)
        return part(self, amount)

    monkeypatch.setattr(Meter, "part", counted)
    path = next(p for p in instance_paths("solomon") if p.stem == "RC101")
    row = study.measure("solomon", path, 1.0, 2.5, 2)
    assert row["instance"] == "RC101" and row["base_riders"] > 1
    assert {v: len(x) for v, x in row["fewer"].items()} == dict.fromkeys(study.VARIANTS, 2)
    assert all(0 <= k < row["base_riders"] for x in row["fewer"].values() for k in x)
    # A single attempt asks for the whole budget; restarts for Luby multiples of the unit.
    assert math.inf in units
    assert {u / engine_pyvrp.RESTART_UNIT for u in units if u != math.inf} <= {1, 2, 4, 8}
    assert any(u != math.inf for u in units)
    assert study.VARIANTS["Luby restarts"] == engine_pyvrp.RESTART_UNIT
    text = study.markdown([row], "solomon", 1.0, 2.5, 2)
    assert "| RC101 |" in text and "| all |" in text
