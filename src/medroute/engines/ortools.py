"""The full medroute model on OR-Tools' routing library (``pywrapcp``).

Mapping (see ``docs/engines.md`` for the reasoning):

* one routing node per pickup and per delivery of every order the engine routes, plus one start
  and one end node per rider; an open end (``end_loc == -1``) is a dummy node reached at zero
  travel and cost;
* ``AddPickupAndDelivery`` + same vehicle + pickup before delivery;
* a ``time`` dimension (cumul = service start, seconds) with one transit matrix per distinct
  duration matrix (``RegisterTransitMatrix``), the from-node's service time included; node
  windows as ``SetRange`` over their hull with ``RemoveInterval`` for the gaps; the rider's
  departure and shift end bound the start and end cumuls, ``max_work`` the span;
* the five capacity dimensions of :data:`medroute.compile.DIMS` (cold ones are zero for riders
  without a cool box), what a rider already carries preloaded in the start cumul;
* ``allowed`` by restricting each node's vehicle variable (what ``SetAllowedVehiclesForIndex``
  does; its Python binding does not accept a list in 9.15);
* the out-of-fridge budget: when every allowed rider gives order ``k`` the same budget, the
  native ``SetPickupToDeliveryLimitFunctionForPair`` (filtered by the local search); when the
  budgets differ (cool boxes holding temperature for different times), an exact conditional
  constraint ``cumul(d) - cumul(p) <= service(p) + budget[vehicle(p)]``;
* orders already on board: a delivery node only, fixed to the carrying rider, its cumul bounded
  by ``carried_since + budget``;
* soft targets via ``SetCumulVarSoftUpperBound``; every order sits in a disjunction: optional
  ones at their drop cost, required ones at :data:`REQUIRED_PENALTY`, so an instance with an
  unservable order still returns, with that order unassigned;
* per-rider arc costs from :meth:`Instance.arc_cost` and the fixed cost ``inst.rider_cost``.

Search: parallel cheapest insertion, then guided local search until ``time_limit`` or a
budget of search steps proportional to it (see :class:`OrToolsEngine`), whichever comes first.
Parallel cheapest insertion grows with about the cube of the number of orders (measured on the
``expanded`` scenario: 0.09 s at 100 orders, 0.65 s at 200, 7.1 s at 500, 71 s at 1,000; see
:func:`first_solution_seconds`); when it would take more than a quarter of the budget, the
search starts instead from the ``greedy`` dispatcher's plan (0.7 s at 1,000 orders), so a short
time limit still returns every order the dispatcher can serve instead of none.
Extracted routes are re-timed with :func:`~medroute.schedule.schedule_route`; an order whose
route does not time is removed and noted (this should not happen).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..compile import DIMS, NO_LIMIT, Instance
from ..errors import require
from ..reasons import Reason
from ..schedule import drop_untimable
from .base import EngineResult

REQUIRED_PENALTY = 10**12
"""Disjunction penalty of a required order, cost units (Rp 10 billion): dropped only when no
plan can serve it."""
CARRIED_PENALTY = 10 * REQUIRED_PENALTY
"""Disjunction penalty of the delivery of an order already on board."""


@dataclass(eq=False)
class RoutingModel:
    """A built OR-Tools model and the maps between its nodes and medroute's.

    Attributes
    ----------
    manager, routing : the ``RoutingIndexManager`` and ``RoutingModel``.
    time : the ``time`` dimension (cumul = service start, seconds).
    nodes : medroute node of each routing node (starts and ends excluded: they come after).
    index_of : routing index of each medroute node in the model.
    left_out : orders not in the model (no usable rider), with a reason.
    notes : sentences about what the model had to bend.
    keep : Python objects OR-Tools calls back into (kept alive with the model).
    """

    manager: Any
    routing: Any
    time: Any
    nodes: list[int]
    index_of: dict[int, int]
    left_out: dict[int, Reason] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    keep: list[Any] = field(default_factory=list)


def _routed(inst: Instance, riders_ok: NDArray[np.bool_]) -> tuple[list[int], list[int], dict[int, Reason]]:
    """Orders with a pickup in the model, orders already on board, and orders left out."""
    usable = (inst.allowed & riders_ok[None, :]).any(axis=1)
    picked, carried, left = [], [], {}
    for k in range(inst.n):
        if inst.carried_by[k] >= 0:
            carried.append(k)
        elif k in inst.flagged:
            continue
        elif not usable[k] or not inst.windows[k] or not inst.windows[inst.delivery(k)]:
            left[k] = Reason.NO_RIDER if not usable[k] else Reason.TIME_WINDOW
        else:
            picked.append(k)
    return picked, carried, left


def _submatrix(mat: NDArray[Any], locs: NDArray[np.int64], dummy: NDArray[np.bool_]) -> NDArray[np.int64]:
    """``mat`` restricted to routing nodes (rows and columns ``locs``); dummy nodes cost 0."""
    rows = np.where(dummy, 0, locs)
    out: NDArray[np.int64] = mat[np.ix_(rows, rows)].astype(np.int64)
    out[dummy, :] = 0
    out[:, dummy] = 0
    return out


def _constant(value: int) -> Callable[[int, int], int]:
    """A pickup-to-delivery limit function that always returns ``value`` (seconds)."""

    def limit(_pickup_alternative: int, _delivery_alternative: int) -> int:
        return value

    return limit


def _empty_route_ok(inst: Instance, r: int) -> bool:
    """Whether rider ``r`` can go straight from start to end inside the shift and ``max_work``."""
    end = int(inst.end_loc[r])
    ride = int(inst.duration(r)[inst.start_loc[r], end]) if end >= 0 else 0
    return bool(inst.depart[r] + ride <= inst.shift_end[r] and ride <= inst.max_work[r])


def build_model(inst: Instance) -> RoutingModel:
    """Translate ``inst`` into an OR-Tools routing model (see the module docstring).

    Built with numpy: the matrices over routing nodes are fancy-indexed, one per distinct
    duration matrix and per distinct (duration, distance) pair, never per rider pair in Python.
    """
    pywrapcp: Any = require("ortools.constraint_solver.pywrapcp", "ortools")
    usable = np.array([_empty_route_ok(inst, r) for r in range(inst.m)], dtype=bool)
    picked, carried, left = _routed(inst, usable)
    nodes = [*picked, *(inst.delivery(k) for k in picked), *(inst.delivery(k) for k in carried)]
    n_nodes, m = len(nodes), inst.m
    starts = list(range(n_nodes, n_nodes + m))
    ends = list(range(n_nodes + m, n_nodes + 2 * m))
    manager = pywrapcp.RoutingIndexManager(n_nodes + 2 * m, m, starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()
    model = RoutingModel(manager, routing, None, nodes, {}, left)
    node_arr = np.array(nodes, dtype=np.int64)
    locs = np.concatenate([inst.node_loc[node_arr].astype(np.int64) if nodes else np.zeros(0, np.int64),
                           inst.start_loc.astype(np.int64), inst.end_loc.astype(np.int64)])
    dummy = locs < 0
    service = np.concatenate([inst.service[node_arr] if nodes else np.zeros(0, np.int64),
                              np.zeros(2 * m, np.int64)]).astype(np.int64)

    # Time: one transit matrix per distinct duration matrix.
    time_cb: dict[int, int] = {}
    for c in sorted({int(x) for x in inst.rider_durations}):
        mat = _submatrix(inst.durations[c], locs, dummy) + service[:, None]
        time_cb[c] = routing.RegisterTransitMatrix(mat.tolist())
    horizon = int(max([max((int(x) for x in inst.shift_end), default=0), 24 * 3600]
                      + [w[-1][1] for w in inst.windows if w]))
    routing.AddDimensionWithVehicleTransits([time_cb[int(c)] for c in inst.rider_durations],
                                            horizon, horizon, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    model.time = tdim
    big = 2 * horizon + 1

    # Costs: one arc-cost matrix per distinct (duration, distance) pair.
    cost_cb: dict[tuple[int, int], int] = {}
    for r in range(m):
        key = (int(inst.rider_durations[r]), int(inst.rider_distances[r]))
        if key not in cost_cb:
            cost_cb[key] = routing.RegisterTransitMatrix(_submatrix(inst.arc_cost(r), locs, dummy).tolist())
        routing.SetArcCostEvaluatorOfVehicle(cost_cb[key], r)
    routing.SetFixedCostOfAllVehicles(round(inst.rider_cost))

    # Riders: departure, shift, working time; riders who cannot even ride start → end take nothing.
    for r in range(m):
        tdim.CumulVar(routing.Start(r)).SetRange(int(inst.depart[r]), int(inst.shift_end[r]))
        if not usable[r]:
            model.notes.append(f"ortools: rider {inst.problem.riders[r].id!r} cannot reach their end "
                               "inside the shift; given no orders")
            continue
        tdim.CumulVar(routing.End(r)).SetMax(int(inst.shift_end[r]))
        if inst.max_work[r] < NO_LIMIT:
            tdim.SetSpanUpperBoundForVehicle(int(inst.max_work[r]), r)

    # Nodes: windows and allowed riders.
    for i, v in enumerate(nodes):
        index = manager.NodeToIndex(i)
        model.index_of[v] = index
        ws = inst.windows[v]
        cv = tdim.CumulVar(index)
        cv.SetRange(int(ws[0][0]), int(ws[-1][1]))
        for (_, b), (a, _) in pairwise(ws):
            if b + 1 <= a - 1:
                cv.RemoveInterval(int(b) + 1, int(a) - 1)
        k = inst.order_of(v)
        riders = np.flatnonzero(inst.allowed[k] & usable)
        if inst.carried_by[k] >= 0:
            riders = np.array([inst.carried_by[k]])
        if len(riders) < m:
            # SetAllowedVehiclesForIndex's absl::Span argument is not wrapped in 9.15's Python
            # API; restricting the vehicle variable is equivalent (-1 keeps the node droppable).
            routing.VehicleVar(index).SetValues([-1, *(int(x) for x in riders)])

    # Pickup and delivery pairs, budgets, targets, penalties.
    once = routing.PENALIZE_ONCE
    for pair, k in enumerate(picked):
        p, d = model.index_of[k], model.index_of[inst.delivery(k)]
        routing.AddPickupAndDelivery(p, d)
        solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
        solver.Add(tdim.CumulVar(p) <= tdim.CumulVar(d))
        riders = np.flatnonzero(inst.allowed[k] & usable)
        limits = inst.max_ride[k, riders]
        if len(limits) and int(limits.min()) < NO_LIMIT:
            s = int(inst.service[k])
            if int(limits.min()) == int(limits.max()):
                limit = s + int(limits[0])
                fn = _constant(limit)
                model.keep.append(fn)
                tdim.SetPickupToDeliveryLimitFunctionForPair(fn, pair)
            else:
                per_vehicle = [big] + [s + int(inst.max_ride[k, r]) if inst.allowed[k, r] else big
                                       for r in range(m)]
                shifted = (routing.VehicleVar(p) + 1).Var()
                solver.Add(tdim.CumulVar(d) - tdim.CumulVar(p) <= solver.Element(per_vehicle, shifted))
        penalty = REQUIRED_PENALTY if inst.required[k] else round(float(inst.drop_cost[k]))
        routing.AddDisjunction([p, d], penalty, 2, once)
    for k in [*picked, *carried]:
        d = model.index_of[inst.delivery(k)]
        if inst.target[k] < NO_LIMIT and inst.late_cost[k] > 0:
            tdim.SetCumulVarSoftUpperBound(d, int(inst.target[k]), max(1, round(float(inst.late_cost[k]))))
    for k in carried:
        r, d = int(inst.carried_by[k]), model.index_of[inst.delivery(k)]
        cv = tdim.CumulVar(d)
        bound = int(inst.carried_since[k] + inst.max_ride[k, r]) if inst.max_ride[k, r] < NO_LIMIT else horizon
        if bound >= cv.Min():
            cv.SetMax(min(bound, cv.Max()))
        else:
            model.notes.append(f"ortools: order {inst.problem.orders[k].id!r} is on board past its "
                               "out-of-fridge budget")
        routing.AddDisjunction([d], CARRIED_PENALTY)

    # Capacities: what riders carry is preloaded in the start cumul.
    load = np.zeros((m, len(DIMS)), dtype=np.int64)
    for k in carried:
        load[int(inst.carried_by[k])] += inst.demand[k]
    for dim, name in enumerate(DIMS):
        demand = np.zeros(n_nodes + 2 * m, dtype=np.int64)
        for i, v in enumerate(nodes):
            demand[i] = (1 if inst.is_pickup(v) else -1) * int(inst.demand[inst.order_of(v), dim])
        if not demand.any() and not load[:, dim].any():
            continue
        cb = routing.RegisterUnaryTransitVector(demand.tolist())
        cap = [int(x) for x in inst.capacity[:, dim]]
        routing.AddDimensionWithVehicleCapacity(cb, 0, cap, False, name)
        cdim = routing.GetDimensionOrDie(name)
        for r in range(m):
            cdim.CumulVar(routing.Start(r)).SetValue(int(min(load[r, dim], cap[r])))
    return model


PCI_SECONDS_AT_200 = 1.7
"""Parallel cheapest insertion at 200 orders, seconds: the slowest of the measurements on the
``expanded`` scenario (0.65 s by hand, 1.13 s and 1.64 s in earlier ``engine_speed.py`` runs, the
second beside another benchmark; 0.57 s in the one committed in
``benchmarks/results/engine_speed.md``, on a faster machine), rounded up."""
STEPS_PER_SECOND = 150_000.0
"""Search steps (:func:`step_limit`) per second of ``time_limit`` at up to 100 orders without soft
targets; scaled by :meth:`OrToolsEngine.search_rate`. The slowest literature instance ran at
183,000 with the other core busy in the run before the committed one (361,000 in
``benchmarks/results/engine_speed.md``, on a machine about twice as fast)."""
SOFT_TARGET_SLOWDOWN = 0.15
"""Search speed with soft delivery targets relative to without (``SetCumulVarSoftUpperBound``
filters) from :data:`SOFT_TARGET_FROM` × 2 orders on: 83,000 against 188,000 steps/s at 100
``expanded`` orders, 4,000 against 83,000 at 200, 590 against 5,700 at 500 (the slower machine
before; the committed ``benchmarks/results/engine_speed.md``: 130,000 / 344,000, 16,000 /
148,000, 1,360 / 10,800); with the size factor the model stays below each."""
SOFT_TARGET_FROM = 50
"""Up to this many orders soft targets barely slow the search (``expanded`` with the targets:
473,000 and 328,000 steps/s at 20 and 50 orders, 2.2–3.2 × the model,
``benchmarks/results/engine_speed.md``; by hand on the slower machine before, 214,000–288,000 on
``historic`` and ``expanded`` at 20–50, 99,000 at 70); the slowdown grows geometrically to
:data:`SOFT_TARGET_SLOWDOWN` at twice as many."""
FIRST_SOLUTION_STEPS = 200
"""Steps allowed for a first solution beyond one per routing node (parallel cheapest insertion
took 70–140 steps in all on 20–200 orders, by hand)."""
GREEDY_START_SHARE = 0.25
"""Above this share of the time limit for :func:`first_solution_seconds`, start from greedy."""


def first_solution_seconds(inst: Instance) -> float:
    """Estimated seconds of OR-Tools' parallel cheapest insertion on ``inst``: cubic in the
    number of orders, scaled from :data:`PCI_SECONDS_AT_200` (an upper estimate: it predicts
    0.21 s, 27 s and 213 s at 100, 500 and 1,000 orders against 0.09–0.19 s, 7.1–14.8 s and 71 s
    measured)."""
    return PCI_SECONDS_AT_200 * (inst.n / 200) ** 3


def _params(time_limit: float, first: str, solution_limit: int | None = None) -> Any:
    pywrapcp: Any = require("ortools.constraint_solver.pywrapcp", "ortools")
    enums: Any = require("ortools.constraint_solver.routing_enums_pb2", "ortools")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(enums.FirstSolutionStrategy, first)
    params.local_search_metaheuristic = enums.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    if solution_limit is not None:
        params.solution_limit = solution_limit
    params.log_search = False
    return params


@dataclass(eq=False)
class StepCounter:
    """The search steps a :func:`step_limit` has counted (``steps``) of its ``budget``, and its
    OR-Tools limit (``keep``: alive, with its callback, as long as the counter is)."""

    budget: int
    steps: int = 0
    keep: Any = None


def step_limit(routing: Any, budget: int) -> StepCounter:
    """End ``routing``'s search after ``budget`` search steps.

    A step is one check of a ``CustomLimit`` that counts its own calls: OR-Tools checks its
    search limits at every decision and at every candidate move of the local search (R111:
    433,010 steps for 431,309 neighbours), so the count follows the work done, not the clock,
    and the stop — and the plan — is the same on every run. One Python call per check slows the
    search 1.13–1.64× (``benchmarks/ortools_counter.py``), against 1.79–2.75× for a search
    monitor counting the neighbours (``AcceptDelta``), the unit used before.
    """
    counter = StepCounter(budget)

    def check() -> bool:
        counter.steps += 1
        return counter.steps >= counter.budget

    counter.keep = routing.solver().CustomLimit(check)
    routing.AddSearchMonitor(counter.keep)
    return counter


def _extract(inst: Instance, model: RoutingModel, assignment: Any) -> list[list[int]]:
    routing, manager = model.routing, model.manager
    routes: list[list[int]] = []
    for r in range(inst.m):
        seq: list[int] = []
        index = assignment.Value(routing.NextVar(routing.Start(r)))
        while not routing.IsEnd(index):
            seq.append(model.nodes[manager.IndexToNode(index)])
            index = assignment.Value(routing.NextVar(index))
        routes.append(seq)
    return routes


class OrToolsEngine:
    """OR-Tools routing with every medroute rule modelled (see the module docstring).

    Parameters
    ----------
    steps_per_second : the search stops after ``search_rate(instance) * time_limit`` search
        steps (:func:`step_limit`) or at ``time_limit``, whichever comes first; this is the rate
        at up to 100 orders without soft targets. The step budget makes the result independent
        of machine speed and load whenever it binds first; OR-Tools routing is single-threaded
        and has no random seed, so the same input then gives the same plan. Notes say when the
        clock stopped the search instead. ``None``: no budget and no counter — OR-Tools at full
        speed until ``time_limit``, every run clock-stopped (the counter costs 1.13–1.64×,
        ``benchmarks/ortools_counter.py``); use it to compare OR-Tools itself rather than a
        reproducible plan.
    steps : a fixed step budget instead (at least 1), e.g. when the caller's ``time_limit``
        depends on the clock but the plan should not.
    """

    name = "ortools"

    def __init__(self, *, steps_per_second: float | None = STEPS_PER_SECOND, steps: int | None = None) -> None:
        if steps is not None and steps < 1:
            raise ValueError(f"ortools engine: steps must be >= 1, got {steps}")
        if steps_per_second is not None and steps_per_second <= 0:
            raise ValueError(f"ortools engine: steps_per_second must be > 0, got {steps_per_second}")
        self.steps_per_second = steps_per_second
        self.steps = steps

    def search_rate(self, instance: Instance) -> float:
        """Modelled speed of the guided local search on ``instance``, steps per second.

        ``steps_per_second`` × ``min(1, (100 / n) ** 2.7)`` for ``n`` orders (measured on
        ``expanded`` without soft targets: 188,000, 83,000 and 5,700 steps/s at 100, 200 and 500
        orders on the slower machine, 344,000, 148,000 and 10,800 in the committed run) ×
        ``sqrt((n + 1) / 8)`` below 7 orders (tiny instances reach a local optimum at every move)
        × :data:`SOFT_TARGET_SLOWDOWN` when an order has a soft target (from 100 orders; none up
        to :data:`SOFT_TARGET_FROM`, geometric in between). The
        literature (no soft targets, up to 100 orders) ran at 183,000–927,000 with the other core
        busy (1.22–6.2 × the model) on the slower machine, 361,000–1,130,000 (2.4–7.5 ×) in
        ``benchmarks/results/engine_speed.md``.
        """
        inst = instance
        n = max(1, inst.n)
        base = self.steps_per_second or STEPS_PER_SECOND
        rate = float(base * min(1.0, (100 / n) ** 2.7) * min(1.0, ((n + 1) / 8) ** 0.5))
        if bool(np.any((inst.target < NO_LIMIT) & (inst.late_cost > 0))):
            rate *= SOFT_TARGET_SLOWDOWN ** min(1.0, max(0.0, math.log2(n / SOFT_TARGET_FROM)))
        return rate

    def budget(self, instance: Instance, time_limit: float) -> int | None:
        """Search steps within ``time_limit`` seconds (or the fixed budget); ``None`` without one.
        :meth:`solve` adds the steps of a first solution (one per routing node, plus
        :data:`FIRST_SOLUTION_STEPS`)."""
        if self.steps is not None:
            return self.steps
        if self.steps_per_second is None:
            return None
        return max(1, int(self.search_rate(instance) * time_limit))

    def supports(self, instance: Instance) -> bool | str:
        """``True`` when OR-Tools is installed, else the sentence naming the pip extra."""
        try:
            require("ortools.constraint_solver.pywrapcp", "ortools")
        except ImportError as exc:
            return str(exc)
        return True

    def solve(self, instance: Instance, *, time_limit: float, seed: int,
              initial: Sequence[Sequence[int]] | None = None) -> EngineResult:
        """Build the model and search for at most ``time_limit`` seconds (model build included).

        Parameters
        ----------
        instance : the compiled problem.
        time_limit : wall-clock budget, seconds.
        seed : unused: OR-Tools routing has no random seed and is deterministic up to the
            step budget (see the class docstring).
        initial : optional per-rider node sequences to start the search from; nodes not in the
            model are ignored. If OR-Tools cannot restore them, the search starts from scratch.
            Without them, an instance too large for OR-Tools' own first solution within a quarter
            of ``time_limit`` starts from the greedy dispatcher's plan.

        Returns
        -------
        EngineResult
            Per-rider node sequences that all time with ``schedule_route``; orders left out of the
            model carry a reason, those the search dropped are explained by :mod:`medroute.explain`.
        """
        t0 = time.perf_counter()
        inst = instance
        if inst.m == 0:
            return EngineResult((), dict.fromkeys(inst.open_orders, Reason.NO_RIDER), ("ortools: no riders",))
        model = build_model(inst)
        routing = model.routing
        notes = list(model.notes)
        budget = self.budget(inst, time_limit)
        if budget is not None:
            # Restoring a start plan (or constructing one) is a decision, so a step, per node:
            # the budget covers that too, so that a small one still returns the start.
            budget += len(model.nodes) + 2 * inst.m + FIRST_SOLUTION_STEPS
        counter = step_limit(routing, budget) if budget is not None else None
        left = max(0.05, time_limit - (time.perf_counter() - t0) - 0.05)
        solution = None
        if initial is None and first_solution_seconds(inst) > GREEDY_START_SHARE * time_limit:
            from .greedy import GreedyEngine

            initial = GreedyEngine().solve(inst, time_limit=0.5 * left, seed=seed).routes
            notes.append(f"ortools: started from the greedy dispatcher's plan (its own first solution "
                         f"would take about {first_solution_seconds(inst):.0f} s at {inst.n} orders)")
            left = max(0.05, time_limit - (time.perf_counter() - t0) - 0.05)
        if initial is not None:
            seqs = [[model.index_of[v] for v in seq if v in model.index_of] for seq in initial]
            seqs += [[] for _ in range(inst.m - len(seqs))]
            start = routing.ReadAssignmentFromRoutes(seqs[: inst.m], True)
            if start is None:
                notes.append("ortools: initial routes could not be restored; searching from scratch")
            else:
                params = _params(left, "PARALLEL_CHEAPEST_INSERTION")
                solution = routing.SolveFromAssignmentWithParameters(start, params)
        for first in ("PARALLEL_CHEAPEST_INSERTION", "ALL_UNPERFORMED"):
            if solution is not None:
                break
            left = time_limit - (time.perf_counter() - t0) - 0.05
            if left <= 0.01:
                break
            solution = routing.SolveWithParameters(_params(left, first))
            if solution is None:
                notes.append(f"ortools: no solution from {first.lower()}")
        elapsed = time.perf_counter() - t0
        if solution is None:
            notes.append("ortools: no solution found in time; every order is left unassigned")
            routes: list[list[int]] = [[inst.delivery(k) for k in range(inst.n) if inst.carried_by[k] == r]
                                       for r in range(inst.m)]
            return EngineResult(tuple(tuple(s) for s in routes), dict(model.left_out), tuple(notes),
                                clock_stopped=True)
        # Under budget at the limit (which keeps 0.05 s for extraction): the clock stopped it; a
        # search that ran out of moves early did not.
        if counter is None:
            clock = True
            notes.append(f"ortools: no step budget; searched until the {time_limit:.1f} s time limit, "
                         "so the plan may vary from run to run")
        else:
            used, budget = counter.steps, counter.budget
            clock = used < budget and elapsed >= 0.9 * time_limit - 0.1
            if clock:
                notes.append(f"ortools: stopped by the {time_limit:.1f} s time limit after {used:,} of "
                             f"{budget:,} search steps; the plan may vary from run to run")
            else:
                notes.append(f"ortools: {used:,} of {budget:,} search steps")
        notes.append(f"ortools: objective {solution.ObjectiveValue() / 100:,.0f} Rp (model units)")
        routes, reasons, more = drop_untimable(inst, _extract(inst, model, solution), label="ortools")
        notes.extend(more)
        return EngineResult(tuple(tuple(s) for s in routes), {**model.left_out, **reasons}, tuple(notes),
                            clock_stopped=clock)
