"""The VROOM engine: medroute orders as VROOM *shipments*, solved through pyvroom (``medroute[vroom]``).

VROOM (Vehicle Routing Open-source Optimization Machine) is a fast construction + local search
heuristic in C++. Its model is close to medroute's; what the translation keeps exactly:

* every order still at its pharmacy is one shipment: a pickup at the pharmacy (service = the
  pharmacy's handover, windows = the opening cut at the release time — VROOM takes several
  windows per step, so release times and split openings map exactly) and a delivery at the
  door (service = the door handover, windows = the order's hard windows);
* an order a rider already carries (live dispatch) is a single *delivery job* locked to that
  rider: VROOM loads its amount at the start; its out-of-fridge budget becomes a deadline
  (``picked_up_s + budget``) cut into its delivery windows, so it maps exactly;
* capacities in all five :data:`~medroute.compile.DIMS` dimensions (VROOM amounts);
* cool boxes as skill ``1`` (riders with a cool box have it; cold orders require it); any
  other restriction on who may carry an order (locks, already on board) as one more skill per
  distinct set of allowed riders;
* rider starts, ends (open end = no VROOM end) and shifts (vehicle time window
  ``[earliest departure, shift end]``);
* per-rider travel profiles and speed factors: one VROOM profile per distinct duration matrix,
  with its duration matrix (seconds) and a custom cost matrix equal to medroute's arc cost
  (metres × cost per metre + seconds × cost per second, centi-Rupiah divided by
  :func:`cost_scale` so that VROOM's internal cost bound cannot overflow), so VROOM minimises
  medroute's riding cost; the fixed cost per rider used is VROOM's fixed vehicle cost;
* order priorities as VROOM priorities (capped at VROOM's 100).

What it cannot express, listed by :func:`relaxations` and said by :meth:`VroomEngine.supports`:

* out-of-fridge budgets (a maximum pickup → door time) of orders still at the pharmacy:
  VROOM has no maximum ride time per shipment;
* soft delivery targets (lateness cost): VROOM has hard windows only;
* optional orders' penalties: VROOM serves as many orders as it can (by priority), whatever
  the penalty.

A working-time limit (``max_work_s``) is modelled conservatively: the vehicle's time window
ends at ``min(shift end, earliest departure + max_work_s)``. Every plan VROOM then returns
respects the limit, but a rider who could start later and still fit is not used that way.

**Routes that break the full rules.** :meth:`VroomEngine.solve` always returns routes that time
with :func:`~medroute.schedule.schedule_route` under *all* of medroute's rules: when a VROOM
route does not (only possible through the relaxations above, in practice an out-of-fridge
budget), the order the timing names is dropped from that route, repeatedly, until the route
times. Dropped orders come back unassigned with the binding reason (e.g.
:attr:`~medroute.reasons.Reason.COLD_BUDGET`) and every drop is written in the notes. The
engine never passes off a plan that breaks a rule as feasible; it loses orders instead, which
the objective (drop cost) and the KPIs show.

Time limit: the stop's clock is passed as VROOM's ``timeout``, which VROOM 1.15 honours in its
local search but not in its construction phase (overruns measured in ``docs/benchmarks.md``).
So VROOM runs
in a forked child killed at the clock's end (:func:`~medroute.engines.deadline.run_with_deadline`):
the limit holds, and a VROOM that has not finished constructing by then returns no plan — every
order unassigned with :attr:`~medroute.reasons.Reason.SEARCH_LIMIT` and a note saying why.

Determinism: VROOM has no random seed; with one thread and a fixed exploration level its search
is deterministic as long as it finishes before the timeout (pyvroom ≥ 1.13 passes VROOM's
``timeout``). The notes say when the timeout may have cut the search.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..compile import NO_LIMIT, Instance
from ..errors import require
from ..reasons import Reason
from ..schedule import drop_untimable
from ..stats import Progress, SolveStats, StageStats
from ..stop import Meter, Stop, StopReason
from .base import (
    EngineResult,
    Relaxation,
    Support,
    carried_routes,
    relaxation,
    relaxed_support,
    ride_budgets,
    routed_orders,
    soft_targets,
)
from .deadline import run_with_deadline

COOLBOX_SKILL = 1
"""VROOM skill of riders with a cool box, required by every cold order."""
FIRST_MASK_SKILL = 2
"""First VROOM skill used for other sets of allowed riders (locks, orders on board)."""
MAX_PRIORITY = 100
"""VROOM's highest job priority."""
UINT32_MAX = int(np.iinfo(np.uint32).max)
"""VROOM matrices are unsigned 32-bit; larger entries are clipped to this."""


