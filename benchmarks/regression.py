"""CI regression slice: a few literature instances and Banyuwangi days against committed figures.

Usage (from the repository root)::

    .venv/bin/python benchmarks/regression.py            # check (make regression, in CI): exit 1 on a drop
    .venv/bin/python benchmarks/regression.py --write    # rewrite the committed figures (make bench-regression)

Every case is solved by ``auto`` in reproducible mode (``stop=MaxWork(units)``: the same plan on
any machine at any load) on each of ``SEEDS`` and checked with ``medroute.check``. A change to the
search that is neither better nor worse still moves each seed's plan as a new seed would, so a
case is compared on its mean over the seeds, with its own tolerance measured from the spread
among them when the figures are written (:func:`tolerance`). A case **regresses** when a plan
breaks a rule, serves fewer orders or uses more riders than committed, when its mean cost beyond
the riders' fixed cost (distance on the literature sets, where one rider costs more than any
route) rises above its tolerance, when a stage of ``auto`` that ran on every seed runs on none
(the cost may not show it: a later stage takes over its share of the work), or when its travel
is not the committed travel (the figures then compare plans on different roads). A run that
the clock rather than its work budget stopped is not comparable and fails.

Each of ``DAYS`` is replayed through the live dispatcher on each of ``SEEDS`` with every replan
on a work budget (the same day on any machine), and compared the same way on its means
(:func:`day_verdict`): the patients' on-time share and lead time, and the work the dispatcher's
engine counted per replan (a starved engine hardly shows in the patients' figures). When a change
is meant, rewrite the figures with ``--write``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import medroute
from medroute.bench.results import study
from medroute.dispatch import Plan
from medroute.io import instance_paths, read_instance
from medroute.scenarios import load
from medroute.simulate import simulate
from medroute.stop import MaxWork
from medroute.travel.base import TravelMatrix

FIGURES = Path(__file__).parent / "results" / "regression"
"""The committed figures (``regression.json``, ``regression.md``, ``meta.json``)."""
SEEDS = (0, 1, 2, 3, 4)
"""The seeds each case is solved with."""
MIN_TOLERANCE = 0.005
"""The smallest tolerance of a case's mean cost, whatever its spread."""
SPREAD_Z = 3.0
"""How many standard deviations of the difference of two means over ``SEEDS`` a case's tolerance is."""
UPDATE = ("If the change is meant, rewrite the committed figures with `make bench-regression` "
          "(`python benchmarks/regression.py --write`) and commit benchmarks/results/regression/.")
"""What a developer does when a failure is an intended change."""


@dataclass(frozen=True, slots=True)
class Case:
    """One problem of the slice: a literature instance (``set``, ``name``) or a Banyuwangi
    day (``set="banyuwangi"``: scenario ``scenario``, default ``name``, with the generator
    parameters ``params``), solved on ``units`` of work."""

    set: str
    name: str
    units: float
    scenario: str = ""
    params: tuple[tuple[str, Any], ...] = ()


CASES = (
    Case("solomon", "R101", 1.0),
    Case("solomon", "RC201", 1.0),
    Case("lilim", "lr104", 1.0),
    Case("darp", "a4-40", 1.0),
    Case("banyuwangi", "expanded", 2.0),
    # No cold item nor slot: PyVRP's targeted search plans the day (on the others route
    # elimination or ``alns`` makes up for it).
    Case("banyuwangi", "expanded-ambient", 2.0, "expanded", (("cold_share", 0.0), ("slot_share", 0.0))),
)


@dataclass(frozen=True, slots=True)
class Day:
    """A delivery day of the slice replayed through the live dispatcher (:func:`medroute.simulate`,
    policy ``medroute``): scenario ``scenario`` with the generator parameters ``params``, every
    replan's engine on ``units`` of work (``replan_work``), so the day is the same on any machine."""

    name: str
    scenario: str
    params: tuple[tuple[str, Any], ...]
    units: float


DAYS = (Day("expanded-60", "expanded", (("orders", 60),), 0.05),)
"""The replayed days (set ``dispatch``), each on ``SEEDS`` (the day's waits, travel noise, failures
and cancellations)."""
DAY_FIGURES = (("on_time", "on-time share", -1), ("lead_min", "mean lead time (min)", 1),
               ("engine_work", "engine work per replan (reference s)", -1))
"""A replayed day's figures compared with their tolerances: key, label, and the direction that is
worse (+1 a rise, -1 a fall)."""


def travel_digest(matrix: TravelMatrix) -> str:
    """A short fingerprint of a case's travel: its durations and distances."""
    h = hashlib.blake2b(digest_size=8)
    for a in (matrix.durations_s, matrix.distances_m):
        h.update(str(a.shape).encode())
        h.update(a.astype("<i8").tobytes())
    return h.hexdigest()


