"""Soak the live dispatcher: many simulated days, every engine, budgets and noise levels, counting
exceptions, hangs, plans the checker rejects and lost orders (all four must be 0).

    .venv/bin/python benchmarks/soak.py [--hours 6] [--seeds 5] [--replan-every 300] [--jobs 2]
        [--day-timeout 1800] [--resume] [--out benchmarks/results/soak/soak.md]

The grid: scenarios ``historic``, ``expanded`` and ``surge`` × ``--seeds`` seeds × engines (insertion
only, ``greedy``, ``ortools``, ``pyvrp``, ``auto``) × noise σ 0.15 and 0.3; each day's replan
budget cycles through 0.1, 0.3, 1 and 2 s with the seed; the dispatcher replans every
``--replan-every`` simulated seconds (and at once when a busy rider falls behind). Days run ``medroute`` under
:func:`medroute.simulate.simulate` with failures (half of them retried 1–2 h later),
cancellations (also of items on board), riders going offline with items at the end of their
shift and travel delays; every plan is checked again here with :func:`medroute.check`. A day
counts:

* an **exception** if :func:`~medroute.simulate.simulate` raised anything;
* a **hang** if it had not ended after ``--day-timeout`` seconds of wall clock (the day is stopped
  there, with where it was);
* a **check failure** for every plan :func:`medroute.check` rejects;
* a **lost order** for every open order a plan neither routes nor reports unassigned, and every
  item still on board when the day ended.

It also counts the candidate each plan came from (``Plan.stage``; for ``auto`` the stage, its
companion included), so the report shows which search a day's plans rest on.

``--hours`` bounds the run: days not started by then are reported as skipped (days run seed by
seed, so a bounded run covers every scenario, engine and noise level). Each finished day is
appended to ``<out>.jsonl`` at once (a run stopped from outside keeps its days); ``--resume``
skips the days already there and counts them in the table. Writes a markdown table (per scenario
× engine × noise) with the command, the machine and the load average, and the run in the
folder's ``meta.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SCENARIOS = ("historic", "expanded", "surge")
ENGINES = ("none", "greedy", "ortools", "pyvrp", "auto")
NOISES = (0.15, 0.3)
BUDGETS = (0.1, 0.3, 1.0, 2.0)
DAY_TIMEOUT_S = 1800
"""A day not ended after this many seconds counts as a hang (the longest day of the committed
300-day run took 224 s)."""


@dataclass(frozen=True)
class Day:
    """One simulated day of the grid."""

    scenario: str
    seed: int
    engine: str
    noise: float
    budget: float
    orders: int | None = None
    replan_every: int = 300
    timeout_s: int = field(default=DAY_TIMEOUT_S, compare=False)


@dataclass
class Outcome:
    """What one day counted."""

    day: Day
    plans: int = 0
    exceptions: int = 0
    hangs: int = 0
    check_failures: int = 0
    lost: int = 0
    wall_s: float = 0.0
    error: str = ""
    sources: dict[str, int] = field(default_factory=dict)


def grid(seeds: int, scenarios: tuple[str, ...] = SCENARIOS, engines: tuple[str, ...] = ENGINES,
         noises: tuple[float, ...] = NOISES, replan_every: int = 300, timeout_s: int = DAY_TIMEOUT_S) -> list[Day]:
    """Every day of the soak, seed by seed (a bounded run covers every scenario, engine and noise
    level), the budget cycling with the seed and the engine."""
    return [Day(sc, seed, eng, noise, BUDGETS[(seed + i) % len(BUDGETS)], replan_every=replan_every,
                timeout_s=timeout_s)
            for seed in range(seeds) for sc in scenarios for i, eng in enumerate(engines) for noise in noises]


class DayTimeout(BaseException):
    """Raised in a day that ran past its timeout (a ``BaseException``: no ``except Exception``
    inside the library swallows it)."""


def _timeout(signum: int, frame: Any) -> None:
    raise DayTimeout


def run_day(day: Day) -> Outcome:
    """Simulate ``day`` and count what went wrong (never raises)."""
    import warnings

    import medroute
    from medroute import scenarios
    from medroute.simulate import simulate

    warnings.simplefilter("ignore")  # PyVRP's penalty warnings on hard live problems
    out = Outcome(day)
    t0 = time.perf_counter()

    def note(what: str) -> None:  # the first finding of the day, for the report
        out.error = out.error or what

    def on_plan(plan: Any) -> None:
        out.plans += 1
        out.sources[plan.stage] = out.sources.get(plan.stage, 0) + 1
        violations = medroute.check(plan.problem, plan.solution, plan.matrix)
        out.check_failures += len(violations)
        if violations:
            note(f"plan {out.plans} fails the checker: {violations[0]}")
        routed = set(plan.solution.served) | {u.order for u in plan.solution.unassigned}
        lost = [o.id for o in plan.problem.orders if o.id not in routed]
        out.lost += len(lost)
        if lost:
            note(f"plan {out.plans} loses {len(lost)} orders: {lost[:5]}")

    previous = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(day.timeout_s)
    try:
        overrides: dict[str, Any] = {} if day.orders is None else {"orders": day.orders}
        sc = scenarios.load(day.scenario, seed=day.seed, **overrides)
        res = simulate(sc, policy="medroute", seed=day.seed, engine=None if day.engine == "none" else day.engine,
                       time_budget=day.budget, noise=day.noise, retry_share=0.5, replan_every=day.replan_every,
                       on_plan=on_plan)
        out.lost += len(res.stranded)
        if res.stranded:
            note(f"{len(res.stranded)} items stranded on board: {list(res.stranded)[:5]}")
    except DayTimeout:  # where it was, for the report
        out.hangs += 1
        out.error = (f"hang: not ended after {day.timeout_s} s\n{traceback.format_exc(limit=-8)}\n{out.error}")
    except Exception as exc:  # the finding: counted, with its traceback kept for the report
        out.exceptions += 1
        out.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}\n{out.error}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    out.wall_s = time.perf_counter() - t0
    return out


def run(days: list[Day], *, hours: float, jobs: int, log: Path | None = None) -> tuple[list[Outcome], list[Day]]:
    """Run ``days`` on ``jobs`` processes until ``hours`` have passed; returns outcomes and skipped
    days. Each outcome is appended to ``log`` (JSON lines) as soon as its day ends."""
    stop = time.time() + hours * 3600
    outcomes: list[Outcome] = []
    todo = list(days)

    def done(o: Outcome) -> None:
        outcomes.append(print_outcome(o))
        if log is not None:
            with log.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(asdict(o)) + "\n")

    if jobs <= 1:
        while todo and time.time() < stop:
            done(run_day(todo.pop(0)))
        return outcomes, todo
    with ProcessPoolExecutor(jobs) as pool:
        running = {pool.submit(run_day, todo.pop(0)) for _ in range(min(jobs, len(todo)))}
        while running:
            first = next(_first_done(running))
            running.remove(first)
            done(first.result())
            if todo and time.time() < stop:
                running.add(pool.submit(run_day, todo.pop(0)))
    return outcomes, todo


def load_outcomes(path: Path) -> list[Outcome]:
    """The outcomes a run appended to ``path`` (JSON lines; none if it does not exist)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)  # rows written before hangs were counted have none
            out.append(Outcome(**{"hangs": 0, **row, "day": Day(**row["day"])}))
    return out


