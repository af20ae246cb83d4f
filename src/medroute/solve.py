"""The public entry point: :func:`solve`."""

from __future__ import annotations

import math
import sys
import time
from dataclasses import replace

from .compile import Instance, compile_problem
from .decompose import DecomposeEngine, decomposes, solve_decomposed
from .engines.base import Engine, EngineResult, relaxed_instance
from .engines.registry import get_engine
from .errors import EngineError, InvalidProblemError
from .explain import explain
from .matrices import MatrixLike, travel_source
from .model import Problem
from .reasons import Reason
from .scalars import Real
from .schedule import build_solution, drop_untimable, start_routes
from .solution import Solution
from .stats import Progress, ProgressEvent
from .stop import Budget, MaxRuntime, Stop, budget_of, is_number

RESERVE_SHARE = 0.03
"""Share of a clock budget (at most :data:`RESERVE_S`) kept from the engine for explaining and
timing its plan; what they take beyond it falls in the 5 % + 1 s the limit allows."""
RESERVE_S = 0.5
EXPLAIN_MIN_S = 0.3
"""Seconds :func:`~medroute.explain.explain` always has, even when the engine (or a loaded
machine) used up the reserve: without them every order left out kept the engine's
``search_limit``; in this time a few hundred orders left out of full routes are explained. They
come out of the 1 s the limit allows past it."""


def solve(problem: Problem, *, engine: str | Engine = "auto", time_limit: Real | None = None,
          stop: Stop | None = None, seed: int = 0, matrix: MatrixLike = None, progress: Progress | None = None,
          display: bool = False, initial: Solution | None = None) -> Solution:
    """Plan ``problem``: compile it, run one engine, explain what is left out.

    Parameters
    ----------
    problem
        The problem to plan.
    engine
        ``"auto"`` (the portfolio), ``"ortools"``, ``"pyvrp"``, ``"greedy"``, ``"vroom"``, or
        an object satisfying :class:`~medroute.engines.base.Engine`. No silent fallback: an engine
        whose ``supports()`` is false (a sentence) raises :class:`~medroute.errors.EngineError`
        quoting it.
    time_limit
        Wall-clock budget of the whole call (compile, search, explanation), seconds,
        held to within 5 % + 1 s: the same as ``stop=MaxRuntime(time_limit)``. Default 10 s when
        ``stop`` is not given either.
    stop
        When to stop (:mod:`medroute.stop`): :func:`~medroute.stop.MaxRuntime` uses the whole
        time and returns the best plan found; :func:`~medroute.stop.MaxWork` gives the same plan
        on any machine; combine them with ``|``. Give ``time_limit`` or ``stop``, not both.
    seed
        Random seed; with a stop that only work ends, the same seed gives the same plan
        (``solution.stats.reproducible``).
    matrix
        The travel: a :class:`~medroute.travel.TravelMatrix`, a travel backend, numpy arrays
        ``(durations_s, distances_m[, ids])``, a mapping profile → matrix, or ``None`` for the
        haversine default (see :mod:`medroute.matrices`). The plan records it
        (:attr:`Solution.travel`).
    progress
        Called with a :class:`~medroute.stats.ProgressEvent` as the best plan improves.
    display
        Print a progress table to standard error (stage, best objective, feasible,
        elapsed), like PyVRP's ``display=True``.
    initial
        A plan to start the search from (its routes of this problem's riders and orders). It is a
        hint: an order whose visits cannot start a search (picked up but not delivered, delivered
        before its pickup, on two riders, on a rider who may not carry it, ...) is left out of the
        start with a note naming it, its rider and the fault, and the search may still plan it.

    Returns
    -------
    Solution
        Every order either on exactly one route or unassigned with a reason; ``stats`` says what
        stopped the search. An order on a route that cannot be timed under the full rules (an
        engine that broke its own model) is taken off and reported with the binding constraint;
        one on a malformed route (on a rider who may not carry it, never delivered, ...) with
        the reason :func:`~medroute.explain.explain` finds, as an order the engine left out.

    Raises
    ------
    EngineError
        Unknown or unavailable engine, or an engine that does not support the problem.
    InvalidProblemError
        ``time_limit`` is not a finite number of seconds > 0, both ``time_limit`` and ``stop``
        are given, or ``stop`` sets neither a clock nor a work limit.
    """
    t0 = time.perf_counter()
    budget = solve_budget(time_limit, stop)
    eng = get_engine(engine) if isinstance(engine, str) else engine
    report = _with_display(progress) if display else progress
    if decomposes(eng, problem):  # a big day: planned in parts, no matrix over the whole day
        left = replace(budget, seconds=max(1e-3, budget.seconds - (time.perf_counter() - t0)))
        settings = eng.settings() if isinstance(eng, DecomposeEngine) else {}
        planned = solve_decomposed(problem, matrix=matrix, stop=left, seed=seed, progress=report, initial=initial,
                                   **settings)
        return replace(planned, engine=eng.name, solve_time_s=time.perf_counter() - t0)
    inst = compile_problem(problem, matrix)
    support = eng.supports(inst)
    if not support:
        raise EngineError(f"engine {eng.name!r} cannot solve this problem: {support.reason}")
    solution = plan_instance(inst, eng, budget, t0=t0, seed=seed, progress=report, initial=initial)
    return replace(solution, travel=travel_source(problem, solution, inst.matrices))


