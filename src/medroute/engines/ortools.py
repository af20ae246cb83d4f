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
* the out-of-fridge budget: an exact conditional constraint
  ``cumul(d) - cumul(p) <= service(p) + budget[vehicle(p)]`` (budgets may differ by cool box),
  and, when every allowed rider gives order ``k`` the same budget, also the native
  ``SetPickupToDeliveryLimitFunctionForPair``, which guides the insertion heuristics but alone
  let the local search return plans over a budget;
* orders already on board: a delivery node only, fixed to the carrying rider, its cumul bounded
  by ``carried_since + budget``;
* soft targets via ``SetCumulVarSoftUpperBound``; every order sits in a disjunction: optional
  ones at their drop cost, required ones at :data:`REQUIRED_PENALTY`, so an instance with an
  unservable order still returns, with that order unassigned;
* per-rider arc costs from :meth:`Instance.arc_cost` and the fixed cost ``inst.rider_cost``.

Search: parallel cheapest insertion (or the caller's initial plan), then guided local search
until the :mod:`medroute.stop` criterion. Parallel cheapest insertion grows with about the cube of
the number of orders (figures in ``docs/engines.md``) and checks neither a search monitor nor,
on large instances with out-of-fridge budgets, OR-Tools' own time limit often enough (2,000 orders:
5 s asked, over 100 s taken). So with a clock it gets :data:`FIRST_SOLUTION_SHARE` of the time
left, in a forked child killed at that deadline
(:func:`~medroute.engines.deadline.run_with_deadline`; in-process where a process may not fork);
where that cuts it (no order placed), the search starts from the greedy dispatcher's plan instead.
The local search runs in such a child too when only the clock counts. Building the model checks
the clock between its phases. Extracted routes are re-timed with
:func:`~medroute.schedule.schedule_route`; an order whose route does not time is removed and noted
(this should not happen).
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
from ..stats import Progress, SolveStats, StageStats
from ..stop import MaxRuntime, Meter, Stop, StopReason, budget_of
from .base import SUPPORTED, EngineResult, Support, carried_routes
from .deadline import run_with_deadline
from .work import per_unit

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
    manager, routing
        The ``RoutingIndexManager`` and ``RoutingModel``.
    time
        The ``time`` dimension (cumul = service start, seconds).
    nodes
        Medroute node of each routing node (starts and ends excluded: they come after).
    index_of
        Routing index of each medroute node in the model.
    left_out
        Orders not in the model (no usable rider), with a reason.
    notes
        Sentences about what the model had to bend.
    keep
        Python objects OR-Tools calls back into (kept alive with the model).
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
        elif not usable[k]:  # no rider may carry it, or none can even ride from start to end in the shift
            left[k] = Reason.SHIFT if inst.allowed[k].any() else Reason.NO_RIDER
        elif not inst.windows[k] or not inst.windows[inst.delivery(k)]:
            left[k] = Reason.TIME_WINDOW
        else:
            picked.append(k)
    return picked, carried, left


def _rows(mat: NDArray[Any], locs: NDArray[np.int64], dummy: NDArray[np.bool_],
          cancelled: Callable[[float], bool], plus: NDArray[np.int64] | None = None) -> list[list[int]] | None:
    """``mat`` restricted to routing nodes (rows and columns ``locs``; dummy nodes cost 0, then
    ``plus[row]`` added to every row), as the lists OR-Tools registers, or ``None`` once
    ``cancelled``. Built a sixteenth of the rows at a time with ``cancelled(0)`` asked in between,
    then ``cancelled(seconds the conversion took)``: registering copies every entry once more,
    about as long (at 2,000 orders each takes seconds)."""
    t0 = time.perf_counter()
    rows = np.where(dummy, 0, locs)
    out: list[list[int]] = []
    for block in np.array_split(np.arange(len(rows)), 16):
        part = mat[np.ix_(rows[block], rows)]
        part[:, dummy] = 0
        part[dummy[block], :] = 0
        out.extend((part if plus is None else part + plus[block, None]).tolist())
        if cancelled(0.0):
            return None
    return None if cancelled(time.perf_counter() - t0) else out


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


