"""Timing a rider's sequence of stops, and turning engines' sequences into a :class:`Solution`.

Engines decide *who visits what in which order*; this module decides *when*. For one route the
constraints (travel, windows, releases, shift, working time, out-of-fridge budgets) form a
system of difference constraints with disjunctive windows. :func:`schedule_route` finds its
least solution by monotone fixed-point iteration: every stop as early as it can be, pickups
pushed later only as far as a budget demands. That minimises lateness and respects every budget
whenever the sequence admits it. The checker (:mod:`medroute.check`) shares none of this code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from .compile import COST_SCALE, NO_LIMIT, Instance
from .compile import earliest_in as earliest_in  # the pre-checks time with it too
from .reasons import Reason
from .solution import Kpis, Load, Route, Solution, Stop, StopKind, Unassigned


@dataclass(frozen=True, slots=True)
class RouteTimes:
    """A feasible timing of one route. ``starts[i]`` is the service start at visit ``i``."""

    depart_s: int
    starts: tuple[int, ...]
    end_s: int
    loads: tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True)
class Infeasible:
    """Why a sequence cannot be timed: the binding constraint and the order it binds on."""

    reason: Reason
    order: int | None = None


def schedule_route(inst: Instance, r: int, nodes: Sequence[int]) -> RouteTimes | Infeasible:
    """Time rider ``r`` visiting ``nodes`` (pickup ``k`` / delivery ``n + k``) in that order."""
    dur = inst.duration(r)
    demand, cap = inst.demand_rows, inst.capacity_rows[r]
    # Structure and capacity first: cheap and independent of time.
    load = [0] * 5
    on_board: dict[int, int] = {}
    visited = {inst.order_of(v) for v in nodes}
    for k in inst.carried[r]:  # a carried order off the route is left out of the plan (unassigned)
        if k in visited:
            on_board[k] = -1
            load = [a + b for a, b in zip(load, demand[k], strict=True)]
    loads: list[tuple[int, ...]] = []
    seen_pick: dict[int, int] = {}
    for pos, v in enumerate(nodes):
        k = inst.order_of(v)
        if not inst.allowed[k, r]:
            reason = Reason.NO_COOLBOX_RIDER if cap[3] == 0 and inst.cold_list[k] else Reason.NO_RIDER
            return Infeasible(reason, k)
        if v < inst.n:
            if k in seen_pick or inst.carried_by[k] >= 0:
                return Infeasible(Reason.NO_RIDER, k)
            seen_pick[k] = pos
            on_board[k] = pos
            load = [a + b for a, b in zip(load, demand[k], strict=True)]
        else:
            if k not in on_board:
                return Infeasible(Reason.NO_RIDER, k)
            del on_board[k]
            load = [a - b for a, b in zip(load, demand[k], strict=True)]
        if any(a > c for a, c in zip(load, cap, strict=True)):
            return Infeasible(Reason.CAPACITY, k)
        loads.append(tuple(load))
    if on_board:
        return Infeasible(Reason.NO_RIDER, next(iter(on_board)))

    service, node_loc = inst.service_list, inst.node_loc_list
    locs = [int(inst.start_loc[r])] + [node_loc[v] for v in nodes]
    gaps = [0] + [int(dur[locs[i - 1], locs[i]]) + (service[nodes[i - 2]] if i > 1 else 0)
                  for i in range(1, len(locs))]
    end_loc = int(inst.end_loc[r])
    last_service = service[nodes[-1]] if nodes else 0
    end_gap = (int(dur[locs[-1], end_loc]) if end_loc >= 0 else 0) + last_service
    # back edges: t[pickup] >= t[delivery] - service(pickup) - budget
    back = []
    for pos, v in enumerate(nodes):
        if not inst.is_pickup(v):
            k = inst.order_of(v)
            limit = int(inst.max_ride[k, r])
            if limit < NO_LIMIT and k in seen_pick:
                back.append((seen_pick[k] + 1, pos + 1, -service[k] - limit, k))
    max_work = int(inst.max_work[r])

    t: list[int] = [int(inst.depart[r])] + [-1] * len(nodes)
    end = t[0]
    pushed = Reason.TIME_WINDOW  # what a missed window is blamed on: the last push, if any
    for _ in range(2 * len(nodes) + 10):
        for i in range(1, len(t)):
            bumped = earliest_in(max(t[i], t[i - 1] + gaps[i]), inst.windows[nodes[i - 1]])
            if bumped is None:
                return Infeasible(pushed, inst.order_of(nodes[i - 1]))
            t[i] = bumped
        end = t[-1] + end_gap if nodes else t[0] + end_gap
        changed = False
        for i, j, w, _k in back:
            if t[i] < t[j] + w:
                t[i], changed, pushed = t[j] + w, True, Reason.COLD_BUDGET
        if max_work < NO_LIMIT and t[0] < end - max_work:
            t[0], changed, pushed = end - max_work, True, Reason.SHIFT
        if not changed:
            break
    else:
        bound: int | None = back[0][3] if back else None
        return Infeasible(Reason.COLD_BUDGET if back else Reason.SHIFT, bound)
    # Every pickup as late as the stop after it allows (last first, so chains of pickups move
    # together): less time out of the fridge, and no other stop moves.
    for i in range(len(nodes) - 1, 0, -1):
        if inst.is_pickup(nodes[i - 1]):
            window_end = next(b for a, b in inst.windows[nodes[i - 1]] if a <= t[i] <= b)
            t[i] = max(t[i], min(window_end, t[i + 1] - gaps[i + 1]))
    if nodes:
        t[0] = max(t[0], t[1] - gaps[1])  # leave as late as the first stop allows
    if end > inst.shift_end[r]:
        return Infeasible(Reason.SHIFT, inst.order_of(nodes[-1]) if nodes else None)
    for i, v in enumerate(nodes):
        k = inst.order_of(v)
        if (not inst.is_pickup(v) and inst.carried_by[k] == r
                and t[i + 1] - inst.carried_since[k] > inst.max_ride[k, r]):
            return Infeasible(Reason.COLD_BUDGET, k)
    return RouteTimes(t[0], tuple(t[1:]), end, tuple(loads))


def drop_untimable(inst: Instance, routes: Sequence[Sequence[int]], *, label: str
                   ) -> tuple[list[list[int]], dict[int, Reason], list[str]]:
    """Take orders off each route until it times: an order on board that its rider cannot
    deliver even alone first (the other orders would be taken off for nothing); then the order
    the timing blames, or, when that one is already on board, the last order still at its
    pharmacy; only when none is left, an order on board — a flagged one first, else the one the
    timing blames. Then every order on board that is on no route (dropped, or left on another
    rider's route) goes back to its rider's route where that still times; else it comes back
    unassigned: its rider cannot deliver it.

    Returns the routes, the binding reason of each dropped order, and a note per drop (prefixed
    with ``label``).
    """
    out: list[list[int]] = []
    dropped: dict[int, Reason] = {}
    notes: list[str] = []
    for r, nodes in enumerate(routes):
        seq = list(nodes)
        alone = {k: schedule_route(inst, r, [inst.delivery(k)]) for k in {inst.order_of(v) for v in seq}
                 if inst.carried_by[k] >= 0}
        lost = {k: t for k, t in alone.items() if isinstance(t, Infeasible)}  # items it cannot deliver at all
        while seq:
            timed = schedule_route(inst, r, seq)
            if not isinstance(timed, Infeasible):
                break
            orders = [inst.order_of(v) for v in seq]
            movable = ([k for k in orders if k in lost] or [k for k in orders if inst.carried_by[k] < 0]
                       or [k for k in orders if k in inst.flagged] or orders)
            k = timed.order if timed.order in movable else movable[-1]
            binding = lost[k].reason if k in lost else timed.reason
            dropped[k] = _for_the_plan(inst, k, binding)
            seq = [v for v in seq if inst.order_of(v) != k]
            what = "already on board, left out by" if inst.carried_by[k] >= 0 else "taken off"
            why = (f"its route does not time, {binding.value}" if dropped[k] == binding else "its route is malformed "
                   "for it: picked up twice, never delivered or picked up, or on a rider who may not carry it")
            notes.append(f"{label}: order {inst.problem.orders[k].id!r} {what} rider "
                         f"{inst.problem.riders[r].id!r} (dropped: {why})")
        out.append(seq)
    routed = {inst.order_of(v) for seq in out for v in seq}
    for k in [k for k in range(inst.n) if 0 <= inst.carried_by[k] < len(out) and k not in routed
              and k not in inst.flagged]:
        r = int(inst.carried_by[k])  # dropped from another rider's route, or before later drops made room
        if (back := _reinsert_delivery(inst, r, out[r], k)) is not None:
            out[r] = back
            dropped.pop(k, None)
            notes.append(f"{label}: order {inst.problem.orders[k].id!r} delivered by rider "
                         f"{inst.problem.riders[r].id!r} after all")
    return out, dropped, notes


def _for_the_plan(inst: Instance, k: int, binding: Reason) -> Reason:
    """The reason the plan gives order ``k``, taken off a route on ``binding``: a structural fault
    of the route (:func:`schedule_route`'s ``no_rider`` or ``no_coolbox_rider``) says nothing
    about the order when some rider may carry it: ``search_limit`` then (the search did not place
    it well)."""
    if binding in (Reason.NO_RIDER, Reason.NO_COOLBOX_RIDER) and inst.allowed[k].any():
        return Reason.SEARCH_LIMIT
    return binding


def _reinsert_delivery(inst: Instance, r: int, seq: list[int], k: int) -> list[int] | None:
    """``seq`` with carried order ``k``'s delivery at the first place where the route times."""
    for pos in range(len(seq) + 1):
        trial = [*seq[:pos], inst.delivery(k), *seq[pos:]]
        if not isinstance(schedule_route(inst, r, trial), Infeasible):
            return trial
    return None


def route_cost(inst: Instance, r: int, nodes: Sequence[int], times: RouteTimes) -> float:
    """Cost units of a timed route: riding, lateness, lead time, waiting between stops and the
    rider's fixed cost (0 if empty)."""
    if not nodes:
        return 0.0
    cost = inst.rider_cost
    arc = inst.distance(r), inst.duration(r)
    locs = [int(inst.start_loc[r])] + [int(inst.node_loc[v]) for v in nodes]
    if inst.end_loc[r] >= 0:
        locs.append(int(inst.end_loc[r]))
    riding = 0
    for a, b in pairwise(locs):
        cost += arc[0][a, b] * inst.cost_per_m + arc[1][a, b] * inst.cost_per_s
        riding += int(arc[1][a, b])
    if inst.cost_per_wait_s:
        service = sum(inst.service_list[v] for v in nodes)
        cost += (times.end_s - times.depart_s - riding - service) * inst.cost_per_wait_s
    for v, s in zip(nodes, times.starts, strict=True):
        k = inst.order_of(v)
        if inst.is_pickup(v):
            continue
        if s > inst.target[k]:
            cost += (s - int(inst.target[k])) * float(inst.late_cost[k])
        cost += max(0, s - int(inst.release[k])) * float(inst.lead_cost[k])
    return float(cost)


def build_solution(inst: Instance, routes: Sequence[Sequence[int]], *,
                   reasons: Mapping[int, Reason] | None = None, engine: str = "", seed: int = 0,
                   solve_time_s: float = 0.0, notes: Sequence[str] = ()) -> Solution:
    """Time every rider's sequence and assemble the :class:`Solution` with its KPIs.

    ``routes[r]`` is rider ``r``'s node sequence. Orders on no route — an order already on board
    included — are reported unassigned with ``reasons[k]``, the pre-check flag, or
    :attr:`Reason.SEARCH_LIMIT` (the checker refuses an order on board left out that its rider
    could deliver).
    Raises :class:`~medroute.errors.EngineError` if a sequence cannot be timed.
    """
    from .errors import EngineError

    p = inst.problem
    reasons = dict(reasons or {})
    out_routes: list[Route] = []
    served: set[int] = set()
    travel = dist = late_total = late_max = cold_max = used = 0
    objective = 0.0
    on_time = 0
    leads: list[int] = []
    for r, nodes in enumerate(routes):
        nodes = list(nodes)
        if not nodes:
            continue
        carried = sorted({inst.order_of(v) for v in nodes} & set(inst.carried[r]))
        timed = schedule_route(inst, r, nodes)
        if isinstance(timed, Infeasible):
            what = p.orders[timed.order].id if timed.order is not None else "-"
            raise EngineError(f"engine {engine!r}: rider {p.riders[r].id!r} route cannot be timed "
                              f"({timed.reason.value} at order {what!r})")
        used += 1
        objective += route_cost(inst, r, nodes, timed)
        dmat, tmat = inst.distance(r), inst.duration(r)
        start_loc = int(inst.start_loc[r])
        picked: dict[int, int] = {k: int(inst.carried_since[k]) for k in carried}
        stops = [Stop(StopKind.START, None, int(p.riders[r].start_s), timed.depart_s, timed.depart_s,
                      load=Load(*[int(x) for x in inst.demand[carried].sum(axis=0)]) if carried else Load(),
                      cold=tuple((p.orders[c].id, timed.depart_s - picked[c]) for c in carried
                                 if inst.cold_list[c]))]
        prev_loc, prev_dep = start_loc, timed.depart_s
        for v, s, ld in zip(nodes, timed.starts, timed.loads, strict=True):
            k, loc = inst.order_of(v), int(inst.node_loc[v])
            leg_t, leg_d = int(tmat[prev_loc, loc]), int(dmat[prev_loc, loc])
            dep = s + int(inst.service[v])
            cold = tuple((p.orders[c].id, s - picked[c]) for c in sorted(picked) if inst.cold_list[c])
            if inst.is_pickup(v):
                picked[k] = dep
                kind = StopKind.PICKUP
            else:
                del picked[k]
                kind = StopKind.DELIVERY
                served.add(k)
                late = max(0, s - int(inst.target[k]))
                late_total, late_max = late_total + late, max(late_max, late)
                on_time += late == 0
                leads.append(s - p.orders[k].release_s)
                cold_max = max([cold_max] + [e for o, e in cold if o == p.orders[k].id])
            stops.append(Stop(kind, p.orders[k].id, prev_dep + leg_t, s, dep, leg_t, leg_d, Load(*ld), cold))
            travel, dist = travel + leg_t, dist + leg_d
            prev_loc, prev_dep = loc, dep
        end_loc = int(inst.end_loc[r])
        leg_t = int(tmat[prev_loc, end_loc]) if end_loc >= 0 else 0
        leg_d = int(dmat[prev_loc, end_loc]) if end_loc >= 0 else 0
        stops.append(Stop(StopKind.END, None, timed.end_s, timed.end_s, timed.end_s, leg_t, leg_d))
        travel, dist = travel + leg_t, dist + leg_d
        out_routes.append(Route(p.riders[r].id, tuple(stops)))
    unassigned = []
    for k, o in enumerate(p.orders):
        if k in served:
            continue
        if k in inst.flagged:
            reason, detail = inst.flagged[k].reason, inst.flagged[k].message
        else:
            reason = reasons.get(k, Reason.SEARCH_LIMIT)
            detail = ""
        unassigned.append(Unassigned(o.id, reason, detail))
        objective += float(inst.drop_cost[k])
    obj = p.objective
    kpis = Kpis(
        orders=inst.n, served=len(served), unassigned=len(unassigned), riders_used=used,
        travel_s=travel, distance_m=dist,
        on_time_share=on_time / inst.n if inst.n else 1.0,
        total_late_s=late_total, max_late_s=late_max, max_cold_exposure_s=cold_max,
        cost_rp=round(dist / 1000 * obj.rupiah_per_km, 2),
        objective_rp=round(objective / COST_SCALE, 2),
        mean_lead_s=sum(leads) / len(leads) if leads else 0.0,
        max_lead_s=max(leads, default=0),
    )
    return Solution(routes=tuple(out_routes), unassigned=tuple(unassigned), kpis=kpis, engine=engine,
                    seed=seed, solve_time_s=solve_time_s, notes=tuple(notes))


def node_routes(inst: Instance, solution: Solution) -> tuple[tuple[int, ...], ...]:
    """``solution``'s routes as ``inst``'s per-rider node sequences (what :func:`build_solution`
    reads back): a warm start for an engine. Visits of orders or riders ``inst`` lacks are
    left out."""
    orders = {o.id: k for k, o in enumerate(inst.problem.orders)}
    riders = {r.id: i for i, r in enumerate(inst.problem.riders)}
    routes: list[tuple[int, ...]] = [() for _ in range(inst.m)]
    for route in solution.routes:
        r = riders.get(route.rider)
        if r is None:
            continue
        routes[r] = tuple(inst.pickup(orders[s.order]) if s.kind == StopKind.PICKUP else inst.delivery(orders[s.order])
                          for s in route.visits if s.order in orders)
    return tuple(routes)


def start_routes(inst: Instance, initial: Solution) -> tuple[tuple[tuple[int, ...], ...], tuple[str, ...]]:
    """``initial``'s routes as a warm start (:func:`node_routes`) of only the orders whose visits
    make a well-formed start, and a note for each rider or order left out.

    A start plan is a hint: an order the engines could not read -- picked up but not delivered,
    delivered but not picked up (and not on board of that rider), delivered before it is picked
    up, visited twice, on two riders, on a rider who may not carry it, or already on board of
    another rider -- is left out of the start (the search may still plan it), as are a second
    route of one rider, a rider and an order the problem does not hold.
    """
    orders = {o.id: k for k, o in enumerate(inst.problem.orders)}
    riders = {r.id: i for i, r in enumerate(inst.problem.riders)}
    notes: list[str] = []
    kept: list[Route] = []
    for route in initial.routes:
        if route.rider not in riders:
            notes.append(f"initial plan: rider {route.rider!r} is not in the problem; its route is left out of "
                         "the start")
        elif any(r.rider == route.rider for r in kept):
            notes.append(f"initial plan: rider {route.rider!r} has a second route; it is left out of the start")
        else:
            kept.append(route)
    carriers: dict[str, list[str]] = {}
    for route in kept:
        for oid in dict.fromkeys(s.order for s in route.visits if s.order is not None):
            carriers.setdefault(oid, []).append(route.rider)
    bad: set[str] = set()
    for route in kept:
        r = riders[route.rider]
        kinds: dict[str, list[StopKind]] = {}
        for stop in route.visits:
            if stop.order is not None:
                kinds.setdefault(stop.order, []).append(stop.kind)
        for oid, seen in kinds.items():
            what = _start_fault(inst, orders.get(oid), r, seen, carriers[oid])
            if what is not None:
                bad.add(oid)
                notes.append(f"initial plan: order {oid!r} on rider {route.rider!r} {what}; it is left out of "
                             "the start")
    clean = Solution(routes=tuple(replace(route, stops=tuple(s for s in route.stops if s.order not in bad))
                                  for route in kept))
    return node_routes(inst, clean), tuple(notes)


def _start_fault(inst: Instance, k: int | None, r: int, kinds: Sequence[StopKind], carriers: Sequence[str]
                 ) -> str | None:
    """What makes order ``k``'s visits ``kinds`` on rider ``r`` no start (``carriers``: the riders
    whose start routes visit it), or ``None``."""
    if k is None:
        return "is not in the problem"
    if len(carriers) > 1:
        return "is also on rider " + ", ".join(repr(c) for c in carriers if c != inst.problem.riders[r].id)
    carrier = int(inst.carried_by[k])
    if carrier >= 0 and carrier != r:
        return f"is already on board of rider {inst.problem.riders[carrier].id!r}"
    if not inst.allowed[k, r]:
        lock = inst.problem.orders[k].rider
        return f"is locked to rider {lock!r}" if lock is not None else "is cold and this rider has no cool box"
    if carrier == r:
        return None if list(kinds) == [StopKind.DELIVERY] else "is already on board: its start is its delivery alone"
    if list(kinds) == [StopKind.PICKUP, StopKind.DELIVERY]:
        return None
    if list(kinds) == [StopKind.PICKUP]:
        return "is picked up but not delivered"
    if list(kinds) == [StopKind.DELIVERY]:
        return "is delivered but not picked up"
    if list(kinds) == [StopKind.DELIVERY, StopKind.PICKUP]:
        return "is delivered before it is picked up"
    return f"is visited {len(kinds)} times (a pickup and a delivery each once)"
