"""A stage beside ``auto``'s table on a second core, for the whole budget.

Where the clock sets the budget and a second core is free, :class:`~medroute.engines.portfolio.auto.AutoEngine`
forks a child as it starts that runs the first stage of
:data:`~medroute.engines.portfolio.stages.COMPANIONS` that applies (PyVRP or OR-Tools from its own
start, as each runs alone, or a second ``alns`` with the next seed where OR-Tools is slow) until
the clock; its plans join the candidate pool at the end. The table never waits for it, so
``auto`` returns a plan at least as good as PyVRP's or OR-Tools' alone at the same clock where
that is the companion (it gets the same time), and the table's stages add what they find. No companion
runs with a work budget (the plan must not depend on the machine), where a process may not fork
(a daemonic worker), without a :func:`free_core` unless asked for (``AutoEngine(parallel=True)``),
or for less than :data:`MIN_SECONDS`.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from ...stats import StageStats
from ...stop import StopReason
from ..base import EngineResult
from ..deadline import Child, can_fork, kill_grace
from .stages import Context, Stage

MIN_SECONDS = 1.0
"""The shortest budget a companion is started for (a fork and a second search cost more there)."""


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def free_core() -> bool:
    """Whether a second core is this call's to take: two cores or more, the main thread (a thread
    pool's calls would each take one), and not a worker process (a process pool's, Dask's: its
    siblings hold the other cores)."""
    return (cores() >= 2 and threading.current_thread() is threading.main_thread()
            and multiprocessing.parent_process() is None)


def wanted(ctx: Context, parallel: bool | None) -> bool:
    """Whether a companion may run: never with a work budget or where a process may not fork;
    with ``parallel=None`` where :func:`free_core`."""
    budget = ctx.meter.budget
    if parallel is False or budget.counts_work or not math.isfinite(budget.seconds) or not can_fork():
        return False
    return bool(parallel) or free_core()


@dataclass(eq=False)
class Companion:
    """A companion stage running in a child process.

    Attributes
    ----------
    stage
        The stage it runs.
    child
        The child process.
    started
        The run's elapsed seconds when it started.
    seconds
        Its budget, seconds.
    """

    stage: Stage
    child: Child[Any]
    started: float
    seconds: float


def start(ctx: Context, companions: tuple[Stage, ...]) -> Companion | None:
    """Fork the first of ``companions`` that applies with the whole budget, or ``None`` (none
    applies, too little time). Its plans are checked after its clock, inside the 5 % + 1 s a
    budget may be exceeded by: it gets the time the engine alone would."""
    stage = next((s for s in companions if s.applies(ctx)), None)
    sub = ctx.meter.share(1.0)
    if stage is None or sub.seconds < MIN_SECONDS:
        return None

    def run() -> tuple[EngineResult | None, list[tuple[Any, ...]], list[str], list[StageStats]]:
        ctx.stage_end = time.perf_counter() + sub.seconds
        before, notes, stages = len(ctx.pool), len(ctx.notes), len(ctx.stages)
        res = stage.run(ctx, sub)
        plans = [(c.stage, c.routes, dict(c.reasons), c.notes) for c in ctx.pool.candidates[before:]]
        return res, plans, ctx.notes[notes:], ctx.stages[stages:]

    return Companion(stage, Child(run, daemon=False), ctx.meter.elapsed(), sub.seconds)


def join(ctx: Context, companion: Companion) -> EngineResult | None:
    """Wait for ``companion`` until its clock (and the grace an engine gets past it), put its plans
    into the pool and return its result; ``None`` (with a note and a skipped stage) if it failed or
    did not end in time."""
    name = companion.stage.name
    wait = companion.started + companion.seconds + kill_grace(companion.seconds) - ctx.meter.elapsed()
    try:
        got = companion.child.result(wait)
    except Exception as exc:  # a failing companion must not lose the table's plans
        ctx.notes.append(f"{name}: failed ({exc})")
        ctx.stages.append(StageStats(name, 0.0, stopped_by=None, skipped="failed"))
        return None
    if got is None:
        ctx.notes.append(f"{name}: did not end by its clock; its plans are lost")
        ctx.stages.append(StageStats(name, ctx.meter.elapsed() - companion.started, stopped_by=StopReason.CLOCK,
                                     skipped="no_time"))
        return None
    res: EngineResult | None = got[0]
    _, plans, notes, stages = got
    ctx.notes.extend(notes)
    ctx.stages.extend(stages)
    for stage, routes, reasons, plan_notes in plans:
        ctx.pool.add(stage, routes, reasons, plan_notes, seconds=max(0.0, ctx.meter.seconds_left()))
    return res
