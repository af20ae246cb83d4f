"""Literature benchmarks: medroute's engines on Li & Lim, Solomon and Cordeau's DARP instances.

Every run goes through the independent checker (``medroute.check``) and through the literature's
own rules in double precision (``LiteratureInstance.violations``); distances are recomputed in
double precision from the coordinates and compared with the best-known solutions under each set's
own convention: vehicles first, then distance on Li & Lim and Solomon; distance alone on the DARP
set, whose fleet is a limit, not a cost. See ``benchmarks/README.md``.

    .venv/bin/python benchmarks/literature.py --set lilim --engines pyvrp --time-limit 30

Engine names are medroute's (``auto``, ``ortools``, ``pyvrp``, ``greedy``, ``vroom``, ``alns``). DARP runs
are compared with the best-known distances of ``bks_cordeau_2006.csv`` beside the instance folder,
per instance in the report. Every engine of
a run solves an instance in the same worker process, one after the other, so that the columns
share the machine's conditions; ``pyvrp`` and ``ortools`` alone are the peers ``auto`` is held to
(``--versus``). ``--work`` runs in reproducible mode (``stop=MaxWork(time limit)``) instead of the
clock (``time_limit=``). ``--seed`` gives every solve another seed (default 0): the same runs on a
few seeds show the run-to-run spread a clock-bound comparison has to be read against.

    .venv/bin/python benchmarks/literature.py --set solomon --engines auto,pyvrp --time-limit 10 \\
        --versus auto:pyvrp --out benchmarks/results/literature-10s
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import json
import math
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from medroute.bench.results import study
from medroute.io import bks_path, instance_paths, read_bks, read_instance
from medroute.io.darp import DARP_BKS_FILE, read_darp_bks
from medroute.io.literature import KINDS, LiteratureInstance
from medroute.solution import Solution, StopKind

Solver = Callable[..., Solution]
"""``solver(problem, engine=..., time_limit=..., seed=..., matrix=...) -> Solution``."""

FIELDS = ("set", "instance", "engine", "seed", "status", "vehicles", "distance", "bks_vehicles", "bks_distance",
          "vehicle_match", "gap_pct", "unassigned", "violations", "literature_violations", "max_ride",
          "max_ride_limit", "max_duration", "max_duration_limit", "time_s", "clock_stopped", "stopped_by",
          "best_stage", "error")


def default_solver(problem: Any, **kwargs: Any) -> Solution:
    """``medroute.solve``, imported on first use (it pulls in the engines)."""
    from medroute.solve import solve

    return solve(problem, **kwargs)


def ride_and_duration(inst: LiteratureInstance, solution: Solution) -> tuple[float, float]:
    """Largest ride time (delivery start − pickup end) and route duration, literature units."""
    ride = duration = 0.0
    for route in solution.routes:
        if not route.visits:
            continue
        left: dict[str, int] = {}
        for s in route.stops:
            if s.kind == StopKind.PICKUP and s.order is not None:
                left[s.order] = s.departure_s
            elif s.kind == StopKind.DELIVERY and s.order in left:
                ride = max(ride, (s.start_s - left[s.order]) / inst.scale)
        duration = max(duration, (route.stops[-1].arrival_s - route.stops[0].departure_s) / inst.scale)
    return ride, duration


def evaluate(inst: LiteratureInstance, solution: Solution, *, engine: str, elapsed_s: float,
             bks: tuple[int | None, float] | None, violations: int) -> dict[str, Any]:
    """One run's record: vehicles, double-precision distance, gap to the BKS, feasibility counts.

    ``gap_pct`` = 100 (distance − BKS distance) / BKS distance; it is a like-for-like comparison
    only when ``vehicle_match`` (same vehicle count as the BKS) and nothing is unassigned. A BKS
    without a vehicle count (DARP: distance only) leaves ``vehicle_match`` empty.
    """
    vehicles, distance = inst.vehicles(solution), inst.distance(solution)
    stats = solution.stats
    lit = [v for v in inst.violations(solution) if not v.endswith("is not served")]
    rec: dict[str, Any] = {
        "set": inst.kind, "instance": inst.name, "engine": engine, "status": "ok", "vehicles": vehicles,
        "distance": round(distance, 4), "bks_vehicles": None, "bks_distance": None, "vehicle_match": None,
        "gap_pct": None, "unassigned": len(solution.unassigned), "violations": violations,
        "literature_violations": len(lit), "max_ride": None, "max_ride_limit": inst.max_ride,
        "max_duration": None, "max_duration_limit": inst.max_duration, "time_s": round(elapsed_s, 2),
        "clock_stopped": stats is not None and not stats.reproducible,
        "stopped_by": str(stats.stopped_by) if stats is not None else None,
        "best_stage": stats.best_stage if stats is not None else None, "error": "",
    }
    if bks is not None:
        rec["bks_vehicles"], rec["bks_distance"] = bks
        rec["vehicle_match"] = None if bks[0] is None else vehicles == bks[0] and not solution.unassigned
        rec["gap_pct"] = round(100.0 * (distance - bks[1]) / bks[1], 3) + 0.0 if bks[1] > 0 else None
    if inst.kind == "darp":
        ride, duration = ride_and_duration(inst, solution)
        rec["max_ride"], rec["max_duration"] = round(ride, 3), round(duration, 3)
    return rec


def run_instance(kind: str, path: Path, engines: Sequence[str], time_limit: float, bks: tuple[int | None, float] | None,
                 work: bool = False, seed: int = 0, solver: Solver | None = None) -> list[dict[str, Any]]:
    """:func:`run_one` for each engine in turn, in this process."""
    return [run_one(kind, path, engine, time_limit, bks, work=work, seed=seed, solver=solver) for engine in engines]


def run_one(kind: str, path: Path, engine: str, time_limit: float, bks: tuple[int | None, float] | None,
            work: bool = False, seed: int = 0, solver: Solver | None = None) -> dict[str, Any]:
    """Read, solve, check and score one instance with one engine and ``seed`` (``work``: on
    ``MaxWork(time_limit)`` instead of the clock); errors become a record."""
    import medroute
    from medroute.stop import MaxWork

    inst = read_instance(path, kind)
    budget: dict[str, Any] = {"stop": MaxWork(time_limit)} if work else {"time_limit": time_limit}
    t0 = time.perf_counter()
    try:
        sol = (solver or default_solver)(inst.problem, engine=engine, seed=seed, matrix=inst.matrix, **budget)
    except Exception as exc:  # a failing engine is a result, not the end of the benchmark
        rec = dict.fromkeys(FIELDS)
        rec.update({"set": kind, "instance": inst.name, "engine": engine, "seed": seed, "status": "error",
                    "time_s": round(time.perf_counter() - t0, 2), "error": f"{type(exc).__name__}: {exc}"[:300]})
        return rec
    elapsed = sol.solve_time_s or (time.perf_counter() - t0)
    violations = medroute.check(inst.problem, sol, inst.matrix)
    return {**evaluate(inst, sol, engine=engine, elapsed_s=elapsed, bks=bks, violations=len(violations)), "seed": seed}


def _mean(values: Iterable[float]) -> float | None:
    vals = list(values)
    return round(statistics.fmean(vals), 3) if vals else None


def summarise(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (set, engine): runs, errors, infeasible, incomplete, BKS vehicle matches, mean gaps, time."""
    out = []
    for key in sorted({(r["set"], r["engine"]) for r in records}):
        rs = [r for r in records if (r["set"], r["engine"]) == key]
        ok = [r for r in rs if r["status"] == "ok"]
        complete = [r for r in ok if not r["unassigned"] and not r["violations"]
                    and not r["literature_violations"]]
        with_bks = [r for r in complete if r["gap_pct"] is not None]
        matched = [r for r in with_bks if r["vehicle_match"]]
        row: dict[str, Any] = {
            "set": key[0], "engine": key[1], "runs": len(rs), "errors": len(rs) - len(ok),
            "infeasible": sum(1 for r in ok if r["violations"] or r["literature_violations"]),
            "incomplete": sum(1 for r in ok if r["unassigned"]),
            "bks_vehicle_matches": len(matched) if any(r["bks_vehicles"] is not None for r in ok) else None,
            "mean_vehicle_excess": _mean(r["vehicles"] - r["bks_vehicles"] for r in with_bks
                                         if r["bks_vehicles"] is not None),
            "mean_gap_pct_all": _mean(r["gap_pct"] for r in with_bks),
            "mean_gap_pct_matched": _mean(r["gap_pct"] for r in matched),
            "mean_distance": _mean(r["distance"] for r in complete),
            "ride_limit_breaches": sum(1 for r in ok if r["max_ride"] is not None and r["max_ride_limit"] is not None
                                       and r["max_ride"] > r["max_ride_limit"] + 1e-6),
            "mean_time_s": _mean(r["time_s"] for r in ok),
            "clock_stopped": sum(1 for r in ok if r["clock_stopped"]),
        }
        out.append(row)
    return out


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}" if math.isfinite(value) else str(value)
    return str(value).replace("|", "\\|")


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(r.get(c)) for c in columns) + " |" for r in rows]
    return lines


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """``"auto:pyvrp,auto:ortools"`` → ``[("auto", "pyvrp"), ("auto", "ortools")]``."""
    return [(a, b) for a, _, b in (x.strip().partition(":") for x in text.split(",") if x.strip())]


