"""What counting OR-Tools' work costs: the same guided local search, from the same construction,
to the same number of solutions, without a counter, with ``step_limit`` (a ``CustomLimit`` that
counts its own checks: the engine's work unit) and with a neighbour counter (a search monitor
called on every candidate move, ``AcceptDelta``: the unit used before). A counter that does not
change the search reaches the same objective, so the time ratio is its cost.

Usage (from the repository root)::

    .venv/bin/python benchmarks/ortools_counter.py          # ~6 min

Writes ``benchmarks/results/ortools_counter/`` (``ortools_counter.md``, ``meta.json``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from medroute.bench.results import study
from medroute.compile import Instance, compile_problem
from medroute.engines.ortools import _params, build_model, step_limit
from medroute.insertion import Deadline, Inserter
from medroute.io import instance_paths, read_instance
from medroute.stop import MaxWork, Meter

INSTANCES = (("solomon", "R111"), ("solomon", "RC207"), ("lilim", "lr205"), ("lilim", "lc201"),
             ("darp", "a8-96"), ("darp", "b8-96"))
SOLUTIONS = 150

OUT = Path(__file__).parent / "results" / "ortools_counter"
"""Where the study writes (``benchmarks/results/ortools_counter/``)."""


def neighbor_counter(routing: Any) -> Callable[[], int]:
    """A search monitor counting every candidate move (``AcceptDelta``), for comparison."""
    from ortools.constraint_solver import pywrapcp

    class Count(pywrapcp.SearchMonitor):  # type: ignore[misc]
        def __init__(self, solver: Any) -> None:
            super().__init__(solver)
            self.n = 0

        def AcceptDelta(self, delta: Any, deltadelta: Any) -> bool:  # noqa: N802 (OR-Tools' name)
            self.n += 1
            return True

    count = Count(routing.solver())
    routing.AddSearchMonitor(count)
    return lambda: count.n


def step_counter(routing: Any) -> Callable[[], int]:
    """:func:`step_limit` with a work budget the search never reaches, as a counter."""
    counter = step_limit(routing, Meter(MaxWork(10**15)), 1.0)
    return lambda: counter.steps


COUNTERS: dict[str, Callable[[Any], Callable[[], int]] | None] = {
    "none": None, "steps": step_counter, "neighbours": neighbor_counter}


def search_seconds(inst: Instance, start: list[list[int]], counter: str,
                   solutions: int = SOLUTIONS) -> tuple[float, int, int]:
    """Seconds to ``solutions`` solutions from ``start``, the objective reached and the count."""
    model = build_model(inst)
    assert model is not None, "build_model returns None only when cancelled, and nothing cancels it here"
    make = COUNTERS[counter]
    count = make(model.routing) if make is not None else (lambda: 0)
    assignment = model.routing.ReadAssignmentFromRoutes(
        [[model.index_of[v] for v in seq] for seq in start], True)
    t = time.perf_counter()
    solution = model.routing.SolveFromAssignmentWithParameters(
        assignment, _params(600, "PARALLEL_CHEAPEST_INSERTION", solutions))
    seconds = time.perf_counter() - t
    if make is not None and count() == 0:
        raise RuntimeError(f"the {counter} counter saw nothing on {inst.n} orders")
    return seconds, int(solution.ObjectiveValue()), count()


def main() -> int:
    """Measure and write the table; returns 0."""
    lines = ["# What counting OR-Tools' work costs", "", "```", "python benchmarks/ortools_counter.py", "```", "",
             f"Guided local search from the construction to {SOLUTIONS} solutions, one instance at a time: "
             "without a counter, with `step_limit` (the engine's work unit) and with a neighbour counter "
             "(`AcceptDelta` monitor, the unit used before).", "",
             "| instance | orders | without s | steps s | slowdown | steps | neighbours s | slowdown | neighbours "
             "| same objective |", "|---|---|---|---|---|---|---|---|---|---|"]
    for kind, name in INSTANCES:
        lit = read_instance(next(p for p in instance_paths(kind) if p.stem == name), kind)
        inst = compile_problem(lit.problem, lit.matrix)
        start, _ = Inserter(inst).insert([[] for _ in range(inst.m)], list(range(inst.n)), Deadline(60))
        (plain, a, _), (stepped, b, steps), (counted, c, neighbours) = (
            search_seconds(inst, start, counter) for counter in COUNTERS)
        lines.append(f"| {name} | {inst.n} | {plain:.2f} | {stepped:.2f} | {stepped / plain:.2f}× | {steps:,} | "
                     f"{counted:.2f} | {counted / plain:.2f}× | {neighbours:,} | {'yes' if a == b == c else 'no'} |")
        print(lines[-1], flush=True)
    out = OUT / "ortools_counter.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    with study(OUT):
        raise SystemExit(main())
