"""Reason codes for orders a plan leaves out.

Single-order pre-checks come from :func:`medroute.precheck.precheck` (compiled into
``inst.flagged``) and are not repeated here: :func:`explain_order` gives a flagged order its flag's
reason (an order whose riders are all free too late or too far away to reach its door window is
:attr:`Reason.SHIFT`: the window is reachable from the pharmacy, the riders' day is what to change).
For an order the search dropped, :func:`explain` looks at every way to insert it into each allowed
rider's route — pickup at every position, delivery at every later position; for an order already on
board, its delivery at every position of its rider's route. Necessary tests rule most ways out at
once, in arrays: room in the boxes between pickup and door, the pickup's and the door's windows from
the route's least timing, the next visit's latest start (its windows, the shift's end), the least
ride against the out-of-fridge budget. The ways they pass are timed exactly with
:func:`~medroute.schedule.schedule_route`:

* some insertion times: :attr:`Reason.NOT_WORTH_IT` if the order is optional and even the
  cheapest insertion costs more than its drop cost, else :attr:`Reason.SEARCH_LIMIT` (a longer
  or better search could have served it);
* none times: the binding constraint that ruled out the most ways (the first test a way fails,
  or the exact timing's reason), one of :attr:`Reason.CAPACITY`, :attr:`Reason.TIME_WINDOW`,
  :attr:`Reason.SHIFT`, :attr:`Reason.COLD_BUDGET` (a rider whose day does not time even without
  the order — no way to its end inside the shift — counts its own failure);
* no rider may carry it at all: :attr:`Reason.NO_RIDER`.

Each order gets about ``max_trials`` exact timings spread over its riders (at least 30 per rider,
so more with over ``max_trials / 30`` riders), and the whole call stops at ``deadline``; orders
not reached keep the engine's reason (or ``SEARCH_LIMIT``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .compile import NO_LIMIT, Instance
from .reasons import Reason
from .schedule import Infeasible, RouteTimes, earliest_in, route_cost, schedule_route

BINDING = (Reason.CAPACITY, Reason.TIME_WINDOW, Reason.SHIFT, Reason.COLD_BUDGET)
"""The reasons an insertion attempt can report, in tie-break order."""


_NEVER = np.iinfo(np.int64).max // 4
"""Stands for "no window left" (sums of it and of seconds do not overflow)."""


@dataclass(frozen=True, slots=True)
class _Route:
    """A timed route as :func:`_screen` reads it. Position ``x`` (0 … L) is the gap before the
    route's visit ``x`` (0-based; ``L``: after the last visit)."""

    ready: NDArray[np.int64]  # the earliest departure from what precedes position x
    before: NDArray[np.int64]  # the matrix row of what precedes position x (the start at x = 0)
    after: NDArray[np.int64]  # the matrix row of visit x (the end at x = L; -1: no end)
    latest: NDArray[np.int64]  # the latest start of visit x its windows and shift allow (x = L: the shift's end)
    latest_windows: NDArray[np.int64]  # the same from the windows alone
    load: NDArray[np.int64]  # (L + 1, 5) what the boxes hold at position x
    span: NDArray[np.int64]  # the least time from visit 0's start to visit x - 1's (0 for x < 2)
    service_before: NDArray[np.int64]  # the service of visit x - 1 (0 at x = 0)


