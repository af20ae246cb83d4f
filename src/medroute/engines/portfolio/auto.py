"""The default portfolio: PyVRP's search quality, every medroute rule kept.

:class:`AutoEngine` runs a declarative stage table (:data:`~medroute.engines.portfolio.stages.STAGES`:
name, share, when it applies, what it runs) over a :class:`~medroute.engines.portfolio.pool.CandidatePool`
and returns the best plan that passes :func:`medroute.check`. Each stage gets its share of what is
left of the budget when its turn comes — of the seconds with a clock, of the work with a work
budget — so a stage that ends early (route elimination that finds no smaller fleet, a
construction that is done) leaves its time to the later ones and a clock budget is used to its
end. With a work budget (:func:`medroute.stop.MaxWork`) every share is a fixed amount of work and
the plan is the same on any machine. With a clock and a free core, a companion stage runs beside
the table for the whole budget (:mod:`~medroute.engines.portfolio.companion`: PyVRP, ``alns`` or
OR-Tools from its own start). ``docs/engines.md`` says why each stage is there.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from ...compile import Instance
from ...reasons import Reason
from ...stats import Progress, ProgressEvent, SolveStats, StageStats
from ...stop import Meter, Stop, StopReason
from ..base import SUPPORTED, Engine, EngineResult, Support, carried_routes
from ..pyvrp import relaxations
from . import companion as companions
from .pool import CandidatePool
from .stages import COMPANIONS, STAGES, Context, Stage, applicable

CHECK_RESERVE = 0.01
"""Share of a clock budget (at most 0.25 s) kept for checking the candidates at the end."""
LEFTOVER = 0.05
"""Share of the budget left after the table above which the last stage that ran goes on."""
MAX_RERUNS = 3
"""How many times at most the last stage goes on with what is left."""


def _left(meter: Meter, reserve: float) -> float:
    """Share of the budget left: of the seconds (less ``reserve``) or of the work, the smaller."""
    b = meter.budget
    shares = [(meter.seconds_left() - reserve) / b.seconds] if 0 < b.seconds < math.inf else []
    shares += [meter.work_left() / b.work] if 0 < b.work < math.inf else []
    return min(shares, default=0.0)


def _ortools(inst: Instance) -> Engine | None:
    """The OR-Tools engine if it is installed (it is optional)."""
    from ..ortools import OrToolsEngine

    engine = OrToolsEngine()
    return engine if engine.supports(inst) else None


class AutoEngine:
    """The default portfolio (see the module docstring).

    Parameters
    ----------
    stages
        The stage table (default :data:`~medroute.engines.portfolio.stages.STAGES`).
    use_ortools
        Whether OR-Tools stages may run.
    use_alns
        Whether the ``alns`` search may replace the PyVRP stages where PyVRP relaxes rules
        a plan can break (out-of-fridge budgets, several windows).
    companions
        The stages that may run beside the table on a second core (default
        :data:`~medroute.engines.portfolio.stages.COMPANIONS`; the first that applies runs).
    parallel
        Whether to run a companion: ``None`` (default) where a second core is free
        (:func:`~medroute.engines.portfolio.companion.free_core`), ``True`` wherever a process
        may fork, ``False`` never; never with a work budget
        (:mod:`~medroute.engines.portfolio.companion`).
    """

    name = "auto"

    def __init__(self, *, stages: Sequence[Stage] = STAGES, use_ortools: bool = True, use_alns: bool = True,
                 companions: Sequence[Stage] = COMPANIONS, parallel: bool | None = None) -> None:
        self.stages = tuple(stages)
        self.use_ortools = use_ortools
        self.use_alns = use_alns
        self.companions = tuple(companions)
        self.parallel = parallel

    def supports(self, instance: Instance) -> Support:
        """Always supported: what PyVRP cannot model, construction, repair and OR-Tools cover."""
        return SUPPORTED

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None, pool: CandidatePool | None = None) -> EngineResult:
        """Run the stage table until ``stop`` and return the best checked plan.

        Parameters
        ----------
        instance
            The compiled problem.
        stop
            The whole run's criterion; with a clock, held to within 5 % + 1 s.
        seed
            Random seed passed to every stage.
        initial
            Optional per-rider node sequences; repaired and kept as a candidate.
        progress
            Called after every stage with the best plan so far.
        pool
            A candidate pool for ``instance`` to search from and add to (e.g. seeded with the
            dispatcher's previous plans); a fresh one by default.

        Returns
        -------
        EngineResult
            The best plan that times route by route and passes :func:`medroute.check`; ``stats``
            has one entry per stage run, ``stats.best_stage`` the stage the plan comes from.
        """
        inst = instance
        meter = Meter(stop)
        reserve = min(0.25, CHECK_RESERVE * stop.seconds)
        ctx = Context(inst, seed, pool if pool is not None else CandidatePool(inst), meter,
                      lambda: _ortools(inst) if self.use_ortools else None, relaxations(inst), alns=self.use_alns,
                      progress=progress)
        if inst.m == 0:
            return EngineResult((), dict.fromkeys(inst.open_orders, Reason.NO_RIDER), ("no riders",),
                                SolveStats(StopReason.DONE, meter.elapsed()))
        if initial is not None:
            ctx.pool.add("initial", initial, seconds=meter.seconds_left())
        alone = next(((s,) for s in self.stages if s.alone and s.applies(ctx)), None)
        beside = None if alone or not companions.wanted(ctx, self.parallel) else \
            companions.start(ctx, self.companions)
        if self.use_ortools and ctx.relaxed and ctx.ortools is None:
            ctx.stages.append(StageStats("ortools", 0.0, stopped_by=None, skipped="not_installed"))
        try:
            self._table(ctx, alone or self.stages, reserve)
        except BaseException:  # an error or an interrupt: the companion must not outlive the call
            if beside is not None:
                beside.child.kill()
            raise
        if beside is not None:
            started, before = beside.started, len(ctx.pool)
            self._record(ctx, beside.stage, companions.join(ctx, beside), started, before)
        return self._result(ctx)

    def _table(self, ctx: Context, stages: tuple[Stage, ...], reserve: float) -> None:
        """Run ``stages`` in turn on their shares, then the last one that ran on what is left."""
        meter, last = ctx.meter, None
        for i, stage in enumerate(stages):
            if not stage.applies(ctx):
                continue
            if meter.seconds_left() <= reserve and len(ctx.pool):
                ctx.stages.append(StageStats(stage.name, 0.0, stopped_by=StopReason.CLOCK, skipped="no_time"))
                continue
            weight = sum(s.share for s in applicable(ctx, stages[i:]))
            self._run(ctx, stage, stage.share / weight, reserve)
            last = stage
        # Shares of stages that turned out not to apply are left over: the last stage that ran
        # goes on with them (from the best plan) while it spends what it gets.
        for _ in range(MAX_RERUNS):
            if last is None or _left(meter, reserve) < LEFTOVER or ctx.stages[-1].stopped_by == StopReason.DONE:
                break
            self._run(ctx, last, 1.0, reserve)

    @staticmethod
    def _run(ctx: Context, stage: Stage, fraction: float, reserve: float) -> None:
        """Run ``stage`` on ``fraction`` of what is left (``reserve`` seconds kept) and record it."""
        meter = ctx.meter
        sub = meter.share(fraction, keep_seconds=reserve)
        started, before = meter.elapsed(), len(ctx.pool)
        ctx.stage_end = time.perf_counter() + sub.seconds
        AutoEngine._record(ctx, stage, stage.run(ctx, sub), started, before)

    @staticmethod
    def _record(ctx: Context, stage: Stage, res: EngineResult | None, started: float, before: int) -> None:
        """Record ``stage``'s result (started at ``started`` s, its plans in the pool from index
        ``before`` on) and report the progress."""
        if res is None:
            return
        meter = ctx.meter
        meter.add(res.stats.work)
        added = ctx.pool.candidates[before:]
        objective = min((c.objective for c in added), default=None)
        ctx.stages.append(StageStats(stage.name, meter.elapsed() - started, res.stats.work, res.stats.stopped_by,
                                     objective))
        best = ctx.pool.best()
        if ctx.progress is not None:
            ctx.progress(ProgressEvent(stage.name, meter.elapsed(), meter.work, best.objective if best else None,
                                       best is not None and best.unserved_required == 0))

    @staticmethod
    def _result(ctx: Context) -> EngineResult:
        """The best checked candidate (every order unassigned if none passes)."""
        inst = ctx.inst
        cand = ctx.pool.checked_best(ctx.notes)
        stats = SolveStats.combine(tuple(ctx.stages), ctx.meter.elapsed(), cand.stage if cand else "")
        if cand is None:
            ctx.notes.append("no candidate passed the checks; every order is left unassigned")
            carried = carried_routes(inst)
            return EngineResult(carried, dict.fromkeys(inst.open_orders, Reason.SEARCH_LIMIT), tuple(ctx.notes),
                                stats)
        ctx.notes.extend(f"{c.stage}: objective Rp {c.objective / 100:,.0f}"
                         + (f", {c.unserved_required} required orders unserved" if c.unserved_required else "")
                         for c in ctx.pool.candidates)
        ctx.notes.append(f"plan from stage {cand.stage!r}")
        return EngineResult(cand.routes, dict(cand.reasons), (*ctx.notes, *cand.notes), stats)
