"""The fuzzing and fault campaign (issue 18): seeded, long, and counted.

Every section feeds medroute hostile inputs through the trials of ``tests/fuzz`` (the suite runs
the same trials, bounded) and counts what happened: inputs tried, accepted (every promise kept),
refused (a ``MedrouteError`` or a documented exit code) and defects (raw exceptions, plans the
checker refuses, lost orders, documents that do not read back, overrun time limits, hangs).

=========  =================================================================  ==============
section    inputs                                                             default count
=========  =================================================================  ==============
problems   mutated problem JSON (dicts, text, damaged files), then solved      90,000
plans      tampered and mutated plan JSON, read and checked                    38,000
events     dispatcher event streams with replans and save/restore (events)     108,000
days       small simulated days: noise, failures, shifts and hours ending (orders) 20,000
states     mutated and damaged dispatcher state files, restored and replanned  58,000
cli        ``medroute solve`` / ``check`` subprocesses on hostile files        300
osrm       answers of a misbehaving OSRM server on 127.0.0.1                   every fault × 2 + 1,000
savers     processes saving one state file while it is read back (reads)       60 s, 4 writers
threads    a thread saving while another applies events and replans (saves)    20 streams
timelimit  ``solve`` at 2,000 orders, every engine, 0.5 / 3 / 10 s              15 runs
=========  =================================================================  ==============

Usage, from the repository root (long runs alone on the machine, or pinned with ``taskset``)::

    .venv/bin/python -m benchmarks.fuzz                                  # every section, default counts
    .venv/bin/python -m benchmarks.fuzz --sections problems,plans --scale 0.01 --jobs 2
    .venv/bin/python -m benchmarks.fuzz --sections problems,states --count problems=36000 --count states=20000
    .venv/bin/python -m benchmarks.fuzz --repro problems 1234            # one trial again, its outcome

Writes ``benchmarks/results/fuzz/fuzz.md`` and ``fuzz.json`` (``--out`` elsewhere). Exit status 0 when
no section found a defect.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import multiprocessing as mp
import multiprocessing.connection
import os
import platform
import re
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fuzz import live, services, trials
from tests.fuzz.faulty_osrm import FAULTS, faulty_osrm
from tests.fuzz.pick import RandomPicker
from tests.fuzz.trials import Outcome

from medroute.bench.results import study

HERE = Path(__file__).parent
HANG_S = 120.0
"""A trial that gives no answer for this long is killed and counted as a hang (a defect)."""


def _problems(seed: int) -> Outcome:
    return trials.problem_trial(RandomPicker(seed))


def _plans(seed: int) -> Outcome:
    return trials.plan_trial(RandomPicker(seed))


def _events(seed: int) -> Outcome:
    return live.dispatch_trial(RandomPicker(seed), events=30)


def _days(seed: int) -> Outcome:
    return live.day_trial(RandomPicker(seed))


def _states(seed: int) -> Outcome:
    return live.state_file_trial(RandomPicker(seed))


def _cli(seed: int) -> Outcome:
    return services.cli_trial(RandomPicker(seed))


_SERVER: Any = None
_SERVING = contextlib.ExitStack()
"""Holds the worker's server open: an unreferenced context manager would close it at once."""


