"""``auto``'s stages: what each runs, and when it applies, over a shared :class:`Context`.

Each stage function gets the context and its share of the budget (a :mod:`medroute.stop`
criterion), runs one engine through the :class:`~medroute.engines.base.Engine` protocol and puts
its plans into the candidate pool; it returns the engine's result (for the stats) or ``None`` if it
ran nothing. :data:`STAGES` is the table :class:`~medroute.engines.portfolio.auto.AutoEngine` runs.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ...compile import Instance
from ...insertion import Deadline
from ...stats import Progress, SolveStats, StageStats
from ...stop import Meter, Stop, StopReason
from ..base import Engine, EngineResult, Relaxation, routed_orders
from ..greedy import GreedyEngine
from ..ortools import steps_per_unit
from ..pyvrp import PyVrpEngine, PyVrpFleetEngine
from .pool import Candidate, CandidatePool
from .restrict import anchored_instance, on_time_part, targeted_instance

SLOW_ORTOOLS = 50_000.0
"""OR-Tools search steps per reference second (its committed work rates) below which, where the
``alns`` search runs, the companion is a second ``alns`` rather than OR-Tools from its own start:
at the committed rates, from about 70 orders with soft targets and 130 without (no DARP instance
of the literature set). There OR-Tools checks a small fraction of the moves ``alns`` times in the
same second (``benchmarks/results/alns_speed/``: 10,300 steps against 302,000 moves on the
cold-heavy day), and its own first solution comes out several times dearer than the table's plan."""


@dataclass(eq=False)
class Context:
    """What the stages share.

    Attributes
    ----------
    inst
        The compiled problem.
    seed
        The random seed every search gets.
    pool
        The candidate pool.
    meter
        The whole run's criterion (work is added as stages report it).
    find_ortools
        Returns the OR-Tools engine, ``None`` when it is not installed or not wanted; called on
        first use of :attr:`ortools` (its import, ~0.05 s, comes after a companion is forked).
    relaxed
        What PyVRP cannot model on ``inst`` (:func:`~medroute.engines.pyvrp.relaxations`).
    notes
        Sentences for the result.
    stages
        Stats of the stages run so far.
    progress
        The caller's progress callback.
    """

    inst: Instance
    seed: int
    pool: CandidatePool
    meter: Meter
    find_ortools: Callable[[], Engine | None]
    relaxed: list[Relaxation] = field(default_factory=list)
    alns: bool = True
    """Whether the ``alns`` stages may run (``AutoEngine(use_alns=)``)."""
    notes: list[str] = field(default_factory=list)
    stages: list[StageStats] = field(default_factory=list)
    progress: Progress | None = None
    stage_end: float = math.inf
    """``time.perf_counter()`` at which the running stage's clock ends (``inf`` without one)."""

    @functools.cached_property
    def ortools(self) -> Engine | None:
        """The OR-Tools engine, ``None`` when it is not installed or not wanted."""
        return self.find_ortools()

    def left(self) -> float:
        """Seconds left in the running stage (for repairs), ``inf`` without a clock."""
        return self.stage_end - time.perf_counter()

    @property
    def hard(self) -> bool:
        """Whether PyVRP relaxes rules a plan can break (ride limits, several windows)."""
        return any(x.hard for x in self.relaxed)

    @property
    def soft(self) -> bool:
        """Whether the instance has soft targets PyVRP ignores."""
        return any(not x.hard for x in self.relaxed)

    @property
    def exact(self) -> bool:
        """Whether PyVRP models the instance exactly."""
        return not self.relaxed

    def best(self) -> Candidate | None:
        return self.pool.best()

    def missing_required(self) -> bool:
        """Whether the best plan leaves required orders out."""
        best = self.pool.best()
        return best is not None and best.unserved_required > 0

    def ortools_only(self) -> bool:
        """With rules PyVRP relaxes and required orders out, those rules bind (DARP's ride
        limits): PyVRP's plans cannot put the orders back, OR-Tools (which models them) searches."""
        return self.hard and self.missing_required() and self.ortools is not None

    def ran(self, name: str) -> StageStats | None:
        return next((s for s in self.stages if s.name == name), None)


StageRun = Callable[[Context, Stop], EngineResult | None]


