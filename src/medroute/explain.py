"""Reason codes for orders a plan leaves out.

Single-order pre-checks come from :func:`medroute.precheck.precheck` (compiled into
``inst.flagged``) and are not repeated here: :func:`explain_order` gives a flagged order its flag's
reason (an order still at its pharmacy whose riders are all free too late or too far away to reach
its door window is :attr:`Reason.SHIFT`: the window is reachable from the pharmacy, the riders' day
is what to change; for an order already on board whose carrier is, it is
:attr:`Reason.WINDOW_UNREACHABLE`: it can go with no other rider, from nowhere else).
For an order the search dropped, :func:`explain` looks at every way to insert it into each allowed
rider's route — pickup at every position, delivery at every later position; for an order already on
board, its delivery at every position of its rider's route. Necessary tests rule most ways out
without timing them, in arrays, route by route for all the left-out orders at once: room in the
boxes between pickup and door, the pickup's and the door's windows from the route's least timing,
the next visit's latest start (its windows, the shift's end), the least ride against the
out-of-fridge budget. The ways they pass are timed exactly with
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
so more with over ``max_trials / 30`` riders), and the whole call stops at ``deadline``: an order
not screened on all its riders by then, or with a way that passed the tests left untimed, keeps the
engine's reason (or ``SEARCH_LIMIT``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from time import perf_counter

import numpy as np
from numpy.typing import NDArray

from .compile import NEVER, NO_LIMIT, Instance, earliest_each
from .reasons import Reason
from .schedule import Infeasible, RouteTimes, earliest_in, route_cost, schedule_route

BINDING = (Reason.CAPACITY, Reason.TIME_WINDOW, Reason.SHIFT, Reason.COLD_BUDGET)
"""The reasons an insertion attempt can report, in tie-break order."""


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
        t = NEVER if at is None else at
        ready[x] = t + service[v]
    shift_end = int(inst.shift_end[r])
    end_gap = (int(dur[locs[-1], end_loc]) if end_loc >= 0 else 0) + (service[seq[-1]] if seq else 0)
    latest = np.full(len(seq) + 1, shift_end, np.int64)
    latest_windows = np.full(len(seq) + 1, NEVER, np.int64)
    bound, bound_windows = shift_end - end_gap, NEVER
    for x in range(len(seq), 0, -1):
        w = windows[seq[x - 1]]
        bound_windows = min(bound_windows, w[-1][1]) if w else -NEVER
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


_AT = {reason: x for x, reason in enumerate(BINDING)}
"""Column of each binding reason in the counts of :func:`_screen`."""

Screened = tuple[Counter[Reason], list[tuple[int, int]], int]


def _screen(inst: Instance, r: int, route: _Route, ks: Sequence[int], cap: int) -> list[Screened]:
    """Every way to put each order of ``ks`` on ``route`` (pickup at position ``i``, delivery at
    ``j >= i``; an order on board: its delivery alone, ``i = -1``) through necessary tests: room at
    every position between them, the pickup's and the door's windows, the next visit's latest
    start after each, and the least ride against the order's budget. Per order: the constraint
    each way that fails breaks first (as the exact timing blames it: a later visit's window missed
    before the shift's end), counted; the first ``cap`` ways that pass (by ``i``, then ``j``), to be
    timed exactly; and how many pass. The pickup's tests depend on ``i`` alone and the door's on
    ``j`` alone, so the ways are counted by position, for every order at once."""
    dur = inst.duration(r)
    k = np.array(ks, np.int64)
    carried = inst.carried_by[k] >= 0
    n_pos = len(route.ready)
    pos = np.arange(n_pos)
    ends = route.after >= 0
    after = np.maximum(route.after, 0)
    lp, ld = inst.node_loc[k].astype(np.int64), inst.node_loc[k + inst.n].astype(np.int64)
    sp_, sd_ = inst.service[k, None].astype(np.int64), inst.service[k + inst.n, None].astype(np.int64)
    limit = inst.max_ride[k, r][:, None]
    fits = (route.load[None] + inst.demand[k][:, None, :] <= inst.capacity[r]).all(axis=2)
    # the first position at or after each without room
    no_room = np.minimum.accumulate(np.where(fits, n_pos, pos)[:, ::-1], axis=1)[:, ::-1]
    leg_d = np.where(ends, dur[ld][:, after], 0)
    opens, closes = inst.window_rows
    door_windows = opens[k + inst.n], closes[k + inst.n]
    # the door after the visits before position j (the pickup earlier): its tests by j
    arrive = route.ready + dur[route.before][:, ld].T
    door = _door_tests(route, earliest_each(arrive, *door_windows), sd_, leg_d)
    why = np.zeros((len(k), len(BINDING)), np.int64)
    every = np.ones((len(k), n_pos), bool)
    # on board from the start (the timing checks the room after each visit): room up to the door
    on_board = _count([(pos < (no_room[:, 1:2] if n_pos > 1 else 1), Reason.CAPACITY), *door[1:],
                       ((door[0] - inst.carried_since[k, None] <= limit) | (limit >= NO_LIMIT), Reason.COLD_BUDGET)],
                      every & carried[:, None], why)
    pick_windows = opens[k], closes[k]
    sp = earliest_each(route.ready + dur[route.before][:, lp].T, *pick_windows)
    leg_p = np.where(ends, dur[lp][:, after], 0)
    leave_p = sp + sp_ + leg_p
    direct = dur[lp, ld][:, None].astype(np.int64)
    # pickup and door together at position i
    same = _door_tests(route, earliest_each(sp + sp_ + direct, *door_windows), sd_, leg_d)
    picked = every & ~carried[:, None]
    diagonal = _count([(fits, Reason.CAPACITY), (sp < NEVER, Reason.TIME_WINDOW), *same[1:],
                       (np.broadcast_to(direct <= limit, fits.shape), Reason.COLD_BUDGET)], picked, why)
    # pickup at i, door at j in (i, last[i]]: room up to last[i]; each row's tests, then each column's
    last = np.maximum(pos, no_room - 1)
    why[:, _AT[Reason.CAPACITY]] += np.where(carried, 0, (n_pos - 1 - last).sum(axis=1))
    rows = _count([(sp < NEVER, Reason.TIME_WINDOW), (leave_p <= route.latest_windows, Reason.TIME_WINDOW),
                   (leave_p <= route.latest, Reason.SHIFT)], picked, why, weight=last - pos)
    failed_at = np.full(fits.shape, len(door) - 1)  # the first of the door's tests failed at j (none: len - 1)
    for t, (ok, _) in reversed(list(enumerate(door[1:]))):
        failed_at[~ok] = t
    below = np.cumsum(failed_at[None] == np.arange(len(door) - 1)[:, None, None], axis=2)  # (test, order, j)
    order = np.arange(len(k))[:, None]
    spans = np.where(rows, below[:, order, last] - below[:, order, pos], 0).sum(axis=2)
    for (_, reason), n in zip(door[1:], spans, strict=True):
        why[:, _AT[reason]] += n
    p_last = pick_windows[1].max(axis=1, keepdims=True)  # the pickup's last window end
    sp_max = np.minimum(p_last, route.latest - sp_ - leg_p)  # the pickup as late as the visit after it allows
    open_cols = failed_at == len(door) - 1
    some = on_board.any(axis=1) | diagonal.any(axis=1) | (rows.any(axis=1) & open_cols.any(axis=1))
    out: list[Screened] = []
    for x in range(len(ks)):
        ways: list[tuple[int, int]] = []
        if some[x] and carried[x]:
            ways = [(-1, j) for j in np.flatnonzero(on_board[x]).tolist()]
        elif some[x]:
            i, j = _pairs(pos[rows[x]], last[x, rows[x]], np.flatnonzero(open_cols[x]))
            if limit[x, 0] < NO_LIMIT and len(i):
                ok = _least_ride(route, dur, int(lp[x]), int(ld[x]), arrive[x], sp_max[x] + sp_[x], i, j) <= limit[x]
                why[x, _AT[Reason.COLD_BUDGET]] += int(np.count_nonzero(~ok))
                i, j = i[ok], j[ok]
            ways = sorted([(y, y) for y in np.flatnonzero(diagonal[x]).tolist()]
                          + list(zip(i.tolist(), j.tolist(), strict=True)))
        counted = Counter({reason: int(n) for reason, n in zip(BINDING, why[x].tolist(), strict=True) if n})
        out.append((counted, ways[:cap], len(ways)))
    return out


def _pairs(first: NDArray[np.int64], last: NDArray[np.int64], cols: NDArray[np.int64]
           ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every (i, j) with ``i`` in ``first`` and ``j`` in ``cols`` inside ``(i, last]`` (row by row)."""
    lo, hi = np.searchsorted(cols, first, side="right"), np.searchsorted(cols, last, side="right")
    counts = np.maximum(hi - lo, 0)
    i = np.repeat(first, counts)
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return i, cols[np.arange(len(i)) + starts] if len(i) else cols[:0]


def _least_ride(route: _Route, dur: NDArray[np.int32], lp: int, ld: int, arrive: NDArray[np.int64],
                picked: NDArray[np.int64], i: NDArray[np.int64], j: NDArray[np.int64]) -> NDArray[np.int64]:
    """The least ride of an order picked up at position ``i`` and delivered at ``j > i`` (pairwise):
    the rides and services of the visits between, or the door's earliest arrival (``arrive``, by
    ``j``) after the latest end of the pickup at ``i`` (``picked``), whichever is longer."""
    n_pos = len(route.span)
    to_next = dur[lp, np.maximum(route.after, 0)] - route.span[np.minimum(np.arange(n_pos) + 1, n_pos - 1)]
    from_last = route.span + route.service_before + dur[route.before, ld]
    least: NDArray[np.int64] = np.maximum(to_next[i] + from_last[j], arrive[j] - picked[i])
    return least


def _door_tests(route: _Route, sd: NDArray[np.int64], service: NDArray[np.int64], leg: NDArray[np.int64]
                ) -> tuple[NDArray[np.int64], tuple[NDArray[np.bool_], Reason], tuple[NDArray[np.bool_], Reason],
                           tuple[NDArray[np.bool_], Reason]]:
    """The door's start ``sd`` at each position, and the tests on it in order: a window left, the
    next visit's windows, the shift's end (``leg``: the ride from the door to what follows)."""
    leave = sd + service + leg
    return (sd, (sd < NEVER, Reason.TIME_WINDOW), (leave <= route.latest_windows, Reason.TIME_WINDOW),
            (leave <= route.latest, Reason.SHIFT))


def _count(tests: Sequence[tuple[NDArray[np.bool_], Reason]], alive: NDArray[np.bool_],
           why: NDArray[np.int64], weight: NDArray[np.int64] | None = None) -> NDArray[np.bool_]:
    """Add to ``why`` (order, reason) the ways of ``alive`` (order, position) each test fails
    first (``weight``: ways per entry); the entries that pass them all."""
    for ok, reason in tests:
        failed = alive & ~ok
        why[:, _AT[reason]] += failed.sum(axis=1) if weight is None else np.where(failed, weight, 0).sum(axis=1)
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
    return _explain(inst, routes, [k], {}, max_trials, deadline)[k]


BATCH = 64
"""Orders screened together (route by route) before their insertions are timed: enough to spread
the cost of the arrays, few enough that a deadline leaves the orders before it explained."""


def _explain(inst: Instance, routes: Sequence[Sequence[int]], ks: Sequence[int], engine_reasons: Mapping[int, Reason],
             max_trials: int, deadline: float | None) -> dict[int, Reason]:
    """The reasons of orders ``ks`` (none on a route), :data:`BATCH` at a time: each rider's route
    screened for the batch's orders at once; the orders with no way through the tests are decided
    at once, the others' passing ways are timed exactly once every batch is screened. An order not
    decided by ``deadline`` keeps its ``engine_reasons`` entry (or ``SEARCH_LIMIT``)."""
    riders = {k: [int(inst.carried_by[k])] if inst.carried_by[k] >= 0 else np.flatnonzero(inst.allowed[k]).tolist()
              for k in ks}
    cap = {k: max(30, max_trials // len(rs)) for k, rs in riders.items() if rs}
    bases: dict[int, _Base] = {}
    out: dict[int, Reason] = {}
    pending: dict[int, list[tuple[int, _Base, Screened]]] = {}
    for start in range(0, len(ks), BATCH):
        batch = ks[start:start + BATCH]
        by_rider: dict[int, list[int]] = {}
        for k in batch:
            for r in riders[k]:
                by_rider.setdefault(r, []).append(k)
        found: dict[int, list[tuple[int, _Base, Screened]]] = {k: [] for k in batch}
        for r, mine in sorted(by_rider.items()):
            if deadline is not None and perf_counter() > deadline:
                break
            base = bases[r] if r in bases else bases.setdefault(r, _base(inst, routes, r))
            if base.bounds is None:  # the rider's day does not time even without it
                assert isinstance(base.times, Infeasible)
                for k in mine:
                    found[k].append((r, base, (Counter({base.times.reason: 1}), [], 0)))
                continue
            for k, screened in zip(mine, _screen(inst, r, base.bounds, mine, max(cap[k] for k in mine)), strict=True):
                found[k].append((r, base, screened))
        for k in batch:
            if not riders[k]:
                out[k] = Reason.NO_RIDER
            elif len(found[k]) < len(riders[k]):
                out[k] = engine_reasons.get(k, Reason.SEARCH_LIMIT)
            elif any(passed for _, _, (_, _, passed) in found[k]):
                pending[k] = found[k]  # timed once every batch is screened: the others need no timing
            else:
                out[k] = _timed(inst, k, found[k], cap[k], deadline) or Reason.SEARCH_LIMIT
    for k, ways in pending.items():
        out[k] = _timed(inst, k, ways, cap[k], deadline) or engine_reasons.get(k, Reason.SEARCH_LIMIT)
    return out


def _timed(inst: Instance, k: int, found: Sequence[tuple[int, _Base, Screened]], cap: int,
           deadline: float | None) -> Reason | None:
    """Order ``k``'s reason from its screened ways on each rider, those that passed timed exactly
    (at most ``cap`` a rider); ``None`` if ``deadline`` came before a way that passed was timed."""
    why: Counter[Reason] = Counter()
    best_delta: float | None = None
    p, d = inst.pickup(k), inst.delivery(k)
    for r, base, (screened, ways, _) in found:
        why.update(screened)
        for i, j in ways[:cap]:
            if deadline is not None and perf_counter() > deadline:
                return None
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
    served = {inst.order_of(v) for seq in routes for v in seq}
    left = [k for k in range(inst.n) if k not in served and k not in inst.flagged]
    return _explain(inst, routes, left, dict(engine_reasons or {}), max_trials, deadline)
