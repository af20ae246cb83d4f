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
not for a wall-clock budget. The engine therefore stops at whichever comes first of an
iteration budget (derived from ``time_limit`` at a conservative rate, or set explicitly) and
``time_limit``; the notes say when the clock stopped the search (only then can the same seed
give a different plan).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..compile import DIMS, NO_LIMIT, Instance
from ..reasons import Reason
from ..schedule import Infeasible, schedule_route
from .base import EngineResult, Relaxation, order_ids, routed_orders

if TYPE_CHECKING:
    import pyvrp as pyvrp_types

LOAD_SCALE = 1_000_000
"""Capacity units the largest capacity of each load dimension is scaled to (see :func:`build_model`)."""
DEFAULT_MAX_PENALTY = 1e5
"""PyVRP's own cap on a penalty per unit of violation."""
PENALTY_UPDATE_EVERY = 50
"""Solutions between PyVRP penalty updates (PyVRP's default, 500, is more than short runs make)."""
SHORT_ROUTE = 12
"""PyVRP nodes per route up to which route length does not slow the search (see
:meth:`PyVrpEngine.search_rate`)."""
FLEET_SLOWDOWN = 0.25
"""Route elimination's speed relative to the search's on short routes (see
:meth:`PyVrpEngine.search_rate`)."""
FIXED_FLEET_SLOWDOWN = (0.5, 0.4)
"""The search's speed on a fixed fleet (``solve(fixed_fleet=True)``: PyVRP's own penalty cap, so
it works through more infeasible plans) relative to the search's on short routes, for clients and
for shipments (see :meth:`PyVrpEngine.search_rate`)."""
FIXED_FLEET_LENGTH_EXPONENT = (0.6, 1.8)
"""How fast a fixed fleet's search slows with route length, for clients and for shipments."""
SMALL_SPEEDUP = 2.0
"""The modelled speed of small instances at most this many times the 100-node speed. Measured:
2,650–3,070 it/s on 16 PyVRP nodes alone (the conformance suite's), 2.2–2.6 times a 4× cap; two
solves on threads of one process share that speed, and at 4× the conformance suite's
thread-count check saw ``auto``'s anchored round cut by the clock under CI load."""
PROBE_SHARE = 0.1
"""Share of a time-derived budget spent before the route length is read off the best plan and
the rest of the budget is set from it (:meth:`PyVrpEngine.solve`)."""
FALLBACK_NOTE = "no feasible plan after the probe; the search went on from the fallback plan and from the probe's"
"""The note of a search that went on from its ``fallback`` plan (:meth:`PyVrpEngine.solve`)."""


def relaxations(inst: Instance) -> list[Relaxation]:
    """What of ``inst`` the PyVRP model leaves out, one entry per feature (empty = exact)."""
    ks = routed_orders(inst)
    out: list[Relaxation] = []
    budget = [k for k in ks if bool(np.any((inst.max_ride[k] < NO_LIMIT) & inst.allowed[k]))]
    if budget:
        out.append(Relaxation(
            f"out-of-fridge budgets (maximum ride time pickup → door) on {len(budget)} "
            f"order{'s' if len(budget) > 1 else ''} ({order_ids(inst, budget)})", True, tuple(budget)))
    several_d = [k for k in ks if len(inst.windows[inst.delivery(k)]) > 1]
    if several_d:
        out.append(Relaxation(
            f"several delivery windows on order{'s' if len(several_d) > 1 else ''} "
            f"{order_ids(inst, several_d)} (their hull is used)", True, tuple(several_d)))
    several_p = [k for k in ks if inst.carried_by[k] < 0 and len(inst.windows[inst.pickup(k)]) > 1]
    if several_p:
        out.append(Relaxation(
            f"several pharmacy opening windows for the pickup of order{'s' if len(several_p) > 1 else ''} "
            f"{order_ids(inst, several_p)} (their hull is used)", True, tuple(several_p)))
    soft = [k for k in ks if inst.target[k] < NO_LIMIT and inst.late_cost[k] > 0]
    if soft:
        out.append(Relaxation(
            f"soft delivery targets (lateness cost) on {len(soft)} order{'s' if len(soft) > 1 else ''} "
            f"({order_ids(inst, soft)}), ignored by the search", False, tuple(soft)))
    return out


