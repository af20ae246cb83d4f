"""Planning a big day in parts: the parts in parallel, then their borders, while the budget lasts.

1. :func:`~medroute.decompose.partition.split` cuts the day into parts (no travel needed).
2. Every part is planned with ``auto`` on the runner's workers (its travel computed there, with
   a backend: the block to its neighbours too) — :data:`PARTS_SHARE` of the budget, shared out
   in proportion to the parts' orders, largest first.
3. Border rounds: neighbouring parts are paired (the costliest per order first, each part in
   one pair per round) and each pair is re-planned together from the two plans, its riders free
   to serve either part's orders; a pair's plan replaces the two when it is better, and each
   order then belongs to the part of the rider who serves it, so orders and riders move across
   the border. A pair is tried again only after one of its parts changed. Rounds go on while
   the budget lasts and untried pairs remain.
4. The parts' plans side by side are the day's (:mod:`~medroute.decompose.merge`), an order a
   part's pre-check flagged reported with what holds for the whole day.

Every decision depends only on the plans found, never on which worker finished first, so with a
work budget (:func:`medroute.stop.MaxWork`, split among the tasks in fixed shares) the plan is
the same on any executor and machine. A clock budget is shared out as tasks start, from the time
left and the workers free.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..compile import COST_SCALE, compile_problem
from ..engines.base import carried_routes
from ..model import Flag, Problem
from ..reasons import Reason
from ..schedule import build_solution, drop_untimable
from ..solution import Solution, TravelSource, Unassigned
from ..stats import Progress, ProgressEvent, SolveStats, StageStats
from ..stop import Budget, Meter, StopReason
from .merge import merge
from .partition import Partition
from .tasks import MIN_SECONDS, Outcome, Task, run
from .travel import PartTravel, block_columns, neighbour_places, sub_problem

PARTS_SHARE = 0.5
"""Share of the budget for planning the parts (the rest goes to the border rounds)."""
PLANNED_ROUNDS = 3
"""Border rounds the rest of the budget is shared over (later rounds get what is left)."""
MIN_WORK = 0.05
"""Least work (reference seconds) worth a border round."""
PRECHECK_REASONS = frozenset({Reason.NO_RIDER, Reason.NO_COOLBOX_RIDER, Reason.OVER_CAPACITY,
                              Reason.BEYOND_TRIP_LIMIT, Reason.BUDGET_SHORTER_THAN_RIDE,
                              Reason.WINDOW_UNREACHABLE, Reason.SHIFT})
"""The reasons of a part's pre-check (about the order and the part's riders alone)."""
_NONE_THERE = (Reason.NO_RIDER, Reason.NO_COOLBOX_RIDER)


@dataclass(eq=False)
class _Job:
    """A task to start: its size (orders) and how to build it for a criterion."""

    size: int
    make: Callable[[Budget], Task]


@dataclass(eq=False)
class Search:
    """A decomposed search in progress (see the module docstring).

    Attributes
    ----------
    problem
        The day.
    partition
        Its parts and neighbours.
    travel
        The parts' travel.
    runner
        Where tasks run (a :class:`medroute.runner.Runner`).
    backend
        The travel backend as the tasks receive it (scattered on Dask), or ``None``.
    meter
        The whole search's criterion.
    seed
        Random seed of every task.
    progress
        The caller's progress callback.
    reserve
        Seconds kept at the end (for merging).
    patience
        Every task's :func:`~medroute.stop.NoImprovement` (the search tracks no objective).
    """

    problem: Problem
    partition: Partition
    travel: PartTravel
    runner: Any
    backend: Any
    meter: Meter
    seed: int
    progress: Progress | None = None
    reserve: float = 0.0
    patience: float = math.inf
    orders: list[list[int]] = field(default_factory=list)
    plans: list[Solution | None] = field(default_factory=list)
    version: list[int] = field(default_factory=list)
    tried: set[tuple[int, int, int, int]] = field(default_factory=set)
    stages: list[StageStats] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rounds: int = 0
    improved: int = 0
    _spent: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        parts = self.partition.parts
        self.orders = [list(p.orders) for p in parts]
        self.plans = [None] * len(parts)
        self.version = [0] * len(parts)
        self.order_index = {o.id: k for k, o in enumerate(self.problem.orders)}
        self.rider_index = {r.id: i for i, r in enumerate(self.problem.riders)}

    # -- running tasks -------------------------------------------------------------------------
    def _wave(self, jobs: Sequence[_Job], fraction: float, *,
              optional: bool = False) -> list[Outcome | BaseException | None]:
        """Run ``jobs`` on ``fraction`` of what is left of the budget, largest first: work in
        fixed shares by size, the clock shared out as each job starts.

        With a clock, each job's share leaves room for the seconds a task costs beyond its own
        clock (building it here, sending it, splitting its plan: :attr:`overhead`, learnt from the
        optional waves' tasks). An ``optional`` wave starts no job that would get less than
        :data:`MIN_SECONDS` (its outcome is ``None``); the others run unless the whole search is
        out of time (their outcome is ``None`` then too).
        """
        share = self.meter.share(fraction, keep_seconds=self.reserve)
        end = time.perf_counter() + share.seconds
        total = max(1, sum(j.size for j in jobs))
        pending = sorted(range(len(jobs)), key=lambda i: (-jobs[i].size, i))
        left = sum(j.size for j in jobs)
        running: dict[Any, tuple[int, float, float, float]] = {}  # index, expected end, started, clock
        out: list[Outcome | BaseException | None] = [None] * len(jobs)
        while pending or running:
            while pending and len(running) < self.runner.workers:
                i = pending[0]
                size = max(1, jobs[i].size)
                now = time.perf_counter()
                seconds = self._clock(end, now, running, len(pending), size, left) \
                    if math.isfinite(share.seconds) else math.inf
                if seconds < MIN_SECONDS:
                    if optional or self._out_of_time():
                        pending.clear()
                        break
                    seconds = MIN_SECONDS
                pending.pop(0)
                left -= jobs[i].size
                work = share.work * size / total if math.isfinite(share.work) else math.inf
                task = jobs[i].make(Budget(seconds, max(1e-3, work), self.patience))
                handle = self.runner.submit(run, task, self.backend)
                running[handle] = (i, now + seconds + self.overhead, now, seconds)
            for handle in self.runner.wait_any(list(running)) if running else ():
                i, _, started, seconds = running.pop(handle)
                result, error = self.runner.outcome(handle)
                out[i] = error if error is not None else result
                if error is None:
                    self.meter.add(result.solution.stats.work if result.solution.stats else 0.0)
                if optional and math.isfinite(seconds):
                    self._spent.append(max(0.0, time.perf_counter() - started - seconds))
        return out

    def _out_of_time(self) -> bool:
        """Whether the search's clock (less the reserve) leaves less than :data:`MIN_SECONDS`."""
        return self.meter.seconds_left() - self.reserve < MIN_SECONDS

    @property
    def overhead(self) -> float:
        """Mean seconds a border task has cost beyond its clock so far."""
        return sum(self._spent) / len(self._spent) if self._spent else 0.0

    def _clock(self, end: float, now: float, running: dict[Any, tuple[int, float, float, float]], pending: int,
               size: int, left: int) -> float:
        """A job's clock: its share (by size) of the workers' time left before ``end``, less what
        the running tasks still hold and every pending task's :attr:`overhead`."""
        committed = sum(max(0.0, expected - now) for _, expected, _, _ in running.values())
        workers: int = self.runner.workers
        room = workers * max(0.0, end - now) - committed - self.overhead * pending
        return min(end - now - self.overhead, room * size / max(1, left))

    def _event(self, stage: str) -> None:
        if self.progress is None:
            return
        known = [p for p in self.plans if p is not None]
        objective = sum(p.kpis.objective_rp for p in known) * COST_SCALE if known else None
        feasible = all(not self.problem.order[u.order].required for p in known for u in p.unassigned)
        self.progress(ProgressEvent(stage, self.meter.elapsed(), self.meter.work, objective, feasible))

    # -- phase 1: the parts ----------------------------------------------------------------------
    def solve_parts(self, initial: Solution | None) -> None:
        """Plan every part (see the module docstring)."""
        started = self.meter.elapsed()
        parts = self.partition.parts
        jobs, subs, extras = [], [], []
        for p, part in enumerate(parts):
            sub = sub_problem(self.problem, part.orders, part.riders)
            near = self.partition.neighbours[p]
            extra = tuple(neighbour_places(self.problem, [k for q in near for k in parts[q].orders],
                                           [r for q in near for r in parts[q].riders]))
            start = _only(initial, sub) if initial is not None else None
            jobs.append(_Job(len(part.orders), self._part_maker(sub, extra, start)))
            subs.append(sub)
            extras.append(extra)
        borders = any(self.partition.neighbours)
        outcomes = self._wave(jobs, PARTS_SHARE if borders else 1.0)
        for p, got in enumerate(outcomes):
            sub = subs[p]
            if got is None:
                self.plans[p] = self._unplanned(sub)
                continue
            if not isinstance(got, Outcome):
                self.plans[p] = self._fallback(sub, got)
                continue
            if got.blocks is not None:
                cols = self.travel.rows(block_columns(sub, extras[p]))
                for profile, arrays in got.blocks.items():
                    self.travel.add(profile, self.travel.rows(sub.locations), cols, arrays)
            self.plans[p] = got.solution
        self.stages.append(self._stage("parts", started, [o for o in outcomes if isinstance(o, Outcome)]))
        self._event("parts")

    def _part_maker(self, sub: Problem, extra: tuple[Any, ...], start: Solution | None) -> Callable[[Budget], Task]:
        def make(stop: Budget) -> Task:
            mats = None if self.travel.backend is not None else self.travel.matrices(sub)
            return Task(sub, stop, self.seed, mats, extra if mats is None else (), start,
                        start_s=self.meter.seconds_left() - self.reserve, issued=time.time())

        return make

    def _fallback(self, sub: Problem, error: BaseException) -> Solution:
        """A part whose task failed: the greedy plan, made here."""
        from ..solve import solve

        self.notes.append(f"a part of {len(sub.orders)} orders failed ({type(error).__name__}: {error}); "
                          "it has the greedy plan")
        left = self.meter.seconds_left()
        return solve(sub, engine="greedy", stop=Budget(seconds=max(1.0, left) if math.isfinite(left) else 600.0),
                     seed=self.seed, matrix=self.travel.matrices(sub))

    def _unplanned(self, sub: Problem) -> Solution:
        """A part the clock left no time for: its open orders unassigned (``search_limit``), only
        what its riders carry delivered."""
        inst = compile_problem(sub, self.travel.matrices(sub))
        routes, dropped, notes = drop_untimable(inst, carried_routes(inst), label="decompose")
        reasons = dict.fromkeys(inst.open_orders, Reason.SEARCH_LIMIT) | dropped
        self.notes.append(f"a part of {len(sub.orders)} orders got no time: its orders are left unassigned")
        return build_solution(inst, routes, reasons=reasons, engine="decompose", seed=self.seed, notes=notes)

    # -- phase 2: the borders --------------------------------------------------------------------
    def improve_borders(self) -> None:
        """Border rounds while the budget lasts and untried pairs remain."""
        started = self.meter.elapsed()
        outcomes: list[Outcome] = []
        ended = StopReason.DONE
        while True:
            if self.meter.seconds_left() <= self.reserve + MIN_SECONDS or self.meter.work_left() < MIN_WORK:
                ended = StopReason.CLOCK if self.meter.seconds_left() <= self.reserve + MIN_SECONDS else StopReason.WORK
                break
            pairs = self._pairs()
            if not pairs:
                break
            jobs = [self._pair_job(p, q) for p, q in pairs]
            got = self._wave(jobs, 1.0 / max(1, PLANNED_ROUNDS - self.rounds), optional=True)
            if all(res is None for res in got):  # no pair's task fits the time left
                ended = StopReason.CLOCK
                break
            self.rounds += 1
            for (p, q), res in zip(pairs, got, strict=True):
                if res is None:  # not started: still untried
                    continue
                self.tried.add((p, q, self.version[p], self.version[q]))
                if isinstance(res, BaseException):
                    self.notes.append(f"border round {self.rounds}: parts {p} and {q} failed to re-plan "
                                      f"({type(res).__name__}: {res}); their plans are kept")
                    continue
                outcomes.append(res)
                self._adopt(p, q, res)
            self._event("borders")
        if self.rounds:
            stage = self._stage("borders", started, outcomes)
            reasons = [stage.stopped_by, ended]
            stopped = StopReason.CLOCK if StopReason.CLOCK in reasons else ended
            self.stages.append(replace(stage, stopped_by=stopped))

    def _pairs(self) -> list[tuple[int, int]]:
        """This round's pairs: neighbours not tried since they last changed, the costliest per
        order first, each part in at most one pair."""
        def cost(p: int) -> float:
            plan = self.plans[p]
            return plan.kpis.objective_rp if plan is not None else 0.0

        edges = [(p, q) for p, near in enumerate(self.partition.neighbours) for q in near if p < q
                 and (p, q, self.version[p], self.version[q]) not in self.tried]
        edges.sort(key=lambda e: (-(cost(e[0]) + cost(e[1])) / max(1, len(self.orders[e[0]]) + len(self.orders[e[1]])),
                                  e))
        used: set[int] = set()
        out = []
        for p, q in edges:
            if p not in used and q not in used:
                used |= {p, q}
                out.append((p, q))
        return out

    def _pair_job(self, p: int, q: int) -> _Job:
        parts = self.partition.parts
        orders = self.orders[p] + self.orders[q]
        sub = sub_problem(self.problem, orders, parts[p].riders + parts[q].riders)
        plans = [x for x in (self.plans[p], self.plans[q]) if x is not None]
        start = Solution(routes=tuple(r for x in plans for r in x.routes))
        split = tuple((tuple(self.problem.riders[r].id for r in parts[i].riders),
                       tuple(self.problem.orders[k].id for k in self.orders[i])) for i in (p, q))

        def make(stop: Budget) -> Task:
            return Task(sub, stop, self.seed, self.travel.matrices(sub), (), start, split, issued=time.time())

        return _Job(len(orders), make)

    def _adopt(self, p: int, q: int, res: Outcome) -> None:
        """Take the pair's plan if it is better than its parts' plans together."""
        old = [x for x in (self.plans[p], self.plans[q]) if x is not None]
        before = (sum(self._missing(x) for x in old), sum(x.kpis.objective_rp for x in old))
        after = (self._missing(res.solution), res.solution.kpis.objective_rp)
        if not after < (before[0], before[1] - 0.005):
            return
        for i, (plan, ids) in zip((p, q), res.parts, strict=True):
            self.plans[i] = plan
            self.orders[i] = sorted(self.order_index[oid] for oid in ids)
            self.version[i] += 1
        self.improved += 1

    def _missing(self, plan: Solution) -> int:
        """Required orders ``plan`` leaves out."""
        return sum(1 for u in plan.unassigned if self.problem.order[u.order].required)

    # -- the result --------------------------------------------------------------------------------
    def _stage(self, name: str, started: float, outcomes: Sequence[Outcome]) -> StageStats:
        reasons = [o.solution.stats.stopped_by for o in outcomes if o.solution.stats is not None]
        stopped = StopReason.CLOCK if StopReason.CLOCK in reasons else (
            StopReason.WORK if StopReason.WORK in reasons else StopReason.DONE)
        work = sum(o.solution.stats.work for o in outcomes if o.solution.stats is not None)
        objective = sum(p.kpis.objective_rp for p in self.plans if p is not None) * COST_SCALE
        return StageStats(name, self.meter.elapsed() - started, work, stopped, objective)

    def result(self, *, engine: str, seed: int, solve_time_s: float) -> Solution:
        """The day's plan, its unassigned reasons true for the whole day (:meth:`_for_the_day`)."""
        plans = self._for_the_day()
        parts = len(self.partition.parts)
        sizes = [len(p.orders) for p in self.partition.parts]
        self.notes.insert(0, f"decomposed into {parts} part{'s' if parts != 1 else ''} of {min(sizes)}–{max(sizes)} "
                             f"orders; {self.rounds} border round{'s' if self.rounds != 1 else ''}, "
                             f"{self.improved} pair{'s' if self.improved != 1 else ''} improved")
        stats = SolveStats.combine(tuple(self.stages), self.meter.elapsed(), "decompose")
        travel = TravelSource(backend=self.travel.name, digest="")
        return merge(self.problem, plans, engine=engine, seed=seed, solve_time_s=solve_time_s, notes=self.notes,
                     stats=stats, travel=travel)

    def _for_the_day(self) -> list[Solution]:
        """The parts' plans, each order a part's pre-check flagged with a reason that holds for the
        whole day.

        A part's pre-check saw the part's riders only. Its flag holds for the day when every rider
        of the day who may carry the order (:meth:`_carriers`) is in the part. Else the order is
        pre-checked again with those riders: the day's flag if they cannot serve it either, else
        ``search_limit`` (the detail names the part and its flag). An order its part had no rider
        to carry (``no_rider``, ``no_coolbox_rider`` there) while the day has one is
        ``search_limit`` without that travel. A ``shift`` the part's pre-check did not give (a
        search's) is kept.
        """
        plans = [(p, plan) for p, plan in enumerate(self.plans) if plan is not None]
        doubt: dict[str, tuple[int, Reason]] = {}  # order id → its part and the part's flag
        for p, plan in plans:
            own = set(self.partition.parts[p].riders)
            mine = [u for u in plan.unassigned if u.reason in PRECHECK_REASONS
                    and (not self._carriers(self.order_index[u.order]) <= own or (not own and self.problem.riders))]
            shift = [self.order_index[u.order] for u in mine if u.reason == Reason.SHIFT]
            flagged = self._flags(shift, own) if shift else {}
            doubt |= {u.order: (p, u.reason) for u in mine if u.reason != Reason.SHIFT or u.order in flagged}
        asked = [self.order_index[oid] for oid, (_, why) in doubt.items()
                 if not (self._carriers(self.order_index[oid]) and why in _NONE_THERE)]
        riders = {r for k in asked for r in self._carriers(k)} | {0}  # riders in the sub, as in the day
        day = self._flags(asked, riders) if asked else {}
        return [replace(plan, unassigned=tuple(self._reported(doubt, u, day) for u in plan.unassigned))
                for _, plan in plans]

    def _carriers(self, k: int) -> set[int]:
        """The riders of the day who may carry order ``k`` (indices): its locked rider or carrier
        if it has one, with a cool box for a cold item."""
        o = self.problem.orders[k]
        lock = o.picked_up_by or o.rider
        riders = [self.rider_index[lock]] if lock is not None else range(len(self.problem.riders))
        return {r for r in riders if not o.needs_coolbox or self.problem.riders[r].coolbox is not None}

    def _flags(self, orders: Sequence[int], riders: Iterable[int]) -> dict[str, Flag]:
        """The pre-check's flags of ``orders`` with ``riders`` (indices), by order id."""
        sub = sub_problem(self.problem, orders, sorted(riders))
        return {f.id: f for f in compile_problem(sub, self.travel.matrices(sub)).flagged.values()}

    def _reported(self, doubt: Mapping[str, tuple[int, Reason]], u: Unassigned, day: Mapping[str, Flag]
                  ) -> Unassigned:
        """``u`` as the day's plan reports it (see :meth:`_for_the_day`)."""
        if u.order not in doubt:
            return u
        if u.order in day:
            flag = day[u.order]
            return Unassigned(u.order, flag.reason, flag.message)
        p = doubt[u.order][0]
        ids = [repr(self.problem.riders[r].id) for r in self.partition.parts[p].riders]
        riders = ", ".join(ids[:4]) + (f" and {len(ids) - 4} more" if len(ids) > 4 else "") if ids else "none"
        return Unassigned(u.order, Reason.SEARCH_LIMIT, (
            f"order {u.order!r}: not routed; part {p} of the day (riders {riders}) cannot serve it "
            f"({u.reason.value} there: {u.detail or u.reason.text}); riders of other parts may carry it. A "
            "longer search moves orders across part borders"))


def _only(plan: Solution, sub: Problem) -> Solution:
    """``plan``'s routes of ``sub``'s riders."""
    return Solution(routes=tuple(r for r in plan.routes if r.rider in sub.rider))