def _route(inst: Instance, r: int, seq: Sequence[int]) -> _Route:
    """Rider ``r``'s route ``seq`` (which times) as bounds: its least timing from travel and
    windows (the other constraints only delay it) and the latest starts windows and shift allow."""
    dur, service, windows = inst.duration(r), inst.service_list, inst.windows
    locs = [int(inst.start_loc[r])] + [int(inst.node_loc[v]) for v in seq]
    end_loc = int(inst.end_loc[r])
    ready = np.empty(len(seq) + 1, np.int64)
    ready[0] = t = int(inst.depart[r])
    gaps = [0] * (len(seq) + 1)  # gaps[x]: from visit x - 2's start (the departure) to visit x - 1
    for x, v in enumerate(seq, start=1):
        gaps[x] = int(dur[locs[x - 1], locs[x]]) + (service[seq[x - 2]] if x > 1 else 0)
        at = earliest_in(t + gaps[x], windows[v])
        t = _NEVER if at is None else at
        ready[x] = t + service[v]
    shift_end = int(inst.shift_end[r])
    end_gap = (int(dur[locs[-1], end_loc]) if end_loc >= 0 else 0) + (service[seq[-1]] if seq else 0)
    latest = np.full(len(seq) + 1, shift_end, np.int64)
    latest_windows = np.full(len(seq) + 1, _NEVER, np.int64)
    bound, bound_windows = shift_end - end_gap, _NEVER
    for x in range(len(seq), 0, -1):
        w = windows[seq[x - 1]]
        bound_windows = min(bound_windows, w[-1][1]) if w else -_NEVER
        bound = min(bound, bound_windows)
        latest[x - 1], latest_windows[x - 1] = bound, bound_windows
        bound, bound_windows = bound - gaps[x], bound_windows - gaps[x]
    load = np.zeros((len(seq) + 1, 5), np.int64)
    visited = {inst.order_of(v) for v in seq}
    for k in inst.carried[r]:
        if k in visited:
            load[0] += inst.demand[k]
    for x, v in enumerate(seq, start=1):
        load[x] = load[x - 1] + (1 if inst.is_pickup(v) else -1) * inst.demand[inst.order_of(v)]
    span = np.cumsum([0, 0, *gaps[2:]][:len(seq) + 1], dtype=np.int64)
    return _Route(ready, np.array(locs, np.int64), np.array([*locs[1:], end_loc], np.int64), latest,
                  latest_windows, load, span, np.array([0, *(service[v] for v in seq)], np.int64))


def _earliest(t: NDArray[np.int64], windows: Sequence[tuple[int, int]]) -> NDArray[np.int64]:
    """:func:`~medroute.compile.earliest_in` of each time (``_NEVER``: past the last window)."""
    if not windows:
        return np.full_like(t, _NEVER)
    starts, ends = (np.array(c, np.int64) for c in zip(*windows, strict=True))
    at = np.searchsorted(ends, t)
    return np.where(at < len(ends), np.maximum(t, starts[np.minimum(at, len(ends) - 1)]), _NEVER)


def _screen(inst: Instance, r: int, route: _Route, k: int
            ) -> tuple[Counter[Reason], list[tuple[int, int]]]:
    """Every way to put order ``k`` on ``route`` (pickup at position ``i``, delivery at ``j >= i``;
    an order on board: its delivery alone, ``i = -1``) through necessary tests: room at every
    position between them, the pickup's and the door's windows, the next visit's latest start
    after each, and the least ride against the order's budget. Returns the constraint each way
    that fails breaks first (as the exact timing blames it: a later visit's window missed before
    the shift's end), counted, and the ways that pass, to be timed exactly."""
    dur = inst.duration(r)
    p, d = inst.pickup(k), inst.delivery(k)
    lp, ld = int(inst.node_loc[p]), int(inst.node_loc[d])
    sp_, sd_ = inst.service_list[p], inst.service_list[d]
    n_pos = len(route.ready)
    pos = np.arange(n_pos)
    ends = route.after >= 0
    after = np.maximum(route.after, 0)
    fits = (route.load + inst.demand[k] <= inst.capacity[r]).all(axis=1)
    no_room = np.minimum.accumulate(np.where(fits, n_pos, pos)[::-1])[::-1]  # the first position ≥ x without room
    limit = int(inst.max_ride[k, r])
    # the door after the visits before position j (the pickup earlier): its tests by j
    arrive = route.ready + dur[route.before, ld]
    door = _door_tests(route, _earliest(arrive, inst.windows[d]), sd_, np.where(ends, dur[ld, after], 0))
    why: Counter[Reason] = Counter()
    if inst.carried_by[k] >= 0:
        ride_ok = door[0] - int(inst.carried_since[k]) <= limit
        # on board from the start (the timing checks the room after each visit): room up to its door
        room = pos < (no_room[1] if n_pos > 1 else 1)
        tests = [(room, Reason.CAPACITY), *door[1:], (ride_ok | (limit >= NO_LIMIT), Reason.COLD_BUDGET)]
        alive = _count(tests, np.ones(n_pos, bool), why)
        return why, [(-1, j) for j in np.flatnonzero(alive).tolist()]
    sp = _earliest(route.ready + dur[route.before, lp], inst.windows[p])
    leg_p = np.where(ends, dur[lp, after], 0)
    leave_p = sp + sp_ + leg_p
    # pickup and door together at position i
    leg_d = np.where(ends, dur[ld, after], 0)
    same = _door_tests(route, _earliest(sp + sp_ + dur[lp, ld], inst.windows[d]), sd_, leg_d)
    tests = [(fits, Reason.CAPACITY), (sp < _NEVER, Reason.TIME_WINDOW), *same[1:],
             (np.full(n_pos, dur[lp, ld] <= limit), Reason.COLD_BUDGET)]
    diagonal = _count(tests, np.ones(n_pos, bool), why)
    # pickup at i, door at j > i: pairs as (i, j) matrices
    p_last = inst.windows[p][-1][1] if inst.windows[p] else -_NEVER
    sp_max = np.minimum(p_last, route.latest - sp_ - leg_p)  # the pickup as late as the visit after it allows
    tests = [(pos[None, :] < no_room[:, None], Reason.CAPACITY), ((sp < _NEVER)[:, None], Reason.TIME_WINDOW),
             ((leave_p <= route.latest_windows)[:, None], Reason.TIME_WINDOW),
             ((leave_p <= route.latest)[:, None], Reason.SHIFT),
             *((ok[None, :], reason) for ok, reason in door[1:]),
             ((_least_ride(route, dur, lp, ld, arrive, sp_max + sp_) <= limit) | (limit >= NO_LIMIT),
              Reason.COLD_BUDGET)]
    pairs = _count(tests, pos[None, :] > pos[:, None], why)
    ways = [(i, i) for i in np.flatnonzero(diagonal).tolist()] + list(zip(*(a.tolist() for a in np.nonzero(pairs)),
                                                                            strict=True))
    return why, sorted(ways)


