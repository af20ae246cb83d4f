"""The default portfolio: PyVRP's search quality, every medroute rule kept.

:class:`AutoEngine` splits its budget explicitly between stages and keeps the best *feasible*
plan among their candidates:

1. **construct** (≤ 10 %): cheapest feasible insertion of every order, timed by
   :func:`~medroute.schedule.schedule_route` — a feasible plan exists from the first second —
   and the ``greedy`` dispatcher's plan (≤ 15 %), so auto is never worse than the baseline; a
   construction the clock cut short (500 orders and more) is dropped beside a complete greedy
   plan, so that where the clock cut it cannot change the plan;
2. **pyvrp**, warm-started from it: 90 % of the budget when PyVRP models the instance exactly,
   60 % when only soft targets are missing, 30 % when PyVRP has to relax rules (out-of-fridge
   budgets, several windows). PyVRP has no lateness cost, so with soft targets it searches
   :func:`targeted_instance` (**pyvrp-targeted**): each target is a deadline, PyVRP finds the
   shortest on-time plan and leaves out what cannot be on time; where its probe finds no
   feasible plan from the start plan, the rest of its budget is split between going on from
   the probe's plan and from the start's :func:`on_time_part` (its late deliveries taken out),
   and both plans are candidates. Its plans are **repaired**: orders
   on routes that do not time are removed one at a time (the one the timing blames) and put
   back by cheapest feasible insertion (where lateness costs least). Skipped when PyVRP would
   relax out-of-fridge budgets or several windows and the best stage-1 plan already leaves
   required orders out: those rules bind (DARP's ride limits), the repair cannot put such orders
   back, and stage 3 gets the share;
2b. **pyvrp-fleet**, when PyVRP models the instance exactly and riders cost something (the
   literature's vehicles-first objective): stage 2 gets 30 %, then route elimination
   (:meth:`~medroute.engines.pyvrp.PyVrpEngine.reduce_fleet`: the shortest route's rider is
   taken out and PyVRP must serve every order with the others) repeats while it succeeds,
   within :data:`FLEET_SHARE` of the budget as PyVRP iterations at the modelled elimination
   speed; the smaller plan is a candidate, and PyVRP searches on from the best candidate for
   :data:`FINAL_SHARE` plus the nominal time elimination left unused, with that candidate's
   riders only and PyVRP's own penalty cap (``fixed_fleet``: with the cap that keeps a full
   fleet's search feasible, it stayed stuck at the first plan elimination found). The
   candidates' objective (rider cost included) decides whether fewer riders pays off;
2c. **pyvrp-anchored**, when PyVRP relaxed rules (30 %): the instance is restricted around the
   best plan's timing (:func:`anchored_instance`: each budgeted order's pickup may not start
   before an anchor and its delivery must start by anchor + budget; several windows → the one
   used; with soft targets, each target the plan meets is a deadline too) so that every plan
   PyVRP finds feasible keeps the budgets; PyVRP runs again on it, warm-started from that plan;
3. **ortools**, when PyVRP relaxed something: OR-Tools' full model warm-started (``initial=``)
   from the best candidate so far, on a step budget for :data:`ORTOOLS_SHARE` of the time limit
   at the modelled speed (:meth:`~medroute.engines.ortools.OrToolsEngine.search_rate`), in a
   forked child killed at the deadline (:func:`run_with_deadline`). When the best plan leaves
   required orders out, the anchored round (which cannot serve a budgeted order its plan leaves
   out) is skipped and this stage gets its share too, in two halves: warm-started, then — if
   orders are still out — from OR-Tools' own first solution (**ortools-fresh**; guided local
   search from a plan that leaves orders out may not put them back), else on from the best
   plan. Its plans are repaired too. A warm start whose step budget is below one step per
   order node (large days with soft targets) is skipped: OR-Tools could only restore its
   start. When OR-Tools is missing, skipped or failed, two more anchored PyVRP rounds take its
   share.

The candidates are ranked by the number of required orders they leave out, then by medroute's
objective (:func:`~medroute.schedule.route_cost` plus the drop cost of unserved orders); the
best one that times route by route *and* passes :func:`medroute.check` is returned. Nothing
infeasible is ever returned as a plan: if every candidate failed, the orders come back
unassigned.

Determinism: the construction and the repair are deterministic; every search stage runs on a
work budget taken from a fixed share of ``time_limit`` — PyVRP iterations at the speed
:meth:`~medroute.engines.pyvrp.PyVrpEngine.search_rate` models for the plan it starts from,
OR-Tools search steps at :meth:`~medroute.engines.ortools.OrToolsEngine.search_rate` — never
from the clock. The clock is only a cap: a stage slower than modelled may run into half of the
later stages' nominal time. The same seed gives the same plan unless the clock cut a stage
short: then the notes name the stages ("the clock cut short: …") and the result has
``clock_stopped`` set (:func:`medroute.solve` adds :data:`~medroute.engines.base.CLOCK_STOPPED_NOTE`).
Time the work budgets leave unused is not spent. The notes also say which stage produced the
plan.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..compile import NO_LIMIT, Instance
from ..insertion import Deadline, Inserter, Routes, needs_route, plan_objective, repair
from ..reasons import Reason
from ..schedule import Infeasible, schedule_route
from .base import Engine, EngineResult
from .deadline import kill_grace, run_with_deadline
from .pyvrp import FALLBACK_NOTE, PyVrpEngine, relaxations

_log = logging.getLogger("medroute")

FLEET_SHARE = 0.30
"""Share of the time limit (as PyVRP iterations) for route elimination (stage 2b)."""
ANCHORED_SHARE = 0.30
"""Share of the time limit (as PyVRP iterations) for the anchored round (stage 2c)."""
ORTOOLS_SHARE = 0.30
"""Share of the time limit (as OR-Tools search steps) for stage 3."""
FINAL_SHARE = 0.40
"""Share of the time limit for PyVRP's search after route elimination; at least half of it is
kept in wall time whatever the elimination takes."""

@dataclass(frozen=True, slots=True)
class Candidate:
    """A feasible plan from one stage, with its objective in cost units."""

    stage: str
    routes: tuple[tuple[int, ...], ...]
    objective: float
    unserved_required: int = 0
    notes: tuple[str, ...] = ()

    @property
    def rank(self) -> tuple[int, float, str]:
        """Fewest unserved required orders first, then the lowest objective."""
        return self.unserved_required, self.objective, self.stage


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


def _try_import(kind: str) -> Engine | None:
    """The greedy or OR-Tools engine if it is installed in this tree (it is optional here)."""
    try:
        if kind == "ortools":
            from .ortools import OrToolsEngine

            return OrToolsEngine()
        if kind == "greedy":
            from .greedy import GreedyEngine

            return GreedyEngine()
    except ImportError:
        return None
    return None


class AutoEngine:
    """The default portfolio (see the module docstring).

    Parameters
    ----------
    pyvrp : the PyVRP engine to use (default :class:`PyVrpEngine` with its iteration budget).
    use_ortools : whether stage 3 may run OR-Tools.
    """

    name = "auto"

    def __init__(self, *, pyvrp: PyVrpEngine | None = None, use_ortools: bool = True) -> None:
        self.pyvrp = pyvrp or PyVrpEngine()
        self.use_ortools = use_ortools

    def supports(self, instance: Instance) -> bool | str:
        """Always ``True``: what PyVRP cannot model, construction, repair and OR-Tools cover."""
        return True

    def _fewer_riders(self, inst: Instance, cands: list[Candidate], add: Callable[..., None], clock: Deadline,
                      reserve: float, time_limit: float, seed: int) -> bool:
        """Stage 2b: route elimination, then PyVRP again from the best plan (see the module
        docstring). Iterations come from fixed shares of ``time_limit`` (deterministic); the
        clock only caps them. Returns whether the clock cut the stage short."""
        best = min(cands, key=lambda c: c.rank)
        served = {inst.order_of(v) for s in best.routes for v in s}
        if best.unserved_required or any(k not in served for k in inst.open_orders):
            return False
        cut = False
        pool = FLEET_SHARE * time_limit  # nominal seconds, spent as iterations at the modelled speed
        current: tuple[tuple[int, ...], ...] | None = None
        routes: Sequence[Sequence[int]] = best.routes
        keep = reserve + FINAL_SHARE * time_limit / 2  # wall time kept for the search after
        while pool > 0 and clock.left() - keep > 0.05:
            iterations = self.pyvrp.iteration_budget(inst, pool, routes, fleet=True)
            fewer, spent = self.pyvrp.reduce_fleet(inst, routes, time_limit=clock.left() - keep,
                                                   seed=seed, iterations=iterations)
            cut = cut or (fewer is None and spent < iterations)
            pool -= max(1, spent) / self.pyvrp.search_rate(inst, routes, fleet=True)
            if fewer is None:
                break
            current = routes = fewer
        if current is not None:
            riders = sum(1 for s in current if s)
            add("pyvrp-fleet", [list(s) for s in current], {}, [f"route elimination: {riders} riders"])
        # PyVRP searches on from the best plan (the smaller fleet's if it is better), on its share
        # and the nominal time route elimination left unused.
        cap = clock.left() - reserve
        if cap > 0.05:
            start = min(cands, key=lambda c: c.rank).routes
            res = self.pyvrp.solve(inst, time_limit=cap, seed=seed, initial=start, fixed_fleet=True,
                                   work_seconds=FINAL_SHARE * time_limit + max(0.0, pool))
            fixed, reasons, _ = repair(inst, res.routes, Inserter(inst),
                                       Deadline(max(0.0, min(clock.left() - reserve, 0.05 * time_limit))))
            add("pyvrp-fleet-search", fixed, reasons, clock_stopped=res.clock_stopped)
        else:
            cut = True
        return cut

    def solve(self, instance: Instance, *, time_limit: float, seed: int,
              initial: Sequence[Sequence[int]] | None = None) -> EngineResult:
        """Run the portfolio for at most ``time_limit`` seconds and return its best checked plan.

        Parameters
        ----------
        instance : the compiled problem.
        time_limit : wall-clock budget, seconds; held to within 5 % + 1 s.
        seed : random seed passed to every stage.
        initial : optional per-rider node sequences; repaired and kept as a candidate.

        Returns
        -------
        EngineResult
            The best plan that times route by route and passes :func:`medroute.check`; notes
            list each stage's objective (Rupiah) and the stage the plan comes from.
        """
        inst = instance
        clock = Deadline(max(0.0, time_limit))
        reserve = min(0.5, 0.05 * time_limit)
        notes: list[str] = []
        cands: list[Candidate] = []
        all_reasons: dict[str, dict[int, Reason]] = {}
        inserter = Inserter(inst)
        empty: Routes = [[] for _ in range(inst.m)]
        if inst.m == 0:
            return EngineResult(tuple(() for _ in range(inst.m)),
                                dict.fromkeys(inst.open_orders, Reason.NO_RIDER), ("no riders",))

        clocked: list[str] = []  # stages the clock, not a work budget, cut short

        def add(stage: str, routes: Routes, reasons: dict[int, Reason], extra: Sequence[str] = (),
                clock_stopped: bool = False) -> None:
            if clock_stopped or Reason.SEARCH_LIMIT in reasons.values():
                clocked.append(stage)
            if stage in all_reasons:
                stage = f"{stage}#{sum(c.stage.startswith(stage) for c in cands) + 1}"
            obj = plan_objective(inst, routes)
            if obj is None:
                notes.append(f"{stage}: plan does not time after repair; discarded")
                return
            served = {inst.order_of(v) for s in routes for v in s}
            missing = sum(1 for k in inst.open_orders if inst.required[k] and k not in served)
            cands.append(Candidate(stage, tuple(tuple(s) for s in routes), obj, missing, tuple(extra)))
            all_reasons[stage] = reasons
            notes.append(f"{stage}: objective Rp {obj / 100:,.0f}"
                         + (f", {missing} required orders unserved" if missing else ""))

        found = relaxations(inst)
        hard = [x for x in found if x.hard]
        # Stage 1: construction (and a given initial plan).
        stage_clock = Deadline(min(clock.left(), 0.10 * time_limit + 0.05))
        routes, reasons = inserter.insert(empty, [k for k in range(inst.n) if k not in inst.flagged
                                                  or inst.carried_by[k] >= 0], stage_clock)
        add("construct", routes, reasons)
        # The dispatcher's baseline as a candidate too: first come, nearest free rider. Cheap, and
        # when lateness dominates the objective it is hard to beat, so auto is never worse.
        greedy = _try_import("greedy")
        g_budget = min(clock.left() - reserve, 0.15 * time_limit)
        if greedy is not None and g_budget > 0.05:
            res_g = greedy.solve(inst, time_limit=g_budget, seed=seed)
            fixed, reasons, _ = repair(inst, res_g.routes, inserter, Deadline(min(clock.left(), 0.05 * time_limit)))
            add("greedy", fixed, reasons, clock_stopped=res_g.clock_stopped)
        # A construction the clock cut short depends on where it was cut: beside a complete
        # greedy plan it is dropped, so that it cannot start the search (large instances).
        if "construct" in clocked and "greedy" not in clocked and any(c.stage == "greedy" for c in cands):
            cands[:] = [c for c in cands if c.stage != "construct"]
            clocked.remove("construct")
            notes.append("construct: cut short by its share of the time limit; dropped (greedy's plan starts)")
        if initial is not None:
            fixed, reasons, _ = repair(inst, initial, inserter, Deadline(min(clock.left(), 0.05 * time_limit)))
            add("initial", fixed, reasons)
        def best() -> Candidate:
            return min(cands, key=lambda c: c.rank)

        start = best().routes if cands else None
        ortools = _try_import("ortools") if self.use_ortools and found else None
        if ortools is not None and ortools.supports(inst) is not True:
            ortools = None
        # With hard relaxations, a start that leaves required orders out means the rules PyVRP
        # relaxes bind (DARP's ride limits): its plan's repair cannot put those orders back, so
        # OR-Tools, which models them, gets every search share (DARP, 10 s: a8-96 1,396 instead of
        # 1,475, a5-60 and b6-72 served completely).
        ortools_only = bool(hard) and bool(cands) and best().unserved_required > 0 and ortools is not None
        if ortools_only:
            notes.append("pyvrp: skipped (required orders unserved under rules it relaxes); its share goes to ortools")

        # Stage 2: PyVRP, warm-started. With a rider cost on an exact model, stage 2b may need time.
        fleet = not found and float(inst.rider_cost) > 0
        # This stage's share of the time limit, and the later stages' (a slow stage may use half of it).
        if not found:
            share, later = (0.30, FLEET_SHARE + FINAL_SHARE) if fleet else (0.90, 0.0)
        else:
            share, later = (0.30, ANCHORED_SHARE + ORTOOLS_SHARE) if hard else (0.60, ORTOOLS_SHARE)

        def cap(later: float) -> float:
            # A stage whose work budget runs slower than modelled may use half the later stages' time.
            return clock.left() - reserve - 0.5 * later * time_limit

        soft = any(not x.hard for x in found)  # soft targets: PyVRP searches on-time plans
        if not ortools_only and cap(later) > 0.05 and (inst.open_orders or np.any(inst.carried_by >= 0)):
            # With soft targets PyVRP searches on-time plans from the start plan; where its probe
            # finds none (greedy's late plan at 2,000 orders: PyVRP kept it unchanged), it also
            # searches from the start's on-time part, and both plans are candidates (scale:
            # 2,000 orders Rp 92.8 M -> 16.9 M).
            res = self.pyvrp.solve(targeted_instance(inst) if soft else inst, time_limit=cap(later), seed=seed,
                                   initial=start, work_seconds=share * time_limit,
                                   fallback=on_time_part(inst, start) if soft and start is not None else None)
            notes.extend(f"pyvrp: {x}" for x in res.notes if x.startswith(FALLBACK_NOTE))
            stage = "pyvrp-targeted" if soft else "pyvrp"
            for plan in (res.routes, *res.alternatives):
                raw = plan_objective(inst, plan)
                fixed, reasons, removed = repair(inst, plan, inserter, Deadline(
                    max(0.0, min(clock.left() - reserve, 0.1 * time_limit + 0.2))))
                extra = [] if raw is not None else [f"{removed} orders moved by the repair"]
                add(stage if raw is not None else stage + "+repair", fixed, reasons, extra, res.clock_stopped)
                if raw is None:
                    notes.append(f"pyvrp: relaxed plan broke rules; the repair moved {removed} orders")

        if fleet and cands and self._fewer_riders(inst, cands, add, clock, reserve, time_limit, seed):
            clocked.append("pyvrp-fleet")

        def anchored_round(share: float, later: float) -> None:
            # PyVRP again, exact this time: windows anchored on the best plan imply the budgets.
            plan = best().routes
            if cap(later) > 0.05:
                anchored = anchored_instance(inst, plan)
                if soft:
                    anchored = targeted_instance(anchored, plan)
                res = self.pyvrp.solve(anchored, time_limit=cap(later), seed=seed, initial=plan,
                                       work_seconds=share * time_limit)
                fixed, reasons, removed = repair(inst, res.routes, inserter,
                                                 Deadline(max(0.0, min(clock.left() - reserve, 0.05 * time_limit))))
                add("pyvrp-anchored" if removed == 0 else "pyvrp-anchored+repair", fixed, reasons,
                    clock_stopped=res.clock_stopped)

        # The anchored round cannot serve a budgeted order the best plan leaves out (it gets no
        # window); then OR-Tools, which can, takes the round's share too.
        ortools_share = ORTOOLS_SHARE + (share if ortools_only else 0.0)
        if hard and cands:
            if best().unserved_required and ortools is not None:
                ortools_share += ANCHORED_SHARE
                notes.append("pyvrp-anchored: skipped (required orders unserved); its share goes to ortools")
            else:
                anchored_round(ANCHORED_SHARE, ORTOOLS_SHARE)

        # Stage 3: OR-Tools with the full model on step budgets, the clock as a cap.
        def ortools_round(stage: str, start: Sequence[Sequence[int]] | None, share: float, later: float) -> bool:
            # From ``start`` (OR-Tools' own first solution if None); whether it gave a candidate.
            from .ortools import OrToolsEngine

            limit = cap(later)
            if limit <= 0.3:
                return False
            steps = OrToolsEngine().budget(inst, share * time_limit)
            if start is not None and steps is not None and steps < 2 * inst.n:
                # Not one move per order node after restoring the start (surge, 1,000 orders:
                # 404 steps for 14 s of model building and restoring, the plan unchanged).
                notes.append(f"{stage}: skipped ({steps} search steps at the modelled speed, fewer than "
                             f"the {2 * inst.n} order nodes)")
                return False
            engine = OrToolsEngine(steps=steps)
            try:
                res = run_with_deadline(lambda: engine.solve(inst, time_limit=limit, seed=seed, initial=start),
                                        limit + kill_grace(time_limit))
            except Exception as exc:  # a failing stage must not lose the plans already found
                _log.warning("auto: the %s stage failed: %r", stage, exc)
                notes.append(f"{stage}: failed ({type(exc).__name__}: {exc}); skipped")
                return False
            if res is None:
                clocked.append(stage)
                notes.append(f"{stage}: did not finish within its share of the time limit; skipped")
                return False
            fixed, reasons, removed = repair(inst, res.routes, inserter,
                                             Deadline(max(0.0, clock.left() - reserve / 2)))
            add(stage if removed == 0 else stage + "+repair", fixed, reasons, clock_stopped=res.clock_stopped)
            return True

        ran = False
        if ortools is not None and cands:
            if not best().unserved_required:
                ran = ortools_round("ortools", best().routes, ortools_share, 0.0)
            else:
                # Required orders out: half the share warm-started; if orders are still out, the
                # other half from OR-Tools' own first solution (guided local search from such a
                # start may not put them back: by hand, DARP b8-96 left 17 of 96 requests out from
                # the repaired PyVRP plan, a fresh start none; a3-36 the other way round), else
                # searching on from the best plan.
                half = ortools_share / 2
                ran = ortools_round("ortools", best().routes, half, half)
                start = None if best().unserved_required else best().routes
                ran = ortools_round("ortools-fresh" if start is None else "ortools", start, half, 0.0) or ran
        elif self.use_ortools and found and ortools is None:
            notes.append("ortools: engine not available; skipped")

        # OR-Tools absent, skipped or failed: two more anchored PyVRP rounds in its place.
        if hard and cands and not ran:
            for i in range(2):
                anchored_round(ORTOOLS_SHARE / 2, ORTOOLS_SHARE / 2 * (1 - i))

        # Final: the best candidate that passes the independent checker.
        for cand in sorted(cands, key=lambda c: c.rank):
            problems = _check(inst, cand.routes)
            if problems:
                notes.append(f"{cand.stage}: rejected by medroute.check ({problems[0]})")
                continue
            notes.append(f"plan from stage {cand.stage!r}")
            if clocked:
                notes.append("the clock cut short: " + ", ".join(dict.fromkeys(clocked)))
            served = {inst.order_of(v) for s in cand.routes for v in s}
            reasons = {k: r for k, r in all_reasons.get(cand.stage, {}).items() if k not in served}
            return EngineResult(cand.routes, reasons, (*notes, *cand.notes), clock_stopped=bool(clocked))
        notes.append("no candidate passed the checks; every order is left unassigned")
        return EngineResult(tuple(() for _ in range(inst.m)),
                            dict.fromkeys(inst.open_orders, Reason.SEARCH_LIMIT), tuple(notes), clock_stopped=True)


def _check(inst: Instance, routes: Sequence[Sequence[int]]) -> list[str]:
    """Violations :func:`medroute.check` finds in ``routes`` (as sentences; empty = feasible)."""
    from ..errors import EngineError
    from ..schedule import build_solution

    try:
        solution = build_solution(inst, routes, engine="auto")
    except EngineError as exc:
        return [str(exc)]
    try:
        from ..check import check
    except ImportError:  # pragma: no cover - the checker ships with medroute
        return []
    return [str(v) for v in check(inst.problem, solution, matrix=dict(inst.matrices))]