def relaxed_instance(inst: Instance) -> Instance:
    """``inst`` with what PyVRP cannot model relaxed: no out-of-fridge budgets, each node's
    windows replaced by their hull. Timing a PyVRP plan on it gives the times PyVRP assumed;
    :func:`medroute.check` on the real problem then shows what the relaxation broke."""
    windows = tuple((_hull(w),) if len(w) > 1 else w for w in inst.windows)
    max_ride = np.full_like(inst.max_ride, NO_LIMIT)
    max_ride.setflags(write=False)
    return dataclasses.replace(inst, windows=windows, max_ride=max_ride)


@dataclass(frozen=True, eq=False)
class PyVrpModel:
    """A medroute instance translated to PyVRP.

    Attributes
    ----------
    data : the :class:`pyvrp.ProblemData`.
    cost_per_second : cost units of a second of riding (the dearest arc's cost over its time, at
        least 1): the scale of PyVRP's penalty per second of time warp.
    ship_order : order index ``k`` of each PyVRP shipment.
    client_order : order index ``k`` of each PyVRP client (orders already on board, or loaded at
        the riders' start: see :func:`loaded_at_start`).
    type_riders : rider indices of each PyVRP vehicle type, in the order routes are assigned.
    rider_type : PyVRP vehicle type of each rider.
    """

    data: pyvrp_types.ProblemData
    cost_per_second: float
    ship_order: tuple[int, ...]
    client_order: tuple[int, ...]
    type_riders: tuple[tuple[int, ...], ...]
    rider_type: tuple[int, ...]


def _hull(windows: tuple[tuple[int, int], ...]) -> tuple[int, int]:
    if not windows:
        return 0, -1
    return windows[0][0], windows[-1][1]


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


