"""Cheapest feasible insertion and plan repair: the construction and repair steps shared by the
``auto`` engine and the live :class:`~medroute.dispatch.Dispatcher`.

Every candidate position is timed with :func:`~medroute.schedule.schedule_route`, so whatever
these functions return times under the full rules.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .compile import NO_LIMIT, Instance
from .reasons import Reason
from .schedule import Infeasible, RouteTimes, route_cost, schedule_route

Routes = list[list[int]]

_TRIES = 60
"""Insertion positions timed per order before giving up on it (cheapest detour first)."""
_PER_RIDER = 6
"""Of which at most this many on one rider, so that an idle rider is always among them."""


class Deadline:
    """A wall-clock budget, seconds from now."""

    def __init__(self, budget_s: float) -> None:
        self.start = time.perf_counter()
        self.deadline = self.start + budget_s

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def over(self) -> bool:
        return time.perf_counter() >= self.deadline


def needs_route(inst: Instance, r: int, nodes: Sequence[int]) -> bool:
    """Whether rider r has anything to do: visits, or items already on board."""
    return bool(nodes) or bool(np.any(inst.carried_by == r))


def plan_objective(inst: Instance, routes: Sequence[Sequence[int]]) -> float | None:
    """Medroute's objective of ``routes`` in cost units; ``None`` if a route does not time."""
    total = 0.0
    served: set[int] = set()
    for r, nodes in enumerate(routes):
        if not needs_route(inst, r, nodes):
            continue
        timed = schedule_route(inst, r, nodes)
        if isinstance(timed, Infeasible):
            return None
        total += route_cost(inst, r, nodes, timed)
        served.update(inst.order_of(v) for v in nodes)
    total += sum(float(inst.drop_cost[k]) for k in range(inst.n) if k not in served)
    return total


