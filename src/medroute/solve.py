"""The public entry point: :func:`solve`."""

from __future__ import annotations

import math
import time
from dataclasses import replace

from .compile import compile_problem
from .engines.base import CLOCK_STOPPED_NOTE, Engine
from .engines.registry import get_engine
from .errors import EngineError, InvalidProblemError
from .explain import explain
from .matrices import MatrixLike, travel_source
from .model import Problem
from .schedule import build_solution, drop_untimable
from .solution import Solution


def solve(problem: Problem, *, engine: str | Engine = "auto", time_limit: float = 10.0, seed: int = 0,
          matrix: MatrixLike = None) -> Solution:
    """Plan ``problem``: compile it, run one engine, explain what is left out.

    Parameters
    ----------
    problem : the problem to plan.
    engine : ``"auto"`` (the portfolio), ``"ortools"``, ``"pyvrp"``, ``"greedy"``, or an object
        satisfying :class:`~medroute.engines.base.Engine`. No silent fallback: an engine whose
        ``supports()`` returns a sentence raises :class:`~medroute.errors.EngineError` quoting it.
    time_limit : wall-clock budget of the whole call (compile, search, explanation), seconds;
        held to within 5 % + 1 s.
    seed : random seed; the same seed gives the same plan whenever the engines' work budgets
        (iterations, search steps), not the clock, end their searches — otherwise the solution's
        notes include :data:`~medroute.engines.base.CLOCK_STOPPED_NOTE`.
    matrix : the travel: a :class:`~medroute.travel.TravelMatrix`, a travel backend, numpy arrays
        ``(durations_s, distances_m[, ids])``, a mapping profile → matrix, or ``None`` for the
        haversine default (see :mod:`medroute.matrices`). The plan records it
        (:attr:`Solution.travel`).

    Returns
    -------
    Solution
        Every order either on exactly one route or unassigned with a reason. An order on a route
        that cannot be timed under the full rules (an engine that broke its own model, e.g. PyVRP
        ending with time warp) is taken off and reported with the binding constraint.

    Raises
    ------
    EngineError
        Unknown or unavailable engine, or an engine that does not support the problem.
    InvalidProblemError
        ``time_limit`` is not a finite number of seconds > 0.
    """
    t0 = time.perf_counter()
    if not (isinstance(time_limit, (int, float)) and math.isfinite(time_limit) and time_limit > 0):
        raise InvalidProblemError(f"solve: time_limit must be a finite number of seconds > 0, got {time_limit!r}")
    eng = get_engine(engine) if isinstance(engine, str) else engine
    inst = compile_problem(problem, matrix)
    ok = eng.supports(inst)
    if ok is not True:
        raise EngineError(f"engine {eng.name!r} cannot solve this problem: {ok}")
    end = t0 + time_limit
    reserve = min(1.0, 0.1 * time_limit)
    budget = max(0.0, end - reserve - time.perf_counter())
    result = eng.solve(inst, time_limit=budget, seed=seed)
    routes, dropped, notes = drop_untimable(inst, result.routes, label=eng.name)
    if result.clock_stopped:
        notes = [*notes, CLOCK_STOPPED_NOTE]
    reasons = explain(inst, routes, engine_reasons=result.reasons, deadline=end - reserve / 2) | dropped
    solution = build_solution(inst, routes, reasons=reasons, engine=eng.name, seed=seed,
                              notes=(*result.notes, *notes))
    return replace(solution, solve_time_s=time.perf_counter() - t0, travel=travel_source(inst.matrices))