def plan_instance(inst: Instance, eng: Engine, budget: Budget, *, t0: float, seed: int = 0,
                  progress: Progress | None = None, initial: Solution | None = None,
                  relaxed: bool = False) -> Solution:
    """Run ``eng`` on ``inst`` until ``budget`` (counted from ``t0``), explain what it left out
    and time its plan: the part of :func:`solve` after compiling.

    Parameters
    ----------
    inst
        The compiled problem.
    eng
        The engine.
    budget
        When to stop (:func:`solve_budget`); a clock runs from ``t0``.
    t0
        When the call started (:func:`time.perf_counter`).
    seed
        Random seed.
    progress
        Called as the best plan improves.
    initial
        A plan to start the search from (a hint, read by
        :func:`~medroute.schedule.start_routes`).
    relaxed
        ``eng`` does not support ``inst`` and plans what it can model (how the benchmarks compare
        engines on rules they lack): its routes are kept whole, and timed on the relaxed instance
        where the full rules cannot time them, so that :func:`medroute.check` shows what they break.

    Returns
    -------
    Solution
        The plan, ``solve_time_s`` counted from ``t0``.
    """
    end = t0 + budget.seconds
    reserve = min(RESERVE_S, RESERVE_SHARE * budget.seconds)
    engine_stop = replace(budget, seconds=max(0.0, end - reserve - time.perf_counter()))
    start, start_notes = start_routes(inst, initial) if initial is not None else (None, ())
    result = eng.solve(inst, stop=engine_stop, seed=seed, progress=progress, initial=start)
    result = replace(result, notes=(*start_notes, *result.notes))
    if relaxed:
        solution = _relaxed_plan(inst, result, eng.name, seed, _explain_deadline(end))
    else:
        routes, dropped, notes = drop_untimable(inst, result.routes, label=eng.name)
        explained = explain(inst, routes, engine_reasons=result.reasons, deadline=_explain_deadline(end))
        # a drop's search_limit (a malformed route) says less than what explain finds for the order
        reasons = explained | {k: r for k, r in dropped.items() if r != Reason.SEARCH_LIMIT}
        solution = build_solution(inst, routes, reasons=reasons, engine=eng.name, seed=seed,
                                  notes=(*result.notes, *notes))
    return replace(solution, solve_time_s=time.perf_counter() - t0, stats=result.stats)


def _explain_deadline(end: float) -> float | None:
    """When :func:`~medroute.explain.explain` stops: at the budget's ``end``, but no sooner than
    :data:`EXPLAIN_MIN_S` from now (the 5 % + 1 s allowed past the end covers them)."""
    return max(end, time.perf_counter() + EXPLAIN_MIN_S) if math.isfinite(end) else None


def _relaxed_plan(inst: Instance, result: EngineResult, name: str, seed: int, deadline: float | None) -> Solution:
    """The routes of an engine that planned a relaxation of ``inst``, as they are."""
    try:
        reasons = explain(inst, result.routes, engine_reasons=result.reasons, deadline=deadline)
        return build_solution(inst, result.routes, reasons=reasons, engine=name, seed=seed, notes=result.notes)
    except EngineError:
        return build_solution(relaxed_instance(inst), result.routes, reasons=result.reasons, engine=name,
                              seed=seed, notes=(*result.notes, "timed on the relaxed instance"))


def solve_budget(time_limit: Real | None, stop: Stop | None) -> Budget:
    """The criterion of a call: ``stop``, or ``MaxRuntime(time_limit)`` (10 s by default).

    Raises
    ------
    InvalidProblemError
        Both given, a ``time_limit`` that is not a finite number > 0, or a ``stop`` with neither
        a clock nor a work limit.
    """
    if stop is not None and time_limit is not None:
        raise InvalidProblemError("solve: give time_limit or stop, not both "
                                  "(stop=MaxRuntime(t) | MaxWork(w) combines a clock and work)")
    if stop is None:
        limit = 10.0 if time_limit is None else time_limit
        if not (is_number(limit) and math.isfinite(limit) and limit > 0):
            raise InvalidProblemError(f"solve: time_limit must be a finite number of seconds > 0, got {limit!r}")
        return MaxRuntime(limit)
    try:
        budget = budget_of(stop)
    except TypeError as exc:
        raise InvalidProblemError(f"solve: {exc}") from exc
    if not (math.isfinite(budget.seconds) or math.isfinite(budget.work)):
        raise InvalidProblemError("solve: stop sets no clock or work limit (add MaxRuntime or MaxWork)")
    return budget


def _with_display(progress: Progress | None) -> Progress:
    """A progress callback that prints a table row per event to standard error, then calls
    ``progress``."""
    print(f"{'stage':<24} {'best objective (Rp)':>20} {'feasible':>8} {'elapsed s':>9}", file=sys.stderr)

    def show(event: ProgressEvent) -> None:
        best = "-" if event.objective is None else f"{event.objective / 100:,.0f}"
        print(f"{event.stage:<24} {best:>20} {'yes' if event.feasible else 'no':>8} {event.elapsed_s:>9.1f}",
              file=sys.stderr, flush=True)
        if progress is not None:
            progress(event)

    return show
