"""``auto`` with its companion, with the companion it had before, and without one, on Banyuwangi days.

Where PyVRP relaxes a rule (cold items), ``auto``'s companion was OR-Tools from its own first
solution; on days where OR-Tools' search is slow (``stages.SLOW_ORTOOLS``: from about 70 orders
with soft targets) it is now a second ``alns`` (:mod:`medroute.engines.portfolio.companion`).
Each day (``--scenario`` with ``--sizes`` orders, or the cold-heavy variant with ``--cold``;
scenario seeds ``--seeds``) is solved one after the other by ``AutoEngine()`` (``with``), by
``AutoEngine`` with the OR-Tools companion (``ortools-own``) and by
``AutoEngine(parallel=False)`` (``without``), at ``--budget`` s (default
``max(5, orders / 20)``), seed 0, and the objectives compared::

    .venv/bin/python benchmarks/companion_ab.py --sizes 50 100 200 --seeds 0 1 2 \\
        --out benchmarks/results/companion/expanded-ab.md
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from medroute import scenarios
from medroute.bench.results import study
from medroute.engines.portfolio.auto import AutoEngine
from medroute.engines.portfolio.stages import COMPANIONS
from medroute.solve import solve

sys.path.insert(0, str(Path(__file__).parent))
from cold_heavy import COLD

VARIANTS = ("with", "ortools-own", "without")


def engine(variant: str) -> AutoEngine:
    """``auto`` as ``variant`` runs it."""
    if variant == "ortools-own":
        return AutoEngine(companions=tuple(c for c in COMPANIONS if c.name != "alns-own"))
    return AutoEngine(parallel=False if variant == "without" else None)


def pair(scenario: str, orders: int | None, seed: int, budget: float | None, cold: bool) -> dict[str, Any]:
    """One day solved by each of :data:`VARIANTS`, one after the other."""
    extra: dict[str, Any] = dict(COLD) if cold else {}
    if orders is not None:
        extra["orders"] = orders
    sc = scenarios.load(scenario, seed=seed, **extra)
    n = len(sc.problem.orders)
    seconds = budget if budget is not None else max(5.0, n / 20)
    row: dict[str, Any] = {"scenario": scenario + ("-cold" if cold else ""), "orders": n, "seed": seed,
                           "budget_s": seconds}
    for tag in VARIANTS:
        sol = solve(sc.problem, engine=engine(tag), time_limit=seconds, seed=0, matrix=sc.matrix)
        row[tag] = {"objective_rp": sol.kpis.objective_rp, "best_stage": sol.stats.best_stage if sol.stats else "",
                    "served": n - len(sol.unassigned), "on_time": sol.kpis.on_time_share}
    row["ratio"] = row["with"]["objective_rp"] / row["without"]["objective_rp"]
    row["ratio_before"] = row["with"]["objective_rp"] / row["ortools-own"]["objective_rp"]
    return row


def _summary(ratios: Sequence[float], name: str) -> str:
    return (f"with / {name}: mean {statistics.fmean(ratios):.4f} ({min(ratios):.4f}–{max(ratios):.4f}); cheaper on "
            f"{sum(x < 0.999 for x in ratios)}, dearer on {sum(x > 1.001 for x in ratios)} (by more than 0.1 %), "
            f"of {len(ratios)}.")


def markdown(rows: Sequence[dict[str, Any]]) -> str:
    lines = ["# `auto` with its companion, with OR-Tools' as before, and without (seed 0 per solve)", "",
             "| day | orders | scenario seed | budget s | with: objective Rp (plan's stage) | ortools-own | without "
             "| with / ortools-own | with / without |", "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['scenario']} | {r['orders']} | {r['seed']} | {r['budget_s']:g} | "
              f"{r['with']['objective_rp']:,.0f} ({r['with']['best_stage']}) | "
              f"{r['ortools-own']['objective_rp']:,.0f} ({r['ortools-own']['best_stage']}) | "
              f"{r['without']['objective_rp']:,.0f} ({r['without']['best_stage']}) | "
              f"{r['ratio_before']:.4f} | {r['ratio']:.4f} |" for r in rows]
    lines += ["", _summary([r["ratio_before"] for r in rows], "ortools-own"), "",
              _summary([r["ratio"] for r in rows], "without")]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--scenario", default="expanded")
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--budget", type=float, default=None, help="seconds per solve (default max(5, orders / 20))")
    ap.add_argument("--cold", action="store_true", help="the cold-heavy variant (benchmarks/cold_heavy.py)")
    ap.add_argument("--out", type=Path, required=True, help="markdown file (a .json beside it)")
    args = ap.parse_args(argv)
    with study(args.out, part=args.out.stem):
        rows = []
        for n in args.sizes:
            for s in args.seeds:
                rows.append(pair(args.scenario, n, s, args.budget, args.cold))
                print(json.dumps(rows[-1]), flush=True)
        args.out.write_text(markdown(rows), encoding="utf-8")
        args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
