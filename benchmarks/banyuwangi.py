"""The Banyuwangi benchmark suite: the script twin of ``medroute bench --suite banyuwangi``.

Usage (from the repository root)::

    .venv/bin/python benchmarks/banyuwangi.py                 # full suite, ~15-20 min on 2 cores
    .venv/bin/python benchmarks/banyuwangi.py --quick         # CI-size smoke run, ~1 min
    .venv/bin/python benchmarks/banyuwangi.py --scale         # also the scale curve (~10 min)
    .venv/bin/python benchmarks/banyuwangi.py --work --output benchmarks/results/banyuwangi-work
                                                              # reproducible mode (MaxWork)

Writes ``RESULTS.md``, ``runs.csv``, ``runs.json``, ``meta.json`` and PNG plots into
``benchmarks/results/banyuwangi/`` (see ``benchmarks/README.md``).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from medroute.bench_cli import bench_command


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the suite; returns the exit code of ``bench_command``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="banyuwangi")
    parser.add_argument("--budgets", type=float, nargs="+", help="seconds per solve, replacing the suite's")
    parser.add_argument("--engines", nargs="+", help="engine names (default: auto ortools pyvrp vroom greedy)")
    parser.add_argument("--seeds", type=int, nargs="+")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "banyuwangi")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scale", action="store_true", help="also run the scale curve")
    parser.add_argument("--work", action="store_true",
                        help="reproducible mode: stop=MaxWork(budget) instead of the clock")
    args = parser.parse_args(argv)
    command = "python benchmarks/banyuwangi.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    return bench_command(args.suite, args.budgets, args.engines, args.output, args.seeds, quick=args.quick,
                         scale=args.scale, command=command.strip(), work=args.work)


if __name__ == "__main__":
    raise SystemExit(main())