@dataclass(eq=False)
class _Build:
    """What the steps of :func:`build_model` share."""

    inst: Instance
    model: RoutingModel
    usable: NDArray[np.bool_]
    picked: list[int]
    carried: list[int]
    locs: NDArray[np.int64]
    dummy: NDArray[np.bool_]
    service: NDArray[np.int64]
    cancelled: Callable[[float], bool]
    horizon: int = 0


def build_model(inst: Instance, *, cancelled: Callable[[float], bool] = lambda _: False) -> RoutingModel | None:
    """Translate ``inst`` into an OR-Tools routing model (see the module docstring), or ``None``
    if ``cancelled(seconds)`` turns true between two of the build's steps, ``seconds`` being how
    long the next step will take (a clock running out): see :func:`_rows`.

    Built with numpy: the matrices over routing nodes are fancy-indexed, one per distinct
    duration matrix and per distinct (duration, distance) pair, never per rider pair in Python.
    """
    pywrapcp: Any = require("ortools.constraint_solver.pywrapcp", "ortools")
    usable = np.array([_empty_route_ok(inst, r) for r in range(inst.m)], dtype=bool)
    picked, carried, left = _routed(inst, usable)
    nodes = [*picked, *(inst.delivery(k) for k in picked), *(inst.delivery(k) for k in carried)]
    n_nodes, m = len(nodes), inst.m
    manager = pywrapcp.RoutingIndexManager(n_nodes + 2 * m, m, list(range(n_nodes, n_nodes + m)),
                                           list(range(n_nodes + m, n_nodes + 2 * m)))
    model = RoutingModel(manager, pywrapcp.RoutingModel(manager), None, nodes, {}, left)
    node_arr = np.array(nodes, dtype=np.int64)
    locs = np.concatenate([inst.node_loc[node_arr].astype(np.int64) if nodes else np.zeros(0, np.int64),
                           inst.start_loc.astype(np.int64), inst.end_loc.astype(np.int64)])
    service = np.concatenate([inst.service[node_arr] if nodes else np.zeros(0, np.int64),
                              np.zeros(2 * m, np.int64)]).astype(np.int64)
    b = _Build(inst, model, usable, picked, carried, locs, locs < 0, service, cancelled)
    if cancelled(0.0) or not _time_and_costs(b):
        return None
    _riders(b)
    if not _nodes(b) or cancelled(0.0) or not _pairs(b):
        return None
    _targets_and_carried(b)
    _capacities(b)
    return model


def _time_and_costs(b: _Build) -> bool:
    """The time dimension (one transit matrix per distinct duration matrix) and the arc costs
    (one per distinct (duration, distance) pair); ``False`` if cancelled."""
    inst, routing = b.inst, b.model.routing
    time_cb: dict[int, int] = {}
    for c in sorted({int(x) for x in inst.rider_durations}):
        rows = _rows(inst.durations[c], b.locs, b.dummy, b.cancelled, plus=b.service)
        if rows is None:
            return False
        time_cb[c] = routing.RegisterTransitMatrix(rows)
    b.horizon = int(max([max((int(x) for x in inst.shift_end), default=0), 24 * 3600]
                        + [w[-1][1] for w in inst.windows if w]))
    routing.AddDimensionWithVehicleTransits([time_cb[int(c)] for c in inst.rider_durations],
                                            b.horizon, b.horizon, False, "time")
    b.model.time = routing.GetDimensionOrDie("time")
    cost_cb: dict[tuple[int, int], int] = {}
    for r in range(inst.m):
        key = (int(inst.rider_durations[r]), int(inst.rider_distances[r]))
        if key not in cost_cb:
            rows = _rows(inst.arc_cost(r), b.locs, b.dummy, b.cancelled)
            if rows is None:
                return False
            cost_cb[key] = routing.RegisterTransitMatrix(rows)
        routing.SetArcCostEvaluatorOfVehicle(cost_cb[key], r)
    routing.SetFixedCostOfAllVehicles(round(inst.rider_cost))
    return True


