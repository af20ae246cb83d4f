"""A province's days at once: several towns' (and regencies') delivery days to plan together, the
batch that :func:`medroute.batch.solve_many` runs on a Dask cluster (``docs/batch.md``)."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from ..defaults import DEFAULT_DAY
from ..errors import InvalidProblemError
from ..scalars import Integer
from . import Scenario, load

PROVINCE_TOWNS = ("expanded", "probolinggo", "surabaya")
"""The East Java towns a province batch cycles through by default: Banyuwangi's facilities and
the Probolinggo and Surabaya stand-ins."""


def province(days: Integer = 4, *, towns: Sequence[str] = PROVINCE_TOWNS, seed: Integer = 0,
             start: date = DEFAULT_DAY, **overrides: Any) -> list[Scenario]:
    """``days`` generated days: day ``i`` is town ``towns[i % len(towns)]``, dated
    ``start + i // len(towns)`` days, generated with seed ``seed + i``.

    Parameters
    ----------
    days
        How many days (problems).
    towns
        Scenario names (:func:`medroute.scenarios.names`).
    seed
        The first day's seed.
    start
        The date of the first round of towns.
    **overrides
        Generator parameters for every day (e.g. ``orders=500``).

    Returns
    -------
    list of Scenario
        Days of the same town share one travel backend (``scenario.travel_backend``): pass them
        as ``solve_many(..., matrices=[s.travel_backend for s in days])`` and each road graph is
        sent to the workers once.

    Raises
    ------
    InvalidProblemError
        ``days`` is not a non-negative integer, ``towns`` is empty, or :func:`load` refuses a day.
    """
    if isinstance(days, bool) or not isinstance(days, numbers.Integral) or days < 0:
        raise InvalidProblemError(f"province: days must be a non-negative integer, got {days!r}")
    if not towns:
        raise InvalidProblemError("province: give at least one town")
    return [load(towns[i % len(towns)], seed=seed + i,
                 day=(start + timedelta(days=i // len(towns))).isoformat(), **overrides) for i in range(days)]
