"""Compiled core of the ``alns`` engine: exact route timing and the insertion search, in numba.

Everything here works on :class:`Tables` (the :class:`~medroute.compile.Instance` as flat
arrays) and :class:`State` (the current plan as arrays). :func:`time_route` is a line-by-line
port of :func:`medroute.schedule.schedule_route`'s feasibility test and
:func:`medroute.schedule.route_cost` (riding, lateness, lead time, waiting between stops): the
least timing by monotone fixed-point iteration over travel, windows, out-of-fridge budgets
(ride times) and working time, then the shift end and the budgets of orders already on board.
The engine re-times its final plan with the Python originals, so a disagreement can never
reach a user.

Why numba (``docs/engines.md``, measured by ``benchmarks/alns_speed.py``): the search times
tens of thousands of candidate routes a second; the Python timing costs 20-60 µs a route,
this one well under 1 µs, and numba installs from PyPI wheels on Python 3.11 and 3.12 with no
compiler, so ``make test`` and CI keep setuptools.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar, cast

import numba
import numpy as np

F = TypeVar("F", bound=Callable[..., Any])

NO_LIMIT = np.iinfo(np.int32).max // 2
INFEASIBLE = -1.0
UNSET = np.iinfo(np.int64).max // 4


def jit(fn: F) -> F:
    """``numba.njit`` with an on-disk cache, typed for mypy."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))


class Tables(NamedTuple):
    """The instance as flat arrays (see :class:`~medroute.compile.Instance` for the meaning)."""

    n: int
    node_loc: np.ndarray
    start_loc: np.ndarray
    end_loc: np.ndarray
    dur: np.ndarray  # (P, L, L) int32
    rider_dur: np.ndarray
    dist: np.ndarray  # (Q, L, L) int32
    rider_dist: np.ndarray
    cost_per_m: float
    cost_per_s: float
    rider_cost: float
    service: np.ndarray
    win_ptr: np.ndarray  # windows of node v: win_a/win_b[win_ptr[v]:win_ptr[v + 1]]
    win_a: np.ndarray
    win_b: np.ndarray
    demand: np.ndarray  # (n, 5)
    capacity: np.ndarray  # (m, 5)
    carried_load: np.ndarray  # (m, 5)
    max_ride: np.ndarray  # (n, m)
    allowed: np.ndarray  # (n, m) bool
    carried_by: np.ndarray
    carried_since: np.ndarray
    target: np.ndarray
    late_cost: np.ndarray
    release: np.ndarray
    lead_cost: np.ndarray
    cost_per_wait_s: float
    penalty: np.ndarray  # (n,) cost of leaving k out in the search (drop cost, more if required)
    depart: np.ndarray
    shift_end: np.ndarray
    max_work: np.ndarray
    shaw_scale: float  # the longest travel time, seconds (normalises relatedness)


@jit
def _bump_w(ptr: np.ndarray, wa: np.ndarray, wb: np.ndarray, v: int, t: int) -> int:
    """Earliest time >= t in a window of node v; -1 past the last. Helpers take arrays, not the
    tables: passing the tables to a small function costs a copy of them per call."""
    for w in range(ptr[v], ptr[v + 1]):
        if t <= wb[w]:
            return int(max(t, wa[w]))
    return -1