def _riders(b: _Build) -> None:
    """Departure, shift, working time; riders who cannot even ride start → end take nothing."""
    inst, routing, tdim = b.inst, b.model.routing, b.model.time
    for r in range(inst.m):
        tdim.CumulVar(routing.Start(r)).SetRange(int(inst.depart[r]), int(inst.shift_end[r]))
        if not b.usable[r]:
            b.model.notes.append(f"ortools: rider {inst.problem.riders[r].id!r} cannot reach their end "
                                 "inside the shift; given no orders")
            continue
        tdim.CumulVar(routing.End(r)).SetMax(int(inst.shift_end[r]))
        if inst.max_work[r] < NO_LIMIT:
            tdim.SetSpanUpperBoundForVehicle(int(inst.max_work[r]), r)


def _nodes(b: _Build) -> bool:
    """Windows and allowed riders of every node; ``False`` if cancelled."""
    inst, model = b.inst, b.model
    for i, v in enumerate(model.nodes):
        if i % CANCEL_EVERY == 0 and b.cancelled(0.0):
            return False
        index = model.manager.NodeToIndex(i)
        model.index_of[v] = index
        ws = inst.windows[v]
        cv = model.time.CumulVar(index)
        cv.SetRange(int(ws[0][0]), int(ws[-1][1]))
        for (_, hi), (lo, _) in pairwise(ws):
            if hi + 1 <= lo - 1:
                cv.RemoveInterval(int(hi) + 1, int(lo) - 1)
        k = inst.order_of(v)
        riders = np.flatnonzero(inst.allowed[k] & b.usable)
        if inst.carried_by[k] >= 0:
            riders = np.array([inst.carried_by[k]])
        if len(riders) < inst.m:
            # SetAllowedVehiclesForIndex's absl::Span argument is not wrapped in 9.15's Python
            # API; restricting the vehicle variable is equivalent (-1 keeps the node droppable).
            model.routing.VehicleVar(index).SetValues([-1, *(int(x) for x in riders)])
    return True


def _pairs(b: _Build) -> bool:
    """Pickup and delivery pairs, out-of-fridge budgets, drop penalties; ``False`` if cancelled."""
    inst, model = b.inst, b.model
    routing, tdim = model.routing, model.time
    solver, big = routing.solver(), 2 * b.horizon + 1
    for pair, k in enumerate(b.picked):
        if pair % CANCEL_EVERY == 0 and b.cancelled(0.0):
            return False
        p, d = model.index_of[k], model.index_of[inst.delivery(k)]
        routing.AddPickupAndDelivery(p, d)
        solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
        solver.Add(tdim.CumulVar(p) <= tdim.CumulVar(d))
        limits = inst.max_ride[k, np.flatnonzero(inst.allowed[k] & b.usable)]
        if len(limits) and int(limits.min()) < NO_LIMIT:
            s = int(inst.service[k])
            if int(limits.min()) == int(limits.max()):  # guides the insertion and its filters
                fn = _constant(s + int(limits[0]))
                model.keep.append(fn)
                tdim.SetPickupToDeliveryLimitFunctionForPair(fn, pair)
            per_vehicle = [big] + [s + int(inst.max_ride[k, r]) if inst.allowed[k, r] else big
                                   for r in range(inst.m)]
            shifted = (routing.VehicleVar(p) + 1).Var()
            solver.Add(tdim.CumulVar(d) - tdim.CumulVar(p) <= solver.Element(per_vehicle, shifted))
        penalty = REQUIRED_PENALTY if inst.required[k] else round(float(inst.drop_cost[k]))
        routing.AddDisjunction([p, d], penalty, 2, routing.PENALIZE_ONCE)
    return True