@dataclass(frozen=True, slots=True)
class Stage:
    """One row of the stage table.

    Attributes
    ----------
    name
        The stage's name (in stats, notes and the pool).
    share
        Its weight: a stage gets ``share / (sum of the shares of it and the later stages
        that apply)`` of what is left when its turn comes, so time or work a stage leaves
        unused goes to the later ones.
    applies
        Whether it runs, asked when its turn comes (and for the later stages' shares).
    run
        What it runs.
    alone
        When it applies (asked first), it is the only stage run, with the whole budget.
    """

    name: str
    share: float
    applies: Callable[[Context], bool]
    run: StageRun
    alone: bool = False


def construct(ctx: Context, stop: Stop) -> EngineResult | None:
    """Cheapest feasible insertion of every order: a feasible plan from the first second."""
    meter = Meter(stop)
    inst = ctx.inst
    routes, reasons = ctx.pool.inserter.insert([[] for _ in range(inst.m)], routed_orders(inst),
                                               Deadline(stop.seconds))
    cut = meter.elapsed() >= stop.seconds
    ctx.pool.add("construct", routes, reasons, seconds=0.0)
    why = StopReason.CLOCK if cut else StopReason.DONE
    return EngineResult((), {}, (), SolveStats(why, meter.elapsed()))


def greedy(ctx: Context, stop: Stop) -> EngineResult | None:
    """The dispatcher's baseline (first come, nearest free rider): when lateness dominates, hard
    to beat. A construction the clock cut is dropped beside a complete greedy plan, so that
    where the clock cut it cannot change the plan."""
    res = GreedyEngine().solve(ctx.inst, stop=stop, seed=ctx.seed)
    ctx.pool.add("greedy", res.routes, res.reasons, seconds=ctx.left())
    built = ctx.ran("construct")
    if built is not None and built.stopped_by == StopReason.CLOCK and not res.clock_stopped:
        ctx.pool.discard("construct")
    return res


def _pyvrp(ctx: Context, stop: Stop, name: str, start: tuple[tuple[int, ...], ...] | None) -> EngineResult:
    inst = targeted_instance(ctx.inst) if ctx.soft else ctx.inst
    res = PyVrpEngine().solve(inst, stop=stop, seed=ctx.seed, initial=start)
    ctx.pool.add(name, res.routes, res.reasons, seconds=ctx.left())
    return res


def pyvrp(ctx: Context, stop: Stop) -> EngineResult | None:
    """PyVRP from the best plan; with soft targets on :func:`targeted_instance` (each target a
    deadline: PyVRP finds the shortest on-time plan, the repair puts late orders back)."""
    best = ctx.best()
    return _pyvrp(ctx, stop, "pyvrp-targeted" if ctx.soft else "pyvrp", best.routes if best else None)


def pyvrp_on_time(ctx: Context, stop: Stop) -> EngineResult | None:
    """PyVRP's targeted search from the best plan's :func:`on_time_part` (its late deliveries
    taken out): from a late plan (greedy's at 2,000 orders) PyVRP may find no on-time plan."""
    best = ctx.best()
    assert best is not None
    return _pyvrp(ctx, stop, "pyvrp-on-time", on_time_part(ctx.inst, best.routes))


def fleet(ctx: Context, stop: Stop) -> EngineResult | None:
    """Route elimination (vehicles first), from the best plan."""
    best = ctx.best()
    assert best is not None
    res = PyVrpFleetEngine().solve(ctx.inst, stop=stop, seed=ctx.seed, initial=best.routes)
    if res.routes != best.routes:
        ctx.pool.add("pyvrp-fleet", res.routes, res.reasons, res.notes, seconds=ctx.left())
    return res


def fleet_search(ctx: Context, stop: Stop) -> EngineResult | None:
    """PyVRP on the best plan's riders only (``fixed_fleet``), after route elimination."""
    best = ctx.best()
    assert best is not None
    res = PyVrpEngine(fixed_fleet=True).solve(ctx.inst, stop=stop, seed=ctx.seed, initial=best.routes)
    ctx.pool.add("pyvrp-fleet-search", res.routes, res.reasons, seconds=ctx.left())
    return res


