"""Reason codes for orders a plan leaves out.

Single-order pre-checks come from :func:`medroute.precheck.precheck` (compiled into ``inst.flagged``) and are
not repeated here. For an order the search dropped, :func:`explain` tries to insert it into each
allowed rider's route — pickup at every position, delivery at every later position; for an order
already on board, its delivery at every position of its rider's route — and times each candidate
with :func:`~medroute.schedule.schedule_route`:

* some insertion times: :attr:`Reason.NOT_WORTH_IT` if the order is optional and even the
  cheapest insertion costs more than its drop cost, else :attr:`Reason.SEARCH_LIMIT` (a longer
  or better search could have served it);
* none times: the binding constraint that failed most often, one of :attr:`Reason.CAPACITY`,
  :attr:`Reason.TIME_WINDOW`, :attr:`Reason.SHIFT`, :attr:`Reason.COLD_BUDGET` (a rider whose day
  does not time even without the order — no way to its end inside the shift — counts its own
  failure);
* no rider may carry it at all: :attr:`Reason.NO_RIDER`.

Each order gets about ``max_trials`` timings spread over its riders (at least 30 per rider, so
more with over ``max_trials / 30`` riders), and the whole call stops at ``deadline``; orders not
reached keep the engine's reason (or ``SEARCH_LIMIT``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

from .compile import Instance
from .reasons import Reason
from .schedule import Infeasible, route_cost, schedule_route

BINDING = (Reason.CAPACITY, Reason.TIME_WINDOW, Reason.SHIFT, Reason.COLD_BUDGET)
"""The reasons an insertion attempt can report, in tie-break order."""


def _insertions(seq: Sequence[int], p: int, d: int) -> Iterator[list[int]]:
    """``seq`` with ``p`` inserted before position ``i`` and ``d`` after it, every ``i <= j``."""
    for i in range(len(seq) + 1):
        for j in range(i, len(seq) + 1):
            yield [*seq[:i], p, *seq[i:j], d, *seq[j:]]


def _deliveries(seq: Sequence[int], d: int) -> Iterator[list[int]]:
    """``seq`` with ``d`` inserted at every position (an order on board: no pickup)."""
    for i in range(len(seq) + 1):
        yield [*seq[:i], d, *seq[i:]]


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
        Insertions to time for this order, spread over its riders (at least 30 each).
    deadline
        ``time.perf_counter()`` value after which to stop trying.
    """
    carrier = int(inst.carried_by[k])
    riders = [carrier] if carrier >= 0 else [r for r in range(inst.m) if inst.allowed[k, r]]
    if not riders:
        return Reason.NO_RIDER
    per_rider = max(30, max_trials // len(riders))
    why: Counter[Reason] = Counter()
    best_delta: float | None = None
    p, d = inst.pickup(k), inst.delivery(k)
    for r in riders:
        seq = list(routes[r]) if r < len(routes) else []
        base = schedule_route(inst, r, seq)
        if isinstance(base, Infeasible):  # the rider's day does not time even without it
            why[base.reason] += 1
            continue
        base_cost = route_cost(inst, r, seq, base)
        cands = _deliveries(seq, d) if carrier >= 0 else _insertions(seq, p, d)
        for trials, cand in enumerate(cands):
            if trials >= per_rider or (deadline is not None and time.perf_counter() > deadline):
                break
            res = schedule_route(inst, r, cand)
            if isinstance(res, Infeasible):
                why[res.reason] += 1
                continue
            delta = route_cost(inst, r, cand, res) - base_cost
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
    for k in range(inst.n):
        if k in served or k in inst.flagged:
            continue
        if deadline is not None and time.perf_counter() > deadline:
            out[k] = engine_reasons.get(k, Reason.SEARCH_LIMIT)
            continue
        out[k] = explain_order(inst, routes, k, max_trials=max_trials, deadline=deadline)
    return out
