"""The OR-Tools counter study: each counter sees the search it counts and leaves its plan alone."""

from __future__ import annotations

from benchmarks.ortools_counter import COUNTERS, search_seconds

from medroute.compile import compile_problem
from medroute.insertion import Deadline, Inserter
from medroute.io import instance_paths, read_instance


def test_every_counter_counts_the_same_search() -> None:
    lit = read_instance(next(p for p in instance_paths("solomon") if p.stem == "R101"), "solomon")
    inst = compile_problem(lit.problem, lit.matrix)
    start, _ = Inserter(inst).insert([[] for _ in range(inst.m)], list(range(inst.n)), Deadline(60))
    runs = {name: search_seconds(inst, start, name, solutions=3) for name in COUNTERS}
    assert len({objective for _, objective, _ in runs.values()}) == 1
    assert runs["none"][2] == 0 and runs["steps"][2] > 0 and runs["neighbours"][2] > 0
