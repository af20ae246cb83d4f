"""Engine speeds behind the calibrations in ``docs/engines.md``: OR-Tools' first-solution time
(parallel cheapest insertion), its local search's steps per second (with the soft delivery targets
and without them) and the greedy plan on the ``expanded`` scenario; OR-Tools' steps per second on
every literature instance next to
``OrToolsEngine.search_rate``; PyVRP's iterations per second on the literature instances — searching
from the construction, and eliminating a route from the searched plan — next to the speed
``PyVrpEngine.search_rate`` models for them. A work budget is only deterministic when the
modelled speed is not faster than the measured one (ratio ≥ 1).

Usage (from the repository root)::

    .venv/bin/python benchmarks/engine_speed.py                       # ~15 min on 2 cores
    .venv/bin/python benchmarks/engine_speed.py --sizes 100 200 500 1000 --sets solomon

Writes ``benchmarks/results/engine_speed.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from medroute.compile import Instance, compile_problem
from medroute.engines.greedy import GreedyEngine
from medroute.engines.ortools import OrToolsEngine, _params, build_model, step_limit
from medroute.engines.pyvrp import PyVrpEngine, pyvrp_nodes
from medroute.insertion import Deadline, Inserter
from medroute.io import instance_paths, read_instance
from medroute.scenarios import load

SEARCH_ITERATIONS = 1500
FLEET_ITERATIONS = 500
FIXED_ITERATIONS = 500
STEPS = 1_000_000


def ortools_rate(inst: Instance, start: list[list[int]]) -> float:
    """OR-Tools' guided local search from ``start``: search steps (:func:`step_limit`) per second
    over :data:`STEPS` or 30 s, whichever comes first (model build excluded)."""
    model = build_model(inst)
    count = step_limit(model.routing, STEPS)
    seqs = [[model.index_of[v] for v in seq if v in model.index_of] for seq in start]
    assignment = model.routing.ReadAssignmentFromRoutes(seqs, True)
    t = time.perf_counter()
    model.routing.SolveFromAssignmentWithParameters(assignment, _params(30, "PARALLEL_CHEAPEST_INSERTION"))
    return count.steps / (time.perf_counter() - t)


def constructed(kind: str, name: str) -> tuple[Instance, list[list[int]]]:
    """A literature instance, compiled, and the construction's plan for it."""
    lit = read_instance(next(p for p in instance_paths(kind) if p.stem == name), kind)
    inst = compile_problem(lit.problem, lit.matrix)
    start, _ = Inserter(inst).insert([[] for _ in range(inst.m)], list(range(inst.n)), Deadline(60))
    return inst, start


def ortools_speed(kind: str, name: str) -> str:
    """One table row: OR-Tools' steps per second on a literature instance, from the construction."""
    inst, start = constructed(kind, name)
    rate, model = ortools_rate(inst, start), OrToolsEngine().search_rate(inst)
    return f"| {name} | {inst.n} | {rate:,.0f} | {model:,.0f} | {rate / model:.2f} |"


def pyvrp_speeds(kind: str, name: str) -> str:
    """One table row: PyVRP's measured and modelled speeds on a literature instance."""
    inst, start = constructed(kind, name)
    engine = PyVrpEngine()
    t = time.perf_counter()
    res = PyVrpEngine(iterations=SEARCH_ITERATIONS).solve(inst, time_limit=600, seed=0, initial=start)
    search = SEARCH_ITERATIONS / (time.perf_counter() - t)
    t = time.perf_counter()
    fewer, spent = PyVrpEngine(iterations=FLEET_ITERATIONS).reduce_fleet(inst, res.routes, time_limit=600, seed=0)
    fleet = spent / (time.perf_counter() - t)
    plan = fewer if fewer is not None else res.routes
    t = time.perf_counter()
    PyVrpEngine(iterations=FIXED_ITERATIONS).solve(inst, time_limit=600, seed=0, initial=plan, fixed_fleet=True)
    fixed = FIXED_ITERATIONS / (time.perf_counter() - t)
    model_search = engine.search_rate(inst, res.routes)
    model_fleet = engine.search_rate(inst, res.routes, fleet=True)
    model_fixed = engine.search_rate(inst, plan, fixed_fleet=True)
    routes = sum(1 for r in res.routes if r)
    return (f"| {name} | {pyvrp_nodes(inst)[0]} | {routes} | {search:.0f} | {model_search:.0f} | "
            f"{search / model_search:.2f} | {fleet:.0f} | {model_fleet:.0f} | {fleet / model_fleet:.2f} | "
            f"{sum(1 for r in plan if r)} | {fixed:.0f} | {model_fixed:.0f} | {fixed / model_fixed:.2f} |")