def _first_done(futures: set[Any]) -> Iterator[Any]:
    from concurrent.futures import FIRST_COMPLETED, wait

    done, _ = wait(futures, return_when=FIRST_COMPLETED)
    yield from done


def print_outcome(o: Outcome) -> Outcome:
    """Print one line for day ``o`` on stderr, with its counts and first finding if it found any."""
    bad = o.exceptions + o.hangs + o.check_failures + o.lost
    finding = (f"  <-- {o.exceptions} exceptions, {o.hangs} hangs, {o.check_failures} check failures, {o.lost} lost: "
               f"{(o.error.splitlines() or [''])[0]}") if bad else ""
    print(f"{o.day.scenario:9s} seed {o.day.seed:2d} {o.day.engine:8s} σ {o.day.noise:.2f} {o.day.budget:>4} s: "
          f"{o.plans:4d} plans, {o.wall_s:6.0f} s{finding}", file=sys.stderr, flush=True)
    return o


def table(outcomes: list[Outcome]) -> list[str]:
    """Markdown rows per scenario × engine × noise."""
    rows = ["| scenario | engine | σ | days | plans | exceptions | hangs | check failures | lost orders | wall (s) |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    groups: dict[tuple[str, str, float], list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault((o.day.scenario, o.day.engine, o.day.noise), []).append(o)
    for (sc, eng, noise), os_ in sorted(groups.items()):
        rows.append(f"| {sc} | {eng} | {noise} | {len(os_)} | {sum(o.plans for o in os_):,} | "
                    f"{sum(o.exceptions for o in os_)} | {sum(o.hangs for o in os_)} | "
                    f"{sum(o.check_failures for o in os_)} | "
                    f"{sum(o.lost for o in os_)} | {sum(o.wall_s for o in os_):,.0f} |")
    return rows


def sources_table(outcomes: list[Outcome]) -> list[str]:
    """Markdown rows per scenario × engine: the candidate each plan came from."""
    rows = ["| scenario | engine | plans | plan from (candidate: plans) |", "|---|---|---:|---|"]
    groups: dict[tuple[str, str], list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault((o.day.scenario, o.day.engine), []).append(o)
    for (sc, eng), os_ in sorted(groups.items()):
        sources = Counter[str]()
        for o in os_:
            sources.update(o.sources)
        listed = ", ".join(f"{name}: {n:,}" for name, n in sorted(sources.items(), key=lambda kv: (-kv[1], kv[0])))
        rows.append(f"| {sc} | {eng} | {sum(o.plans for o in os_):,} | {listed} |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=6.0, help="stop starting days after this long")
    ap.add_argument("--seeds", type=int, default=5, help="seeds per scenario × engine × noise")
    ap.add_argument("--scenario", action="append", choices=SCENARIOS, help="repeatable (default: all)")
    ap.add_argument("--engine", action="append", choices=ENGINES, help="repeatable (default: all)")
    ap.add_argument("--replan-every", type=int, default=300, help="simulated seconds between replans")
    ap.add_argument("--jobs", type=int, default=1, help="days simulated in parallel (processes)")
    ap.add_argument("--day-timeout", type=int, default=DAY_TIMEOUT_S,
                    help="wall-clock seconds after which a day counts as a hang")
    ap.add_argument("--resume", action="store_true", help="skip (and count) the days already in <out>.jsonl")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "soak" / "soak.md")
    args = ap.parse_args()
    from medroute.bench.results import study

    days = grid(args.seeds, tuple(args.scenario or SCENARIOS), tuple(args.engine or ENGINES),
                replan_every=args.replan_every, timeout_s=args.day_timeout)
    log = args.out.with_suffix(".jsonl")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    before = load_outcomes(log) if args.resume else []
    if not args.resume:
        log.write_text("", encoding="utf-8")
    seen = {o.day for o in before}
    with study(args.out, merge=args.resume, seeds=args.seeds, hours=args.hours, replan_every=args.replan_every,
               jobs=args.jobs, resume=args.resume):
        t0 = time.perf_counter()
        load0 = os.getloadavg()[0]
        outcomes, skipped = run([d for d in days if d not in seen], hours=args.hours, jobs=args.jobs, log=log)
        outcomes = before + outcomes
        args.out.write_text(report(outcomes, skipped, args, wall_s=time.perf_counter() - t0, load0=load0),
                            encoding="utf-8")
    print(args.out)


def report(outcomes: list[Outcome], skipped: list[Day], args: argparse.Namespace, *, wall_s: float,
           load0: float) -> str:
    """The markdown page of a run."""
    total = Counter[str]()
    for o in outcomes:
        total.update({"exceptions": o.exceptions, "hangs": o.hangs, "check_failures": o.check_failures, "lost": o.lost,
                      "plans": o.plans})
    cmd = " ".join([".venv/bin/python", "benchmarks/soak.py", *sys.argv[1:]])
    md = ["# Soak: simulated days through the live dispatcher", "",
          f"Made by `{cmd}` on {platform.node() or 'this machine'} ({platform.machine()}, Python "
          f"{platform.python_version()}), {wall_s:,.0f} s in this run, {args.jobs} job(s), load average "
          f"{load0:.1f} at the start and {os.getloadavg()[0]:.1f} at the end (code and machine: `meta.json`).", "",
          f"**{len(outcomes)} days, {total['plans']:,} plans: {total['exceptions']} exceptions, {total['hangs']} hangs "
          f"(no end after {args.day_timeout} s), "
          f"{total['check_failures']} plans failing the checker, {total['lost']} lost orders**"
          + (f"; {len(skipped)} days not started within {args.hours} h." if skipped else "."), "",
          "Each day: `simulate(policy=\"medroute\", engine=..., time_budget=..., noise=..., retry_share=0.5)` with "
          "the scenario's own seed; failures 5 % (half retried), cancellations 2 %; budgets cycle through "
          f"{', '.join(map(str, BUDGETS))} s with the seed; a replan every {args.replan_every} simulated seconds "
          "(and at once when a busy rider falls behind or picks up off the plan). Budgets are wall-clock: under load "
          "an engine searches less, which this table does not judge (it counts failures, not plan quality).", "",
          *table(outcomes), "",
          "Where each plan came from: the candidate a replan returned (`Plan.stage`: `keep`, `improved`, the "
          "engine, or for `auto` the stage, `alns-own` and `ortools-own` being its companion on the second core).",
          "",
          *sources_table(outcomes), ""]
    errors = [o for o in outcomes if o.error]
    if errors:
        md += ["## Findings", ""]
        md += [f"- {o.day}: `{o.error.splitlines()[0]}`" for o in errors]
        md.append("")
    return "\n".join(md)


if __name__ == "__main__":
    main()