def _least_ride(route: _Route, dur: NDArray[np.int32], lp: int, ld: int, arrive: NDArray[np.int64],
                picked: NDArray[np.int64]) -> NDArray[np.int64]:
    """(i, j) the least ride of an order picked up at position ``i`` and delivered at ``j > i``: the
    rides and services of the visits between, or the door's earliest arrival (``arrive``, by
    ``j``) after the latest end of the pickup at ``i`` (``picked``), whichever is longer."""
    n_pos = len(route.span)
    to_next = dur[lp, np.maximum(route.after, 0)] - route.span[np.minimum(np.arange(n_pos) + 1, n_pos - 1)]
    from_last = route.span + route.service_before + dur[route.before, ld]
    least: NDArray[np.int64] = np.maximum(to_next[:, None] + from_last[None, :], arrive[None, :] - picked[:, None])
    return least


def _door_tests(route: _Route, sd: NDArray[np.int64], service: int, leg: NDArray[np.int64]
                ) -> tuple[NDArray[np.int64], tuple[NDArray[np.bool_], Reason], tuple[NDArray[np.bool_], Reason],
                           tuple[NDArray[np.bool_], Reason]]:
    """The door's start ``sd`` at each position, and the tests on it in order: a window left, the
    next visit's windows, the shift's end (``leg``: the ride from the door to what follows)."""
    leave = sd + service + leg
    return (sd, (sd < _NEVER, Reason.TIME_WINDOW), (leave <= route.latest_windows, Reason.TIME_WINDOW),
            (leave <= route.latest, Reason.SHIFT))


def _count(tests: Sequence[tuple[NDArray[np.bool_], Reason]], alive: NDArray[np.bool_],
           why: Counter[Reason]) -> NDArray[np.bool_]:
    """Count into ``why`` the ways of ``alive`` each test fails first; the ways that pass them all."""
    for ok, reason in tests:
        failed = int(np.count_nonzero(alive & ~ok))
        if failed:
            why[reason] += failed
        alive = alive & ok
    return alive


def _with(seq: Sequence[int], p: int, d: int, i: int, j: int) -> list[int]:
    """``seq`` with ``p`` before its visit ``i`` and ``d`` before its visit ``j`` (``i = -1``:
    ``d`` alone)."""
    if i < 0:
        return [*seq[:j], d, *seq[j:]]
    return [*seq[:i], p, *seq[i:j], d, *seq[j:]]


@dataclass(frozen=True, slots=True)
class _Base:
    """A rider's route as planned: its nodes, its timing (or why it does not time), its cost and
    its bounds for :func:`_screen`."""

    seq: list[int]
    times: RouteTimes | Infeasible
    cost: float = 0.0
    bounds: _Route | None = None