def _osrm(seed: int) -> Outcome:
    """Seeds below 2 × len(FAULTS) serve each listed fault to /table and /route in turn."""
    global _SERVER
    if _SERVER is None:
        _SERVER = _SERVING.enter_context(faulty_osrm())  # one server per worker process
        atexit.register(_SERVING.close)
    if seed < 2 * len(FAULTS):
        return services.osrm_fault(FAULTS[seed // 2], ("table", "route")[seed % 2], _SERVER)
    return services.osrm_trial(RandomPicker(seed), _SERVER)


TRIALS: dict[str, tuple[Callable[[int], Outcome], int]] = {
    "problems": (_problems, 90_000),
    "plans": (_plans, 38_000),
    "events": (_events, 108_000),
    "days": (_days, 20_000),
    "states": (_states, 58_000),
    "cli": (_cli, 300),
    "osrm": (_osrm, 2 * len(FAULTS) + 1_000),
}
"""Sections made of independent seeded trials: runner and default count of inputs."""


@dataclass
class Tally:
    inputs: int = 0
    trials: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    defects: Counter[str] = field(default_factory=Counter)
    examples: dict[str, tuple[int, str]] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, seed: int, o: Outcome) -> None:
        self.inputs += o.inputs
        self.trials += 1
        self.kinds[o.kind] += 1
        if o.kind == "refused":
            self.refusals[o.what] += 1
        elif o.kind == "defect":
            key = re.sub(r"'[^']*'|\"[^\"]*\"|\d[\d.,e+-]*", "…", o.what)[:110]
            self.defects[key] += 1
            self.examples.setdefault(key, (seed, o.what))

    def to_json(self) -> dict[str, Any]:
        return {"inputs": self.inputs, "trials": self.trials, "kinds": dict(self.kinds),
                "refusals": dict(self.refusals), "defects": dict(self.defects),
                "examples": {k: {"seed": s, "what": w} for k, (s, w) in self.examples.items()},
                "seconds": round(self.seconds, 1)}


def _worker(name: str, seeds: range, conn: Any) -> None:
    run = TRIALS[name][0]
    for seed in seeds:
        conn.send(("start", seed, None))
        conn.send(("done", seed, run(seed)))
    conn.close()


class _Worker:
    """A process running a block of seeds, reporting each start and outcome through a pipe."""

    def __init__(self, name: str, seeds: range) -> None:
        ctx = mp.get_context("fork")
        self.conn, send = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_worker, args=(name, seeds, send), daemon=True)
        self.proc.start()
        send.close()
        self.end = seeds.stop
        self.seed: int | None = None
        self.since = time.monotonic()

    def stop(self) -> None:
        self.proc.kill()
        self.proc.join()
        self.conn.close()


BLOCK = 50
"""Seeds per worker process (a fresh process per block keeps memory flat)."""


def run_trials(name: str, target: int, *, base: int, jobs: int) -> Tally:
    """Trials of section ``name`` until ``target`` inputs were fed, ``jobs`` processes at once;
    a worker silent for :data:`HANG_S` is killed, its trial counted as a hang, and replaced; a
    worker that dies inside a trial has that trial counted as a defect, and its block goes on."""
    tally, t0 = Tally(), time.perf_counter()
    workers: list[_Worker] = []
    next_seed = base

    def launch(seeds: range | None = None) -> None:
        nonlocal next_seed
        if seeds is None:
            seeds, next_seed = range(next_seed, next_seed + BLOCK), next_seed + BLOCK
        workers.append(_Worker(name, seeds))

    for _ in range(jobs):
        launch()
    while workers and tally.inputs < target:
        ready = mp.connection.wait([w.conn for w in workers], timeout=5)
        now = time.monotonic()
        for w in list(workers):
            if w.conn in ready:
                try:
                    kind, seed, outcome = w.conn.recv()
                except EOFError:  # the block is done, or the worker died inside a trial
                    workers.remove(w)
                    w.stop()
                    if w.seed is not None:
                        tally.add(w.seed, trials.defect(f"worker died (exit {w.proc.exitcode})"))
                        launch(range(w.seed + 1, w.end))
                    else:
                        launch()
                    continue
                w.seed, w.since = (seed if kind == "start" else None), now
                if kind == "done":
                    tally.add(seed, outcome)
            elif w.seed is not None and now - w.since > HANG_S:
                workers.remove(w)
                w.stop()
                tally.add(w.seed, trials.defect(f"hang: no answer within {HANG_S:.0f} s"))
                launch(range(w.seed + 1, w.end))
    for w in workers:
        w.stop()
    tally.seconds = time.perf_counter() - t0
    return tally


# ------------------------------------------------------------------------------------- the other sections
def run_savers(*, seconds: float, writers: int, base: int) -> dict[str, Any]:
    """Issue 18 #10: several processes save one dispatcher state to one path while it is read."""
    state = live.live_state(RandomPicker(base))
    counts = live.concurrent_saves(state, writers=writers, seconds=seconds)
    return {"writers": writers, "seconds": seconds, **counts}


