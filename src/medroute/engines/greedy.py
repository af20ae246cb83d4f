"""The dispatcher's rule of thumb, as an engine: first come, nearest free rider.

Orders are taken in release order (ties by order id). Each goes to the rider who can reach its
pharmacy earliest from where their current plan leaves them, appended at the end of that rider's
sequence as pickup then delivery. A rider whose plan ends with a batch picked up at the same
pharmacy (pickups there, then only those deliveries) may take the order into the batch: its
pickup joins the others and its delivery goes last. Every candidate is timed with
:func:`~medroute.schedule.schedule_route`, so no infeasible route is ever returned; an order no
rider can take is left out with the reason the nearest rider's timing gave.

Orders a rider already carries (live dispatch) come first: their deliveries are put on that
rider's route, earliest deadline first. The engine is deterministic and ignores ``seed``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import NDArray

from ..compile import Instance
from ..reasons import Reason
from ..schedule import Infeasible, RouteTimes, schedule_route
from ..stats import Progress, SolveStats, StageStats
from ..stop import Meter, Stop, StopReason
from .base import SUPPORTED, EngineResult, Support


@dataclass(frozen=True, slots=True)
class _Option:
    """One way to give an order to a rider: ``reach_s`` orders the options (earliest first)."""

    reach_s: int
    rider: int
    batch: bool
    nodes: tuple[int, ...]


def _free_at(inst: Instance, r: int, nodes: Sequence[int], times: RouteTimes | None) -> tuple[int, int]:
    """Where (matrix row) and when (seconds) rider ``r`` is free after ``nodes``."""
    if not nodes or times is None:
        return int(inst.start_loc[r]), int(inst.depart[r])
    last = nodes[-1]
    return int(inst.node_loc[last]), times.starts[-1] + int(inst.service[last])


def _batch_insert(inst: Instance, nodes: Sequence[int], k: int) -> tuple[int, ...] | None:
    """``nodes`` with order ``k`` joined to the trailing same-pharmacy batch, or ``None``.

    The trailing batch is the last run of pickups at ``k``'s pharmacy followed only by their own
    deliveries; the new pickup goes after the batch's pickups and the delivery goes last.
    """
    pharmacy = int(inst.node_loc[k])
    i = len(nodes)
    tail: set[int] = set()
    while i > 0 and not inst.is_pickup(nodes[i - 1]):
        tail.add(inst.order_of(nodes[i - 1]))
        i -= 1
    j = i
    picks: set[int] = set()
    while j > 0 and inst.is_pickup(nodes[j - 1]) and int(inst.node_loc[nodes[j - 1]]) == pharmacy:
        picks.add(nodes[j - 1])
        j -= 1
    if not picks or not tail <= picks:
        return None
    return (*nodes[:i], k, *nodes[i:], inst.delivery(k))


def _deadline(inst: Instance, k: int, *, r: int) -> tuple[int, int]:
    """Latest delivery start of carried order ``k`` on rider ``r`` (window or budget), then ``k``."""
    ws = inst.windows[inst.delivery(k)]
    last = ws[-1][1] if ws else 0
    return min(last, int(inst.carried_since[k] + inst.max_ride[k, r])), k


def _carried_first(inst: Instance) -> tuple[list[list[int]], list[str]]:
    """Per rider, the deliveries of what they already carry, earliest deadline first."""
    routes: list[list[int]] = [[] for _ in range(inst.m)]
    notes: list[str] = []
    for rr in np.unique(inst.carried_by[inst.carried_by >= 0]):
        r = int(rr)
        carried = [int(k) for k in np.flatnonzero(inst.carried_by == r)]

        routes[r] = [inst.delivery(k) for k in sorted(carried, key=partial(_deadline, inst, r=r))]
        if isinstance(schedule_route(inst, r, routes[r]), Infeasible):
            notes.append(f"greedy: rider {inst.problem.riders[r].id!r} cannot deliver what they "
                         "carry in time in deadline order")
    return routes, notes


class _Fleet:
    """The riders' plans as the orders are dispatched: where and when each rider is free, kept as
    arrays so that every order looks at all riders at once (a Python loop over riders per order
    dominated at 1,000 orders)."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.routes, self.notes = _carried_first(inst)
        self.timed: list[RouteTimes | None] = []
        self.untimed: dict[int, Reason] = {}  # riders whose route of what they carry does not time: why
        for r in range(inst.m):
            t = schedule_route(inst, r, self.routes[r]) if self.routes[r] else None
            self.timed.append(t if isinstance(t, RouteTimes) else None)
            if isinstance(t, Infeasible):
                self.untimed[r] = t.reason
        self.free_loc = np.zeros(inst.m, dtype=np.int64)
        self.free_t = np.zeros(inst.m, dtype=np.int64)
        self.last_pick_loc = np.full(inst.m, -1, dtype=np.int64)
        self.usable = np.ones(inst.m, dtype=bool)
        self.groups = [(g, np.flatnonzero(inst.rider_durations == g)) for g in range(len(inst.durations))]
        for r in range(inst.m):
            self.refresh(r)

    def refresh(self, r: int) -> None:
        """Update rider ``r``'s free place and time after its plan changed."""
        inst, routes = self.inst, self.routes
        self.free_loc[r], self.free_t[r] = _free_at(inst, r, routes[r], self.timed[r])
        self.usable[r] = not routes[r] or self.timed[r] is not None
        picks = [v for v in routes[r] if inst.is_pickup(v)]
        self.last_pick_loc[r] = inst.node_loc[picks[-1]] if picks else -1

    def take(self, k: int) -> Reason | None:
        """Give order ``k`` to the rider who reaches its pharmacy first (``None``), or the reason
        no rider can take it."""
        inst = self.inst
        if not inst.allowed[k].any():
            return Reason.NO_RIDER
        cand = inst.allowed[k] & self.usable
        if not cand.any():  # the routes of its riders do not time even without it
            return self.untimed[int(np.flatnonzero(inst.allowed[k])[0])]
        why: Counter[Reason] = Counter()
        options = self._batch_options(k, cand) + self._append_options(k, cand, why)
        options.sort(key=lambda o: (o.reach_s, o.rider, not o.batch))
        for opt in options:
            res = schedule_route(inst, opt.rider, opt.nodes)
            if isinstance(res, RouteTimes):
                self.routes[opt.rider], self.timed[opt.rider] = list(opt.nodes), res
                self.refresh(opt.rider)
                return None
            why[res.reason] += 1
        return why.most_common(1)[0][0] if why else Reason.SEARCH_LIMIT

    def _batch_options(self, k: int, cand: NDArray[np.bool_]) -> list[_Option]:
        """Joining a trailing batch at ``k``'s pharmacy (validated by :func:`_batch_insert`)."""
        inst, out = self.inst, []
        for rr in np.flatnonzero(cand & (self.last_pick_loc == int(inst.node_loc[k]))):
            r = int(rr)
            batch = _batch_insert(inst, self.routes[r], k)
            times = self.timed[r]
            if batch is not None and times is not None:
                last_pick = max(i for i, v in enumerate(self.routes[r]) if inst.is_pickup(v))
                out.append(_Option(times.starts[last_pick], r, True, batch))
        return out

    def _append_options(self, k: int, cand: NDArray[np.bool_], why: Counter[Reason]) -> list[_Option]:
        """Appending ``k`` at the end of each rider's plan, unless even the direct ride misses: the
        current route's times are lower bounds (more stops only delay them), so the earliest
        delivery is the reach time bumped into the pickup window, plus handover and the direct
        ride. Riders ruled out that way are counted in ``why``."""
        inst = self.inst
        pick_loc, d = int(inst.node_loc[k]), inst.delivery(k)
        door_loc = int(inst.node_loc[d])
        reach = np.zeros(inst.m, dtype=np.int64)
        ride = np.zeros(inst.m, dtype=np.int64)
        for g, members in self.groups:
            dur = inst.durations[g]
            reach[members] = self.free_t[members] + dur[self.free_loc[members], pick_loc]
            ride[members] = int(dur[pick_loc, door_loc])
        pick = np.full(inst.m, -1, dtype=np.int64)
        for a, b in reversed(inst.windows[k]):
            fits = reach <= b
            pick[fits] = np.maximum(reach[fits], a)
        door = pick + int(inst.service[k]) + ride
        last_window = inst.windows[d][-1][1] if inst.windows[d] else -1
        late = cand & ((pick < 0) | (door > last_window))
        shift = cand & ~late & (door + int(inst.service[d]) > inst.shift_end)
        why[Reason.TIME_WINDOW] += int(late.sum())
        why[Reason.SHIFT] += int(shift.sum())
        return [_Option(int(reach[r]), int(r), False, (*self.routes[int(r)], k, d))
                for r in np.flatnonzero(cand & ~late & ~shift)]


