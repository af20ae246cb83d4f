"""Reproducible mode: the same plans serial, twice, on a process pool, on a Dask cluster, and on a
machine slowed to about half its speed (busy-loop processes on every core).

Each problem is solved with ``stop=MaxWork(units)``; the table gives a digest of every plan's routes
per way of running, and whether they all agree, with the wall time (which is what the load changes).

Usage (from the repository root)::

    .venv/bin/python benchmarks/reproducible.py                 # ~5 min
    .venv/bin/python benchmarks/reproducible.py --units 2 --engines auto ortools

Writes ``benchmarks/results/reproducible/`` (``reproducible.md``, ``meta.json``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from medroute.batch import solve_many
from medroute.bench.results import study
from medroute.io import instance_paths, read_instance
from medroute.model import Problem
from medroute.scenarios import load
from medroute.solution import Solution
from medroute.stop import MaxWork


def problems() -> list[tuple[str, Problem, Any]]:
    """Banyuwangi days (soft targets, cold budgets) and literature instances (exact, DARP)."""
    out = []
    for name, orders in (("expanded", 60), ("expanded", 200)):
        sc = load(name, seed=0, orders=orders)
        out.append((f"{name}-{orders}", sc.problem, sc.matrix))
    for kind, stem in (("solomon", "RC201"), ("lilim", "lr104"), ("darp", "a4-40")):
        path = next(p for p in instance_paths(kind) if p.stem == stem)
        lit = read_instance(path, kind)
        out.append((f"{kind}-{stem}", lit.problem, lit.matrix))
    return out


def digest(solution: Solution) -> str:
    """A short hash of the plan's routes (riders and stop order)."""
    routes = [[r.rider, [(s.kind.value, s.order) for s in r.stops]] for r in solution.routes]
    return hashlib.sha256(json.dumps(routes).encode()).hexdigest()[:10]


def _burn(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def run(label: str, executor: Callable[[], Executor], items: Sequence[tuple[str, Problem, Any]],
        kwargs: dict[str, Any]) -> tuple[list[str], float]:
    """Plans' digests and wall time for one way of running."""
    t0 = time.perf_counter()
    with executor() as ex:
        sols = solve_many([p for _, p, _ in items], matrices=[m for _, _, m in items], executor=ex, **kwargs)
    print(label, [digest(s) for s in sols], flush=True)
    assert all(s.stats is not None and s.stats.reproducible for s in sols), label
    return [digest(s) for s in sols], time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """Solve every problem every way; returns 0 if all plans agree."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=float, default=1.0, help="MaxWork units per solve")
    ap.add_argument("--engines", nargs="+", default=["auto"])
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "reproducible" / "reproducible.md")
    args = ap.parse_args(argv)
    with study(args.out, units=args.units, engines=args.engines):
        return _compare(args)


def _compare(args: argparse.Namespace) -> int:
    items = problems()
    spawn = multiprocessing.get_context("spawn")
    lines = ["# Reproducible mode", "", "```",
             f"python benchmarks/reproducible.py --units {args.units:g} --engines {' '.join(args.engines)}", "```",
             "", f"`stop=MaxWork({args.units:g})`, seed 0. Cells: a digest of each plan's routes; `slowed` runs "
             f"with {os.cpu_count()} busy-loop processes beside it (each solve gets about half a core less).",
             "", "| engine | way | wall s | " + " | ".join(n for n, _, _ in items) + " | same |",
             "|" + "---|" * (len(items) + 4)]
    ok = True
    for engine in args.engines:
        kwargs = {"engine": engine, "stop": MaxWork(args.units), "seed": 0}
        ways: list[tuple[str, Callable[[], Executor]]] = [
            ("serial", lambda: ThreadPoolExecutor(1)), ("serial again", lambda: ThreadPoolExecutor(1)),
            ("process pool", lambda: ProcessPoolExecutor(2, mp_context=spawn))]
        try:
            import distributed

            def dask() -> Any:
                cluster = distributed.LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
                return distributed.Client(cluster).get_executor()  # type: ignore[no-untyped-call]

            ways.append(("dask LocalCluster", dask))
        except ImportError:
            pass
        rows = []
        for label, make in ways:
            rows.append((label, *run(label, make, items, kwargs)))
        burners = [spawn.Process(target=_burn, args=(3600,), daemon=True) for _ in range(os.cpu_count() or 2)]
        for b in burners:
            b.start()
        try:
            rows.append(("slowed (serial)", *run("slowed", lambda: ThreadPoolExecutor(1), items, kwargs)))
        finally:
            for b in burners:
                b.kill()
        first = rows[0][1]
        for label, digests, wall in rows:
            same = digests == first
            ok &= same
            cells = " | ".join(digests)
            lines.append(f"| {engine} | {label} | {wall:.1f} | {cells} | {'yes' if same else 'NO'} |")
    lines += ["", "All plans agree." if ok else "Some plans differ."]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
