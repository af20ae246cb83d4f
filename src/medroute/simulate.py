"""A delivery day replayed event by event under a dispatch policy, with a KPI report.

:func:`simulate` takes a scenario (anything with ``.problem`` and ``.matrix``, e.g.
:func:`medroute.scenarios.load`) or a bare :class:`~medroute.model.Problem` (haversine travel)
and replays the day:

* **prescriptions** are handed in at ``release_s - W`` and become ready at the scenario's release
  time, ``W`` being the pharmacy's preparation time — the wait a patient had before delivery
  existed: 40 min on average, over an hour at peaks (P: merdeka 180111g; liputan6 3198698;
  clinics busiest by ~09:45, radarbanyuwangi 2018). ``W`` is drawn lognormal (σ = 0.35) with
  mean :data:`WAIT_MEAN_S`, or :data:`WAIT_PEAK_MEAN_S` for releases inside :data:`PEAK` (E);
* **riders** come online at their shift start and go offline at its end; they drive to their
  committed stop as soon as it is due, each leg taking the matrix time × a seeded lognormal
  factor (mean 1, σ = ``noise``); a leg more than 2 min over plan reports a
  :class:`~medroute.events.TravelDelay`;
* at the door the patient is not home with probability ``failure_rate`` (the item goes back to
  the pharmacy); each order is cancelled with probability ``cancel_rate`` at a uniform time
  between hand-in and 30 min after release.

Policies:

* ``"medroute"``: the :class:`~medroute.dispatch.Dispatcher` (objective ``"patients_first"`` by
  default) replanning every ``replan_every`` seconds (when something changed, and at once when a
  busy rider falls behind) with ``engine`` (default ``"auto"``) and ``time_budget`` per replan;
* ``"greedy"``: first come, nearest free rider — the dispatcher with the greedy engine rebuilding
  the assignment at every replan (no insertion candidate, no stability penalty);
* ``"pharmacy_wait"``: the old way — no delivery: each patient waits ``W`` at the pharmacy and
  rides home (matrix time × the same noise).
"""

from __future__ import annotations

