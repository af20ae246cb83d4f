"""The engine contract: a protocol every engine satisfies, and what it returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..compile import Instance
from ..reasons import Reason


@dataclass(frozen=True)
class EngineResult:
    """What an engine found: one node sequence per rider (pickup ``k`` = node ``k``, delivery =
    node ``n + k``), reasons for orders it left out, and free-text notes."""

    routes: tuple[tuple[int, ...], ...]
    reasons: dict[int, Reason] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@runtime_checkable
class Engine(Protocol):
    """A solver. ``supports`` returns ``True`` or a sentence saying what it cannot model."""

    name: str

    def supports(self, instance: Instance) -> bool | str:
        ...

    def solve(self, instance: Instance, *, time_limit: float, seed: int,
              initial: Sequence[Sequence[int]] | None = None) -> EngineResult:
        """Search for at most ``time_limit`` seconds; same ``seed`` → same result.
        ``initial`` optionally warm-starts from per-rider node sequences."""
        ...