def run_threads(*, streams: int, base: int) -> dict[str, Any]:
    """Issue 18 #13: a thread saves while the owner applies events and replans."""
    total: Counter[str] = Counter()
    for seed in range(base, base + streams):
        total.update(live.threaded_saves(RandomPicker(seed)))
    return {"streams": streams, **total}


def run_timelimit(*, orders: int, limits: list[float]) -> dict[str, Any]:
    """``solve`` on the ``expanded`` scenario at ``orders`` orders, every engine, each limit."""
    from benchmarks.time_limit import run_one

    from medroute.engines.registry import available_engines
    from medroute.scenarios import load

    sc = load("expanded", seed=0, orders=orders)
    rows = [run_one(sc.problem, sc.matrix, engine, limit) for engine in available_engines() for limit in limits]
    return {"orders": orders, "runs": rows}


# ------------------------------------------------------------------------------------- report
def _table(rows: list[list[Any]], head: list[str]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + [
        "| " + " | ".join(str(c) for c in r) + " |" for r in rows]


def report(results: dict[str, Any], meta: dict[str, Any]) -> str:
    """The campaign's Markdown report."""
    lines = ["# Fuzzing and fault campaign (issue 18)", "", "```", meta["command"], "```", "",
             f"Commit {meta['commit']}, Python {meta['python']}, {meta['machine']}; load average "
             f"{meta['load_start']} at the start, {meta['load_end']} at the end; {meta['minutes']} min. "
             "Trials: `tests/fuzz` (the suite runs the same, bounded). Reproduce one: "
             "`python -m benchmarks.fuzz --repro SECTION SEED`.", "", "## Inputs and outcomes", ""]
    rows = []
    for name, t in results.get("trials", {}).items():
        k = t["kinds"]
        rows.append([name, f"{t['inputs']:,}", f"{TRIALS[name][1]:,}", f"{t['trials']:,}", f"{k.get('accepted', 0):,}",
                     f"{k.get('refused', 0):,}", f"**{k.get('defect', 0):,}**", f"{t['seconds']:.0f}"])
    lines += _table(rows, ["section", "inputs", "default inputs", "trials", "accepted", "refused", "defects",
                           "seconds"])
    lines += ["", "An *input* is a document, file, event or server answer; a *trial* feeds one or more "
              "(an event stream is one trial of about 30 events; a simulated day, of its orders); *default "
              "inputs* is the count issue 18 asks for (`days`: about 3,600 days) in a run without `--count` "
              "or `--scale`. *Accepted*: every promise held (the plan "
              "passes the checker, no order lost, what was written reads back, the time limit held). "
              "*Refused*: a `MedrouteError` subclass, or for the CLI exit 2/4/5 with a one-line message. "
              "*Defects*: anything else.", ""]
    for name, t in results.get("trials", {}).items():
        if t["defects"]:
            lines += [f"### Defects: {name}", ""]
            lines += _table([[n, t["examples"][k]["seed"], t["examples"][k]["what"].replace("|", "/")]
                             for k, n in sorted(t["defects"].items(), key=lambda x: -x[1])],
                            ["count", "first seed", "what"])
            lines.append("")
    lines += ["## Refusals by error type", ""]
    lines += _table([[name, ", ".join(f"{e} {n:,}" for e, n in sorted(t["refusals"].items(), key=lambda x: -x[1]))]
                     for name, t in results.get("trials", {}).items()], ["section", "refused as"])
    if "savers" in results:
        s = results["savers"]
        lines += ["", "## Concurrent savers", "", f"{s['writers']} processes saved one state to one path for "
                  f"{s['seconds']:g} s ({s['saves']:,} saves, **{s['failed_saves']:,} raised**) while this "
                  f"process restored it: {s['reads']:,} reads, **{s['corrupt']:,} corrupt**, "
                  f"**{s['missing']:,} missing**."]
    if "threads" in results:
        s = results["threads"]
        lines += ["", "## A saving thread", "", f"{s['streams']} event streams applied and replanned while "
                  f"another thread saved: {s.get('saves', 0):,} saves, **{s.get('failed', 0):,} raised**."]
    if "timelimit" in results:
        tl = results["timelimit"]
        cols = ["engine", "limit_s", "wall_s", "bound_s", "held", "served", "stopped_by", "load_1min", "refused"]
        lines += ["", f"## Time limit at {tl['orders']:,} orders", "",
                  "`expanded` scenario, haversine; `wall_s` is the whole `medroute.solve` call; "
                  "`bound_s` = 1.05 × limit + 1 s (benchmarks/time_limit.py's `run_one`).", ""]
        lines += _table([[r.get(c, "") for c in cols] for r in tl["runs"]], cols)
    return "\n".join(lines) + "\n"


def _meta(argv: list[str], t0: float, load0: float) -> dict[str, Any]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            check=False).stdout.strip()
    return {"command": "python -m benchmarks.fuzz " + " ".join(argv), "commit": commit or "?",
            "python": platform.python_version(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "load_start": round(load0, 2), "load_end": round(os.getloadavg()[0], 2),
            "minutes": round((time.perf_counter() - t0) / 60, 1)}


def main(argv: list[str] | None = None) -> int:
    import sys

    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", default="problems,plans,events,days,states,cli,osrm,savers,threads,timelimit")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every default count")
    ap.add_argument("--count", action="append", default=[], metavar="SECTION=N",
                    help="inputs of one trial section, instead of its scaled default (repeatable)")
    ap.add_argument("--seed", type=int, default=0, help="first seed")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes for the trial sections")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "fuzz")
    ap.add_argument("--repro", nargs=2, metavar=("SECTION", "SEED"))
    args = ap.parse_args(argv)
    if args.repro:
        outcome = TRIALS[args.repro[0]][0](int(args.repro[1]))
        print(outcome)
        return 0 if outcome.kind != "defect" else 1
    counts = {name: max(1, round(default * args.scale)) for name, (_, default) in TRIALS.items()}
    for item in args.count:
        name, _, n = item.partition("=")
        if name not in TRIALS or not n.isdigit():
            ap.error(f"--count {item!r}: expected SECTION=N with SECTION one of {', '.join(TRIALS)}")
        counts[name] = int(n)
    with study(args.out, sections=args.sections, scale=args.scale, seed=args.seed, counts=counts):
        return _campaign(args, argv, counts)


