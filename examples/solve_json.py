"""Plan a problem file and write the output folder: the library calls behind `medroute solve`.

    python examples/solve_json.py problem.json out/
"""

from __future__ import annotations

import sys

import medroute
from medroute.outputs import write_outputs


def main(problem_path: str, out_dir: str) -> int:
    problem = medroute.Problem.from_json(problem_path)
    plan = medroute.solve(problem, time_limit=10, seed=0)
    violations = medroute.check(problem, plan)
    write_outputs(out_dir, problem, plan, violations=violations)
    print(f"served {plan.kpis.served}/{plan.kpis.orders}, on time {plan.kpis.on_time_share:.0%}, "
          f"{len(violations)} violation(s); see {out_dir}/report.md")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