def relaxations(inst: Instance) -> list[Relaxation]:
    """What of ``inst`` the VROOM model leaves out, one entry per feature (empty = exact).

    Parameters
    ----------
    inst
        The compiled problem.

    Returns
    -------
    list of Relaxation
        Out-of-fridge budgets of orders still at the pharmacy (hard), soft delivery targets
        (objective only) and optional orders (objective only).
    """
    ks = routed_orders(inst)
    optional = [k for k in ks if not bool(inst.required[k]) and inst.carried_by[k] < 0]
    return [*relaxation(inst, [k for k in ride_budgets(inst, ks) if inst.carried_by[k] < 0],
                        "out-of-fridge budgets (maximum ride time pickup → door) on {orders}", hard=True),
            *soft_targets(inst, ks),
            *relaxation(inst, optional, "penalties of {orders}, optional: VROOM serves every order it can",
                        hard=False)]


@dataclass(frozen=True, eq=False)
class VroomModel:
    """A medroute instance translated to pyvroom.

    Attributes
    ----------
    input
        The :class:`vroom.Input`, matrices, vehicles, shipments and jobs added.
    shipments
        Order indices sent as shipments (pickup id ``k``, delivery id ``n + k``).
    carried
        Order indices sent as delivery jobs (id ``n + k``).
    profiles
        Number of VROOM profiles (distinct duration matrices).
    """

    input: Any
    shipments: tuple[int, ...]
    carried: tuple[int, ...]
    profiles: int


COST_RESOLUTION = 2**16
"""Largest arc cost sent to VROOM. VROOM scales user costs up internally and refuses matrices
whose cost bound could overflow, so medroute's centi-Rupiah costs are divided by a per-instance
factor (see :func:`cost_scale`): relative precision 1/65,536 of the dearest arc."""


def cost_scale(inst: Instance) -> float:
    """Cost units of ``inst`` per VROOM cost unit: ``max(1, dearest arc / COST_RESOLUTION)``."""
    dearest = max((float(np.max(inst.arc_cost(int(np.flatnonzero(inst.rider_durations == key)[0]))))
                   for key in range(len(inst.durations))), default=0.0)
    return max(1.0, dearest / COST_RESOLUTION)


def _cost_matrix(inst: Instance, key: int, scale: float) -> NDArray[np.uint32]:
    """Arc cost of the riders using duration matrix ``key``, in VROOM cost units (``scale`` cost
    units each)."""
    r = int(np.flatnonzero(inst.rider_durations == key)[0])
    cost = np.rint(inst.arc_cost(r) / scale)
    return np.clip(cost, 0, UINT32_MAX).astype(np.uint32)


def _skill_sets(inst: Instance, ks: Sequence[int]) -> tuple[list[set[int]], dict[int, set[int]]]:
    """Skills per rider and required skills per order (see the module docstring)."""
    coolbox = inst.capacity[:, 3] > 0
    rider_skills: list[set[int]] = [({COOLBOX_SKILL} if bool(coolbox[r]) else set()) for r in range(inst.m)]
    order_skills: dict[int, set[int]] = {}
    masks: dict[bytes, int] = {}
    everyone = np.ones(inst.m, dtype=bool)
    for k in ks:
        cold = bool(inst.demand[k, 3] > 0)
        skills = {COOLBOX_SKILL} if cold else set()
        implied = coolbox if cold else everyone
        mask = np.asarray(inst.allowed[k], dtype=bool)
        if not np.array_equal(mask, implied):
            key = mask.tobytes()
            if key not in masks:
                masks[key] = FIRST_MASK_SKILL + len(masks)
                for r in np.flatnonzero(mask):
                    rider_skills[int(r)].add(masks[key])
            skills.add(masks[key])
        order_skills[k] = skills
    return rider_skills, order_skills