def anchored(ctx: Context, stop: Stop) -> EngineResult | None:
    """PyVRP on :func:`anchored_instance` of the best plan (windows anchored on its timing imply
    the ride limits, so every plan PyVRP finds feasible keeps them)."""
    best = ctx.best()
    assert best is not None
    inst = anchored_instance(ctx.inst, best.routes)
    if ctx.soft:
        inst = targeted_instance(inst, best.routes)
    res = PyVrpEngine().solve(inst, stop=stop, seed=ctx.seed, initial=best.routes)
    ctx.pool.add("pyvrp-anchored", res.routes, res.reasons, seconds=ctx.left())
    return res


def _ortools(ctx: Context, stop: Stop, name: str, start: tuple[tuple[int, ...], ...] | None) -> EngineResult | None:
    assert ctx.ortools is not None
    try:
        res = ctx.ortools.solve(ctx.inst, stop=stop, seed=ctx.seed, initial=start)
    except Exception as exc:  # a failing stage must not lose the plans already found
        ctx.notes.append(f"{name}: failed ({type(exc).__name__}: {exc})")
        ctx.stages.append(StageStats(name, 0.0, stopped_by=None, skipped="failed"))
        return None
    ctx.pool.add(name, res.routes, res.reasons, seconds=ctx.left())
    return res


def ortools(ctx: Context, stop: Stop) -> EngineResult | None:
    """OR-Tools' full model (every rule) from the best plan."""
    best = ctx.best()
    return _ortools(ctx, stop, "ortools", best.routes if best else None)


def pyvrp_own(ctx: Context, stop: Stop) -> EngineResult | None:
    """PyVRP from its own start, as PyVRP alone runs (the companion where PyVRP models the
    instance exactly)."""
    return _pyvrp(ctx, stop, "pyvrp-own", None)


def ortools_own(ctx: Context, stop: Stop) -> EngineResult | None:
    """OR-Tools from its own first solution, as OR-Tools alone runs (the companion where PyVRP
    relaxes a rule)."""
    return _ortools(ctx, stop, "ortools-own", None)


def ortools_fresh(ctx: Context, stop: Stop) -> EngineResult | None:
    """OR-Tools from its own first solution, when required orders are still out (guided local
    search from a plan that leaves orders out may not put them back)."""
    return _ortools(ctx, stop, "ortools-fresh", None)


def alns(ctx: Context, stop: Stop) -> EngineResult | None:
    """The ride-time-aware search (every move timed exactly, out-of-fridge budgets included)
    from the best plan. Where its core is not compiled on this machine yet (about 40 s, then
    cached), a clock budget does not wait: the core compiles in a separate process that outlives
    the solve, this stage is skipped and its share goes to the later stages. A work budget
    compiles it here (the plan must not depend on whether the machine had compiled it)."""
    from ..alns import AlnsEngine, compile_in_background, ready

    if math.isfinite(stop.seconds) and not ready():
        compile_in_background()
        ctx.notes.append("alns: its core is compiling in the background (once per machine); skipped")
        ctx.stages.append(StageStats("alns", 0.0, stopped_by=None, skipped="compiling"))
        return None
    best = ctx.best()
    res = AlnsEngine().solve(ctx.inst, stop=stop, seed=ctx.seed, initial=best.routes if best is not None else None)
    ctx.pool.add("alns", res.routes, res.reasons, seconds=ctx.left())
    return res


def alns_own(ctx: Context, stop: Stop) -> EngineResult | None:
    """``alns`` from its own start with the next seed (the companion where OR-Tools is slow): the
    table's ``alns`` starts from nearly the same plan with the run's seed, so the two cores
    search apart."""
    from ..alns import AlnsEngine

    res = AlnsEngine().solve(ctx.inst, stop=stop, seed=ctx.seed + 1)
    ctx.pool.add("alns-own", res.routes, res.reasons, seconds=ctx.left())
    return res


def decompose(ctx: Context, stop: Stop) -> EngineResult | None:
    """A large day in parts (:mod:`medroute.decompose`, which plans each part with this table)."""
    from ...decompose.engine import decompose_stage

    return decompose_stage(ctx, stop)


def _large(ctx: Context) -> bool:
    from ...decompose import large

    return large(ctx.inst.n)


