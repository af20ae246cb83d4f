"""The PyVRP engine: medroute orders as PyVRP 0.14 *shipments* (paired pickup and delivery).

PyVRP 0.14 models paired pickup-and-delivery natively (:class:`pyvrp.Shipment`: picked up and
delivered by the same vehicle, pickup first), so every order becomes one shipment and general
PDPTW instances (Li & Lim) are solvable here. What the translation keeps exactly:

* rider starts and ends as depots (``VehicleType(start_depot, end_depot)``); an open end is a
  depot at a dummy location that is zero seconds and zero cost from everywhere;
* a pickup window from the pharmacy opening cut at the release time, a delivery window from
  the order's hard windows (a single window each, see below);
* capacities in every :data:`~medroute.compile.DIMS` dimension an order uses; cool boxes through
  the cold dimensions (a rider without one has capacity 0 there); any other restriction on
  which rider may carry an order (locks, orders already on board) through one extra dimension
  per distinct set of allowed riders;
* shifts (``tw_early`` = earliest departure, ``tw_late`` = shift end) and working time
  (``shift_duration``);
* per-rider travel profiles and speed factors (one PyVRP profile per distinct matrix pair);
* riding cost: PyVRP's "distance" matrix *is* medroute's arc cost (metres × cost per metre +
  seconds × cost per second, integer cost units), ``unit_distance_cost = 1``;
* the fixed cost per rider used; every order optional with ``prize`` = its drop cost (plus, for
  a required order, more than any plan can cost), so that PyVRP serves every required order it
  can and otherwise minimises medroute's objective (routing + unserved) up to a constant;
* orders already on board (live dispatch) as required delivery-only clients of their rider.

What it cannot express is listed by :func:`relaxations` and said by
:meth:`PyVrpEngine.supports`: out-of-fridge budgets (a maximum pickup → delivery time; PyVRP
has no maximum ride time), several windows per stop (their hull is used) and soft delivery
targets (lateness cost is ignored by the search). :meth:`PyVrpEngine.solve` still runs on
such instances — as a relaxation — and its notes say what was relaxed and which routes no
longer time. The reload-depot / multi-trip feature of PyVRP 0.14 (``reload_depots``) is not
needed: shipments already let a rider go back to a pharmacy mid-route.

Determinism: PyVRP's iterated local search is deterministic for a seed and an iteration count,
not for a wall-clock budget. The engine stops when its :mod:`medroute.stop` criterion says so,
counting each iteration as :func:`iteration_work` units; ``stats.stopped_by`` says whether the
clock or work ended it (only the clock can make the same seed give a different plan).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..compile import DIMS, NO_LIMIT, Instance
from ..reasons import Reason
from ..schedule import Infeasible, schedule_route
from ..stats import Progress, SolveStats, StageStats
from ..stop import Meter, Stop, StopReason, budget_of
from .base import (
    EngineResult,
    Relaxation,
    Support,
    relaxation,
    relaxed_support,
    ride_budgets,
    routed_orders,
    soft_targets,
    window_hull,
)
from .deadline import run_with_deadline
from .work import per_unit

if TYPE_CHECKING:
    import pyvrp as pyvrp_types

LOAD_SCALE = 1_000_000
"""Capacity units the largest capacity of each load dimension is scaled to (see :func:`build_model`)."""
DEFAULT_MAX_PENALTY = 1e5
"""PyVRP's own cap on a penalty per unit of violation."""
SAFE_PENALTY = 2.0**62
"""Largest total penalty a PyVRP solution may reach. PyVRP multiplies excess load and time warp
by their penalties in 64-bit integers; past 2⁶³ the product wraps round, a worse plan looks
better and PyVRP's local search never ends (loads of 10⁹ with a Rp 10⁹ drop cost did)."""
FIXED_FLEET_PENALTY_SCALE = 10.0
"""On a fixed fleet the penalty cap is this many times PyVRP's default per unit of riding cost
(see :func:`_solve_params`)."""
PENALTY_UPDATE_EVERY = 50
"""Solutions between PyVRP penalty updates (PyVRP's default, 500, is more than short runs make)."""
def relaxations(inst: Instance) -> list[Relaxation]:
    """What of ``inst`` the PyVRP model leaves out, one entry per feature (empty = exact)."""
    ks = routed_orders(inst)
    several_d = [k for k in ks if len(inst.windows[inst.delivery(k)]) > 1]
    several_p = [k for k in ks if inst.carried_by[k] < 0 and len(inst.windows[inst.pickup(k)]) > 1]
    return [*relaxation(inst, ride_budgets(inst, ks), "out-of-fridge budgets (maximum ride time pickup → door) "
                        "on {orders}", hard=True),
            *relaxation(inst, several_d, "several delivery windows on {orders} (their hull is used)", hard=True),
            *relaxation(inst, several_p, "several pharmacy opening windows for the pickup of {orders} (their hull "
                        "is used)", hard=True),
            *soft_targets(inst, ks)]


