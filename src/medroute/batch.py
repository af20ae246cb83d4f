"""Solving many problems at once over any :class:`concurrent.futures.Executor`.

Analysts sweep rider counts and seeds; benchmarks run many instances. ``solve_many`` hands each
problem to an executor — a process pool on one machine, or a Dask cluster when one machine is
not enough (``distributed.Client.get_executor()`` is a ``concurrent.futures.Executor``) — and
returns the solutions in the order of the problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from .model import Problem
from .solution import Solution


def _solve_one(job: tuple[Problem, Any, dict[str, Any]]) -> Solution:
    from .solve import solve

    problem, matrix, kwargs = job
    return solve(problem, matrix=matrix, **kwargs)


def solve_many(problems: Iterable[Problem], *, matrices: Iterable[Any] | None = None,
               executor: Executor | None = None, max_workers: int | None = None,
               on_done: Callable[[int, Solution], None] | None = None, **solve_kwargs: Any) -> list[Solution]:
    """Solve every problem with :func:`medroute.solve` on ``executor``.

    Parameters
    ----------
    problems : the problems, solved independently.
    matrices : one travel matrix (or ``None`` for haversine) per problem, in the same order.
    executor : where to run; ``None`` starts a :class:`ProcessPoolExecutor` of ``max_workers``.
        A Dask cluster works through ``distributed.Client(...).get_executor()``.
    on_done : called with (index, solution) as each finishes (for progress bars).
    solve_kwargs : passed to :func:`medroute.solve` (``engine``, ``time_limit`` in s or ``stop``,
        ``seed``); ``stop=MaxWork(...)`` gives the same plans whichever executor runs them.
    """
    jobs = list(problems)
    mats = list(matrices) if matrices is not None else [None] * len(jobs)
    if len(mats) != len(jobs):
        from .errors import InvalidMatrixError

        raise InvalidMatrixError(f"solve_many: {len(mats)} matrices for {len(jobs)} problems")
    own = executor is None
    pool: Executor = executor if executor is not None else ProcessPoolExecutor(max_workers=max_workers)
    try:
        futures = [pool.submit(_solve_one, (p, m, dict(solve_kwargs))) for p, m in zip(jobs, mats, strict=True)]
        results: list[Solution] = []
        for i, fut in enumerate(futures):
            sol = fut.result()
            if on_done is not None:
                on_done(i, sol)
            results.append(sol)
        return results
    finally:
        if own:
            pool.shutdown()