def _has_orders(ctx: Context) -> bool:
    return bool(ctx.inst.open_orders) or bool(np.any(ctx.inst.carried_by >= 0))


def _alns(ctx: Context) -> bool:
    """Whether the ride-time-aware search replaces PyVRP: it may run, and PyVRP relaxes rules a
    plan can break (out-of-fridge budgets, several windows)."""
    return ctx.alns and ctx.hard


def _alns_companion(ctx: Context) -> bool:
    """Whether the companion is a second ``alns``: it runs, its core is compiled, and OR-Tools'
    search is slow on the instance (:data:`SLOW_ORTOOLS`)."""
    from ..alns import ready

    return _alns(ctx) and steps_per_unit(ctx.inst) < SLOW_ORTOOLS and ready()


def _late(ctx: Context) -> bool:
    """Whether the best plan delivers an order after its soft target (its on-time part differs)."""
    best = ctx.best()
    return best is not None and on_time_part(ctx.inst, best.routes) != best.routes


def _ortools_missing(ctx: Context) -> bool:
    ran = ctx.ran("ortools")
    return ctx.ortools is None or (ran is not None and ran.skipped != "")


def _ortools_ended(ctx: Context) -> bool:
    """Whether the OR-Tools stage ended by itself (its search done, not stopped by the clock or
    work) or is missing: what it left of the budget goes to a second ``alns`` round, which
    searches until the clock."""
    ran = ctx.ran("ortools")
    return _ortools_missing(ctx) or (ran is not None and ran.stopped_by == StopReason.DONE)


STAGES: tuple[Stage, ...] = (
    Stage("decompose", 1.0, _large, decompose, alone=True),
    Stage("construct", 0.02, lambda c: True, construct),
    Stage("greedy", 0.02, lambda c: True, greedy),
    Stage("alns", 0.6, lambda c: _alns(c) and _has_orders(c), alns),
    Stage("pyvrp", 0.35, lambda c: _has_orders(c) and not c.ortools_only() and not _alns(c), pyvrp),
    Stage("pyvrp-on-time", 0.15, lambda c: c.soft and not c.ortools_only() and not _alns(c) and _late(c),
          pyvrp_on_time),
    Stage("pyvrp-fleet", 0.25, lambda c: c.exact and float(c.inst.rider_cost) > 0 and not c.missing_required()
          and c.best() is not None, fleet),
    Stage("pyvrp-fleet-search", 0.36, lambda c: c.exact and float(c.inst.rider_cost) > 0 and c.best() is not None
          and any(c.best().routes), fleet_search),  # type: ignore[union-attr]
    Stage("pyvrp-anchored", 0.2, lambda c: c.hard and c.best() is not None and not c.ortools_only() and not _alns(c),
          anchored),
    Stage("ortools", 0.3, lambda c: not c.exact and c.ortools is not None and _has_orders(c), ortools),
    Stage("ortools-fresh", 0.2, lambda c: not c.exact and c.ortools is not None and c.missing_required(),
          ortools_fresh),
    Stage("pyvrp-anchored-2", 0.3, lambda c: c.hard and c.best() is not None and _ortools_missing(c)
          and not _alns(c), anchored),
    Stage("alns-2", 0.3, lambda c: _alns(c) and _has_orders(c) and _ortools_ended(c), alns),
)
"""The stage table ``auto`` runs, in order (see ``docs/engines.md`` for why each is there)."""


COMPANIONS: tuple[Stage, ...] = (
    Stage("pyvrp-own", 1.0, lambda c: c.exact and _has_orders(c), pyvrp_own),
    Stage("alns-own", 1.0, lambda c: _alns_companion(c) and _has_orders(c), alns_own),
    Stage("ortools-own", 1.0, lambda c: not c.exact and c.ortools is not None and _has_orders(c), ortools_own),
)
"""The stages ``auto`` may run beside the table on a second core, for the whole budget (the
first that applies; see :class:`~medroute.engines.portfolio.auto.AutoEngine`)."""


def applicable(ctx: Context, stages: tuple[Stage, ...]) -> list[Stage]:
    """The stages of ``stages`` that apply now."""
    return [s for s in stages if s.applies(ctx)]