HIERARCHICAL = frozenset({"lilim", "solomon"})
"""Sets whose literature objective ranks vehicles before distance; on the others (DARP) the fleet
is a limit and distance alone ranks."""


def _key(rec: dict[str, Any]) -> tuple[int, int, float]:
    """Rank of a run: complete first, then (on :data:`HIERARCHICAL` sets) vehicles, then distance."""
    vehicles = (rec["vehicles"] or 0) if rec["set"] in HIERARCHICAL else 0
    return (rec["unassigned"] or 0) + (rec["violations"] or 0), vehicles, rec["distance"] or 0.0


def versus(records: Sequence[dict[str, Any]], engine: str, reference: str, *,
           tolerance: float = 0.001) -> dict[str, Any]:
    """``engine`` against ``reference`` instance by instance: ``worse`` lists the instances where
    it leaves more out, uses more vehicles (on :data:`HIERARCHICAL` sets), or (same rank so far)
    rides more than ``tolerance`` farther;
    ``better`` those where it does the opposite; ``mean_distance_ratio`` over instances ranked
    the same before distance (equal vehicles on :data:`HIERARCHICAL` sets); ``mine`` the runs of
    ``engine``."""
    by = {(r["set"], r["instance"], r["engine"]): r for r in records if r["status"] == "ok"}
    worse, better, ratios, compared = [], [], [], 0
    for (kind, name, eng), rec in sorted(by.items()):
        ref = by.get((kind, name, reference))
        if eng != engine or ref is None:
            continue
        compared += 1
        a, b = _key(rec), _key(ref)
        if a[:2] == b[:2] and b[2] > 0:
            ratios.append(a[2] / b[2])
        if a[:2] > b[:2] or (a[:2] == b[:2] and a[2] > b[2] * (1 + tolerance)):
            worse.append(name)
        elif a[:2] < b[:2] or a[2] < b[2] * (1 - tolerance):
            better.append(name)
    mine = [r for r in by.values() if r["engine"] == engine]
    return {"engine": engine, "reference": reference, "instances": compared, "worse": worse, "better": better,
            "mean_distance_ratio": round(statistics.fmean(ratios), 5) if ratios else None,
            "mine": mine}


