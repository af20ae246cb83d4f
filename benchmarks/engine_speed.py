"""Engine speeds: the measured work rates behind reproducible mode (``stop=MaxWork(...)``).

A work unit is one reference second of each engine's work; ``--write-rates`` measures PyVRP's
iterations and OR-Tools' search steps per second on the ``expanded`` scenario and writes them,
with this machine's description, to ``src/medroute/engines/work_rates.json``
(:mod:`medroute.engines.work`). Without it, the literature instances are measured against the
committed rates (how far a unit's time strays from a second by instance).

Usage (from the repository root)::

    .venv/bin/python benchmarks/engine_speed.py --write-rates          # ~3 min
    .venv/bin/python benchmarks/engine_speed.py --sets lilim solomon    # the table, ~20 min

Writes ``src/medroute/engines/work_rates.json`` or ``benchmarks/results/engine_speed/engine_speed.md``
(``meta.json`` beside it records both).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from medroute.bench.results import study
from medroute.compile import Instance, compile_problem
from medroute.engines.greedy import GreedyEngine
from medroute.engines.ortools import _params, build_model, step_limit
from medroute.engines.pyvrp import pyvrp_nodes
from medroute.insertion import Deadline, Inserter
from medroute.io import instance_paths, read_instance
from medroute.scenarios import load
from medroute.stop import MaxRuntime

OUT = Path(__file__).parent / "results" / "engine_speed"
"""Where the study writes (``benchmarks/results/engine_speed/``)."""


def _machine() -> dict[str, object]:
    """The machine a measurement ran on (for ``work_rates.json``)."""
    import os
    import platform
    from importlib.metadata import version

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"cpu": cpu, "cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "pyvrp": version("pyvrp"), "ortools": version("ortools"), "load_1min": os.getloadavg()[0],
            "date": time.strftime("%Y-%m-%d")}


def pyvrp_iterations_per_second(inst: Instance, start: list[list[int]], seconds: float) -> float:
    """PyVRP iterations per second from ``start`` (each iteration counted as one unit)."""
    from medroute.engines.pyvrp import _Criterion, _run, _to_pyvrp_solution
    from medroute.engines.pyvrp import build_model as pyvrp_model
    from medroute.stop import MaxRuntime, Meter

    model = pyvrp_model(inst)
    meter = Meter(MaxRuntime(seconds))
    _run(model, inst, _Criterion(meter, 1.0), 0, _to_pyvrp_solution(model, inst, start))
    return meter.work / meter.elapsed()


def ortools_steps_per_second(inst: Instance, start: list[list[int]], seconds: float) -> float:
    """OR-Tools search steps per second from ``start`` (model build excluded)."""
    from medroute.engines.ortools import _restore
    from medroute.stop import MaxRuntime, Meter

    model = build_model(inst)
    assert model is not None
    assignment = _restore(model, inst, start)
    meter = Meter(MaxRuntime(seconds))
    step_limit(model.routing, meter, 1.0)
    model.routing.SolveFromAssignmentWithParameters(assignment, _params(None, "PARALLEL_CHEAPEST_INSERTION"))
    return meter.work / meter.elapsed()


def write_rates(sizes: list[int], seconds: float, command: str) -> Path:
    """Measure PyVRP's and OR-Tools' speeds on the ``expanded`` scenario at ``sizes`` orders and
    write ``src/medroute/engines/work_rates.json`` (what a work unit is: :mod:`medroute.engines.work`)."""
    import json

    from medroute.engines.portfolio.restrict import targeted_instance
    from medroute.engines.work import RATES_FILE

    tables: dict[str, list[list[float]]] = {"pyvrp": [], "ortools": [], "ortools_soft": []}
    for n in sizes:
        sc = load("expanded", seed=0, orders=n)
        inst = compile_problem(sc.problem, sc.matrix)
        start = [list(r) for r in GreedyEngine().solve(inst, stop=MaxRuntime(600), seed=0).routes]
        untargeted = dataclasses.replace(inst, late_cost=np.zeros_like(inst.late_cost))
        tables["pyvrp"].append([pyvrp_nodes(inst)[0],
                                round(pyvrp_iterations_per_second(targeted_instance(inst), start, seconds), 1)])
        tables["ortools_soft"].append([inst.n, round(ortools_steps_per_second(inst, start, seconds))])
        tables["ortools"].append([inst.n, round(ortools_steps_per_second(untargeted, start, seconds))])
        print(n, {k: v[-1] for k, v in tables.items()}, flush=True)
    doc = {"about": "Native work per reference second: PyVRP iterations by PyVRP nodes (targeted "
                    "instance, from the greedy plan), OR-Tools search steps by orders (from the greedy "
                    "plan, with and without soft targets), on the expanded scenario.",
           "command": command, "machine": _machine(), "seconds_per_point": seconds,
           "pyvrp": {"size": "pyvrp_nodes", "rates": tables["pyvrp"]},
           "ortools": {"size": "orders", "rates": tables["ortools"]},
           "ortools_soft": {"size": "orders", "rates": tables["ortools_soft"]}}
    RATES_FILE.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return RATES_FILE


def literature_ratios(kind: str, name: str, seconds: float) -> str:
    """One table row: measured speeds on a literature instance over the committed rates."""
    from medroute.engines.work import per_unit

    lit = read_instance(next(p for p in instance_paths(kind) if p.stem == name), kind)
    inst = compile_problem(lit.problem, lit.matrix)
    start, _ = Inserter(inst).insert([[] for _ in range(inst.m)], list(range(inst.n)), Deadline(60))
    nodes = pyvrp_nodes(inst)[0]
    pv, ot = pyvrp_iterations_per_second(inst, start, seconds), ortools_steps_per_second(inst, start, seconds)
    return (f"| {name} | {nodes} | {pv:,.0f} | {pv / per_unit('pyvrp', nodes):.2f} | {ot:,.0f} | "
            f"{ot / per_unit('ortools', inst.n):.2f} |")


def main() -> int:
    """Measure; write the rates (``--write-rates``) or the literature table; returns 0."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20, 50, 100, 200, 500, 1000])
    ap.add_argument("--sets", nargs="+", default=["lilim", "solomon"], choices=["lilim", "solomon", "darp"])
    ap.add_argument("--workers", type=int, default=1, help="processes for the literature table")
    ap.add_argument("--write-rates", action="store_true",
                    help="measure the work rates and write src/medroute/engines/work_rates.json")
    ap.add_argument("--seconds", type=float, default=5.0, help="seconds per measurement")
    args = ap.parse_args()
    if args.write_rates:
        write_rates(args.sizes, args.seconds, "python benchmarks/engine_speed.py --write-rates --sizes "
                    f"{' '.join(map(str, args.sizes))} --seconds {args.seconds:g}")
        return 0
    command = (f"python benchmarks/engine_speed.py --sets {' '.join(args.sets)} --workers {args.workers} "
               f"--seconds {args.seconds:g}")
    jobs = [(kind, p.stem) for kind in args.sets for p in instance_paths(kind)]
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(literature_ratios, *zip(*jobs, strict=True), [args.seconds] * len(jobs)))
    lines = ["# Engine speeds against the committed work rates", "", "```", command, "```", "",
             f"{args.workers} instances at a time, {args.seconds:g} s each from the construction; `ratio` = "
             "measured / `engines/work_rates.json` at the instance's size: how many seconds a work unit "
             "takes here on this instance (below 1: slower than the reference curve).", "",
             "| instance | PyVRP nodes | PyVRP it/s | ratio | OR-Tools steps/s | ratio |",
             "|---|---|---|---|---|---|", *rows]
    out = OUT / "engine_speed.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(*lines, sep="\n")
    return 0


if __name__ == "__main__":
    with study(OUT, part="work_rates" if "--write-rates" in sys.argv else "speeds"):
        raise SystemExit(main())
