"""``auto`` with and without its companion on Banyuwangi days, at ``scale.py``'s budgets.

Where PyVRP relaxes a rule (cold items), ``auto``'s companion is OR-Tools from its own first
solution (:mod:`medroute.engines.portfolio.companion`); on these days the table's plans are far
better than OR-Tools alone's, so the companion's plan rarely wins and what it may cost is the
table's share of the machine. Each day (``expanded`` with ``--sizes`` orders, scenario seeds
``--seeds``) is solved by ``AutoEngine()`` and by ``AutoEngine(parallel=False)`` one after the
other at ``max(5, orders / 20)`` s, seed 0, and the objectives compared.

    .venv/bin/python benchmarks/companion_ab.py --sizes 50 100 200 --seeds 0 1 2 \\
        --out benchmarks/results/companion/expanded-ab.md
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from medroute import scenarios
from medroute.bench.results import study
from medroute.engines.portfolio.auto import AutoEngine
from medroute.solve import solve


def pair(orders: int, seed: int) -> dict[str, Any]:
    """One day solved with the companion and without, one after the other."""
    sc = scenarios.load("expanded", seed=seed, orders=orders)
    budget = max(5.0, orders / 20)
    row: dict[str, Any] = {"orders": orders, "seed": seed, "budget_s": budget}
    for tag, parallel in (("with", None), ("without", False)):
        sol = solve(sc.problem, engine=AutoEngine(parallel=parallel), time_limit=budget, seed=0, matrix=sc.matrix)
        row[tag] = {"objective_rp": sol.kpis.objective_rp, "best_stage": sol.stats.best_stage if sol.stats else "",
                    "served": len(sc.problem.orders) - len(sol.unassigned)}
    row["ratio"] = row["with"]["objective_rp"] / row["without"]["objective_rp"]
    return row


def markdown(rows: Sequence[dict[str, Any]]) -> str:
    ratios = [r["ratio"] for r in rows]
    lines = ["# `auto` with and without its companion (`expanded`, seed 0 per solve)", "",
             "| orders | scenario seed | budget s | with: objective Rp (plan's stage) | without | with / without |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['orders']} | {r['seed']} | {r['budget_s']:g} | {r['with']['objective_rp']:,.0f} "
              f"({r['with']['best_stage']}) | {r['without']['objective_rp']:,.0f} ({r['without']['best_stage']}) | "
              f"{r['ratio']:.4f} |" for r in rows]
    lines += ["", f"Mean ratio {statistics.fmean(ratios):.4f}; with the companion cheaper on "
              f"{sum(x < 0.999 for x in ratios)}, dearer on {sum(x > 1.001 for x in ratios)} (by more than 0.1 %), "
              f"of {len(ratios)}."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", type=Path, required=True, help="markdown file (a .json beside it)")
    args = ap.parse_args(argv)
    with study(args.out, part=args.out.stem):
        rows = []
        for n in args.sizes:
            for s in args.seeds:
                rows.append(pair(n, s))
                print(json.dumps(rows[-1]), flush=True)
        args.out.write_text(markdown(rows), encoding="utf-8")
        args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
