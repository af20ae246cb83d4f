"""Is the time limit held? Every engine on a large day, the whole ``medroute.solve`` call timed.

The contract: ``solve(problem, time_limit=T)`` returns within ``1.05 T + 1`` seconds, at 2,000 orders
too (issue 18). Each engine solves a scenario (``expanded`` seed 0 unless told; haversine) at each
size and limit;
the table gives the wall time of the call, the bound, and what stopped the search.

Usage (from the repository root, with nothing else running: it measures the clock)::

    .venv/bin/python benchmarks/time_limit.py                          # 2,000 orders, 0.5 / 3 / 10 s
    .venv/bin/python benchmarks/time_limit.py --orders 500 2000 --limits 1 5
    .venv/bin/python benchmarks/time_limit.py --engines pyvrp,vroom --plain \
        --out benchmarks/results/time_limit/plain             # a day PyVRP and VROOM model exactly
    .venv/bin/python benchmarks/time_limit.py --scenario surge --seed 3 --orders 3000 --limits 3

Writes ``benchmarks/results/time_limit/`` (``time_limit.md``, ``time_limit.json``, ``meta.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import medroute
from medroute.bench.results import study
from medroute.engines.registry import available_engines, get_engine
from medroute.errors import EngineError
from medroute.scenarios import load

PLAIN: dict[str, Any] = {"cold_share": 0.0, "slot_share": 1.0}
"""Scenario parameters of ``--plain``: nothing PyVRP or VROOM relaxes."""


def run_one(problem: Any, matrix: Any, engine: str, limit: float) -> dict[str, Any]:
    """One timed ``solve`` call; an engine that refuses the problem is a row saying so."""
    load_1 = os.getloadavg()[0]
    t0 = time.perf_counter()
    try:
        sol = medroute.solve(problem, engine=engine, time_limit=limit, seed=0, matrix=matrix)
    except EngineError as exc:
        return {"engine": engine, "limit_s": limit, "refused": str(exc)[:80]}
    took = time.perf_counter() - t0
    stats = sol.stats
    return {"engine": engine, "limit_s": limit, "wall_s": round(took, 2), "bound_s": round(1.05 * limit + 1, 2),
            "held": took <= 1.05 * limit + 1, "served": len(sol.served), "orders": len(problem.orders),
            "stopped_by": str(stats.stopped_by) if stats else None, "load_1min": round(load_1, 2)}


def main(argv: list[str] | None = None) -> int:
    """Time every engine; returns 0 if every limit held."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="expanded")
    ap.add_argument("--seed", type=int, default=0, help="the scenario's seed")
    ap.add_argument("--orders", type=int, nargs="+", default=[2000])
    ap.add_argument("--limits", type=float, nargs="+", default=[0.5, 3.0, 10.0])
    ap.add_argument("--engines", default=",".join(available_engines()))
    ap.add_argument("--plain", action="store_true",
                    help="no cold orders and every order in a booked slot (no soft target): a day PyVRP and "
                         "VROOM model exactly")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "time_limit")
    args = ap.parse_args(argv)
    with study(args.out):
        return _measure(args)


def _measure(args: argparse.Namespace) -> int:
    engines = [e for e in args.engines.split(",") if e]
    rows = []
    for n in args.orders:
        sc = load(args.scenario, seed=args.seed, orders=n, **(PLAIN if args.plain else {}))
        for engine in engines:
            get_engine(engine)
            for limit in args.limits:
                rows.append({"orders_asked": n, **run_one(sc.problem, sc.matrix, engine, limit)})
                print(rows[-1], flush=True)
    command = (f"python benchmarks/time_limit.py --scenario {args.scenario} --seed {args.seed} --orders "
               + " ".join(map(str, args.orders)) + " --limits " + " ".join(f"{x:g}" for x in args.limits)
               + " --engines " + ",".join(engines)
               + (" --plain" if args.plain else ""))
    cols = ["orders_asked", "engine", "limit_s", "wall_s", "bound_s", "held", "served", "stopped_by", "load_1min",
            "refused"]
    lines = ["# Time limit held", "", "```", command, "```", "",
             f"`{args.scenario}` scenario, seed {args.seed} (with `--plain`: "
             + ", ".join(f"{k}={v:g}" for k, v in PLAIN.items())
             + "), haversine; `wall_s` = the "
             "whole `medroute.solve` call (compile, "
             "search, explanation); `bound_s` = 1.05 × limit + 1; `load_1min` = the machine's load average "
             "when the run started (2 cores).", "",
             "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    held = [r for r in rows if "held" in r]
    lines += ["", f"Held: {sum(r['held'] for r in held)} of {len(held)} runs."]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "time_limit.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (args.out / "time_limit.json").write_text(json.dumps({"command": command, "runs": rows}, indent=1) + "\n",
                                              encoding="utf-8")
    print("\n".join(lines[-len(rows) - 3:]))
    return 0 if all(r["held"] for r in held) else 1


if __name__ == "__main__":
    raise SystemExit(main())
