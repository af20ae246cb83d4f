"""How many iterations ``auto``'s companion gets against PyVRP alone at the same clock.

Issue 17 holds ``auto`` to PyVRP alone instance by instance; ``auto``'s companion
(:mod:`medroute.engines.portfolio.companion`) runs PyVRP's own search with the same seed beside
the stage table, so it reaches PyVRP alone's plan when it gets as many iterations. This script
solves each instance with ``auto`` and then PyVRP alone in one process (as ``literature.py``
does) and logs, for every PyVRP search the two start, when it first and last asked its
stopping criterion (seconds from the solve's start) and its iterations: the companion's search
against PyVRP alone's, the iterations it lacked and why (a later start, a lower rate beside the
table). The count is taken by wrapping ``medroute.engines.pyvrp._Criterion`` (PyVRP's stopping
criterion), which every PyVRP search of medroute asks once per iteration.

    .venv/bin/python benchmarks/companion_iterations.py --set solomon --instances RC207,R107,RC106 \\
        --time-limit 10 --out benchmarks/results/companion/solomon-10s.md
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from literature import named_paths, run_one
from medroute.bench.results import study
from medroute.engines import pyvrp as engine_pyvrp


def instrument(log: Path) -> None:
    """Append one JSON line per PyVRP search to ``log`` when it stops (any process)."""
    ask = engine_pyvrp._Criterion.__call__

    def counted(self: Any, best_cost: float) -> bool:
        now = time.perf_counter()
        if self.iterations < 0:
            self.first_asked = now
        done = ask(self, best_cost)
        if done:
            line = {"pid": os.getpid(), "iterations": self.iterations, "first": self.first_asked, "last": now,
                    "first_feasible": self.first_feasible}
            with log.open("a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")
        return done

    engine_pyvrp._Criterion.__call__ = counted  # type: ignore[method-assign]


def searches(log: Path) -> list[dict[str, Any]]:
    """The searches logged so far (and empty the log)."""
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    log.write_text("", encoding="utf-8")
    return lines


def measure(kind: str, path: Path, time_limit: float, log: Path) -> dict[str, Any]:
    """``auto`` then PyVRP alone on one instance: the companion's search and PyVRP alone's."""
    out: dict[str, Any] = {"instance": path.stem}
    for engine in ("auto", "pyvrp"):
        searches(log)
        t0 = time.perf_counter()
        rec = run_one(kind, path, engine, time_limit, None)
        runs = [s | {"first": s["first"] - t0, "last": s["last"] - t0} for s in searches(log)]
        full = [s for s in runs if not s["first_feasible"] and s["pid"] != os.getpid()]
        # PyVRP alone runs one search; auto's companion is the one that runs from the start to the clock
        main = max(full, key=lambda s: s["last"] - s["first"]) if full else None
        out[engine] = {"vehicles": rec["vehicles"], "distance": rec["distance"], "best_stage": rec["best_stage"],
                       "time_s": rec["time_s"], "search": main}
    return out


def _row(m: dict[str, Any]) -> str:
    a, p = m["auto"]["search"], m["pyvrp"]["search"]
    if not a or not p:
        return f"| {m['instance']} | – | – | – | – | – | – | – |"
    rate = [s["iterations"] / max(s["last"] - s["first"], 1e-9) for s in (a, p)]
    lack = 1 - a["iterations"] / max(p["iterations"], 1)
    return (f"| {m['instance']} | {p['iterations']:,} | {a['iterations']:,} | {100 * lack:.1f} % | "
            f"{p['first']:.3f} / {a['first']:.3f} | {rate[1]:,.0f} / {rate[0]:,.0f} | "
            f"{m['pyvrp']['vehicles']} / {m['pyvrp']['distance']:.2f} | "
            f"{m['auto']['vehicles']} / {m['auto']['distance']:.2f} ({m['auto']['best_stage']}) |")


def markdown(rows: Sequence[dict[str, Any]], kind: str, time_limit: float) -> str:
    lines = [f"# The companion's PyVRP search against PyVRP alone ({kind}, {time_limit:g} s, seed 0)", "",
             "Each instance solved by `auto`, then by PyVRP alone, in one process. Iterations and rates of "
             "PyVRP alone's search and of `auto`'s companion (the same search, same seed, beside the stage "
             "table); start: seconds from the solve's start to the search's first iteration.", "",
             "| instance | iterations alone | companion | companion lacks | start alone / companion (s) | "
             "iterations per s alone / companion | PyVRP alone: vehicles / distance | auto (plan's stage) |",
             "|---|---|---|---|---|---|---|---|", *map(_row, rows)]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--set", default="solomon", help="literature set (solomon, lilim)")
    ap.add_argument("--instances", required=True, help="comma-separated instance names")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--out", type=Path, required=True, help="markdown file (a .json beside it)")
    args = ap.parse_args(argv)
    paths = named_paths(args.set, args.instances)
    with study(args.out, part=args.out.stem), tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "searches.jsonl"
        instrument(log)
        rows = []
        for p in paths:
            rows.append(measure(args.set, p, args.time_limit, log))
            print(_row(rows[-1]), flush=True)
        args.out.write_text(markdown(rows, args.set, args.time_limit), encoding="utf-8")
        args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