def _base(inst: Instance, routes: Sequence[Sequence[int]], r: int) -> _Base:
    seq = list(routes[r]) if r < len(routes) else []
    times = schedule_route(inst, r, seq)
    if isinstance(times, Infeasible):
        return _Base(seq, times)
    return _Base(seq, times, route_cost(inst, r, seq, times), _route(inst, r, seq))


def explain_order(inst: Instance, routes: Sequence[Sequence[int]], k: int, *,
                  max_trials: int = 2000, deadline: float | None = None) -> Reason:
    """Why order ``k`` is not on ``routes`` (see the module docstring).

    Parameters
    ----------
    inst
        The compiled problem.
    routes
        Per-rider node sequences of the plan (each must time).
    k
        The order's index.
    max_trials
        Insertions to time exactly for this order, spread over its riders (at least 30 each);
        the ways the necessary tests rule out are not counted.
    deadline
        ``time.perf_counter()`` value after which to stop timing.
    """
    if k in inst.flagged:
        return inst.flagged[k].reason
    return _explain_order(inst, routes, k, max_trials, deadline, {})


def _explain_order(inst: Instance, routes: Sequence[Sequence[int]], k: int, max_trials: int,
                   deadline: float | None, bases: dict[int, _Base]) -> Reason:
    """:func:`explain_order`, the riders' routes timed once in ``bases`` (by rider)."""
    carrier = int(inst.carried_by[k])
    riders = [carrier] if carrier >= 0 else [r for r in range(inst.m) if inst.allowed[k, r]]
    if not riders:
        return Reason.NO_RIDER
    per_rider = max(30, max_trials // len(riders))
    why: Counter[Reason] = Counter()
    best_delta: float | None = None
    p, d = inst.pickup(k), inst.delivery(k)
    for r in riders:
        base = bases[r] if r in bases else bases.setdefault(r, _base(inst, routes, r))
        if base.bounds is None:  # the rider's day does not time even without it
            assert isinstance(base.times, Infeasible)
            why[base.times.reason] += 1
            continue
        screened, ways = _screen(inst, r, base.bounds, k)
        why.update(screened)
        for trials, (i, j) in enumerate(ways):
            if trials >= per_rider or (deadline is not None and time.perf_counter() > deadline):
                break
            cand = _with(base.seq, p, d, i, j)
            res = schedule_route(inst, r, cand)
            if isinstance(res, Infeasible):
                why[res.reason] += 1
                continue
            delta = route_cost(inst, r, cand, res) - base.cost
            best_delta = delta if best_delta is None else min(best_delta, delta)
    if best_delta is not None:
        if not inst.required[k] and best_delta > float(inst.drop_cost[k]):
            return Reason.NOT_WORTH_IT
        return Reason.SEARCH_LIMIT
    counted = [(why[reason], -i, reason) for i, reason in enumerate(BINDING) if why[reason]]
    return max(counted)[2] if counted else Reason.SEARCH_LIMIT


def explain(inst: Instance, routes: Sequence[Sequence[int]], *,
            engine_reasons: Mapping[int, Reason] | None = None, max_trials: int = 2000,
            deadline: float | None = None) -> dict[int, Reason]:
    """A reason for every order that is on no route and was not flagged by the pre-checks.

    Parameters
    ----------
    inst
        The compiled problem.
    routes
        Per-rider node sequences of the plan.
    engine_reasons
        What the engine said; kept for orders reached after ``deadline``.
    max_trials
        Insertions timed per order (see :func:`explain_order`).
    deadline
        ``time.perf_counter()`` value after which no more orders are explained.

    Returns
    -------
    dict
        Order index → :class:`~medroute.reasons.Reason`.
    """
    engine_reasons = dict(engine_reasons or {})
    served = {inst.order_of(v) for seq in routes for v in seq}
    out: dict[int, Reason] = {}
    bases: dict[int, _Base] = {}
    for k in range(inst.n):
        if k in served or k in inst.flagged:
            continue
        if deadline is not None and time.perf_counter() > deadline:
            out[k] = engine_reasons.get(k, Reason.SEARCH_LIMIT)
            continue
        out[k] = _explain_order(inst, routes, k, max_trials, deadline, bases)
    return out
