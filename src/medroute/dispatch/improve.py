"""Anytime improvement of the current plan between events: ruin and recreate on the planning
problem, under the dispatcher's full objective (lead time and lateness included, which the
cheapest detour and PyVRP's search do not see).

One round removes a few related orders (one order at random and those nearest to it, by
pharmacy and door) and puts them back by cheapest feasible insertion, each where it adds least
to the objective; the result replaces the current best if it scores lower (objective plus the
stability penalty). Rounds are deterministic for a seed, so a number of rounds is a work budget:
the same state, seed and rounds give the same plan.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..insertion import Deadline, FullCostInserter, repair
from .replan import KEEP_COMPARE, Pool, Scored

RUIN_SHARE = 0.15
"""Share of the routed orders one round removes (at least 2, at most :data:`RUIN_MAX`)."""
RUIN_MAX = 12
"""Most orders one round removes (more makes a round slow on large days)."""
ROUND_S = 5.0
"""Wall-clock cap of one round's insertion when improving by the clock, seconds (a round cut by
it compares fewer positions per order)."""


@dataclass
class Improvement:
    """The best plan found from one replan's pool, and the rounds spent on it."""

    pool: Pool
    best: Scored
    rounds: int = 0
    improved: int = 0

    def adopt(self, cand: Scored | None) -> bool:
        """Count a round; keep ``cand`` if it ranks before the best. Whether it did."""
        self.rounds += 1
        if cand is None or cand.rank[:2] >= self.best.rank[:2]:
            return False
        self.best = cand
        self.improved += 1
        return True


def _related(pool: Pool, routes: tuple[tuple[int, ...], ...], rng: np.random.Generator) -> list[int]:
    """A random routed order (not on board) and the ones nearest to it, by pharmacy and door."""
    inst = pool.built.plan_inst
    routed = sorted({k for seq in routes for v in seq for k in (inst.order_of(v),) if inst.carried_by[k] < 0})
    if not routed:
        return []
    size = min(RUIN_MAX, max(2, round(RUIN_SHARE * len(routed))), len(routed))
    seed = routed[int(rng.integers(len(routed)))]
    dur = inst.duration(0)
    ks = np.array(routed)
    loc = inst.node_loc
    gap = dur[loc[seed], loc[ks]] + dur[loc[inst.delivery(seed)], loc[ks + inst.n]]
    return [int(ks[i]) for i in np.argsort(gap, kind="stable")[:size]]


def ruin_recreate(pool: Pool, best: Scored, rng: np.random.Generator, clock: Deadline) -> Scored | None:
    """One round from ``best`` (see the module docstring): the new plan scored, or ``None``."""
    inst = pool.built.plan_inst
    out = set(_related(pool, best.routes, rng))
    if not out:
        return None
    ruined = [[v for v in seq if inst.order_of(v) not in out] for seq in best.routes]
    fixed, reasons, _ = repair(inst, ruined, FullCostInserter(inst, compare=KEEP_COMPARE), clock)
    return pool.score("improved", fixed, reasons)


def run_rounds(imp: Improvement, *, seed: int, rounds: int | None, clock: Deadline) -> None:
    """Improve ``imp`` for ``rounds`` more rounds (a work budget: no round reads a clock, so the
    plan is the same on any machine), or while ``clock`` lasts when ``rounds`` is ``None``.
    Round ``i`` draws from ``(seed, i)``."""
    goal = None if rounds is None else imp.rounds + rounds
    while (goal is None or imp.rounds < goal) and (goal is not None or not clock.over()):
        cap = math.inf if goal is not None else max(0.05, min(ROUND_S, clock.left()))
        imp.adopt(ruin_recreate(imp.pool, imp.best, np.random.default_rng((seed, imp.rounds)), Deadline(cap)))


class Background:
    """A thread improving the dispatcher's current :class:`Improvement` until :meth:`stop`.

    Each round works on a snapshot without the lock, and takes it only to adopt its result, so a
    replan waits for at most that; a round started before a replan is dropped (its pool is gone).
    :meth:`stop` is clean: the round in progress finishes, then the thread ends.

    Parameters
    ----------
    current
        Returns the improvement to work on (``None``: nothing to improve yet); called under ``lock``.
    seed
        Seed of the rounds.
    lock
        The dispatcher's lock.
    """

    def __init__(self, current: Callable[[], Improvement | None], *, seed: int, lock: threading.RLock) -> None:
        self.current = current
        self.seed = seed
        self.lock = lock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="medroute-improver", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self.lock:
                imp = self.current()
                if imp is not None:
                    best, rounds = imp.best, imp.rounds
            if imp is None:
                self._stop.wait(0.05)
                continue
            cand = ruin_recreate(imp.pool, best, np.random.default_rng((self.seed, rounds)), Deadline(ROUND_S))
            with self.lock:
                if self.current() is imp and imp.rounds == rounds:
                    imp.adopt(cand)

    def stop(self) -> None:
        """Ask the thread to stop after the round in progress, and wait for it."""
        self._stop.set()
        self._thread.join()

    @property
    def alive(self) -> bool:
        """Whether the thread still runs."""
        return self._thread.is_alive()
