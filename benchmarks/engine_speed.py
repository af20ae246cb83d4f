"""Engine speeds behind the calibrations in ``docs/engines.md``: OR-Tools' first-solution time
(parallel cheapest insertion) and the greedy plan on the ``expanded`` scenario, and PyVRP's
iterations per second on literature and Banyuwangi instances.

Usage (from the repository root)::

    .venv/bin/python benchmarks/engine_speed.py                       # 100, 200, 500 orders
    .venv/bin/python benchmarks/engine_speed.py --sizes 100 200 500 1000

Writes ``benchmarks/results/engine_speed.md``.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from medroute.compile import compile_problem
from medroute.engines.greedy import GreedyEngine
from medroute.engines.ortools import _params, build_model
from medroute.engines.pyvrp import PyVrpEngine
from medroute.io import instance_paths, read_instance
from medroute.scenarios import load

LITERATURE = {"lilim": ("lc101", "lr101", "lrc201", "lr205"), "solomon": ("C101", "R101", "RC201", "R205")}


def main() -> int:
    """Measure and write the table; returns 0."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 200, 500])
    ap.add_argument("--seconds", type=float, default=5.0, help="PyVRP run per instance, s")
    args = ap.parse_args()
    command = f"python benchmarks/engine_speed.py --sizes {' '.join(map(str, args.sizes))}"
    lines = ["# Engine speeds", "", "```", command, "```", "",
             "| orders | OR-Tools first solution s | greedy s |", "|---|---|---|"]
    for n in args.sizes:
        sc = load("expanded", seed=0, orders=n)
        inst = compile_problem(sc.problem, sc.matrix)
        model = build_model(inst)
        t = time.perf_counter()
        model.routing.SolveWithParameters(_params(600, 1, "PARALLEL_CHEAPEST_INSERTION"))
        pci = time.perf_counter() - t
        t = time.perf_counter()
        GreedyEngine().solve(inst, time_limit=600, seed=0)
        lines.append(f"| {n} | {pci:.2f} | {time.perf_counter() - t:.2f} |")
        print(lines[-1], flush=True)
    lines += ["", "| instance | orders | PyVRP iterations/s |", "|---|---|---|"]
    for kind, names in LITERATURE.items():
        for path in instance_paths(kind):
            if path.stem not in names:
                continue
            lit = read_instance(path, kind)
            inst = compile_problem(lit.problem, lit.matrix)
            t = time.perf_counter()
            res = PyVrpEngine(iterations=10**9).solve(inst, time_limit=args.seconds, seed=0)
            done = [int(x) for note in res.notes for x in re.findall(r"after (\d+) of", note)]
            lines.append(f"| {path.stem} | {inst.n} | {done[0] / (time.perf_counter() - t):.0f} |")
            print(lines[-1], flush=True)
    out = Path(__file__).parent / "results" / "engine_speed.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
