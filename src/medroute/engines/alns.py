"""``alns``: an adaptive large-neighbourhood search that times every move exactly, ride times
(out-of-fridge budgets) included.

PyVRP cannot model a maximum ride time and VROOM neither; OR-Tools holds it as a pair limit
inside a general local search. This engine is built around it: every candidate route is timed
by :func:`~medroute.engines.alns_kernel.time_route`, the compiled twin of
:func:`medroute.schedule.schedule_route` (travel, windows, releases, shift, working time,
out-of-fridge budgets, orders already on board, the five capacity dimensions), so a move is
kept only if the route it makes is feasible, and its cost is
:func:`~medroute.schedule.route_cost`'s (riding, lateness, lead time, waiting between stops) of
the least timing.

Search (Ropke & Pisinger 2006, with the ride-time checks of the DARP literature): each
iteration removes 4 to :data:`REMOVE_SHARE` of the served orders (random, worst, related —
Shaw: close in place and time —, or a whole route), puts them and every order still out back
by greedy or regret-2/3 insertion (with or without noise), and accepts the result by simulated
annealing (a plan 5 % worse than the start is accepted with probability 1/2 at first, the
temperature falls to 0.2 % of that). Operators are chosen by roulette wheels whose weights
follow their success every 100 iterations. Insertion positions are filtered by O(1) necessary
tests (load, the new stops' windows, reaching the next stop by its latest start, a lower bound
of the new order's ride time) and timed cheapest first, by a bound of the cost change
(riding, lateness and lead time, which only add to it; waiting, which an insertion into a wait
can shorten, is left out); the search on one route stops when the bound reaches the best exact
change found.

Budgets (:mod:`medroute.stop`): under ``MaxWork`` every iteration counts
:func:`iteration_work` units (the measured iterations per reference second of
``engines/work_rates.json``, table ``alns``) and the search also ends once its best plan has not
improved for :data:`PATIENCE` iterations and half of all so far — the same seed gives the same
plan on any machine; under ``MaxRuntime`` it searches until the clock, the whole time.

The first use on a machine compiles the core (about 40 s on one free core; numba then caches
it on disk, and a new process loads it in about a second): :func:`warm_up` does it ahead of
time, and ``make`` runs it once after installing.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..compile import NO_LIMIT, Instance
from ..reasons import Reason
from ..schedule import drop_untimable
from ..stats import Progress, SolveStats, StageStats
from ..stop import MaxRuntime, MaxWork, Meter, Stop, StopReason
from . import alns_kernel as K  # noqa: N812 - the kernel, as in the papers' pseudo-code
from .base import SUPPORTED, EngineResult, Support, routed_orders
from .work import per_unit

REMOVE_SHARE = 0.2
"""At most this share of the served orders (and at most :data:`REMOVE_MAX`) is removed at once."""
REMOVE_MAX = 60
MAX_EVALS = 16
"""Candidate positions timed exactly per (order, route) at most, cheapest riding cost first."""
NOISE = 0.025
"""Insertion noise, as a share of the dearest arc (Ropke & Pisinger's η)."""
START_WORSE, START_ACCEPT = 0.05, 0.5
"""The starting temperature accepts a plan ``START_WORSE`` worse than the start with
probability ``START_ACCEPT``."""
PATIENCE = 1_000
"""With a work budget, the search ends once its best plan has not improved for this many
iterations and half of all so far (deterministic: counted in iterations)."""
CONSTRUCT_CHUNK = 32
"""Orders inserted per call of the construction, between looks at the clock."""
CHUNK_SECONDS = 0.05
"""The clock is looked at about this often."""
REQUIRED_PENALTY = 1e12
"""Search cost of leaving a required order out, on top of its drop cost (cost units)."""
WAIT_SHARE = 0.5
"""With a clock and the core not compiled on this machine, the share of the clock spent waiting
for :func:`compile_in_background` before greedy's plan is returned instead."""


def tables(inst: Instance) -> K.Tables:
    """``inst`` as the kernel's flat arrays, each of one fixed dtype and writable (numba compiles
    one version per argument type: read-only or int32/int64 variants would each compile anew)."""
    n, m = inst.n, inst.m

    def i64(x: np.ndarray) -> np.ndarray:
        return np.array(x, dtype=np.int64)

    ptr = np.zeros(2 * n + 1, np.int64)
    ptr[1:] = np.cumsum([len(ws) for ws in inst.windows])
    win = np.array([w for ws in inst.windows for w in ws], np.int64).reshape(-1, 2)
    carried_load = np.zeros((m, 5), np.int64)
    for k in np.flatnonzero(inst.carried_by >= 0):
        carried_load[inst.carried_by[k]] += inst.demand[k]
    penalty = inst.drop_cost + np.where(inst.required | (inst.carried_by >= 0), REQUIRED_PENALTY, 0.0)
    dur = np.stack(inst.durations).astype(np.int32, copy=False)
    return K.Tables(
        n, i64(inst.node_loc), i64(inst.start_loc), i64(inst.end_loc), dur, i64(inst.rider_durations),
        np.stack(inst.distances).astype(np.int32, copy=False), i64(inst.rider_distances),
        float(inst.cost_per_m), float(inst.cost_per_s), float(inst.rider_cost), i64(inst.service),
        ptr, win[:, 0].copy(), win[:, 1].copy(), i64(inst.demand), i64(inst.capacity), carried_load,
        i64(inst.max_ride), np.array(inst.allowed, dtype=np.bool_), i64(inst.carried_by), i64(inst.carried_since),
        i64(inst.target), np.array(inst.late_cost, dtype=np.float64), i64(inst.release),
        np.array(inst.lead_cost, dtype=np.float64), float(inst.cost_per_wait_s), np.array(penalty, dtype=np.float64),
        i64(inst.depart), i64(inst.shift_end), i64(inst.max_work), float(np.max(dur)) if dur.size else 1.0)


def _load(T: K.Tables, P: K.Plan, routes: Sequence[Sequence[int]], orders: set[int]) -> list[int]:
    """Put ``routes`` into the plan ``P``; a route the kernel cannot time starts empty instead
    (its orders are inserted anew). The riders whose routes were emptied.

    The kernel counts every carried item on board from the start, so a start plan that leaves
    one off its rider's route (unassigned) may use capacity the kernel does not have.
    """
    emptied = []
    for r, nodes in enumerate(routes):
        seq = [v for v in nodes if T.n and (v if v < T.n else v - T.n) in orders]
        P.routes[r, :len(seq)] = seq
        P.size[r] = len(seq)
        for v in seq:
            P.where[v if v < T.n else v - T.n] = r
        if not K.refresh(T, P, r):
            for v in seq:
                P.where[v if v < T.n else v - T.n] = -1
            P.size[r] = 0
            K.refresh(T, P, r)
            emptied.append(r)
    return emptied


def iteration_work(instance: Instance) -> float:
    """Work units (reference seconds, :mod:`medroute.stop`) of one iteration on ``instance``: the
    inverse of the measured iterations per reference second at its number of orders
    (``engines/work_rates.json``, table ``alns``)."""
    return 1.0 / per_unit("alns", max(1, instance.n))


class AlnsEngine:
    """The ride-time-aware large-neighbourhood search (see the module docstring)."""

    name = "alns"

    def supports(self, instance: Instance) -> Support:
        """Always supported: the engine models every medroute rule."""
        return SUPPORTED

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        """Search until ``stop`` from ``initial`` (repaired) or from a regret insertion of every order.

        Parameters
        ----------
        instance
            The compiled problem.
        stop
            The clock and/or work; under work every iteration counts :func:`iteration_work`
            units and the search also ends once its best plan has not improved for
            :data:`PATIENCE` iterations and half of all so far.
        seed
            The random stream's seed; when work ends the search, the same seed gives the
            same plan.
        initial
            Optional per-rider node sequences to start from; routes that do not time lose
            the orders the timing blames, a route that does not time with every carried
            item on board starts empty, and every order still out is inserted.
        progress
            Unused (one search, reported once by the caller).

        Returns
        -------
        EngineResult
            The best plan found; notes give iterations, the share accepted and the speed.
            Where the core is not compiled on this machine yet and a clock is set, the core
            compiles in the background (:func:`compile_in_background`) while the call waits
            up to :data:`WAIT_SHARE` of the clock, then searches on what is left; if the
            compile is not done by then, the plan is :class:`~medroute.engines.greedy.GreedyEngine`'s
            (``stats.best_stage == "greedy"``, the alns stage ``skipped="compiling"``, a note):
            the clock holds on a fresh install too. A work budget compiles here.
        """
        meter = Meter(stop)
        inst = instance
        orders = np.array(routed_orders(inst), np.int64)
        if inst.m == 0:
            meter.stopped_by = StopReason.DONE
            stage = StageStats(self.name, meter.elapsed(), 0.0, StopReason.DONE)
            return EngineResult((), dict.fromkeys(orders.tolist(), Reason.NO_RIDER), ("alns: no riders",),
                                SolveStats.combine((stage,), meter.elapsed()))
        if math.isfinite(meter.budget.seconds) and not await_core(meter):
            return self._greedy_meanwhile(inst, meter, seed)
        T = tables(inst)
        P, B, best = (K.new_plan(inst.n, inst.m, seed) for _ in range(3))
        notes: list[str] = []
        if initial is not None:
            routes, _, dropped = drop_untimable(inst, [list(s) for s in initial] + [[]] * (inst.m - len(initial)),
                                                label="alns start")
            notes.extend(dropped)
            for r in _load(T, P, routes[:inst.m], set(orders.tolist())):
                notes.append(f"alns start: the route of {inst.problem.riders[r].id!r} does not time with its "
                             "carried items on board; planned anew")
        pending = np.array([k for k in orders if P.where[k] < 0], np.int64)
        for i in range(0, len(pending), CONSTRUCT_CHUNK):  # regret insertion, the clock looked at
            if meter.seconds_left() <= 0:
                meter.stopped_by = StopReason.CLOCK
                break
            K.repair(T, P, B, pending[i:i + CONSTRUCT_CHUNK], 2, 0.0, MAX_EVALS)
        start = float(K.objective(T, P, orders))
        K._copy(P, best)
        stats = np.array([0.0, start, start, 0.0, 0.0])
        per = iteration_work(inst)
        budget = None if math.isinf(meter.budget.work) else int(meter.work_left() / per)
        if meter.stopped_by is None:
            meter.stopped_by = self._search(T, P, B, best, orders, stats, budget, meter)
        meter.add(stats[0] * per, stats[2])
        routes = [list(best.routes[r, :best.size[r]]) for r in range(inst.m)]
        routes, dropped_reasons, dropped = drop_untimable(inst, routes, label="alns")
        notes.extend(dropped)
        done = int(stats[0])
        notes.append(f"alns: {done} iterations ({done / max(meter.elapsed(), 1e-9):,.0f}/s), {int(stats[3])} "
                     f"accepted, {int(P.tally[0])} routes timed; objective Rp {start / 100:,.0f} -> "
                     f"Rp {stats[2] / 100:,.0f}")
        reasons = self._reasons(inst, best, orders, meter.stopped_by == StopReason.CLOCK) | dropped_reasons
        stage = StageStats(self.name, meter.elapsed(), meter.work, meter.stopped_by, stats[2])
        return EngineResult(tuple(tuple(int(v) for v in s) for s in routes), reasons, tuple(notes),
                            SolveStats.combine((stage,), meter.elapsed()))

    @staticmethod
    def _greedy_meanwhile(inst: Instance, meter: Meter, seed: int) -> EngineResult:
        """Greedy's plan on what is left of the clock, while the core compiles elsewhere."""
        from .greedy import GreedyEngine

        res = GreedyEngine().solve(inst, stop=MaxRuntime(max(1e-3, meter.seconds_left())), seed=seed)
        waited = StageStats(AlnsEngine.name, meter.elapsed() - res.stats.seconds, stopped_by=None, skipped="compiling")
        stages = (waited, *res.stats.stages)
        note = ("alns: its core is compiling in the background (once per machine, about 40 s; "
                "medroute.engines.alns.warm_up() does it ahead); this plan is greedy's")
        return EngineResult(res.routes, res.reasons, (note, *res.notes),
                            SolveStats(StopReason.CLOCK, meter.elapsed(), res.stats.work, stages, "greedy"))

    @staticmethod
    def _search(T: K.Tables, P: K.Plan, B: K.Plan, best: K.Plan, orders: np.ndarray, stats: np.ndarray,
                budget: int | None, meter: Meter) -> StopReason:
        """Iterate in chunks until the work budget (``budget`` iterations), the patience or the
        clock; what stopped it."""
        served = int(np.sum(P.where[orders] >= 0)) if orders.size else 0
        q_hi = max(1, min(REMOVE_MAX, int(REMOVE_SHARE * max(served, orders.size))))
        routed_cost = float(P.cost.sum())
        temp0 = START_WORSE * routed_cost / -math.log(START_ACCEPT) if routed_cost > 0 else 1.0
        noise = NOISE * float(max(np.max(T.dist) * T.cost_per_m + np.max(T.dur) * T.cost_per_s, 1.0)) if T.n else 0.0
        weights = np.ones((3, 4))
        scores, uses = np.zeros((3, 4)), np.zeros((3, 4))
        seconds = meter.budget.seconds
        chunk, total = 1, budget or 0
        if orders.size == 0 or budget == 0:
            return StopReason.WORK if budget == 0 else StopReason.DONE
        while budget is None or stats[0] < budget:
            if meter.seconds_left() <= 0:
                return StopReason.CLOCK
            if budget is None:  # the clock alone: the temperature follows the time
                total = max(int(stats[0]) + 1, int(stats[0] / max(meter.elapsed(), 1e-6) * seconds))
            step = chunk if budget is None else min(chunk, budget - int(stats[0]))
            c0 = time.perf_counter()
            if K.iterate(T, P, B, best, orders, weights, scores, uses, stats, step, total, temp0, noise, q_hi,
                         MAX_EVALS, 0 if budget is None else PATIENCE):
                return StopReason.NO_IMPROVEMENT
            spent = time.perf_counter() - c0
            # at most CHUNK_SECONDS, and no longer than the clock has left: past its stop, the
            # search would eat the time solve keeps for explaining what it leaves out
            span = min(CHUNK_SECONDS, meter.seconds_left())
            chunk = max(1, min(chunk * 2, int(step * span / max(spent, 1e-6))))
        return StopReason.WORK

    @staticmethod
    def _reasons(inst: Instance, best: K.Plan, orders: np.ndarray, clocked: bool) -> dict[int, Reason]:
        """Why each routed order the plan leaves out is out (``medroute.explain`` refines it)."""
        out: dict[int, Reason] = {}
        for k in orders.tolist():
            if best.where[k] < 0:
                budget = bool(np.any(inst.max_ride[k] < NO_LIMIT))
                out[k] = (Reason.SEARCH_LIMIT if clocked else Reason.COLD_BUDGET if budget
                          else Reason.NOT_WORTH_IT if not inst.required[k] else Reason.TIME_WINDOW)
        return out


def await_core(meter: Meter) -> bool:
    """Whether the core can run now: compiled on this machine before, or by
    :func:`compile_in_background` while this waits up to :data:`WAIT_SHARE` of ``meter``'s clock.
    A compile that ended without leaving a cache (a folder numba may not write) leaves the
    compile to this process, where its error, if any, is raised."""
    if ready():
        return True
    compiler = compile_in_background()
    while compiler.poll() is None and meter.seconds_left() > (1 - WAIT_SHARE) * meter.budget.seconds:
        time.sleep(0.05)
    return ready() or compiler.poll() is not None


def ready() -> bool:
    """Whether the core can run without compiling: loaded in this process, or compiled on this
    machine before (numba's disk cache; loading it takes about a second)."""
    loop: Any = K.iterate  # the numba dispatcher of the search loop, the last function compiled
    if loop.signatures:
        return True
    try:  # numba's cache index of it
        return Path(loop._cache._cache_file._index_path).is_file()
    except AttributeError:  # pragma: no cover - another numba version: assume it must compile
        return False


_compiler: subprocess.Popen[bytes] | None = None


def compile_in_background() -> subprocess.Popen[bytes]:
    """Start compiling the core in a separate process (once per process; it runs :func:`warm_up`
    and ends by itself): no clock kills it, so numba's disk cache is written however short the
    solve that found the core missing. Works where this process may not start multiprocessing
    children (pool and Dask workers)."""
    global _compiler
    if _compiler is None:
        root = str(Path(__file__).resolve().parents[2])  # the folder medroute is imported from
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        _compiler = subprocess.Popen([sys.executable, "-c", "from medroute.engines.alns import warm_up; warm_up()"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    return _compiler


def warm_up() -> None:
    """Compile the core now (about 10-40 s the first time on a machine, then loaded from
    numba's on-disk cache in well under a second), so that a later solve's time limit is not
    spent compiling."""
    from ..compile import compile_problem
    from ..geo import Location
    from ..model import Order, Pharmacy, Problem, Rider, TimeWindow

    here = Location(-8.2, 114.3)
    there = Location(-8.21, 114.31)
    problem = Problem(pharmacies=(Pharmacy("ph", here, opening=(TimeWindow(0, 86_400),)),),
                      orders=tuple(Order(f"o{i}", "ph", there, release_s=0, max_ride_s=3_600) for i in range(3)),
                      riders=(Rider("r", here, start_s=0, shift=TimeWindow(0, 86_400)),))
    AlnsEngine().solve(compile_problem(problem), stop=MaxWork(0.01), seed=0)
