"""The engine contract: a protocol every engine satisfies, and what it returns."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from ..compile import NO_LIMIT, Instance
from ..reasons import Reason
from ..stats import Progress, SolveStats
from ..stop import Stop, StopReason


@dataclass(frozen=True)
class EngineResult:
    """What an engine found.

    Attributes
    ----------
    routes
        One node sequence per rider (pickup ``k`` = node ``k``, delivery = node ``n + k``).
    reasons
        Reasons for orders it left out.
    notes
        Free-text notes for people (never for programs: see ``stats``).
    stats
        What stopped the search, with per-stage work and time.
    """

    routes: tuple[tuple[int, ...], ...]
    reasons: dict[int, Reason] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    stats: SolveStats = field(default_factory=lambda: SolveStats(StopReason.DONE, 0.0))

    @property
    def clock_stopped(self) -> bool:
        """Whether the clock ended some part of the search (the same seed may give another plan)."""
        return not self.stats.reproducible


@dataclass(frozen=True, slots=True)
class Relaxation:
    """Something of an instance an engine cannot model.

    Attributes
    ----------
    what
        A sentence fragment naming the feature and the orders it concerns.
    hard
        ``True`` if the engine's plan may break a rule because of it (budgets, windows), so
        its routes must be re-timed and repaired; ``False`` if only the objective differs.
    orders
        The order indices concerned.
    """

    what: str
    hard: bool
    orders: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Support:
    """Whether an engine models a compiled problem whole: true when it does, false with the
    sentence saying what it cannot model (or which package is missing).

    Attributes
    ----------
    reason
        Empty when supported.
    """

    reason: str = ""

    def __bool__(self) -> bool:
        return not self.reason

    def __str__(self) -> str:
        return self.reason or "supported"


SUPPORTED = Support()
"""The engine models the whole problem."""


def relaxed_support(engine: str, found: Sequence[Relaxation]) -> Support:
    """:data:`SUPPORTED` when ``found`` is empty, else the sentence ``"<engine> cannot model …."``
    naming every relaxation."""
    if not found:
        return SUPPORTED
    return Support(f"{engine} cannot model " + "; ".join(x.what for x in found) + ".")


def window_hull(windows: tuple[tuple[int, int], ...]) -> tuple[int, int]:
    """One window from the first opening to the last closing (``(0, -1)`` for none)."""
    if not windows:
        return 0, -1
    return windows[0][0], windows[-1][1]


def relaxed_instance(inst: Instance) -> Instance:
    """``inst`` without out-of-fridge budgets and with each node's windows replaced by their hull:
    the rules a relaxed engine (PyVRP, VROOM) plans under. Timing its plan on this instance gives
    the times it assumed; :func:`medroute.check` on the real problem then shows what the
    relaxation broke."""
    windows = tuple((window_hull(w),) if len(w) > 1 else w for w in inst.windows)
    max_ride = np.full_like(inst.max_ride, NO_LIMIT)
    max_ride.setflags(write=False)
    return dataclasses.replace(inst, windows=windows, max_ride=max_ride)


MAX_LISTED = 5
"""How many order ids a sentence names before it says "and N more"."""


def order_ids(inst: Instance, ks: Sequence[int]) -> str:
    """``'rx-1', 'rx-2' and 3 more``: the ids of orders ``ks`` for a sentence."""
    names = [repr(inst.problem.orders[k].id) for k in ks[:MAX_LISTED]]
    more = f" and {len(ks) - MAX_LISTED} more" if len(ks) > MAX_LISTED else ""
    return ", ".join(names) + more


def relaxation(inst: Instance, ks: Sequence[int], what: str, *, hard: bool) -> list[Relaxation]:
    """``[Relaxation]`` of ``what`` on orders ``ks``, or ``[]`` if ``ks`` is empty; ``{orders}``
    in ``what`` becomes their count and ids (``3 orders ('a', 'b', 'c')``)."""
    if not ks:
        return []
    count = f"{len(ks)} order{'s' if len(ks) != 1 else ''}"
    return [Relaxation(what.format(orders=f"{count} ({order_ids(inst, ks)})"), hard, tuple(ks))]


def ride_budgets(inst: Instance, ks: Sequence[int]) -> list[int]:
    """Orders of ``ks`` with an out-of-fridge budget for some rider allowed to carry them."""
    return [k for k in ks if bool(np.any((inst.max_ride[k] < NO_LIMIT) & inst.allowed[k]))]


def soft_targets(inst: Instance, ks: Sequence[int]) -> list[Relaxation]:
    """The relaxation of an engine whose search ignores soft delivery targets (lateness cost)."""
    late = [k for k in ks if inst.target[k] < NO_LIMIT and inst.late_cost[k] > 0]
    return relaxation(inst, late, "soft delivery targets (lateness cost) on {orders}, ignored by the search",
                      hard=False)


def carried_routes(inst: Instance) -> tuple[tuple[int, ...], ...]:
    """Per rider, the deliveries of the orders already on board: the plan when nothing else is
    planned."""
    routes: list[tuple[int, ...]] = [() for _ in range(inst.m)]
    for k in np.flatnonzero(inst.carried_by >= 0):
        r = int(inst.carried_by[k])
        routes[r] = (*routes[r], inst.delivery(int(k)))
    return tuple(routes)


def routed_orders(inst: Instance) -> list[int]:
    """Orders an engine routes: the open ones plus any already on board (they must be delivered)."""
    flagged = set(inst.flagged)
    return [k for k in range(inst.n) if k not in flagged or inst.carried_by[k] >= 0]


@runtime_checkable
class Engine(Protocol):
    """A solver. ``supports`` says whether it models the instance whole (a :class:`Support`)."""

    name: str

    def supports(self, instance: Instance) -> Support:
        ...

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        """Search until ``stop`` (:mod:`medroute.stop`); the same ``seed`` and a stop that only work
        ends give the same result. ``initial`` optionally warm-starts from per-rider node
        sequences; ``progress`` is called as the best plan improves."""
        ...
