"""Scale curve: solve time and quality of ``auto`` against the number of orders.

Usage (from the repository root)::

    .venv/bin/python benchmarks/scale.py                         # 20 … 2000 orders, ~8 min of search
    .venv/bin/python benchmarks/scale.py --sizes 20 50 100       # a shorter curve
    .venv/bin/python benchmarks/scale.py --work --output benchmarks/results/scale-work   # reproducible mode

Budget rule: ``time_limit = max(5, orders / 20)`` seconds. The problems come from the
Banyuwangi generator (scenario ``expanded`` with an ``orders=`` override; ``--scenario
probolinggo`` uses the Probolinggo stand-in). Writes ``scale.png``, ``scale.md``, ``scale.json``
and ``meta.json`` into ``benchmarks/results/scale/``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from medroute.bench import SCALE_SIZES, run_scale


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and draw the curve; returns 0 if no plan had violations."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="expanded")
    parser.add_argument("--engine", default="auto")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SCALE_SIZES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "scale")
    parser.add_argument("--work", action="store_true", help="reproducible mode: MaxWork(budget) instead of the clock")
    args = parser.parse_args(argv)
    command = "python benchmarks/scale.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    points = run_scale(args.scenario, args.sizes, engine=args.engine, seed=args.seed, out=args.output,
                       command=command.strip(), work=args.work)
    for p in points:
        print(f"{p.orders:5d} orders  {p.solve_s:7.1f} s  served {p.served}/{p.orders}  "
              f"{p.objective_rp:14,.0f} Rp  violations {p.violations}  {p.note}")
    return 0 if all(p.violations == 0 for p in points) else 1


if __name__ == "__main__":
    raise SystemExit(main())
