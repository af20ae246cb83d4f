"""The live problem (the open state as a :class:`~medroute.model.Problem`) and the planning
problem engines solve (committed stops folded into the riders' starts, margins applied).

Two problems per replan:

* the **live problem**: riders at their last known position from ``max(last time, now)``, open
  orders with their actual (or estimated) release, items on board as ``picked_up_by`` with their
  real pickup time, locks as ``Order.rider``. Every plan is checked against it;
* the **planning problem**: the live problem with each committed stop *folded* into its rider's
  start (a committed pickup becomes an item on board from its planned departure, a committed
  delivery disappears), out-of-fridge budgets shortened by the travel-time margin, and soft
  targets that can no longer be met moved to the earliest possible delivery (the same ranking
  of plans: lateness from a target no plan can meet differs by a constant). Any engine solves
  it without knowing about commitments, and never sees a window or target that has become
  impossible.

Items on board that can no longer be delivered by the rules (window or budget missed even by
riding straight there, a cold item on a rider without a cool box, more than the box holds) are
**relaxed**: planned as soon as possible, with no window, budget or load, instead of dropped.
An item on board whose door service (and its rider's ride on to the end of the route) would end
after the model's latest time (:data:`~medroute.model.MAX_TIME_S`) even by riding straight there
(or with the other door services on board) cannot be planned at all, relaxed or not: it is
**stranded**, left out of the planning problem and reported unassigned
(:attr:`~medroute.reasons.Reason.SHIFT`) on its rider, who keeps it on board.

A rider past the end of the shift, or who cannot deliver an item on board by then even by riding
straight there, works in **overtime**: the shift extended to the horizon, nothing new. An open
order locked to a rider past the end of the shift is left out and reported unassigned like a
stranded item (the lock holds; releasing it is the service's decision). An open order that only
riders who take nothing new (closing, in overtime, past the end of the shift) could carry stays
in the planning problem, allowed to no rider, and is reported unassigned
(:attr:`~medroute.reasons.Reason.SHIFT`: the live problem has riders who may carry it) with why
(:attr:`Built.blocked`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..compile import NO_LIMIT, Instance, compile_problem
from ..model import MAX_TIME_S, Objective, Order, Problem, Rider, TimeWindow
from ..schedule import earliest_in
from ..timefmt import format_time
from ..travel.base import TravelMatrix
from ..travel.lookup import GrowingMatrix
from .state import FINAL, DispatchState, OrderState, RiderState

DEFAULT_TRAVEL_QUANTILE = 1.4
"""Planning margin against travel-time noise, a factor on travel times (dimensionless): cold
items are planned within ``budget / q`` out of the fridge, and soft targets ``(q - 1) ×`` the
direct ride early. 1.4 is the 99th percentile of one leg's lognormal travel-time factor at the
simulator's default noise σ 0.15 (``exp(2.326 σ − σ²/2)``; D, derived, not tuned; the days it
gives: ``benchmarks/results/simulate/`` and ``benchmarks/results/simulate-cold/``)."""


@dataclass(frozen=True)
class Settings:
    """What the live problem takes from the dispatcher besides the state.

    Attributes
    ----------
    objective
        The costs in Rupiah.
    day, timezone, max_trip_m
        As in :class:`~medroute.model.Problem`.
    travel_quantile
        Planning margin, see :data:`DEFAULT_TRAVEL_QUANTILE` (1 = none).
    """

    objective: Objective
    day: date
    timezone: str
    max_trip_m: int | None
    travel_quantile: float = DEFAULT_TRAVEL_QUANTILE


@dataclass(frozen=True)
class Built:
    """The live problem, the planning problem and the maps between them, for one replan.

    Attributes
    ----------
    live, live_inst, live_mats
        The live problem, compiled, and its matrices per profile.
    plan, plan_inst
        The planning problem, compiled.
    first
        Live rider index → live node of its committed stop (folded into the planning problem).
    committed
        The commitments the fold kept, by rider id.
    relaxed
        Orders on board planned as soon as possible (see the module docstring).
    notes
        What the build had to bend.
    stranded
        Orders left out of the planning problem and reported unassigned (``shift``), by order id,
        with why: items on board no plan can deliver (see the module docstring) and orders
        locked to a rider whose shift has ended.
    live_timing
        ``live_inst`` with the planning problem's cold budgets: a plan mapped back is timed with
        it first, so that it keeps the margin's timing (a cold pickup as late as the margined
        budget needs, not as early as the real one allows).
    blocked
        Open orders only riders who take nothing new (closing, in overtime, past the end of the
        shift) could carry, by order id, with the detail they are reported unassigned (``shift``)
        with (they stay in the planning problem, allowed to no rider).
    """

    live: Problem
    live_inst: Instance
    live_mats: dict[str, TravelMatrix]
    plan: Problem
    plan_inst: Instance
    first: dict[int, int]
    committed: dict[str, tuple[str, str]]
    relaxed: frozenset[str]
    notes: tuple[str, ...]
    stranded: Mapping[str, str]
    live_timing: Instance
    blocked: Mapping[str, str]


def _live_order(st: OrderState, now: int, state: DispatchState, working: Collection[str], relaxed: bool,
                horizon: int) -> Order:
    o = st.order
    if st.carrier is not None:
        if st.returning:  # taken back: a delivery to the pharmacy, as an ambient parcel
            ph = state.pharmacies[o.pharmacy]
            return Order(id=o.id, pharmacy=o.pharmacy, location=ph.location, weight_g=o.weight_g,
                         volume_ml=o.volume_ml, parcels=o.parcels, service_s=ph.handover_s,
                         windows=(TimeWindow(0, horizon),), picked_up_by=st.carrier, picked_up_s=st.picked_up_s,
                         rider=st.carrier)
        kw: dict[str, Any] = {"picked_up_by": st.carrier, "picked_up_s": st.picked_up_s, "rider": st.carrier,
                              "release_s": min(o.release_s, st.picked_up_s or 0)}
        if st.retry is not None:
            kw |= {"windows": (st.retry,), "latest_s": None}
        if relaxed:
            kw |= {"windows": (TimeWindow(0, horizon),), "latest_s": None, "max_ride_s": None,
                   "temperature": "ambient", "weight_g": 0, "volume_ml": 0, "parcels": 0}
        return dataclasses.replace(o, **kw)
    release = st.released_s if st.released_s is not None else max(o.release_s, now)
    kw = {"release_s": release, "rider": st.lock if st.lock in working else None}
    if st.retry is not None:
        kw |= {"windows": (st.retry,), "latest_s": None}
    return dataclasses.replace(o, **kw)


def _past_shift(state: DispatchState, now: int) -> set[str]:
    """Working riders available only after their shift has ended (at ``now``, seconds): they take
    nothing new; they finish what they carry and their committed stop in overtime."""
    return {rid for rid, rs in state.riders.items() if rs.working and max(rs.time_s, now) > rs.rider.shift.end_s}


def _live_rider(rs: RiderState, now: int, busy: bool, overtime: bool, locked: bool, horizon: int) -> Rider | None:
    r = rs.rider
    start_s = max(rs.time_s, now)
    shift = r.shift
    if start_s > shift.end_s or overtime:
        if busy:
            shift = TimeWindow(shift.start_s, horizon)
        elif locked:  # no time left: its locked orders are reported unassigned (see build)
            shift = TimeWindow(min(shift.start_s, start_s), start_s)
        else:
            return None
    return dataclasses.replace(r, start=rs.location, start_s=start_s, shift=shift,
                               max_work_s=None if overtime else r.max_work_s)


def live_problem(state: DispatchState, now: int, settings: Settings, *, relaxed: Collection[str] = (),
                 overtime: Collection[str] = ()) -> Problem:
    """The open state at ``now`` as a :class:`Problem` (see the module docstring).

    ``relaxed``: orders on board planned as soon as possible (besides those the state marks);
    ``overtime``: riders whose shift is extended to the horizon (they take nothing new). A rider
    whose shift has ended (:func:`_past_shift`) stays in it while they carry something or have a
    committed stop (with the shift extended to the horizon), or while an open order is locked to
    them (with no time left).
    """
    horizon = MAX_TIME_S  # an item carried past midnight, or far, is still planned
    busy = {s.carrier for s in state.orders.values() if s.carrier is not None}
    busy |= {rid for rid, rs in state.riders.items() if rs.committed is not None}
    locked = {s.lock for s in state.orders.values() if s.lock is not None and s.status not in FINAL}
    riders = []
    for rid, rs in state.riders.items():
        if rs.working:
            r = _live_rider(rs, now, rid in busy, rid in overtime, rid in locked, horizon)
            if r is not None:
                riders.append(r)
    ids = {r.id for r in riders}
    orders = [_live_order(st, now, state, ids, st.relaxed or st.id in relaxed, horizon)
              for st in state.open_orders()]
    return Problem(pharmacies=tuple(state.pharmacies.values()), orders=tuple(orders), riders=tuple(riders),
                   day=settings.day, timezone=settings.timezone, objective=settings.objective,
                   max_trip_m=settings.max_trip_m)


def _stranded(inst: Instance) -> dict[str, str]:
    """Items on board no route of their rider can deliver by :data:`~medroute.model.MAX_TIME_S`
    (see the module docstring), with why.

    Per rider, a route delivering items ``K`` ends no earlier than its departure plus the shortest
    direct ride to one of their doors, every door service in ``K`` and the shortest ride from one
    of their doors to the rider's end (if it has one); while that bound is past the horizon, the
    item with the longest door service is stranded.
    """
    out: dict[str, str] = {}
    for r in np.unique(inst.carried_by[inst.carried_by >= 0]).tolist():
        dur = inst.duration(r)
        end = int(inst.end_loc[r])
        items = sorted(inst.carried[r], key=lambda k: -int(inst.service[inst.delivery(k)]))
        doors = {k: int(inst.node_loc[inst.delivery(k)]) for k in items}
        legs = {k: int(dur[inst.start_loc[r], doors[k]]) for k in items}
        home = {k: int(dur[doors[k], end]) if end >= 0 else 0 for k in items}
        while items:
            doorstep = (int(inst.depart[r]) + min(legs[k] for k in items)
                        + sum(int(inst.service[inst.delivery(k)]) for k in items))
            if doorstep + min(home[k] for k in items) <= MAX_TIME_S:
                break
            k = items.pop(0)
            then = " and ride on to its rider's end" if doorstep <= MAX_TIME_S else ""
            out[inst.problem.orders[k].id] = (
                f"no route can end its door service ({int(inst.service[inst.delivery(k)]):,} s){then} by the "
                f"latest time a plan may hold ({MAX_TIME_S:,} s)")
    return out


def _late_carriers(inst: Instance, skip: Collection[str] = ()) -> set[str]:
    """Riders who cannot end the door service of an item on board by the end of their shift even
    by riding straight there (and waiting for its window, if one is still open): without overtime no
    plan times, and the replan's fallback would relax every rider's items on board. ``skip``:
    orders not to consider (stranded)."""
    out = set()
    for k in range(inst.n):
        r = int(inst.carried_by[k])
        if r < 0 or inst.problem.orders[k].id in skip:
            continue
        d = inst.delivery(k)
        eta = int(inst.depart[r]) + int(inst.duration(r)[inst.start_loc[r], inst.node_loc[d]])
        start = earliest_in(eta, inst.windows[d])
        if (eta if start is None else start) + int(inst.service[d]) > int(inst.shift_end[r]):
            out.add(inst.problem.riders[r].id)
    return out


def _undeliverable(inst: Instance, state: DispatchState, skip: Collection[str] = ()) -> dict[str, str]:
    """Items on board the rules no longer let their rider deliver (see the module docstring), with
    why; ``skip``: orders not to consider."""
    p = inst.problem
    rindex = {r.id: i for i, r in enumerate(p.riders)}
    load = np.zeros_like(inst.capacity)
    for k, o in enumerate(p.orders):
        if o.picked_up_by is not None:
            load[rindex[o.picked_up_by]] += inst.demand[k]
    over = np.any(load > inst.capacity, axis=1)
    out: dict[str, str] = {}
    for k, o in enumerate(p.orders):
        st = state.orders[o.id]
        if o.picked_up_by is None or st.relaxed or st.returning or o.id in skip:
            continue
        r = rindex[o.picked_up_by]
        d = inst.delivery(k)
        eta = int(inst.depart[r]) + int(inst.duration(r)[inst.start_loc[r], inst.node_loc[d]])
        if k in inst.flagged:
            out[o.id] = f"by the rules ({inst.flagged[k].reason.value})"
        elif over[r]:
            out[o.id] = "in the box (it holds less than what is on board)"
        elif (start := earliest_in(eta, inst.windows[d])) is None:
            out[o.id] = "in its window"
        elif int(inst.max_ride[k, r]) < start - int(inst.carried_since[k]):
            out[o.id] = "within its out-of-fridge budget"
    return out


def _fold(b_live: Problem, inst: Instance, state: DispatchState, skip: Collection[str] = ()
          ) -> tuple[Problem, dict[int, int], dict[str, tuple[str, str]], list[str]]:
    """Fold every committed stop that can still be made into its rider's start (module docstring);
    commitments to ``skip``'s orders (stranded) are released.

    Service at the committed stop starts on arrival; at a cold pickup, at its planned start if
    later (planned late on purpose so that the budget reaches the door window). Any other planned
    start may be stale (stops before it done early or dropped) and would hold the rider back. A
    committed pickup whose item could then no longer reach its door window within its budget and
    the rider's shift is released.
    """
    notes: list[str] = []
    oindex = {o.id: k for k, o in enumerate(b_live.orders)}
    riders = list(b_live.riders)
    orders: dict[str, Order] = {o.id: o for o in b_live.orders}
    first: dict[int, int] = {}
    kept: dict[str, tuple[str, str]] = {}
    for r, rider in enumerate(b_live.riders):
        rs = state.riders[rider.id]
        if rs.committed is None:
            continue
        kind, oid = rs.committed
        k = oindex.get(oid, -1)
        if k < 0 or oid in skip or (kind == "pickup") != (inst.carried_by[k] < 0) or not inst.allowed[k, r] or (
                kind == "pickup" and k in inst.flagged):
            notes.append(f"rider {rider.id!r}: commitment to {kind} of {oid!r} no longer applies; released")
            continue
        node = inst.pickup(k) if kind == "pickup" else inst.delivery(k)
        loc = int(inst.node_loc[node])
        visits = state.routes.get(rider.id, ())
        timed = kind == "pickup" and b_live.orders[k].needs_coolbox
        planned = visits[0].start_s if timed and visits and (visits[0].kind, visits[0].order) == rs.committed else 0
        arrive = int(inst.depart[r]) + int(inst.duration(r)[inst.start_loc[r], loc])
        start = earliest_in(max(arrive, planned), inst.windows[node])
        if start is None and planned > arrive:
            start = earliest_in(arrive, inst.windows[node])
        fits = kind != "pickup" or bool(np.all(
            inst.demand[list(inst.carried[r])].sum(axis=0) + inst.demand[k] <= inst.capacity[r]))
        dep = MAX_TIME_S + 1 if start is None else start + int(inst.service[node])
        if dep > MAX_TIME_S or not fits or (kind == "pickup" and not _deliverable_after(inst, r, k, loc, dep)):
            notes.append(f"rider {rider.id!r}: committed {kind} of {oid!r} cannot be made any more; released")
            continue
        first[r] = node
        kept[rider.id] = rs.committed
        riders[r] = dataclasses.replace(rider, start=b_live.locations[loc], start_s=dep,
                                        shift=TimeWindow(rider.shift.start_s, max(rider.shift.end_s, dep)))
        if kind == "pickup":
            orders[oid] = dataclasses.replace(orders[oid], picked_up_by=rider.id, picked_up_s=dep, rider=rider.id)
        else:
            del orders[oid]
    plan = dataclasses.replace(b_live, riders=tuple(riders), orders=tuple(orders.values()))
    return plan, first, kept, notes


def _deliverable_after(inst: Instance, r: int, k: int, loc: int, dep: int) -> bool:
    """Whether order ``k``, picked up by rider ``r`` at ``loc`` until ``dep``, can still reach its
    door window within its out-of-fridge budget and the rider's shift by riding straight there."""
    d = inst.delivery(k)
    start = earliest_in(dep + int(inst.duration(r)[loc, inst.node_loc[d]]), inst.windows[d])
    return (start is not None and start - dep <= int(inst.max_ride[k, r])
            and start + int(inst.service[d]) <= int(inst.shift_end[r]))