@jit
def time_route(T: Tables, r: int, nodes: np.ndarray, L: int, t: np.ndarray, gap: np.ndarray,
               pick: np.ndarray) -> float:
    """Cost of rider r visiting ``nodes[:L]``, or INFEASIBLE. ``t[0]`` = departure and ``t[i]`` =
    start at visit i - 1 (the least timing) on return; ``gap`` and ``pick`` are scratch."""
    n = T.n
    if L == 0:
        return 0.0
    load = T.carried_load[r].copy()
    cap = T.capacity[r]
    for i in range(L):
        v = nodes[i]
        k = v if v < n else v - n
        if not T.allowed[k, r]:
            return INFEASIBLE
        if v < n:
            pick[k] = i
            for d in range(5):
                load[d] += T.demand[k, d]
        else:
            for d in range(5):
                load[d] -= T.demand[k, d]
        for d in range(5):
            if load[d] > cap[d]:
                return INFEASIBLE
    dur = T.dur[T.rider_dur[r]]
    prev = T.start_loc[r]
    gap[0] = 0
    for i in range(L):
        loc = T.node_loc[nodes[i]]
        gap[i + 1] = dur[prev, loc] + (T.service[nodes[i - 1]] if i > 0 else 0)
        prev = loc
    end_loc = T.end_loc[r]
    end_gap = (dur[prev, end_loc] if end_loc >= 0 else 0) + T.service[nodes[L - 1]]
    t[0] = T.depart[r]
    for i in range(1, L + 1):
        t[i] = -1
    max_work = T.max_work[r]
    end = t[0]
    done = False
    # The same least fixed point as schedule_route's full passes (chaotic iteration of monotone
    # operators reaches it in any order), faster: each pass starts at the earliest stop a budget
    # or the working time moved, and ends where a start stops changing past the last one moved.
    start, last = 1, L
    for _ in range(2 * L + 10):
        for i in range(start, L + 1):
            x = _bump_w(T.win_ptr, T.win_a, T.win_b, nodes[i - 1], max(t[i], t[i - 1] + gap[i]))
            if x < 0:
                return INFEASIBLE
            if x == t[i] and i > last:
                break
            t[i] = x
        end = t[L] + end_gap
        start, last = L + 1, 0
        for i in range(L):
            v = nodes[i]
            if v >= n:
                k = v - n
                limit = T.max_ride[k, r]
                if limit < NO_LIMIT and T.carried_by[k] < 0:
                    j = pick[k] + 1
                    w = t[i + 1] - T.service[k] - limit
                    if t[j] < w:
                        t[j] = w
                        start, last = min(start, j), max(last, j)
        if max_work < NO_LIMIT and t[0] < end - max_work:
            t[0] = end - max_work
            start = 1
        if start > L:
            done = True
            break
    if not done or end > T.shift_end[r]:
        return INFEASIBLE
    cost = T.rider_cost
    dist = T.dist[T.rider_dist[r]]
    prev = T.start_loc[r]
    late = 0.0
    busy = 0  # riding and service, seconds
    for i in range(L):
        v = nodes[i]
        loc = T.node_loc[v]
        cost += dist[prev, loc] * T.cost_per_m + dur[prev, loc] * T.cost_per_s
        busy += dur[prev, loc] + T.service[v]
        prev = loc
        if v >= n:
            k = v - n
            if T.carried_by[k] == r and t[i + 1] - T.carried_since[k] > T.max_ride[k, r]:
                return INFEASIBLE
            if t[i + 1] > T.target[k]:
                late += (t[i + 1] - T.target[k]) * T.late_cost[k]
            if t[i + 1] > T.release[k]:
                late += (t[i + 1] - T.release[k]) * T.lead_cost[k]
    if end_loc >= 0:
        cost += dist[prev, end_loc] * T.cost_per_m + dur[prev, end_loc] * T.cost_per_s
        busy += dur[prev, end_loc]
    if T.cost_per_wait_s > 0:
        # schedule_route's departure: every pickup as late as the stop after it allows (last
        # first), then leave as late as the first stop allows
        nxt = t[L]
        for i in range(L - 1, 0, -1):
            v = nodes[i - 1]
            if v < n:
                w = T.win_ptr[v]
                while T.win_b[w] < t[i]:
                    w += 1
                nxt = max(t[i], min(T.win_b[w], nxt - gap[i + 1]))
            else:
                nxt = t[i]
        depart = max(t[0], nxt - gap[1])
        cost += (end - depart - busy) * T.cost_per_wait_s
    return cost + late