@dataclass(frozen=True, eq=False)
class PyVrpModel:
    """A medroute instance translated to PyVRP.

    Attributes
    ----------
    data
        The :class:`pyvrp.ProblemData`.
    cost_per_second
        Cost units of a second of riding (the dearest arc's cost over its time, at
        least 1): the scale of PyVRP's penalty per second of time warp.
    ship_order
        Order index ``k`` of each PyVRP shipment.
    client_order
        Order index ``k`` of each PyVRP client (orders already on board, or loaded at
        the riders' start: see :func:`loaded_at_start`).
    type_riders
        Rider indices of each PyVRP vehicle type, in the order routes are assigned.
    rider_type
        PyVRP vehicle type of each rider.
    worst_violation
        The scale of the excess load (every dimension) plus time warp PyVRP's
        search meets (see :func:`_worst_violation`): what its penalties are multiplied by.
    """

    data: pyvrp_types.ProblemData
    cost_per_second: float
    ship_order: tuple[int, ...]
    client_order: tuple[int, ...]
    type_riders: tuple[tuple[int, ...], ...]
    rider_type: tuple[int, ...]
    worst_violation: int


def loaded_at_start(inst: Instance, k: int) -> bool:
    """Whether order ``k`` is picked up where every rider allowed to carry it starts, with no
    handover, inside its pickup window at that rider's departure: then picking it up is free and
    PyVRP can treat it as a plain delivery (the classic VRPTW depot, e.g. Solomon's)."""
    riders = np.flatnonzero(inst.allowed[k])
    return (inst.carried_by[k] < 0 and int(inst.service[k]) == 0 and len(riders) > 0
            and all(int(inst.start_loc[r]) == int(inst.node_loc[k])
                    and any(a <= int(inst.depart[r]) <= b for a, b in inst.windows[k]) for r in riders))


def pyvrp_nodes(inst: Instance) -> tuple[int, int]:
    """PyVRP nodes of ``inst``'s routed orders (a client counts 1, a shipment 2), and those of
    shipments alone."""
    ks = routed_orders(inst)
    clients = sum(1 for k in ks if inst.carried_by[k] >= 0 or loaded_at_start(inst, k))
    return 2 * len(ks) - clients, 2 * (len(ks) - clients)