def solve_case(case: Case, seeds: tuple[int, ...] = SEEDS) -> dict[str, Any]:
    """Solve and check one case on each of ``seeds``; its figures (totals over the seeds, and the
    mean and spread of the cost beyond the riders' fixed cost)."""
    if case.set == "banyuwangi":
        sc = load(case.scenario or case.name, seed=0, **dict(case.params))
        problem, matrix = sc.problem, sc.matrix
    else:
        path = next(p for p in instance_paths(case.set) if p.stem == case.name)
        lit = read_instance(path, case.set)
        problem, matrix = lit.problem, lit.matrix
    assert isinstance(matrix, TravelMatrix)
    served = riders = violations = 0
    reproducible = True
    costs = []
    stages: dict[str, int] = {}
    t0 = time.perf_counter()
    for seed in seeds:
        sol = medroute.solve(problem, engine="auto", stop=MaxWork(case.units), seed=seed, matrix=matrix)
        k = sol.kpis
        served, riders = served + k.served, riders + k.riders_used
        violations += len(medroute.check(problem, sol, matrix))
        reproducible = reproducible and bool(sol.stats and sol.stats.reproducible)
        costs.append(round(k.objective_rp - k.riders_used * problem.objective.rupiah_per_rider, 2))
        for name in dict.fromkeys(s.name for s in (sol.stats.stages if sol.stats else ()) if not s.skipped):
            stages[name] = stages.get(name, 0) + 1
    return {"set": case.set, "name": case.name, "units": case.units, "orders": len(problem.orders),
            "seeds": len(seeds), "served": served, "riders_used": riders, "costs_rp": costs,
            "cost_rp": round(statistics.fmean(costs), 2), "violations": violations,
            "reproducible": reproducible, "travel": travel_digest(matrix), "stages": stages,
            "wall_s": round(time.perf_counter() - t0, 1)}


def replay_day(day: Day, seeds: tuple[int, ...] = SEEDS) -> dict[str, Any]:
    """Replay ``day`` on each of ``seeds``; its figures (the per-seed on-time share, mean lead
    time and the work the dispatcher's engine counted per replan, and their means)."""
    sc = load(day.scenario, seed=0, **dict(day.params))
    per: dict[str, list[float]] = {key: [] for key, _, _ in DAY_FIGURES}
    replans = stranded = 0
    reproducible = True
    t0 = time.perf_counter()
    for seed in seeds:
        plans: list[Plan] = []
        res = simulate(sc, seed=seed, replan_work=day.units, on_plan=plans.append)
        stats = [plan.solution.stats for plan in plans]
        per["on_time"].append(round(res.report.on_time_share, 4))
        per["lead_min"].append(round(res.report.mean_lead_min, 2))
        per["engine_work"].append(round(sum(s.work for s in stats if s) / max(1, len(stats)), 4))
        replans, stranded = replans + len(stats), stranded + len(res.stranded)
        reproducible = reproducible and all(s.reproducible for s in stats if s)
    return {"set": "dispatch", "name": day.name, "units": day.units, "orders": len(sc.problem.orders),
            "seeds": len(seeds), "replans": replans, "stranded": stranded, "reproducible": reproducible,
            "travel": travel_digest(sc.matrix), **{f"{key}s": values for key, values in per.items()},
            **{key: round(statistics.fmean(values), 4) for key, values in per.items()},
            "wall_s": round(time.perf_counter() - t0, 1)}


def tolerance(costs: list[float]) -> float:
    """A case's tolerance from its costs over the seeds: ``SPREAD_Z`` standard deviations of the
    difference between two means over as many seeds (what a neutral change to the search moves
    the mean by), relative to the mean, and at least ``MIN_TOLERANCE``."""
    mean = statistics.fmean(costs)
    if len(costs) < 2 or mean <= 0:
        return MIN_TOLERANCE
    spread = SPREAD_Z * statistics.stdev(costs) * math.sqrt(2 / len(costs)) / mean
    return round(max(MIN_TOLERANCE, spread), 4)