class Plan(NamedTuple):
    """The current plan and scratch space, as arrays.

    ``routes[r, :size[r]]`` is rider r's node sequence; ``times[r, i]`` its least timing
    (``times[r, 0]`` the departure); ``latest[r, i]`` an upper bound of visit i - 1's start
    (windows and shift only); ``loads[r, i]`` the load before visit i; ``cost[r]`` the route's
    cost (0 when empty); ``where[k]`` the rider serving order k (-1 = none); ``rng`` the
    xorshift state; ``mark[r]`` whether route r was saved to the backup in this iteration;
    ``tally``: candidate routes timed exactly, insertion positions screened; scratch ``t``,
    ``gap``, ``pick``, ``seq``.
    """

    routes: np.ndarray
    size: np.ndarray
    times: np.ndarray
    latest: np.ndarray
    loads: np.ndarray
    cost: np.ndarray
    where: np.ndarray
    rng: np.ndarray
    mark: np.ndarray
    tally: np.ndarray
    t: np.ndarray
    gap: np.ndarray
    pick: np.ndarray
    seq: np.ndarray


def new_plan(n: int, m: int, seed: int) -> Plan:
    """An empty plan for n orders and m riders, its random stream seeded with ``seed``."""
    cap = 2 * n + 2
    rng = np.array([(seed * 0x9E3779B97F4A7C15 + 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF or 1],
                   dtype=np.uint64)
    def ints(*shape: int) -> np.ndarray:
        return np.zeros(shape, np.int64)

    return Plan(ints(m, cap), ints(m), ints(m, cap + 1), ints(m, cap + 1), ints(m, cap + 1, 5), np.zeros(m),
                np.full(n, -1, np.int64), rng, ints(m), ints(2), ints(cap + 1), ints(cap + 1), ints(max(n, 1)),
                ints(cap))


@jit
def rand(P: Plan) -> float:
    """A uniform draw in [0, 1) from the plan's xorshift64* stream."""
    x = P.rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    P.rng[0] = x
    return float((x * np.uint64(0x2545F4914F6CDD1D)) >> np.uint64(11)) / 9007199254740992.0


@jit
def randint(P: Plan, hi: int) -> int:
    """A uniform integer in [0, hi)."""
    return min(hi - 1, int(rand(P) * hi))


@jit
def refresh(T: Tables, P: Plan, r: int) -> bool:
    """Re-time rider r's route into ``P``'s arrays; whether it times."""
    L = P.size[r]
    n = T.n
    if L == 0:
        P.cost[r] = 0.0
        P.times[r, 0] = T.depart[r]
        P.latest[r, 0] = T.shift_end[r]
        P.loads[r, 0, :] = T.carried_load[r]
        return True
    c = time_route(T, r, P.routes[r], L, P.t, P.gap, P.pick)
    if c < 0:
        return False
    P.cost[r] = c
    P.times[r, :L + 1] = P.t[:L + 1]
    # latest starts, from the shift end backwards (windows and travel only)
    dur = T.dur[T.rider_dur[r]]
    end_loc = T.end_loc[r]
    last = P.routes[r, L - 1]
    end_gap = (dur[T.node_loc[last], end_loc] if end_loc >= 0 else 0) + T.service[last]
    bound = T.shift_end[r] - end_gap
    for i in range(L, 0, -1):
        v = P.routes[r, i - 1]
        if T.win_ptr[v + 1] > T.win_ptr[v]:
            bound = min(bound, T.win_b[T.win_ptr[v + 1] - 1])
        P.latest[r, i] = bound
        bound -= P.gap[i]
    P.latest[r, 0] = bound
    load = T.carried_load[r].copy()
    for i in range(L):
        P.loads[r, i, :] = load
        v = P.routes[r, i]
        k = v if v < n else v - n
        sign = 1 if v < n else -1
        for d in range(5):
            load[d] += sign * T.demand[k, d]
    P.loads[r, L, :] = load
    return True


@jit
def _late_push(route: np.ndarray, times: np.ndarray, target: np.ndarray, late_cost: np.ndarray,
               lead_cost: np.ndarray, n: int, x: int, arrive: int) -> float:
    """A lower bound of the lateness and lead-time cost added when visit x can start no earlier
    than ``arrive`` (0 unless it is a delivery; it starts after its release)."""
    v = route[x]
    if v < n:
        return 0.0
    k = v - n
    tgt, old = target[k], times[x + 1]
    new = max(old, arrive)
    return float((max(new, tgt) - max(old, tgt)) * late_cost[k] + (new - old) * lead_cost[k])


@jit
def _build(T: Tables, P: Plan, r: int, k: int, i: int, j: int) -> int:
    """Route r with order k's pickup before visit i and delivery before visit j (i = -1: the
    delivery only) into ``P.seq``; its length."""
    L = P.size[r]
    out = 0
    for x in range(L + 1):
        if x == i:
            P.seq[out] = k
            out += 1
        if x == j:
            P.seq[out] = T.n + k
            out += 1
        if x < L:
            P.seq[out] = P.routes[r, x]
            out += 1
    return out


@jit
def _candidates(T: Tables, P: Plan, k: int, r: int, out_c: np.ndarray, out_i: np.ndarray,
                out_j: np.ndarray) -> int:
    """Insertion positions of order k on route r that pass the O(1) necessary tests (load, the
    new stops' windows, reaching the next stop by its latest start, a lower bound of the new
    order's ride time), with a bound of their cost change (riding, the new order's lateness
    and lead time, and those pushed onto the stops right after the new ones; a lower bound
    unless waiting is priced, which an insertion into a wait shortens); how many.

    Written over local arrays: a helper taking the tables costs a copy of them per call."""
    n = T.n
    L = P.size[r]
    dur = T.dur[T.rider_dur[r]]
    dist = T.dist[T.rider_dist[r]]
    cpm, cps = T.cost_per_m, T.cost_per_s
    ptr, wa, wb = T.win_ptr, T.win_a, T.win_b
    svc, nloc = T.service, T.node_loc
    route, times, latest, loads = P.routes[r], P.times[r], P.latest[r], P.loads[r]
    cap, dem = T.capacity[r], T.demand[k]
    p, d = k, n + k
    lp, ld = nloc[p], nloc[d]
    sp_, sd_ = svc[p], svc[d]
    p_end = wb[ptr[p + 1] - 1] if ptr[p + 1] > ptr[p] else -1
    d_end = wb[ptr[d + 1] - 1] if ptr[d + 1] > ptr[d] else -1
    limit = T.max_ride[k, r]
    fixed = T.rider_cost if L == 0 else 0.0
    end_loc = T.end_loc[r]
    tgt, lc, rel, llc = T.target, T.late_cost, T.release, T.lead_cost
    # matrix rows before/after each position, and the riding cost of the arcs between them
    before = np.empty(L + 1, np.int64)
    after = np.empty(L + 1, np.int64)
    ready = np.empty(L + 1, np.int64)  # earliest departure from what precedes position i
    base = np.empty(L + 1)
    for i in range(L + 1):
        before[i] = nloc[route[i - 1]] if i > 0 else T.start_loc[r]
        after[i] = nloc[route[i]] if i < L else end_loc
        ready[i] = times[i] + (svc[route[i - 1]] if i > 0 else 0)
        a, b = before[i], after[i]
        base[i] = dist[a, b] * cpm + dur[a, b] * cps if b >= 0 else 0.0
    count = 0
    carried = T.carried_by[k] >= 0
    for i in range(L + 1):
        a, b = before[i], after[i]
        if carried:
            break
        arr = ready[i] + dur[a, lp]
        if arr > p_end:
            continue
        fits = True
        for x in range(5):
            fits = fits and loads[i, x] + dem[x] <= cap[x]
        if not fits:
            continue
        sp = _bump_w(ptr, wa, wb, p, arr)
        if sp < 0:
            continue
        c_ap = dist[a, lp] * cpm + dur[a, lp] * cps
        # d right after p
        sd = _bump_w(ptr, wa, wb, d, sp + sp_ + dur[lp, ld])
        if sd >= 0 and (limit >= NO_LIMIT or dur[lp, ld] <= limit) and (
                i == L or sd + sd_ + dur[ld, b] <= latest[i + 1]):
            tail = dist[ld, b] * cpm + dur[ld, b] * cps if b >= 0 else 0.0
            late = max(0, sd - tgt[k]) * lc[k] + max(0, sd - rel[k]) * llc[k]
            if i < L:
                late += _late_push(route, times, tgt, lc, llc, n, i, sd + sd_ + dur[ld, b])
            out_c[count] = c_ap + dist[lp, ld] * cpm + dur[lp, ld] * cps + tail - base[i] + fixed + late
            out_i[count], out_j[count] = i, i
            count += 1
        if i == L or sp + sp_ + dur[lp, b] > latest[i + 1]:
            continue
        dp = (c_ap + dist[lp, b] * cpm + dur[lp, b] * cps - base[i] + fixed
              + _late_push(route, times, tgt, lc, llc, n, i, sp + sp_ + dur[lp, b]))
        # the latest start of p that still reaches visit i bounds the new ride from below
        sp_max = min(p_end, latest[i + 1] - sp_ - dur[lp, b])
        for j in range(i + 1, L + 1):
            fits = True
            for x in range(5):
                fits = fits and loads[j, x] + dem[x] <= cap[x]
            if not fits:
                break
            a2, b2 = before[j], after[j]
            arr_d = ready[j] + dur[a2, ld]
            if arr_d > d_end or (limit < NO_LIMIT and arr_d - sp_max - sp_ > limit):
                continue
            sd = _bump_w(ptr, wa, wb, d, arr_d)
            if sd < 0 or (j < L and sd + sd_ + dur[ld, b2] > latest[j + 1]):
                continue
            tail = dist[ld, b2] * cpm + dur[ld, b2] * cps if b2 >= 0 else 0.0
            late = max(0, sd - tgt[k]) * lc[k] + max(0, sd - rel[k]) * llc[k]
            if j < L:
                late += _late_push(route, times, tgt, lc, llc, n, j, sd + sd_ + dur[ld, b2])
            out_c[count] = dp + dist[a2, ld] * cpm + dur[a2, ld] * cps + tail - base[j] + late
            out_i[count], out_j[count] = i, j
            count += 1
    if carried:
        for j in range(L + 1):
            a, b = before[j], after[j]
            sd = _bump_w(ptr, wa, wb, d, ready[j] + dur[a, ld])
            if sd < 0 or (j < L and sd + sd_ + dur[ld, b] > latest[j + 1]):
                continue
            tail = dist[ld, b] * cpm + dur[ld, b] * cps if b >= 0 else 0.0
            late = max(0, sd - tgt[k]) * lc[k] + max(0, sd - rel[k]) * llc[k]
            if j < L:
                late += _late_push(route, times, tgt, lc, llc, n, j, sd + sd_ + dur[ld, b])
            out_c[count] = dist[a, ld] * cpm + dur[a, ld] * cps + tail - base[j] + fixed + late
            out_i[count], out_j[count] = -1, j
            count += 1
    return count


@jit
def best_insert(T: Tables, P: Plan, k: int, r: int, max_evals: int) -> tuple[float, int, int]:
    """The cheapest feasible insertion of order k on route r found: (cost change, pickup
    position, delivery position); ``(inf, -1, -1)`` if none. At most ``max_evals`` candidates
    are timed, cheapest lower bound first; the search stops once that bound reaches the best
    exact change."""
    if not T.allowed[k, r] or (T.carried_by[k] >= 0 and T.carried_by[k] != r):
        return np.inf, -1, -1
    L = P.size[r]
    size = (L + 1) * (L + 2) // 2 + 1
    cs = np.empty(size)
    ii = np.empty(size, np.int64)
    jj = np.empty(size, np.int64)
    count = _candidates(T, P, k, r, cs, ii, jj)
    best, bi, bj = np.inf, -1, -1
    if count == 0:
        return best, bi, bj
    P.tally[1] += count
    # cheapest bound first, by selection (a few picks beat sorting every candidate)
    for _ in range(min(count, max_evals)):
        x = int(np.argmin(cs[:count]))
        if cs[x] >= best - 1e-9:
            break
        cs[x] = np.inf
        P.tally[0] += 1
        length = _build(T, P, r, k, ii[x], jj[x])
        c = time_route(T, r, P.seq, length, P.t, P.gap, P.pick)
        if c >= 0 and c - P.cost[r] < best:
            best, bi, bj = c - P.cost[r], ii[x], jj[x]
    return best, bi, bj


@jit
def _save(P: Plan, B: Plan, r: int) -> None:
    """Copy route r into the backup ``B`` once per iteration."""
    if P.mark[r]:
        return
    P.mark[r] = 1
    _copy_route(P, B, r)


@jit
def _copy_route(src: Plan, dst: Plan, r: int) -> None:
    """Route r of ``src`` (nodes, timing, bounds, loads, cost) into ``dst``."""
    L = src.size[r]
    dst.size[r] = L
    dst.routes[r, :L] = src.routes[r, :L]
    dst.times[r, :L + 1] = src.times[r, :L + 1]
    dst.latest[r, :L + 1] = src.latest[r, :L + 1]
    dst.loads[r, :L + 1] = src.loads[r, :L + 1]
    dst.cost[r] = src.cost[r]


@jit
def restore(P: Plan, B: Plan) -> None:
    """Undo every change since the marks were cleared."""
    for r in range(P.size.shape[0]):
        if P.mark[r]:
            _copy_route(B, P, r)
    P.where[:] = B.where


@jit
def insert(T: Tables, P: Plan, B: Plan, k: int, r: int, i: int, j: int) -> bool:
    """Put order k on route r (pickup before visit i, delivery before visit j); whether it times."""
    _save(P, B, r)
    length = _build(T, P, r, k, i, j)
    P.routes[r, :length] = P.seq[:length]
    P.size[r] = length
    P.where[k] = r
    return refresh(T, P, r)


@jit
def remove(T: Tables, P: Plan, B: Plan, k: int) -> bool:
    """Take order k off its route; whether the route still times (it may not without the
    triangle inequality)."""
    r = P.where[k]
    _save(P, B, r)
    L = P.size[r]
    out = 0
    for x in range(L):
        v = P.routes[r, x]
        if v != k and v != T.n + k:
            P.routes[r, out] = v
            out += 1
    P.size[r] = out
    P.where[k] = -1
    return refresh(T, P, r)


@jit
def objective(T: Tables, P: Plan, orders: np.ndarray) -> float:
    """Routes' costs plus the search penalty of every order of ``orders`` left out."""
    total = 0.0
    for r in range(P.size.shape[0]):
        total += P.cost[r]
    for k in orders:
        if P.where[k] < 0:
            total += T.penalty[k]
    return total


@jit
def repair(T: Tables, P: Plan, B: Plan, pending: np.ndarray, regret: int, noise: float, max_evals: int) -> bool:
    """Insert the orders of ``pending`` (greedy when ``regret`` = 1, else regret-``regret``), each
    where it costs least, while that beats its penalty; ``noise`` (cost units) perturbs the
    costs. Whether every changed route timed."""
    m = P.size.shape[0]
    u = pending.shape[0]
    cost = np.full((u, m), np.inf)
    pos_i = np.zeros((u, m), np.int64)
    pos_j = np.zeros((u, m), np.int64)
    active = np.ones(u, np.bool_)

    def fill(x: int, r: int) -> None:
        c, i, j = best_insert(T, P, pending[x], r, max_evals)
        if c < np.inf and noise > 0:
            c = max(0.0, c + noise * (2.0 * rand(P) - 1.0))
        cost[x, r], pos_i[x, r], pos_j[x, r] = c, i, j

    for x in range(u):
        for r in range(m):
            fill(x, r)
    big = 1e18
    while True:
        pick, pick_r = -1, -1
        pick_key, pick_c = -np.inf, np.inf
        for x in range(u):
            if not active[x]:
                continue
            row = cost[x]
            r1 = int(np.argmin(row))
            c1 = row[r1]
            if c1 == np.inf or c1 >= T.penalty[pending[x]]:
                continue
            key = -c1
            if regret > 1:
                srt = np.sort(row)
                key = 0.0
                for h in range(1, min(regret, m)):
                    key += min(srt[h], big) - c1
            if key > pick_key or (key == pick_key and c1 < pick_c):
                pick, pick_r, pick_key, pick_c = x, r1, key, c1
        if pick < 0:
            return True
        active[pick] = False
        if not insert(T, P, B, pending[pick], pick_r, pos_i[pick, pick_r], pos_j[pick, pick_r]):
            return False
        for x in range(u):
            if active[x]:
                fill(x, pick_r)


@jit
def _served(T: Tables, P: Plan, orders: np.ndarray) -> np.ndarray:
    """Orders of ``orders`` on a route that may be moved (not already on board)."""
    out = np.empty(orders.shape[0], np.int64)
    c = 0
    for k in orders:
        if P.where[k] >= 0 and T.carried_by[k] < 0:
            out[c] = k
            c += 1
    return out[:c]


@jit
def _pick_skewed(P: Plan, count: int, power: float) -> int:
    """An index in [0, count) skewed towards 0 (Ropke & Pisinger's y^p)."""
    return min(count - 1, int(rand(P) ** power * count))


@jit
def _removal_gain(T: Tables, P: Plan, k: int) -> float:
    """How much route cost taking order k off its route saves (-inf if it would not time)."""
    r = P.where[k]
    L = P.size[r]
    out = 0
    for x in range(L):
        v = P.routes[r, x]
        if v != k and v != T.n + k:
            P.seq[out] = v
            out += 1
    c = time_route(T, r, P.seq, out, P.t, P.gap, P.pick) if out > 0 else 0.0
    return -np.inf if c < 0 else P.cost[r] - c


@jit
def _node_times(P: Plan, size: int) -> np.ndarray:
    """Start time of every node on a route (0 elsewhere)."""
    out = np.zeros(size, np.int64)
    for r in range(P.size.shape[0]):
        for x in range(P.size[r]):
            out[P.routes[r, x]] = P.times[r, x + 1]
    return out


@jit
def destroy(T: Tables, P: Plan, B: Plan, op: int, q: int, orders: np.ndarray) -> int:
    """Remove about ``q`` orders with removal ``op`` (0 random, 1 worst, 2 Shaw/related, 3 a
    whole route); how many, or -1 if a route stopped timing."""
    cand = _served(T, P, orders)
    c = cand.shape[0]
    if c == 0:
        return 0
    q = min(q, c)
    removed = 0
    if op == 3:
        r = P.where[cand[randint(P, c)]]
        for k in cand:
            if P.where[k] == r:
                if not remove(T, P, B, k):
                    return -1
                removed += 1
        return removed
    if op == 1:
        gains = np.empty(c)
        for x in range(c):
            gains[x] = _removal_gain(T, P, cand[x])
        cand = cand[np.argsort(-gains, kind="mergesort")]
        for _ in range(q):
            x = _pick_skewed(P, c, 3.0)
            if not remove(T, P, B, cand[x]):
                return -1
            cand[x:c - 1] = cand[x + 1:c].copy()
            c -= 1
        return q
    if op == 2:
        n = T.n
        times = _node_times(P, 2 * n)
        dur = T.dur[0]
        scale_d = max(1.0, T.shaw_scale)
        span = max(1.0, float(times.max() - times.min()))
        chosen = np.zeros(c, np.int64)
        x = randint(P, c)
        chosen[0] = cand[x]
        cand[x:c - 1] = cand[x + 1:c].copy()
        c -= 1
        got = 1
        rel = np.empty(c + 1)
        while got < q:
            a = chosen[randint(P, got)]
            for y in range(c):
                b = cand[y]
                near = dur[T.node_loc[a], T.node_loc[b]] + dur[T.node_loc[n + a], T.node_loc[n + b]]
                rel[y] = (9.0 * near / scale_d
                          + 3.0 * (abs(times[a] - times[b]) + abs(times[n + a] - times[n + b])) / span)
            srt = np.argsort(rel[:c], kind="mergesort")
            y = srt[_pick_skewed(P, c, 6.0)]
            chosen[got] = cand[y]
            got += 1
            cand[y:c - 1] = cand[y + 1:c].copy()
            c -= 1
        for x in range(got):
            if not remove(T, P, B, chosen[x]):
                return -1
        return got
    for _ in range(q):
        x = randint(P, c)
        if not remove(T, P, B, cand[x]):
            return -1
        cand[x:c - 1] = cand[x + 1:c].copy()
        c -= 1
    return q


@jit
def _wheel(P: Plan, weights: np.ndarray) -> int:
    """An index drawn with probability proportional to ``weights``."""
    x = rand(P) * weights.sum()
    for i in range(weights.shape[0]):
        x -= weights[i]
        if x < 0:
            return i
    return int(weights.shape[0]) - 1


SEGMENT = 100
"""Iterations between updates of the operator weights."""
SIGMA = (33.0, 9.0, 13.0)
"""Scores of an operator pair that found a new best, a better, an accepted plan (Ropke & Pisinger)."""
REACTION = 0.1
"""How fast the weights follow the scores."""


@jit
def iterate(T: Tables, P: Plan, B: Plan, best: Plan, orders: np.ndarray, weights: np.ndarray,
            scores: np.ndarray, uses: np.ndarray, stats: np.ndarray, count: int, total: int,
            temp0: float, noise: float, q_hi: int, max_evals: int, patience: int) -> bool:
    """Run ``count`` ALNS iterations from iteration ``stats[0]`` of ``total``: remove, reinsert,
    accept by simulated annealing (temperature ``temp0`` falling geometrically to 0.2 % of it
    at ``total``), adapt the weights every :data:`SEGMENT` iterations. Returns ``True`` (and
    stops) once the best plan has not improved for ``max(patience, half the iterations)``
    iterations (``patience`` = 0: never).

    ``weights``/``scores``/``uses``: (3, 4) rows destroy, repair, noise. ``stats``: iteration,
    current objective, best objective, iterations accepted, iteration of the last new best.
    """
    q_lo = min(4, q_hi)
    for _ in range(count):
        it = stats[0]
        if patience > 0 and it - stats[4] > max(patience, it // 2):
            return True
        temp = temp0 * 0.002 ** min(1.0, it / max(1.0, total))
        P.mark[:] = 0
        B.where[:] = P.where
        op_d = _wheel(P, weights[0])
        op_r = _wheel(P, weights[1, :3])
        op_n = _wheel(P, weights[2, :2])
        q = q_lo + randint(P, q_hi - q_lo + 1)
        out_before = np.empty(orders.shape[0], np.int64)
        u0 = 0
        for k in orders:
            if P.where[k] < 0:
                out_before[u0] = k
                u0 += 1
        ok = destroy(T, P, B, op_d, q, orders) >= 0
        if ok:
            # the orders just removed, and at most q_hi of those out before (from a random
            # place in their list), so that a plan with many orders out keeps iterations short
            pending = np.empty(orders.shape[0], np.int64)
            u = 0
            for k in orders:
                if P.where[k] < 0 and B.where[k] >= 0:
                    pending[u] = k
                    u += 1
            first = randint(P, u0) if u0 > 0 else 0
            for x in range(min(u0, q_hi)):
                pending[u] = out_before[(first + x) % u0]
                u += 1
            ok = repair(T, P, B, pending[:u], 1 + op_r, noise if op_n == 1 else 0.0, max_evals)
        new = objective(T, P, orders) if ok else np.inf
        cur = stats[1]
        score = 0.0
        if new < stats[2] - 1e-6:
            score = SIGMA[0]
            stats[2] = new
            stats[4] = it
            _copy(P, best)
        elif new < cur - 1e-6:
            score = SIGMA[1]
        accept = new < cur - 1e-6 or (new < np.inf and temp > 0 and rand(P) < np.exp(-(new - cur) / temp))
        if accept:
            if score == 0.0 and new != cur:
                score = SIGMA[2]
            stats[1] = new
            stats[3] += 1
        else:
            restore(P, B)
        for row, op in ((0, op_d), (1, op_r), (2, op_n)):
            scores[row, op] += score
            uses[row, op] += 1
        stats[0] = it + 1
        if (it + 1) % SEGMENT == 0:
            for row in range(3):
                for op in range(4):
                    if uses[row, op] > 0:
                        weights[row, op] = ((1 - REACTION) * weights[row, op]
                                            + REACTION * scores[row, op] / uses[row, op])
                        weights[row, op] = max(weights[row, op], 0.05)
            scores[:] = 0.0
            uses[:] = 0.0
    return False


@jit
def _copy(P: Plan, D: Plan) -> None:
    """Copy the routes of ``P`` into ``D`` (sizes, nodes, costs, assignment)."""
    for r in range(P.size.shape[0]):
        L = P.size[r]
        D.size[r] = L
        D.routes[r, :L] = P.routes[r, :L]
        D.cost[r] = P.cost[r]
    D.where[:] = P.where
