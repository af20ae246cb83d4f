"""The cold-heavy Banyuwangi day (issue 19): where out-of-fridge budgets bind.

``expanded`` (200 orders, the 20 real facilities) with half the orders frozen — a 1-hour budget
from pickup to door, the tightest class of ``medroute.coldchain`` — and cool boxes on 60 % of
the riders. PyVRP and VROOM cannot model the budgets: they run relaxed and the checker counts
the plans they break. The same day is the ``expanded-cold`` row of the Banyuwangi suite
(``medroute.bench.COLD_HEAVY``); this script runs it alone, e.g.::

    .venv/bin/python benchmarks/cold_heavy.py --engines auto ortools pyvrp vroom greedy alns \\
        --output benchmarks/results/cold_heavy

It builds the suite from plain values (no import of ``COLD_HEAVY``), so the same file measures
an older checkout too ("today's ``auto``", ``benchmarks/README.md``).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from medroute.bench import ScenarioRun, Suite, run_suite

COLD = {"cold_share": 0.5, "cold_temperature": "frozen", "coolbox_share": 0.6}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--budgets", type=float, nargs="+", default=[10.0, 30.0], help="seconds per solve")
    ap.add_argument("--engines", nargs="+", default=["auto", "ortools", "pyvrp", "vroom", "greedy", "alns"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--output", type=Path, default=Path("benchmarks/results/cold_heavy"))
    args = ap.parse_args(argv)
    suite = Suite("cold-heavy", (ScenarioRun("expanded", tuple(args.budgets), COLD, label="expanded-cold"),),
                  engines=tuple(args.engines), seeds=tuple(args.seeds))
    command = "python benchmarks/cold_heavy.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    run_suite(suite, out=args.output, command=command.strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