def _targets_and_carried(b: _Build) -> None:
    """Soft targets, and the deliveries of orders already on board (bounded by their budget)."""
    inst, model = b.inst, b.model
    tdim = model.time
    for k in [*b.picked, *b.carried]:
        d = model.index_of[inst.delivery(k)]
        if inst.target[k] < NO_LIMIT and inst.late_cost[k] > 0:
            tdim.SetCumulVarSoftUpperBound(d, int(inst.target[k]), max(1, round(float(inst.late_cost[k]))))
    for k in b.carried:
        r, d = int(inst.carried_by[k]), model.index_of[inst.delivery(k)]
        cv = tdim.CumulVar(d)
        bound = int(inst.carried_since[k] + inst.max_ride[k, r]) if inst.max_ride[k, r] < NO_LIMIT else b.horizon
        if bound >= cv.Min():
            cv.SetMax(min(bound, cv.Max()))
        else:
            model.notes.append(f"ortools: order {inst.problem.orders[k].id!r} is on board past its "
                               "out-of-fridge budget")
        model.routing.AddDisjunction([d], CARRIED_PENALTY)


def _capacities(b: _Build) -> None:
    """The capacity dimensions in use; what riders carry is preloaded in the start cumul."""
    inst, model = b.inst, b.model
    routing, m = model.routing, inst.m
    load = np.zeros((m, len(DIMS)), dtype=np.int64)
    for k in b.carried:
        load[int(inst.carried_by[k])] += inst.demand[k]
    for dim, name in enumerate(DIMS):
        demand = np.zeros(len(model.nodes) + 2 * m, dtype=np.int64)
        for i, v in enumerate(model.nodes):
            demand[i] = (1 if inst.is_pickup(v) else -1) * int(inst.demand[inst.order_of(v), dim])
        if not demand.any() and not load[:, dim].any():
            continue
        cb = routing.RegisterUnaryTransitVector(demand.tolist())
        cap = [int(x) for x in inst.capacity[:, dim]]
        routing.AddDimensionWithVehicleCapacity(cb, 0, cap, False, name)
        cdim = routing.GetDimensionOrDie(name)
        for r in range(m):
            cdim.CumulVar(routing.Start(r)).SetValue(int(min(load[r, dim], cap[r])))


CANCEL_EVERY = 128
"""Nodes or pairs :func:`build_model` adds between two checks of its ``cancelled``."""
FIRST_SOLUTION_STEPS = 200
"""Steps allowed for a first solution beyond one per routing node (parallel cheapest insertion
took 70–140 steps in all on 20–200 orders, by hand): restoring or building the start is not
counted as work."""
FIRST_SOLUTION_SHARE = 0.5
"""Share of the seconds left that OR-Tools' own first solution may take (with a clock); a first
solution the clock cut is replaced by the greedy dispatcher's plan."""


NO_CLOCK_S = 86400
"""OR-Tools' clock limits (the search's and each large-neighbourhood completion's, 0.1 s by
default) with a work budget, seconds: in effect none, so that the step counter alone ends the
search and the plan is the same on a loaded or slower machine."""


def _params(time_limit: float | None, first: str, solution_limit: int | None = None) -> Any:
    """OR-Tools' search parameters: ``first`` solution strategy, guided local search, and
    ``time_limit`` seconds (``None``: no clock, :data:`NO_CLOCK_S` on both of its clocks)."""
    pywrapcp: Any = require("ortools.constraint_solver.pywrapcp", "ortools")
    enums: Any = require("ortools.constraint_solver.routing_enums_pb2", "ortools")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(enums.FirstSolutionStrategy, first)
    params.local_search_metaheuristic = enums.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    # Without a clock (work budgets) a day: OR-Tools warns about guided local search without one.
    params.time_limit.FromMilliseconds(max(1, int((NO_CLOCK_S if time_limit is None else time_limit) * 1000)))
    if time_limit is None:  # its 0.1-s clock on each neighbour's completion would make plans depend on speed
        params.lns_time_limit.FromSeconds(NO_CLOCK_S)
    if solution_limit is not None:
        params.solution_limit = solution_limit
    params.log_search = False
    return params


@dataclass(eq=False)
class StepCounter:
    """The search steps a :func:`step_limit` has counted (``steps``) and its OR-Tools limit
    (``keep``: alive, with its callback, as long as the counter is)."""

    steps: int = 0
    keep: Any = None


