"""The benchmark suite runner: every engine on the same scenarios, travel matrix and budgets.

:func:`run_suite` solves each scenario of a suite with each engine at each time budget and seed,
checks every plan with the independent :func:`medroute.check`, and writes ``runs.csv``,
``runs.json``, ``RESULTS.md`` and PNG plots into one directory. :func:`run_scale` measures the
solve time and quality of one engine against the number of orders (the scale curve).

Engines whose ``supports()`` is false (PyVRP and VROOM on problems with cold-chain
budgets or soft targets) cannot go through :func:`medroute.solve`, which refuses them. They are
run *relaxed* — on what they can model — and their plans are still checked against the full
problem:

* a plan whose routes all time under the full rules is assembled exactly as ``solve`` would
  (VROOM's engine always returns such plans: it drops orders a route cannot keep);
* a plan with a route that does not (PyVRP's, when a cold budget is broken) is timed on the
  relaxed instance (no out-of-fridge budgets, each node's windows replaced by their hull) and
  :func:`medroute.check` then lists every rule it breaks.

Such runs are marked ``relaxed`` in every table. Cost is the plan's objective in Rupiah
(riding distance and time, lateness, unserved orders, riders); ``fare`` is the distance fare
alone. ``ratio`` is the objective over the best objective among runs *without violations* of
the same scenario, budget and seed.

This module is the library half of ``medroute bench``; the CLI adds a progress bar
(:mod:`medroute.bench_cli`). Plotting uses matplotlib's Agg backend and is imported lazily.
"""

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from ..check import Rule, check
from ..compile import Instance, compile_problem
from ..errors import EngineError
from ..matrices import MatrixLike
from ..model import Problem
from ..solution import Solution
from ..stop import MaxRuntime, MaxWork, budget_of

Progress = Callable[[int, int, str], None]
"""A progress callback: ``(runs done, runs in total, label of the run starting or finished)``."""

Loader = Callable[..., Any]
"""Loads a scenario: ``loader(name, seed=..., **overrides)`` returns an object with ``problem``
and ``matrix`` (and optionally ``description`` and ``backend_name``), as
:func:`medroute.scenarios.load` does."""

