"""Scale curve: solve time and quality against the number of orders, to 10,000.

Usage (from the repository root)::

    .venv/bin/python benchmarks/scale.py                         # auto on expanded, 20 … 2000 orders
    .venv/bin/python benchmarks/scale.py --sizes 20 50 100       # a shorter curve
    .venv/bin/python benchmarks/scale.py --work --output benchmarks/results/scale-work   # reproducible mode
    # big days (issue 21): each point in its own process, peak memory of its process tree measured
    .venv/bin/python benchmarks/scale.py --big --scenario surabaya \\
        --sizes 2000 5000 10000

Budget rule: ``time_limit = max(5, orders / 20)`` seconds; for ``--big`` the whole call (travel,
search and the independent check) gets 120 s at 5,000 orders and 300 s at 10,000 (the issue's
targets), ``max(5, orders / 20)`` below. ``--big`` runs, per size, in separate processes:

* ``auto``: ``medroute.solve(problem, engine="auto", matrix=backend)`` — from
  ``DECOMPOSE_ABOVE`` orders it plans in parts and never builds a full matrix — then
  ``medroute.check(problem, plan, backend)``; wall time, peak resident memory of the process and
  its workers (sampled every 0.2 s), objective and on-time share;
* ``greedy``: the dispatcher's rule on the full matrix (the reference of the ratios);
* ``mono``: ``auto`` planning the day whole (no decompose stage) on the full matrix at the same
  budget, and ``mono-long`` at ``--long`` times it, up to ``--mono-max`` orders (beyond, a whole
  day does not fit the budget: PyVRP's first local search alone outlasts it);
* ``parts``: the decomposition forced at any size (``engine="decompose"``), to set the threshold;
* ``parts-1``: the same in one process (its parts planned one after the other), for a run that
  holds one core slot (``benchslot`` without ``--both``).

Writes ``scale.png``, ``scale.md``, ``scale.json`` and ``meta.json`` into ``--output`` (default
``benchmarks/results/scale/``; ``--big``: ``benchmarks/results/scale-big/<scenario>.{json,md}``,
points merged into what is there).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from medroute.bench import SCALE_SIZES, run_scale
from medroute.bench.results import study

BIG = Path(__file__).parent / "results" / "scale-big"
KINDS = ("auto", "parts", "parts-1", "greedy", "mono", "mono-long")


def big_budget(orders: int) -> float:
    """The whole call's budget for ``--big``, seconds."""
    return {5000: 120.0, 10000: 300.0}.get(orders, max(5.0, orders / 20))


def run_point(scenario: str, orders: int, kind: str, budget: float, seed: int) -> dict[str, Any]:
    """One measurement, in this process (the ``--point`` child)."""
    import medroute
    from medroute import scenarios
    from medroute.decompose import solve_decomposed
    from medroute.engines.portfolio import STAGES, AutoEngine
    from medroute.stop import MaxRuntime

    t0 = time.perf_counter()
    sc = scenarios.load(scenario, seed=seed, orders=orders)
    problem, backend = sc.problem, sc.travel_backend
    out: dict[str, Any] = {"scenario": scenario, "orders": orders, "riders": len(problem.riders), "kind": kind,
                           "budget_s": budget, "seed": seed, "load_1min": os.getloadavg()[0],
                           "scenario_s": round(time.perf_counter() - t0, 1)}
    if kind in ("auto", "parts", "parts-1"):
        reserve = 0.06 * budget if orders >= 5000 else 0.0  # the check's share of the whole call
        t0 = time.perf_counter()
        if kind == "parts-1":
            sol = solve_decomposed(problem, matrix=backend, stop=MaxRuntime(budget - reserve), seed=0, max_workers=1)
        else:
            sol = medroute.solve(problem, engine="auto" if kind == "auto" else "decompose",
                                 stop=MaxRuntime(budget - reserve), matrix=backend, seed=0)
        out["solve_s"] = round(time.perf_counter() - t0, 1)
        t1 = time.perf_counter()
        out["violations"] = len(medroute.check(problem, sol, backend))
        out["check_s"] = round(time.perf_counter() - t1, 1)
    else:
        t0 = time.perf_counter()
        matrix = sc.matrix
        out["matrix_s"] = round(time.perf_counter() - t0, 1)
        whole = AutoEngine(stages=tuple(s for s in STAGES if s.name != "decompose"))
        engine: Any = "greedy" if kind == "greedy" else whole
        limit = 3600.0 if kind == "greedy" else budget
        t0 = time.perf_counter()
        sol = medroute.solve(problem, engine=engine, stop=MaxRuntime(limit), matrix=matrix, seed=0)
        out["solve_s"] = round(time.perf_counter() - t0, 1)
        out["violations"] = len(medroute.check(problem, sol, matrix))
    k = sol.kpis
    out.update(objective_rp=k.objective_rp, on_time_share=k.on_time_share, served=k.served,
               riders_used=k.riders_used, notes=list(sol.notes[:1]),
               stopped_by=sol.stats.stopped_by.value if sol.stats else "",
               stages=[[st.name, round(st.seconds, 1), round(st.work, 2), st.objective and st.objective / 100]
                       for st in (sol.stats.stages if sol.stats else ())])
    return out


def _tree_rss(pid: int) -> int:
    """Resident bytes of process ``pid`` and all its descendants."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total


def measure(scenario: str, orders: int, kind: str, budget: float, seed: int) -> dict[str, Any]:
    """Run one point in a child process, sampling its process tree's memory."""
    cmd = [sys.executable, __file__, "--point", json.dumps([scenario, orders, kind, budget, seed])]
    peak = 0
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)

    def sample() -> None:
        nonlocal peak
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    stdout, _ = proc.communicate()
    watcher.join()
    wall = time.perf_counter() - started
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"scenario": scenario, "orders": orders, "kind": kind, "budget_s": budget, "seed": seed,
                "error": f"exit {proc.returncode}", "wall_s": round(wall, 1)}
    point: dict[str, Any] = json.loads(lines[-1])
    point.update(peak_rss_gb=round(peak / 1e9, 2), wall_s=round(wall, 1))
    return point


