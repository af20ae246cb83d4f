"""The :class:`Dispatcher`: a thin, thread-safe shell over the live state, the planning problem,
the candidate pool, the improver and persistence (see the package docstring)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from numbers import Integral, Real
from pathlib import Path
from typing import Any

from ..codec import objective_to_json
from ..compile import COST_SCALE
from ..defaults import DEFAULT_DAY, DEFAULT_TIMEZONE
from ..engines.base import Engine
from ..engines.registry import get_engine
from ..errors import MedrouteError, SchemaError
from ..events import Event
from ..geo import Location
from ..insertion import Deadline
from ..model import MAX_TRIP_M, PATIENTS_FIRST, Objective, Pharmacy, Problem, Rider
from ..solution import Solution, Stop
from ..travel.base import TravelBackend, TravelMatrix
from ..travel.haversine import HaversineBackend
from ..travel.lookup import GrowingMatrix, MatrixFn
from . import persist
from . import state as st
from .diff import PlanDiff, diff
from .improve import Background, Improvement, run_rounds
from .live import DEFAULT_TRAVEL_QUANTILE, Built, Settings, build, live_problem
from .replan import Pool, Scored, live_routes_of, previous_riders, solve_pool, to_live
from .state import DEFAULT_BEHIND_S, DEFAULT_COMMIT_WITHIN_S, DispatchError, DispatchState, OrderState, RiderState

DEFAULT_STABILITY_RP = 5_000.0
"""Penalty per order moved to another rider by a replan, Rp (E: about two kilometres of riding at
the Zone I ojek fare of Rp 2,500/km, domain.md — a re-shuffle must save at least that)."""


@dataclass(frozen=True)
class Plan:
    """A replan's answer.

    Attributes
    ----------
    now_s
        The time of the replan, seconds.
    problem
        The live problem (open orders, riders at their current positions and times).
    solution
        The plan; ``medroute.check(problem, solution, matrix) == []``. Its ``stats`` are the
        engine's search in this replan (the work it counted, what stopped it, per stage; ``None``
        when no engine ran), whichever candidate won.
    matrix
        Travel matrices over ``problem.locations`` per profile.
    diff
        Changes against the previous plan.
    stage
        The candidate that won (``"keep"``, ``"improved"`` or the engine's name).
    objective_rp
        The winner's objective over the planning problem, Rupiah.
    moves
        Orders the winner gives to another rider than the previous plan did.
    latency_s
        Wall-clock time of the replan, seconds.
    notes
        What the replan had to bend (relaxed items, dropped commitments, ...).
    """

    now_s: int
    problem: Problem
    solution: Solution
    matrix: Mapping[str, TravelMatrix]
    diff: PlanDiff
    stage: str
    objective_rp: float
    moves: int
    latency_s: float
    notes: tuple[str, ...] = ()

    def route(self, rider: str) -> tuple[Stop, ...]:
        """Rider ``rider``'s planned visits (pickups and deliveries), in order."""
        r = self.solution.route_of(rider)
        return r.visits if r is not None else ()

    def next_stop(self, rider: str) -> Stop | None:
        """What rider ``rider`` should do next, or ``None``."""
        visits = self.route(rider)
        return visits[0] if visits else None


class Dispatcher:
    """Live state of one service area and replanning after events (see the package docstring).

    Parameters
    ----------
    pharmacies
        The pickup sites.
    riders
        The roster; each rider is online at ``rider.start`` from ``rider.start_s`` unless
        ``online=False`` (then a :class:`~medroute.events.RiderOnline` event brings them in).
    backend
        A :class:`~medroute.travel.TravelBackend` (default :class:`HaversineBackend`).
    matrix_fn
        Alternatively ``fn(locations, profile) -> TravelMatrix``; wins over ``backend``.
    objective
        The costs in Rupiah: an :class:`~medroute.model.Objective` or a preset name; default
        ``"patients_first"`` (:data:`~medroute.model.PATIENTS_FIRST`).
    stability_rp
        Penalty per order moved to another rider by a replan, Rupiah
        (:data:`DEFAULT_STABILITY_RP`); ``0`` disables stability.
    engine
        ``"auto"``, ``"ortools"``, ``"pyvrp"``, ``"greedy"``, or ``None`` for the incremental
        insertion alone (fastest).
    seed
        Random seed of the engine and the improver.
    incremental
        Whether the *keep* candidate (previous plan + insertion) competes. With ``False`` the
        engine's plan is taken whenever it passes the checks.
    commit_within_s
        A first stop is committed when the rider must leave within this many seconds, seconds.
    online
        Whether the roster starts online.
    day, timezone, max_trip_m
        As in :class:`~medroute.model.Problem` (trip limit in metres).
    travel_quantile
        Planning margin against travel-time noise (:data:`~medroute.dispatch.live.DEFAULT_TRAVEL_QUANTILE`;
        1 = none): cold budgets are planned at ``budget / q``, targets ``(q - 1) ×`` the ride early.
    behind_s
        A travel delay of at least this many seconds on a busy rider sets :attr:`replan_due`.

    Raises
    ------
    DispatchError
        If ``stability_rp`` is not a finite number ≥ 0, ``travel_quantile`` not a finite number
        ≥ 1, or ``commit_within_s`` / ``behind_s`` not seconds (see :func:`~medroute.dispatch.state.seconds`).

    Notes
    -----
    Thread safety: every method holds the dispatcher's lock, so events, replans and saves from
    several threads are applied one at a time. The state is immutable (each event makes a new
    one), so :meth:`to_json` and :meth:`save` serialise a consistent snapshot whatever other
    threads do.
    """

    def __init__(self, pharmacies: Iterable[Pharmacy], riders: Iterable[Rider], *,
                 backend: TravelBackend | None = None, matrix_fn: MatrixFn | None = None,
                 objective: Objective | str | None = None, stability_rp: float = DEFAULT_STABILITY_RP,
                 engine: str | None = "auto", seed: int = 0, incremental: bool = True,
                 commit_within_s: int = DEFAULT_COMMIT_WITHIN_S, online: bool = True,
                 day: date | None = None, timezone: str = DEFAULT_TIMEZONE, max_trip_m: int | None = MAX_TRIP_M,
                 travel_quantile: float = DEFAULT_TRAVEL_QUANTILE, behind_s: int = DEFAULT_BEHIND_S) -> None:
        if isinstance(objective, str):
            objective = Objective.named(objective)
        self._state = st.initial_state(pharmacies, riders, online=online,
                                       commit_within_s=st.seconds(commit_within_s, "commit_within_s"),
                                       behind_s=st.seconds(behind_s, "behind_s"))
        self.settings = Settings(objective or PATIENTS_FIRST, day or DEFAULT_DAY, timezone, max_trip_m,
                                 _number(travel_quantile, "travel_quantile", 1.0, "(1 = no margin)"))
        self.stability_rp = _number(stability_rp, "stability_rp", 0.0, "Rupiah (0 = no stability)")
        self.engine = engine
        self.seed = seed
        self.incremental = incremental
        self.plan: Plan | None = None
        self._lock = threading.RLock()
        self._improvement: Improvement | None = None
        self._planned: DispatchState | None = None
        self._background: Background | None = None
        self._engine_obj: Engine | None = None
        if matrix_fn is None:
            be: Any = backend if backend is not None else HaversineBackend()

            def fn(locs: Sequence[Location], profile: str) -> TravelMatrix:
                mat: TravelMatrix = be.matrix(locs, profile=profile)
                return mat

            matrix_fn = fn
        self._matrices = GrowingMatrix(matrix_fn)
        # Validate the roster as a problem would (duplicate ids, bad settings).
        live_problem(self._state, 0, self.settings)

    # -- the state, read-only -------------------------------------------------------------------------
    @property
    def state(self) -> DispatchState:
        """The current live state (immutable: events replace it)."""
        return self._state

    @property
    def riders(self) -> Mapping[str, RiderState]:
        return self._state.riders

    @property
    def orders(self) -> Mapping[str, OrderState]:
        return self._state.orders

    @property
    def pharmacies(self) -> Mapping[str, Pharmacy]:
        return self._state.pharmacies

    @property
    def routes(self) -> Mapping[str, tuple[st.Visit, ...]]:
        """The current plan per rider, in live terms."""
        return self._state.routes

    @property
    def now_s(self) -> int:
        """The latest event or replan time, seconds."""
        return self._state.now_s

    @property
    def log(self) -> tuple[str, ...]:
        """What the dispatcher bent or noticed, oldest first."""
        return self._state.log

    @property
    def objective(self) -> Objective:
        return self.settings.objective

    @property
    def commit_within_s(self) -> int:
        return self._state.commit_within_s

    @property
    def replan_due(self) -> bool:
        """Whether an event put a busy rider behind the plan, or off it (a pickup off the plan or
        one that failed), since the last replan."""
        return self._state.replan_due

    def open_orders(self) -> list[OrderState]:
        """Orders a plan must still visit (open, on board, or being taken back)."""
        return self._state.open_orders()

    def live_problem(self, now: int | None = None) -> Problem:
        """The open state as a :class:`Problem` (see :mod:`medroute.dispatch.live`)."""
        s = self._state
        return live_problem(s, s.now_s if now is None else st.seconds(now, "now"), self.settings)

    # -- events ---------------------------------------------------------------------------------------
    def apply(self, event: Event) -> None:
        """Change the live state by ``event`` (no replan).

        Raises
        ------
        DispatchError
            When the event is malformed or contradicts the state; nothing changes then.
        """
        with self._lock:
            self._state = st.apply(self._state, event)

    def apply_all(self, events: Iterable[Event]) -> None:
        """Apply ``events`` in order (each one whole; the first that fails stops the rest)."""
        for e in events:
            self.apply(e)

    def lock(self, order: str, rider: str | None) -> None:
        """Lock ``order`` to ``rider`` (``None`` unlocks); see :func:`medroute.dispatch.state.lock`."""
        with self._lock:
            self._state = st.lock(self._state, order, rider)

    def commit_due(self, now: int) -> list[str]:
        """Commit, at ``now`` (seconds), the first planned stop of every working rider without a
        commitment who must leave for it within :attr:`commit_within_s`, without replanning (see
        :func:`medroute.dispatch.state.commit_due`). Returns the riders committed.

        A replan commits the stops due then, and a completed stop the next one; a stop that
        falls due later (a retry window an hour away, a cold pickup timed to the medicine) is
        committed by the next replan or by this call. Call it between events, e.g. on a timer.

        As :meth:`replan` does, a ``now`` before :attr:`now_s` commits at :attr:`now_s`, and a
        later ``now`` becomes :attr:`now_s` when something is committed (the commitments were
        made then).
        """
        with self._lock:
            self._state, out = st.commit_due(self._state, now)
            return out

    def close_day(self, t: int) -> list[str]:
        """End of service at ``t`` (seconds): orders never picked up fail as unserved. Returns their
        ids. Items still on board are left alone (they need a :class:`~medroute.events.Delivered`)."""
        with self._lock:
            self._state, out = st.close_day(self._state, t)
            return out

    # -- replanning -----------------------------------------------------------------------------------
    def _engine(self) -> Engine | None:
        if self.engine is None:
            return None
        if self._engine_obj is None or self._engine_obj.name != self.engine:
            self._engine_obj = get_engine(self.engine)
        return self._engine_obj

    def replan(self, now: int | None = None, *, time_budget: float = 1.0, work: float | None = None) -> Plan:
        """Plan the open state at ``now`` (seconds; default: the latest event time).

        Parameters
        ----------
        now
            The time of the replan, seconds from the start of the day; a time before the latest
            event (:attr:`now_s`) replans at :attr:`now_s`.
        time_budget
            Wall-clock budget of the whole replan, seconds. About 30 % goes to the incremental
            *keep* candidate (and the improver's best plan, when there is one), the rest (less a
            reserve for checking) to the engine. Orders not yet placed when the keep share runs
            out are placed by the quickest insertion anyway, so a replan may overrun the budget.
        work
            A work budget for the engine instead of the clock (reference seconds,
            :func:`~medroute.stop.MaxWork`): ``time_budget`` is then ignored, the incremental
            candidates are completed at full effort, and the same state and seed give the same
            plan on any machine, however loaded.

        Returns
        -------
        Plan
            A plan that passes :func:`medroute.check` against :attr:`Plan.problem`; the dispatcher's
            current plan becomes it and first stops due within ``commit_within_s`` are committed.

        Raises
        ------
        DispatchError
            If ``now`` is not a time, ``time_budget`` not a finite number of seconds (zero or less
            asks for the quickest replan), ``work`` not a finite number > 0, or no candidate passes
            the checker even with every item on board relaxed (a bug).
        """
        _number(time_budget, "replan: time_budget", -math.inf, "of seconds (use work= for a budget that does not read "
                "the clock)")
        if work is not None:
            _number(work, "replan: work", 0.0, "reference seconds", open_low=True)
        with self._lock:
            t0 = time.perf_counter()
            # A clock behind the latest event (stepped back, or events stamped by a faster clock)
            # plans from that event: the state already holds what happened by then.
            at = self._state.now_s if now is None else max(st.seconds(now, "replan: now"), self._state.now_s)
            deadline = t0 + max(0.05, time_budget)
            state = self._state
            improved = self._improved_routes()
            overtime: set[str] = set()
            problem = ""
            bent: tuple[str, ...] = ()
            for attempt in range(4):
                b = build(state, at, self.settings, self._matrices, overtime, board_margin=attempt == 0)
                pool = Pool(b, previous_riders(_stops(state.routes)), self.stability_rp)
                out = solve_pool(pool, engine=self._engine(), previous=_stops(state.routes), improved=improved,
                                 deadline=deadline, seed=self.seed, incremental=self.incremental, final=attempt == 3,
                                 work=work)
                if out.solution is not None and out.candidate is not None:
                    self._improvement = Improvement(pool, out.candidate)
                    return self._adopt(state, b, out.solution, out.candidate, at, time.perf_counter() - t0, bent)
                problem = out.problem
                if attempt >= 1:  # the first retry only plans the items on board with their real budgets
                    state, notes = _bend(state, at, attempt - 1)
                    bent += notes
                    overtime |= {s.carrier for s in state.orders.values() if s.carrier is not None}
            raise DispatchError(f"dispatch: no plan passes the checker at {at} s: {problem}")

    def _adopt(self, state: DispatchState, b: Built, sol: Solution, cand: Scored, now: int, latency: float,
               bent: tuple[str, ...] = ()) -> Plan:
        old = _stops(state.routes)
        state = st.adopt(state, sol, now=now, relaxed=b.relaxed, committed=b.committed, notes=b.notes)
        changes = diff(old, _stops(state.routes), tuple(u.order for u in sol.unassigned))
        plan = Plan(now, b.live, sol, b.live_mats, changes, cand.stage, round(cand.candidate.objective / COST_SCALE, 2),
                    cand.moves, latency, bent + b.notes)
        self._state = self._planned = state
        self.plan = plan
        return plan

    def _improved_routes(self) -> dict[str, list[tuple[str, str]]] | None:
        imp = self._improvement
        if imp is None or imp.improved == 0:
            return None
        return live_routes_of(imp.pool.built, imp.best.routes)

    def improve(self, *, time_budget: float | None = None, rounds: int | None = None) -> Plan | None:
        """Improve the current plan now (between events).

        Parameters
        ----------
        time_budget
            Wall-clock seconds to spend, or
        rounds
            Ruin-and-recreate rounds to spend (a work budget: the same state, seed and rounds give
            the same plan). Give exactly one.

        Returns
        -------
        Plan or None
            The better plan, which becomes :attr:`plan` (same time, checked like every plan), or
            ``None`` if none was found or events arrived since the last replan (the next
            :meth:`replan` then starts from the best plan found).

        Raises
        ------
        ValueError
            If not exactly one budget is given.
        DispatchError
            If ``time_budget`` is not a finite number of seconds or ``rounds`` not a whole
            number ≥ 0 (an endless budget would hold the dispatcher's lock for ever).
        """
        if (time_budget is None) == (rounds is None):
            raise ValueError("improve: give exactly one of time_budget and rounds")
        if time_budget is not None:
            _number(time_budget, "improve: time_budget", -math.inf, "of seconds (use rounds= for a work budget)")
        if rounds is not None and (isinstance(rounds, bool) or not isinstance(rounds, Integral) or rounds < 0):
            raise DispatchError(f"improve: rounds must be a whole number ≥ 0, got {rounds!r}")
        with self._lock:
            imp, plan = self._improvement, self.plan
            if imp is None or plan is None:
                return None
            t0 = time.perf_counter()
            before = imp.best
            run_rounds(imp, seed=self.seed, rounds=rounds, clock=Deadline(time_budget or 0.0))
            if imp.best is before or self._state is not self._planned:
                return None
            sol = to_live(imp.pool.built, imp.best, self.seed)
            if isinstance(sol, str):
                return None
            imp.improved = 0  # published: the next replan's keep candidate starts from it
            return self._adopt(self._state, imp.pool.built, sol, imp.best, plan.now_s, time.perf_counter() - t0)

    def start_improving(self) -> None:
        """Keep improving the current plan in a background thread until :meth:`stop_improving`."""
        with self._lock:
            if self._background is None or not self._background.alive:
                self._background = Background(lambda: self._improvement, seed=self.seed, lock=self._lock)

    def stop_improving(self) -> None:
        """Stop the background thread cleanly (its round in progress finishes first)."""
        bg = self._background
        if bg is not None:
            bg.stop()
            self._background = None

    # -- save / restore -------------------------------------------------------------------------------
    def _config(self) -> dict[str, Any]:
        s = self.settings
        return {"stability_rp": self.stability_rp, "engine": self.engine, "seed": self.seed,
                "incremental": self.incremental, "commit_within_s": self._state.commit_within_s,
                "day": s.day.isoformat(), "timezone": s.timezone, "max_trip_m": s.max_trip_m,
                "objective": objective_to_json(s.objective),
                "travel_quantile": s.travel_quantile, "behind_s": self._state.behind_s}

    def to_json(self) -> dict[str, Any]:
        """The whole live state and configuration (not the travel backend) as a JSON-ready dict."""
        return persist.state_to_json(self._state, self._config())

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_json` to ``path`` atomically and durably (safe with several writers;
        see :func:`medroute.dispatch.persist.save_json`)."""
        persist.save_json(self.to_json(), path)

    @classmethod
    def from_json(cls, source: str | Path | dict[str, Any], *, backend: TravelBackend | None = None,
                  matrix_fn: MatrixFn | None = None) -> Dispatcher:
        """Restore a dispatcher saved by :meth:`to_json` / :meth:`save` (a dict, a JSON string or a
        path). The travel backend is not saved: pass it again.

        Raises
        ------
        SchemaError
            Naming the JSON path of the first bad or inconsistent field.
        """
        state, cfg = persist.state_from_json(source)
        try:
            d = cls(list(state.pharmacies.values()), [], backend=backend, matrix_fn=matrix_fn,
                    **persist.config_kwargs(cfg))
            live = live_problem(state, state.now_s, d.settings)
            d._matrices.over(live.locations, live.profiles)  # the backend knows every profile
        except MedrouteError as exc:
            raise SchemaError(f"dispatch state: not plannable: {exc}") from None
        d._state = state
        return d


def _number(value: object, what: str, least: float, unit: str, *, open_low: bool = False) -> float:
    """``value`` as a float, or :class:`DispatchError` unless it is a finite number ≥ ``least``
    (> ``least`` with ``open_low``)."""
    ok = not isinstance(value, bool) and isinstance(value, Real) and math.isfinite(float(value))
    if not ok or float(value) < least or (open_low and float(value) == least):  # type: ignore[arg-type]
        bound = "" if least == -math.inf else f" {'>' if open_low else '≥'} {least:g}"
        raise DispatchError(f"{what}: must be a finite number{bound} {unit}, got {value!r}")
    return float(value)  # type: ignore[arg-type]


def _stops(routes: Mapping[str, Sequence[st.Visit]]) -> dict[str, list[tuple[str, str]]]:
    return {rid: [(v.kind, v.order) for v in visits] for rid, visits in routes.items()}


def _bend(state: DispatchState, at: int, attempt: int) -> tuple[DispatchState, tuple[str, ...]]:
    """After a failed attempt: relax every item on board (their riders get overtime); after the
    second, also release commitments to pickups. Returns the new state and what was bent."""
    return st.relax_all(state, at, release_pickups=attempt >= 1)