def step_limit(routing: Any, meter: Meter, per_step: float, free: int = 0) -> StepCounter:
    """End ``routing``'s search when ``meter`` says so, each search step counting ``per_step``
    work units after the first ``free`` ones (restoring or building the start).

    A step is one check of a ``CustomLimit`` that counts its own calls: OR-Tools checks its
    search limits at every decision and at every candidate move of the local search, so the
    count follows the work done, not the clock, and the stop — and the plan — is the same on
    every run. One Python call per check slows the search (measured in ``docs/engines.md``), so
    only a stop that counts work installs it.
    """
    counter = StepCounter()

    def check() -> bool:
        counter.steps += 1
        if counter.steps > free:
            meter.add(per_step)
        return meter.done()

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


def steps_per_unit(instance: Instance) -> float:
    """OR-Tools' search steps in one reference second on ``instance`` (the committed work rates,
    with soft targets where it has them)."""
    soft = bool(np.any((instance.target < NO_LIMIT) & (instance.late_cost > 0)))
    return per_unit("ortools_soft" if soft else "ortools", instance.n)


def step_work(instance: Instance, stop: Stop) -> float:
    """Work units of one OR-Tools search step on ``instance`` (0 when ``stop`` counts no work)."""
    if not budget_of(stop).counts_work:
        return 0.0
    return 1.0 / steps_per_unit(instance)


def _first_solution(inst: Instance, model: RoutingModel, meter: Meter, seed: int,
                    notes: list[str]) -> Any:
    """OR-Tools' own first solution (parallel cheapest insertion); with a clock, within
    :data:`FIRST_SOLUTION_SHARE` of the seconds left in a child killed at that deadline, else the
    greedy dispatcher's plan restored."""
    routing = model.routing
    left = meter.seconds_left()
    limit = FIRST_SOLUTION_SHARE * left if math.isfinite(left) else None
    params = _params(limit, "PARALLEL_CHEAPEST_INSERTION", solution_limit=1)
    if limit is None:
        return routing.SolveWithParameters(params)

    def own() -> list[list[int]] | None:
        found = routing.SolveWithParameters(params)
        return None if found is None else _extract(inst, model, found)

    routes = run_with_deadline(own, limit, engine="ortools", notes=notes)
    if routes is not None and any(routes):
        return _restore(model, inst, routes)
    if not inst.open_orders or meter.done():
        return None if routes is None else _restore(model, inst, routes)
    from .greedy import GreedyEngine

    start = GreedyEngine().solve(inst, stop=MaxRuntime(max(1e-3, 0.5 * meter.seconds_left())), seed=seed).routes
    notes.append("ortools: its own first solution was cut by the clock; started from the greedy dispatcher's plan")
    return _restore(model, inst, start)


def _local_search(inst: Instance, model: RoutingModel, start: Any, meter: Meter, *, guarded: bool,
                  notes: list[str]) -> tuple[list[list[int]], float]:
    """Guided local search from ``start`` until the clock (or the step counter): the routes and
    OR-Tools' objective. ``guarded`` (a clock alone) runs it in a child killed at the deadline,
    since OR-Tools overruns its own time limit on large instances; a killed search keeps ``start``."""
    left = meter.seconds_left()
    params = _params(max(0.01, left - 0.05) if math.isfinite(left) else None, "PARALLEL_CHEAPEST_INSERTION")

    def search() -> tuple[list[list[int]], float]:
        found = model.routing.SolveFromAssignmentWithParameters(start, params) or start
        return _extract(inst, model, found), float(found.ObjectiveValue())

    if not guarded or not math.isfinite(left):
        return search()
    got = run_with_deadline(search, left, engine="ortools", notes=notes)
    if got is None:
        notes.append("ortools: the clock ended inside OR-Tools' local search; its start plan is kept")
        return _extract(inst, model, start), float(start.ObjectiveValue())
    return got


def _restore(model: RoutingModel, inst: Instance, routes: Sequence[Sequence[int]]) -> Any:
    """An OR-Tools assignment for per-rider node sequences (nodes not in the model ignored), or
    ``None`` if OR-Tools cannot restore it."""
    seqs = [[model.index_of[v] for v in seq if v in model.index_of] for seq in routes]
    seqs += [[] for _ in range(inst.m - len(seqs))]
    return model.routing.ReadAssignmentFromRoutes(seqs[: inst.m], True)


