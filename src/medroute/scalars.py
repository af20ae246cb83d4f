"""The number types the public API takes: Python's numbers and numpy's scalars (``np.int64`` read
from a table, the items of ``np.arange`` in a sweep), which it stores as Python's."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np

Integer: TypeAlias = int | np.integer[Any]
"""An integer, Python's or numpy's."""

Real: TypeAlias = float | np.integer[Any] | np.floating[Any]
"""A real number, Python's or numpy's (an integer among them)."""