import csv
import heapq
import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .dispatch import DEFAULT_TRAVEL_QUANTILE, Dispatcher, OrderStatus, Plan
from .engines.registry import engine_names
from .errors import InvalidProblemError
from .events import (
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
from .matrices import check_points
from .model import DAY_END_S, PATIENTS_FIRST, Objective, Problem, TimeWindow
from .timefmt import format_time
from .travel.base import TravelMatrix
from .travel.haversine import HaversineBackend
from .travel.lookup import MatrixLookup

POLICIES = ("medroute", "greedy", "pharmacy_wait")
"""The policies :func:`simulate` knows."""

WAIT_MEAN_S = 32 * 60
"""Mean pharmacy wait off-peak, seconds (E: chosen so that the day's average is about the
published 40 min, merdeka 180111g / liputan6 3198698, with the peak below)."""
WAIT_PEAK_MEAN_S = 65 * 60
"""Mean pharmacy wait at the peak, seconds: "over 1 h at peaks" (P, same sources) → 65 min (E)."""
PEAK = (9 * 3600 + 30 * 60, 11 * 3600)
"""Peak of prescriptions becoming ready, seconds: clinics busiest by ~09:45 (P, radarbanyuwangi
2018) plus 40–60 min preparation → 09:30–11:00 (E)."""
WAIT_SIGMA = 0.35
"""Lognormal shape of the pharmacy wait (E)."""
DELAY_REPORT_S = 120
"""Default of :func:`simulate`'s ``delay_report_s``: a leg this much over plan (seconds) is
reported as a :class:`TravelDelay`."""


@dataclass
class OrderTimeline:
    """What happened to one order. Times in seconds from the start of the day (``None`` = never).

    ``lead_s`` is prescription hand-in → medicine at the patient's home; ``pharmacy_wait_s`` is the
    wait the patient would have had (or had, under ``pharmacy_wait``) at the pharmacy.
    """

    order: str
    pharmacy: str
    cold: bool
    created_s: int
    released_s: int
    pharmacy_wait_s: int
    target_s: int | None
    picked_up_s: int | None = None
    delivered_s: int | None = None
    failed_s: int | None = None
    cancelled_s: int | None = None
    rider: str | None = None
    cold_exposure_s: int | None = None
    cold_budget_s: int | None = None
    outcome: str = "unserved"

    @property
    def lead_s(self) -> int | None:
        return None if self.delivered_s is None else self.delivered_s - self.created_s

    @property
    def on_time(self) -> bool:
        return self.delivered_s is not None and (self.target_s is None or self.delivered_s <= self.target_s)

    @property
    def cold_ok(self) -> bool | None:
        if not self.cold or self.cold_exposure_s is None:
            return None
        return self.cold_budget_s is None or self.cold_exposure_s <= self.cold_budget_s


TIMELINE_FIELDS = ("order", "pharmacy", "cold", "created_s", "released_s", "pharmacy_wait_s", "target_s",
                   "picked_up_s", "delivered_s", "failed_s", "cancelled_s", "rider", "cold_exposure_s",
                   "cold_budget_s", "outcome", "lead_s")


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else math.nan


@dataclass
class SimReport:
    """KPIs of one simulated day under one policy.

    Times in minutes unless the name says otherwise; ``cost_rp`` in Rupiah (distance at the
    objective's Rp/km plus riding hours at its Rp/h); shares in [0, 1].
    """

    policy: str
    scenario: str
    seed: int
    orders: int
    delivered: int
    failed: int
    cancelled: int
    unserved: int
    mean_lead_min: float
    p90_lead_min: float
    mean_pharmacy_wait_min: float
    patient_hours_saved: float
    on_time_share: float
    cold_compliance: float
    rider_utilisation: float
    distance_km: float
    cost_rp: float
    replans: int = 0
    replan_p50_s: float = math.nan
    replan_p95_s: float = math.nan
    notes: tuple[str, ...] = ()

    ROWS = (("orders", "orders", "{:d}"), ("delivered", "delivered", "{:d}"), ("failed", "failed (not home)",
            "{:d}"), ("cancelled", "cancelled", "{:d}"), ("unserved", "unserved", "{:d}"),
            ("mean_lead_min", "patient lead time, mean (min)", "{:.1f}"),
            ("p90_lead_min", "patient lead time, p90 (min)", "{:.1f}"),
            ("mean_pharmacy_wait_min", "wait at the pharmacy, mean (min)", "{:.1f}"),
            ("patient_hours_saved", "patient time saved vs waiting (h)", "{:.1f}"),
            ("on_time_share", "on time (by target)", "{:.0%}"),
            ("cold_compliance", "cold chain within budget", "{:.0%}"),
            ("rider_utilisation", "rider utilisation", "{:.0%}"),
            ("distance_km", "distance (km)", "{:,.0f}"), ("cost_rp", "cost (Rp)", "{:,.0f}"),
            ("replans", "replans", "{:d}"), ("replan_p50_s", "replan latency p50 (s)", "{:.2f}"),
            ("replan_p95_s", "replan latency p95 (s)", "{:.2f}"))

    def _cell(self, name: str, fmt: str) -> str:
        value = getattr(self, name)
        if isinstance(value, float) and math.isnan(value):
            return "–"
        return fmt.format(value)

    def to_markdown(self) -> str:
        """A two-column markdown table of the KPIs."""
        lines = [f"### {self.policy} — {self.scenario} (seed {self.seed})", "", "| KPI | value |", "|---|---:|"]
        lines += [f"| {label} | {self._cell(name, fmt)} |" for name, label, fmt in self.ROWS]
        lines += [f"\n* {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def compare_markdown(reports: list[SimReport]) -> str:
    """One markdown table with a column per policy."""
    head = "| KPI | " + " | ".join(r.policy for r in reports) + " |"
    sep = "|---|" + "---:|" * len(reports)
    rows = [f"| {label} | " + " | ".join(r._cell(name, fmt) for r in reports) + " |"
            for name, label, fmt in SimReport.ROWS]
    return "\n".join([head, sep, *rows]) + "\n"


@dataclass
class SimResult:
    """A simulated day: the KPI report and one timeline per order."""

    report: SimReport
    timeline: list[OrderTimeline] = field(default_factory=list)
    stranded: tuple[str, ...] = ()
    """Orders still on board when the day ended (never delivered nor taken back: a lost item)."""

    def timeline_rows(self) -> list[dict[str, Any]]:
        return [{f: getattr(t, f) for f in TIMELINE_FIELDS} | {"policy": self.report.policy} for t in self.timeline]

    def timeline_csv(self) -> str:
        """The timelines as CSV text (one row per order, times in seconds)."""
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=["policy", *TIMELINE_FIELDS])
        w.writeheader()
        w.writerows(self.timeline_rows())
        return buf.getvalue()


def _wait_s(release_s: int, rng: np.random.Generator) -> int:
    mean = WAIT_PEAK_MEAN_S if PEAK[0] <= release_s <= PEAK[1] else WAIT_MEAN_S
    mu = math.log(mean) - WAIT_SIGMA**2 / 2
    return round(float(rng.lognormal(mu, WAIT_SIGMA)))


def _unpack(scenario: Any) -> tuple[Problem, TravelMatrix, str]:
    if isinstance(scenario, Problem):
        return scenario, HaversineBackend().matrix(scenario.locations), scenario.name or "problem"
    problem, matrix = scenario.problem, scenario.matrix
    check_points(problem, matrix, matrix.profile)  # rows are read by problem.location_index
    return problem, matrix, str(getattr(scenario, "name", scenario.problem.name))


def _need_replayable(problem: Problem) -> None:
    """Refuse what a day replayed from its start cannot hold: items already on board, locks."""
    for o in problem.orders:
        if o.picked_up_by is not None:
            raise InvalidProblemError(f"simulate: order {o.id!r} is already on board of {o.picked_up_by!r}; a "
                                      "simulated day starts with nothing on board (drop picked_up_by)")
        if o.rider is not None:
            raise InvalidProblemError(f"simulate: order {o.id!r} is locked to rider {o.rider!r}; a simulated day "
                                      "assigns every order itself (drop the lock)")


@dataclass(frozen=True)
class DayRules:
    """How a day is replayed (see :func:`simulate` for each field); validated on construction."""

    noise: float = 0.15
    failure_rate: float = 0.05
    cancel_rate: float = 0.02
    replan_every: int = 300
    engine: str | None = "auto"
    time_budget: float = 1.0
    objective: Objective = PATIENTS_FIRST
    improve_rounds: int = 0
    travel_quantile: float = DEFAULT_TRAVEL_QUANTILE
    retry_share: float = 0.0
    replan_work: float | None = None
    delay_report_s: int | None = DELAY_REPORT_S

    def __post_init__(self) -> None:
        def need(ok: bool, name: str, rule: str) -> None:
            if not ok:
                raise InvalidProblemError(f"simulate: {name} {rule}, got {getattr(self, name)!r}")

        for name, top in (("noise", 5.0), ("failure_rate", 1.0), ("cancel_rate", 1.0), ("retry_share", 1.0)):
            value = getattr(self, name)
            need(isinstance(value, (int, float)) and 0 <= value <= top, name, f"must be in [0, {top:g}]")
        need(isinstance(self.replan_every, int) and self.replan_every >= 1, "replan_every", "must be an integer >= 1")
        need(isinstance(self.time_budget, (int, float)) and 0 < self.time_budget < math.inf, "time_budget",
             "must be a finite number of seconds > 0")
        need(self.engine is None or self.engine in engine_names(), "engine",
             f"must be None or one of {', '.join(engine_names())}")
        need(isinstance(self.objective, Objective), "objective", "must be an Objective")
        need(isinstance(self.improve_rounds, int) and self.improve_rounds >= 0, "improve_rounds",
             "must be an integer >= 0")
        need(isinstance(self.travel_quantile, (int, float)) and 1 <= self.travel_quantile < math.inf,
             "travel_quantile", "must be a finite number >= 1")
        need(self.replan_work is None or (isinstance(self.replan_work, (int, float))
                                          and 0 < self.replan_work < math.inf),
             "replan_work", "must be None or a finite number > 0")
        report = self.delay_report_s
        need(report is None or (isinstance(report, int) and not isinstance(report, bool) and report >= 0),
             "delay_report_s", "must be None or an integer >= 0")


def simulate(scenario: Any, *, policy: str = "medroute", seed: int = 0, noise: float = 0.15,
             failure_rate: float = 0.05, cancel_rate: float = 0.02, replan_every: int = 300,
             engine: str | None = "auto", time_budget: float = 1.0, objective: Objective | str = "patients_first",
             improve_rounds: int = 0, travel_quantile: float = DEFAULT_TRAVEL_QUANTILE, retry_share: float = 0.0,
             replan_work: float | None = None, delay_report_s: int | None = DELAY_REPORT_S,
             progress: Callable[[float], None] | None = None,
             on_plan: Callable[[Plan], None] | None = None) -> SimResult:
    """Replay one day under ``policy`` (see the module docstring).

    Parameters
    ----------
    scenario
        A scenario (``.problem``, ``.matrix`` over ``problem.locations``) or a Problem.
    policy
        ``"medroute"``, ``"greedy"`` or ``"pharmacy_wait"``.
    seed
        Seeds waits, noise, failures and cancellations (same seed → same day).
    noise
        σ of the lognormal travel-time factor (mean 1), dimensionless.
    failure_rate
        Probability that the patient is not home at a delivery attempt.
    cancel_rate
        Probability that an order is cancelled.
    replan_every
        Seconds between replans (a replan happens only if something changed; the ``medroute``
        policy also replans at once when a busy rider falls behind).
    engine
        Engine of the ``medroute`` policy (``None`` = incremental insertion only).
    time_budget
        Wall-clock budget per replan, seconds.
    objective
        The ``medroute`` policy's objective, an :class:`~medroute.model.Objective` or a preset name
        (default ``"patients_first"``; ``"cost_first"`` is the scenario defaults).
    improve_rounds
        Ruin-and-recreate rounds the ``medroute`` policy spends improving its plan after each replan
        (the idle time until the next event; a work budget, so the day stays reproducible).
    travel_quantile
        The ``medroute`` policy's planning margin against travel-time noise
        (:data:`~medroute.dispatch.DEFAULT_TRAVEL_QUANTILE`).
    retry_share
        Share of failed deliveries where the patient asks for another try 1–2 h later (the rider
        keeps the item); the others go back to the pharmacy.
    replan_work
        A work budget per replan instead of ``time_budget`` (reference seconds,
        :func:`~medroute.stop.MaxWork`; see :meth:`~medroute.dispatch.Dispatcher.replan`): the same
        seed then gives the same day on any machine, however loaded.
    delay_report_s
        A rider reports a leg running this many seconds over plan as a
        :class:`~medroute.events.TravelDelay`, and the ``medroute`` policy replans; ``None``:
        riders report no delay, and the dispatcher learns of a late rider only on arrival.
    progress
        Called with the fraction of the day done (0–1).
    on_plan
        Called with every :class:`~medroute.dispatch.Plan` a replan returns.

    Returns
    -------
    SimResult
        Per-order timelines and the :class:`SimReport`.

    Raises
    ------
    InvalidProblemError
        For an unknown policy or a parameter out of range (before anything is replayed).
    """
    rules = DayRules(noise, failure_rate, cancel_rate, replan_every, engine, time_budget,
                     Objective.named(objective) if isinstance(objective, str) else objective, improve_rounds,
                     travel_quantile, retry_share, replan_work, delay_report_s)
    return replay(scenario, policy=policy, seed=seed, rules=rules, progress=progress, on_plan=on_plan)


def replay(scenario: Any, *, policy: str, seed: int, rules: DayRules, progress: Callable[[float], None] | None = None,
           on_plan: Callable[[Plan], None] | None = None) -> SimResult:
    """:func:`simulate` with its parameters already validated as ``rules``."""
    if policy not in POLICIES:
        raise InvalidProblemError(f"simulate: unknown policy {policy!r}; choose one of {', '.join(POLICIES)}")
    problem, matrix, name = _unpack(scenario)
    _need_replayable(problem)
    rng = np.random.default_rng(seed)
    waits = {o.id: _wait_s(o.release_s, rng) for o in problem.orders}
    timeline = {o.id: OrderTimeline(o.id, o.pharmacy, o.needs_coolbox, max(0, o.release_s - waits[o.id]),
                                    o.release_s, waits[o.id], o.target_s) for o in problem.orders}
    cancel_at = {}
    for o in problem.orders:
        if rng.random() < rules.cancel_rate:
            t = timeline[o.id]
            cancel_at[o.id] = int(rng.uniform(t.created_s, o.release_s + 1800))
    if policy == "pharmacy_wait":
        return _pharmacy_wait(problem, matrix, name, seed, timeline, cancel_at, rng, rules.noise)
    return _Day(problem, matrix, name, seed, policy, timeline, cancel_at, rng, rules, progress, on_plan).run()


def _pharmacy_wait(problem: Problem, matrix: TravelMatrix, name: str, seed: int,
                   timeline: dict[str, OrderTimeline], cancel_at: dict[str, int], rng: np.random.Generator,
                   noise: float) -> SimResult:
    index = problem.location_index
    for o in problem.orders:
        t = timeline[o.id]
        if o.id in cancel_at:
            t.cancelled_s, t.outcome = cancel_at[o.id], "cancelled"
            continue
        ride = int(matrix.durations_s[index[problem.pharmacy[o.pharmacy].location], index[o.location]])
        ride = round(ride * float(rng.lognormal(-noise**2 / 2, noise))) if noise else ride
        t.picked_up_s = o.release_s
        t.delivered_s, t.outcome = o.release_s + ride, "delivered"
    result = SimResult(_report("pharmacy_wait", name, seed, problem, list(timeline.values()), [], 0.0, 0.0, 0.0),
                       list(timeline.values()))
    result.report.patient_hours_saved = 0.0
    result.report.notes = ("no delivery: the patient waits at the pharmacy, then rides home (lead time includes "
                           "the ride home); cost to the programme Rp 0, the patient's own ride not costed",)
    return result


def _report(policy: str, name: str, seed: int, problem: Problem, tl: list[OrderTimeline], latencies: list[float],
            busy_s: float, online_s: float, distance_m: float) -> SimReport:
    delivered = [t for t in tl if t.outcome == "delivered"]
    leads = [float(t.lead_s) / 60 for t in delivered if t.lead_s is not None]
    cold = [t.cold_ok for t in delivered if t.cold_ok is not None]
    live = [t for t in tl if t.outcome != "cancelled"]
    obj = problem.objective
    waits = [t.pharmacy_wait_s / 60 for t in live] if policy == "pharmacy_wait" else [0.0 for _ in live]
    return SimReport(
        policy=policy, scenario=name, seed=seed, orders=len(tl), delivered=len(delivered),
        failed=sum(t.outcome == "failed" for t in tl), cancelled=sum(t.outcome == "cancelled" for t in tl),
        unserved=sum(t.outcome == "unserved" for t in tl),
        mean_lead_min=float(np.mean(leads)) if leads else math.nan, p90_lead_min=_pct(leads, 90),
        mean_pharmacy_wait_min=float(np.mean(waits)) if waits else math.nan,
        patient_hours_saved=sum(t.pharmacy_wait_s for t in delivered) / 3600,
        on_time_share=sum(t.on_time for t in live) / len(live) if live else math.nan,
        cold_compliance=sum(bool(c) for c in cold) / len(cold) if cold else math.nan,
        rider_utilisation=busy_s / online_s if online_s else math.nan,
        distance_km=distance_m / 1000,
        cost_rp=distance_m / 1000 * obj.rupiah_per_km + busy_s / 3600 * obj.rupiah_per_hour,
        replans=len(latencies), replan_p50_s=_pct(latencies, 50), replan_p95_s=_pct(latencies, 95))


class _Day:
    """The event loop of a delivery policy (``medroute`` or ``greedy``)."""

    def __init__(self, problem: Problem, matrix: TravelMatrix, name: str, seed: int, policy: str,
                 timeline: dict[str, OrderTimeline], cancel_at: dict[str, int], rng: np.random.Generator,
                 rules: DayRules, progress: Callable[[float], None] | None,
                 on_plan: Callable[[Plan], None] | None) -> None:
        self.p, self.matrix, self.name, self.seed, self.policy = problem, matrix, name, seed, policy
        self.timeline, self.cancel_at, self.rng = timeline, cancel_at, rng
        self.rules, self.progress, self.on_plan, self.index = rules, progress, on_plan, problem.location_index
        self.noise, self.failure_rate, self.replan_every = rules.noise, rules.failure_rate, rules.replan_every
        # greedy: first come, nearest rider, rebuilt at every replan, no margins (the naive baseline)
        greedy = policy == "greedy"
        self.d = Dispatcher(problem.pharmacies, problem.riders, matrix_fn=self._matrix_fn(),
                            objective=rules.objective, engine="greedy" if greedy else rules.engine,
                            incremental=not greedy, stability_rp=0.0 if greedy else 5_000.0, seed=seed,
                            commit_within_s=rules.replan_every, online=False, day=problem.day,
                            timezone=problem.timezone, max_trip_m=problem.max_trip_m,
                            travel_quantile=1.0 if greedy else rules.travel_quantile)
        self.heap: list[tuple[int, int, str, Any]] = []
        self.seq = 0
        self.busy: dict[str, bool] = {r.id: False for r in problem.riders}
        self.where: dict[str, Any] = {r.id: r.start for r in problem.riders}
        self.busy_s = 0.0
        self.distance_m = 0.0
        self.latencies: list[float] = []
        self.dirty = False

    def _matrix_fn(self) -> Callable[[Any, str], TravelMatrix]:
        lookup = MatrixLookup(self.p.locations, self.matrix)

        def fn(locs: Any, profile: str) -> TravelMatrix:
            return lookup.matrix(locs, profile=profile)

        return fn

    def push(self, t: int, kind: str, payload: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (int(t), self.seq, kind, payload))

    def apply(self, e: Event) -> None:
        self.d.apply(e)
        self.dirty = True

    def run(self) -> SimResult:
        p = self.p
        for o in p.orders:
            self.push(self.timeline[o.id].created_s, "create", o)
            self.push(o.release_s, "release", o.id)
            if o.id in self.cancel_at:
                self.push(self.cancel_at[o.id], "cancel", o.id)
        for r in p.riders:
            self.push(r.shift.start_s, "online", r.id)
            self.push(r.shift.end_s, "offline", r.id)
        first = min((t for t, *_ in self.heap), default=0)
        horizon = max(r.shift.end_s for r in p.riders) if p.riders else first
        self.push(first, "tick", None)
        limit, last, same = 20 * (len(p.orders) + len(p.riders)) + 100, -1, 0
        while self.heap:
            t, _, kind, payload = heapq.heappop(self.heap)
            same = same + 1 if t == last else 1
            last = t
            if same > limit:  # every event is a few per order or rider: more at one instant is a loop
                raise RuntimeError(f"simulate: {same} events at {format_time(t)} without time moving "
                                   f"(the last: {kind} {payload!r}); a dispatch loop")
            self.handle(t, kind, payload)
            if kind == "tick":
                if self.dirty and any(rs.working for rs in self.d.riders.values()):
                    self.replan(t)
                self.d.commit_due(t)
                self.dispatch(t)
                if self.progress is not None:
                    self.progress(min(1.0, (t - first) / max(1, horizon - first)))
                busy = any(self.busy.values()) or any(s.needs_plan for s in self.d.orders.values())
                pending = any(k != "tick" for _, _, k, _ in self.heap)
                if (busy or pending) and t < 2 * DAY_END_S:  # items carried past midnight are still delivered
                    self.push(t + self.replan_every, "tick", None)
            else:
                if self.d.replan_due and self.policy == "medroute":
                    self.replan(t)
                self.dispatch(t)
        end = max((t for t, *_ in self.heap), default=0)
        for oid in self.d.close_day(max(end, self.d.now_s)):
            self.timeline[oid].outcome = "unserved" if self.timeline[oid].cancelled_s is None else "cancelled"
        online_s = float(sum(r.shift.end_s - r.shift.start_s for r in p.riders))
        report = _report(self.policy, self.name, self.seed, p, list(self.timeline.values()), self.latencies,
                         self.busy_s, online_s, self.distance_m)
        if self.progress is not None:
            self.progress(1.0)
        stranded = tuple(sorted(st.id for st in self.d.orders.values() if st.carrier is not None))
        return SimResult(report, list(self.timeline.values()), stranded)

    def replan(self, t: int) -> None:
        t0 = time.perf_counter()
        plan = self.d.replan(t, time_budget=self.rules.time_budget, work=self.rules.replan_work)
        self.latencies.append(time.perf_counter() - t0)
        if self.on_plan is not None:
            self.on_plan(plan)
        self.dirty = False
        if self.rules.improve_rounds and self.policy == "medroute":
            self.d.improve(rounds=self.rules.improve_rounds)

    # -- events ---------------------------------------------------------------------------------------
    def handle(self, t: int, kind: str, payload: Any) -> None:
        d = self.d
        if kind == "create":
            self.apply(OrderCreated(t, payload))
        elif kind == "release":
            if d.orders[payload].status == OrderStatus.CREATED:
                self.apply(OrderReleased(t, payload))
        elif kind == "cancel":
            st = d.orders[payload]
            if st.status not in (OrderStatus.DELIVERED, OrderStatus.FAILED, OrderStatus.CANCELLED):
                self.apply(OrderCancelled(t, payload))
                tl = self.timeline[payload]
                tl.cancelled_s, tl.outcome = t, "cancelled"
        elif kind == "online":
            self.apply(RiderOnline(t, payload))
        elif kind == "offline":
            self.apply(RiderOffline(t, payload))
        elif kind == "delay":
            rid, delay = payload
            if d.riders[rid].online or d.riders[rid].closing:
                self.apply(TravelDelay(t, rid, delay))
        elif kind == "arrive":
            self.arrive(t, *payload)
        elif kind == "done":
            rid, event, is_return = payload
            self.busy[rid] = False
            st = d.orders[event.order]
            if isinstance(event, PickedUp):
                stale = (st.status not in (OrderStatus.CREATED, OrderStatus.RELEASED) or st.carrier is not None
                         or not d.riders[rid].working)
            else:  # a door handover of an order cancelled meanwhile: the item is now to be taken back
                stale = st.carrier != rid or st.returning != is_return
            if stale:
                self.apply(RiderPosition(event.t_s, rid, self.where[rid]))
                return
            self.apply(event)
            self.record(event, rid)

    def record(self, e: Event, rid: str) -> None:
        if isinstance(e, PickedUp):
            tl = self.timeline[e.order]
            tl.picked_up_s, tl.rider = e.t_s, rid
        elif isinstance(e, Delivered):
            st = self.d.orders[e.order]
            tl = self.timeline[e.order]
            if st.status == OrderStatus.DELIVERED:
                o = st.order
                start = e.t_s - o.service_s
                tl.delivered_s, tl.outcome = start, "delivered"
                if o.needs_coolbox and tl.picked_up_s is not None:
                    tl.cold_exposure_s = start - tl.picked_up_s
                    box = self.p.rider[rid].coolbox
                    budget = o.max_ride_s
                    if box is not None:
                        budget = box.hold_s if budget is None else min(budget, box.hold_s)
                    tl.cold_budget_s = budget
        elif isinstance(e, DeliveryFailed) and e.retry is None:
            tl = self.timeline[e.order]
            tl.failed_s, tl.outcome = e.t_s, "failed"

    def dispatch(self, t: int) -> None:
        """Start the leg to the committed stop of every free rider."""
        d = self.d
        for rid, rs in d.riders.items():
            if self.busy.get(rid) or rs.committed is None or not (rs.online or rs.closing):
                continue
            kind, oid = rs.committed
            st = d.orders[oid]
            target = (d.pharmacies[st.order.pharmacy].location if kind == "pickup" or st.returning
                      else st.order.location)
            visits = d.routes.get(rid, ())
            same = bool(visits) and (visits[0].kind, visits[0].order) == rs.committed
            leave = visits[0].leave_s if same else t
            planned_start = visits[0].start_s if same else 0
            depart = max(t, leave, rs.time_s)
            a, b = self.index[rs.location], self.index[target]
            planned = int(self.matrix.durations_s[a, b])
            factor = float(self.rng.lognormal(-self.noise**2 / 2, self.noise)) if self.noise else 1.0
            actual = round(planned * factor)
            self.busy[rid] = True
            self.busy_s += actual
            self.distance_m += float(self.matrix.distances_m[a, b])
            report = self.rules.delay_report_s
            if report is not None and actual - planned > report:
                self.push(depart + planned, "delay", (rid, actual - planned))
            self.push(depart + actual, "arrive", (rid, kind, oid, target, planned_start, st.returning))

    def arrive(self, t: int, rid: str, kind: str, oid: str, target: Any, planned_start: int, returning: bool) -> None:
        d = self.d
        self.where[rid] = target
        st = d.orders[oid]
        o = st.order
        ph = d.pharmacies[o.pharmacy]
        if kind == "pickup":
            taken = st.status not in (OrderStatus.CREATED, OrderStatus.RELEASED) or st.carrier is not None
            if taken or not d.riders[rid].working:  # picked up, cancelled, or the rider's shift ended on the way
                self.busy[rid] = False
                self.apply(RiderPosition(t, rid, target))
                return
            opening = next((w for w in ph.opening if w.end_s >= t), None)
            if opening is None:
                self.busy[rid] = False
                self.apply(PickupFailed(t, oid, rid, "the pharmacy had closed"))
                return
            start = max(t, o.release_s, opening.start_s, planned_start)  # a cold pickup may wait on purpose
            self.busy_s += start - t + ph.handover_s
            self.push(start + ph.handover_s, "done", (rid, PickedUp(start + ph.handover_s, oid, rid), False))
            return
        if st.carrier != rid or st.returning != returning:  # cancelled on the way to the door: not here
            self.busy[rid] = False
            self.apply(RiderPosition(t, rid, target))
            return
        if st.returning:
            self.busy_s += ph.handover_s
            self.push(t + ph.handover_s, "done", (rid, Delivered(t + ph.handover_s, oid), True))
            return
        ws = [w for w in ((st.retry,) if st.retry is not None else o.delivery_windows) if w.end_s >= t]
        start = max(t, ws[0].start_s) if ws else t
        self.busy_s += start - t + o.service_s
        done = start + o.service_s
        if self.rng.random() < self.failure_rate:
            retry = None
            if self.rules.retry_share and self.rng.random() < self.rules.retry_share:
                retry = TimeWindow(done + 3600, done + 7200)
            self.push(done, "done", (rid, DeliveryFailed(done, oid, retry), False))
        else:
            self.push(done, "done", (rid, Delivered(done, oid), False))


def timeline_table(result: SimResult, limit: int = 20) -> str:
    """The first ``limit`` timelines as a markdown table (times HH:MM)."""

    def f(x: int | None) -> str:
        return format_time(x) if x is not None else "–"

    lines = ["| order | created | released | picked up | delivered | outcome | rider |",
             "|---|---|---|---|---|---|---|"]
    for t in result.timeline[:limit]:
        lines.append(f"| {t.order} | {f(t.created_s)} | {f(t.released_s)} | {f(t.picked_up_s)} | "
                     f"{f(t.delivered_s)} | {t.outcome} | {t.rider or '–'} |")
    return "\n".join(lines) + "\n"


def write_csv(results: list[SimResult], path: str | Path) -> None:
    """Write the timelines of ``results`` to one CSV file."""
    rows = [row for r in results for row in r.timeline_rows()]
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["policy", *TIMELINE_FIELDS])
        w.writeheader()
        w.writerows(rows)
