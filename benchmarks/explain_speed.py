"""Why is an order left out? How fast and how fully a plan's left-out orders are explained.

    .venv/bin/python benchmarks/explain_speed.py [--scenario surge] [--shares 12 6] [--work 10]
                                                [--sample 20] [--time-limit 20]

For each fleet (the scenario's riders cut to one in ``share``), ``auto`` plans the day on
``MaxWork(work)`` (reproducible), and every order it leaves out is explained:

* **screened** (:func:`medroute.explain.explain`): necessary tests in arrays rule most insertions
  out, the rest are timed exactly;
* **timed one by one**, on ``sample`` of those orders spread over the list: every insertion in
  order, each timed with :func:`~medroute.schedule.schedule_route`, up to the same 2,000 timings
  an order (how ``explain`` worked before the screen).

Both with no deadline, so their reasons can be compared order by order. Then what a user sees:
``auto`` on the clock (``time_limit`` seconds, clock-bound), its left-out orders and their reasons,
where explaining gets what the clock leaves. Writes ``explain_speed.md``, ``explain_speed.json``
and ``meta.json`` into ``benchmarks/results/explain_speed/``. Travel is haversine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from medroute import MaxWork, Reason, scenarios, solve
from medroute.bench.results import study
from medroute.compile import Instance, compile_problem
from medroute.explain import BINDING, explain
from medroute.schedule import Infeasible, node_routes, route_cost, schedule_route
from medroute.solve import EXPLAIN_MIN_S

OUT = Path(__file__).parent / "results" / "explain_speed"


def timed_one_by_one(inst: Instance, routes: Sequence[Sequence[int]], k: int, max_trials: int = 2000) -> Reason:
    """Order ``k``'s reason from timing its insertions in order, none ruled out beforehand."""
    carrier = int(inst.carried_by[k])
    riders = [carrier] if carrier >= 0 else [r for r in range(inst.m) if inst.allowed[k, r]]
    if not riders:
        return Reason.NO_RIDER
    per_rider = max(30, max_trials // len(riders))
    why: Counter[Reason] = Counter()
    best: float | None = None
    p, d = inst.pickup(k), inst.delivery(k)
    for r in riders:
        seq = list(routes[r])
        base = schedule_route(inst, r, seq)
        if isinstance(base, Infeasible):
            why[base.reason] += 1
            continue
        cost = route_cost(inst, r, seq, base)
        ways = ([[*seq[:j], d, *seq[j:]] for j in range(len(seq) + 1)] if carrier >= 0 else
                ([*seq[:i], p, *seq[i:j], d, *seq[j:]] for i in range(len(seq) + 1) for j in range(i, len(seq) + 1)))
        for trials, cand in enumerate(ways):
            if trials >= per_rider:
                break
            res = schedule_route(inst, r, cand)
            if isinstance(res, Infeasible):
                why[res.reason] += 1
                continue
            delta = route_cost(inst, r, cand, res) - cost
            best = delta if best is None else min(best, delta)
    if best is not None:
        return Reason.NOT_WORTH_IT if not inst.required[k] and best > float(inst.drop_cost[k]) else Reason.SEARCH_LIMIT
    counted = [(why[reason], -i, reason) for i, reason in enumerate(BINDING) if why[reason]]
    return max(counted)[2] if counted else Reason.SEARCH_LIMIT


def measure(scenario: str, share: int, work: float, sample: int, time_limit: float) -> dict[str, Any]:
    """One fleet: the plan on ``MaxWork``, its left-out orders explained both ways, and the clock run."""
    full = scenarios.load(scenario, seed=0, backend="haversine").problem
    problem = replace(full, riders=full.riders[: max(1, len(full.riders) // share)])
    plan = solve(problem, engine="auto", stop=MaxWork(work))
    inst = compile_problem(problem)
    routes = node_routes(inst, plan)
    served = {inst.order_of(v) for seq in routes for v in seq}
    left = [k for k in range(inst.n) if k not in served and k not in inst.flagged]
    t = time.perf_counter()
    screened = explain(inst, routes)
    screened_s = time.perf_counter() - t
    spread = np.linspace(0, len(left) - 1, min(sample, len(left))).round().astype(int).tolist() if left else []
    picked = [left[i] for i in spread]
    t = time.perf_counter()
    one_by_one = {k: timed_one_by_one(inst, routes, k) for k in picked}
    one_by_one_s = time.perf_counter() - t
    clock = solve(problem, engine="auto", time_limit=time_limit)
    row = {"scenario": scenario, "orders": len(problem.orders), "riders": len(problem.riders), "work": work,
           "left_out": len(left), "flagged": len(inst.flagged),
           "screened_ms_per_order": 1e3 * screened_s / max(1, len(left)),
           "screened_reasons": dict(Counter(r.value for r in screened.values())),
           "sample": len(picked), "one_by_one_ms_per_order": 1e3 * one_by_one_s / max(1, len(picked)),
           "one_by_one_reasons": dict(Counter(r.value for r in one_by_one.values())),
           "agree": sum(one_by_one[k] == screened[k] for k in picked),
           "clock_s": time_limit, "clock_solve_s": clock.solve_time_s,
           "clock_unassigned": len(clock.unassigned),
           "clock_reasons": dict(Counter(u.reason.value for u in clock.unassigned))}
    print(row, file=sys.stderr, flush=True)
    return row


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "–"


def markdown(rows: Sequence[dict[str, Any]], command: str) -> str:
    """The committed table: per fleet, both ways side by side, and the clock run."""
    lines = ["# Explaining left-out orders", "", "```", command, "```", "",
             "`auto` plans the day on `MaxWork` (reproducible); every order it leaves out is explained with "
             "the necessary tests (*screened*, `medroute.explain`) and, on a sample spread over them, by timing "
             "each insertion in turn up to 2,000 an order (*one by one*, how `explain` worked before), both "
             "without a deadline. Times are per order, on this machine (clock-bound; the load is in "
             "`meta.json`). *Agree*: the same reason both ways on the sample. *On the clock*: `auto` with a "
             f"time limit, what a user sees: explaining gets what the limit leaves (at least {EXPLAIN_MIN_S:g} s).",
             "",
             "| day | riders | left out | screened: ms / order | screened: reasons | one by one: ms / order "
             "(sample) | one by one: reasons | agree | on the clock: left out, reasons |",
             "|---|---:|---:|---:|---|---:|---|---:|---|"]
    for r in rows:
        speed = r["one_by_one_ms_per_order"] / max(r["screened_ms_per_order"], 1e-9)
        lines.append(f"| {r['scenario']} ({r['orders']:,} orders) | {r['riders']} | {r['left_out']:,} | "
                     f"{r['screened_ms_per_order']:.1f} | {_reasons(r['screened_reasons'])} | "
                     f"{r['one_by_one_ms_per_order']:.0f} ({r['sample']}; {speed:,.0f} ×) | "
                     f"{_reasons(r['one_by_one_reasons'])} | {r['agree']} of {r['sample']} | "
                     f"{r['clock_unassigned']:,} at {r['clock_s']:g} s: {_reasons(r['clock_reasons'])} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="surge")
    ap.add_argument("--shares", type=int, nargs="+", default=[12, 6], help="keep one rider in each SHARE")
    ap.add_argument("--work", type=float, default=10.0, help="auto's MaxWork budget for the plan explained")
    ap.add_argument("--sample", type=int, default=20, help="orders timed one by one")
    ap.add_argument("--time-limit", type=float, default=20.0, help="the clock run's limit, seconds")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    command = "python benchmarks/explain_speed.py " + " ".join(argv if argv is not None else sys.argv[1:])
    with study(args.out, command=command.strip(), scenario=args.scenario, shares=args.shares, work=args.work):
        rows = [measure(args.scenario, s, args.work, args.sample, args.time_limit) for s in args.shares]
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "explain_speed.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
        text = markdown(rows, command.strip())
        (args.out / "explain_speed.md").write_text(text, encoding="utf-8")
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