class Inserter:
    """Cheapest feasible insertion of orders into per-rider node sequences.

    The detour cost of every (pickup position, delivery position) pair is computed at once with
    numpy; positions are then timed cheapest first with :func:`schedule_route` until one fits
    (at most ``_TRIES`` per order, ``_PER_RIDER`` per rider).
    """

    def __init__(self, inst: Instance, compare: int = 1) -> None:
        self.inst = inst
        self.compare = compare
        n_loc = int(inst.durations[0].shape[0]) if inst.durations else len(inst.problem.locations)
        self.open_end = n_loc
        self._costs: dict[tuple[int, int], NDArray[np.int64]] = {}
        self.cost: list[NDArray[np.int64]] = []
        for r in range(inst.m):
            key = (int(inst.rider_distances[r]), int(inst.rider_durations[r]))
            if key not in self._costs:
                c = np.zeros((n_loc + 1, n_loc + 1), dtype=np.int64)
                c[:n_loc, :n_loc] = inst.arc_cost(r)
                self._costs[key] = c
            self.cost.append(self._costs[key])

    def _timed_cost(self, r: int, nodes: Sequence[int]) -> float | None:
        if not needs_route(self.inst, r, nodes):
            return 0.0
        timed = schedule_route(self.inst, r, nodes)
        if isinstance(timed, Infeasible):
            return None
        return route_cost(self.inst, r, nodes, timed)

    def best_insertion(self, routes: Routes, k: int,
                       base: Sequence[float | None]) -> tuple[float, int, list[int]] | None:
        """The cheapest feasible way found to add order ``k``: (cost change, rider, new sequence).

        Positions on all eligible riders are ranked by detour cost; they are timed in that order
        and the first that times wins.
        """
        inst = self.inst
        carried = int(inst.carried_by[k])
        riders = [carried] if carried >= 0 else [r for r in range(inst.m) if inst.allowed[k, r]]
        options: list[tuple[float, int, int, int]] = []
        p, d = int(inst.node_loc[inst.pickup(k)]), int(inst.node_loc[inst.delivery(k)])
        for r in riders:
            if base[r] is None and carried < 0:
                continue
            seq = routes[r]
            c = self.cost[r]
            locs = np.array([int(inst.start_loc[r])] + [int(inst.node_loc[v]) for v in seq], dtype=np.int64)
            end = int(inst.end_loc[r])
            nxt = np.append(locs[1:], end if end >= 0 else self.open_end)
            base_arc = c[locs, nxt]
            dd = c[locs, d] + c[d, nxt] - base_arc
            size = len(seq) + 1
            if carried >= 0:
                options += [(float(dd[j]), r, -1, j) for j in np.argsort(dd, kind="stable")[:_PER_RIDER]]
                continue
            dp = c[locs, p] + c[p, nxt] - base_arc
            same = c[locs, p] + c[p, d] + c[d, nxt] - base_arc
            delta = dp[:, None] + dd[None, :]
            delta[np.tril_indices(size, -1)] = np.iinfo(np.int64).max // 4
            np.fill_diagonal(delta, same)
            flat = np.argsort(delta, axis=None, kind="stable")[:_PER_RIDER]
            options += [(float(delta.flat[f]), r, int(f) // size, int(f) % size) for f in flat
                        if int(f) % size >= int(f) // size]
        options.sort()
        best: tuple[float, int, list[int]] | None = None
        found = 0
        for _, r, i, j in options[:_TRIES]:
            seq = routes[r]
            if i < 0:
                new = [*seq[:j], inst.delivery(k), *seq[j:]]
            else:
                new = [*seq[:i], inst.pickup(k), *seq[i:j], inst.delivery(k), *seq[j:]]
            cost = self._timed_cost(r, new)
            if cost is not None:
                change = cost - (base[r] or 0.0)
                if best is None or change < best[0]:
                    best = (change, r, new)
                found += 1
                if found >= self.compare:
                    break
        return best

    def insert(self, routes: Routes, orders: Sequence[int], clock: Deadline) -> tuple[Routes, dict[int, Reason]]:
        """Insert ``orders`` one by one (hardest first) where each costs least; returns the routes
        and a reason for every order left out."""
        inst = self.inst
        routes = [list(s) for s in routes]
        base: list[float | None] = [self._timed_cost(r, s) for r, s in enumerate(routes)]
        reasons: dict[int, Reason] = {}

        def hardness(k: int) -> tuple[int, int, int, int, int]:
            cold = bool(np.any(inst.max_ride[k] < NO_LIMIT))
            deadline = inst.windows[inst.delivery(k)][-1][1] if inst.windows[inst.delivery(k)] else 0
            return (0 if inst.carried_by[k] >= 0 else 1, 0 if inst.required[k] else 1, 0 if cold else 1,
                    deadline, k)

        for k in sorted(orders, key=hardness):
            if clock.over():
                reasons[k] = Reason.SEARCH_LIMIT
                continue
            found = self.best_insertion(routes, k, base)
            if found is None:
                reasons[k] = Reason.COLD_BUDGET if np.any(inst.max_ride[k] < NO_LIMIT) else Reason.TIME_WINDOW
                continue
            change, r, new = found
            if inst.carried_by[k] < 0 and not inst.required[k] and change >= float(inst.drop_cost[k]):
                reasons[k] = Reason.NOT_WORTH_IT
                continue
            routes[r] = new
            base[r] = self._timed_cost(r, new)
        return routes, reasons


def repair(inst: Instance, routes: Sequence[Sequence[int]], inserter: Inserter,
           clock: Deadline) -> tuple[Routes, dict[int, Reason], int]:
    """Make ``routes`` feasible: drop the orders the timing blames until each route times, then
    reinsert every unserved open order by cheapest feasible insertion.

    Returns the routes, reasons for orders still left out, and how many orders were removed.
    """
    out: Routes = []
    seen: set[int] = set()
    removed = 0
    for r, nodes in enumerate(routes):
        # Keep only well-formed visits: known nodes, each order once, on an allowed rider.
        seq: list[int] = []
        for v in nodes:
            k = inst.order_of(v) if 0 <= v < 2 * inst.n else -1
            if k < 0 or (k in inst.flagged and inst.carried_by[k] < 0) or not inst.allowed[k, r]:
                continue
            if (inst.is_pickup(v) and k in seen) or (not inst.is_pickup(v) and v in seq):
                continue
            seq.append(v)
            if inst.is_pickup(v):
                seen.add(k)
        orders = [inst.order_of(v) for v in seq if not inst.is_pickup(v)]
        complete = {k for k in orders if inst.carried_by[k] == r
                    or (k in seen and seq.index(k) < seq.index(inst.delivery(k)))}
        seq = [v for v in seq if inst.order_of(v) in complete]
        while needs_route(inst, r, seq):
            timed = schedule_route(inst, r, seq)
            if isinstance(timed, RouteTimes):
                break
            blame = timed.order
            movable = [inst.order_of(v) for v in seq if inst.carried_by[inst.order_of(v)] < 0]
            if blame is None or blame not in movable:
                if not movable:
                    break
                blame = movable[-1]
            seq = [v for v in seq if inst.order_of(v) != blame]
            removed += 1
        out.append(seq)
    served = {inst.order_of(v) for s in out for v in s}
    missing = [k for k in range(inst.n) if k not in served and (k not in inst.flagged or inst.carried_by[k] >= 0)]
    routes_out, reasons = inserter.insert(out, missing, clock)
    return routes_out, reasons, removed
