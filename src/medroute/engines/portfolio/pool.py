"""The candidate pool: feasible plans from any source, ranked by the instance's objective.

``auto`` puts every stage's plan here; a caller can seed it with its own plans (the live
dispatcher's previous plan, a plan from another tool) and take the best one that passes the
independent checker::

    pool = CandidatePool(inst)
    pool.add("previous", previous_routes)
    pool.add("greedy", GreedyEngine().solve(inst, stop=MaxRuntime(1), seed=0).routes)
    best = pool.checked_best()

Every plan is repaired on the way in (deliveries of items on board put in an order that times
when theirs no longer does, orders on routes that do not time taken off and put back by cheapest
feasible insertion, :func:`~medroute.insertion.repair`), so what the pool holds always times
route by route.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ...compile import Instance
from ...insertion import Deadline, Inserter, plan_objective, repair
from ...reasons import Reason

Plan = tuple[tuple[int, ...], ...]
"""Per-rider node sequences (pickup ``k`` = node ``k``, delivery = node ``n + k``)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A feasible plan in the pool.

    Attributes
    ----------
    stage
        Where it came from (``"+repair"`` appended when the repair moved orders).
    routes
        The plan.
    objective
        Medroute's objective, cost units (routing, lateness, riders, unserved orders).
    unserved_required
        Required open orders it leaves out.
    reasons
        Why it leaves the others out (by order index).
    notes
        Sentences its source attached.
    index
        Insertion order (breaks ties: the earlier plan wins).
    """

    stage: str
    routes: Plan
    objective: float
    unserved_required: int
    reasons: Mapping[int, Reason] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    index: int = 0

    @property
    def rank(self) -> tuple[int, float, int]:
        """Fewest unserved required orders first, then the lowest objective, then the earliest."""
        return self.unserved_required, self.objective, self.index


class CandidatePool:
    """Feasible plans for one instance, ranked by :attr:`Candidate.rank`.

    Parameters
    ----------
    instance
        The compiled problem every plan is for.
    """

    def __init__(self, instance: Instance) -> None:
        self.inst = instance
        self.candidates: list[Candidate] = []

    @cached_property
    def inserter(self) -> Inserter:
        """The insertion the repairs use, built when first needed (its cost matrices are as
        large as the instance's travel matrices)."""
        return Inserter(self.inst)

    def __len__(self) -> int:
        return len(self.candidates)

    def add(self, stage: str, routes: Sequence[Sequence[int]], reasons: Mapping[int, Reason] | None = None,
            notes: Sequence[str] = (), *, seconds: float = math.inf) -> Candidate | None:
        """Repair ``routes`` (within ``seconds`` of wall time for reinsertion) and keep the result.

        Returns
        -------
        Candidate or None
            The kept candidate, or ``None`` if the repaired plan still does not time.
        """
        inst = self.inst
        fixed, more, removed = repair(inst, routes, self.inserter, Deadline(max(0.0, seconds)))
        objective = plan_objective(inst, fixed)
        if objective is None:
            return None
        served = {inst.order_of(v) for s in fixed for v in s}
        missing = sum(1 for k in inst.open_orders if inst.required[k] and k not in served)
        kept = {k: r for k, r in {**more, **(reasons or {})}.items() if k not in served}
        name = stage if removed == 0 else f"{stage}+repair"
        cand = Candidate(name, tuple(tuple(s) for s in fixed), objective, missing, kept, tuple(notes),
                         len(self.candidates))
        self.candidates.append(cand)
        return cand

    def discard(self, stage: str) -> None:
        """Drop the candidates of ``stage``."""
        self.candidates = [c for c in self.candidates if c.stage.split("+")[0] != stage]

    def best(self) -> Candidate | None:
        """The best-ranked candidate, or ``None`` for an empty pool."""
        return min(self.candidates, key=lambda c: c.rank, default=None)

    def ranked(self) -> list[Candidate]:
        """Every candidate, best first."""
        return sorted(self.candidates, key=lambda c: c.rank)

    def checked_best(self, rejected: list[str] | None = None) -> Candidate | None:
        """The best candidate that passes :func:`medroute.check`; each one rejected on the way
        adds a sentence to ``rejected``."""
        for cand in self.ranked():
            problems = violations(self.inst, cand.routes)
            if not problems:
                return cand
            if rejected is not None:
                rejected.append(f"{cand.stage}: rejected by medroute.check ({problems[0]})")
        return None


def violations(inst: Instance, routes: Sequence[Sequence[int]]) -> list[str]:
    """Violations :func:`medroute.check` finds in ``routes`` (as sentences; empty = feasible)."""
    from ...check import check
    from ...errors import EngineError
    from ...schedule import build_solution

    try:
        solution = build_solution(inst, routes, engine="auto")
    except EngineError as exc:
        return [str(exc)]
    return [str(v) for v in check(inst.problem, solution, matrix=dict(inst.matrices))]