def _key(p: dict[str, Any]) -> tuple[Any, ...]:
    return p["orders"], p["kind"], p["budget_s"], p["seed"]


def render(scenario: str, points: list[dict[str, Any]], command: str) -> str:
    """The Markdown table of ``points`` with ratios to greedy and to the monolithic run."""
    by = {(p["orders"], p["kind"]): p for p in points if "error" not in p}
    rows = []
    for p in sorted(points, key=lambda p: (p["orders"], KINDS.index(p["kind"]) if p["kind"] in KINDS else 9)):
        g = by.get((p["orders"], "greedy"))
        mono = by.get((p["orders"], "mono"))
        obj = p.get("objective_rp", math.nan)
        total = p.get("solve_s", math.nan) + p.get("check_s", 0.0)
        rows.append([str(p["orders"]), str(p.get("riders", "")), p["kind"], f"{p['budget_s']:g}", f"{total:.1f}",
                     f"{p.get('peak_rss_gb', math.nan):.2f}", f"{obj:,.0f}",
                     f"{obj / g['objective_rp']:.3f}" if g else "–",
                     f"{obj / mono['objective_rp']:.3f}" if mono else "–",
                     f"{100 * p.get('on_time_share', math.nan):.1f}", f"{p.get('served', '')}",
                     str(p.get("violations", p.get("error", ""))), f"{p.get('load_1min', math.nan):.1f}",
                     p.get("stopped_by", "")])
    head = ["orders", "riders", "run", "budget s", "time s", "peak GB", "objective Rp", "/ greedy", "/ mono",
            "on time %", "served", "viol.", "load", "stopped by"]
    table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join([
        f"# Scale to 10,000 orders: `{scenario}`", "", "```", command, "```", "",
        f"Any row again: `python benchmarks/scale.py --big --scenario {scenario} --sizes ORDERS --kinds RUN` "
        "(seed 0; the budget follows from the orders).", "",
        "Each row is its own process on a 2-core machine shared with other jobs (load = 1-minute load average "
        "when it started; every time is clock-bound). `time s` is the whole call: travel, search and, for "
        "`auto`/`parts`/`parts-1` (the parts in one process), the independent check (`medroute.check` with the "
        "travel backend, legs only). `peak GB`: "
        "resident memory of the process and its workers, scenario generation included; `greedy`/`mono` build the "
        "full matrix (their memory is not the target). `/ mono`: against `auto` planning the day whole at the "
        "same budget.", "", *table, ""])


def big(args: argparse.Namespace, command: str) -> int:
    """The ``--big`` study."""
    out = args.output if args.output is not None else BIG
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{args.scenario}.json"
    points: list[dict[str, Any]] = json.loads(path.read_text())["points"] if path.exists() else []
    bad = 0
    for orders in args.sizes:
        budget = big_budget(orders)
        for kind in args.kinds:
            if kind.startswith("mono") and orders > args.mono_max:
                continue
            b = budget * args.long if kind == "mono-long" else budget
            print(f"[scale] {args.scenario} {orders} {kind} {b:g} s", file=sys.stderr, flush=True)
            p = measure(args.scenario, orders, kind, b, args.seed)
            print(json.dumps(p), file=sys.stderr, flush=True)
            bad += int("error" in p or p.get("violations", 0) > 0)
            points = [q for q in points if _key(q) != _key(p)] + [p]
            path.write_text(json.dumps({"scenario": args.scenario, "command": command, "points": points},
                                       indent=1) + "\n")
            (out / f"{args.scenario}.md").write_text(render(args.scenario, points, command), encoding="utf-8")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the curve; returns 0 if no plan had violations."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=None, help="default: expanded (surabaya with --big)")
    parser.add_argument("--engine", default="auto")
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=None,
                        help="default: benchmarks/results/scale (--big: benchmarks/results/scale-big)")
    parser.add_argument("--work", action="store_true", help="reproducible mode: MaxWork(budget) instead of the clock")
    parser.add_argument("--big", action="store_true", help="the big-day study (see the module docstring)")
    parser.add_argument("--kinds", nargs="+", default=["auto", "greedy", "mono"], choices=KINDS)
    parser.add_argument("--mono-max", type=int, default=5000, help="largest day planned whole (--big)")
    parser.add_argument("--long", type=float, default=3.0, help="budget factor of mono-long (--big)")
    parser.add_argument("--point", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.point:
        print(json.dumps(run_point(*json.loads(args.point))))
        return 0
    command = "python benchmarks/scale.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    if args.big:
        args.scenario = args.scenario or "surabaya"
        args.sizes = args.sizes or [1000, 2000, 5000, 10000]
        with study(args.output or BIG, part=args.scenario, merge=True):
            return big(args, command.strip())
    points = run_scale(args.scenario or "expanded", args.sizes or list(SCALE_SIZES), engine=args.engine,
                       seed=args.seed, out=args.output or Path(__file__).parent / "results" / "scale",
                       command=command.strip(), work=args.work)
    for p in points:
        print(f"{p.orders:5d} orders  {p.solve_s:7.1f} s  served {p.served}/{p.orders}  "
              f"{p.objective_rp:14,.0f} Rp  violations {p.violations}  {p.note}")
    return 0 if all(p.violations == 0 for p in points) else 1


if __name__ == "__main__":
    raise SystemExit(main())