def _served(rec: dict[str, Any] | None) -> bool:
    """Whether ``rec`` is a run that serves every request and passes both checks."""
    return (rec is not None and rec["status"] == "ok" and not rec["unassigned"] and not rec["violations"]
            and not rec["literature_violations"])


def headroom(records: Sequence[dict[str, Any]], engine: str, reference: str) -> dict[str, Any]:
    """How far below ``reference`` by total distance the best-known plans are, beside ``engine``.

    Over the instances both engines serve completely and feasibly and that have a best-known
    distance: ``best_known_below_pct`` is how much shorter in total the best-known plans are than
    ``reference``'s, the most any engine can be below ``reference`` there where the best known is
    optimal; ``engine_below_pct`` is how much shorter ``engine``'s plans are. Meaningful on sets
    ranked by distance alone (DARP)."""
    by = {(r["instance"], r["engine"]): r for r in records}
    names = sorted({n for n, e in by if e == reference and _served(by[(n, e)]) and _served(by.get((n, engine)))
                    and by[(n, e)].get("bks_distance")})
    ref = sum(by[(n, reference)]["distance"] for n in names)
    if not names or ref <= 0:
        return {"instances": 0, "best_known_below_pct": None, "engine_below_pct": None}
    best = sum(by[(n, reference)]["bks_distance"] for n in names)
    mine = sum(by[(n, engine)]["distance"] for n in names)
    return {"instances": len(names), "best_known_below_pct": round(100 * (1 - best / ref), 2),
            "engine_below_pct": round(100 * (1 - mine / ref), 2)}


