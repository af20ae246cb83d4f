"""A province's days at once (``medroute.scenarios.province``)."""

from __future__ import annotations

import numpy as np
import pytest

from medroute.errors import InvalidProblemError
from medroute.scenarios import province


def test_days_cycle_through_the_towns_with_consecutive_seeds() -> None:
    days = province(np.int64(4), orders=6, seed=3)
    assert [(d.name, d.seed) for d in days] == [("expanded", 3), ("probolinggo", 4), ("surabaya", 5), ("expanded", 6)]
    assert province(0) == []


@pytest.mark.parametrize("days", [-1, 2.5, True, "3"])
def test_a_count_of_days_that_is_not_a_non_negative_integer_is_refused(days: object) -> None:
    with pytest.raises(InvalidProblemError, match="days must be a non-negative integer"):
        province(days)  # type: ignore[arg-type]


def test_no_town_is_refused() -> None:
    with pytest.raises(InvalidProblemError, match="at least one town"):
        province(2, towns=())