def _with_margins(plan: Problem, q: float, on_board: bool = True) -> Problem:
    """Cold budgets planned within ``budget / q`` (items on board keep what they can still make;
    without ``on_board``, their real budgets).

    Budgets are cut on the orders (an order's budget is the least of its own and its cool box's),
    so the margin applies to the budget of the riders with the longest-holding cool box.
    """
    if q <= 1.0:
        return plan
    holds = [r.coolbox.hold_s for r in plan.riders if r.coolbox is not None]
    hold = max(holds, default=0)
    orders = []
    for o in plan.orders:
        if o.needs_coolbox and holds and (on_board or o.picked_up_by is None):
            budget = hold if o.max_ride_s is None else min(o.max_ride_s, hold)
            o = dataclasses.replace(o, max_ride_s=math.floor(budget / q))
        orders.append(o)
    return dataclasses.replace(plan, orders=tuple(orders))


def _reachable_targets(plan: Problem, inst: Instance, q: float) -> Problem:
    """Soft targets moved ``(q - 1) ×`` the direct ride earlier, but never before the earliest
    possible delivery (a target no plan can meet becomes that: the ranking of plans is the same)."""
    ks = np.array([k for k, o in enumerate(plan.orders) if o.target_s is not None and k not in inst.flagged],
                  dtype=np.int64)
    if not len(ks):
        return plan
    earliest, ride = _earliest_deliveries(inst, ks)
    changed = False
    orders = list(plan.orders)
    for k, e, rd in zip(ks.tolist(), earliest.tolist(), ride.tolist(), strict=True):
        o = orders[k]
        if e >= NO_LIMIT or o.target_s is None:
            continue
        first = earliest_in(e, inst.windows[inst.delivery(k)])
        if first is None:
            continue
        target = max(first, o.target_s - math.ceil((q - 1.0) * rd))
        if target != o.target_s:
            orders[k] = dataclasses.replace(o, target_s=target)
            changed = True
    return dataclasses.replace(plan, orders=tuple(orders)) if changed else plan


