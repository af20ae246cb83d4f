"""Work units: each engine's own count (PyVRP iterations, OR-Tools search steps) per reference second.

Read only when a stop counts work (:func:`medroute.stop.MaxWork`, :func:`~medroute.stop.NoImprovement`):
a clock-only stop never looks here. The speeds are measured data, not constants: the committed
``work_rates.json`` beside this module, written by ``benchmarks/engine_speed.py --write-rates`` on the
reference machine it describes (its ``machine`` entry). Between the measured sizes the speed is
interpolated on a log-log scale, beyond them held at the nearest one, so that a unit is a fixed,
machine-independent amount of work for a given instance.
"""

from __future__ import annotations

import json
import math
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

RATES_FILE = Path(__file__).with_name("work_rates.json")
"""The committed measurements."""


@cache
def rates() -> dict[str, Any]:
    """The measurements of :data:`RATES_FILE` (``machine``, ``command`` and one table per engine)."""
    data: dict[str, Any] = json.loads(RATES_FILE.read_text(encoding="utf-8"))
    return data


def per_unit(table: str, size: float) -> float:
    """Native work (iterations, steps) in one reference second on an instance of ``size``.

    Parameters
    ----------
    table
        The measurement table (``"pyvrp"``: size = PyVRP nodes; ``"ortools"``,
        ``"ortools_soft"``: size = orders, without and with soft delivery targets).
    size
        The instance's size in the table's measure.
    """
    points = sorted((float(s), float(r)) for s, r in rates()[table]["rates"])
    x = math.log(max(1.0, size))
    logs = [(math.log(s), math.log(r)) for s, r in points]
    if x <= logs[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in pairwise(logs):
        if x <= x1:
            return math.exp(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return points[-1][1]