def build_model(inst: Instance) -> VroomModel:
    """Translate ``inst`` into a pyvroom :class:`vroom.Input` (see the module docstring).

    Parameters
    ----------
    inst
        The compiled problem.

    Returns
    -------
    VroomModel
        The input and the mapping of VROOM ids back to orders.
    """
    vroom: Any = require("vroom", "vroom")
    inp = vroom.Input()
    n = inst.n
    profiles = len(inst.durations)
    scale = cost_scale(inst) if inst.m else 1.0
    for key, dur in enumerate(inst.durations):
        inp.set_durations_matrix(f"p{key}", np.clip(dur, 0, UINT32_MAX).astype(np.uint32))
        inp.set_costs_matrix(f"p{key}", _cost_matrix(inst, key, scale))
    ks = routed_orders(inst)
    rider_skills, order_skills = _skill_sets(inst, ks)
    for r in range(inst.m):
        depart = int(inst.depart[r])
        end = int(inst.shift_end[r])
        if int(inst.max_work[r]) < NO_LIMIT:
            end = min(end, depart + int(inst.max_work[r]))
        end_loc = int(inst.end_loc[r])
        inp.add_vehicle(vroom.Vehicle(
            r, start=int(inst.start_loc[r]), end=end_loc if end_loc >= 0 else None,
            profile=f"p{int(inst.rider_durations[r])}",
            capacity=[int(c) for c in inst.capacity[r]], skills=rider_skills[r],
            time_window=vroom.TimeWindow(depart, max(depart, end)),
            # VROOM's fixed cost is 32-bit; capped, it still outweighs any plan's riding
            # (arcs are at most COST_RESOLUTION), so fewer riders still come first.
            costs=vroom.VehicleCosts(fixed=min(UINT32_MAX, round(inst.rider_cost / scale))),
        ))
    shipments: list[int] = []
    carried: list[int] = []
    for k in ks:
        amount = vroom.Amount([int(x) for x in inst.demand[k]])
        priority = min(MAX_PRIORITY, inst.problem.orders[k].priority)
        d = inst.delivery(k)
        dwin = list(inst.windows[d])
        r = int(inst.carried_by[k])
        if r >= 0:
            limit = int(inst.max_ride[k, r])
            if limit < NO_LIMIT:
                deadline = int(inst.carried_since[k]) + limit
                dwin = [(a, min(b, deadline)) for a, b in dwin if a <= deadline]
            if not dwin:
                continue  # cannot be delivered in time: left to the explanation
            inp.add_job(vroom.Job(
                n + k, location=int(inst.node_loc[d]), default_service=int(inst.service[d]),
                delivery=amount, skills=order_skills[k], priority=priority,
                time_windows=[vroom.TimeWindow(a, b) for a, b in dwin]))
            carried.append(k)
            continue
        p = inst.pickup(k)
        if not inst.windows[p] or not dwin:
            continue
        inp.add_shipment(
            vroom.ShipmentStep(k, location=int(inst.node_loc[p]), default_service=int(inst.service[p]),
                               time_windows=[vroom.TimeWindow(a, b) for a, b in inst.windows[p]]),
            vroom.ShipmentStep(n + k, location=int(inst.node_loc[d]), default_service=int(inst.service[d]),
                               time_windows=[vroom.TimeWindow(a, b) for a, b in dwin]),
            amount=amount, skills=order_skills[k], priority=priority)
        shipments.append(k)
    return VroomModel(inp, tuple(shipments), tuple(carried), profiles)


def read_routes(inst: Instance, solution: Any) -> list[list[int]]:
    """Per-rider medroute node sequences of a pyvroom solution (pickup ``k``, delivery ``n + k``)."""
    routes: list[list[int]] = [[] for _ in range(inst.m)]
    frame = solution.routes
    if "id" not in frame.columns:
        return routes
    for vehicle, kind, ident in zip(frame["vehicle_id"], frame["type"], frame["id"], strict=True):
        if kind in ("pickup", "delivery", "job"):
            routes[int(vehicle)].append(int(ident))
    return routes


def repair(inst: Instance, routes: list[list[int]]) -> tuple[list[list[int]], dict[int, Reason], list[str]]:
    """Drop orders from routes that do not time under the full rules until every route times.

    Parameters
    ----------
    inst
        The compiled problem.
    routes
        Per-rider node sequences (modified copies are returned).

    Returns
    -------
    routes, reasons, notes
        Routes that all time with :func:`~medroute.schedule.schedule_route`, the binding reason
        of each dropped order, and one note per drop.
    """
    notes: list[str] = []
    out: list[list[int]] = []
    for r, nodes in enumerate(routes):
        seq = list(nodes)
        for c in (int(x) for x in np.flatnonzero(inst.carried_by == r)):  # on board: must be delivered
            if inst.delivery(c) not in seq:
                seq.append(inst.delivery(c))
                notes.append(f"rider {inst.problem.riders[r].id!r}: VROOM left order "
                             f"{inst.problem.orders[c].id!r} on board; its delivery is appended")
        out.append(seq)
    out, reasons, more = drop_untimable(inst, out, label="vroom")
    return out, reasons, notes + more


