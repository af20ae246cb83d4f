"""The ``alns`` engine's speed beside OR-Tools', and the measurement behind its compiled core.

For each instance (Cordeau DARP of several sizes and the cold-heavy Banyuwangi day): the alns
search for a fixed time from the construction's plan — iterations, candidate routes timed
exactly ("moves": each is one insertion position checked against every rule, ride times
included) and insertion positions screened per second — beside OR-Tools' search steps per
second from the same plan (``engine_speed.ortools_steps_per_second``: one step per candidate
move checked), and the iteration rate a work unit stands for (``alns.iteration_work``, the
``alns`` table of ``engines/work_rates.json``; ratio = measured / table). Then the decision for numba: one
route timing by ``medroute.schedule.schedule_route`` + ``route_cost`` (Python) against the
compiled ``alns_kernel.time_route`` on every route of the plan.

    .venv/bin/python benchmarks/alns_speed.py        # about 3 minutes on one core

Writes ``benchmarks/results/alns_speed/`` (``alns_speed.md``, ``meta.json``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from engine_speed import ortools_steps_per_second
from medroute.bench.results import study
from medroute.compile import Instance, compile_problem
from medroute.engines import alns_kernel
from medroute.engines.alns import AlnsEngine, iteration_work, tables, warm_up
from medroute.insertion import Deadline, Inserter
from medroute.io import instance_paths, read_instance
from medroute.schedule import Infeasible, route_cost, schedule_route
from medroute.stop import MaxRuntime

DARP = ("a2-16", "a4-40", "a6-72", "a8-96", "b5-50", "b8-96")


def instances() -> list[tuple[str, Instance]]:
    """The DARP instances of :data:`DARP` and the cold-heavy Banyuwangi day, compiled."""
    out = []
    paths = {p.stem: p for p in instance_paths("darp")}
    for name in DARP:
        lit = read_instance(paths[name], "darp")
        out.append((name, compile_problem(lit.problem, lit.matrix)))
    from cold_heavy import COLD
    from medroute.scenarios import load

    sc = load("expanded", seed=0, **COLD)
    out.append(("expanded-cold", compile_problem(sc.problem, sc.matrix)))
    return out


def timing_speeds(inst: Instance, routes: list[list[int]], reps: int) -> tuple[float, float]:
    """Microseconds per route timing: Python (schedule_route + route_cost), compiled (time_route)."""
    used = [(r, s) for r, s in enumerate(routes) if s]
    t = time.perf_counter()
    for _ in range(reps):
        for r, s in used:
            timed = schedule_route(inst, r, s)
            if not isinstance(timed, Infeasible):
                route_cost(inst, r, s, timed)
    python = (time.perf_counter() - t) / (reps * len(used)) * 1e6
    T = tables(inst)
    P = alns_kernel.new_plan(inst.n, inst.m, 0)
    riders = np.array([r for r, _ in used], np.int64)
    sizes = np.array([len(s) for _, s in used], np.int64)
    seqs = np.zeros((len(used), int(np.max(sizes))), np.int64)
    for x, (_, s) in enumerate(used):
        seqs[x, :len(s)] = s
    _time_all(T, P, riders, seqs, sizes, 1)
    t = time.perf_counter()
    _time_all(T, P, riders, seqs, sizes, reps * 100)
    compiled = (time.perf_counter() - t) / (reps * 100 * len(used)) * 1e6
    return python, compiled


@numba.njit
def _time_all(T: alns_kernel.Tables, P: alns_kernel.Plan, riders: np.ndarray, seqs: np.ndarray,
              sizes: np.ndarray, reps: int) -> float:
    """Every route timed ``reps`` times inside compiled code (no Python call per route)."""
    total = 0.0
    for _ in range(reps):
        for x in range(riders.shape[0]):
            total += alns_kernel.time_route(T, riders[x], seqs[x], sizes[x], P.t, P.gap, P.pick)
    return total


def row(name: str, inst: Instance, seconds: float) -> str:
    start, _ = Inserter(inst).insert([[] for _ in range(inst.m)], list(range(inst.n)), Deadline(60))
    res = AlnsEngine().solve(inst, stop=MaxRuntime(seconds), seed=0, initial=start)
    note = next(x for x in res.notes if x.startswith("alns:") and "iterations" in x)
    iterations = int(note.split()[1])
    timed = int(note.split(" routes timed")[0].rsplit(" ", 1)[1])
    ortools = ortools_steps_per_second(inst, start, seconds)
    modelled = 1.0 / iteration_work(inst)
    python, compiled = timing_speeds(inst, start, 20)
    rate, moves = iterations / seconds, timed / seconds
    return (f"| {name} | {inst.n} | {rate:,.0f} | {modelled:,.0f} | {rate / modelled:.2f} | {moves:,.0f} "
            f"| {ortools:,.0f} | {moves / ortools:.2f} | {python:.1f} | {compiled:.2f} | {python / compiled:.0f}× |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seconds", type=float, default=10.0, help="alns search time per instance")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "alns_speed" / "alns_speed.md")
    args = ap.parse_args(argv)
    with study(args.out, seconds=args.seconds):
        return _measure(args)


def _measure(args: argparse.Namespace) -> int:
    warm_up()
    lines = ["# alns speed beside OR-Tools", "",
             f"`.venv/bin/python benchmarks/alns_speed.py --seconds {args.seconds:g}`; load average at the start "
             f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores. Each alns run searches {args.seconds:g} s "
             "from the construction's plan, on the clock (`stop=MaxRuntime`). "
             "Moves = candidate routes timed exactly (every rule, ride times included); OR-Tools steps = "
             "its search steps per second from the same plan (one per candidate move checked). Route timing: "
             "µs per route of that plan, Python `schedule_route` + `route_cost` against numba `time_route`.", "",
             "| instance | orders | alns iterations/s | work-rate table | ratio | alns moves/s | OR-Tools steps/s "
             "| moves / steps | Python µs/route | numba µs/route | speed-up |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, inst in instances():
        lines.append(row(name, inst, args.seconds))
        print(lines[-1], flush=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
