"""Cheapest feasible insertion and plan repair: the construction and repair steps shared by the
``auto`` engine and the live :class:`~medroute.dispatch.Dispatcher`.

Every candidate position is timed with :func:`~medroute.schedule.schedule_route`, so whatever
these functions return times under the full rules.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Sequence
from typing import Any

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
    """A wall-clock budget, seconds from now (``math.inf``: none, and no clock is read).

    Parameters
    ----------
    budget_s
        Seconds from now.
    """

    def __init__(self, budget_s: float) -> None:
        self.start = time.perf_counter()
        self.deadline = self.start + budget_s

    @property
    def bounded(self) -> bool:
        """Whether the budget ends (a search paced by it depends on the machine's speed)."""
        return math.isfinite(self.deadline)

    def left(self) -> float:
        """Seconds left (``inf`` without an end)."""
        return self.deadline - time.perf_counter() if self.bounded else math.inf

    def over(self) -> bool:
        """Whether the budget has ended."""
        return self.bounded and time.perf_counter() >= self.deadline


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


@functools.cache
def _below_diagonal(size: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Indices of a ``size`` × ``size`` matrix below its diagonal (a delivery before its pickup)."""
    return np.tril_indices(size, -1)


Option = tuple[float, float, int, int, int]
"""(rank, lower bound on the cost change, rider, pickup position or -1 for an order on board,
delivery position)."""


class Inserter:
    """Cheapest feasible insertion of orders into per-rider node sequences.

    The detour cost of every (pickup position, delivery position) pair is computed at once with
    numpy; positions are then timed cheapest first with :func:`schedule_route` until one fits
    (at most ``_TRIES`` per order, ``_PER_RIDER`` per rider).
    """

    compare = 1
    """Positions that time compared by their full cost; the first one wins here."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
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
        self._times: dict[int, tuple[tuple[int, ...], RouteTimes]] = {}

    def _timed_cost(self, r: int, nodes: Sequence[int], *, keep: bool = False) -> float | None:
        """Full cost of rider ``r`` riding ``nodes`` (``None`` if it does not time); ``keep``
        remembers the timing as ``r``'s current route."""
        if not needs_route(self.inst, r, nodes):
            return 0.0
        timed = schedule_route(self.inst, r, nodes)
        if isinstance(timed, Infeasible):
            return None
        if keep:
            self._times[r] = (tuple(nodes), timed)
        return route_cost(self.inst, r, nodes, timed)

    def _route_arcs(self, r: int, seq: Sequence[int]) -> tuple[NDArray[np.int64], NDArray[np.int64],
                                                               NDArray[np.int64]]:
        """Matrix rows of ``r``'s start and stops, of what follows each, and the arc costs between."""
        inst = self.inst
        locs = np.array([int(inst.start_loc[r])] + [inst.node_loc_list[v] for v in seq], dtype=np.int64)
        end = int(inst.end_loc[r])
        nxt = np.append(locs[1:], end if end >= 0 else self.open_end)
        return locs, nxt, self.cost[r][locs, nxt]

    def _rider_options(self, k: int, r: int, seq: Sequence[int]) -> list[Option]:
        """The ``_PER_RIDER`` best positions of order ``k`` on rider ``r``, ranked by the detour."""
        inst = self.inst
        c = self.cost[r]
        p, d = int(inst.node_loc[inst.pickup(k)]), int(inst.node_loc[inst.delivery(k)])
        locs, nxt, base_arc = self._route_arcs(r, seq)
        dd = (c[locs, d] + c[d, nxt] - base_arc).astype(np.float64)
        size = len(seq) + 1
        if inst.carried_by[k] >= 0:
            return [(float(dd[j]), float(dd[j]), r, -1, int(j)) for j in np.argsort(dd, kind="stable")[:_PER_RIDER]]
        dp = c[locs, p] + c[p, nxt] - base_arc
        delta = (dp[:, None] + dd[None, :]).astype(np.float64)
        np.fill_diagonal(delta, c[locs, p] + c[p, d] + c[d, nxt] - base_arc)
        delta[_below_diagonal(size)] = np.inf
        flat = np.argsort(delta, axis=None, kind="stable")[:_PER_RIDER]
        return [(float(delta.flat[f]), float(delta.flat[f]), r, int(f) // size, int(f) % size) for f in flat
                if int(f) % size >= int(f) // size]

    def _eligible(self, k: int, base: Sequence[float | None]) -> list[int]:
        carried = int(self.inst.carried_by[k])
        if carried >= 0:
            return [carried]
        return [r for r in range(self.inst.m) if self.inst.allowed[k, r] and base[r] is not None]

    def _options(self, routes: Routes, k: int, base: Sequence[float | None]) -> list[Option]:
        """The positions to time, best rank first."""
        options = [o for r in self._eligible(k, base) for o in self._rider_options(k, r, routes[r])]
        options.sort()
        return options[:_TRIES]

    def best_insertion(self, routes: Routes, k: int,
                       base: Sequence[float | None]) -> tuple[float, int, list[int]] | None:
        """The cheapest feasible way found to add order ``k``: (cost change, rider, new sequence).

        Positions are ranked (:meth:`_options`) and timed in that order; the first that times wins
        here, the cheapest of the first :attr:`compare` that time in :class:`FullCostInserter`.
        """
        inst = self.inst
        best: tuple[float, int, list[int]] | None = None
        found = 0
        for _, bound, r, i, j in self._options(routes, k, base):
            if best is not None and bound >= best[0]:
                continue  # cannot cost less than the best one found
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

    def _pace(self, clock: Deadline, remaining: int) -> bool:
        """Whether to search a place for the next of ``remaining`` orders (here: while ``clock`` lasts)."""
        return not clock.over()

    def insert(self, routes: Routes, orders: Sequence[int], clock: Deadline) -> tuple[Routes, dict[int, Reason]]:
        """Insert ``orders`` one by one (hardest first) where each costs least; returns the routes
        and a reason for every order left out."""
        inst = self.inst
        routes = [list(s) for s in routes]
        base: list[float | None] = [self._timed_cost(r, s, keep=True) for r, s in enumerate(routes)]
        reasons: dict[int, Reason] = {}

        def hardness(k: int) -> tuple[int, int, int, int, int]:
            cold = bool(np.any(inst.max_ride[k] < NO_LIMIT))
            deadline = inst.windows[inst.delivery(k)][-1][1] if inst.windows[inst.delivery(k)] else 0
            return (0 if inst.carried_by[k] >= 0 else 1, 0 if inst.required[k] else 1, 0 if cold else 1,
                    deadline, k)

        todo = sorted(orders, key=hardness)
        for i, k in enumerate(todo):
            if not self._pace(clock, len(todo) - i):
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
            base[r] = self._timed_cost(r, new, keep=True)
        return routes, reasons


class FullCostInserter(Inserter):
    """Insertion where each order goes where it adds least to the *full* objective, lateness and
    lead time included (the detour alone ignores the patients).

    A position's *bound* is its detour plus a lower bound on the order's own lateness and
    lead-time cost (its delivery cannot start before the rider, leaving the stop before it when
    the current route does, has ridden to the pharmacy and the door); its *rank* adds an estimate
    of what the detour's time costs the deliveries after it (delay × their lead and lateness
    rates, no waiting absorbed). The ``riders`` riders with the least bound give their best-ranked
    positions, which are timed best rank first until ``compare`` of them time; a position whose
    bound cannot beat the best change found is not timed.

    Parameters
    ----------
    inst
        The compiled problem.
    compare
        Most positions that time compared by their full cost change, per order (fewer when the
        clock is short for the orders left, see :meth:`_pace`); kept as :attr:`most`.
    riders
        Riders whose positions are ranked, per order.
    finish
        Place every order even when the clock is over (best-ranked position that times); with
        ``False`` the orders the clock did not reach are left out with ``search_limit``.
    """

    def __init__(self, inst: Instance, *, compare: int = 8, riders: int = 12, finish: bool = True) -> None:
        super().__init__(inst)
        self.compare = self.most = compare
        self.riders = riders
        self.finish = finish
        self._timings = 0
        self._per_timing = 0.0
        self._mark: tuple[float, int] | None = None
        self._route: dict[int, tuple[tuple[int, ...], tuple[NDArray[Any], ...]]] = {}
        self._durations: dict[int, NDArray[np.int64]] = {}

    def _duration(self, r: int) -> NDArray[np.int64]:
        """Rider ``r``'s travel times with a zero row and column for an open end, seconds."""
        key = int(self.inst.rider_durations[r])
        if key not in self._durations:
            n = self.open_end
            t = np.zeros((n + 1, n + 1), dtype=np.int64)
            t[:n, :n] = self.inst.duration(r)
            self._durations[key] = t
        return self._durations[key]

    def _positions(self, r: int, seq: Sequence[int]) -> tuple[NDArray[Any], ...]:
        """For ``r``'s route ``seq``, per insertion position: the matrix rows before and after, the
        arc cost and time between, when the rider leaves the stop before (the start's departure
        everywhere when ``seq`` is not the kept route: still a lower bound), and the lead and
        lateness rate of the deliveries after; cached while the route stays."""
        key = tuple(seq)
        cached = self._route.get(r)
        if cached is not None and cached[0] == key:
            return cached[1]
        inst = self.inst
        locs, nxt, base_arc = self._route_arcs(r, seq)
        kept = self._times.get(r)
        starts = kept[1].starts if kept is not None and kept[0] == key else None
        if starts is None:
            leave = np.full(len(seq) + 1, int(inst.depart[r]), dtype=np.int64)
        else:
            leave = np.array([int(inst.depart[r])]
                             + [s + inst.service_list[v] for v, s in zip(seq, starts, strict=True)])
        rate = np.zeros(len(seq) + 1)
        for pos, v in enumerate(seq):
            if not inst.is_pickup(v):
                k = inst.order_of(v)
                near = starts is None or starts[pos] >= int(inst.target[k]) - 900
                rate[pos] = float(inst.lead_cost[k]) + (float(inst.late_cost[k]) if near else 0.0)
        after = np.cumsum(rate[::-1])[::-1]  # rate of seq[i:], the stops an insertion at i delays
        out = (locs, nxt, base_arc, self._duration(r)[locs, nxt], leave, after)
        self._route[r] = (key, out)
        return out

    def _arrival(self, k: int, durations: NDArray[np.int64], locs: NDArray[np.int64],
                 leave: NDArray[np.int64]) -> NDArray[np.int64]:
        """Earliest delivery of ``k`` with its first node after each position (and, for an order
        to pick up, its delivery right after), seconds."""
        inst = self.inst
        door = int(inst.node_loc[inst.delivery(k)])
        if inst.carried_by[k] >= 0:
            return np.asarray(leave + durations[locs, door], dtype=np.int64)
        ph = int(inst.node_loc[k])
        opens = inst.windows[k][0][0] if inst.windows[k] else 0
        return np.asarray(np.maximum(opens, leave + durations[locs, ph]) + int(inst.service[k])
                          + int(durations[ph, door]), dtype=np.int64)

    def _own(self, k: int, deliver: NDArray[np.int64]) -> NDArray[np.float64]:
        """``k``'s own lateness and lead cost if delivered at ``deliver`` (seconds)."""
        inst = self.inst
        late = np.maximum(0, deliver - int(inst.target[k])) * float(inst.late_cost[k])
        lead = np.maximum(0, deliver - int(inst.release[k])) * float(inst.lead_cost[k])
        return np.asarray(late + lead, dtype=np.float64)

    def _ranked(self, k: int, r: int, seq: Sequence[int]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Bound and rank of every (pickup position, delivery position) of ``k`` on ``r`` (one row
        for an order on board), ``inf`` where the delivery would come first."""
        inst = self.inst
        c, t = self.cost[r], self._duration(r)
        locs, nxt, base_arc, base_t, leave, after = self._positions(r, seq)
        arrive = self._arrival(k, t, locs, leave)
        p, d = int(inst.node_loc[inst.pickup(k)]), int(inst.node_loc[inst.delivery(k)])
        sd = int(inst.service[inst.delivery(k)])
        dd = (c[locs, d] + c[d, nxt] - base_arc).astype(np.float64)
        late_d = (t[locs, d] + sd + t[d, nxt] - base_t) * after
        if inst.carried_by[k] >= 0:
            own = self._own(k, arrive)
            return (dd + own)[None, :], (dd + own + late_d)[None, :]
        # the delivery before stop j cannot start before the rider leaves the stop before it
        deliver = np.maximum(arrive[:, None], (leave + t[locs, d])[None, :])
        np.fill_diagonal(deliver, arrive)
        own2 = self._own(k, deliver)
        sp = int(inst.service[k])
        bound = (c[locs, p] + c[p, nxt] - base_arc)[:, None] + dd[None, :]
        rank = bound + ((t[locs, p] + sp + t[p, nxt] - base_t) * after)[:, None] + late_d[None, :]
        same = (c[locs, p] + c[p, d] + c[d, nxt] - base_arc).astype(np.float64)
        np.fill_diagonal(bound, same)
        np.fill_diagonal(rank, same + (t[locs, p] + sp + t[p, d] + sd + t[d, nxt] - base_t) * after)
        bound, rank = bound + own2, rank + own2
        below = _below_diagonal(len(seq) + 1)
        bound[below] = rank[below] = np.inf
        return bound, rank

    def _least(self, k: int, routes: Routes, riders: Sequence[int]) -> NDArray[np.float64]:
        """Per rider of ``riders``: a lower bound on the cost change of adding ``k`` anywhere on its
        route (all riders at once, grouped by travel matrices)."""
        inst = self.inst
        out = np.empty(len(riders))
        groups: dict[tuple[int, int], list[int]] = {}
        for pos, r in enumerate(riders):
            groups.setdefault((int(inst.rider_distances[r]), int(inst.rider_durations[r])), []).append(pos)
        p, d = int(inst.node_loc[inst.pickup(k)]), int(inst.node_loc[inst.delivery(k)])
        for at in groups.values():
            arrays = [self._positions(riders[a], routes[riders[a]]) for a in at]
            locs, nxt, base_arc, leave = (np.concatenate([x[f] for x in arrays]) for f in (0, 1, 2, 4))
            starts = np.cumsum([0] + [len(x[0]) for x in arrays[:-1]])
            c = self.cost[riders[at[0]]]
            own = self._own(k, self._arrival(k, self._duration(riders[at[0]]), locs, leave))
            into = c[locs, d] + c[d, nxt] - base_arc
            if inst.carried_by[k] < 0:
                best_d = np.repeat(np.minimum.reduceat(into, starts), [len(x[0]) for x in arrays])
                into = np.minimum(c[locs, p] + c[p, d] + c[d, nxt], c[locs, p] + c[p, nxt] + best_d) - base_arc
            out[at] = np.minimum.reduceat(into + own, starts)
        return out

    def _timed_cost(self, r: int, nodes: Sequence[int], *, keep: bool = False) -> float | None:
        self._timings += 1
        return super()._timed_cost(r, nodes, keep=keep)

    def _pace(self, clock: Deadline, remaining: int) -> bool:
        """Whether to search (always with :attr:`finish`: a live plan never leaves a patient out
        for want of search time; else while ``clock`` lasts). The positions compared per order
        scale with what ``clock`` leaves for the ``remaining`` orders (at the measured seconds per
        timed position), from :attr:`most` down to one: the best-ranked position that times, once
        the clock is over (milliseconds per order). A ``clock`` without an end (a work budget)
        compares :attr:`most` for every order and reads no clock: the plan is the same on any
        machine."""
        if not clock.bounded:
            self.compare = self.most
            return True
        if not self.finish and clock.over():
            return False
        now = time.perf_counter()
        if self._mark is not None and self._timings > self._mark[1]:
            seen = (now - self._mark[0]) / (self._timings - self._mark[1])
            self._per_timing = seen if self._per_timing == 0 else 0.7 * self._per_timing + 0.3 * seen
        self._mark = (now, self._timings)
        left = clock.left()
        if left <= 0:
            self.compare = 1
        elif self._per_timing > 0:
            self.compare = int(max(1, min(self.most, left / (remaining * self._per_timing))))
        else:
            self.compare = self.most
        return True

    def insert(self, routes: Routes, orders: Sequence[int], clock: Deadline) -> tuple[Routes, dict[int, Reason]]:
        """As :meth:`Inserter.insert`, every order searched (see :meth:`_pace`); so it may overrun
        ``clock`` by a few milliseconds per order."""
        self._mark = None
        return super().insert(routes, orders, clock)

    def _options(self, routes: Routes, k: int, base: Sequence[float | None]) -> list[Option]:
        riders = self._eligible(k, base)
        if not riders:
            return []
        least = self._least(k, routes, riders)
        carried = self.inst.carried_by[k] >= 0
        options: list[Option] = []
        for a in np.argsort(least, kind="stable")[:self.riders]:
            r = riders[int(a)]
            bound, rank = self._ranked(k, r, routes[r])
            for f in np.argsort(rank, axis=None, kind="stable")[:_PER_RIDER]:
                i, j = divmod(int(f), bound.shape[1])
                if np.isfinite(rank.flat[f]):
                    options.append((float(rank.flat[f]), float(bound.flat[f]), r, -1 if carried else i, j))
        options.sort()
        return options[:_TRIES]


ON_BOARD_SEARCH = 5
"""Most items on board of one rider whose delivery orders are searched exhaustively when their
order in a route no longer times; more are tried earliest deadline first only. At 5, a search
that finds nothing times at most 325 prefixes; at 6, 1,956, each a route timing, repeated for
each candidate of a replan of 0.1–2 s."""


def board_deadline(inst: Instance, k: int) -> int:
    """When item ``k`` on board must be delivered at the latest: the end of its last door window
    or of its out-of-fridge budget, whichever is first, seconds."""
    d = inst.delivery(k)
    closes = inst.windows[d][-1][1] if inst.windows[d] else 0
    return min(closes, int(inst.carried_since[k] + inst.max_ride[k, inst.carried_by[k]]))


def order_on_board(inst: Instance, r: int, seq: Sequence[int]) -> list[int] | None:
    """``seq`` with rider ``r``'s deliveries of items on board reordered, in their places, so that
    they time by themselves; ``None`` when they already do in their order (or are fewer than
    two), or when no order found times.

    Up to :data:`ON_BOARD_SEARCH` items, orders are searched depth first, earliest deadline
    (:func:`board_deadline`) first, and the first order that times wins; a prefix that does not
    time ends its branch (a longer route reaches its stops no earlier and, travel times obeying
    the triangle inequality, ends no earlier). More items are tried earliest deadline first only.
    """
    places = [i for i, v in enumerate(seq) if not inst.is_pickup(v) and inst.carried_by[inst.order_of(v)] == r]
    board = [seq[i] for i in places]
    if len(board) < 2 or isinstance(schedule_route(inst, r, board), RouteTimes):
        return None
    edf = sorted(board, key=lambda v: (board_deadline(inst, inst.order_of(v)), v))

    def times(nodes: list[int]) -> bool:
        return isinstance(schedule_route(inst, r, nodes), RouteTimes)

    def extend(prefix: list[int], rest: list[int]) -> list[int] | None:
        for i, v in enumerate(rest):
            nodes = [*prefix, v]
            if not times(nodes):
                continue
            found = nodes if len(rest) == 1 else extend(nodes, rest[:i] + rest[i + 1:])
            if found is not None:
                return found
        return None

    found = extend([], edf) if len(edf) <= ON_BOARD_SEARCH else (edf if times(edf) else None)
    if found is None:
        return None
    out = list(seq)
    for i, v in zip(places, found, strict=True):
        out[i] = v
    return out


def repair(inst: Instance, routes: Sequence[Sequence[int]], inserter: Inserter,
           clock: Deadline) -> tuple[Routes, dict[int, Reason], int]:
    """Make ``routes`` feasible: drop the orders the timing blames until each route times, then
    reinsert every unserved open order by cheapest feasible insertion.

    When a route does not time and neither do its deliveries of items on board in their order,
    those deliveries are first put in an order that times (:func:`order_on_board`), in the same
    places of the route.

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
        reordered = False
        while needs_route(inst, r, seq):
            timed = schedule_route(inst, r, seq)
            if isinstance(timed, RouteTimes):
                break
            if not reordered:
                reordered = True
                if (board := order_on_board(inst, r, seq)) is not None:
                    seq = board
                    continue
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
