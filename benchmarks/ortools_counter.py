"""What the neighbour counter costs OR-Tools: the same guided local search, from the same
construction, to the same number of solutions, with and without ``neighbor_limit``'s Python
callback. The counter does not change the search (same objective), so the time ratio is its cost.

Usage (from the repository root)::

    .venv/bin/python benchmarks/ortools_counter.py          # ~4 min

Writes ``benchmarks/results/ortools_counter.md``.
"""

from __future__ import annotations

import time
from pathlib import Path

from medroute.compile import Instance, compile_problem
from medroute.engines.ortools import _params, build_model, neighbor_limit
from medroute.insertion import Deadline, Inserter
from medroute.io import instance_paths, read_instance

INSTANCES = (("solomon", "R111"), ("solomon", "RC207"), ("lilim", "lr205"), ("lilim", "lc201"),
             ("darp", "a8-96"), ("darp", "b8-96"))
SOLUTIONS = 150


def search_seconds(inst: Instance, start: list[list[int]], *, counted: bool) -> tuple[float, int]:
    """Seconds to :data:`SOLUTIONS` solutions from ``start``, and the objective reached."""
    model = build_model(inst)
    if counted:
        count = neighbor_limit(model.routing, 10**15)
    assignment = model.routing.ReadAssignmentFromRoutes(
        [[model.index_of[v] for v in seq] for seq in start], True)
    t = time.perf_counter()
    solution = model.routing.SolveFromAssignmentWithParameters(
        assignment, _params(600, "PARALLEL_CHEAPEST_INSERTION", SOLUTIONS))
    seconds = time.perf_counter() - t
    if counted and count() == 0:
        raise RuntimeError(f"the counter saw no neighbour on {inst.n} orders")
    return seconds, int(solution.ObjectiveValue())


def main() -> int:
    """Measure and write the table; returns 0."""
    lines = ["# The OR-Tools neighbour counter's cost", "", "```", "python benchmarks/ortools_counter.py", "```", "",
             f"Guided local search from the construction to {SOLUTIONS} solutions, one instance at a time.", "",
             "| instance | orders | without s | with counter s | slowdown | same objective |",
             "|---|---|---|---|---|---|"]
    for kind, name in INSTANCES:
        lit = read_instance(next(p for p in instance_paths(kind) if p.stem == name), kind)
        inst = compile_problem(lit.problem, lit.matrix)
        start, _ = Inserter(inst).insert([[] for _ in range(inst.m)], list(range(inst.n)), Deadline(60))
        (plain, a), (counted, b) = (search_seconds(inst, start, counted=c) for c in (False, True))
        lines.append(f"| {name} | {inst.n} | {plain:.2f} | {counted:.2f} | {counted / plain:.1f}× | "
                     f"{'yes' if a == b else 'no'} |")
        print(lines[-1], flush=True)
    out = Path(__file__).parent / "results" / "ortools_counter.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
