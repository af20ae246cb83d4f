"""A suite's report: ``RESULTS.md`` (headline, targets, one table per scenario and budget) and its plots."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .records import RunRecord


def fmt_ratio(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x:.3f}"


def fmt_rp(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x:,.0f}"


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
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


def engines_run(records: Sequence[RunRecord]) -> set[str]:
    """The engines with at least one run that was not skipped."""
    return {r.engine for r in records if r.mode != "skipped"}


def headline_table(records: Sequence[RunRecord]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the headline (:func:`headline`), without the columns of engines that
    were not run: ``auto``'s only if it ran, ``greedy/auto`` and ``ortools/auto`` only if both ran."""
    def ratio(key: str) -> Callable[[dict[str, Any]], str]:
        return lambda h: fmt_ratio(h[key])

    engines = engines_run(records)
    cols: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("scenario", lambda h: str(h["scenario"])), ("budget s", lambda h: f"{h['budget_s']:g}")]
    if "auto" in engines:
        cols += [("auto viol.", lambda h: str(h["auto_violations"])),
                 ("auto objective Rp", lambda h: fmt_rp(h["auto_objective_rp"]))]
    cols.append(("best feasible engine", lambda h: str(h["best_engine"])))
    if "auto" in engines:
        cols.append(("auto/best", ratio("auto_over_best")))
        cols += [(f"{other}/auto", ratio(f"{other}_over_auto")) for other in ("greedy", "ortools") if other in engines]
    return [name for name, _ in cols], [[cell(h) for _, cell in cols] for h in headline(records)]


def targets(records: Sequence[RunRecord]) -> list[str]:
    """Sentences on the suite's targets: ``auto`` without violations everywhere, best or within
    2 % of the best feasible objective at equal budget, clearly ahead of greedy and ortools. A
    target about an engine that was not run says so instead of a verdict."""
    engines = engines_run(records)
    if "auto" not in engines:
        return ["auto was not run, so no target (each is about auto) is checked"]
    heads = headline(records)
    auto = [r for r in records if r.engine == "auto"]
    out = []
    bad = [r for r in auto if not r.feasible]
    out.append("auto has no violations on any run: " + ("**met**" if auto and not bad else
               f"**missed** ({len(bad)} of {len(auto)} runs)"))
    far = [h for h in heads if not (h["auto_over_best"] <= 1.02)]
    out.append("auto best or within 2 % of the best feasible objective: " + (
        "**met**" if not far else "**missed** on " + ", ".join(
            f"{h['scenario']} {h['budget_s']:g} s (auto/best {fmt_ratio(h['auto_over_best'])}, best "
            f"{h['best_engine']})" for h in far)))
    for other in ("greedy", "ortools"):
        if other not in engines:
            out.append(f"auto beats {other}: not checked ({other} was not run)")
            continue
        key = f"{other}_over_auto"
        behind = [h for h in heads if not (h[key] > 1.0)]
        out.append(f"auto beats {other}: " + ("**met**" if not behind else "**missed** on " + ", ".join(
            f"{h['scenario']} {h['budget_s']:g} s ({other}/auto {fmt_ratio(h[key])})" for h in behind)))
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
    """The simulated days of the ``simulate`` study beside a report's folder
    (``results/simulate/**/days*.md``, written by ``benchmarks/simulate.py`` with their
    ``meta.json``), each as a markdown section without its title, linked to its file."""
    study = out.parent / "simulate"
    sections = []
    for path in sorted(study.rglob("days*.md")):
        link = path.relative_to(out.parent).as_posix()
        body = path.read_text(encoding="utf-8").split("\n", 1)[-1].strip()
        body = re.sub(r"^#", "###", body, flags=re.MULTILINE)  # its sections under this one
        sections.append(f"### [{link}](../{link})\n\n{body}\n")
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
    lines.append(md_table(*headline_table(records)))
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
                f"{r.mean_lead_s / 60:.0f}", fmt_rp(r.fare_rp), fmt_rp(r.objective_rp), fmt_ratio(r.ratio),
                f"{r.solve_s:.1f}", str(r.violations),
            ])
        lines.append(md_table(["engine", "seed", "mode", "served", "riders", "travel h", "km", "on-time %",
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
        lines += ["## Simulated days (the `simulate` study beside this report)", "", *simulated]
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
        positive = False
        for i, e in enumerate(engines):
            vals, hatch = [], []
            for g in groups:
                rs = [r for r in records
                      if (r.scenario, r.budget_s) == g and r.engine == e and r.mode in ("full", "relaxed")]
                vals.append(value(rs) if rs else math.nan)
                hatch.append(any(r.violations for r in rs))
            positive = positive or any(v > 0 for v in vals)  # NaN > 0 is False
            bs = ax.bar(x + (i - (len(engines) - 1) / 2) * width, vals, width, label=e, color=colors[e])
            for b, h in zip(bs, hatch, strict=True):
                if h:
                    b.set_hatch("//")
        ax.set_xticks(x, [f"{s}\n{b:g} s" for s, b in groups])
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        if log and positive:  # a log axis needs a positive value: not when every run failed
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

