"""Instances restricted around a plan, so that PyVRP's model (no ride limits, one window, no
lateness cost) searches only among plans that keep medroute's rules: :func:`anchored_instance`,
:func:`targeted_instance`, and :func:`on_time_part` of a plan to start such a search from."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

import numpy as np

from ...compile import NO_LIMIT, Instance
from ...insertion import needs_route
from ...schedule import Infeasible, schedule_route


def _timed(inst: Instance, routes: Sequence[Sequence[int]],
           caller: str) -> Iterator[tuple[int, Sequence[int], Sequence[int]]]:
    """``(rider, nodes, service starts)`` of every route of ``routes`` that needs timing; a route
    that does not time is a caller's error (``ValueError`` naming ``caller``)."""
    for r, nodes in enumerate(routes):
        if not needs_route(inst, r, nodes):
            continue
        t = schedule_route(inst, r, nodes)
        if isinstance(t, Infeasible):
            raise ValueError(f"{caller}: rider {r}'s route does not time")
        yield r, nodes, t.starts


def anchored_instance(inst: Instance, routes: Sequence[Sequence[int]]) -> Instance:
    """``inst`` restricted around the timing of a feasible plan so that PyVRP can model it exactly.

    For every order with an out-of-fridge budget ``B`` served at pickup ``t_p`` and delivery
    ``t_d`` in ``routes``, the pickup may not start before ``a = t_p - slack / 2`` and the
    delivery must start by ``a + service + B`` (``slack = t_p + service + B - t_d``): any timing
    inside these windows keeps the budget, and the plan itself stays inside them. Nodes with
    several windows keep the one the plan uses. Budgeted orders the plan leaves out get no
    window at all (the PyVRP model then leaves them out too). Windows only shrink, so every plan
    PyVRP finds feasible here is feasible for ``inst``.
    """
    windows = [list(w) for w in inst.windows]
    allowed = inst.allowed.copy()
    timed: dict[int, tuple[int, int, int]] = {}
    for r, nodes, starts in _timed(inst, routes, "anchored_instance"):
        for v, start in zip(nodes, starts, strict=True):
            for w in inst.windows[v]:
                if w[0] <= start <= w[1]:
                    windows[v] = [w]
            k = inst.order_of(v)
            if not inst.is_pickup(v):
                timed[k] = (r, timed.get(k, (r, -1, start))[1], start)
            else:
                timed[k] = (r, start, -1)
    for k in range(inst.n):
        limits = inst.max_ride[k][inst.allowed[k]]
        if inst.carried_by[k] >= 0 or not np.any(limits < NO_LIMIT):
            continue
        if k not in timed:
            windows[inst.pickup(k)] = []
            windows[inst.delivery(k)] = []
            continue
        r, t_p, t_d = timed[k]
        budget = int(inst.max_ride[k, r])
        allowed[k] &= inst.max_ride[k] >= budget
        service = int(inst.service[inst.pickup(k)])
        slack = t_p + service + budget - t_d
        a = t_p - slack // 2
        windows[inst.pickup(k)] = [(max(x, a), y) for x, y in windows[inst.pickup(k)] if y >= a]
        windows[inst.delivery(k)] = [(x, min(y, a + service + budget)) for x, y in windows[inst.delivery(k)]
                                     if x <= a + service + budget]
    allowed.setflags(write=False)
    return dataclasses.replace(inst, windows=tuple(tuple(w) for w in windows), allowed=allowed)


def targeted_instance(inst: Instance, routes: Sequence[Sequence[int]] | None = None) -> Instance:
    """``inst`` with every soft delivery target made a deadline, so that PyVRP, which has no
    lateness cost, searches among on-time plans.

    Each delivery window of an order with a target ``t`` and a lateness cost is cut at ``t``
    (windows opening after ``t`` are kept, and so are all windows when ``t`` comes before the
    pickup can start: the order cannot be on time anyway). Given a plan
    (``routes``, which must time on ``inst``), orders it delivers late keep their windows, so the
    plan stays feasible. Windows only shrink, so every plan PyVRP finds feasible here is feasible
    for ``inst`` and delivers those orders on time; an order PyVRP cannot deliver on time it
    leaves out, and the repair puts it back where lateness costs least.
    """
    late = {k for _, nodes, starts in _timed(inst, routes or (), "targeted_instance")
            for k in _delivered_late(inst, nodes, starts)}
    windows = list(inst.windows)
    for k in range(inst.n):
        target = int(inst.target[k])
        if target >= NO_LIMIT or not inst.late_cost[k] > 0 or k in late:
            continue
        d = inst.delivery(k)
        cut = tuple((a, min(b, target)) for a, b in inst.windows[d] if a <= target)
        pickup = inst.windows[inst.pickup(k)]
        opens = pickup[0][0] if inst.carried_by[k] < 0 and pickup else 0
        if cut and cut[-1][1] >= opens:  # else no plan meets the target: a deadline would end before the pickup
            windows[d] = cut
    return dataclasses.replace(inst, windows=tuple(windows))


def _delivered_late(inst: Instance, nodes: Sequence[int], starts: Sequence[int]) -> set[int]:
    """Orders a route (``nodes`` served at ``starts``, seconds) delivers after a soft target that
    has a lateness cost."""
    return {k for v, s in zip(nodes, starts, strict=True) if not inst.is_pickup(v)
            for k in (inst.order_of(v),) if s > inst.target[k] and inst.late_cost[k] > 0}


def on_time_part(inst: Instance, routes: Sequence[Sequence[int]]) -> tuple[tuple[int, ...], ...]:
    """``routes`` (which must time on ``inst``) without the orders they deliver after a soft
    target: a plan on time where :func:`targeted_instance` makes every target a deadline, for
    PyVRP's targeted search to go on from when it finds no feasible plan from ``routes``. Orders
    on board at the start stay, and so does a route that would not time without its late orders.
    """
    out: list[tuple[int, ...]] = [tuple(nodes) for nodes in routes]
    for r, nodes, starts in _timed(inst, routes, "on_time_part"):
        late = {k for k in _delivered_late(inst, nodes, starts) if inst.carried_by[k] < 0}
        kept = tuple(v for v in nodes if inst.order_of(v) not in late)
        if late and (not needs_route(inst, r, kept) or not isinstance(schedule_route(inst, r, kept), Infeasible)):
            out[r] = kept
    return tuple(out)
