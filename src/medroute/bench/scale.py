"""The scale curve: one engine's solve time and quality against the number of orders, beside greedy."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..check import check
from .records import Loader, Progress
from .report import fmt_ratio, fmt_rp, md_table
from .suite import default_loader, load_avg, solve_once

SCALE_SIZES = (20, 50, 100, 200, 500, 1000, 2000)
"""Numbers of orders of the scale curve."""


def scale_budget(orders: int) -> float:
    """The scale curve's budget rule: ``max(5, orders / 20)`` seconds."""
    return max(5.0, orders / 20)


@dataclass(frozen=True, slots=True)
class ScalePoint:
    """One point of the scale curve; times in seconds, money in Rupiah."""

    orders: int
    riders: int
    budget_s: float
    solve_s: float
    served: int
    riders_used: int
    objective_rp: float
    rp_per_order: float
    violations: int
    load_1min: float
    greedy_objective_rp: float
    ratio_to_greedy: float
    note: str = ""


def run_scale(scenario: str = "expanded", sizes: Sequence[int] = SCALE_SIZES, *, engine: str = "auto",
              budget: Callable[[int], float] = scale_budget, seed: int = 0,
              out: Path | str = Path("benchmarks/results/scale"), loader: Loader | None = None,
              progress: bool | Progress = True, command: str | None = None, work: bool = False) -> list[ScalePoint]:
    """Solve ``scenario`` with ``orders=size`` for each size and write ``scale.png``, ``scale.md``,
    ``scale.json`` into ``out``.

    Parameters
    ----------
    scenario
        Scenario name; the loader is called with ``orders=size``.
    sizes
        Numbers of orders.
    engine
        The engine measured (greedy is run alongside as the reference).
    budget
        Time budget for a size, seconds.
    seed
        Solver seed (the scenario generator uses seed 0).
    out
        Output directory.
    loader
        Scenario loader (default :func:`medroute.scenarios.load`).
    progress
        As in :func:`run_suite`.
    command
        The command line printed at the top of ``scale.md``.
    work
        Reproducible mode: each solve on ``MaxWork(budget)`` instead of the clock.

    Returns
    -------
    list of ScalePoint
    """
    from .results import study

    load = loader or default_loader
    out = Path(out)
    with study(out, command=command, scenario=scenario, engine=engine, work=work):
        points: list[ScalePoint] = []
        t_start = time.perf_counter()
        for i, size in enumerate(sizes):
            if callable(progress):
                progress(i, len(sizes), f"{size} orders")
            elif progress:
                print(f"[{i}/{len(sizes)}] scale: {size} orders, {budget(size):g} s", file=sys.stderr, flush=True)
            sc = load(scenario, seed=0, orders=size)
            problem, matrix = sc.problem, sc.matrix
            la = load_avg()
            note = ""
            try:
                sol, mode = solve_once(problem, matrix, engine, time_limit=budget(size), seed=seed, work=work)
                violations = len(check(problem, sol, matrix))
                greedy, _ = solve_once(problem, matrix, "greedy", time_limit=budget(size), seed=seed)
                g = greedy.kpis.objective_rp
                k = sol.kpis
                points.append(ScalePoint(len(problem.orders), len(problem.riders), budget(size),
                                         round(sol.solve_time_s, 2), k.served, k.riders_used, k.objective_rp,
                                         k.objective_rp / max(1, len(problem.orders)), violations, la, g,
                                         k.objective_rp / g if g else math.nan,
                                         ", ".join(x for x in ("" if mode == "full" else mode, "clock-stopped"
                                                               if sol.stats and sol.stats.stopped_by == "clock"
                                                               else "") if x)))
            except Exception as exc:  # recorded in the table
                note = f"{type(exc).__name__}: {exc}"[:200]
                points.append(ScalePoint(len(problem.orders), len(problem.riders), budget(size), math.nan, 0, 0,
                                         math.nan, math.nan, -1, la, math.nan, math.nan, note))
        wall = time.perf_counter() - t_start
        doc = {"scenario": scenario, "engine": engine, "command": command, "wall_s": round(wall, 1),
               "cpus": os.cpu_count(), "points": [dataclasses.asdict(p) for p in points]}
        (out / "scale.json").write_text(json.dumps(doc, indent=1, default=str) + "\n", encoding="utf-8")
        _plot_scale(points, out / "scale.png", engine, scenario)
        rows = [[str(p.orders), str(p.riders), f"{p.budget_s:g}", f"{p.solve_s:.1f}", f"{p.served}/{p.orders}",
                 str(p.riders_used), fmt_rp(p.objective_rp), fmt_rp(p.rp_per_order), str(p.violations),
                 fmt_ratio(p.ratio_to_greedy), f"{p.load_1min:.2f}", p.note] for p in points]
        md = [f"# Scale curve: `{engine}` on `{scenario}`", ""]
        if command:
            md += ["```", command, "```", ""]
        md += [f"Budget rule: {'MaxWork' if work else 'time_limit'} = max(5, orders / 20) s, seed {seed}; "
               f"{os.cpu_count()} CPUs; wall time "
               f"{wall / 60:.1f} min (greedy reference runs included). Load = 1-minute load average before the "
               "solve. Note `clock-stopped`: the clock, not the engines' work budgets, ended a search, so the "
               "same seed may give another plan.", "",
               md_table(["orders", "riders", "budget s", "solve s", "served", "riders used", "objective Rp",
                       "Rp / order", "viol.", f"{engine}/greedy", "load", "note"], rows), "",
               "![scale](scale.png)", ""]
        (out / "scale.md").write_text("\n".join(md), encoding="utf-8")
    return points


def _plot_scale(points: Sequence[ScalePoint], path: Path, engine: str, scenario: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    n = [p.orders for p in points]
    a1.plot(n, [p.solve_s for p in points], "o-", label=f"{engine} solve time")
    a1.plot(n, [p.budget_s for p in points], "k--", label="budget max(5, n/20)")
    a1.set_xscale("log")
    a1.set_yscale("log")
    a1.set_xlabel("orders")
    a1.set_ylabel("wall-clock seconds")
    a1.legend()
    a1.set_title("Solve time")
    a2.plot(n, [p.ratio_to_greedy for p in points], "o-", label=f"{engine} / greedy objective")
    a2.plot(n, [p.served / p.orders if p.orders else math.nan for p in points], "s-", label="served share")
    a2.set_xscale("log")
    a2.set_xlabel("orders")
    a2.axhline(1.0, color="grey", lw=0.8)
    a2.legend()
    a2.set_title("Quality")
    fig.suptitle(f"Scale curve on {scenario}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

