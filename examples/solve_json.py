"""Plan a problem file and write the output folder: the library calls behind `medroute solve`.

    python examples/solve_json.py problem.json out/ [travel.npz]

The travel is the ``travel.npz`` given, else the one beside ``problem.json`` (an output folder
holds both: re-planning ``out/problem.json`` keeps the demo's road travel), else straight lines
(haversine).
"""

from __future__ import annotations

import sys
from pathlib import Path

import medroute
from medroute.outputs import write_outputs
from medroute.travel import backend

USAGE = "usage: python examples/solve_json.py PROBLEM_JSON OUT_DIR [TRAVEL_NPZ]"


def travel_for(problem_path: str, travel_path: str | None) -> tuple[medroute.MatrixLike, str]:
    """(the ``matrix=`` to plan with, a sentence saying which travel it is)."""
    beside = Path(problem_path).with_name("travel.npz")
    path = Path(travel_path) if travel_path else beside if beside.is_file() else None
    if path is None:
        return None, "haversine (straight lines; no travel.npz given or beside the problem)"
    return backend("matrix", path=path), f"the travel matrix {path}"


def main(problem_path: str, out_dir: str, travel_path: str | None = None, *, time_limit: float = 10.0) -> int:
    problem = medroute.Problem.from_json(problem_path)
    matrix, travel = travel_for(problem_path, travel_path)
    print(f"travel: {travel}")
    plan = medroute.solve(problem, time_limit=time_limit, seed=0, matrix=matrix)
    violations = medroute.check(problem, plan, matrix)
    write_outputs(out_dir, problem, plan, violations=violations, matrix=matrix)
    print(f"served {plan.kpis.served}/{plan.kpis.orders}, on time {plan.kpis.on_time_share:.0%}, "
          f"{len(violations)} violation(s); see {out_dir}/report.md")
    return 1 if violations else 0


if __name__ == "__main__":
    if not 3 <= len(sys.argv) <= 4:
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
