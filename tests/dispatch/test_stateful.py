"""A stateful property test of the :class:`Dispatcher`: random sequences of events, locks and
replans at moving clocks, with the invariants of the live state checked after every step and
those of the plan after every replan."""

from __future__ import annotations

import dataclasses

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from medroute import Location, TimeWindow
from medroute.dispatch import FINAL, Dispatcher, DispatchError, OrderStatus, RiderState
from medroute.events import (
    Delivered,
    DeliveryFailed,
    Event,
    OrderCancelled,
    OrderCreated,
    OrderReleased,
    PickedUp,
    PickupFailed,
    RiderOffline,
    RiderOnline,
    RiderPosition,
    TravelDelay,
)
from tests.dispatch.town import BLAMBANGAN, GENTENG, H, assert_plan_ok, dispatcher, order

N_RIDERS = 3
RIDERS = st.integers(0, N_RIDERS - 1)
WORK = 0.05
"""The engine's work budget per replan, reference seconds: replans read no clock, so a failing
sequence replays and shrinks."""
LATE = st.sampled_from([0, 0, 120, 1800])
"""How long before the latest event a stop report is stamped (it arrived late), seconds."""
PLACES = st.sampled_from([BLAMBANGAN.location, GENTENG.location, Location(-8.30, 114.25)])