def _versus_lines(records: Sequence[dict[str, Any]], pairs: Sequence[tuple[str, str]], time_limit: float) -> list[str]:
    lines = []
    for engine, reference in pairs:
        v = versus(records, engine, reference)
        short = [r["instance"] for r in v["mine"] if r["time_s"] < 0.95 * time_limit and r["stopped_by"] == "clock"]
        kinds = {r["set"] for r in v["mine"]}
        rank = "vehicles first, then distance" if kinds <= HIERARCHICAL else (
            "distance" if not kinds & HIERARCHICAL else "vehicles first on Li & Lim and Solomon, then distance")
        ratio = "mean distance ratio at equal vehicles" if kinds & HIERARCHICAL else "mean distance ratio"
        lines += [f"**{engine} vs {reference}** on {v['instances']} instances ({rank} within 0.1 %): worse on "
                  f"{len(v['worse'])} ({', '.join(v['worse']) or 'none'}), better on {len(v['better'])}; "
                  f"{ratio} {_cell(v['mean_distance_ratio'])}; {engine} runs the clock "
                  f"ended before 95 % of the limit: {len(short)}"
                  + (f" ({', '.join(short)})" if short else "") + ".", ""]
        if not kinds & HIERARCHICAL:
            h = headroom(records, engine, reference)
            if h["instances"]:
                lines += [f"By total distance on the {h['instances']} instances both serve that have a best-known "
                          f"value: {engine} {h['engine_below_pct']:.2f} % below {reference}; the best-known plans "
                          f"{h['best_known_below_pct']:.2f} % below it (the most any engine can be below "
                          f"{reference} there, where the best known is optimal).", ""]
    return lines


def _seeds(records: Sequence[dict[str, Any]]) -> str:
    """The seeds of ``records`` (runs made before the seed was recorded had seed 0)."""
    return ", ".join(str(s) for s in sorted({int(r.get("seed") or 0) for r in records})) or "0"


def markdown(records: Sequence[dict[str, Any]], *, time_limit: float, with_runs: bool = True,
             pairs: Sequence[tuple[str, str]] = ()) -> str:
    """The report: per set, the per-engine summary, then (``with_runs``) every run."""
    lines = ["# Literature benchmarks", "",
             f"Time limit {time_limit:g} s per run, seed {_seeds(records)}. Distances in literature units, "
             "recomputed in double precision from the coordinates. `gap %` compares with the best-known distance "
             "and is like-for-like only when the vehicle count matches the BKS (hierarchical convention). "
             "`violations` = `medroute.check`, `literature_violations` = the literature's rules in double precision "
             "(unserved orders excluded; they are counted in `unassigned`). `clock_stopped`: the clock, not the "
             "engines' work budgets, ended a search, so the same seed may give a different plan.", ""]
    summary = summarise(records)
    for kind in KINDS:
        runs = [r for r in records if r["set"] == kind]
        if not runs:
            continue
        lines += [f"## {kind}", "", "### Per engine", ""]
        cols = ["engine", "runs", "errors", "infeasible", "incomplete", "bks_vehicle_matches",
                "mean_vehicle_excess", "mean_gap_pct_all", "mean_gap_pct_matched", "mean_time_s", "clock_stopped"]
        if kind == "darp":
            cols = ["engine", "runs", "errors", "infeasible", "incomplete", "mean_distance", "mean_gap_pct_all",
                    "ride_limit_breaches", "mean_time_s", "clock_stopped"]
        lines += _table([s for s in summary if s["set"] == kind], cols)
        if kind == "darp":
            lines += ["", *per_instance(runs)]
        lines += ["", *_versus_lines(runs, pairs, time_limit)]
        if not with_runs:
            lines.append("")
            continue
        lines += ["", "### Runs", ""]
        cols = ["instance", "engine", "vehicles", "distance", "bks_vehicles", "bks_distance", "gap_pct",
                "unassigned", "violations", "literature_violations", "time_s", "stopped_by", "best_stage", "error"]
        if kind == "darp":
            cols = ["instance", "engine", "vehicles", "distance", "bks_distance", "gap_pct", "unassigned", "violations",
                    "literature_violations", "max_ride", "max_ride_limit", "max_duration", "max_duration_limit",
                    "time_s", "stopped_by", "best_stage", "error"]
        lines += _table(sorted(runs, key=lambda r: (r["instance"], r["engine"])), cols)
        lines.append("")
    return "\n".join(lines) + "\n"