class _Loads:
    """PyVRP's load dimensions for the orders ``ks``: the :data:`~medroute.compile.DIMS` an order
    uses, plus one per set of allowed riders the capacities do not imply (locks, orders on board).

    PyVRP penalises excess load per unit with one scale for every dimension (about 5e4 cost units
    at first): grams and parcels must weigh alike, so each dimension is multiplied by an integer
    factor bringing the largest capacity near :data:`LOAD_SCALE`. Exact: both sides scale.
    """

    def __init__(self, inst: Instance, ks: Sequence[int]) -> None:
        self.inst, self.n_orders = inst, len(ks)
        self.dims = [d for d in range(len(DIMS)) if any(inst.demand[k, d] > 0 for k in ks)]
        fits = np.all(inst.capacity[None, :, self.dims] >= inst.demand[ks][:, None, self.dims], axis=2) \
            if ks else np.zeros((0, inst.m), dtype=bool)
        self.signatures: dict[tuple[int, ...], int] = {}
        self.order_sig: dict[int, int] = {}
        for i, k in enumerate(ks):
            allowed = inst.allowed[k]
            if np.any(fits[i] & ~allowed):
                sig = tuple(int(r) for r in np.flatnonzero(allowed))
                self.order_sig[k] = self.signatures.setdefault(sig, len(self.signatures))
        self.scale = [max(1, LOAD_SCALE // max(1, int(np.max(inst.capacity[:, d], initial=1)))) for d in self.dims]
        self.scale += [max(1, LOAD_SCALE // max(1, len(ks)))] * len(self.signatures)

    @property
    def count(self) -> int:
        return len(self.scale)

    def amount(self, k: int) -> list[int]:
        extra = [0] * len(self.signatures)
        if k in self.order_sig:
            extra[self.order_sig[k]] = 1
        raw = [int(self.inst.demand[k, d]) for d in self.dims] + extra
        return [x * f for x, f in zip(raw, self.scale, strict=True)]

    def capacity(self, r: int) -> list[int]:
        raw = [int(self.inst.capacity[r, d]) for d in self.dims]
        raw += [self.n_orders if r in sig else 0 for sig in self.signatures]
        return [x * f for x, f in zip(raw, self.scale, strict=True)]


def _matrices(inst: Instance) -> tuple[list[tuple[int, int]], list[NDArray[np.int64]], list[NDArray[np.int64]]]:
    """One PyVRP profile per distinct (distance, duration) pair: its key, arc-cost ("distance")
    and duration matrices, each with a dummy last row and column for open ends (zero to and from)."""
    n_loc = int(inst.durations[0].shape[0])
    keys = list(dict.fromkeys((int(inst.rider_distances[r]), int(inst.rider_durations[r])) for r in range(inst.m)))
    dist_mats: list[NDArray[np.int64]] = []
    dur_mats: list[NDArray[np.int64]] = []
    for key in keys:
        r = next(r for r in range(inst.m) if (int(inst.rider_distances[r]), int(inst.rider_durations[r])) == key)
        cost = np.zeros((n_loc + 1, n_loc + 1), dtype=np.int64)
        cost[:n_loc, :n_loc] = inst.arc_cost(r)
        dur = np.zeros((n_loc + 1, n_loc + 1), dtype=np.int64)
        dur[:n_loc, :n_loc] = inst.duration(r)
        dist_mats.append(cost)
        dur_mats.append(dur)
    return keys, dist_mats, dur_mats


def _fleet(inst: Instance, loads: _Loads, profiles: list[tuple[int, int]]) -> tuple[list[Any], list[Any],
                                                                                     list[list[int]], list[int]]:
    """Depots (rider starts and ends, the dummy for open ends), vehicle types (riders alike in
    every respect share one), the riders of each type and the type of each rider."""
    import pyvrp

    dummy = int(inst.durations[0].shape[0])
    depot_of: dict[int, int] = {}
    depots: list[Any] = []

    def depot(loc: int) -> int:
        if loc not in depot_of:
            depot_of[loc] = len(depots)
            depots.append(pyvrp.Depot(location=loc))
        return depot_of[loc]

    type_keys: dict[tuple[int, int, tuple[int, ...], int, int, int, int | None, int], list[int]] = {}
    for r in range(inst.m):
        end = int(inst.end_loc[r])
        tkey = (depot(int(inst.start_loc[r])), depot(end if end >= 0 else dummy), tuple(loads.capacity(r)),
                round(float(inst.rider_cost)), int(inst.depart[r]), int(inst.shift_end[r]),
                int(inst.max_work[r]) if inst.max_work[r] < NO_LIMIT else None,
                profiles.index((int(inst.rider_distances[r]), int(inst.rider_durations[r]))))
        type_keys.setdefault(tkey, []).append(r)
    vehicle_types = []
    rider_type = [0] * inst.m
    for t, (tkey, riders) in enumerate(type_keys.items()):
        start, end_depot, cap, fixed, early, late, work, profile = tkey
        vehicle_types.append(pyvrp.VehicleType(
            num_available=len(riders), capacity=list(cap), start_depot=start, end_depot=end_depot,
            fixed_cost=fixed, tw_early=early, tw_late=max(late, early),
            shift_duration=work if work is not None else int(np.iinfo(np.int64).max), unit_distance_cost=1,
            unit_duration_cost=0, profile=profile, name=",".join(inst.problem.riders[r].id for r in riders)))
        for r in riders:
            rider_type[r] = t
    return depots, vehicle_types, list(type_keys.values()), rider_type


def _orders(inst: Instance, ks: Sequence[int], loads: _Loads, require: Collection[int],
            must: int) -> tuple[list[Any], list[int], list[Any], list[int]]:
    """Clients (orders on board or loaded at the start) and shipments, with their order indices.
    ``must``: the prize that makes a required order outweigh any routing saving."""
    import pyvrp

    shipments, ship_order, clients, client_order = [], [], [], []
    for k in ks:
        d_early, d_late = window_hull(inst.windows[inst.delivery(k)])
        name = inst.problem.orders[k].id
        prize = round(float(inst.drop_cost[k])) + (must if inst.required[k] else 0)
        if inst.carried_by[k] >= 0 or loaded_at_start(inst, k):
            # Already on board, or loaded where every allowed rider starts, at departure, with
            # no handover (the classic VRPTW depot): a plain delivery client.
            forced = inst.carried_by[k] >= 0 or k in require
            clients.append(pyvrp.Client(
                location=int(inst.node_loc[inst.delivery(k)]), delivery=loads.amount(k),
                service_duration=int(inst.service[inst.delivery(k)]), tw_early=d_early, tw_late=d_late,
                required=forced, prize=0 if forced else prize, name=name))
            client_order.append(k)
            continue
        p_early, p_late = window_hull(inst.windows[inst.pickup(k)])
        shipments.append(pyvrp.Shipment(
            pickup_location=int(inst.node_loc[inst.pickup(k)]),
            delivery_location=int(inst.node_loc[inst.delivery(k)]),
            pickup_tw_early=p_early, pickup_tw_late=p_late,
            pickup_service_duration=int(inst.service[inst.pickup(k)]),
            delivery_tw_early=d_early, delivery_tw_late=d_late,
            delivery_service_duration=int(inst.service[inst.delivery(k)]),
            amount=loads.amount(k) if loads.count else [], prize=0 if k in require else prize,
            required=k in require, name=name))
        ship_order.append(k)
    return clients, client_order, shipments, ship_order


def build_model(inst: Instance, *, require: Collection[int] = ()) -> PyVrpModel:
    """Translate ``inst`` to a :class:`PyVrpModel` (see the module docstring for the mapping).

    ``require``: orders PyVRP must serve (``required=True``, no prize) instead of optional with
    a prize; used by :class:`PyVrpFleetEngine`, where a plan missing one is infeasible.
    """
    import pyvrp

    ks = [k for k in routed_orders(inst) if window_hull(inst.windows[inst.delivery(k)])[1] >= 0
          and (inst.carried_by[k] >= 0 or window_hull(inst.windows[inst.pickup(k)])[1] >= 0)]
    loads = _Loads(inst, ks)
    profiles, dist_mats, dur_mats = _matrices(inst)
    depots, vehicle_types, type_riders, rider_type = _fleet(inst, loads, profiles)
    # A required order outweighs any routing saving: its prize exceeds the cost of any plan
    # (at most 2 arcs per order plus 2 per rider, each at most the dearest arc, plus fixed costs).
    dearest = max((int(np.max(c, initial=0)) for c in dist_mats), default=0)
    must = dearest * (2 * len(ks) + 2 * inst.m + 2) + round(float(inst.rider_cost)) * inst.m + 1
    clients, client_order, shipments, ship_order = _orders(inst, ks, loads, require, must)
    locations = [pyvrp.Location(float(i), 0.0) for i in range(int(inst.durations[0].shape[0]) + 1)]
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, dist_mats, dur_mats,  # type: ignore[arg-type]
                             shipments=shipments)
    per_second = max((float(np.max(c, initial=0)) / max(1, int(np.max(d, initial=0)))
                      for c, d in zip(dist_mats, dur_mats, strict=True)), default=1.0)
    return PyVrpModel(data, max(1.0, per_second), tuple(ship_order), tuple(client_order),
                      tuple(tuple(rs) for rs in type_riders), tuple(rider_type),
                      _worst_violation(inst, ks, loads))


def _worst_violation(inst: Instance, ks: Sequence[int], loads: _Loads) -> int:
    """The scale of the violations PyVRP's search meets: every load on the smallest rider at
    once, plus a whole horizon (the latest shift end or window) of time warp."""
    total = np.sum([loads.amount(k) for k in ks], axis=0) if ks and loads.count else np.zeros(0, dtype=np.int64)
    least = np.min([loads.capacity(r) for r in range(inst.m)], axis=0) if inst.m else 0
    load = int(np.sum(np.maximum(total - least, 0)))
    horizon = max([int(np.max(inst.shift_end, initial=0))] + [b for v in range(2 * inst.n) for _, b in inst.windows[v]])
    return max(1, load + horizon)


def _to_pyvrp_solution(model: PyVrpModel, inst: Instance,
                       routes: Sequence[Sequence[int]]) -> pyvrp_types.Solution | None:
    """A PyVRP solution for per-rider node sequences (orders the model lacks are skipped)."""
    import pyvrp

    ship_of = {k: s for s, k in enumerate(model.ship_order)}
    client_of = {k: c for c, k in enumerate(model.client_order)}
    out = []
    for r, nodes in enumerate(routes):
        acts = []
        for v in nodes:
            k = inst.order_of(v)
            if k in client_of:
                if not inst.is_pickup(v):
                    acts.append(pyvrp.Activity(pyvrp.ActivityType.CLIENT, client_of[k]))
            elif k in ship_of:
                kind = pyvrp.ActivityType.PICKUP if inst.is_pickup(v) else pyvrp.ActivityType.DELIVERY
                acts.append(pyvrp.Activity(kind, ship_of[k]))
        if acts:
            out.append(pyvrp.Route(model.data, acts, model.rider_type[r]))
    try:
        return pyvrp.Solution(model.data, out)
    except (RuntimeError, ValueError, IndexError):
        return None


def _from_pyvrp_solution(model: PyVrpModel, inst: Instance,
                         solution: pyvrp_types.Solution) -> tuple[tuple[int, ...], ...]:
    """Per-rider node sequences of a PyVRP solution (pickup ``k`` / delivery ``n + k``)."""
    import pyvrp

    free = [list(rs) for rs in model.type_riders]
    routes: list[tuple[int, ...]] = [() for _ in range(inst.m)]
    for route in solution.routes():
        r = free[route.vehicle_type()].pop(0)
        nodes: list[int] = []
        for act in route.schedule():
            if act.type == pyvrp.ActivityType.PICKUP:
                nodes.append(inst.pickup(model.ship_order[act.idx]))
            elif act.type == pyvrp.ActivityType.DELIVERY:
                nodes.append(inst.delivery(model.ship_order[act.idx]))
            elif act.type == pyvrp.ActivityType.CLIENT:
                nodes.append(inst.delivery(model.client_order[act.idx]))
        # Client orders not on board were loaded at the start: picked up there, before any stop.
        clients = set(model.client_order)
        loads = [inst.order_of(v) for v in nodes if not inst.is_pickup(v) and inst.order_of(v) in clients
                 and inst.carried_by[inst.order_of(v)] < 0]
        routes[r] = (*loads, *nodes)
    return tuple(routes)


def _solve_params(inst: Instance, model: PyVrpModel, *, fixed_fleet: bool = False) -> pyvrp_types.SolveParams:
    """PyVRP's parameters for ``inst``: penalties updated every :data:`PENALTY_UPDATE_EVERY`
    solutions, capped per unit of time warp / excess load.

    PyVRP's default cap (1e5) assumes a cost of about 1 per second of riding. With a rider cost
    of, say, 1e10 (the literature's vehicles-first objective) a route breaking windows by a few
    seconds would then beat adding a rider, and the search would end infeasible: the cap grows
    past the dearest rider or drop. On a ``fixed_fleet`` (no rider to add, a feasible start)
    that cap leaves PyVRP stuck among feasible plans, and PyVRP's default per unit of riding
    cost, ``1e5 × cost_per_second``, makes its iterations slower (the search wanders among plans
    that break windows); there the cap is :data:`FIXED_FLEET_PENALTY_SCALE` times that default.
    Either cap is lowered where the model's worst violation times it would pass
    :data:`SAFE_PENALTY` (loads near 10⁹ with a dear drop or rider). The figures behind the
    choices: ``docs/engines.md``, "Penalty caps".
    """
    import pyvrp

    if fixed_fleet:
        cap = FIXED_FLEET_PENALTY_SCALE * DEFAULT_MAX_PENALTY * model.cost_per_second
    else:
        cap = max(DEFAULT_MAX_PENALTY, 10.0 * (float(inst.rider_cost) + float(np.max(inst.drop_cost, initial=0))))
    cap = min(cap, SAFE_PENALTY / model.worst_violation)
    return pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(solutions_between_updates=PENALTY_UPDATE_EVERY,
                                                         max_penalty=cap))


def _fewer_riders(model: PyVrpModel, riders: Sequence[int]) -> PyVrpModel:
    """``model`` whose fleet is exactly ``riders`` (each vehicle type keeps its riders among them;
    types left without one are removed)."""
    kept: list[tuple[int, tuple[int, ...]]] = []
    fleet = set(riders)
    for t, of_type in enumerate(model.type_riders):
        mine = tuple(r for r in of_type if r in fleet)
        if mine:
            kept.append((t, mine))
    types = [model.data.vehicle_type(t).replace(num_available=len(mine)) for t, mine in kept]
    rider_type = [0] * len(model.rider_type)
    for new, (_, mine) in enumerate(kept):
        for r in mine:
            rider_type[r] = new
    return dataclasses.replace(model, data=model.data.replace(vehicle_types=types),
                               type_riders=tuple(mine for _, mine in kept), rider_type=tuple(rider_type))


INFEASIBLE_COST = np.iinfo(np.int64).max
"""The cost PyVRP reports to a stopping criterion while its best solution is infeasible."""


class _Criterion:
    """A PyVRP stopping criterion (``__call__(best_cost) -> bool``, called before every
    iteration) that counts each iteration as work on a :class:`~medroute.stop.Meter`."""

    def __init__(self, meter: Meter, per_iteration: float, *, first_feasible: bool = False) -> None:
        self.meter = meter
        self.per_iteration = per_iteration
        self.first_feasible = first_feasible
        self.iterations = -1

    def __call__(self, best_cost: float) -> bool:
        self.iterations += 1
        feasible = best_cost < INFEASIBLE_COST  # PyVRP's cost of an infeasible best solution
        if self.iterations:
            self.meter.add(self.per_iteration, best_cost if feasible else None)
        if self.first_feasible and feasible and self.iterations:
            return True
        return self.meter.done()


def iteration_work(instance: Instance, stop: Stop) -> float:
    """Work units of one PyVRP iteration on ``instance`` (0 when ``stop`` counts no work)."""
    if not budget_of(stop).counts_work:
        return 0.0
    return 1.0 / per_unit("pyvrp", pyvrp_nodes(instance)[0])


def _run(model: PyVrpModel, inst: Instance, criterion: _Criterion, seed: int, start: Any,
         *, fixed_fleet: bool = False) -> Any:
    """PyVRP's ``solve`` on ``model`` from ``start`` until ``criterion``, its steps spelled out so
    that the clock is checked between them (``None`` if it ran out before the search): computing
    the neighbourhoods and PyVRP's own start (an exhaustive local search from a random plan) run
    before PyVRP first asks its stopping criterion."""
    import warnings

    import pyvrp
    from pyvrp.exceptions import PenaltyBoundWarning
    from pyvrp.IteratedLocalSearch import IteratedLocalSearch
    from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours

    params = _solve_params(inst, model, fixed_fleet=fixed_fleet)
    rng = pyvrp.RandomNumberGenerator(seed=int(seed) % (2**32))
    neighbours = compute_neighbours(model.data, params.neighbourhood)
    if criterion.meter.done():
        return None
    search = LocalSearch(model.data, rng, neighbours, PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(model.data):
            search.add_operator(op(model.data))
    penalties = pyvrp.PenaltyManager(params.penalty.midpoint_penalties(model.data), params.penalty)
    with warnings.catch_warnings():
        if fixed_fleet or criterion.first_feasible:  # PyVRP's cap is reached on purpose there
            warnings.simplefilter("ignore", PenaltyBoundWarning)
        if start is None:
            start = search(pyvrp.Solution.make_random(model.data, rng), penalties.max_cost_evaluator(), exhaustive=True)
        algo = IteratedLocalSearch(model.data, penalties, search, start, params.ils)
        return algo.run(criterion, collect_stats=False, display=False)


def _untimed_notes(inst: Instance, routes: Sequence[Sequence[int]]) -> list[str]:
    """A note for every route that does not time under the full rules."""
    notes = []
    for r, nodes in enumerate(routes):
        if not nodes and not np.any(inst.carried_by == r):
            continue
        timed = schedule_route(inst, r, nodes)
        if isinstance(timed, Infeasible):
            what = inst.problem.orders[timed.order].id if timed.order is not None else "-"
            notes.append(f"rider {inst.problem.riders[r].id!r}: route does not time under the full "
                         f"rules ({timed.reason.value} at order {what!r})")
    return notes


def _result(name: str, meter: Meter, routes: tuple[tuple[int, ...], ...], reasons: dict[int, Reason],
            notes: Sequence[str], objective: float | None = None) -> EngineResult:
    """An :class:`EngineResult` with one stage's stats from ``meter``."""
    stage = StageStats(name, meter.elapsed(), meter.work, meter.stopped_by or StopReason.DONE, objective)
    return EngineResult(routes, reasons, tuple(notes), SolveStats.combine((stage,), meter.elapsed()))


class PyVrpEngine:
    """PyVRP's iterated local search on the shipment model of an instance.

    Parameters
    ----------
    fixed_fleet
        Search with only the riders the initial plan uses (and those with orders on
        board), with PyVRP's own penalty cap (see :func:`_solve_params`): a search after route
        elimination, which must not win back distance with more riders. Needs an initial plan.
    """

    name = "pyvrp"

    def __init__(self, *, fixed_fleet: bool = False) -> None:
        self.fixed_fleet = fixed_fleet

    def supports(self, instance: Instance) -> Support:
        """Supported, or the sentence saying what PyVRP cannot model for this instance."""
        return relaxed_support("PyVRP", relaxations(instance))

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        """Search until ``stop`` with ``seed``; warm-start from ``initial``.

        Parameters
        ----------
        instance
            The compiled problem; what PyVRP cannot model is relaxed (see the notes).
        stop
            The clock (model building included) and/or work, one PyVRP iteration counting
            :func:`iteration_work` units.
        seed
            Random seed; with a stop that only work ends, the same seed gives the same plan.
        initial
            Optional per-rider node sequences to start from (without them PyVRP builds
            its own start).
        progress
            Ignored (one stage; see :func:`medroute.solve`).

        Returns
        -------
        EngineResult
            Routes re-read as medroute node sequences; notes name any relaxation and every route
            that does not time under the full rules; ``stats`` the iterations' work and time.
        """
        inst = instance
        meter = Meter(stop)
        support = self.supports(inst)
        notes = [] if support else ["relaxed: " + support.reason]
        empty = tuple(() for _ in range(inst.m))
        if inst.m == 0:
            return _result(self.name, meter, empty, dict.fromkeys(inst.open_orders, Reason.NO_RIDER), notes)
        model = build_model(inst)
        if not model.ship_order and not model.client_order:
            return _result(self.name, meter, empty, {}, notes)
        if meter.done():
            return _result(self.name, meter, tuple(tuple(s) for s in initial) if initial else empty, {}, notes)
        if self.fixed_fleet:
            riders = [r for r in range(inst.m) if (initial is not None and r < len(initial) and initial[r])
                      or np.any(inst.carried_by == r)]
            if not riders:
                raise ValueError("pyvrp engine: fixed_fleet needs an initial plan with a route")
            model = _fewer_riders(model, riders)
        init = _to_pyvrp_solution(model, inst, initial) if initial is not None else None
        if initial is not None and init is None:
            notes.append("the initial solution could not be read by PyVRP and was ignored")
        if meter.done():
            return _result(self.name, meter, tuple(tuple(s) for s in initial) if initial else empty, {}, notes)
        per_iteration = iteration_work(inst, stop)

        def search() -> tuple[tuple[tuple[int, ...], ...], float | None] | None:
            result = _run(model, inst, _Criterion(meter, per_iteration), seed, init, fixed_fleet=self.fixed_fleet)
            if result is None:
                return None
            feasible = result.best.is_feasible()
            return _from_pyvrp_solution(model, inst, result.best), float(result.cost()) if feasible else None

        left = meter.seconds_left()
        if per_iteration or not math.isfinite(left):
            found = search()
        else:  # PyVRP's neighbourhoods and first local search cannot be interrupted
            found = run_with_deadline(search, left, engine="pyvrp", notes=notes)
        if found is None:
            meter.stopped_by = meter.stopped_by or StopReason.CLOCK
            return _result(self.name, meter, tuple(tuple(s) for s in initial) if initial else empty, {}, notes)
        routes, cost = found
        if cost is None:
            notes.append("PyVRP's best plan breaks its own model (time warp, excess load or a missed "
                         "required delivery)")
        notes += _untimed_notes(inst, routes)
        served = {inst.order_of(v) for nodes in routes for v in nodes}
        reasons = {k: Reason.NOT_WORTH_IT for k in inst.open_orders if k not in served and not bool(inst.required[k])}
        if meter.stopped_by is None and meter.seconds_left() <= 0:  # the child's meter ended it
            meter.stopped_by = StopReason.CLOCK
        return _result(self.name, meter, routes, reasons, notes, cost)


RESTART_UNIT = 1.0
"""Route elimination's restart unit: seconds on a clock, work units (reference seconds) on a
work budget (:class:`PyVrpFleetEngine`)."""


def luby(i: int) -> int:
    """The *i*-th term (from 1) of Luby, Sinclair & Zuckerman's restart sequence 1, 1, 2, 1, 1,
    2, 4, 1, …: within a logarithmic factor of the best fixed restart length for any
    distribution of run times."""
    if i < 1:
        raise ValueError(f"luby: i must be >= 1, got {i}")
    while True:
        k = i.bit_length()  # the smallest k with 2**k - 1 >= i
        if i == (1 << k) - 1:
            return 1 << (k - 1)
        i -= (1 << (k - 1)) - 1


class PyVrpFleetEngine:
    """Route elimination with PyVRP: the literature's vehicles-first step.

    From an initial plan serving every order, the rider with the fewest stops is taken out and
    PyVRP must serve every order of the plan (:func:`build_model` with ``require``) with the
    others, starting from the plan without that route, stopping at its first feasible plan;
    this repeats while it succeeds and ``stop`` allows (like ``pyvrp.minimise_fleet``, which
    refuses optional orders and several vehicle types). Only for instances PyVRP models exactly
    (:func:`relaxations` empty): there a feasible PyVRP plan is a feasible medroute plan.

    The time to a first feasible plan with one rider fewer varies widely with the seed, so each
    rider fewer is sought by restarts: attempt *i* runs with seed ``seed + i - 1`` for
    :func:`luby` (*i*) × ``restart_unit`` (seconds on a clock, work units on a work budget),
    until one succeeds or ``stop`` ends (``docs/engines.md`` has the measurement).

    Parameters
    ----------
    restart_unit
        The restart unit (default :data:`RESTART_UNIT`); ``math.inf``: one attempt per rider
        fewer, with the whole budget.
    """

    name = "pyvrp-fleet"

    def __init__(self, *, restart_unit: float = RESTART_UNIT) -> None:
        self.restart_unit = restart_unit

    def supports(self, instance: Instance) -> Support:
        """Supported on instances PyVRP models exactly, else the sentence saying what it cannot."""
        return PyVrpEngine().supports(instance)

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        """The smallest fleet found from ``initial`` (required), each success a rider fewer.

        Returns
        -------
        EngineResult
            The plan with the fewest riders found (``initial`` itself if none was), with a note
            on the riders used.
        """
        inst = instance
        meter = Meter(stop)
        if initial is None:
            raise ValueError("pyvrp-fleet engine: needs an initial plan")
        routes = tuple(tuple(s) for s in initial)
        per_iteration = iteration_work(inst, stop)
        while not meter.done():
            fewer = self._one_fewer(inst, routes, meter, per_iteration, seed)
            if fewer is None:
                break
            routes = fewer
        if meter.stopped_by is None:
            meter.stopped_by = StopReason.DONE
        riders = sum(1 for s in routes if s)
        return _result(self.name, meter, routes, {}, [f"route elimination: {riders} riders"])

    def _one_fewer(self, inst: Instance, routes: tuple[tuple[int, ...], ...], meter: Meter, per_iteration: float,
                   seed: int) -> tuple[tuple[int, ...], ...] | None:
        """``routes`` served by one rider fewer, sought by restarts (see the class), or ``None``
        (not found before ``meter`` ends, rules PyVRP relaxes, fewer than 2 riders)."""
        used = [r for r, nodes in enumerate(routes) if nodes]
        if len(used) < 2 or relaxations(inst):
            return None
        served = {inst.order_of(v) for nodes in routes for v in nodes}
        model = build_model(inst, require=served)
        if not served <= set(model.ship_order) | set(model.client_order):
            return None
        drop = min(used, key=lambda r: (len(routes[r]), r))
        smaller = _fewer_riders(model, [r for r in used if r != drop])
        start = _to_pyvrp_solution(smaller, inst, [() if r == drop else nodes for r, nodes in enumerate(routes)])
        attempt = 0
        while start is not None and not meter.done():
            attempt += 1
            part = Meter(meter.part(self.restart_unit * luby(attempt)))
            result = _run(smaller, inst, _Criterion(part, per_iteration, first_feasible=True), seed + attempt - 1,
                          start)
            meter.add(part.work, part.best if math.isfinite(part.best) else None)
            if result is not None and result.best.is_feasible() and result.best.is_complete():
                return _from_pyvrp_solution(smaller, inst, result.best)
        return None
