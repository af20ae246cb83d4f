"""Route elimination with and without restarts: how often it takes a rider out in its budget.

``auto``'s ``pyvrp-fleet`` stage (:class:`medroute.engines.pyvrp.PyVrpFleetEngine`) starts from
the plan the table has after its ``pyvrp`` stage and seeks a plan with one rider fewer. This script
builds that plan once per instance (the table's ``construct``, ``greedy`` and ``pyvrp`` stages, seed
0, ``--base`` seconds), then runs route elimination on it for ``--budget`` seconds with each of
``--seeds`` seeds, once as a single attempt (``restart_unit=inf``: the whole budget, one seed) and
once with Luby restarts (the engine's default ``RESTART_UNIT``), and counts the runs that took at least one
rider out. Clock-bound: one job on the machine at a time.

    .venv/bin/python benchmarks/route_elimination.py --instances RC101,RC102,RC105,R103,R104 \\
        --out benchmarks/results/route_elimination/solomon.md
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from literature import named_paths
from medroute.bench.results import study
from medroute.compile import compile_problem
from medroute.engines import pyvrp as engine_pyvrp
from medroute.engines.portfolio.auto import AutoEngine
from medroute.engines.portfolio.stages import STAGES
from medroute.io import read_instance
from medroute.stop import MaxRuntime

VARIANTS = {"single attempt": math.inf, "Luby restarts": engine_pyvrp.RESTART_UNIT}


def riders(routes: Sequence[Sequence[int]]) -> int:
    return sum(1 for r in routes if r)


def measure(kind: str, path: Path, base_s: float, budget_s: float, seeds: int) -> dict[str, Any]:
    """The base plan's riders and, per variant and seed, the riders route elimination took out."""
    src = read_instance(path, kind)
    inst = compile_problem(src.problem, src.matrix)
    table = tuple(s for s in STAGES if s.name in ("construct", "greedy", "pyvrp"))
    base = AutoEngine(stages=table, parallel=False).solve(inst, stop=MaxRuntime(base_s), seed=0)
    out: dict[str, Any] = {"instance": path.stem, "base_riders": riders(base.routes), "fewer": {}}
    for variant, unit in VARIANTS.items():
        engine = engine_pyvrp.PyVrpFleetEngine(restart_unit=unit)
        out["fewer"][variant] = [
            riders(base.routes) - riders(engine.solve(inst, stop=MaxRuntime(budget_s), seed=seed,
                                                      initial=base.routes).routes)
            for seed in range(seeds)]
    return out


def markdown(rows: Sequence[dict[str, Any]], kind: str, base_s: float, budget_s: float, seeds: int) -> str:
    head = " | ".join(f"{v}: runs with a rider fewer" for v in VARIANTS)
    lines = [f"# Route elimination with and without restarts ({kind}, {budget_s:g} s, seeds 0–{seeds - 1})", "",
             f"From the plan of `auto`'s `construct`, `greedy` and `pyvrp` stages ({base_s:g} s, seed 0), route "
             f"elimination (`PyVrpFleetEngine`) for {budget_s:g} s per seed; riders taken out per seed.", "",
             f"| instance | base riders | {head} |", "|---|---|" + "---|" * len(VARIANTS)]
    for r in rows:
        cells = " | ".join(f"{sum(x > 0 for x in r['fewer'][v])} of {seeds} ({', '.join(map(str, r['fewer'][v]))})"
                           for v in VARIANTS)
        lines.append(f"| {r['instance']} | {r['base_riders']} | {cells} |")
    totals = " | ".join(f"{sum(sum(x > 0 for x in r['fewer'][v]) for r in rows)} of {seeds * len(rows)}"
                        for v in VARIANTS)
    lines.append(f"| all | – | {totals} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--set", default="solomon", help="literature set (solomon, lilim)")
    ap.add_argument("--instances", required=True, help="comma-separated instance names")
    ap.add_argument("--base", type=float, default=14.6, help="seconds for the base plan (the table's pyvrp stage "
                    "at 30 s gets about this)")
    ap.add_argument("--budget", type=float, default=6.0, help="seconds of route elimination (its share at 30 s)")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--out", type=Path, required=True, help="markdown file (a .json beside it)")
    args = ap.parse_args(argv)
    paths = named_paths(args.set, args.instances)
    with study(args.out, part=args.out.stem):
        rows = []
        for p in paths:
            rows.append(measure(args.set, p, args.base, args.budget, args.seeds))
            print(json.dumps(rows[-1]), flush=True)
        args.out.write_text(markdown(rows, args.set, args.base, args.budget, args.seeds), encoding="utf-8")
        args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