def per_instance(runs: Sequence[dict[str, Any]]) -> list[str]:
    """Distance per instance and engine beside the best known (a run that leaves a request out
    or breaks a rule shows as ``out``/``infeasible``), then the mean distance and gap over the
    instances every engine serves completely and feasibly."""
    engines = list(dict.fromkeys(r["engine"] for r in runs))
    names = sorted({r["instance"] for r in runs})
    cell = {(r["instance"], r["engine"]): r for r in runs}

    lines = ["### Per instance (distance; gap to the best known in %)", "",
             "| instance | " + " | ".join(engines) + " | best known |", "|---|" + "---|" * (len(engines) + 1)]
    for name in names:
        cells = []
        for e in engines:
            r = cell.get((name, e))
            if r is None:
                cells.append("–")
            elif not _served(r):
                cells.append("error" if r["status"] == "error" else "out" if r["unassigned"] else "infeasible")
            else:
                gap = f" ({r['gap_pct']:+.2f})" if r["gap_pct"] is not None else ""
                cells.append(f"{r['distance']:.2f}{gap}")
        bks = next((r["bks_distance"] for r in runs if r["instance"] == name and r["bks_distance"]), None)
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {_cell(bks)} |")
    common = [n for n in names if all(_served(cell.get((n, e))) for e in engines)]
    means = [_mean(cell[(n, e)]["distance"] for n in common) for e in engines]
    gaps = [_mean(cell[(n, e)]["gap_pct"] for n in common if cell[(n, e)]["gap_pct"] is not None) for e in engines]
    lines.append(f"| mean over the {len(common)} served by all | "
                 + " | ".join(f"{_cell(m)} ({_cell(g)})" for m, g in zip(means, gaps, strict=True)) + " | |")
    return [*lines, ""]


def named_paths(kind: str, names: str) -> list[Path]:
    """The instance files of set ``kind`` named in the comma-separated ``names`` (any case); exits
    naming those the set lacks."""
    wanted = {n.strip().upper() for n in names.split(",")}
    paths = [p for p in instance_paths(kind) if p.stem.upper() in wanted]
    missing = sorted(wanted - {p.stem.upper() for p in paths})
    if missing:
        raise SystemExit(f"not in {kind}: {missing}")
    return paths


def _bks_tables(kind: str, root: str | None) -> dict[str, tuple[int | None, float]]:
    """Best-known values of set ``kind``: (vehicles, distance); DARP's table has distances only,
    beside its instance folder."""
    table = bks_path(kind, root=root)
    if table is not None:
        return dict(read_bks(table))
    paths = instance_paths(kind, root=root)
    darp = paths[0].parent.parent / DARP_BKS_FILE if kind == "darp" and paths else None
    if darp is None or not darp.is_file():
        return {}
    return {name: (None, distance) for name, distance in read_darp_bks(darp).items()}


