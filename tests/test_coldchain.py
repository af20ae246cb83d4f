"""Temperature classes and their sourced defaults."""

from __future__ import annotations

import pytest

from medroute import InvalidProblemError
from medroute.coldchain import CLASSES, temperature_class


def test_classes_follow_usp_ranges_and_carry_a_source() -> None:
    assert (CLASSES["refrigerated"].min_c, CLASSES["refrigerated"].max_c) == (2.0, 8.0)
    assert (CLASSES["frozen"].min_c, CLASSES["frozen"].max_c) == (-25.0, -10.0)
    for cls in CLASSES.values():
        assert "USP" in cls.source
        assert cls.needs_coolbox == (cls.name != "ambient")
        assert cls.needs_coolbox == (cls.budget_s is not None)


def test_refrigerated_budget_is_within_the_practical_two_to_four_hours() -> None:
    assert 2 * 3600 <= CLASSES["refrigerated"].budget_s <= 4 * 3600  # type: ignore[operator]


def test_unknown_class_lists_the_known_ones() -> None:
    with pytest.raises(InvalidProblemError, match="order 'x': unknown temperature class 'warm'; known: ambient"):
        temperature_class("warm", where="order 'x'")