def verdict(now: dict[str, Any], then: dict[str, Any] | None) -> str:
    """``ok``, ``better`` or what regressed and by how much, comparing a case's figures with the
    committed ones (their ``tolerance``)."""
    if then is None:
        return "no committed figure"
    problems = []
    if now["travel"] != then["travel"]:
        problems.append(f"travel changed (digest {now['travel']}, committed {then['travel']}): "
                        "the figures compare plans on other durations or distances")
    if not now["reproducible"]:
        problems.append("stopped by the clock, not its work budget")
    if now["violations"] > then["violations"]:
        problems.append(f"{now['violations']} rule violations (committed {then['violations']})")
    if now["served"] < then["served"]:
        problems.append(f"served {now['served']} over {now['seeds']} seeds, {then['served'] - now['served']} "
                        f"fewer than committed {then['served']}")
    if now["riders_used"] > then["riders_used"]:
        more = now["riders_used"] - then["riders_used"]
        problems.append(f"{now['riders_used']} riders over {now['seeds']} seeds, {more} more than committed "
                        f"{then['riders_used']}")
    gone = [name for name, n in then.get("stages", {}).items()
            if n == then["seeds"] and not now["stages"].get(name)]
    if gone:
        problems.append(f"auto's stage{'s' if len(gone) > 1 else ''} {', '.join(gone)} ran on none of "
                        f"{now['seeds']} seeds (committed: on every seed)")
    tol = then["tolerance"]
    limit = then["cost_rp"] * (1 + tol)
    if now["cost_rp"] > limit:
        rise = now["cost_rp"] / then["cost_rp"] - 1
        problems.append(f"mean cost beyond riders {now['cost_rp']:,.0f} Rp is {rise:+.2%} on committed "
                        f"{then['cost_rp']:,.0f}, over its tolerance of {tol:.2%} (at most {limit:,.0f})")
    if problems:
        return "REGRESSED: " + "; ".join(problems)
    return "better" if now["cost_rp"] < then["cost_rp"] * (1 - 1e-9) else "ok"


def day_verdict(now: dict[str, Any], then: dict[str, Any] | None) -> str:
    """``ok`` or what regressed and by how much, comparing a replayed day's figures with the
    committed ones (their ``tolerances``)."""
    if then is None:
        return "no committed figure"
    problems = []
    if now["travel"] != then["travel"]:
        problems.append(f"travel changed (digest {now['travel']}, committed {then['travel']}): "
                        "the days are replayed on other durations or distances")
    if not now["reproducible"]:
        problems.append("a replan's engine was stopped by the clock, not its work budget")
    if now["stranded"] > then["stranded"]:
        problems.append(f"{now['stranded']} items left on board at the end of the day over {now['seeds']} seeds "
                        f"(committed {then['stranded']})")
    for key, label, worse in DAY_FIGURES:
        tol = then["tolerances"][key]
        change = now[key] / then[key] - 1 if then[key] else 0.0
        if worse * change > tol:
            problems.append(f"{label} {now[key]:.4g} is {change:+.2%} on committed {then[key]:.4g}, over its "
                            f"tolerance of {tol:.2%}")
    return "REGRESSED: " + "; ".join(problems) if problems else "ok"


def markdown(rows: list[dict[str, Any]], committed: dict[str, dict[str, Any]] | None = None) -> str:
    """The slice as a table (served, riders and violations summed over the seeds; the cost beyond
    the riders' fixed cost their mean); with ``committed`` figures, each case beside its committed
    cost and its verdict."""
    head = "| case | orders | MaxWork | seeds | served | riders | cost Rp | tolerance | viol. | wall s |"
    if committed is not None:
        head += " committed Rp | change | verdict |"
    lines = [head, "|" + "---|" * head.count(" |")]
    for r in rows:
        then = (committed or {}).get(_key(r))
        tol = then["tolerance"] if committed is not None and then else r.get("tolerance")
        line = (f"| {_key(r)} | {r['orders']} | {r['units']:g} | {r['seeds']} | {r['served']} | {r['riders_used']} | "
                f"{r['cost_rp']:,.0f} | {f'{tol:.2%}' if tol is not None else '–'} | {r['violations']} | "
                f"{r['wall_s']:.1f} |")
        if committed is not None:
            change = f"{r['cost_rp'] / then['cost_rp'] - 1:+.2%}" if then and then["cost_rp"] else "–"
            line += f" {then['cost_rp'] if then else 0:,.0f} | {change} | {verdict(r, then)} |"
        lines.append(line)
    return "\n".join(lines) + "\n"


def day_markdown(rows: list[dict[str, Any]], committed: dict[str, dict[str, Any]] | None = None) -> str:
    """The replayed days as a table (the figures their means over the seeds, each with its
    tolerance); with ``committed`` figures, each day beside its committed figures and its verdict."""
    head = ("| day | orders | replan_work | seeds | replans | on time | lead min | engine work per replan | "
            "stranded | wall s |")
    if committed is not None:
        head += " committed on time, lead, work | verdict |"
    lines = [head, "|" + "---|" * head.count(" |")]
    for r in rows:
        then = (committed or {}).get(_key(r))
        tols = then["tolerances"] if committed is not None and then else r.get("tolerances", {})

        def cell(key: str, fmt: str, row: dict[str, Any] = r, tols: dict[str, float] = tols) -> str:
            return f"{row[key]:{fmt}}" + (f" (tol. {tols[key]:.2%})" if key in tols else "")

        line = (f"| {_key(r)} | {r['orders']} | {r['units']:g} | {r['seeds']} | {r['replans']} | "
                f"{cell('on_time', '.2%')} | {cell('lead_min', '.1f')} | {cell('engine_work', '.4f')} | "
                f"{r['stranded']} | {r['wall_s']:.1f} |")
        if committed is not None:
            line += (f" {then['on_time']:.2%}, {then['lead_min']:.1f}, {then['engine_work']:.4f} |" if then
                     else " – |") + f" {day_verdict(r, then)} |"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _key(row: dict[str, Any]) -> str:
    return f"{row['set']}/{row['name']}"


