"""Simulated days under each policy over several seeds: every KPI with its spread, the issue-16
targets checked, and a figure.

    .venv/bin/python benchmarks/simulate.py [--days expanded:0-9 --days surge:0-2] [--noise 0.15 --noise 0.3]
        [--engine auto] [--budget 1.0 | --work 1.0] [--improve-rounds 2] [--jobs 1] [--out benchmarks/results/simulate]

For every day (scenario and seed) and noise level, the ``greedy`` policy (first come, nearest
free rider) and the ``medroute`` policy (the live dispatcher, patients first) replay the same day:
the same orders, waits, travel-time draws per leg, failures and cancellations (``simulate`` with
the day's seed). Writes, into the study folder ``--out`` (with its ``meta.json``), ``days.md``
(per-day table, spread per KPI and policy, the targets), ``days.csv`` (one row per day and
policy) and ``days.png`` (patient lead time per policy; on-time share against cost) — named
``days-sigma<σ>.*`` for a single ``--noise`` — or, with ``--lead``, ``lead.md`` and ``lead.csv``
(the sweep). ``--work W`` gives each replan a work budget instead of ``--budget`` seconds: the days
are then the same on any machine, however loaded (the files get ``-work<W>`` in their name).

Targets (issue 16, at each noise level): medroute on time at least as often as greedy on every
day and at least 5 points more on average; mean lead time at most greedy's on every day; cost at
most 0.7 × greedy's; cold items within budget 100 % (σ 0.15) / at least 99 % (σ 0.3).
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from medroute.bench.results import study

HERE = Path(__file__).parent
IMPROVE_ROUNDS = 2
"""Improvement rounds after each replan: the idle time a live service has before the next event
(on a ``surge`` day 0 / 1 / 3 rounds gave 89.6 / 92.6 / 93.7 % on time at σ 0.15 in single
exploratory runs, outside the slots; 2 keeps the 13 days of a noise level within about 45 min)."""
POLICIES = ("greedy", "medroute")
KPIS = (("on_time_share", "on time", "{:.1%}"), ("mean_lead_min", "lead time, mean (min)", "{:.1f}"),
        ("p90_lead_min", "lead time, p90 (min)", "{:.1f}"), ("carry_min", "medicine carried, mean (min)", "{:.1f}"),
        ("cold_compliance", "cold within budget", "{:.1%}"), ("cost_rp", "cost (Rp)", "{:,.0f}"),
        ("distance_km", "distance (km)", "{:,.0f}"), ("unserved", "unserved", "{:.1f}"),
        ("replan_p95_s", "replan p95 (s)", "{:.2f}"))


@dataclass(frozen=True)
class Run:
    """One day under one policy."""

    scenario: str
    seed: int
    noise: float
    policy: str
    engine: str
    budget: float
    improve_rounds: int
    lead_rp: float | None = None
    """The medroute policy's lead-time weight, Rp per minute (``None``: the preset's)."""
    work: float | None = None
    """Work budget per replan, reference seconds (``None``: ``budget`` seconds of the clock)."""


def parse_days(specs: list[str]) -> list[tuple[str, int]]:
    """``["expanded:0-9", "surge:0-2"]`` → ``[("expanded", 0), ...]``."""
    out = []
    for spec in specs:
        name, _, seeds = spec.partition(":")
        lo, _, hi = (seeds or "0").partition("-")
        out += [(name, s) for s in range(int(lo), int(hi or lo) + 1)]
    return out


def run_one(run: Run) -> dict[str, Any]:
    """Simulate ``run``; its KPIs and lead times (minutes) as a dict."""
    import warnings

    from medroute import PATIENTS_FIRST, scenarios
    from medroute.simulate import simulate

    warnings.simplefilter("ignore")
    sc = scenarios.load(run.scenario, seed=run.seed)
    objective = PATIENTS_FIRST if run.lead_rp is None else replace(PATIENTS_FIRST, rupiah_per_lead_minute=run.lead_rp)
    t0 = time.perf_counter()
    res = simulate(sc, policy=run.policy, seed=run.seed, noise=run.noise,
                   engine=None if run.engine == "none" else run.engine, time_budget=run.budget,
                   improve_rounds=run.improve_rounds, objective=objective, replan_work=run.work)
    done = [t for t in res.timeline if t.outcome == "delivered" and t.delivered_s is not None]
    carry = [(t.delivered_s - t.picked_up_s) / 60 for t in done
             if t.delivered_s is not None and t.picked_up_s is not None]
    r = res.report
    return {**asdict(run), "wall_s": time.perf_counter() - t0, "on_time_share": r.on_time_share,
            "mean_lead_min": r.mean_lead_min, "p90_lead_min": r.p90_lead_min,
            "carry_min": float(np.mean(carry)) if carry else math.nan, "cold_compliance": r.cold_compliance,
            "cost_rp": r.cost_rp, "distance_km": r.distance_km, "unserved": r.unserved, "stranded": len(res.stranded),
            "replan_p95_s": r.replan_p95_s, "leads": [float(t.lead_s) / 60 for t in done if t.lead_s is not None]}


def targets(rows: list[dict[str, Any]], noise: float) -> list[tuple[str, bool, str]]:
    """The issue-16 targets at one noise level: (target, met, figures)."""
    by = {(r["scenario"], r["seed"], r["policy"]): r for r in rows if r["noise"] == noise}
    days = sorted({(s, d) for s, d, _ in by})
    pairs = [(by[(s, d, "medroute")], by[(s, d, "greedy")]) for s, d in days
             if (s, d, "medroute") in by and (s, d, "greedy") in by]
    if not pairs:
        return []
    gain = [m["on_time_share"] - g["on_time_share"] for m, g in pairs]
    lead = [m["mean_lead_min"] - g["mean_lead_min"] for m, g in pairs]
    cost = [m["cost_rp"] / g["cost_rp"] for m, g in pairs]
    cold = [m["cold_compliance"] for m, _ in pairs if not math.isnan(m["cold_compliance"])]
    cold_goal = 1.0 if noise <= 0.15 else 0.99
    return [
        ("on time ≥ greedy on every day", min(gain) >= 0, f"least gain {min(gain):+.1%}"),
        ("on time ≥ greedy + 5 points on average", float(np.mean(gain)) >= 0.05, f"mean gain {np.mean(gain):+.1%}"),
        ("mean lead time ≤ greedy's on every day", max(lead) <= 0, f"largest difference {max(lead):+.1f} min"),
        ("cost ≤ 0.7 × greedy's", max(cost) <= 0.7, f"ratio {np.mean(cost):.2f} mean, {max(cost):.2f} max"),
        (f"cold within budget ≥ {cold_goal:.0%}", bool(cold) and min(cold) >= cold_goal,
         f"{min(cold):.1%} on the worst day" if cold else "no cold item delivered"),
    ]


def spread(rows: list[dict[str, Any]], noise: float) -> list[str]:
    """Per KPI and policy: mean, min and max over the days at one noise level."""
    out = ["| KPI | " + " | ".join(f"{p} mean (min – max)" for p in POLICIES) + " |",
           "|---|" + "---:|" * len(POLICIES)]
    for key, label, fmt in KPIS:
        cells = []
        for p in POLICIES:
            vals = [r[key] for r in rows if r["noise"] == noise and r["policy"] == p and not _nan(r[key])]
            cells.append(f"{fmt.format(np.mean(vals))} ({fmt.format(min(vals))} – {fmt.format(max(vals))})"
                         if vals else "–")
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return out


def per_day(rows: list[dict[str, Any]], noise: float) -> list[str]:
    """One line per day: medroute against greedy."""
    by = {(r["scenario"], r["seed"], r["policy"]): r for r in rows if r["noise"] == noise}
    out = ["| day | on time (medroute / greedy) | mean lead min (m / g) | cost ratio m/g | cold m | wall m (s) |",
           "|---|---:|---:|---:|---:|---:|"]
    for s, d in sorted({(s, d) for s, d, _ in by}):
        m, g = by.get((s, d, "medroute")), by.get((s, d, "greedy"))
        if m is None or g is None:
            continue
        out.append(f"| {s} {d} | {m['on_time_share']:.1%} / {g['on_time_share']:.1%} | "
                   f"{m['mean_lead_min']:.1f} / {g['mean_lead_min']:.1f} | {m['cost_rp'] / g['cost_rp']:.2f} | "
                   f"{m['cold_compliance']:.1%} | {m['wall_s']:.0f} |")
    return out


def sweep(rows: list[dict[str, Any]]) -> list[str]:
    """One line per lead-time weight: the medroute policy's KPIs over the days, against greedy's."""
    greedy = {(r["scenario"], r["seed"], r["noise"]): r for r in rows if r["policy"] == "greedy"}
    out = ["| lead weight (Rp/min) | on time | lead time mean (min) | lead p90 (min) | carried (min) | "
           "cost / greedy (mean, max) | cold within budget (worst day) |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for lead in sorted({r["lead_rp"] for r in rows if r["policy"] == "medroute"}):
        ms = [r for r in rows if r["policy"] == "medroute" and r["lead_rp"] == lead]
        ratio = [m["cost_rp"] / greedy[(m["scenario"], m["seed"], m["noise"])]["cost_rp"] for m in ms]
        cold = [m["cold_compliance"] for m in ms if not _nan(m["cold_compliance"])]
        mean = {k: float(np.mean([m[k] for m in ms])) for k in ("on_time_share", "mean_lead_min", "p90_lead_min",
                                                                 "carry_min")}
        out.append(f"| {lead:,.0f} | {mean['on_time_share']:.1%} | {mean['mean_lead_min']:.1f} | "
                   f"{mean['p90_lead_min']:.1f} | {mean['carry_min']:.1f} | {np.mean(ratio):.2f}, {max(ratio):.2f} | "
                   f"{min(cold):.1%} |")
    g = list(greedy.values())
    out.append(f"| greedy | {np.mean([r['on_time_share'] for r in g]):.1%} | "
               f"{np.mean([r['mean_lead_min'] for r in g]):.1f} | {np.mean([r['p90_lead_min'] for r in g]):.1f} | "
               f"{np.mean([r['carry_min'] for r in g]):.1f} | 1.00 | "
               f"{min(r['cold_compliance'] for r in g if not _nan(r['cold_compliance'])):.1%} |")
    return out


def _nan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


def figure(rows: list[dict[str, Any]], path: Path) -> None:
    """Lead-time distribution per policy and noise; on-time share against cost per day."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    noises = sorted({r["noise"] for r in rows})
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    data, labels = [], []
    for noise in noises:
        for p in POLICIES:
            data.append([x for r in rows if r["noise"] == noise and r["policy"] == p for x in r["leads"]])
            labels.append(f"{p}\nσ {noise}")
    axes[0].boxplot(data, whis=(10, 90), showfliers=False)
    axes[0].set_xticks(range(1, len(labels) + 1), labels)
    axes[0].set_ylabel("patient lead time (min), hand-in → home")
    axes[0].set_title("Lead time per policy (box: quartiles, whiskers: p10–p90)")
    colours = {"greedy": "tab:orange", "medroute": "tab:blue"}
    for noise, marker in zip(noises, "os^", strict=False):
        for p in POLICIES:
            pts = [(r["cost_rp"] / 1e6, 100 * r["on_time_share"]) for r in rows
                   if r["noise"] == noise and r["policy"] == p]
            axes[1].scatter([x for x, _ in pts], [y for _, y in pts], c=colours[p], marker=marker,
                            label=f"{p}, σ {noise}", alpha=0.75)
    axes[1].set_xlabel("cost of the day (million Rp)")
    axes[1].set_ylabel("on time (%)")
    axes[1].set_title("On-time share against cost, one point per day")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", action="append", help="scenario:first-last seeds (default expanded:0-9, surge:0-2)")
    ap.add_argument("--noise", action="append", type=float, help="travel-time σ; repeatable (default 0.15, 0.3)")
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--budget", type=float, default=1.0, help="seconds per replan")
    ap.add_argument("--work", type=float, help="work per replan instead of --budget (reference seconds)")
    ap.add_argument("--improve-rounds", type=int, default=IMPROVE_ROUNDS,
                    help="ruin-and-recreate rounds of the medroute policy after each replan")
    ap.add_argument("--lead", action="append", type=float,
                    help="sweep: the medroute policy with this lead-time weight (Rp/min); repeatable")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "simulate", help="study folder")
    args = ap.parse_args()
    days = parse_days(args.days or ["expanded:0-9", "surge:0-2"])
    noises = args.noise or [0.15, 0.3]
    leads: list[float | None] = list(args.lead or [None])
    runs = [Run(sc, seed, noise, "greedy", args.engine, args.budget, 0, None, args.work)
            for noise in noises for sc, seed in days]
    runs += [Run(sc, seed, noise, "medroute", args.engine, args.budget, args.improve_rounds, lead, args.work)
             for lead in leads for noise in noises for sc, seed in days]
    with study(args.out, part=stem(args.lead, noises, args.work), days=args.days, noise=noises, engine=args.engine,
               budget_s=args.budget, work=args.work, improve_rounds=args.improve_rounds, lead=args.lead,
               jobs=args.jobs):
        report(args, runs, days, noises)


