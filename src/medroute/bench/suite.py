"""Running a suite: every engine on the same scenarios, travel matrix and budgets, each plan checked."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..check import check
from ..compile import Instance, compile_problem
from ..errors import EngineError
from ..matrices import MatrixLike
from ..model import Problem
from ..solution import Solution
from ..stop import MaxRuntime, MaxWork, budget_of
from .records import COLD_RULES, SUITES, Loader, Progress, RunRecord, Suite, check_options, with_ratios
from .report import plot_suite, render_markdown, simulated_days


def load_avg() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover - not on Linux/macOS
        return math.nan


def default_loader(name: str, **kwargs: Any) -> Any:
    """:func:`medroute.scenarios.load`, imported on first use."""
    import importlib

    return importlib.import_module("medroute.scenarios").load(name, **kwargs)


def solve_once(problem: Problem, matrix: MatrixLike, engine: str, *, time_limit: float, seed: int,
               instance: Instance | None = None, work: bool = False) -> tuple[Solution, str]:
    """Solve ``problem`` with ``engine`` and say how: ``"full"`` (:func:`medroute.solve`) or
    ``"relaxed"`` (an engine that does not support the problem plans what it can model:
    :func:`medroute.solve.plan_instance` with ``relaxed=True``).

    Parameters
    ----------
    problem, matrix
        The scenario.
    engine
        A registered engine name.
    time_limit
        Wall-clock budget, seconds.
    seed
        Solver seed.
    instance
        ``compile_problem(problem, matrix)``, if already at hand.
    work
        Reproducible mode: ``stop=MaxWork(time_limit)`` instead of the clock.

    Returns
    -------
    solution, mode
        The plan (its ``solve_time_s`` is the wall-clock time of the call) and the mode.

    Raises
    ------
    EngineError
        If the engine fails.
    """
    from ..engines.registry import get_engine
    from ..solve import plan_instance, solve

    t0 = time.perf_counter()
    eng = get_engine(engine)
    stop = MaxWork(time_limit) if work else MaxRuntime(time_limit)
    inst = instance if instance is not None else compile_problem(problem, matrix)
    if eng.supports(inst):
        return solve(problem, engine=engine, seed=seed, matrix=matrix, stop=stop), "full"
    return plan_instance(inst, eng, budget_of(stop), t0=t0, seed=seed, relaxed=True), "relaxed"


def _record(suite: str, scenario: str, problem: Problem, budget: float, engine: str, seed: int,
            sol: Solution, mode: str, violations: Sequence[Any], load: float) -> RunRecord:
    k = sol.kpis
    rules = sorted({str(v.rule.value) for v in violations})
    note = ""
    if mode == "relaxed":
        note = next((x for x in sol.notes if x.startswith("relaxed")), "relaxed")[:160]
    return RunRecord(
        suite=suite, scenario=scenario, orders=len(problem.orders), riders=len(problem.riders),
        budget_s=budget, engine=engine, seed=seed, mode=mode, served=k.served, unassigned=k.unassigned,
        riders_used=k.riders_used, travel_s=k.travel_s, distance_m=k.distance_m,
        on_time_share=k.on_time_share, total_late_s=k.total_late_s, max_late_s=k.max_late_s,
        max_cold_exposure_s=k.max_cold_exposure_s,
        cold_violations=sum(v.rule in COLD_RULES for v in violations),
        mean_lead_s=k.mean_lead_s, fare_rp=k.cost_rp, objective_rp=k.objective_rp,
        solve_s=round(sol.solve_time_s, 3), violations=len(violations), violation_rules=" ".join(rules),
        load_1min=load, note=note,
    )


def run_suite(suite: str | Suite = "banyuwangi", budgets: Sequence[float] | None = None,
              engines: Sequence[str] | None = None, seeds: Sequence[int] | None = None,
              out: Path | str = Path("benchmarks/results/banyuwangi"), progress: bool | Progress = True, *,
              quick: bool = False, loader: Loader | None = None, command: str | None = None,
              plots: bool = True, work: bool = False) -> list[RunRecord]:
    """Run a benchmark suite and write ``runs.csv``, ``runs.json``, ``RESULTS.md`` and plots.

    Parameters
    ----------
    suite
        A name in :data:`SUITES` or a :class:`Suite`.
    budgets
        Time budgets, seconds, replacing every scenario's own; ``None`` keeps them.
    engines
        Engine names (default: the suite's).
    seeds
        Solver seeds (default: the suite's).
    out
        Output directory (created); ``RESULTS.md`` and the PNGs go there.
    progress
        ``True`` prints one line per run to stderr, ``False`` nothing, or a callback
        ``(done, total, label)``.
    quick
        Use the CI-size ``quick`` suite instead (ignores ``suite`` when it is a name).
    loader
        Scenario loader (default :func:`medroute.scenarios.load`).
    command
        The command line to print at the top of the report (default: reconstructed).
    plots
        Write the PNG plots.
    work
        Reproducible mode: every solve gets ``stop=MaxWork(budget)`` instead of the clock, so the
        plans are the same on any machine (``solve_s`` is then what the work took).

    Returns
    -------
    list of RunRecord
        One record per solve, ratios filled in.

    Raises
    ------
    EngineError, InvalidProblemError
        An unknown engine or a bad budget (:func:`~medroute.bench.records.check_options`), before
        anything is written.
    """
    spec = SUITES["quick" if quick else suite] if isinstance(suite, str) else suite
    check_options(spec.engines if engines is None else engines,  # before anything is written
                  [b for s in spec.scenarios for b in s.budgets] if budgets is None else budgets)
    if budgets is not None:
        spec = dataclasses.replace(spec, scenarios=tuple(
            dataclasses.replace(s, budgets=tuple(float(b) for b in budgets)) for s in spec.scenarios))
    if engines is not None:
        spec = dataclasses.replace(spec, engines=tuple(engines))
    if seeds is not None:
        spec = dataclasses.replace(spec, seeds=tuple(seeds))
    load = loader or default_loader
    report: Progress
    if progress is True:
        def report(done: int, total: int, label: str) -> None:
            print(f"[{done}/{total}] {label}", file=sys.stderr, flush=True)
    elif progress is False:
        def report(done: int, total: int, label: str) -> None:
            return None
    else:
        report = progress
    from .results import study  # lazily: ``python -m medroute.bench.results`` imports this package first

    out = Path(out)
    command = command or _command(spec, out, quick)
    with study(out, command=command, suite=spec.name, work=work):
        started = datetime.now(UTC)
        t_start = time.perf_counter()
        records, descriptions, loads = _solve_suite(spec, load, report, work)
        meta = {
            "suite": spec.name, "command": command, "work": work,
            "started_utc": started.isoformat(timespec="seconds"),
            "wall_s": round(time.perf_counter() - t_start, 1), "planned_search_s": spec.planned_s,
            "runs": spec.runs, "cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "versions": _versions(),
            "load_1min": {"min": min(loads), "mean": statistics.fmean(loads), "max": max(loads)},
            "scenarios": descriptions, "engines": list(spec.engines), "seeds": list(spec.seeds),
            "budgets": {s.title: list(s.budgets) for s in spec.scenarios},
        }
        write_runs(records, out, meta)
        figures = plot_suite(records, out) if plots else []
        (out / "RESULTS.md").write_text(render_markdown(records, meta, figures, simulated_days(out)),
                                        encoding="utf-8")
    return records


def _solve_suite(spec: Suite, load: Loader, report: Progress,
                 work: bool = False) -> tuple[list[RunRecord], dict[str, str], list[float]]:
    """Every run of ``spec`` (``work``: in reproducible mode): the records with ratios, the
    scenarios' descriptions and the load averages sampled before each solve."""
    loads = [load_avg()]
    records: list[RunRecord] = []
    descriptions: dict[str, str] = {}
    total, done = spec.runs, 0
    for sc in spec.scenarios:
        scenario = load(sc.name, seed=spec.scenario_seed, **dict(sc.overrides))
        problem, matrix = scenario.problem, scenario.matrix
        descriptions[sc.title] = (f"{getattr(scenario, 'description', '')} — {len(problem.orders)} orders, "
                                  f"{len(problem.riders)} riders, travel backend "
                                  f"{getattr(scenario, 'backend_name', '?')}")
        inst = compile_problem(problem, matrix)
        _warm_up(spec.engines, inst)
        for budget in sc.budgets:
            for seed in spec.seeds:
                for engine in spec.engines:
                    label = f"{sc.title} · {budget:g} s · {engine} · seed {seed}"
                    report(done, total, label)
                    la = load_avg()
                    loads.append(la)
                    if engine in sc.skip:
                        records.append(RunRecord(spec.name, sc.title, len(problem.orders), len(problem.riders),
                                                 budget, engine, seed, "skipped", load_1min=la,
                                                 note=sc.skip[engine]))
                        done += 1
                        report(done, total, label + " → skipped")
                        continue
                    try:
                        sol, mode = solve_once(problem, matrix, engine, time_limit=budget, seed=seed,
                                               instance=inst, work=work)
                        violations = check(problem, sol, matrix)
                        rec = _record(spec.name, sc.title, problem, budget, engine, seed, sol, mode,
                                      violations, la)
                    except Exception as exc:  # a failing engine is a result, not a crash
                        rec = RunRecord(spec.name, sc.title, len(problem.orders), len(problem.riders), budget,
                                        engine, seed, "error", load_1min=la,
                                        note=f"{type(exc).__name__}: {exc}"[:300])
                    records.append(rec)
                    done += 1
                    report(done, total, label + (f" → {rec.objective_rp:,.0f} Rp, {rec.violations} violations"
                                                 if rec.mode != "error" else " → error"))
    loads.append(load_avg())
    return with_ratios(records), descriptions, loads


def _warm_up(engines: Sequence[str], inst: Instance) -> None:
    """Import every engine and its solver library before the clock runs (pyvroom pulls in pandas:
    about a second the first time)."""
    from ..engines.registry import get_engine

    for name in engines:
        try:
            get_engine(name).supports(inst)
        except EngineError:
            continue


def _command(spec: Suite, out: Path, quick: bool) -> str:
    parts = ["medroute bench", f"--suite {spec.name}"]
    if quick:
        parts.append("--quick")
    parts.append(f"--output {out}")
    return " ".join(parts)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("medroute", "ortools", "pyvrp", "pyvroom", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "-"
    return out


def write_runs(records: Sequence[RunRecord], out: Path, meta: Mapping[str, Any]) -> None:
    """Write ``runs.csv`` (one row per run) and ``runs.json`` (``meta`` and the runs) into ``out``."""
    names = [f.name for f in dataclasses.fields(RunRecord)]
    with (out / "runs.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for r in records:
            writer.writerow([getattr(r, n) for n in names])

    def clean(v: Any) -> Any:
        return None if isinstance(v, float) and not math.isfinite(v) else v

    doc = {"meta": dict(meta), "runs": [{k: clean(v) for k, v in dataclasses.asdict(r).items()} for r in records]}
    (out / "runs.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# -- report -------------------------------------------------------------------------------------

