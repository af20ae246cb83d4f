"""The generator's parameters: every one sourced, overridable, validated."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medroute.errors import InvalidProblemError
from medroute.scenarios import names
from medroute.scenarios.params import PARAMS, SCENARIO_DEFAULTS, SCENARIO_SOURCES, resolve, seconds

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"


@pytest.mark.parametrize("param", list(PARAMS.values()), ids=list(PARAMS))
def test_every_parameter_names_its_source_and_kind(param: object) -> None:
    from medroute.scenarios.params import Param

    assert isinstance(param, Param)
    assert param.kind in {"P", "E", "D", "P/E", "P/D"}
    assert len(param.source) > 10
    assert param.unit and param.doc


def test_scenario_defaults_are_known_parameters_with_a_source() -> None:
    assert set(SCENARIO_DEFAULTS) == set(names()) == set(SCENARIO_SOURCES)
    for scenario, defaults in SCENARIO_DEFAULTS.items():
        assert set(defaults) <= set(PARAMS), scenario
        resolve(scenario, {})  # the defaults themselves are valid


def test_resolve_applies_scenario_defaults_then_overrides() -> None:
    v = resolve("historic", {})
    assert v["orders"] == 20 and v["riders"] == 15 and v["cold_share"] == 0.10
    v = resolve("historic", {"orders": 30, "cold_share": 0.05})
    assert v["orders"] == 30 and v["cold_share"] == 0.05
    assert resolve("expanded", {})["orders"] == 200
    assert resolve("surge", {})["orders"] == 1000


def test_float_parameter_accepts_an_int() -> None:
    v = resolve("historic", {"orders_per_rider": 5})
    assert v["orders_per_rider"] == 5.0 and isinstance(v["orders_per_rider"], float)


def test_riders_may_be_none() -> None:
    assert resolve("historic", {"riders": None})["riders"] is None


def test_unknown_parameter_is_named() -> None:
    with pytest.raises(InvalidProblemError, match="unknown parameter 'colds_share'"):
        resolve("historic", {"colds_share": 0.1})


@pytest.mark.parametrize(("key", "value"), [
    ("orders", "20"), ("orders", True), ("orders", 2.5), ("cold_share", "0.1"), ("deadline", 17),
    ("riders", 1.5),
])
def test_wrong_type_is_refused(key: str, value: object) -> None:
    with pytest.raises(InvalidProblemError, match=f"parameter '{key}'"):
        resolve("historic", {key: value})


@pytest.mark.parametrize(("overrides", "name"), [
    ({"orders": 0}, "orders"),
    ({"riders": 0}, "riders"),
    ({"cold_share": 1.5}, "cold_share"),
    ({"coolbox_share": -0.1}, "coolbox_share"),
    ({"weight_max_g": 100}, "weight_max_g"),
    ({"patient_min_m": 5000}, "patient_max_m"),
    ({"release_end": "08:00"}, "release_end"),
    ({"shift_end": "07:00"}, "shift_end"),
    ({"day": "yesterday"}, "day"),
    ({"deadline": "banana"}, "deadline"),
    ({"orders_per_rider": 0.0}, "orders_per_rider"),
])
def test_out_of_range_is_refused(overrides: dict[str, object], name: str) -> None:
    with pytest.raises(InvalidProblemError, match=name):
        resolve("expanded", overrides)


def test_unknown_cold_temperature_is_refused() -> None:
    with pytest.raises(InvalidProblemError, match="unknown temperature class 'lukewarm'"):
        resolve("historic", {"cold_temperature": "lukewarm"})


def test_seconds_reads_hhmm() -> None:
    assert seconds(resolve("historic", {}), "release_start") == 9 * 3600
    assert seconds(resolve("historic", {}), "release_end") == 14 * 3600


def test_docs_table_lists_every_parameter_with_its_kind() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for p in PARAMS.values():
        row = re.search(rf"^\| `{p.name}` \|.*$", text, flags=re.MULTILINE)
        assert row is not None, f"docs/scenarios.md has no row for {p.name}"
        assert f"| {p.kind} |" in row.group(0), f"docs/scenarios.md: kind of {p.name} should be {p.kind}"


def test_numpy_numbers_are_taken_as_python_numbers() -> None:
    """A sweep written with numpy (``for n in np.arange(...)``) passes numpy scalars."""
    v = resolve("historic", {"orders": np.int64(30), "riders": np.int32(4), "cold_share": np.float32(0.25),
                             "orders_per_rider": np.int64(5)})
    assert v["orders"] == 30 and type(v["orders"]) is int
    assert v["riders"] == 4 and type(v["riders"]) is int
    assert v["cold_share"] == pytest.approx(0.25) and type(v["cold_share"]) is float
    assert v["orders_per_rider"] == 5.0 and type(v["orders_per_rider"]) is float


def test_a_wrong_type_says_what_the_parameter_takes() -> None:
    with pytest.raises(InvalidProblemError, match=r"parameter 'riders' must be an integer or None, got 1\.5"):
        resolve("historic", {"riders": 1.5})
    with pytest.raises(InvalidProblemError, match=r"parameter 'orders' must be an integer, got '20'"):
        resolve("historic", {"orders": "20"})


def test_seed_takes_numpy_integers_and_refuses_a_negative_one() -> None:
    from medroute.scenarios import load

    sc = load("historic", seed=np.int64(3), backend="haversine")
    assert type(sc.seed) is int
    assert sc.problem.to_json() == load("historic", seed=3, backend="haversine").problem.to_json()
    with pytest.raises(InvalidProblemError, match="seed must be a non-negative integer, got -1"):
        load("historic", seed=-1)


@pytest.mark.parametrize(("overrides", "name", "rule"), [
    ({"riders": 10**9}, "riders", "between 1 and 100,000"),
    ({"orders": 10**7}, "orders", "between 1 and 100,000"),
    ({"riders": None, "orders_per_rider": 1e-9}, "orders_per_rider", "more than 100,000 riders"),
    ({"orders_per_rider": float("inf")}, "orders_per_rider", "finite"),
    ({"ml_per_g": float("inf")}, "ml_per_g", "finite"),
    ({"weight_rsud": float("inf")}, "weight_rsud", "finite"),
])
def test_sizes_past_any_day_and_infinite_numbers_are_refused_before_generating(
        overrides: dict[str, Any], name: str, rule: str) -> None:
    """They hung (a billion riders allocated) or failed deep inside with OverflowError."""
    from medroute.scenarios import load

    with pytest.raises(InvalidProblemError, match=f"parameter '{name}'.*{rule}"):
        load("historic", backend="haversine", **overrides)