def build_model(inst: Instance, *, require: Collection[int] = ()) -> PyVrpModel:
    """Translate ``inst`` to a :class:`PyVrpModel` (see the module docstring for the mapping).

    ``require``: orders PyVRP must serve (``required=True``, no prize) instead of optional with
    a prize; used by :meth:`PyVrpEngine.reduce_fleet`, where a plan missing one is infeasible.
    """
    import pyvrp

    n, m = inst.n, inst.m
    ks = [k for k in routed_orders(inst) if _hull(inst.windows[inst.delivery(k)])[1] >= 0
          and (inst.carried_by[k] >= 0 or _hull(inst.windows[inst.pickup(k)])[1] >= 0)]

    # Capacity dimensions: the DIMS an order uses, plus one per allowed-rider set not implied by them.
    used_dims = [d for d in range(len(DIMS)) if any(inst.demand[k, d] > 0 for k in ks)]
    fits = np.all(inst.capacity[None, :, used_dims] >= inst.demand[ks][:, None, used_dims], axis=2) \
        if ks else np.zeros((0, m), dtype=bool)
    signatures: dict[tuple[int, ...], int] = {}
    order_sig: dict[int, int] = {}
    for i, k in enumerate(ks):
        allowed = inst.allowed[k]
        if np.any(fits[i] & ~allowed):
            sig = tuple(int(r) for r in np.flatnonzero(allowed))
            order_sig[k] = signatures.setdefault(sig, len(signatures))
    n_dims = len(used_dims) + len(signatures)
    # PyVRP penalises excess load per unit with one scale for every dimension (about 5e4 cost
    # units at first): grams and parcels must weigh alike, so each dimension is multiplied by
    # an integer factor bringing the largest capacity near LOAD_SCALE. Exact: both sides scale.
    scale = [max(1, LOAD_SCALE // max(1, int(np.max(inst.capacity[:, d], initial=1)))) for d in used_dims]
    scale += [max(1, LOAD_SCALE // max(1, len(ks)))] * len(signatures)

    def amount(k: int) -> list[int]:
        extra = [0] * len(signatures)
        if k in order_sig:
            extra[order_sig[k]] = 1
        return [x * f for x, f in zip([int(inst.demand[k, d]) for d in used_dims] + extra, scale, strict=True)]

    def capacity(r: int) -> list[int]:
        extra = [len(ks) if r in sig else 0 for sig in signatures]
        return [x * f for x, f in zip([int(inst.capacity[r, d]) for d in used_dims] + extra, scale, strict=True)]

    # Locations: the matrix rows, plus a dummy for open ends (zero time and cost to and from it).
    n_loc = int(inst.durations[0].shape[0])
    dummy = n_loc
    locations = [pyvrp.Location(float(i), 0.0) for i in range(n_loc + 1)]

    profile_keys = list(dict.fromkeys((int(inst.rider_distances[r]), int(inst.rider_durations[r]))
                                      for r in range(m)))
    dist_mats: list[NDArray[np.int64]] = []
    dur_mats: list[NDArray[np.int64]] = []
    for key in profile_keys:
        r = next(r for r in range(m) if (int(inst.rider_distances[r]), int(inst.rider_durations[r])) == key)
        cost = np.zeros((n_loc + 1, n_loc + 1), dtype=np.int64)
        cost[:n_loc, :n_loc] = inst.arc_cost(r)
        dur = np.zeros((n_loc + 1, n_loc + 1), dtype=np.int64)
        dur[:n_loc, :n_loc] = inst.duration(r)
        dist_mats.append(cost)
        dur_mats.append(dur)

    depot_of: dict[int, int] = {}
    depots: list[pyvrp_types.Depot] = []

    def depot(loc: int) -> int:
        if loc not in depot_of:
            depot_of[loc] = len(depots)
            depots.append(pyvrp.Depot(location=loc))
        return depot_of[loc]

    type_keys: dict[tuple[int, int, tuple[int, ...], int, int, int, int | None, int], list[int]] = {}
    for r in range(m):
        end = int(inst.end_loc[r])
        tkey = (depot(int(inst.start_loc[r])), depot(end if end >= 0 else dummy), tuple(capacity(r)),
               round(float(inst.rider_cost)), int(inst.depart[r]), int(inst.shift_end[r]),
               int(inst.max_work[r]) if inst.max_work[r] < NO_LIMIT else None,
               profile_keys.index((int(inst.rider_distances[r]), int(inst.rider_durations[r]))))
        type_keys.setdefault(tkey, []).append(r)
    vehicle_types = []
    rider_type = [0] * m
    for t, (tkey, riders) in enumerate(type_keys.items()):
        start, end_depot, cap, fixed, early, late, work, profile = tkey
        vehicle_types.append(pyvrp.VehicleType(
            num_available=len(riders), capacity=list(cap), start_depot=start, end_depot=end_depot,
            fixed_cost=fixed, tw_early=early, tw_late=max(late, early),
            shift_duration=work if work is not None else int(np.iinfo(np.int64).max), unit_distance_cost=1,
            unit_duration_cost=0, profile=profile, name=",".join(inst.problem.riders[r].id for r in riders)))
        for r in riders:
            rider_type[r] = t

    # A required order outweighs any routing saving: its prize exceeds the cost of any plan
    # (at most 2 arcs per order plus 2 per rider, each at most the dearest arc, plus fixed costs).
    dearest = max((int(np.max(c, initial=0)) for c in dist_mats), default=0)
    must = dearest * (2 * len(ks) + 2 * m + 2) + round(float(inst.rider_cost)) * m + 1
    shipments, ship_order, clients, client_order = [], [], [], []
    for k in ks:
        d_early, d_late = _hull(inst.windows[inst.delivery(k)])
        name = inst.problem.orders[k].id
        if inst.carried_by[k] >= 0 or loaded_at_start(inst, k):
            # Already on board, or loaded where every allowed rider starts, at departure, with
            # no handover (the classic VRPTW depot): a plain delivery client.
            forced = inst.carried_by[k] >= 0 or k in require
            clients.append(pyvrp.Client(
                location=int(inst.node_loc[inst.delivery(k)]), delivery=amount(k),
                service_duration=int(inst.service[inst.delivery(k)]), tw_early=d_early, tw_late=d_late,
                required=forced, prize=0 if forced else round(float(inst.drop_cost[k])) + (
                    must if inst.required[k] else 0), name=name))
            client_order.append(k)
            continue
        p_early, p_late = _hull(inst.windows[inst.pickup(k)])
        shipments.append(pyvrp.Shipment(
            pickup_location=int(inst.node_loc[inst.pickup(k)]),
            delivery_location=int(inst.node_loc[inst.delivery(k)]),
            pickup_tw_early=p_early, pickup_tw_late=p_late,
            pickup_service_duration=int(inst.service[inst.pickup(k)]),
            delivery_tw_early=d_early, delivery_tw_late=d_late,
            delivery_service_duration=int(inst.service[inst.delivery(k)]),
            amount=amount(k) if n_dims else [],
            prize=0 if k in require else round(float(inst.drop_cost[k])) + (must if inst.required[k] else 0),
            required=k in require, name=name))
        ship_order.append(k)
    del n
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, dist_mats, dur_mats,  # type: ignore[arg-type]
                             shipments=shipments)
    per_second = max((float(np.max(c, initial=0)) / max(1, int(np.max(d, initial=0)))
                      for c, d in zip(dist_mats, dur_mats, strict=True)), default=1.0)
    return PyVrpModel(data, max(1.0, per_second), tuple(ship_order), tuple(client_order),
                      tuple(tuple(rs) for rs in type_keys.values()), tuple(rider_type))


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
    that cap leaves PyVRP stuck among feasible plans (Solomon RC202 from a 3-route plan 13 %
    above the best known: by hand, no improvement in 3,300 iterations, seeds 0–2); there the cap
    is PyVRP's default per unit of riding cost, ``1e5 × cost_per_second`` (RC202 at 30 s: 7.0 %).
    """
    import pyvrp

    if fixed_fleet:
        cap = DEFAULT_MAX_PENALTY * model.cost_per_second
    else:
        cap = max(DEFAULT_MAX_PENALTY, 10.0 * (float(inst.rider_cost) + float(np.max(inst.drop_cost, initial=0))))
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


class PyVrpEngine:
    """PyVRP's iterated local search on the shipment model of an instance.

    Parameters
    ----------
    iterations : iteration budget; ``None`` derives one from ``time_limit`` (or
        ``work_seconds``) at :meth:`search_rate`.
    iterations_per_second : search speed at 100 PyVRP nodes (a client counts 1, a shipment 2) on
        short routes, iterations per second; :meth:`search_rate` scales it by the instance size and
        route length to turn a time limit into a deterministic iteration budget. Measured here
        with PyVRP 0.14, the other core busy (``benchmarks/engine_speed.py``): 291–810 it/s on
        the Li & Lim and Solomon instances with routes of up to 12 PyVRP nodes; 300 is about the
        slowest (R109 291, R110 297), so there the budget, not the clock, ends the search.
    """

    name = "pyvrp"

    def __init__(self, *, iterations: int | None = None, iterations_per_second: float = 300.0) -> None:
        if iterations is not None and iterations < 1:
            raise ValueError(f"pyvrp engine: iterations must be >= 1, got {iterations}")
        if not iterations_per_second > 0:
            raise ValueError(f"pyvrp engine: iterations_per_second must be > 0, got {iterations_per_second}")
        self.iterations = iterations
        self.iterations_per_second = iterations_per_second

    def supports(self, instance: Instance) -> bool | str:
        """``True``, or a sentence saying what PyVRP cannot model for this instance."""
        found = relaxations(instance)
        if not found:
            return True
        return "PyVRP cannot model " + "; ".join(x.what for x in found) + "."

    def search_rate(self, instance: Instance, routes: Sequence[Sequence[int]] | None = None, *,
                    fleet: bool = False, fixed_fleet: bool = False) -> float:
        """Modelled search speed on ``instance``, iterations per second (a deterministic estimate).

        ``iterations_per_second`` at 100 PyVRP nodes, inversely proportional to the nodes (at most
        :data:`SMALL_SPEEDUP` times the 100-node speed: below, a fixed overhead per iteration
        dominates). Given the
        plan the search starts from (``routes``), long routes slow it down: with ``L`` PyVRP nodes
        per route, shipments (pickup and delivery) cost ``(SHORT_ROUTE / L) ** 0.6`` once ``L``
        exceeds :data:`SHORT_ROUTE` — Li & Lim's type-2 instances, 25–51 nodes per route, ran at
        133–913 it/s, Solomon's (clients, not slowed) at 272–1,109 (the run before the committed one,
        on the slower machine the model was set on, as the per-instance figures below). Route elimination (``fleet``:
        one rider fewer, so ``L`` counts every node on the remaining routes; the search works
        through infeasible plans) runs at :data:`FLEET_SLOWDOWN` of that speed, times
        ``SHORT_ROUTE / L``: measured 38–371 it/s on type 1 (short routes), 13–97 on type 2.
        Measured / modelled ratios are 0.81–5.8 for the search, 0.51–6.0 for elimination and
        0.77–14.4 on a fixed fleet on the slower machine the model was set on (below 1 on 8, 8
        and 2 of 112 instances; 8, 11 and 0 in the run before: ``auto`` lets a slow stage use half
        of the later stages' time), 1.26–7.8, 1.12–14.7 and 2.27–23 (none below 1) in the
        committed run on a machine about twice as fast. A search on a ``fixed_fleet`` runs at
        :data:`FIXED_FLEET_SLOWDOWN` of the search's speed on short routes, times
        ``(SHORT_ROUTE / L) ** e`` beyond, with ``e`` from :data:`FIXED_FLEET_LENGTH_EXPONENT` (both interpolated by the
        shipments' share of the nodes): Solomon RC202, 3 routes of 33 clients, 101 it/s; Li & Lim
        lr204, 2 routes of 50 shipment nodes, 20 it/s, against 67 on lr201 (4 routes of 25) and
        144 on lr104 (9 routes of 11.5). Figures: ``benchmarks/results/engine_speed.md``.
        """
        nodes, shipment_nodes = pyvrp_nodes(instance)
        rate = self.iterations_per_second * min(SMALL_SPEEDUP, 100 / max(10, nodes))
        used = sum(1 for s in routes if s) - (1 if fleet else 0) if routes is not None else 0
        if fixed_fleet:
            share = shipment_nodes / max(nodes, 1)
            slow, exponent = ((1 - share) * pair[0] + share * pair[1]
                              for pair in (FIXED_FLEET_SLOWDOWN, FIXED_FLEET_LENGTH_EXPONENT))
            rate *= slow
            if used >= 1:
                rate *= min(1.0, float((SHORT_ROUTE * used / max(nodes, 1)) ** exponent))
            return rate
        if used < 1:
            return rate
        if fleet:
            return rate * FLEET_SLOWDOWN * min(1.0, SHORT_ROUTE * used / nodes)
        return rate * min(1.0, float((SHORT_ROUTE * used / max(shipment_nodes, 1)) ** 0.6))

    def iteration_budget(self, instance: Instance, time_limit: float,
                         routes: Sequence[Sequence[int]] | None = None, *, fleet: bool = False,
                         fixed_fleet: bool = False) -> int:
        """The iteration budget for ``time_limit`` seconds at :meth:`search_rate` (at least 20),
        or the fixed ``iterations`` given to the engine."""
        if self.iterations is not None:
            return self.iterations
        return max(20, int(time_limit * self.search_rate(instance, routes, fleet=fleet, fixed_fleet=fixed_fleet)))

    def reduce_fleet(self, instance: Instance, routes: Sequence[Sequence[int]], *, time_limit: float,
                     seed: int, iterations: int | None = None) -> tuple[tuple[tuple[int, ...], ...] | None, int]:
        """Serve every order of ``routes`` with one rider fewer than ``routes`` uses, if PyVRP can.

        The rider with the fewest stops is taken out; PyVRP must serve every order of ``routes``
        (:func:`build_model` with ``require``) with the other riders ``routes`` uses, starting from
        ``routes`` without that rider's route, and stops at the first feasible plan, after
        ``iterations`` (default: the budget for ``time_limit``) or at ``time_limit`` seconds. Only
        for instances PyVRP models exactly (:func:`relaxations` empty): there a feasible PyVRP plan
        is a feasible medroute plan. This is the route-elimination step of the literature's
        vehicles-first objective (like ``pyvrp.minimise_fleet``, which refuses optional orders
        and several vehicle types).

        Returns
        -------
        tuple
            The per-rider node sequences (``None`` when none was found, the instance is relaxed
            or ``routes`` uses fewer than two riders) and the iterations spent.
        """
        import warnings

        import pyvrp
        from pyvrp.exceptions import PenaltyBoundWarning
        from pyvrp.stop import FirstFeasible, MaxIterations, MaxRuntime, MultipleCriteria

        t0 = time.perf_counter()
        inst = instance
        used = [r for r, nodes in enumerate(routes) if nodes]
        if len(used) < 2 or relaxations(inst):
            return None, 0
        served = {inst.order_of(v) for nodes in routes for v in nodes}
        model = build_model(inst, require=served)
        if not served <= set(model.ship_order) | set(model.client_order):
            return None, 0
        drop = min(used, key=lambda r: (len(routes[r]), r))
        smaller = _fewer_riders(model, [r for r in used if r != drop])
        init = _to_pyvrp_solution(smaller, inst, [() if r == drop else tuple(nodes) for r, nodes in enumerate(routes)])
        if init is None:
            return None, 0
        budget = iterations if iterations is not None else self.iteration_budget(inst, time_limit, routes,
                                                                                      fleet=True)
        runtime = max(0.01, time_limit - (time.perf_counter() - t0))
        stop = MultipleCriteria([FirstFeasible(), MaxIterations(max(1, budget)), MaxRuntime(runtime)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PenaltyBoundWarning)  # expected while the fleet is too small
            result = pyvrp.solve(smaller.data, stop, seed=int(seed) % (2**32), collect_stats=False,
                                 display=False, initial_solution=init, params=_solve_params(inst, smaller))
        if not (result.best.is_feasible() and result.best.is_complete()):
            return None, result.num_iterations
        return _from_pyvrp_solution(smaller, inst, result.best), result.num_iterations

    def solve(self, instance: Instance, *, time_limit: float, seed: int,
              initial: Sequence[Sequence[int]] | None = None, work_seconds: float | None = None,
              fixed_fleet: bool = False, fallback: Sequence[Sequence[int]] | None = None) -> EngineResult:
        """Search for at most ``time_limit`` seconds with ``seed``; warm-start from ``initial``.

        Parameters
        ----------
        instance : the compiled problem.
        time_limit : wall-clock budget, seconds (model building included).
        seed : random seed; with the same iteration budget, the same seed gives the same plan.
        initial : optional per-rider node sequences to start from.
        work_seconds : seconds the iteration budget is derived from (default ``time_limit``): a
            caller whose wall-clock cap depends on the clock keeps the budget, hence the plan, fixed.
        fixed_fleet : search with only the riders ``initial`` uses (and those with orders on
            board), with PyVRP's own penalty cap (see :func:`_solve_params`): the search after
            route elimination, which must not win back distance with more riders.
        fallback : per-rider node sequences to search from as well when the probe
            (:data:`PROBE_SHARE` of the budget) found no plan feasible in PyVRP's model (a start
            far from feasible can keep PyVRP at its penalty cap): the rest of the budget is then
            split between going on from the fallback (the result's ``routes``) and from the
            probe's best plan (its ``alternatives``, which its repair may still make the better
            plan); the notes say so (:data:`FALLBACK_NOTE`).

        Returns
        -------
        EngineResult
            Routes re-read as medroute node sequences; notes name any relaxation, the stopping
            criterion, and every route that does not time under the full rules.
        """
        import warnings

        import pyvrp
        from pyvrp.exceptions import PenaltyBoundWarning
        from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

        t0 = time.perf_counter()
        inst = instance
        notes: list[str] = []
        support = self.supports(inst)
        if isinstance(support, str):
            notes.append("relaxed: " + support)
        empty = tuple(() for _ in range(inst.m))
        if inst.m == 0:
            return EngineResult(empty, dict.fromkeys(inst.open_orders, Reason.NO_RIDER), tuple(notes))
        model = build_model(inst)
        if not model.ship_order and not model.client_order:
            return EngineResult(empty, {}, tuple(notes))
        if fixed_fleet:
            riders = [r for r in range(inst.m) if (initial is not None and r < len(initial) and initial[r])
                      or np.any(inst.carried_by == r)]
            if not riders:
                raise ValueError("pyvrp engine: fixed_fleet needs an initial plan with a route")
            model = _fewer_riders(model, riders)
        init = _to_pyvrp_solution(model, inst, initial) if initial is not None else None
        if initial is not None and init is None:
            notes.append("the initial solution could not be read by PyVRP and was ignored")
        margin = min(0.2, 0.05 * time_limit)
        end = t0 + time_limit - margin

        def run(iterations: int, start: Any) -> Any:
            stop = MultipleCriteria([MaxIterations(iterations), MaxRuntime(max(0.01, end - time.perf_counter()))])
            with warnings.catch_warnings():
                if fixed_fleet:  # PyVRP's own cap is reached on purpose there (see _solve_params)
                    warnings.simplefilter("ignore", PenaltyBoundWarning)
                return pyvrp.solve(model.data, stop, seed=int(seed) % (2**32), collect_stats=False,
                                   display=False, initial_solution=start,
                                   params=_solve_params(inst, model, fixed_fleet=fixed_fleet))

        # A probe on PROBE_SHARE of the budget, then the rest at the speed the probe's routes imply.
        work = time_limit if work_seconds is None else work_seconds
        planned = self.iteration_budget(inst, PROBE_SHARE * work, initial, fixed_fleet=fixed_fleet)
        result = run(planned, init)
        done = result.num_iterations
        alternative = None
        if self.iterations is None:
            starts = [result.best]
            if done == planned and fallback is not None and not result.best.is_feasible():
                alt = _to_pyvrp_solution(model, inst, fallback)
                if alt is not None:
                    starts = [alt, result.best]
                    notes.append(FALLBACK_NOTE)
            outcomes = []
            for start in starts:
                rest = self.iteration_budget(inst, (1 - PROBE_SHARE) * work / len(starts),
                                             _from_pyvrp_solution(model, inst, start), fixed_fleet=fixed_fleet)
                if done == planned:
                    outcomes.append(run(rest, start))
                    done += outcomes[-1].num_iterations
                planned += rest
            if outcomes:
                result = outcomes[0]
            if len(outcomes) == 2:
                alternative = _from_pyvrp_solution(model, inst, outcomes[1].best)
        clock = done < planned
        if clock:
            notes.append(f"stopped by the time limit after {done} of {planned} "
                         "iterations (the same seed may then give a different plan)")
        if not result.best.is_feasible():
            notes.append("PyVRP's best plan breaks its own model (time warp, excess load or a missed "
                         "required delivery)")
        routes = _from_pyvrp_solution(model, inst, result.best)
        for r, nodes in enumerate(routes):
            if not nodes and not np.any(inst.carried_by == r):
                continue
            timed = schedule_route(inst, r, nodes)
            if isinstance(timed, Infeasible):
                what = inst.problem.orders[timed.order].id if timed.order is not None else "-"
                notes.append(f"rider {inst.problem.riders[r].id!r}: route does not time under the full "
                             f"rules ({timed.reason.value} at order {what!r})")
        served = {inst.order_of(v) for nodes in routes for v in nodes}
        reasons = {k: Reason.NOT_WORTH_IT for k in inst.open_orders
                   if k not in served and not bool(inst.required[k])}
        return EngineResult(routes, reasons, tuple(notes), clock_stopped=clock,
                            alternatives=() if alternative is None else (alternative,))