class VroomEngine:
    """VROOM through pyvroom, as a medroute :class:`~medroute.engines.base.Engine`.

    Parameters
    ----------
    exploration_level
        VROOM's search depth, 1 (fastest) to 5 (VROOM's default).
    threads
        VROOM threads; 1 keeps the search deterministic.
    """

    name = "vroom"

    def __init__(self, exploration_level: int = 5, threads: int = 1) -> None:
        if not 1 <= exploration_level <= 5:
            raise ValueError(f"vroom: exploration_level must be 1 to 5, got {exploration_level}")
        if threads < 1:
            raise ValueError(f"vroom: threads must be >= 1, got {threads}")
        self.exploration_level = exploration_level
        self.threads = threads

    def supports(self, instance: Instance) -> Support:
        """Supported, or the sentence saying what VROOM cannot model (or that pyvroom is missing)."""
        try:
            require("vroom", "vroom")
        except ImportError as exc:
            return Support(str(exc))
        return relaxed_support("VROOM", relaxations(instance))

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        """Solve with VROOM until ``stop``'s clock and repair what breaks the full rules.

        Parameters
        ----------
        instance
            The compiled problem.
        stop
            Only its clock counts (model building included), passed to VROOM as its
            ``timeout``; without one VROOM runs until it ends by itself (deterministic).
        seed
            Ignored: VROOM has no random seed (one thread is deterministic).
        initial
            Ignored: VROOM's solve mode takes no warm start.
        progress
            Ignored (one stage).

        Returns
        -------
        EngineResult
            Routes that all time under the full rules; orders dropped by the repair carry their
            binding reason; notes name the limitations and every drop.
        """
        inst = instance
        meter = Meter(stop)
        notes: list[str] = []
        support = self.supports(inst)
        if not support:
            notes.append("relaxed: " + support.reason)
        if initial is not None:
            notes.append("vroom: the initial solution is ignored (VROOM takes no warm start)")
        empty = tuple(() for _ in range(inst.m))
        if inst.m == 0:
            return self._result(meter, empty, dict.fromkeys(inst.open_orders, Reason.NO_RIDER), notes)
        model = build_model(inst)
        if not model.shipments and not model.carried:
            return self._result(meter, empty, {}, notes)
        left = meter.seconds_left()
        margin = min(0.2, 0.05 * left)
        timeout = max(0.05, left - margin) if math.isfinite(left) else None

        def search() -> EngineResult:
            solution = model.input.solve(exploration_level=self.exploration_level, nb_threads=self.threads,
                                         timeout=None if timeout is None else timedelta(seconds=timeout))
            return EngineResult(tuple(tuple(x) for x in read_routes(inst, solution)), {}, ())

        # VROOM checks its timeout only in local search, not while constructing: a forked child
        # killed at the deadline holds the limit (surge, 1,200 orders: 20 s asked, 90–108 s taken).
        found = search() if timeout is None else run_with_deadline(search, left, engine="vroom", notes=notes)
        if found is None:
            notes.append("vroom: no plan before the clock ran out (VROOM does not check its timeout while "
                         "constructing); every order is left unassigned")
            meter.stopped_by = StopReason.CLOCK
            carried = carried_routes(inst)
            return self._result(meter, carried, dict.fromkeys(inst.open_orders, Reason.SEARCH_LIMIT), notes)
        cut = timeout is not None and meter.elapsed() >= 0.95 * timeout
        meter.stopped_by = StopReason.CLOCK if cut else StopReason.DONE
        routes, reasons, repair_notes = repair(inst, [list(x) for x in found.routes])
        return self._result(meter, tuple(tuple(x) for x in routes), reasons, [*notes, *repair_notes])

    def _result(self, meter: Meter, routes: tuple[tuple[int, ...], ...], reasons: dict[int, Reason],
                notes: Sequence[str]) -> EngineResult:
        stage = StageStats(self.name, meter.elapsed(), 0.0, meter.stopped_by or StopReason.DONE)
        return EngineResult(routes, reasons, tuple(notes), SolveStats.combine((stage,), meter.elapsed()))
