"""What runs where a part is solved (a pool process, a Dask worker, or here): one group of orders
and riders planned with ``auto`` (without its decompose stage) from a start plan — the given one,
or the greedy plan, complete however small the part's share of the clock — its travel computed
there when a backend is given, the plan split back into the parts it came from."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ..compile import compile_problem
from ..engines.base import Engine
from ..geo import Location
from ..matrices import sub_matrix
from ..model import Problem
from ..schedule import build_solution, node_routes
from ..solution import Solution
from ..stop import Budget
from ..travel.base import TravelArrays, TravelBackend, TravelMatrix
from .travel import block_for

MIN_SECONDS = 0.05
"""Shortest clock a task is given, seconds."""


@dataclass(frozen=True, eq=False)
class Task:
    """One group of orders and riders to plan.

    Attributes
    ----------
    problem
        The group (a part, or two neighbouring parts).
    stop
        Its criterion (a clock covers computing its travel).
    seed
        Random seed.
    matrices
        Its travel, per profile; ``None``: compute it from the backend the task is run
        with, together with the block to ``extra``.
    extra
        Places of the neighbouring parts (the block's further columns).
    initial
        A plan to start from.
    parts
        To split the plan back: per part, its rider ids and the ids of its orders before.
    start_s
        Seconds the greedy start (made when ``initial`` is ``None``) may take if that is
        longer than what is left of ``stop``'s clock: the whole search's time left, so that the
        start is complete (greedy leaves the orders it did not reach in time unassigned) unless
        the search itself is out of time.
    issued
        ``time.time()`` when the task was made: the clocks count from then (the seconds a task
        spends on its way to a worker are part of them).
    """

    problem: Problem
    stop: Budget
    seed: int
    matrices: Mapping[str, TravelMatrix] | None = None
    extra: tuple[Location, ...] = ()
    initial: Solution | None = None
    parts: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    start_s: float = 0.0
    issued: float = 0.0


@dataclass(frozen=True, eq=False)
class Outcome:
    """What a task found.

    Attributes
    ----------
    solution
        The plan of the task's problem.
    parts
        The plan split back into the task's parts (``(solution,)`` for a single part), with
        each part's orders: those its riders serve, and its own orders nobody serves.
    blocks
        The block computed (rows: the problem's places; columns: those and ``extra``).
    travel_s
        Seconds spent computing travel.
    """

    solution: Solution
    parts: tuple[tuple[Solution, tuple[str, ...]], ...]
    blocks: Mapping[str, TravelArrays] | None
    travel_s: float


def part_engine() -> Engine:
    """``auto`` for a group that has a complete start plan: without its decompose stage (the group
    is planned whole), its construction and its greedy stage, which the start plan makes
    redundant (``docs/decompose.md``, "How")."""
    from ..engines.portfolio import STAGES, AutoEngine

    return AutoEngine(stages=tuple(s for s in STAGES if s.name not in ("decompose", "construct", "greedy")))


def run(task: Task, backend: TravelBackend | None) -> Outcome:
    """Plan ``task`` (its travel from ``backend`` when it brings none)."""
    from ..solve import solve

    t0 = time.perf_counter() - _transit(task)
    blocks = None
    if task.matrices is None:
        assert backend is not None
        mats, blocks = block_for(backend, task.problem, task.extra)
    else:
        mats = dict(task.matrices)
    travel_s = time.perf_counter() - t0
    start = task.initial
    if start is None:  # a complete plan to search from, however short the part's share of the clock
        own = _left(task.stop, t0)
        clock = replace(own, seconds=max(own.seconds, task.start_s - (time.perf_counter() - t0)))
        start = solve(task.problem, engine="greedy", stop=clock, seed=task.seed, matrix=mats)
    if task.initial is None and task.stop.seconds - (time.perf_counter() - t0) < MIN_SECONDS:
        sol = start  # the start took the task's clock: a search would only check it again
    else:
        sol = solve(task.problem, engine=part_engine(), stop=_left(task.stop, t0), seed=task.seed, matrix=mats,
                    initial=start)
    if not task.parts:
        return Outcome(sol, ((sol, tuple(o.id for o in task.problem.orders)),), blocks, travel_s)
    return Outcome(sol, tuple(_split(task.problem, mats, sol, riders, orders) for riders, orders in task.parts),
                   blocks, travel_s)


def _transit(task: Task) -> float:
    """Seconds since ``task`` was issued (0 when it was not stamped; at most the longest clock it
    has, in case the worker's wall clock is ahead of the issuer's)."""
    if not task.issued or not math.isfinite(task.stop.seconds):
        return 0.0
    return min(max(0.0, time.time() - task.issued), max(task.stop.seconds, task.start_s))


def _left(stop: Budget, t0: float) -> Budget:
    """``stop`` less the seconds since ``t0`` (at least :data:`MIN_SECONDS`)."""
    if not math.isfinite(stop.seconds):
        return stop
    return replace(stop, seconds=max(MIN_SECONDS, stop.seconds - (time.perf_counter() - t0)))


def _split(problem: Problem, mats: Mapping[str, TravelMatrix], sol: Solution, riders: Sequence[str],
           before: Sequence[str]) -> tuple[Solution, tuple[str, ...]]:
    """The part of ``sol`` of ``riders``: their routes, and the orders of ``before`` nobody serves."""
    mine = set(riders)
    served = {oid for route in sol.routes for oid in route.orders}
    orders = {oid for route in sol.routes if route.rider in mine for oid in route.orders}
    orders |= {oid for oid in before if oid not in served}
    sub = problem.replace(orders=tuple(o for o in problem.orders if o.id in orders),
                          riders=tuple(r for r in problem.riders if r.id in mine),
                          pharmacies=tuple(p for p in problem.pharmacies
                                           if any(problem.order[oid].pharmacy == p.id for oid in orders)))
    inst = compile_problem(sub, sub_matrix(problem, dict(mats), sub))
    index = {o.id: k for k, o in enumerate(sub.orders)}
    reasons = {index[u.order]: u.reason for u in sol.unassigned if u.order in index}
    part = build_solution(inst, node_routes(inst, sol), reasons=reasons, engine=sol.engine, seed=sol.seed)
    return replace(part, travel=sol.travel), tuple(o.id for o in sub.orders)