ENGINES = ("auto", "ortools", "pyvrp", "vroom", "greedy")
"""Engines of the suites, in table order."""
BUDGET_ENGINES = frozenset({"auto", "ortools", "pyvrp", "vroom"})
"""Engines that use their whole time budget (greedy stops when it has placed every order)."""
COLD_RULES = frozenset({Rule.COLD_BUDGET, Rule.COOLBOX})
"""Checker rules counted as cold-chain violations."""


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    """One scenario of a suite.

    Attributes
    ----------
    name
        Scenario name for the loader (e.g. ``"historic"``).
    budgets
        Time budgets to run it at, seconds per solve.
    overrides
        Keyword overrides passed to the loader (e.g. ``{"orders": 50}``).
    label
        How tables name it (default: ``name``).
    skip
        Engine name → why it is not run on this scenario (reported as ``skipped``).
    """

    name: str
    budgets: tuple[float, ...]
    overrides: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""
    skip: Mapping[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.label or self.name


@dataclass(frozen=True, slots=True)
class Suite:
    """A benchmark suite: scenarios with their budgets, engines and seeds.

    Attributes
    ----------
    name
        Suite name.
    scenarios
        What to solve and at which budgets.
    engines
        Engine names, in table order.
    seeds
        Solver seeds; each (scenario, budget, engine) runs once per seed.
    scenario_seed
        Seed of the scenario generator (the same problem for every run).
    """

    name: str
    scenarios: tuple[ScenarioRun, ...]
    engines: tuple[str, ...] = ENGINES
    seeds: tuple[int, ...] = (0,)
    scenario_seed: int = 0

    @property
    def runs(self) -> int:
        """Number of solves."""
        return sum(len(s.budgets) for s in self.scenarios) * len(self.engines) * len(self.seeds)

    @property
    def planned_s(self) -> float:
        """Upper bound of the search time, seconds: every budget-using engine takes its budget."""
        return len(self.seeds) * sum(sum(s.budgets) * sum(e in BUDGET_ENGINES and e not in s.skip for e in self.engines)
                                     for s in self.scenarios)


VROOM_SURGE_SKIP = ("VROOM 1.15's construction phase does not stop at its timeout: on 1,000 shipments "
                    "with 125+ riders it took 90 s (exploration 1) to 350 s (exploration 5) at a 20–30 s "
                    "budget, beyond any budget of the suite; the engine kills it at the limit, so it would "
                    "return no plan")
"""Why the ``banyuwangi`` suite does not run VROOM on ``surge``."""

COLD_HEAVY = MappingProxyType({"cold_share": 0.5, "cold_temperature": "frozen", "coolbox_share": 0.6})
"""The cold-heavy day: half the orders frozen (a 1-hour out-of-fridge budget, the tightest class
of :mod:`medroute.coldchain`) and cool boxes on 60 % of the riders, where budgets bind and
engines that cannot model them (PyVRP, VROOM) break them."""

SUITES: dict[str, Suite] = {
    "banyuwangi": Suite("banyuwangi", (
        ScenarioRun("historic", (10.0, 30.0)),
        ScenarioRun("expanded", (10.0, 30.0)),
        ScenarioRun("surge", (30.0, 60.0), skip={"vroom": VROOM_SURGE_SKIP}),
        ScenarioRun("expanded", (10.0, 30.0), COLD_HEAVY, label="expanded-cold"),
        ScenarioRun("puskesmas", (30.0,)),
    )),
    "quick": Suite("quick", (
        ScenarioRun("historic", (2.0,)),
        ScenarioRun("expanded", (4.0,), {"orders": 40}, label="expanded-40"),
    )),
}
"""Named suites. ``banyuwangi``: 4 budget-using engines × ((10 + 30) × 3 + 30) s + 3 × (30 + 60) s
(no VROOM on surge) = 870 s of search per seed, about 20 minutes with loading, checking and
plotting on 2 cores.
``quick``: a CI-size smoke run, about half a minute."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    """The figures of one solve. Times in seconds, distances in metres, money in Rupiah.

    ``mode`` is ``"full"`` (through :func:`medroute.solve`), ``"relaxed"`` (the engine cannot
    model the whole problem, see the module docstring), ``"skipped"`` or ``"error"``.
    """

    suite: str
    scenario: str
    orders: int
    riders: int
    budget_s: float
    engine: str
    seed: int
    mode: str
    served: int = 0
    unassigned: int = 0
    riders_used: int = 0
    travel_s: int = 0
    distance_m: int = 0
    on_time_share: float = 0.0
    total_late_s: int = 0
    max_late_s: int = 0
    max_cold_exposure_s: int = 0
    cold_violations: int = 0
    mean_lead_s: float = 0.0
    fare_rp: float = 0.0
    objective_rp: float = math.nan
    solve_s: float = 0.0
    violations: int = 0
    violation_rules: str = ""
    ratio: float = math.nan
    load_1min: float = 0.0
    note: str = ""

    @property
    def feasible(self) -> bool:
        """Checked plan without violations."""
        return self.mode in ("full", "relaxed") and self.violations == 0


def _load_avg() -> float:
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


def with_ratios(records: Sequence[RunRecord]) -> list[RunRecord]:
    """``records`` with ``ratio`` = objective / best feasible objective of the same scenario,
    budget and seed (NaN if no run of the group is feasible)."""
    best: dict[tuple[str, float, int], float] = {}
    for r in records:
        if r.feasible:
            key = (r.scenario, r.budget_s, r.seed)
            best[key] = min(best.get(key, math.inf), r.objective_rp)
    out = []
    for r in records:
        b = best.get((r.scenario, r.budget_s, r.seed))
        ratio = r.objective_rp / b if b and r.mode in ("full", "relaxed") else math.nan
        out.append(dataclasses.replace(r, ratio=ratio))
    return out


def run_suite(suite: str | Suite = "banyuwangi", budgets: Sequence[float] | None = None,
              engines: Sequence[str] | None = None, seeds: Sequence[int] | None = None,
              out: Path | str = Path("benchmarks/results/banyuwangi"), progress: bool | Progress = True, *,
              quick: bool = False, loader: Loader | None = None, command: str | None = None,
              plots: bool = True) -> list[RunRecord]:
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

    Returns
    -------
    list of RunRecord
        One record per solve, ratios filled in.
    """
    spec = SUITES["quick" if quick else suite] if isinstance(suite, str) else suite
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
    with study(out, command=command, suite=spec.name):
        started = datetime.now(UTC)
        t_start = time.perf_counter()
        records, descriptions, loads = _solve_suite(spec, load, report)
        meta = {
            "suite": spec.name, "command": command,
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


def _solve_suite(spec: Suite, load: Loader, report: Progress) -> tuple[list[RunRecord], dict[str, str], list[float]]:
    """Every run of ``spec``: the records with ratios, the scenarios' descriptions and the load
    averages sampled before each solve."""
    loads = [_load_avg()]
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
                    la = _load_avg()
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
                                               instance=inst)
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
    loads.append(_load_avg())
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

def _fmt_ratio(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x:.3f}"


def _fmt_rp(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x:,.0f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _groups(records: Sequence[RunRecord]) -> list[tuple[str, float]]:
    return list(dict.fromkeys((r.scenario, r.budget_s) for r in records))


def _mean(xs: Sequence[float]) -> float:
    xs = [x for x in xs if math.isfinite(x)]
    return statistics.fmean(xs) if xs else math.nan


def headline(records: Sequence[RunRecord]) -> list[dict[str, Any]]:
    """Per (scenario, budget): auto's violations and objective, the best feasible engine, and the
    ratios auto/best, greedy/auto and ortools/auto (means over seeds)."""
    out = []
    for scenario, budget in _groups(records):
        rs = [r for r in records if r.scenario == scenario and r.budget_s == budget]

        def mean_obj(engine: str, rs: list[RunRecord] = rs) -> float:
            return _mean([r.objective_rp for r in rs if r.engine == engine and r.mode in ("full", "relaxed")])

        feasible = [r for r in rs if r.feasible]
        by_engine: dict[str, list[float]] = {}
        for r in feasible:
            by_engine.setdefault(r.engine, []).append(r.objective_rp)
        best = min(by_engine, key=lambda e: statistics.fmean(by_engine[e])) if by_engine else "–"
        auto = [r for r in rs if r.engine == "auto"]
        a = mean_obj("auto")
        out.append({
            "scenario": scenario, "budget_s": budget,
            "auto_violations": sum(r.violations for r in auto) if auto else None,
            "auto_objective_rp": a, "best_engine": best,
            "auto_over_best": _mean([r.ratio for r in auto]),
            "greedy_over_auto": mean_obj("greedy") / a if a else math.nan,
            "ortools_over_auto": mean_obj("ortools") / a if a else math.nan,
        })
    return out


def targets(records: Sequence[RunRecord]) -> list[str]:
    """Sentences on the suite's targets: ``auto`` without violations everywhere, best or within
    2 % of the best feasible objective at equal budget, clearly ahead of greedy and ortools."""
    heads = headline(records)
    auto = [r for r in records if r.engine == "auto"]
    out = []
    bad = [r for r in auto if not r.feasible]
    out.append("auto has no violations on any run: " + ("**met**" if auto and not bad else
               f"**missed** ({len(bad)} of {len(auto)} runs)"))
    far = [h for h in heads if not (h["auto_over_best"] <= 1.02)]
    out.append("auto best or within 2 % of the best feasible objective: " + (
        "**met**" if not far else "**missed** on " + ", ".join(
            f"{h['scenario']} {h['budget_s']:g} s (auto/best {_fmt_ratio(h['auto_over_best'])}, best "
            f"{h['best_engine']})" for h in far)))
    for other in ("greedy", "ortools"):
        key = f"{other}_over_auto"
        behind = [h for h in heads if not (h[key] > 1.0)]
        out.append(f"auto beats {other}: " + ("**met**" if not behind else "**missed** on " + ", ".join(
            f"{h['scenario']} {h['budget_s']:g} s ({other}/auto {_fmt_ratio(h[key])})" for h in behind)))
    return out


def rerender(out: Path | str) -> None:
    """Rewrite ``RESULTS.md`` (and the plots) in ``out`` from its ``runs.json``, without solving."""
    out = Path(out)
    doc = json.loads((out / "runs.json").read_text(encoding="utf-8"))
    names = {f.name for f in dataclasses.fields(RunRecord)}
    rows: list[dict[str, Any]] = [{k: (math.nan if v is None else v) for k, v in r.items() if k in names}
                                  for r in doc["runs"]]
    records = [RunRecord(**row) for row in rows]
    figures = plot_suite(records, out)
    (out / "RESULTS.md").write_text(render_markdown(records, doc["meta"], figures, simulated_days(out)),
                                    encoding="utf-8")


def simulated_days(out: Path) -> list[str]:
    """The simulated days committed beside a report's folder (``results/simulate_<scenario>.md``,
    written by ``benchmarks/simulate.py``), each as a markdown section without its title."""
    sections = []
    for path in sorted(out.parent.glob("simulate_*.md")):
        body = path.read_text(encoding="utf-8").split("\n", 1)[-1].strip()
        sections.append(f"### `{path.stem.removeprefix('simulate_')}` ([{path.name}](../{path.name}))"
                        f"\n\n{body}\n")
    return sections


def render_markdown(records: Sequence[RunRecord], meta: Mapping[str, Any], figures: Sequence[str] = (),
                    simulated: Sequence[str] = ()) -> str:
    """The ``RESULTS.md`` report: command, machine, headline ratios, one table per scenario and
    budget, notes on relaxed and failed runs, the simulated days committed beside it
    (:func:`simulated_days`) and the plots."""
    la = meta["load_1min"]
    v = meta["versions"]
    lines = [
        f"# Benchmark suite `{meta['suite']}`",
        "",
        "Regenerate with:",
        "",
        "```",
        str(meta["command"]),
        "```",
        "",
        f"Run {meta['started_utc']} on {meta['cpus']} CPUs ({meta['platform']}, Python {meta['python']}; "
        f"medroute {v.get('medroute')}, OR-Tools {v.get('ortools')}, PyVRP {v.get('pyvrp')}, "
        f"pyvroom {v.get('pyvroom')}). Wall time {meta['wall_s'] / 60:.1f} min for {meta['runs']} solves "
        f"(at most {meta['planned_search_s'] / 60:.1f} min of search planned).",
        "",
        f"**Machine load** (1-minute load average, sampled before every solve): min {la['min']:.2f}, "
        f"mean {la['mean']:.2f}, max {la['max']:.2f} on {meta['cpus']} cores. Other work shared the "
        "machine while this ran; with a load above the core count every engine got less CPU than "
        "its wall-clock budget, and solve times and quality at a given budget are pessimistic.",
        "",
        "Scenarios (every engine on the scenario's own travel matrix; solver seeds "
        f"{', '.join(str(s) for s in meta['seeds'])}):",
        "",
    ]
    for name, desc in meta["scenarios"].items():
        budgets = ", ".join(f"{b:g} s" for b in meta["budgets"].get(name, []))
        lines.append(f"* **{name}** ({budgets}): {desc}")
    lines += [
        "",
        "Definitions: *objective* is the plan's cost in Rupiah — riding distance and time, lateness past "
        "soft targets, unserved orders (Rp 150,000 each by default) and riders used; *fare* the distance "
        "fare alone. *ratio* = objective / best objective among runs **without violations** of the same "
        "scenario, budget and seed. *viol.* counts the rules `medroute.check` finds broken; *cold* those "
        "of the cold chain (`cold_budget`, `coolbox`). Mode *relaxed*: the engine cannot model the whole "
        "problem (its `supports()` says what) and ran on what it can; its plan is still checked against "
        "the full problem. On-time share counts served orders by their target (or window) over all orders; "
        "lead time is release → door.",
        "",
        "## Headline",
        "",
    ]
    rows = []
    for h in headline(records):
        rows.append([h["scenario"], f"{h['budget_s']:g}", str(h["auto_violations"]),
                     _fmt_rp(h["auto_objective_rp"]), h["best_engine"], _fmt_ratio(h["auto_over_best"]),
                     _fmt_ratio(h["greedy_over_auto"]), _fmt_ratio(h["ortools_over_auto"])])
    lines.append(_table(["scenario", "budget s", "auto viol.", "auto objective Rp", "best feasible engine",
                         "auto/best", "greedy/auto", "ortools/auto"], rows))
    lines += ["", "Targets: " + "; ".join(targets(records)) + ".", "", "## Runs", ""]
    for scenario, budget in _groups(records):
        rs = [r for r in records if r.scenario == scenario and r.budget_s == budget]
        lines += [f"### {scenario}, {budget:g} s", ""]
        rows = []
        for r in rs:
            if r.mode in ("error", "skipped"):
                rows.append([r.engine, str(r.seed), r.mode] + ["–"] * 14)
                continue
            rows.append([
                r.engine, str(r.seed), r.mode, f"{r.served}/{r.orders}", str(r.riders_used),
                f"{r.travel_s / 3600:.1f}", f"{r.distance_m / 1000:.1f}", f"{100 * r.on_time_share:.0f}",
                f"{r.total_late_s / 60:.0f}", f"{r.max_cold_exposure_s / 60:.0f}", str(r.cold_violations),
                f"{r.mean_lead_s / 60:.0f}", _fmt_rp(r.fare_rp), _fmt_rp(r.objective_rp), _fmt_ratio(r.ratio),
                f"{r.solve_s:.1f}", str(r.violations),
            ])
        lines.append(_table(["engine", "seed", "mode", "served", "riders", "travel h", "km", "on-time %",
                             "late min", "max cold min", "cold viol.", "lead min", "fare Rp", "objective Rp",
                             "ratio", "solve s", "viol."], rows))
        lines.append("")
    notes = [r for r in records if r.mode != "full" or r.violation_rules]
    if notes:
        lines += ["## Relaxed, skipped and failed runs", ""]
        seen: set[tuple[str, str, str]] = set()
        for r in notes:
            key = (r.scenario, r.engine, r.note + r.violation_rules)
            if key in seen:
                continue
            seen.add(key)
            broken = f" Broken rules: {r.violation_rules}." if r.violation_rules else ""
            lines.append(f"* {r.scenario} · {r.engine} ({r.mode}): {r.note or '-'}{broken}")
        lines.append("")
    if simulated:
        lines += ["## Simulated days (`medroute simulate`, committed beside this report)", "", *simulated]
    if figures:
        lines += ["## Plots", ""]
        lines += [f"![{Path(f).stem}]({Path(f).name})" for f in figures]
        lines.append("")
    return "\n".join(lines)


def plot_suite(records: Sequence[RunRecord], out: Path) -> list[str]:
    """Write the suite's PNG plots into ``out`` and return their file names.

    ``ratio.png``: objective / best feasible per engine, scenario and budget (hatched bars =
    plans with violations); ``violations.png``: violations per run; ``solve_time.png``: wall time
    against budget.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = _groups(records)
    engines = list(dict.fromkeys(r.engine for r in records))
    if not groups or not engines:
        return []
    cmap = plt.get_cmap("tab10")
    colors = {e: cmap(i % 10) for i, e in enumerate(engines)}
    width = 0.8 / len(engines)
    x = np.arange(len(groups))
    names: list[str] = []

    def bars(value: Callable[[list[RunRecord]], float], ylabel: str, fname: str, title: str,
             log: bool = False) -> None:
        fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(groups) + 2), 4.2))
        for i, e in enumerate(engines):
            vals, hatch = [], []
            for g in groups:
                rs = [r for r in records
                      if (r.scenario, r.budget_s) == g and r.engine == e and r.mode in ("full", "relaxed")]
                vals.append(value(rs) if rs else math.nan)
                hatch.append(any(r.violations for r in rs))
            bs = ax.bar(x + (i - (len(engines) - 1) / 2) * width, vals, width, label=e, color=colors[e])
            for b, h in zip(bs, hatch, strict=True):
                if h:
                    b.set_hatch("//")
        ax.set_xticks(x, [f"{s}\n{b:g} s" for s, b in groups])
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        if log:
            ax.set_yscale("log")
        ax.legend(fontsize=8, ncol=min(5, len(engines)))
        fig.tight_layout()
        fig.savefig(out / fname, dpi=110)
        plt.close(fig)
        names.append(fname)

    bars(lambda rs: _mean([r.ratio for r in rs]), "objective / best feasible (log)", "ratio.png",
         "Objective relative to the best plan without violations (hatched: plan has violations)", log=True)
    bars(lambda rs: _mean([float(r.violations) for r in rs]), "violations found by medroute.check",
         "violations.png", "Rules broken per plan (0 = feasible)")
    bars(lambda rs: _mean([r.solve_s for r in rs]), "wall-clock solve time, s", "solve_time.png",
         "Solve time per run (budget shown under each group)")
    return names


# -- scale curve --------------------------------------------------------------------------------

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
            la = _load_avg()
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
                 str(p.riders_used), _fmt_rp(p.objective_rp), _fmt_rp(p.rp_per_order), str(p.violations),
                 _fmt_ratio(p.ratio_to_greedy), f"{p.load_1min:.2f}", p.note] for p in points]
        md = [f"# Scale curve: `{engine}` on `{scenario}`", ""]
        if command:
            md += ["```", command, "```", ""]
        md += [f"Budget rule: {'MaxWork' if work else 'time_limit'} = max(5, orders / 20) s, seed {seed}; "
               f"{os.cpu_count()} CPUs; wall time "
               f"{wall / 60:.1f} min (greedy reference runs included). Load = 1-minute load average before the "
               "solve. Note `clock-stopped`: the clock, not the engines' work budgets, ended a search, so the "
               "same seed may give another plan.", "",
               _table(["orders", "riders", "budget s", "solve s", "served", "riders used", "objective Rp",
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
