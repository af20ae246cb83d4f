"""A big day planned in parts: :func:`solve_decomposed`, and when ``auto`` does so."""

from __future__ import annotations

import os
import time
from concurrent.futures import Executor
from dataclasses import replace
from typing import Any

from ..matrices import MatrixLike
from ..model import Problem
from ..scalars import Real
from ..solution import Solution
from ..stats import Progress
from ..stop import Meter, Stop
from .partition import PART_SIZE, split
from .search import Search
from .travel import PartTravel

DECOMPOSE_ABOVE = 2000
"""Orders from which ``auto`` plans a day in parts (measured: ``docs/decompose.md``)."""


def large(orders: int) -> bool:
    """Whether ``auto`` plans a day of ``orders`` orders in parts."""
    return orders >= DECOMPOSE_ABOVE


def decomposes(engine: Any, problem: Problem) -> bool:
    """Whether :func:`medroute.solve` with ``engine`` plans ``problem`` in parts: the ``decompose``
    engine always, ``auto`` (with its decompose stage) on a :func:`large` day."""
    if getattr(engine, "name", "") == "decompose":
        return True
    stages = getattr(engine, "stages", ())
    return (getattr(engine, "name", "") == "auto" and any(getattr(s, "name", "") == "decompose" for s in stages)
            and large(len(problem.orders)))


def solve_decomposed(problem: Problem, *, matrix: MatrixLike = None, stop: Stop | None = None,
                     time_limit: Real | None = None, seed: int = 0, executor: Executor | Any | None = None,
                     max_workers: int | None = None, part_size: int = PART_SIZE, progress: Progress | None = None,
                     initial: Solution | None = None) -> Solution:
    """Plan ``problem`` in parts, in parallel, then across the parts' borders
    (:mod:`medroute.decompose.search`), never building a matrix over the whole day.

    Parameters
    ----------
    problem
        The day.
    matrix
        A travel backend (or ``None``: haversine) that computes each part's travel where the
        part is solved, in batches; or a full matrix (anything :func:`medroute.matrices.as_matrices`
        takes) to cut the parts' matrices from.
    stop
        When to stop (:mod:`medroute.stop`); ``MaxWork`` is shared among the tasks in fixed
        shares: the same plan on any executor and machine. The work counted is the engines' on all
        workers together.
    time_limit
        Wall-clock seconds, as for :func:`medroute.solve` (give it or ``stop``; 10 s by
        default). The clock covers computing travel.
    seed
        Random seed of every part's search.
    executor
        Where the parts are solved: a :class:`concurrent.futures.Executor`, a Dask
        ``distributed.Client`` (travel backend scattered once), or ``None`` for a process pool
        of ``max_workers`` (see :func:`medroute.runner.runner_for`).
    max_workers
        Processes of the default pool (default: the machine's cores).
    part_size
        Orders per part aimed at (:func:`~medroute.decompose.partition.split`).
    progress
        Called after the parts and after every border round.
    initial
        A plan of the day to start every part from.

    Returns
    -------
    Solution
        Every order on one route or unassigned with a reason; ``stats.stages`` are ``parts``
        and ``borders``; ``travel`` names the backend (no digest: there is no full matrix). Check
        it with ``medroute.check(problem, solution, backend)``, which asks the backend for the
        plan's legs only.
    """
    from ..runner import runner_for
    from ..solve import solve_budget

    t0 = time.perf_counter()
    budget = solve_budget(time_limit, stop)
    meter = Meter(replace(budget, patience=float("inf")))  # the tasks get the patience
    reserve = min(1.0, 0.02 * budget.seconds)
    partition = split(problem, part_size=part_size)
    travel = PartTravel(problem, matrix)
    if executor is None:  # a pool no larger than the parts (one part: planned here)
        max_workers = min(max_workers or os.cpu_count() or 1, len(partition.parts))
    runner = runner_for(executor, max_workers=max_workers)
    try:
        shared = runner.share(travel.backend) if travel.backend is not None else None
        search = Search(problem, partition, travel, runner, shared, meter, seed, progress, reserve,
                        budget.patience)
        search.solve_parts(initial)
        search.improve_borders()
    finally:
        runner.close()
    return search.result(engine="decompose", seed=seed, solve_time_s=time.perf_counter() - t0)
