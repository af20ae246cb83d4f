"""Fuzz trials of the live dispatcher, through its public API only (``Dispatcher.apply``,
``replan``, ``save``, ``from_json``, ``to_json`` and the events of :mod:`medroute.events`):
event streams mixing the plausible with the hostile, save/restore in the middle, corrupted
state files, and several savers (or a saving thread) at once.

Judged as in :mod:`tests.fuzz.trials`: an event may be refused (a ``MedrouteError``), but a
replan after accepted events must return a plan that passes the checker and accounts for every
open order; a restored dispatcher must equal the saved one; an accepted state file must replan.
"""

from __future__ import annotations

import dataclasses
import json
import math
import multiprocessing as mp
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from medroute import Location, Order, TimeWindow, check
from medroute.dispatch import Dispatcher
from medroute.dispatch.state import DispatchError
from medroute.errors import InvalidProblemError, MedrouteError
from medroute.events import (
    Delivered,
    DeliveryFailed,
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
from medroute.simulate import DELAY_REPORT_S, simulate
from tests.fuzz import seeds
from tests.fuzz.mutate import corrupt_bytes, mutate_doc, nudge_doc
from tests.fuzz.pick import Picker
from tests.fuzz.trials import ACCEPTED, Outcome, defect, raw, refused

H = 3600
FINAL_EVENTS = (Delivered, OrderCancelled, DeliveryFailed)


class Stream:
    """A dispatcher fed events, with what the trial knows: ids seen, orders closed, the clock."""

    def __init__(self, pick: Picker, *, engine: str | None, hostile: bool = True) -> None:
        p = seeds.problem(pick, max_orders=0, min_riders=1)
        self.pick = pick
        self.hostile = hostile
        """Whether streams also carry malformed events (unknown ids, NaN, times out of order)."""
        self.d = Dispatcher(p.pharmacies, p.riders, engine=engine, seed=0)
        self.pharmacies = [ph.id for ph in p.pharmacies]
        self.riders = [r.id for r in p.riders]
        self.created: list[str] = []
        self.closed: set[str] = set()
        self.now = 7 * H
        self.plan: Any = None
        self.events = 0

    def next_time(self) -> Any:
        pick = self.pick
        step = pick.choice([0, 30, 120, 600, 1800])
        if self.hostile and pick.chance(0.05):
            return pick.choice([-1, self.now - 4 * H, 30 * H, 10**12, math.nan, "09:00", 1.5])
        self.now += step
        return self.now

    def order_id(self) -> str:
        pick = self.pick
        if self.created and (not self.hostile or pick.chance(0.9)):
            return pick.choice(self.created)
        return pick.choice(["ghost", "", "o\ud800"])

    def rider_id(self) -> str:
        pick = self.pick
        return pick.choice(self.riders) if not self.hostile or pick.chance(0.9) else pick.choice(["r9", "", "R0"])

    def new_order(self, t: Any) -> Order | str:
        pick = self.pick
        if self.hostile and pick.chance(0.05):
            return pick.choice(["not an order", self.created[0] if self.created else ""])
        oid = pick.choice(self.created) if self.created and pick.chance(0.05) else f"e{len(self.created)}"
        release = self.now + pick.choice([0, 600, 3600])
        return Order(oid, pick.choice(self.pharmacies), seeds.location(pick), release_s=release,
                     windows=(TimeWindow(release, release + pick.choice([2, 6, 24]) * H),),
                     temperature=pick.choice(["ambient", "ambient", "refrigerated"]),
                     target_s=release + H if pick.chance(0.5) else None)

    def planned_event(self, t: Any) -> Any:
        """The next stop of some rider's plan, done now: the events a real day is made of."""
        if self.plan is None:
            return None
        routes = [r for r in self.plan.solution.routes if r.visits]
        if not routes:
            return None
        route = self.pick.choice(routes)
        stop = route.visits[0]
        return PickedUp(t, stop.order, route.rider) if stop.kind == "pickup" else Delivered(t, stop.order)

    def failed_pickup(self) -> PickupFailed:
        """A rider at a pickup of the plan who cannot collect it (or any order and rider)."""
        t = self.next_time()
        routes = [r for r in self.plan.solution.routes if r.visits] if self.plan is not None else []
        if routes and self.pick.chance(0.8):
            route = self.pick.choice(routes)
            return PickupFailed(t, route.visits[0].order, route.rider, "the pharmacy had closed")
        return PickupFailed(t, self.order_id(), self.rider_id())

    def event(self) -> Any:
        pick, t = self.pick, self.next_time()
        kind = pick.int(0, 19)
        if kind <= 4:
            return OrderCreated(t, self.new_order(t), released=pick.chance(0.5))  # type: ignore[arg-type]
        if kind <= 9:
            return self.planned_event(t) or OrderReleased(t, self.order_id())
        if kind == 10:
            return PickedUp(t, self.order_id(), self.rider_id())
        if kind == 11:
            return Delivered(t, self.order_id())
        if kind == 12:
            far = self.hostile and pick.chance(0.1)
            return RiderPosition(t, self.rider_id(), Location(-7.0, 115.0) if far else seeds.location(pick))
        if kind == 13:
            odd = [-5, math.nan, 10**9] if self.hostile else []  # a hostile feed sends a nan delay
            return TravelDelay(t, self.rider_id(), pick.choice([60, 600, 3 * H, *odd]))  # type: ignore[arg-type]
        if kind == 14:
            return RiderOnline(t, self.rider_id(), seeds.location(pick) if pick.chance(0.5) else None)
        if kind == 15:
            return RiderOffline(t, self.rider_id())
        if kind == 16:
            return OrderCancelled(t, self.order_id())
        if kind == 17:
            retry = TimeWindow(self.now, self.now + H) if pick.chance(0.5) else None
            return DeliveryFailed(t, self.order_id(), retry)
        if kind == 18 and self.hostile:
            return pick.choice(["picked_up", None, 42, {"event": "delivered"}])
        return OrderReleased(t, self.order_id())

    def apply(self, event: Any) -> Outcome | None:
        """Feed one event; a defect if it crashed."""
        self.events += 1
        try:
            self.d.apply(event)
        except MedrouteError:
            return None
        except Exception as exc:
            return raw(f"apply({type(event).__name__})", exc, self.events)
        if isinstance(event, OrderCreated) and isinstance(event.order, Order) and event.order.id not in self.created:
            self.created.append(event.order.id)
        if isinstance(event, FINAL_EVENTS):
            self.closed.add(event.order)
        return None

    def replan(self) -> Outcome | None:
        budget = self.pick.choice([0.05, 0.2])
        try:
            plan = self.d.replan(time_budget=budget)
        except Exception as exc:  # a replan after accepted events must not fail, even cleanly
            return defect(f"replan raised {type(exc).__name__}: {exc}", self.events)
        self.plan = plan
        violations = check(plan.problem, plan.solution, plan.matrix)
        if violations:
            return defect(f"replan's plan fails the checker: {violations[0]}", self.events)
        planned = {o.id for o in plan.problem.orders}
        lost = [o for o in self.created if o not in planned and o not in self.closed]
        if lost:
            return defect(f"open order {lost[0]!r} is in no plan (lost)", self.events)
        return None

    def save_and_restore(self, folder: Path) -> Outcome | None:
        path = folder / "state.json"
        try:
            self.d.save(path)
            before = json.dumps(self.d.to_json(), sort_keys=True)
            restored = Dispatcher.from_json(path)
        except Exception as exc:
            return defect(f"save/restore of a live state raised {type(exc).__name__}: {exc}", self.events)
        if json.dumps(restored.to_json(), sort_keys=True) != before:
            return defect("a restored dispatcher differs from the saved one", self.events)
        self.d = restored
        return None


def dispatch_trial(pick: Picker, *, events: int = 30, engines: tuple[str | None, ...] = (None, "greedy"),
                   hostile: bool = True) -> Outcome:
    """A stream of ``events`` events with replans, save/restore and a final replan."""
    try:
        stream = Stream(pick, engine=pick.choice(engines), hostile=hostile)
    except MedrouteError as exc:
        return refused(exc)
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(events):
            if (bad := stream.apply(stream.event())):
                return bad
            if pick.chance(0.05) and (bad := stream.apply(stream.failed_pickup())):
                return bad
            if pick.chance(0.3) and (bad := stream.replan()):
                return bad
            if pick.chance(0.08) and (bad := stream.save_and_restore(Path(tmp))):
                return bad
        if (bad := stream.replan()):
            return bad
    return Outcome("accepted", inputs=stream.events)


# ---------------------------------------------------------------------------------- simulated days
DAY_OUTCOMES = frozenset({"delivered", "failed", "cancelled", "unserved"})


def day_trial(pick: Picker) -> Outcome:
    """A small day through :func:`medroute.simulate.simulate` under travel-time noise, failed
    deliveries with and without retries, cancellations, shifts and pharmacy hours that end
    mid-ride: the simulator's own events never contradict the dispatcher, the day ends, every
    order ends delivered, failed, cancelled or unserved and no item is left on board."""
    if pick.chance(0.8):
        p = seeds.day(pick)
    else:  # the model's edge values; a day starts with nothing on board and no locks (else refused)
        p = seeds.problem(pick, max_orders=10, max_riders=4, min_riders=1)
        free = [dataclasses.replace(o, picked_up_by=None, picked_up_s=None, rider=None) for o in p.orders]
        p = dataclasses.replace(p, orders=tuple(free))
    rules = {"policy": pick.choice(["medroute", "greedy"]), "seed": pick.int(0, 2**16), "engine": None,
             "replan_work": 0.05, "noise": pick.choice([0.0, 0.15, 0.3, 1.0]),
             "failure_rate": pick.choice([0.0, 0.2, 0.5]), "retry_share": pick.choice([0.0, 0.5, 1.0]),
             "cancel_rate": pick.choice([0.0, 0.1, 0.3]), "replan_every": pick.choice([60, 300, 1800])}
    n = len(p.orders)
    rules["delay_report_s"] = None if pick.chance(0.5) else DELAY_REPORT_S  # None: a late rider is known on arrival
    try:
        res = simulate(p, **rules)  # type: ignore[arg-type]
    except InvalidProblemError as exc:
        return refused(exc, n)
    except DispatchError as exc:  # the simulator's events come from the dispatcher's own plans
        return defect(f"simulate {rules}: the day's own event was refused: {exc}", n)
    except Exception as exc:
        return raw(f"simulate {rules}", exc, n)
    if res.stranded:
        return defect(f"simulate {rules}: items left on board: {list(res.stranded)}", n)
    ends = [t.outcome for t in res.timeline]
    if len(ends) != n or not set(ends) <= DAY_OUTCOMES:
        return defect(f"simulate {rules}: orders end {sorted(set(ends))} ({len(ends)} of {n})", n)
    return Outcome("accepted", inputs=n)


# ------------------------------------------------------------------------------------- state files
def live_state(pick: Picker) -> dict[str, Any]:
    """The saved state of a dispatcher after a short plausible day (a few orders, one replan)."""
    stream = Stream(pick, engine=None)
    for _ in range(pick.int(2, 10)):
        event = stream.event()
        if not isinstance(event, (str, int, dict)) and event is not None:
            stream.apply(event)
    stream.replan()
    return stream.d.to_json()


def state_file_trial(pick: Picker, state: dict[str, Any] | None = None) -> Outcome:
    """A saved state, mutated (or its bytes damaged): restoring refuses it clearly, or the
    restored dispatcher replans soundly."""
    doc = state if state is not None else live_state(pick)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.json"
        text = json.dumps(doc).encode()
        how = pick.int(0, 9)
        if how <= 2:
            path.write_bytes(corrupt_bytes(text, pick))
        else:
            mutated = nudge_doc(doc, pick) if how <= 6 else mutate_doc(doc, pick)
            path.write_bytes(json.dumps(mutated).encode("utf-8", "surrogatepass"))
        try:
            d = Dispatcher.from_json(path)
        except MedrouteError as exc:
            return refused(exc)
        except Exception as exc:
            return raw("Dispatcher.from_json", exc)
    try:
        plan = d.replan(time_budget=0.05)
        violations = check(plan.problem, plan.solution, plan.matrix)
    except Exception as exc:
        return defect(f"an accepted state file fails at replan: {type(exc).__name__}: {exc}")
    if violations:
        return defect(f"an accepted state file replans into a plan the checker refuses: {violations[0]}")
    return ACCEPTED


# ------------------------------------------------------------------------------------- concurrency
def _saver(state: dict[str, Any], path: str, stop_at: float, saves: Any, failed: Any) -> None:
    d = Dispatcher.from_json(state)
    while time.monotonic() < stop_at:
        try:
            d.save(path)
        except Exception:
            with failed.get_lock():
                failed.value += 1
        with saves.get_lock():
            saves.value += 1


def concurrent_saves(state: dict[str, Any], *, writers: int = 3, seconds: float = 5.0) -> dict[str, int]:
    """``writers`` processes save one state to one path while this process reads it back.

    Returns the count of saves and of saves that raised, of reads, of reads that found no file,
    and of corrupt reads (a file that does not restore)."""
    counts = {"reads": 0, "missing": 0, "corrupt": 0}
    ctx = mp.get_context("fork")
    saves, failed = ctx.Value("l", 0), ctx.Value("l", 0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.json"
        Dispatcher.from_json(state).save(path)
        stop_at = time.monotonic() + seconds
        procs = [ctx.Process(target=_saver, args=(state, str(path), stop_at, saves, failed))
                 for _ in range(writers)]
        for proc in procs:
            proc.start()
        while time.monotonic() < stop_at:
            counts["reads"] += 1
            try:
                Dispatcher.from_json(path)
            except FileNotFoundError:
                counts["missing"] += 1
            except Exception:
                counts["corrupt"] += 1
        for proc in procs:
            proc.join()
    return {"saves": saves.value, "failed_saves": failed.value, **counts}


def threaded_saves(pick: Picker, *, events: int = 200) -> dict[str, int]:
    """One thread applies events and replans while another saves the dispatcher again and again.

    Returns the count of saves and of saves that raised (the dispatcher must stay usable)."""
    stream = Stream(pick, engine=None)
    counts = {"saves": 0, "failed": 0}
    done = threading.Event()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.json"

        def save_loop() -> None:
            while not done.is_set():
                counts["saves"] += 1
                try:
                    stream.d.save(path)
                except Exception:
                    counts["failed"] += 1

        saver = threading.Thread(target=save_loop)
        saver.start()
        try:
            for _ in range(events):
                event = stream.event()
                stream.apply(event)
                if pick.chance(0.1):
                    stream.replan()
        finally:
            done.set()
            saver.join()
    return counts