def stem(lead: list[float] | None, noises: list[float], work: float | None = None) -> str:
    """Name of the files (and part of the study) a run writes: ``lead`` for a sweep, else
    ``days`` or, for one noise level, ``days-sigma<σ>``; ``-work<W>`` appended for a work budget."""
    name = "lead" if lead else f"days-sigma{noises[0]:g}" if len(noises) == 1 else "days"
    return name if work is None else f"{name}-work{work:g}"


def report(args: argparse.Namespace, runs: list[Run], days: list[tuple[str, int]], noises: list[float]) -> None:
    """Run every day and write the study's files (see the module docstring)."""
    from medroute import scenarios

    name = stem(args.lead, noises, args.work)
    t0, load0 = time.perf_counter(), os.getloadavg()[0]
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = []
        for r in pool.map(run_one, runs):
            rows.append(r)
            print(f"{r['scenario']} {r['seed']} σ{r['noise']} {r['policy']}: on time {r['on_time_share']:.1%}, "
                  f"lead {r['mean_lead_min']:.1f}, cost {r['cost_rp']:,.0f}, {r['wall_s']:.0f} s",
                  file=sys.stderr, flush=True)
    cmd = " ".join([".venv/bin/python", "benchmarks/simulate.py", *sys.argv[1:]])
    per_replan = f"{args.budget} s" if args.work is None else f"work {args.work:g}"
    md = ["# Simulated days: the live dispatcher (patients first) against first-come-nearest-rider", "",
          f"Made by `{cmd}` on {platform.node() or 'this machine'} ({platform.machine()}, Python "
          f"{platform.python_version()}), {time.perf_counter() - t0:,.0f} s in all with {args.jobs} job(s); load "
          f"average {load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end. "
          + ("The replan budget is wall-clock, so the figures are clock-bound (a loaded machine gives each replan "
             "less search)." if args.work is None else f"Each replan has a work budget ({args.work:g} reference "
             "seconds), so the days are the same on any machine, however loaded."), "",
          f"Days: {', '.join(args.days or ['expanded:0-9', 'surge:0-2'])}; `medroute` = `Dispatcher` with objective "
          f"`patients_first`, engine `{args.engine}`, {per_replan} per replan every 300 s (and at once when a busy "
          f"rider falls behind), {args.improve_rounds} improvement rounds after each replan, travel margin 1.4; "
          "`greedy` = first come, nearest free rider. Both replay the same day (orders, pharmacy waits, per-leg "
          "travel-time draws, 5 % not home, 2 % cancelled).", "",
          *(f"Data, `{name}` (seed {seed}): {scenarios.load(name, seed=seed).description}"
            for name, seed in dict(reversed(days)).items()), ""]
    if args.lead:
        md += ["## The lead-time weight", "", "The `patients_first` preset with `rupiah_per_lead_minute` set to each "
               "value (lateness Rp 20,000 a minute, riding Rp 2,500/km + Rp 20,000/h), means over the days:", "",
               *sweep(rows), ""]
    else:
        for noise in noises:
            md += [f"## Travel-time noise σ {noise}", "", "### Targets (issue 16)", "", "| target | met | figures |",
                   "|---|---|---|"]
            md += [f"| {name} | {'yes' if ok else '**no**'} | {fig} |" for name, ok, fig in targets(rows, noise)]
            md += ["", "### Spread over the days", "", *spread(rows, noise), "", "### Per day", "",
                   *per_day(rows, noise), ""]
        md += [f"Figure: `{name}.png` — left, the patient lead time (prescription handed in → medicine at "
               "home) of every delivered order per policy and noise level; right, one point per day: on-time share "
               "against the day's cost (km × Rp 2,500 + riding hours × Rp 20,000).", ""]
        figure(rows, args.out / f"{name}.png")
    (args.out / f"{name}.md").write_text("\n".join(md), encoding="utf-8")
    with (args.out / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=[k for k in rows[0] if k != "leads"], extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    print(args.out / f"{name}.md")


if __name__ == "__main__":
    main()
