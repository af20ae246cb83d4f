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
    node ``n + k``), reasons for orders it left out, and free-text notes. ``clock_stopped`` is
    ``True`` when the clock, not a work budget (iterations, search steps), ended some search: only
    then may the same seed give a different plan. ``alternatives``: other plans the engine found
    and could not rank against ``routes`` by the caller's objective (same layout), for a portfolio."""

    routes: tuple[tuple[int, ...], ...]
    reasons: dict[int, Reason] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    clock_stopped: bool = False
    alternatives: tuple[tuple[tuple[int, ...], ...], ...] = ()


CLOCK_STOPPED_NOTE = "the clock, not the work budget, ended the search: the same seed may give a different plan"
"""The note :func:`medroute.solve` adds to a solution whose engine reported ``clock_stopped``."""


@dataclass(frozen=True, slots=True)
class Relaxation:
    """Something of an instance an engine cannot model.

    Attributes
    ----------
    what : a sentence fragment naming the feature and the orders it concerns.
    hard : ``True`` if the engine's plan may break a rule because of it (budgets, windows), so
        its routes must be re-timed and repaired; ``False`` if only the objective differs.
    orders : the order indices concerned.
    """

    what: str
    hard: bool
    orders: tuple[int, ...]


MAX_LISTED = 5
"""How many order ids a sentence names before it says "and N more"."""


def order_ids(inst: Instance, ks: Sequence[int]) -> str:
    """``'rx-1', 'rx-2' and 3 more``: the ids of orders ``ks`` for a sentence."""
    names = [repr(inst.problem.orders[k].id) for k in ks[:MAX_LISTED]]
    more = f" and {len(ks) - MAX_LISTED} more" if len(ks) > MAX_LISTED else ""
    return ", ".join(names) + more


def routed_orders(inst: Instance) -> list[int]:
    """Orders an engine routes: the open ones plus any already on board (they must be delivered)."""
    flagged = set(inst.flagged)
    return [k for k in range(inst.n) if k not in flagged or inst.carried_by[k] >= 0]


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