def _earliest_deliveries(inst: Instance, ks: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For orders ``ks``: the earliest arrival at the door by riding straight there (an item on
    board from its rider's start, any other from the pharmacy, picked up by the quickest allowed
    rider) and the direct ride pharmacy → door (from the rider's start for an item on board);
    ``NO_LIMIT`` where no rider may serve it."""
    big = np.int64(NO_LIMIT)
    earliest = np.full(len(ks), big, dtype=np.int64)
    ride = np.full(len(ks), big, dtype=np.int64)
    door = inst.node_loc[inst.n + ks].astype(np.int64)
    ph = inst.node_loc[ks].astype(np.int64)
    carrier = inst.carried_by[ks]
    opens = np.array([inst.windows[k][0][0] if inst.windows[k] else NO_LIMIT for k in ks.tolist()], dtype=np.int64)
    service = inst.service[ks].astype(np.int64)
    for g in np.unique(inst.rider_durations):
        dur = inst.durations[int(g)]
        rs = np.flatnonzero(inst.rider_durations == g)
        start = inst.start_loc[rs]
        # items on board of a rider of this group
        mine = np.flatnonzero(np.isin(carrier, rs))
        if len(mine):
            r = carrier[mine]
            direct = dur[inst.start_loc[r], door[mine]].astype(np.int64)
            ride[mine] = direct
            earliest[mine] = inst.depart[r] + direct
        free = carrier < 0
        allowed = inst.allowed[np.ix_(ks, rs)] & free[:, None] & (opens < NO_LIMIT)[:, None]
        if not allowed.any():
            continue
        to_ph = inst.depart[rs][None, :] + dur[np.ix_(start, ph)].T.astype(np.int64)
        leg = dur[ph, door].astype(np.int64)
        reach = np.maximum(opens[:, None], to_ph) + (service + leg)[:, None]
        reach = np.where(allowed, reach, big).min(axis=1)
        some = allowed.any(axis=1)
        earliest = np.where(some, np.minimum(earliest, reach), earliest)
        ride = np.where(some, np.minimum(ride, leg), ride)
    return earliest, ride


def build(state: DispatchState, now: int, settings: Settings, matrices: GrowingMatrix,
          overtime: Collection[str] = (), *, board_margin: bool = True) -> Built:
    """The live and planning problems of ``state`` at ``now`` (see the module docstring);
    without ``board_margin``, items on board (and committed pickups) are planned with their real
    out-of-fridge budgets, no margin."""

    def compiled(p: Problem) -> tuple[Instance, dict[str, TravelMatrix]]:
        mats = matrices.over(p.locations, p.profiles)
        return compile_problem(p, mats), mats

    notes: list[str] = []
    relaxed: set[str] = set()
    live = live_problem(state, now, settings, overtime=overtime)
    inst, mats = compiled(live)
    stranded = _stranded(inst)
    late = _late_carriers(inst, skip=stranded)
    if late:
        notes += [f"rider {rid!r} cannot deliver what is on board by the end of the shift "
                  f"({format_time(live.rider[rid].shift.end_s)}): overtime, nothing new" for rid in sorted(late)]
        overtime = set(overtime) | late
        live = live_problem(state, now, settings, overtime=overtime)
        inst, mats = compiled(live)
    notes += [f"order {oid!r} on board of {state.orders[oid].carrier!r} cannot be delivered: {why}; "
              "reported unassigned" for oid, why in stranded.items()]
    bad = _undeliverable(inst, state, skip=stranded)
    if bad:
        relaxed = set(bad)
        notes += [f"order {oid!r} on board of {state.orders[oid].carrier!r} can no longer be delivered {why}; "
                  "delivered as soon as possible" for oid, why in bad.items()]
        live = live_problem(state, now, settings, relaxed=relaxed, overtime=overtime)
        inst, mats = compiled(live)
    off_shift = _past_shift(state, now)
    held = _held(state, off_shift)
    notes += [f"{why}; reported unassigned" for why in held.values()]
    stranded |= held
    plan, first, kept, fold_notes = _fold(live, inst, state, skip=stranded)
    notes += fold_notes
    if stranded:
        plan = dataclasses.replace(plan, orders=tuple(o for o in plan.orders if o.id not in stranded))
    q = settings.travel_quantile
    plan = _with_margins(plan, q, on_board=board_margin)
    if not board_margin:
        notes.append("no plan kept the travel-time margin for the items on board: planned with their real "
                     "out-of-fridge budgets")
    plan_inst, _ = compiled(plan)
    spoiled = _margin_breaks(plan_inst)
    if spoiled:  # items on board keep the budget they can still make
        plan = dataclasses.replace(plan, orders=tuple(
            dataclasses.replace(o, max_ride_s=live.order[o.id].max_ride_s) if o.id in spoiled else o
            for o in plan.orders))
    targeted = _reachable_targets(plan, plan_inst, q)
    if spoiled or targeted is not plan:
        plan = targeted
        plan_inst, _ = compiled(plan)
    # Closing riders, riders in overtime and riders past their shift take nothing new.
    no_new = {i: why for i, r in enumerate(plan.riders) if (why := _takes_nothing_new(state, r, overtime, off_shift))}
    blocked: dict[str, str] = {}
    if no_new:
        allowed = plan_inst.allowed.copy()
        for i in no_new:
            allowed[:, i] &= plan_inst.carried_by == i
        allowed.setflags(write=False)
        blocked = _blocked(plan_inst, allowed, no_new)
        plan_inst = dataclasses.replace(plan_inst, allowed=allowed)
    all_relaxed = frozenset(relaxed | {o.id for o in live.orders if state.orders[o.id].relaxed})
    return Built(live, inst, mats, plan, plan_inst, first, kept, all_relaxed, tuple(notes), stranded,
                 _with_plan_budgets(inst, plan_inst), blocked)


def _takes_nothing_new(state: DispatchState, rider: Rider, overtime: Collection[str],
                       off_shift: Collection[str]) -> str:
    """Why ``rider`` takes nothing new, as "rider ... is ...": closing, past the end of the shift, in
    overtime; ``""`` if the rider takes orders."""
    rs = state.riders[rider.id]
    if rs.closing:
        return f"rider {rider.id!r} is going offline once what is on board is delivered"
    if rider.id in off_shift:
        return f"rider {rider.id!r} is past the end of the shift at {format_time(rs.rider.shift.end_s)}"
    if rider.id in overtime:
        return f"rider {rider.id!r} is in overtime to deliver what is on board"
    return ""


def _blocked(inst: Instance, allowed: NDArray[np.bool_], no_new: Mapping[int, str]) -> dict[str, str]:
    """Open orders that only riders of ``no_new`` (index → why they take nothing new) may carry by
    the rules (``inst.allowed``; ``allowed`` is without them), with the detail to report them
    unassigned (:attr:`~medroute.reasons.Reason.SHIFT`) with. Orders the pre-checks flagged keep
    their flag."""
    out: dict[str, str] = {}
    for k in np.flatnonzero(inst.allowed.any(axis=1) & ~allowed.any(axis=1) & (inst.carried_by < 0)).tolist():
        if k in inst.flagged:
            continue
        o = inst.problem.orders[k]
        could = np.flatnonzero(inst.allowed[k]).tolist()
        if o.rider is not None:
            out[o.id] = (f"order {o.id!r} is locked to a rider who takes nothing new ({no_new[could[0]]}): unlock "
                         "it (Dispatcher.lock(order, None)) to plan it with another rider")
        else:
            who = "; ".join(no_new[r] for r in could)
            out[o.id] = (f"order {o.id!r}: only riders who take nothing new could carry it ({who}); it needs "
                         "another rider who may carry it")
    return out


def _held(state: DispatchState, off_shift: Collection[str]) -> dict[str, str]:
    """Open orders locked to a rider of ``off_shift`` (:func:`_past_shift`), with why: no plan may
    give them to another rider (the lock holds) and their rider takes nothing new. A committed
    pickup is not held: the rider is on the way and finishes it in overtime."""
    out = {}
    for st in state.open_orders():
        rid = st.lock
        if (st.carrier is None and rid is not None and rid in off_shift
                and state.riders[rid].committed != ("pickup", st.id)):
            out[st.id] = (f"order {st.id!r} is locked to rider {rid!r}, whose shift ended at "
                          f"{format_time(state.riders[rid].rider.shift.end_s)}: unlock it "
                          "(Dispatcher.lock(order, None)) to plan it with another rider")
    return out


def _with_plan_budgets(live: Instance, plan: Instance) -> Instance:
    """``live`` with each order's out-of-fridge budgets no longer than the planning problem's."""
    index = {o.id: k for k, o in enumerate(plan.problem.orders)}
    max_ride = live.max_ride.copy()
    for k, o in enumerate(live.problem.orders):
        kp = index.get(o.id)
        if kp is not None:
            max_ride[k] = np.minimum(max_ride[k], plan.max_ride[kp])
    max_ride.setflags(write=False)
    return dataclasses.replace(live, max_ride=max_ride)


def _margin_breaks(inst: Instance) -> set[str]:
    """Items on board whose margined budget is already out of reach by riding straight there (and
    waiting for the delivery window, if it opens later)."""
    out = set()
    for k in range(inst.n):
        r = int(inst.carried_by[k])
        if r < 0 or inst.max_ride[k, r] >= NO_LIMIT:
            continue
        d = inst.delivery(k)
        eta = int(inst.depart[r]) + int(inst.duration(r)[inst.start_loc[r], inst.node_loc[d]])
        start = earliest_in(eta, inst.windows[d])
        if start is None or start - int(inst.carried_since[k]) > int(inst.max_ride[k, r]):
            out.add(inst.problem.orders[k].id)
    return out
