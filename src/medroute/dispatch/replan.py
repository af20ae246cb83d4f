"""Replanning over a pool of candidate plans of the planning problem, and mapping the winner back.

Candidates (node sequences of the planning problem, see :mod:`medroute.dispatch.live`):

* **keep**: the previous plan repaired (deliveries of items on board put in an order that times
  when theirs no longer does, then stops that no longer time dropped) and completed by cheapest
  feasible insertion, each order where it adds least to the objective;
* **improved**: the best plan the improver found since the last replan (background or
  :meth:`~medroute.dispatch.Dispatcher.improve`), folded into the new state the same way;
* the **engine**'s plan, warm-started from the best of those for the rest of the budget.

Each candidate scores its objective (Rupiah, the dispatcher's :class:`~medroute.model.Objective`)
plus ``stability_rp`` for every order it gives to another rider than the previous plan did; the
lowest score that maps back to a plan passing :func:`medroute.check` on the live problem wins.
Every engine call of the dispatcher goes through :func:`engine_candidate`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..check import check
from ..compile import COST_SCALE
from ..engines.base import Engine
from ..engines.portfolio import AutoEngine, CandidatePool
from ..engines.portfolio.pool import Candidate
from ..errors import EngineError
from ..insertion import FullCostInserter, board_deadline, plan_objective
from ..reasons import Reason
from ..schedule import build_solution
from ..solution import Solution
from ..stats import SolveStats
from ..stop import Budget, MaxRuntime, MaxWork
from .live import Built

KEEP_COMPARE = 60
"""Feasible insertion positions compared by their full cost (lateness and lead time included), per
order, wherever the dispatcher inserts; the cheapest detour alone ignores the patients."""

LiveRoutes = Mapping[str, Sequence[tuple[str, str]]]
"""A plan in live terms: rider id → ``(kind, order id)`` stops in order."""


@dataclass(frozen=True)
class Scored:
    """A candidate of the pool with the dispatcher's score.

    Attributes
    ----------
    candidate
        The plan (:class:`~medroute.engines.portfolio.pool.Candidate`: stage, routes, objective in
        cost units, required orders left out, reasons).
    moves
        Orders it gives to another rider than the previous plan did.
    score
        The objective plus the stability penalty of ``moves``, cost units.
    """

    candidate: Candidate
    moves: int
    score: float

    @property
    def stage(self) -> str:
        return self.candidate.stage

    @property
    def routes(self) -> tuple[tuple[int, ...], ...]:
        return self.candidate.routes

    @property
    def rank(self) -> tuple[int, float, int]:
        """Fewest required orders left out, then the lowest score, then the earliest added."""
        return self.candidate.unserved_required, self.score, self.candidate.index


class Pool:
    """The candidates of one replan: a :class:`~medroute.engines.portfolio.CandidatePool` of the
    planning problem (shared with ``auto``, which adds its stages' plans to it), ranked with the
    stability penalty against the previous plan's rider of each order.

    Parameters
    ----------
    built
        The replan's problems.
    previous
        Order id → the rider the previous plan gave it to.
    stability_rp
        Penalty per order given to another rider, Rupiah.
    """

    def __init__(self, built: Built, previous: Mapping[str, str], stability_rp: float) -> None:
        self.built = built
        self.previous = previous
        self.stability_rp = stability_rp
        self.plans = CandidatePool(built.plan_inst)
        self.inserter = self.plans.inserter = FullCostInserter(built.plan_inst, compare=KEEP_COMPARE)

    def add(self, stage: str, routes: Sequence[Sequence[int]], reasons: Mapping[int, Reason] | None = None, *,
            seconds: float) -> Scored | None:
        """Repair ``routes`` (reinsertion within ``seconds``), keep them, and score them."""
        cand = self.plans.add(stage, routes, reasons, seconds=seconds)
        return None if cand is None else self._scored(cand)

    def score(self, stage: str, routes: Sequence[Sequence[int]], reasons: Mapping[int, Reason]) -> Scored | None:
        """``routes`` (which should time) scored but not kept; ``None`` if a route does not time."""
        inst = self.built.plan_inst
        obj = plan_objective(inst, routes)
        if obj is None:
            return None
        served = {inst.order_of(v) for s in routes for v in s}
        missing = sum(1 for k in inst.open_orders if inst.required[k] and k not in served)
        return self._scored(Candidate(stage, tuple(tuple(s) for s in routes), obj, missing, dict(reasons)))

    def _scored(self, cand: Candidate) -> Scored:
        inst = self.built.plan_inst
        moves = 0
        for r, seq in enumerate(cand.routes):
            rid = self.built.plan.riders[r].id
            for v in seq:
                if inst.is_pickup(v):
                    before = self.previous.get(self.built.plan.orders[inst.order_of(v)].id)
                    moves += before is not None and before != rid
        return Scored(cand, moves, cand.objective + self.stability_rp * COST_SCALE * moves)

    def ranked(self) -> list[Scored]:
        """Every candidate, best first (see :attr:`Scored.rank`)."""
        return sorted((self._scored(c) for c in self.plans.candidates), key=lambda c: c.rank)

    def best(self) -> Scored | None:
        """The best candidate, if any."""
        ranked = self.ranked()
        return ranked[0] if ranked else None


def previous_riders(routes: LiveRoutes) -> dict[str, str]:
    """Order id → the rider a plan gives it to."""
    return {oid: rid for rid, stops in routes.items() for _, oid in stops}


def planning_routes(built: Built, routes: LiveRoutes) -> list[list[int]]:
    """``routes`` (live terms) as node sequences of the planning problem.

    Committed stops are left out (they are folded); stops of orders the planning problem does not
    hold are dropped. Items on board the routes do not deliver (new, failed and retried, taken
    back) go last, earliest deadline first; the repair re-times and re-inserts the rest (the
    insertion cannot add them one by one: a route times only with all its items delivered).
    """
    inst = built.plan_inst
    oindex = {o.id: k for k, o in enumerate(built.plan.orders)}
    out: list[list[int]] = []
    for rider in built.plan.riders:
        seq: list[int] = []
        stops = list(routes.get(rider.id, ()))
        if stops and tuple(stops[0]) == built.committed.get(rider.id):
            stops = stops[1:]
        for kind, oid in stops:
            k = oindex.get(oid)
            if k is None:
                continue
            if kind == "pickup":
                if inst.carried_by[k] < 0:
                    seq.append(inst.pickup(k))
            else:
                seq.append(inst.delivery(k))
        out.append(seq)
    for r, seq in enumerate(out):
        present = {inst.order_of(v) for v in seq if not inst.is_pickup(v)}
        extra = [k for k in inst.carried[r] if k not in present]
        extra.sort(key=lambda k: (board_deadline(inst, k), k))
        seq.extend(inst.delivery(k) for k in extra)
    return out


def keep_candidate(pool: Pool, stage: str, routes: LiveRoutes, seconds: float) -> Scored | None:
    """``routes`` repaired on the planning problem and completed by insertion within ``seconds``."""
    return pool.add(stage, planning_routes(pool.built, routes), seconds=seconds)


def engine_candidate(pool: Pool, engine: Engine, *, stop: Budget, seed: int, repair_s: float) -> SolveStats:
    """``engine`` on the planning problem until ``stop``, its plans added to ``pool``: ``auto``
    searches from the pool and adds every stage's plan; another engine is warm-started from the
    pool's best plan and its plan repaired within ``repair_s``. Returns the engine's search stats."""
    inst = pool.built.plan_inst
    if isinstance(engine, AutoEngine):
        pool.inserter.finish = False  # auto's stages are clock-bound (a cut construction is dropped)
        try:
            return engine.solve(inst, stop=stop, seed=seed, pool=pool.plans).stats
        finally:
            pool.inserter.finish = True
    best = pool.best()
    res = engine.solve(inst, stop=stop, seed=seed, initial=best.routes if best is not None else None)
    pool.add(engine.name, res.routes, res.reasons, seconds=max(0.02, repair_s))
    return res.stats


def to_live(built: Built, cand: Scored, seed: int) -> Solution | str:
    """Map ``cand`` back to the live problem, committed stops in front, time it with the planning
    problem's budgets where it can (:attr:`Built.live_timing`), and check it.

    Returns the solution, or why it cannot be used.
    """
    pi, li = built.plan_inst, built.live_inst
    lindex = {o.id: k for k, o in enumerate(built.live.orders)}
    live_routes: list[list[int]] = []
    for r in range(li.m):
        seq = [built.first[r]] if r in built.first else []
        for v in cand.routes[r]:
            k = lindex[built.plan.orders[pi.order_of(v)].id]
            seq.append(li.pickup(k) if pi.is_pickup(v) else li.delivery(k))
        live_routes.append(seq)
    served = {li.order_of(v) for s in live_routes for v in s if not li.is_pickup(v)}
    missing = [oid for k in range(li.n) if li.carried_by[k] >= 0 and k not in served
               and (oid := built.live.orders[k].id) not in built.stranded]
    if missing:
        return f"items on board left out: {missing}"
    reasons = {lindex[built.plan.orders[k].id]: why for k, why in cand.candidate.reasons.items()}
    details = {**built.stranded, **built.blocked}
    reasons |= {lindex[oid]: Reason.SHIFT for oid in details}
    try:
        sol = build_solution(built.live_timing, live_routes, reasons=reasons, engine=cand.stage, seed=seed)
    except EngineError:
        try:  # the margin's timing does not hold from the committed stops: the real budgets
            sol = build_solution(li, live_routes, reasons=reasons, engine=cand.stage, seed=seed)
        except EngineError as exc:
            return str(exc)
    if details:
        sol = dataclasses.replace(sol, unassigned=tuple(
            dataclasses.replace(u, detail=details.get(u.order, u.detail)) for u in sol.unassigned))
    bad = check(built.live, sol, built.live_mats)
    if bad:
        return "; ".join(str(v) for v in bad[:3])
    return sol


def live_routes_of(built: Built, routes: Sequence[Sequence[int]]) -> dict[str, list[tuple[str, str]]]:
    """Planning-problem ``routes`` in live terms (committed stops not included)."""
    inst = built.plan_inst
    return {built.plan.riders[r].id: [("pickup" if inst.is_pickup(v) else "delivery",
                                       built.plan.orders[inst.order_of(v)].id) for v in seq]
            for r, seq in enumerate(routes) if seq}


@dataclass(frozen=True)
class Outcome:
    """The winner of a replan mapped to the live problem, or why nothing was usable."""

    solution: Solution | None
    candidate: Scored | None
    problem: str = ""


def choose(pool: Pool, seed: int) -> Outcome:
    """The best-scoring candidate that maps back to a plan passing the checker."""
    problem = "no candidate times"
    for cand in pool.ranked():
        sol = to_live(pool.built, cand, seed)
        if isinstance(sol, str):
            problem = sol
            continue
        return Outcome(sol, cand)
    return Outcome(None, None, problem)


def solve_pool(pool: Pool, *, engine: Engine | None, previous: LiveRoutes, improved: LiveRoutes | None,
               deadline: float, seed: int, incremental: bool, final: bool, work: float | None = None) -> Outcome:
    """Fill ``pool`` within the wall-clock ``deadline`` (a :func:`time.perf_counter` value) and
    choose (see the module docstring). ``final``: the last attempt, keep candidate only.
    ``work``: a work budget for the engine (:func:`~medroute.stop.MaxWork`) instead of the clock;
    ``deadline`` is then ignored and the candidates are completed at full effort (reproducible).
    The chosen solution's ``stats`` are the engine's search (``None`` when no engine ran),
    whichever candidate won."""
    left = math.inf if work is not None else deadline - time.perf_counter()
    if incremental or engine is None or final:
        share = 0.3 if engine is not None and not final else 0.9
        keep_candidate(pool, "keep", previous, max(0.02, share * left))
        if improved is not None and not final:
            keep_candidate(pool, "improved", improved, max(0.02, 0.2 * left))
    stop: Budget | None = MaxWork(work) if work is not None else None
    repair_s = math.inf
    if work is None:
        left = deadline - time.perf_counter()
        reserve = min(0.3, 0.1 * (left + 0.1)) + 0.02
        stop, repair_s = (MaxRuntime(left - reserve) if left - reserve > 0.05 else None), reserve / 2
    stats = None
    if engine is not None and not final and stop is not None:
        stats = engine_candidate(pool, engine, stop=stop, seed=seed, repair_s=repair_s)
    if not len(pool.plans):
        keep_candidate(pool, "keep", previous, 0.5)
    out = choose(pool, seed)
    if out.solution is None:
        return out
    return dataclasses.replace(out, solution=dataclasses.replace(out.solution, stats=stats))