class GreedyEngine:
    """First come, nearest free rider (see the module docstring). Always supported."""

    name = "greedy"

    def supports(self, instance: Instance) -> Support:
        """Always supported: every rule is checked by timing the candidate route."""
        return SUPPORTED

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        """Dispatch the orders one by one.

        Parameters
        ----------
        instance
            The compiled problem.
        stop
            Only its clock counts (the rule does no search); orders not reached in time are
            left out with :attr:`Reason.SEARCH_LIMIT`.
        seed
            Ignored (the rule is deterministic).
        initial
            Ignored; the greedy always starts from empty routes.
        progress
            Ignored (one plan, no search).

        Returns
        -------
        EngineResult
            One feasible node sequence per rider and a reason per order left out.
        """
        inst = instance
        meter = Meter(stop)
        deadline = time.perf_counter() + max(0.0, meter.seconds_left())
        fleet = _Fleet(inst)
        reasons: dict[int, Reason] = {}
        problem = inst.problem
        queue = sorted((k for k in inst.open_orders if inst.carried_by[k] < 0),
                       key=lambda k: (problem.orders[k].release_s, problem.orders[k].id))
        for k in queue:
            why = Reason.SEARCH_LIMIT if time.perf_counter() > deadline else fleet.take(k)
            if why is not None:
                reasons[k] = why
        routes, notes = fleet.routes, fleet.notes
        served = sum(1 for s in routes for v in s if not inst.is_pickup(v))
        notes.append(f"greedy: {served} of {inst.n} orders dispatched")
        ended = StopReason.CLOCK if Reason.SEARCH_LIMIT in reasons.values() else StopReason.DONE
        stats = SolveStats.combine((StageStats(self.name, meter.elapsed(), stopped_by=ended),), meter.elapsed())
        return EngineResult(tuple(tuple(s) for s in routes), reasons, tuple(notes), stats)