def _campaign(args: argparse.Namespace, argv: list[str], counts: dict[str, int]) -> int:
    t0, load0 = time.perf_counter(), os.getloadavg()[0]
    results: dict[str, Any] = {"trials": {}}
    for name in args.sections.split(","):
        if name in TRIALS:
            tally = run_trials(name, counts[name], base=args.seed, jobs=args.jobs)
            results["trials"][name] = tally.to_json()
        elif name == "savers":
            results[name] = run_savers(seconds=max(1.0, 60 * args.scale), writers=4, base=args.seed)
        elif name == "threads":
            results[name] = run_threads(streams=max(1, round(20 * args.scale)), base=args.seed)
        elif name == "timelimit":
            results[name] = run_timelimit(orders=2000, limits=[0.5, 3.0, 10.0])
        print(name, json.dumps(results.get(name) or results["trials"].get(name), default=str)[:400], flush=True)
    meta = _meta(argv, t0, load0)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fuzz.md").write_text(report(results, meta), encoding="utf-8")
    (args.out / "fuzz.json").write_text(json.dumps({"meta": meta, **results}, indent=1, default=str) + "\n",
                                        encoding="utf-8")
    defects = sum(t["kinds"].get("defect", 0) for t in results["trials"].values())
    defects += sum(results.get("savers", {}).get(k, 0) for k in ("corrupt", "missing", "failed_saves"))
    defects += results.get("threads", {}).get("failed", 0)
    defects += sum(not r.get("held", True) for r in results.get("timelimit", {}).get("runs", []))
    return 0 if defects == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