class OrToolsEngine:
    """OR-Tools routing with every medroute rule modelled (see the module docstring).

    The search stops at its :mod:`medroute.stop` criterion: with the clock alone, OR-Tools' own
    time limit at full speed (the plan may vary from run to run); with work, a step counter
    (:func:`step_limit`) ends it after the same number of steps on every run (OR-Tools routing is
    single-threaded and has no random seed, so the same input then gives the same plan).
    """

    name = "ortools"

    def supports(self, instance: Instance) -> Support:
        """Supported when OR-Tools is installed, else the sentence naming the pip extra."""
        try:
            require("ortools.constraint_solver.pywrapcp", "ortools")
        except ImportError as exc:
            return Support(str(exc))
        return SUPPORTED

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        """Build the model and search until ``stop`` (model building included in its clock).

        Parameters
        ----------
        instance
            The compiled problem.
        stop
            The clock and/or work (one search step counts :func:`step_work` units).
        seed
            Unused: OR-Tools routing has no random seed and is deterministic up to the step
            count (see the class docstring).
        initial
            Optional per-rider node sequences to start the search from; nodes not in the
            model are ignored. If OR-Tools cannot restore them, it builds its own start.
        progress
            Ignored (one stage; see :func:`medroute.solve`).

        Returns
        -------
        EngineResult
            Per-rider node sequences that all time with ``schedule_route``; orders left out of the
            model carry a reason, those the search dropped are explained by :mod:`medroute.explain`.
        """
        inst = instance
        meter = Meter(stop)
        carried = carried_routes(inst)
        if inst.m == 0 or meter.done():
            reasons = dict.fromkeys(inst.open_orders, Reason.NO_RIDER if inst.m == 0 else Reason.SEARCH_LIMIT)
            return self._result(meter, carried, reasons, ["ortools: no riders" if inst.m == 0 else
                                                          "ortools: no time left to build the model"])
        model = build_model(inst, cancelled=lambda need: meter.done() or meter.seconds_left() < need)
        if model is None:
            return self._result(meter, carried, {}, ["ortools: the clock ended while building the model"])
        notes = list(model.notes)
        per_step = step_work(inst, stop)
        counter = None
        if per_step > 0:
            free = len(model.nodes) + 2 * inst.m + FIRST_SOLUTION_STEPS
            counter = step_limit(model.routing, meter, per_step, free=free)
        start = _restore(model, inst, initial) if initial is not None else None
        if initial is not None and start is None:
            notes.append("ortools: initial routes could not be restored; searching from its own start")
        if start is None:
            start = _first_solution(inst, model, meter, seed, notes)
        if start is None:
            notes.append("ortools: no solution found; every order is left unassigned")
            return self._result(meter, carried, dict(model.left_out), notes)
        found, objective = _local_search(inst, model, start, meter, guarded=counter is None, notes=notes)
        if meter.stopped_by is None:
            ended = meter.seconds_left() < 0.1 + 0.1 * meter.budget.seconds
            meter.stopped_by = StopReason.CLOCK if ended else StopReason.DONE
        notes.append(f"ortools: objective {objective / 100:,.0f} Rp (model units)"
                     + (f", {counter.steps:,} search steps" if counter is not None else ""))
        routes, reasons, more = drop_untimable(inst, found, label="ortools")
        return self._result(meter, tuple(tuple(s) for s in routes), {**model.left_out, **reasons}, [*notes, *more],
                            objective)

    def _result(self, meter: Meter, routes: tuple[tuple[int, ...], ...], reasons: dict[int, Reason],
                notes: Sequence[str], objective: float | None = None) -> EngineResult:
        stage = StageStats(self.name, meter.elapsed(), meter.work, meter.stopped_by or StopReason.CLOCK, objective)
        return EngineResult(routes, reasons, tuple(notes), SolveStats.combine((stage,), meter.elapsed()))