class DispatcherMachine(RuleBasedStateMachine):
    """Drives one dispatcher on the small town of :mod:`tests.dispatch.town`."""

    d: Dispatcher
    t: int
    n: int

    @initialize(engine=st.sampled_from([None, "greedy"]), commit=st.sampled_from([60, H]),
                cold=st.lists(st.booleans(), min_size=1, max_size=5))
    def start(self, engine: str | None, commit: int, cold: list[bool]) -> None:
        self.d = dispatcher(N_RIDERS, engine=engine, commit_within_s=commit)
        self.t = 8 * H
        self.gone: set[str] = set()  # delivered or cancelled: never planned again (but to be taken back)
        for n, c in enumerate(cold):
            self.d.apply(OrderCreated(self.t, order(n, release_s=self.t + 600 * n, cold=c), released=n % 2 == 0))
        self.n = len(cold)
        self.d.replan(self.t, work=WORK)

    # -- helpers ----------------------------------------------------------------------------------
    def _rejected(self, event: Event) -> None:
        """Apply an event the state must refuse, and check that nothing changed."""
        before = self.d.to_json()
        try:
            self.d.apply(event)
        except DispatchError:
            assert self.d.to_json() == before, "a refused event changed the state"
        else:
            raise AssertionError(f"{event!r} was accepted")

    def _order(self, i: int) -> str | None:
        ids = sorted(self.d.orders)
        return ids[i % len(ids)] if ids else None

    def _stops(self) -> list[tuple[str, str, str]]:
        """Each working rider's next planned stop as (rider, kind, order)."""
        return [(rid, visits[0].kind, visits[0].order) for rid, visits in sorted(self.d.routes.items())
                if visits and self.d.riders[rid].working]

    def _next(self, r: int, kind: str | None = None) -> tuple[str, str, str] | None:
        """The next planned stop (of ``kind``) of rider ``r``, or else of the first rider with one."""
        stops = [s for s in self._stops() if kind in (None, s[1])]
        mine = [s for s in stops if s[0] == f"r{r}"]
        return next(iter(mine or stops), None)

    def _placed(self, rid: str, before: RiderState, when: int, where: Location) -> None:
        """After a stop event at ``when``: the rider is at ``where`` from ``when``, unless an event
        received earlier placed them later (then the rider has not moved)."""
        after = self.d.riders[rid]
        if before.seen is not None and when < before.seen[0]:
            assert (after.location, after.time_s, after.seen) == (before.location, before.time_s, before.seen)
            assert any(n.startswith(f"{when}: rider {rid!r}: the ") and "arrived after" in n for n in self.d.log[-2:])
        else:
            assert (after.location, after.time_s) == (where, when) and after.seen is not None
            assert after.seen[0] == when

    def _planned(self) -> bool:
        return bool(self._stops())

    def _any_order(self) -> bool:
        return bool(self.d.orders)

    # -- events -----------------------------------------------------------------------------------
    @rule(dt=st.integers(0, 1800))
    def wait(self, dt: int) -> None:
        self.t += dt

    @rule(cold=st.booleans(), released=st.booleans(), lock=st.none() | RIDERS, lead=st.integers(0, 3600))
    def new_order(self, cold: bool, released: bool, lock: int | None, lead: int) -> None:
        rid = None if lock is None else f"r{lock}"
        o = order(self.n, release_s=self.t + lead, cold=cold, rider_lock=rid)
        event = OrderCreated(self.t, o, released=released)
        if rid is not None and not (self.d.riders[rid].online and not self.d.riders[rid].closing):
            self._rejected(event)
            return
        self.d.apply(event)
        self.n += 1

    @precondition(_any_order)
    @rule(i=st.integers(0, 50), late=LATE)
    def release(self, i: int, late: int) -> None:
        """A release report, possibly late; the earliest report of a release wins."""
        oid = self._order(i)
        if oid is None:
            return
        before = self.d.orders[oid]
        t = max(self.t - late, before.created_s)
        self.d.apply(OrderReleased(t, oid))
        known = before.released_s
        expected = t if before.status == OrderStatus.CREATED else (None if known is None else min(known, t))
        assert self.d.orders[oid].released_s == expected

    @precondition(_planned)
    @rule(r=RIDERS, late=LATE, release_after=st.sampled_from([0, 0, 300]))
    def do_next(self, r: int, late: int, release_after: int) -> None:
        """Rider ``r`` (or another) does what the current plan says is next; the report may arrive
        ``late`` seconds after later events, and the release of what is picked up may be stamped
        ``release_after`` seconds after the pickup."""
        nxt = self._next(r)
        if nxt is None:
            return
        rid, kind, oid = nxt
        st_, before = self.d.orders[oid], self.d.riders[rid]
        when = max(self.t, self.d.now_s) - late
        when = max(when, st_.created_s if st_.picked_up_s is None else st_.picked_up_s)
        pharmacy = self.d.pharmacies[st_.order.pharmacy].location
        if kind == "pickup":
            if st_.status == OrderStatus.CREATED:
                self.d.apply(OrderReleased(when + release_after, oid))
            released = self.d.orders[oid].released_s
            self.d.apply(PickedUp(when, oid, rid))
            assert self.d.orders[oid].carrier == rid
            assert self.d.orders[oid].released_s == (when if released is None else min(released, when))
        else:
            self.d.apply(Delivered(when, oid))
            assert self.d.orders[oid].carrier is None
            self.gone.add(oid)
        self._placed(rid, before, when, pharmacy if kind == "pickup" or st_.returning else st_.order.location)
        self.t = when

    @precondition(_any_order)
    @rule(i=st.integers(0, 50), r=RIDERS)
    def pickup_off_the_plan(self, i: int, r: int) -> None:
        """Reality wins: any working rider may pick up an open order; one offline may not."""
        oid, rid = self._order(i), f"r{r}"
        if oid is None or self.d.orders[oid].status in FINAL or self.d.orders[oid].carrier is not None:
            return
        event = PickedUp(max(self.t, self.d.now_s), oid, rid)
        if self.d.riders[rid].working:
            self.d.apply(event)
            assert self.d.orders[oid].carrier == rid
        else:
            self._rejected(event)

    @precondition(_planned)
    @rule(r=RIDERS, reason=st.sampled_from(["", "closed"]), late=LATE)
    def pickup_failed(self, r: int, reason: str, late: int) -> None:
        nxt = self._next(r, "pickup")
        if nxt is not None:
            st_, before = self.d.orders[nxt[2]], self.d.riders[nxt[0]]
            when = max(self.t - late, st_.created_s)
            self.d.apply(PickupFailed(when, nxt[2], nxt[0], reason))
            assert self.d.replan_due and self.d.riders[nxt[0]].committed is None
            self._placed(nxt[0], before, when, self.d.pharmacies[st_.order.pharmacy].location)

    @precondition(_planned)
    @rule(r=RIDERS, retry=st.booleans(), late=LATE)
    def delivery_failed(self, r: int, retry: bool, late: int) -> None:
        nxt = self._next(r, "delivery")
        if nxt is None:
            return
        st_, before = self.d.orders[nxt[2]], self.d.riders[nxt[0]]
        when = max(self.t, self.d.now_s) - late
        when = max(when, st_.picked_up_s if st_.picked_up_s is not None else 0)
        event = DeliveryFailed(when, nxt[2], retry=TimeWindow(self.t + H, self.t + 3 * H) if retry else None)
        if st_.returning:
            self._rejected(event)
        else:
            self.d.apply(event)
            self._placed(nxt[0], before, when, st_.order.location)

    @rule(r=RIDERS, delay=st.integers(0, 1800))
    def travel_delay(self, r: int, delay: int) -> None:
        self.d.apply(TravelDelay(self.t, f"r{r}", delay))

    @rule(r=RIDERS, shift=st.integers(-1800, 600), place=PLACES)
    def position(self, r: int, shift: int, place: Location) -> None:
        """A GPS report, possibly late (stamped before what the dispatcher already knows)."""
        rid, t = f"r{r}", max(0, self.t + shift)
        before = self.d.riders[rid]
        self.d.apply(RiderPosition(t, rid, place))
        after = self.d.riders[rid]
        if before.seen is not None and t < before.seen[0]:
            assert (after.location, after.time_s, after.seen) == (before.location, before.time_s, before.seen)
            assert "stale position report" in self.d.log[-1]
        else:
            assert (after.location, after.time_s, after.seen) == (place, t, (t, "position report"))

    @precondition(_any_order)
    @rule(i=st.integers(0, 50))
    def cancel(self, i: int) -> None:
        oid = self._order(i)
        if oid is None:
            return
        event = OrderCancelled(self.t, oid)
        if self.d.orders[oid].status in FINAL:
            self._rejected(event)
        else:
            self.d.apply(event)
            self.gone.add(oid)

    @precondition(_any_order)
    @rule(i=st.integers(0, 50), r=st.none() | RIDERS)
    def lock(self, i: int, r: int | None) -> None:
        oid = self._order(i)
        if oid is None:
            return
        rid = None if r is None else f"r{r}"
        s = self.d.orders[oid]
        ok = (s.status not in FINAL and (s.carrier is None or s.carrier == rid)
              and (rid is None or (self.d.riders[rid].online and not self.d.riders[rid].closing)))
        if ok:
            self.d.lock(oid, rid)
            assert self.d.orders[oid].lock == rid
        else:
            before = self.d.to_json()
            try:
                self.d.lock(oid, rid)
            except DispatchError:
                assert self.d.to_json() == before
            else:
                raise AssertionError(f"lock({oid!r}, {rid!r}) was accepted")

    @rule(r=RIDERS, online=st.booleans(), place=st.none() | PLACES, late=LATE)
    def online(self, r: int, online: bool, place: Location | None, late: int) -> None:
        """On or off line, possibly late (stamped before the newest of the two received, it is
        ignored); coming online may report a place."""
        rid = f"r{r}"
        t, before = max(0, self.t - late), self.d.riders[rid]
        self.d.apply(RiderOnline(t, rid, place) if online else RiderOffline(t, rid))
        after = self.d.riders[rid]
        if before.presence_s is not None and t < before.presence_s:
            assert after == before and self.d.log[-1].endswith("; ignored")
            return
        assert after.presence_s == t
        if not online:
            assert not (after.online and not after.closing), "an offline rider takes no new orders"
            return
        assert after.online and not after.closing
        if place is None or (before.seen is not None and t < before.seen[0]):
            assert (after.location, after.seen) == (before.location, before.seen)
        else:
            assert (after.location, after.seen) == (place, (t, "online report"))

    @rule(i=st.integers(0, 50))
    def invalid(self, i: int) -> None:
        """Events about unknown ids, or delivering what is not on board, are refused whole."""
        self._rejected(Delivered(self.t, "nobody"))
        self._rejected(TravelDelay(self.t, "nobody", 60))
        oid = self._order(i)
        if oid is not None and self.d.orders[oid].carrier is None:
            self._rejected(Delivered(self.t, oid))
            s = self.d.orders[oid]
            if s.status not in FINAL and s.created_s > 0 and self.d.riders["r0"].working:
                self._rejected(PickedUp(s.created_s - 1, oid, "r0"))  # before the order existed

    @rule(dt=st.integers(0, 2 * H))
    def commit_due(self, dt: int) -> None:
        for rid in self.d.commit_due(self.t + dt):
            first = self.d.routes[rid][0]
            assert self.d.riders[rid].committed == (first.kind, first.order)

    @rule()
    def save_and_restore(self) -> None:
        doc = self.d.to_json()
        restored = Dispatcher.from_json(doc)
        assert restored.to_json() == doc
        self.d = restored

    @rule(dt=st.integers(-600, 1800))
    def replan_at(self, dt: int) -> None:
        """Replan at a moving clock (possibly behind the latest event)."""
        self.t = max(0, self.t + dt)
        latest = self.d.now_s
        before = {rid: rs.committed for rid, rs in self.d.riders.items()}
        plan = self.d.replan(self.t, work=WORK)
        # a commitment the plan's notes release (it can no longer be made) need not stay first
        released = {rid for rid in before if any(n.startswith(f"rider {rid!r}: commit") and "released" in n
                                                 for n in plan.notes)}
        assert_plan_ok(self.d, plan, {rid: c for rid, c in before.items() if rid not in released})
        assert plan.now_s == max(self.t, latest)
        # the plan is checked against the live problem of the state (riders given overtime aside)
        live = self.d.live_problem(plan.now_s)
        assert live.orders == plan.problem.orders
        assert [r.id for r in live.riders] == [r.id for r in plan.problem.riders]
        for r, planned in zip(live.riders, plan.problem.riders, strict=True):
            assert dataclasses.replace(planned, shift=r.shift, max_work_s=r.max_work_s) == r
        open_ids = {s.id for s in self.d.open_orders()}
        reasons = {u.order: u for u in plan.solution.unassigned}
        for oid in open_ids:
            u = reasons.get(oid)
            assert oid in plan.solution.served or (u is not None and u.reason), \
                f"{oid}: neither planned nor unassigned with a reason"
        self.t = max(self.t, plan.now_s)

    # -- invariants of the live state -------------------------------------------------------------
    @invariant()
    def nothing_done_is_planned_again(self) -> None:
        for rid, visits in self.d.routes.items():
            for v in visits:
                s = self.d.orders[v.order]
                if v.order in self.gone or s.status in FINAL:
                    assert s.carrier == rid and v.kind == "delivery", f"{v.order} ({s.status}) planned again"

    @invariant()
    def nothing_is_picked_up_before_its_release(self) -> None:
        for s in self.d.orders.values():
            if s.picked_up_s is not None:
                assert s.released_s is not None and s.released_s <= s.picked_up_s, s

    @invariant()
    def items_on_board_stay_with_their_rider(self) -> None:
        for s in self.d.orders.values():
            if s.carrier is None:
                continue
            assert self.d.riders[s.carrier].working, f"{s.id} on board of {s.carrier}, who is offline"
            for rid, visits in self.d.routes.items():
                mine = [v for v in visits if v.order == s.id]
                assert all(v.kind == "delivery" for v in mine), f"{s.id} on board is planned for pickup"
                assert rid == s.carrier or not mine, f"{s.id} on board of {s.carrier} is planned on {rid}"

    @invariant()
    def commitments_are_first_stops_of_open_orders(self) -> None:
        for rid, rs in self.d.riders.items():
            if rs.committed is not None:
                assert rs.working and self.d.orders[rs.committed[1]].needs_plan
                first = self.d.routes[rid][0]
                assert (first.kind, first.order) == rs.committed, f"{rid}: committed stop is not first"


TestDispatcherMachine = DispatcherMachine.TestCase
TestDispatcherMachine.settings = settings(max_examples=200, stateful_step_count=50, deadline=None)
