"""Solving many problems at once: a process pool, any :class:`concurrent.futures.Executor`, or a
Dask cluster.

Analysts sweep rider counts and seeds; benchmarks run many instances; a province plans several
towns' days together (:func:`medroute.scenarios.province`). ``solve_many`` hands each problem to
a :mod:`medroute.runner`: a process pool on one machine; any executor (``client.get_executor()``
included); or a Dask ``distributed.Client`` used the idiomatic way — one future per problem, a
travel backend or matrix that several problems share scattered to the workers once, results
gathered as they complete. A problem that fails, or an ``on_done`` callback that raises, does not
lose the others: every problem is run to the end, and the failures are raised together
(:class:`BatchError`, which holds the plans that were made).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from typing import Any

from .errors import InvalidMatrixError, MedrouteError
from .matrices import MatrixLike
from .model import Problem
from .solution import Solution


class BatchError(MedrouteError, RuntimeError):
    """Some problems of a batch failed, or ``on_done`` raised; every problem was run to its end.

    Attributes
    ----------
    solutions
        One entry per problem: its plan, or ``None`` where it failed (a plan whose ``on_done``
        raised is kept).
    errors
        The exception of each failed problem, by index.
    on_done_errors
        What ``on_done`` raised, by index of the problem it was called for.
    """

    def __init__(self, solutions: list[Solution | None], errors: Mapping[int, BaseException],
                 on_done_errors: Mapping[int, BaseException] | None = None) -> None:
        self.solutions = solutions
        self.errors = dict(errors)
        self.on_done_errors = dict(on_done_errors or {})
        what = []
        if self.errors:
            what.append(f"{len(self.errors)} of {len(solutions)} problems failed ({_first(self.errors)})")
        if self.on_done_errors:
            what.append(f"on_done raised for {len(self.on_done_errors)} of {len(solutions)} plans "
                        f"({_first(self.on_done_errors)})")
        super().__init__(f"solve_many: {' and '.join(what)}; every plan made is in .solutions "
                         "(None where a problem failed)")


def _first(errors: Mapping[int, BaseException]) -> str:
    """``problem i: Type: message`` of the lowest index."""
    i = min(errors)
    return f"problem {i}: {type(errors[i]).__name__}: {errors[i]}"


def _solve_one(problem: Problem, matrix: MatrixLike, kwargs: dict[str, Any]) -> Solution:
    from .solve import solve

    return solve(problem, matrix=matrix, **kwargs)


def solve_many(problems: Iterable[Problem], *, matrices: Iterable[MatrixLike] | None = None,
               executor: Executor | Any | None = None, max_workers: int | None = None,
               on_done: Callable[[int, Solution], None] | None = None, **solve_kwargs: Any) -> list[Solution]:
    """Solve every problem with :func:`medroute.solve` on ``executor``.

    Parameters
    ----------
    problems
        The problems, solved independently.
    matrices
        One travel matrix or travel backend (or ``None`` for haversine) per problem, in the
        same order; the same object given for several problems is shared (scattered once on Dask).
    executor
        Where to run: a :class:`concurrent.futures.Executor`, a Dask ``distributed.Client``,
        or ``None`` for a process pool of ``max_workers`` (see :func:`medroute.runner.runner_for`).
    max_workers
        Processes of the default pool (default: the machine's cores).
    on_done
        Called with (index, solution) as each problem finishes (for progress bars). What it raises
        does not stop the batch: it is called for every later plan too, and once every problem has
        run, :class:`BatchError` is raised holding every plan and the exceptions
        (``.on_done_errors``). ``KeyboardInterrupt`` stops the batch at once.
    solve_kwargs
        Passed to :func:`medroute.solve` (``engine``, ``time_limit`` in s or ``stop``,
        ``seed``); ``stop=MaxWork(...)`` gives the same plans whichever executor runs them.

    Returns
    -------
    list of Solution
        In the order of the problems.

    Raises
    ------
    BatchError
        Some problems failed or ``on_done`` raised (after all were run); ``.solutions`` holds
        every plan made.
    InvalidMatrixError
        ``matrices`` does not have one entry per problem.
    """
    from .runner import runner_for

    jobs = list(problems)
    mats = list(matrices) if matrices is not None else [None] * len(jobs)
    if len(mats) != len(jobs):
        raise InvalidMatrixError(f"solve_many: {len(mats)} matrices for {len(jobs)} problems")
    runner = runner_for(executor, max_workers=max_workers)
    try:
        uses = Counter(id(m) for m in mats if m is not None)
        shared = [runner.share(m) if m is not None and uses[id(m)] > 1 else m for m in mats]
        running = {runner.submit(_solve_one, p, m, dict(solve_kwargs)): i
                   for i, (p, m) in enumerate(zip(jobs, shared, strict=True))}
        results: list[Solution | None] = [None] * len(jobs)
        errors: dict[int, BaseException] = {}
        raised: dict[int, BaseException] = {}
        while running:
            for handle in runner.wait_any(list(running)):
                i = running.pop(handle)
                sol, error = runner.outcome(handle)
                if error is not None:
                    errors[i] = error
                    continue
                results[i] = sol
                if on_done is not None:
                    try:
                        on_done(i, sol)
                    except Exception as exc:  # the other problems still run; reported with the failures
                        raised[i] = exc
    finally:
        runner.close()
    if errors or raised:
        first = {**errors, **raised}
        raise BatchError(results, errors, raised) from first[min(first)]
    return [s for s in results if s is not None]
