"""``alns``: an adaptive large-neighbourhood search that times every move exactly, ride times
(out-of-fridge budgets) included.

PyVRP cannot model a maximum ride time and VROOM neither; OR-Tools holds it as a pair limit
inside a general local search. This engine is built around it: every candidate route is timed
by :func:`~medroute.engines.alns_kernel.time_route`, the compiled twin of
:func:`medroute.schedule.schedule_route` (travel, windows, releases, shift, working time,
out-of-fridge budgets, orders already on board, the five capacity dimensions), so a move is
kept only if the route it makes is feasible, and its cost includes the lateness of the least
timing.

Search (Ropke & Pisinger 2006, with the ride-time checks of the DARP literature): each
iteration removes 4 to :data:`REMOVE_SHARE` of the served orders (random, worst, related —
Shaw: close in place and time —, or a whole route), puts them and every order still out back
by greedy or regret-2/3 insertion (with or without noise), and accepts the result by simulated
annealing (a plan 5 % worse than the start is accepted with probability 1/2 at first, the
temperature falls to 0.2 % of that). Operators are chosen by roulette wheels whose weights
follow their success every 100 iterations. Insertion positions are filtered by O(1) necessary
tests (load, the new stops' windows, reaching the next stop by its latest start, a lower bound
of the new order's ride time) and timed cheapest first; the search on one route stops when
the riding cost alone reaches the best exact cost found (lateness only adds to it).

Budgets: ``iterations_per_second`` × ``time_limit`` iterations at the modelled speed
(:meth:`AlnsEngine.search_rate`), the clock as a cap (reproducible unless the clock stops it
first, then ``clock_stopped``); ``iterations=`` a fixed number; both end early once the
best plan has not improved for :data:`PATIENCE` iterations and half of all so far.
``iterations_per_second=None`` runs until the clock (the whole time, not reproducible).

The first use on a machine compiles the core (about 40 s on one free core; numba then caches
it on disk, and a new process loads it in about a second): :func:`warm_up` does it ahead of
time, and ``make`` runs it once after installing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np

from ..compile import NO_LIMIT, Instance
from ..reasons import Reason
from ..schedule import drop_untimable
from . import alns_kernel as K  # noqa: N812 - the kernel, as in the papers' pseudo-code
from .base import EngineResult, routed_orders

ITERATIONS_PER_SECOND = 2_000.0
"""Modelled iterations per second up to 20 orders; see :meth:`AlnsEngine.search_rate`."""
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
CHUNK_SECONDS = 0.05
"""The clock is looked at about this often."""
REQUIRED_PENALTY = 1e12
"""Search cost of leaving a required order out, on top of its drop cost (cost units)."""


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
        i64(inst.target), np.array(inst.late_cost, dtype=np.float64), np.array(penalty, dtype=np.float64),
        i64(inst.depart), i64(inst.shift_end), i64(inst.max_work), float(np.max(dur)) if dur.size else 1.0)


def _load(T: K.Tables, P: K.Plan, routes: Sequence[Sequence[int]], orders: set[int]) -> None:
    """Put ``routes`` (each must time) into the plan ``P``."""
    for r, nodes in enumerate(routes):
        seq = [v for v in nodes if T.n and (v if v < T.n else v - T.n) in orders]
        P.routes[r, :len(seq)] = seq
        P.size[r] = len(seq)
        for v in seq:
            P.where[v if v < T.n else v - T.n] = r
        if not K.refresh(T, P, r):
            raise AssertionError(f"alns: rider {r}'s start route does not time in the kernel")


class AlnsEngine:
    """The ride-time-aware large-neighbourhood search (see the module docstring).

    Parameters
    ----------
    iterations_per_second : modelled speed at 10 orders; the budget is
        :meth:`search_rate` × ``time_limit`` iterations, the clock a cap. ``None``: search until
        ``time_limit`` (the whole time; the same seed may then give another plan).
    iterations : a fixed number of iterations instead.
    """

    name = "alns"

    def __init__(self, *, iterations_per_second: float | None = ITERATIONS_PER_SECOND,
                 iterations: int | None = None) -> None:
        if iterations is not None and iterations < 0:
            raise ValueError(f"alns engine: iterations must be >= 0, got {iterations}")
        if iterations_per_second is not None and iterations_per_second <= 0:
            raise ValueError(f"alns engine: iterations_per_second must be > 0, got {iterations_per_second}")
        self.iterations_per_second = iterations_per_second
        self.iterations = iterations

    def supports(self, instance: Instance) -> bool | str:
        """Always ``True``: the engine models every medroute rule."""
        return True

    def search_rate(self, instance: Instance) -> float:
        """Modelled iterations per second: ``iterations_per_second`` × ``min(1, 20 / n) ** 1.5``
        for ``n`` orders (an iteration reinserts a share of the orders, each into every route;
        measured in ``benchmarks/results/alns_speed.md``)."""
        base = self.iterations_per_second or ITERATIONS_PER_SECOND
        return float(base * min(1.0, 20 / max(1, instance.n)) ** 1.5)

    def budget(self, instance: Instance, time_limit: float) -> int | None:
        """Iterations within ``time_limit`` seconds (or the fixed budget); ``None`` without one."""
        if self.iterations is not None:
            return self.iterations
        if self.iterations_per_second is None:
            return None
        return max(1, int(self.search_rate(instance) * time_limit))

    def solve(self, instance: Instance, *, time_limit: float, seed: int,
              initial: Sequence[Sequence[int]] | None = None) -> EngineResult:
        """Search for at most ``time_limit`` seconds from ``initial`` (repaired) or from a regret
        insertion of every order.

        Parameters
        ----------
        instance : the compiled problem.
        time_limit : wall-clock budget, seconds.
        seed : the random stream's seed; with a work budget that ends first, the same seed gives
            the same plan.
        initial : optional per-rider node sequences to start from; routes that do not time lose
            the orders the timing blames, and every order still out is inserted.

        Returns
        -------
        EngineResult
            The best plan found; notes give iterations, the share accepted and the speed.
        """
        t0 = time.perf_counter()
        inst = instance
        orders = np.array(routed_orders(inst), np.int64)
        T = tables(inst)
        P, B, best = (K.new_plan(inst.n, inst.m, seed) for _ in range(3))
        notes: list[str] = []
        if initial is not None:
            routes, _, dropped = drop_untimable(inst, [list(s) for s in initial] + [[]] * (inst.m - len(initial)),
                                                label="alns start")
            notes.extend(dropped)
            _load(T, P, routes[:inst.m], set(orders.tolist()))
        pending = np.array([k for k in orders if P.where[k] < 0], np.int64)
        K.repair(T, P, B, pending, 2, 0.0, MAX_EVALS)
        start = float(K.objective(T, P, orders))
        K._copy(P, best)
        stats = np.array([0.0, start, start, 0.0, 0.0])
        budget = self.budget(inst, time_limit)
        clock_stopped = self._search(T, P, B, best, orders, stats, budget, time_limit, t0)
        routes = [list(best.routes[r, :best.size[r]]) for r in range(inst.m)]
        routes, dropped_reasons, dropped = drop_untimable(inst, routes, label="alns")
        notes.extend(dropped)
        elapsed = time.perf_counter() - t0
        done = int(stats[0])
        notes.append(f"alns: {done} iterations ({done / max(elapsed, 1e-9):,.0f}/s), {int(stats[3])} accepted, "
                     f"{int(P.tally[0])} routes timed; objective Rp {start / 100:,.0f} -> Rp {stats[2] / 100:,.0f}")
        reasons = self._reasons(inst, T, best, orders) | dropped_reasons
        return EngineResult(tuple(tuple(int(v) for v in s) for s in routes), reasons, tuple(notes),
                            clock_stopped=clock_stopped)

    def _search(self, T: K.Tables, P: K.Plan, B: K.Plan, best: K.Plan, orders: np.ndarray, stats: np.ndarray,
                budget: int | None, time_limit: float, t0: float) -> bool:
        """Iterate in chunks until the budget or the clock; whether the clock stopped it."""
        inst_n = T.n
        served = int(np.sum(P.where[orders] >= 0)) if orders.size else 0
        q_hi = max(1, min(REMOVE_MAX, int(REMOVE_SHARE * max(served, orders.size))))
        routed_cost = float(P.cost.sum())
        temp0 = START_WORSE * routed_cost / -math.log(START_ACCEPT) if routed_cost > 0 else 1.0
        noise = NOISE * float(max(T.dist.max() * T.cost_per_m + T.dur.max() * T.cost_per_s, 1.0)) if inst_n else 0.0
        weights = np.ones((3, 4))
        scores, uses = np.zeros((3, 4)), np.zeros((3, 4))
        deadline = t0 + time_limit
        chunk = 1
        total = budget if budget is not None else 0
        if orders.size == 0 or budget == 0:
            return False
        while budget is None or stats[0] < budget:
            now = time.perf_counter()
            if now >= deadline:
                return True
            if budget is None:  # until the clock: the temperature follows the time
                rate = stats[0] / max(now - t0, 1e-6)
                total = max(int(stats[0]) + 1, int(rate * time_limit))
            step = chunk if budget is None else min(chunk, budget - int(stats[0]))
            c0 = time.perf_counter()
            if K.iterate(T, P, B, best, orders, weights, scores, uses, stats, step, total, temp0, noise, q_hi,
                         MAX_EVALS, 0 if budget is None else PATIENCE):
                return False
            spent = time.perf_counter() - c0
            chunk = max(1, min(chunk * 2, int(step * CHUNK_SECONDS / max(spent, 1e-6))))
        return False

    @staticmethod
    def _reasons(inst: Instance, T: K.Tables, best: K.Plan, orders: np.ndarray) -> dict[int, Reason]:
        """Why each routed order the plan leaves out is out."""
        out: dict[int, Reason] = {}
        for k in orders.tolist():
            if best.where[k] >= 0:
                continue
            fits = any(K.best_insert(T, best, k, r, MAX_EVALS)[0] < math.inf for r in range(inst.m))
            if fits and not inst.required[k]:
                out[k] = Reason.NOT_WORTH_IT
            else:
                out[k] = Reason.COLD_BUDGET if np.any(inst.max_ride[k] < NO_LIMIT) else Reason.TIME_WINDOW
        return out


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
    AlnsEngine(iterations=3).solve(compile_problem(problem), time_limit=600.0, seed=0)
