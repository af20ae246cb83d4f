"""Where a fuzz trial's choices come from: a seeded ``random.Random`` (the campaign in
``benchmarks/fuzz.py``) or hypothesis (the bounded slice in ``tests/fuzz``), behind one interface so
that both run the same trials and hypothesis can shrink a failure to its smallest choices."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")


class Picker(Protocol):
    """A source of choices."""

    def int(self, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]``."""
        ...

    def choice(self, items: Sequence[T]) -> T:
        """One of ``items`` (not empty)."""
        ...

    def chance(self, p: float) -> bool:
        """True with probability about ``p``."""
        ...


class RandomPicker:
    """Choices from a seeded :class:`random.Random`."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def int(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, items: Sequence[T]) -> T:
        return items[self.rng.randrange(len(items))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


class DataPicker:
    """Choices drawn from hypothesis (``st.data()``), so failures shrink."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def int(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))

    def choice(self, items: Sequence[T]) -> T:
        return items[self.data.draw(st.integers(0, len(items) - 1))]

    def chance(self, p: float) -> bool:
        return self.data.draw(st.integers(0, 999)) < p * 1000
