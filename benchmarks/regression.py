"""CI regression slice: a few literature instances and one Banyuwangi day against committed figures.

Usage (from the repository root)::

    .venv/bin/python benchmarks/regression.py            # check (make regression, in CI): exit 1 on a drop
    .venv/bin/python benchmarks/regression.py --write    # rewrite the committed figures (make bench-regression)

Every case is solved by ``auto`` in reproducible mode (``stop=MaxWork(units)``, seed 0: the same
plan on any machine at any load) and checked with ``medroute.check``. A case **regresses** when
its plan breaks a rule, serves fewer orders, or costs more than ``TOLERANCE`` above the committed
objective (the objective counts riders, distance, time, lateness and unserved orders, so one rider
more on a literature instance is far beyond it). A plan that is better than the committed one
passes and says so: rewrite the figures with ``--write`` when the change is meant. A run that the
clock rather than its work budget stopped is not comparable and fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import medroute
from medroute.bench.results import study
from medroute.io import instance_paths, read_instance
from medroute.scenarios import load
from medroute.stop import MaxWork

FIGURES = Path(__file__).parent / "results" / "regression"
"""The committed figures (``regression.json``, ``regression.md``, ``meta.json``)."""
TOLERANCE = 0.02
"""A case's objective may be at most 2 % above its committed figure."""


@dataclass(frozen=True, slots=True)
class Case:
    """One problem of the slice: a literature instance (``set``, ``name``) or a Banyuwangi
    scenario (``set="banyuwangi"``), solved on ``units`` of work."""

    set: str
    name: str
    units: float


CASES = (
    Case("solomon", "R101", 1.0),
    Case("solomon", "RC201", 1.0),
    Case("lilim", "lr104", 1.0),
    Case("darp", "a4-40", 1.0),
    Case("banyuwangi", "expanded", 2.0),
)


def solve_case(case: Case) -> dict[str, Any]:
    """Solve and check one case; its figures."""
    if case.set == "banyuwangi":
        sc = load(case.name, seed=0)
        problem, matrix = sc.problem, sc.matrix
    else:
        path = next(p for p in instance_paths(case.set) if p.stem == case.name)
        lit = read_instance(path, case.set)
        problem, matrix = lit.problem, lit.matrix
    t0 = time.perf_counter()
    sol = medroute.solve(problem, engine="auto", stop=MaxWork(case.units), seed=0, matrix=matrix)
    wall = time.perf_counter() - t0
    k = sol.kpis
    return {"set": case.set, "name": case.name, "units": case.units, "orders": len(problem.orders),
            "served": k.served, "riders_used": k.riders_used, "distance_m": k.distance_m,
            "objective_rp": round(k.objective_rp, 2), "violations": len(medroute.check(problem, sol, matrix)),
            "reproducible": bool(sol.stats and sol.stats.reproducible), "wall_s": round(wall, 1)}


def verdict(now: dict[str, Any], then: dict[str, Any] | None, tolerance: float = TOLERANCE) -> str:
    """``ok``, ``better`` or what regressed, comparing a case's figures with the committed ones."""
    if then is None:
        return "no committed figure"
    problems = []
    if not now["reproducible"]:
        problems.append("stopped by the clock, not its work budget")
    if now["violations"] > then["violations"]:
        problems.append(f"{now['violations']} violations (was {then['violations']})")
    if now["served"] < then["served"]:
        problems.append(f"served {now['served']} (was {then['served']})")
    limit = then["objective_rp"] * (1 + tolerance)
    if now["objective_rp"] > limit:
        problems.append(f"objective {now['objective_rp']:,.0f} > {limit:,.0f} "
                        f"(committed {then['objective_rp']:,.0f} + {tolerance:.0%})")
    if problems:
        return "REGRESSED: " + "; ".join(problems)
    return "better" if now["objective_rp"] < then["objective_rp"] * (1 - 1e-9) else "ok"


def markdown(rows: list[dict[str, Any]], committed: dict[str, dict[str, Any]] | None = None) -> str:
    """The slice as a table; with ``committed`` figures, each case beside its committed objective and
    its verdict."""
    head = "| case | orders | MaxWork | served | riders | objective Rp | viol. | wall s |"
    if committed is not None:
        head += " committed Rp | change | verdict |"
    lines = [head, "|" + "---|" * head.count(" |")]
    for r in rows:
        line = (f"| {_key(r)} | {r['orders']} | {r['units']:g} | {r['served']} | {r['riders_used']} | "
                f"{r['objective_rp']:,.0f} | {r['violations']} | {r['wall_s']:.1f} |")
        if committed is not None:
            then = committed.get(_key(r))
            change = f"{r['objective_rp'] / then['objective_rp'] - 1:+.2%}" if then and then["objective_rp"] else "–"
            line += f" {then['objective_rp'] if then else 0:,.0f} | {change} | {verdict(r, then)} |"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _key(row: dict[str, Any]) -> str:
    return f"{row['set']}/{row['name']}"


def committed_figures(folder: Path = FIGURES) -> dict[str, dict[str, Any]]:
    """The committed figures by case (``set/name``), empty when there are none."""
    path = folder / "regression.json"
    if not path.is_file():
        return {}
    return {_key(r): r for r in json.loads(path.read_text(encoding="utf-8"))["cases"]}


def main(argv: list[str] | None = None) -> int:
    """Run the slice; check it (exit 1 on a regression) or write it as the committed figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--write", action="store_true", help="rewrite the committed figures instead of checking")
    ap.add_argument("--figures", type=Path, default=FIGURES, help="folder of the committed figures")
    args = ap.parse_args(argv)
    committed = committed_figures(args.figures)
    if args.write:
        with study(args.figures, tolerance=TOLERANCE, cases=[asdict(c) for c in CASES]):
            rows = _run()
            doc = {"tolerance": TOLERANCE, "cases": rows}
            (args.figures / "regression.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
            (args.figures / "regression.md").write_text(
                "# CI regression slice\n\n```\nmake bench-regression\n```\n\n`auto`, `stop=MaxWork(units)`, seed 0; "
                f"a check fails when a plan breaks a rule, serves fewer orders or costs more than {TOLERANCE:.0%} "
                "above this table (`benchmarks/regression.py`).\n\n" + markdown(rows), encoding="utf-8")
        return 0
    t0 = time.perf_counter()
    rows = _run()
    print(markdown(rows, committed))
    bad = [r for r in rows if verdict(r, committed.get(_key(r))) not in ("ok", "better")]
    print(f"{len(rows) - len(bad)} of {len(rows)} cases hold (tolerance {TOLERANCE:.0%}); "
          f"{time.perf_counter() - t0:.0f} s.", file=sys.stderr)
    return 1 if bad else 0


def _run() -> list[dict[str, Any]]:
    rows = []
    for case in CASES:
        rows.append(solve_case(case))
        print(f"{_key(rows[-1])}: {rows[-1]['objective_rp']:,.0f} Rp, {rows[-1]['wall_s']} s", file=sys.stderr,
              flush=True)
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