def run(args: argparse.Namespace, solver: Solver | None = None) -> list[dict[str, Any]]:
    """Run every selected (instance, engine) pair and write ``<out>/<set>.{csv,json,md}``."""
    kinds = list(KINDS) if args.set == "all" else [args.set]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    globs = [g.strip().lower() for g in args.instances.split(",") if g.strip()]
    tasks: list[tuple[str, Path, list[str], float, tuple[int | None, float] | None, bool, int]] = []
    for kind in kinds:
        bks = _bks_tables(kind, args.root)
        for path in instance_paths(kind, root=args.root):
            if globs and not any(fnmatch.fnmatchcase(path.stem.lower(), g) for g in globs):
                continue
            tasks.append((kind, path, engines, args.time_limit, bks.get(path.stem), args.work, args.seed))
    records: list[dict[str, Any]] = []
    total = len(tasks) * len(engines)
    if solver is None and {"alns", "auto"} & set(engines):
        from medroute.engines.alns import warm_up

        warm_up()  # compiles the alns core into numba's disk cache before any clock runs
    if args.jobs > 1 and solver is None:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(run_instance, *task) for task in tasks]
            for fut in futures:
                for rec in fut.result():
                    records.append(rec)
                    _progress(rec, len(records), total)
    else:
        for task in tasks:
            for rec in run_instance(*task, solver=solver):
                records.append(rec)
                _progress(rec, len(records), total)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = args.set
    if args.merge and (out / f"{stem}.json").exists():
        # Keep the earlier runs of every (instance, engine) pair this run did not redo.
        old = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
        redone = {(r["set"], r["instance"], r["engine"]) for r in records}
        records = [r for r in old["runs"] if (r["set"], r["instance"], r["engine"]) not in redone] + records
        engines = list(dict.fromkeys([*old["engines"], *engines]))
    with (out / f"{stem}.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(records)
    (out / f"{stem}.json").write_text(json.dumps({"time_limit_s": args.time_limit, "work": args.work,
                                                  "engines": engines, "runs": records,
                                                  "summary": summarise(records)}, indent=1)
                                      + "\n", encoding="utf-8")
    (out / f"{stem}.md").write_text(markdown(records, time_limit=args.time_limit, pairs=parse_pairs(args.versus)),
                                    encoding="utf-8")
    return records


def render(args: argparse.Namespace) -> None:
    """Rewrite ``<out>/<set>.md`` from the runs in ``<out>/<set>.json`` (every set that has one
    under ``--set all``), with ``--versus``'s comparisons; nothing is run and ``meta.json`` is
    left as the runs wrote it."""
    out = Path(args.out)
    kinds = list(KINDS) if args.set == "all" else [args.set]
    saved = [(kind, out / f"{kind}.json") for kind in kinds if (out / f"{kind}.json").exists()]
    if not saved:
        raise SystemExit(f"--render: no {' or '.join(f'{k}.json' for k in kinds)} in {out}")
    for kind, path in saved:
        data = json.loads(path.read_text(encoding="utf-8"))
        (out / f"{kind}.md").write_text(markdown(data["runs"], time_limit=data["time_limit_s"],
                                                 pairs=parse_pairs(args.versus)), encoding="utf-8")


def _progress(rec: dict[str, Any], done: int, total: int) -> None:
    if rec["status"] == "error":
        detail = rec["error"]
    else:
        bks = (f" (BKS {rec['bks_vehicles']} / {rec['bks_distance']}, gap {rec['gap_pct']}%)"
               if rec["bks_vehicles"] else "")
        detail = (f"{rec['vehicles']} veh, {rec['distance']:.2f}{bks}, unassigned {rec['unassigned']}, "
                  f"violations {rec['violations']}/{rec['literature_violations']}")
    print(f"[{done}/{total}] {rec['set']} {rec['instance']} {rec['engine']}: {detail} ({rec['time_s']} s)",
          file=sys.stderr, flush=True)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--set", choices=[*KINDS, "all"], default="all", help="which literature set (default all)")
    ap.add_argument("--engines", default="auto,ortools,pyvrp,greedy", help="comma-separated engine names")
    ap.add_argument("--time-limit", type=float, default=30.0, help="seconds per run (default 30)")
    ap.add_argument("--instances", default="",
                    help="comma-separated globs on instance names, case-insensitive, e.g. 'lc1*,lr205' (default all)")
    ap.add_argument("--out", default="benchmarks/results/literature", help="output directory")
    ap.add_argument("--seed", type=int, default=0, help="random seed of every solve (default 0)")
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel (processes; timings then share CPUs)")
    ap.add_argument("--merge", action="store_true",
                    help="keep the other runs already in <out>/<set>.json (rerun one engine into a table)")
    ap.add_argument("--root", default=None, help="data directory searched first (then $MEDROUTE_DATA and "
                    "the repository's benchmarks/data; docs/data.md)")
    ap.add_argument("--work", action="store_true",
                    help="reproducible mode: stop=MaxWork(time limit) instead of the clock")
    ap.add_argument("--versus", default="",
                    help="comma-separated engine:reference pairs to compare instance by instance, e.g. auto:pyvrp")
    ap.add_argument("--render", action="store_true",
                    help="run nothing: rewrite <out>/<set>.md from <out>/<set>.json (e.g. with other --versus pairs)")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.render:
        render(args)
        return 0
    with study(args.out, part=args.set, merge=args.merge, time_limit_s=args.time_limit, work=args.work):
        records = run(args)
    print(markdown(records, time_limit=args.time_limit, with_runs=False, pairs=parse_pairs(args.versus)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
