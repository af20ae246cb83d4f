"""A tiny service area in Banyuwangi and a rider "driver", shared by the dispatch tests."""

from __future__ import annotations

import numpy as np

from medroute import CoolBox, Location, Order, Pharmacy, Rider, TimeWindow, check
from medroute.compile import compile_problem
from medroute.dispatch import Dispatcher, OrderStatus, Plan
from medroute.events import Delivered, OrderReleased, PickedUp
from medroute.reasons import Reason

H = 3600
BLAMBANGAN = Pharmacy("blambangan", Location(-8.2192, 114.3691), name="RSUD Blambangan")
GENTENG = Pharmacy("genteng", Location(-8.3667, 114.1500), name="RSUD Genteng")
PHARMACIES = (BLAMBANGAN, GENTENG)


def rider(i: int, *, cool: bool = True, start_s: int = 8 * H) -> Rider:
    base = BLAMBANGAN if i % 2 == 0 else GENTENG
    return Rider(f"r{i}", base.location, start_s=start_s, shift=TimeWindow(8 * H, 18 * H),
                 coolbox=CoolBox() if cool else None)


def order(i: int, *, release_s: int = 9 * H, cold: bool = False, pharmacy: str | None = None,
          window: TimeWindow | None = None, rider_lock: str | None = None) -> Order:
    ph = pharmacy or ("blambangan" if i % 2 == 0 else "genteng")
    base = BLAMBANGAN if ph == "blambangan" else GENTENG
    # patients on a small deterministic spiral around the pharmacy (≤ ~8 km)
    dlat = ((i * 37) % 17 - 8) * 0.004
    dlon = ((i * 53) % 19 - 9) * 0.004
    return Order(f"o{i}", ph, Location(base.location.lat + dlat, base.location.lon + dlon), release_s=release_s,
                 temperature="refrigerated" if cold else "ambient",
                 windows=(window,) if window is not None else (TimeWindow(0, 24 * H),), rider=rider_lock)


def dispatcher(n_riders: int = 3, *, engine: str | None = None, commit_within_s: int = 60,
               **kw: object) -> Dispatcher:
    return Dispatcher(PHARMACIES, [rider(i) for i in range(n_riders)], engine=engine,
                      commit_within_s=commit_within_s, **kw)  # type: ignore[arg-type]


def do_committed(d: Dispatcher, rid: str, t: int) -> int | None:
    """Carry out rider ``rid``'s committed stop at the earliest of ``t`` and its planned start.

    Returns the time the stop finished, or ``None`` if the rider has no committed stop.
    """
    rs = d.riders[rid]
    if rs.committed is None:
        return None
    kind, oid = rs.committed
    visits = d.routes.get(rid, ())
    planned = visits[0].start_s if visits and (visits[0].kind, visits[0].order) == rs.committed else t
    when = max(t, planned, d.now_s)
    st = d.orders[oid]
    if kind == "pickup":
        if st.status == OrderStatus.CREATED:
            d.apply(OrderReleased(when, oid))
        when += d.pharmacies[st.order.pharmacy].handover_s
        d.apply(PickedUp(when, oid, rid))
    else:
        when += st.order.service_s
        d.apply(Delivered(when, oid))
    return when


def assert_plan_ok(d: Dispatcher, plan: Plan, committed_before: dict[str, tuple[str, str] | None]) -> None:
    """The invariants every plan keeps (checked after every replan)."""
    assert check(plan.problem, plan.solution, plan.matrix) == []
    planned = {o.id for o in plan.problem.orders}
    open_ids = {s.id for s in d.open_orders()}
    assert planned == open_ids, "the live problem holds exactly the open orders"
    routed = set(plan.solution.served)
    unassigned = {u.order for u in plan.solution.unassigned}
    assert routed | unassigned == open_ids and not routed & unassigned, "nothing lost"
    # an item on board no plan can deliver (its door service would end past the horizon) is
    # reported unassigned for the shift; the checker's `carried` rule says the rider cannot deliver it
    stranded = {u.order for u in plan.solution.unassigned if u.reason is Reason.SHIFT}
    for st_ in d.orders.values():
        if st_.carrier is not None:
            route = plan.solution.route_of(st_.carrier)
            kept = route is not None and st_.id in route.orders
            assert kept or st_.id in stranded, f"{st_.id} on board stays with its rider"
        elif st_.lock is not None and st_.id in routed:
            route = plan.solution.route_of(st_.lock)
            assert route is not None and any(v.order == st_.id for v in route.visits), f"{st_.id} stays locked"
    for rid, c in committed_before.items():
        if c is None or (c[0] == "pickup" and (c[1] in unassigned or not _pickup_fits(plan, rid, c[1]))):
            continue  # released: the order cannot be served, or not by this rider (the plan says why)
        nxt = plan.next_stop(rid)
        assert nxt is not None and (nxt.kind.value, nxt.order) == c, f"rider {rid}: committed stop {c} stays first"


def _pickup_fits(plan: Plan, rid: str, oid: str) -> bool:
    """Whether rider ``rid`` may still take ``oid`` on top of what it carries (the box and the
    cool box), computed from the live problem, independently of the dispatcher's fold."""
    inst = compile_problem(plan.problem, plan.matrix)
    ids = [o.id for o in plan.problem.orders]
    r = [x.id for x in plan.problem.riders].index(rid)
    if oid not in ids:
        return True
    k = ids.index(oid)
    load = inst.demand[list(inst.carried[r])].sum(axis=0) + inst.demand[k]
    return bool(inst.allowed[k, r]) and bool(np.all(load <= inst.capacity[r]))


def replan(d: Dispatcher, t: int, budget: float = 0.3) -> Plan:
    before = {rid: rs.committed for rid, rs in d.riders.items()}
    plan = d.replan(t, time_budget=budget)
    assert_plan_ok(d, plan, before)
    return plan


def drive_to_end(d: Dispatcher, t: int, budget: float = 0.3, max_rounds: int = 400) -> int:
    """Replan and carry out committed stops until no rider has anything left to do."""
    for _ in range(max_rounds):
        plan = replan(d, t, budget)
        moved = False
        for rid in sorted(d.riders):
            done = do_committed(d, rid, t)
            if done is not None:
                t, moved = max(t, done), True
        if not moved:
            # nobody must leave yet: jump to the next departure, or stop when nothing is planned
            starts = [r.stops[0].departure_s for r in plan.solution.routes if r.visits]
            if not starts:
                return t
            t = max(t + 60, min(starts) - d.commit_within_s)
    raise AssertionError("the day did not end")