def committed_figures(folder: Path = FIGURES) -> dict[str, dict[str, Any]]:
    """The committed figures by case and replayed day (``set/name``), empty when there are none."""
    path = folder / "regression.json"
    if not path.is_file():
        return {}
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {_key(r): r for r in doc["cases"] + doc.get("days", [])}


def main(argv: list[str] | None = None) -> int:
    """Run the slice; check it (exit 1 on a regression, each named with what and by how much) or
    write it as the committed figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--write", action="store_true", help="rewrite the committed figures instead of checking")
    ap.add_argument("--figures", type=Path, default=FIGURES, help="folder of the committed figures")
    args = ap.parse_args(argv)
    committed = committed_figures(args.figures)
    if args.write:
        with study(args.figures, seeds=list(SEEDS), min_tolerance=MIN_TOLERANCE, spread_z=SPREAD_Z,
                   cases=[asdict(c) for c in CASES], days=[asdict(d) for d in DAYS]):
            rows = [{**r, "tolerance": tolerance(r["costs_rp"])} for r in _run()]
            days = [{**r, "tolerances": {key: tolerance(r[f"{key}s"]) for key, _, _ in DAY_FIGURES}}
                    for r in _replay()]
            doc = {"seeds": list(SEEDS), "cases": rows, "days": days}
            (args.figures / "regression.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
            (args.figures / "regression.md").write_text(
                "# CI regression slice\n\n```\nmake bench-regression\n```\n\n"
                f"`auto`, `stop=MaxWork(units)`, seeds {', '.join(map(str, SEEDS))}; served, riders and violations "
                "are sums over the seeds, cost the mean cost beyond the riders' fixed cost, tolerance what that mean "
                "may rise by (from its spread over the seeds). A check fails when a plan breaks a rule, serves fewer "
                "orders, uses more riders, costs more than the tolerance, runs none of its seeds through a stage "
                "of `auto` that ran on all of them, or runs on other travel "
                "(`benchmarks/regression.py`, `benchmarks/README.md`).\n\n" + markdown(rows) +
                "\nReplayed days: `medroute.simulate` (policy `medroute`, engine `auto`, every replan's engine on "
                "`MaxWork` of the column `replan_work`), seeds as above (waits, travel noise σ 0.15, 5 % not home, "
                "2 % cancelled). Each figure is the mean over the seeds with the change it may make for the worse "
                "(from its spread over the seeds): on-time share and engine work may fall, lead time rise; a day "
                "also fails when an item is left on board or it runs on other travel.\n\n" + day_markdown(days),
                encoding="utf-8")
        return 0
    t0 = time.perf_counter()
    rows, days = _run(), _replay()
    print(markdown(rows, committed))
    print(day_markdown(days, committed))
    verdicts = [(r, verdict(r, committed.get(_key(r)))) for r in rows]
    verdicts += [(r, day_verdict(r, committed.get(_key(r)))) for r in days]
    bad = [(r, v) for r, v in verdicts if v not in ("ok", "better")]
    for r, v in bad:
        print(f"{_key(r)}: {v}", file=sys.stderr)
    print(f"{len(verdicts) - len(bad)} of {len(verdicts)} cases hold; {time.perf_counter() - t0:.0f} s.",
          file=sys.stderr)
    if bad:
        print(UPDATE, file=sys.stderr)
    return 1 if bad else 0


def _run() -> list[dict[str, Any]]:
    rows = []
    for case in CASES:
        rows.append(solve_case(case))
        print(f"{_key(rows[-1])}: mean cost {rows[-1]['cost_rp']:,.0f} Rp, {rows[-1]['wall_s']} s", file=sys.stderr,
              flush=True)
    return rows


def _replay() -> list[dict[str, Any]]:
    rows = []
    for day in DAYS:
        rows.append(replay_day(day))
        r = rows[-1]
        print(f"{_key(r)}: on time {r['on_time']:.2%}, lead {r['lead_min']:.1f} min, engine work "
              f"{r['engine_work']:.4f} per replan, {r['wall_s']} s", file=sys.stderr, flush=True)
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