def main() -> int:
    """Measure and write the table; returns 0."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 200, 500])
    ap.add_argument("--sets", nargs="+", default=["lilim", "solomon", "darp"], choices=["lilim", "solomon", "darp"])
    ap.add_argument("--workers", type=int, default=2, help="processes for the literature tables")
    args = ap.parse_args()
    command = (f"python benchmarks/engine_speed.py --sizes {' '.join(map(str, args.sizes))} "
               f"--sets {' '.join(args.sets)} --workers {args.workers}")
    lines = ["# Engine speeds", "", "```", command, "```", "",
             f"`expanded` scenario; OR-Tools' search from the greedy plan over {STEPS:,} steps or 30 s, "
             "with the scenario's soft delivery targets and with them removed (`late_cost` 0); `model` = "
             "`OrToolsEngine.search_rate`.", "",
             "| orders | OR-Tools first solution s | steps/s | model | ratio | no targets: steps/s | model | ratio "
             "| greedy s |", "|---|---|---|---|---|---|---|---|---|"]
    for n in args.sizes:
        sc = load("expanded", seed=0, orders=n)
        inst = compile_problem(sc.problem, sc.matrix)
        model = build_model(inst)
        t = time.perf_counter()
        model.routing.SolveWithParameters(_params(600, "PARALLEL_CHEAPEST_INSERTION", solution_limit=1))
        pci = time.perf_counter() - t
        t = time.perf_counter()
        greedy = GreedyEngine().solve(inst, time_limit=600, seed=0)
        seconds = time.perf_counter() - t
        start = [list(r) for r in greedy.routes]
        untargeted = dataclasses.replace(inst, late_cost=np.zeros_like(inst.late_cost))
        cells = []
        for variant in (inst, untargeted):
            rate, modelled = ortools_rate(variant, start), OrToolsEngine().search_rate(variant)
            cells.append(f"{rate:,.0f} | {modelled:,.0f} | {rate / modelled:.2f}")
        lines.append(f"| {n} | {pci:.2f} | {' | '.join(cells)} | {seconds:.2f} |")
        print(lines[-1], flush=True)
    jobs = [(kind, p.stem) for kind in args.sets for p in instance_paths(kind)]
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(ortools_speed, *zip(*jobs, strict=True)))
    rates = [float(r.split("|")[3].replace(",", "")) for r in rows]
    ratios = [float(r.split("|")[5]) for r in rows]
    lines += ["", f"OR-Tools, {args.workers} instances at a time: guided local search from the construction "
              f"over {STEPS:,} steps; `model` = `OrToolsEngine.search_rate`; `ratio` = measured / model.",
              "", "| instance | orders | steps/s | model | ratio |", "|---|---|---|---|---|", *rows, "",
              f"Slowest {min(rates):,.0f}/s, fastest {max(rates):,.0f}/s; lowest ratio {min(ratios):.2f}; "
              f"ratios below 1: {sum(r < 1 for r in ratios)} of {len(rows)}."]
    print(*lines[-3:], sep="\n", flush=True)
    lines += ["", f"PyVRP, {args.workers} instances at a time: `search` = {SEARCH_ITERATIONS} iterations from "
              "the construction; `eliminate` = route elimination (one rider fewer, first feasible plan, "
              f"at most {FLEET_ITERATIONS} iterations) from the searched plan; `fixed` = {FIXED_ITERATIONS} "
              "iterations on a fixed fleet (`solve(fixed_fleet=True)`) from the eliminated plan (the searched "
              "one if elimination failed), with `routes` riders; `model` = `PyVrpEngine.search_rate` on the "
              "plan each starts from; `ratio` = measured / model (below 1, a time-derived budget would "
              "outlast its time).", "",
              "| instance | PyVRP nodes | routes | search it/s | model | ratio | eliminate it/s | model | ratio "
              "| routes | fixed it/s | model | ratio |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    jobs = [(kind, p.stem) for kind in args.sets if kind != "darp" for p in instance_paths(kind)]
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(pyvrp_speeds, *zip(*jobs, strict=True)))
    for row in rows:
        print(row, flush=True)
    ratios = [(float(r.split("|")[6]), float(r.split("|")[9]), float(r.split("|")[13])) for r in rows]
    low = [min(x[i] for x in ratios) for i in range(3)]
    below = [sum(x[i] < 1 for x in ratios) for i in range(3)]
    lines += [*rows, "", f"Lowest ratio: search {low[0]:.2f}, eliminate {low[1]:.2f}, fixed fleet {low[2]:.2f}; "
                     f"ratios below 1: search {below[0]}, eliminate {below[1]}, fixed fleet {below[2]} of {len(rows)}."]
    out = Path(__file__).parent / "results" / "engine_speed.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
