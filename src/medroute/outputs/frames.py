"""A :class:`~medroute.solution.Solution` as pandas DataFrames: stops, routes, orders and KPIs.

Every table gives each time three ways: integer seconds from the start of the problem's day
(``*_s``), an ``"HH:MM:SS"`` string (one format for the whole column), and a timezone-aware
datetime (``*_at``, in the problem's timezone, Asia/Jakarta by default, or ``tz=``). Distances are
in metres (``*_m``), loads in grams / millilitres / parcels. Needs pandas
(``pip install 'medroute[viz]'``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import InvalidProblemError, InvalidSolutionError, require
from ..geo import Location
from ..model import Order, Problem, Rider, TimeWindow
from ..solution import Kpis, Route, Solution, Stop, StopKind
from ..timefmt import format_clock

if TYPE_CHECKING:
    import pandas as pd

KPI_UNITS: dict[str, str] = {
    "orders": "orders", "served": "orders", "unassigned": "orders", "riders_used": "riders",
    "travel_s": "s", "distance_m": "m", "on_time_share": "share", "total_late_s": "s",
    "max_late_s": "s", "max_cold_exposure_s": "s", "cost_rp": "Rp", "objective_rp": "Rp",
    "mean_lead_s": "s", "max_lead_s": "s",
}
"""Unit of every :class:`~medroute.solution.Kpis` field."""


ORDER_SECONDS_MAYBE = ("pickup_s", "delivery_s", "target_s", "lead_s", "cold_exposure_s", "cold_budget_s")
"""Columns of :func:`orders_frame` an order may lack (not served, no target, no budget): pandas'
nullable ``Int64``, ``<NA>`` where missing, whichever orders a plan serves."""


@dataclass(frozen=True, slots=True)
class PlacedStop:
    """A stop with its rider, position in the route, where it is and what it concerns."""

    rider: Rider
    seq: int
    stop: Stop
    location: Location
    order: Order | None


def _rider(problem: Problem, route: Route) -> Rider:
    rider = problem.rider.get(route.rider)
    if rider is None:
        raise InvalidSolutionError(f"route of unknown rider {route.rider!r}")
    return rider


def placed_stops(problem: Problem, route: Route) -> Iterator[PlacedStop]:
    """The stops of ``route`` with their locations.

    A start stop is at the rider's start, a pickup at the order's pharmacy, a delivery at the
    order's door, and an end stop at the rider's end (or where the previous stop was when the
    rider has no end).

    Raises
    ------
    InvalidSolutionError
        The route names an unknown rider or order.
    """
    rider = _rider(problem, route)
    here = rider.start
    for seq, stop in enumerate(route.stops):
        order: Order | None = None
        if stop.order is not None:
            order = problem.order.get(stop.order)
            if order is None:
                raise InvalidSolutionError(f"rider {rider.id!r}: stop {seq} names unknown order {stop.order!r}")
        if stop.kind == StopKind.START:
            here = rider.start
        elif stop.kind == StopKind.PICKUP and order is not None:
            here = problem.pharmacy[order.pharmacy].location
        elif stop.kind == StopKind.DELIVERY and order is not None:
            here = order.location
        elif stop.kind == StopKind.END and rider.end is not None:
            here = rider.end
        yield PlacedStop(rider, seq, stop, here, order)


def cold_budget_s(problem: Problem, order: Order, rider: Rider | None) -> int | None:
    """An order's out-of-fridge budget on ``rider``, seconds: its own budget capped by the rider's
    cool-box hold time (``None`` = no limit)."""
    budget = order.max_ride_s
    if order.needs_coolbox and rider is not None and rider.coolbox is not None:
        hold = rider.coolbox.hold_s
        budget = hold if budget is None else min(budget, hold)
    return budget


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    """What happened to one order in a plan (times in seconds, ``None`` when not applicable)."""

    order: Order
    rider: str | None
    pickup_s: int | None
    delivery_s: int | None
    cold_exposure_s: int | None
    budget_s: int | None
    reason: str | None
    detail: str

    @property
    def served(self) -> bool:
        return self.delivery_s is not None

    @property
    def late_s(self) -> int:
        """Seconds past the soft target (0 when none or not served)."""
        if self.delivery_s is None or self.order.target_s is None:
            return 0
        return max(0, self.delivery_s - self.order.target_s)

    @property
    def on_time(self) -> bool:
        """Served by its soft target (or, with none, inside its hard windows, which a plan keeps)."""
        return self.served and self.late_s == 0


def order_outcomes(problem: Problem, solution: Solution) -> list[OrderOutcome]:
    """One :class:`OrderOutcome` per order of ``problem``, in the problem's order."""
    pickup: dict[str, tuple[str, int]] = {}
    delivery: dict[str, tuple[str, int, int | None]] = {}
    for route in solution.routes:
        for s in route.stops:
            if s.order is None:
                continue
            if s.kind == StopKind.PICKUP:
                pickup[s.order] = (route.rider, s.start_s)
            elif s.kind == StopKind.DELIVERY:
                delivery[s.order] = (route.rider, s.start_s, dict(s.cold).get(s.order))
    unassigned = {u.order: u for u in solution.unassigned}
    out = []
    for o in problem.orders:
        d = delivery.get(o.id)
        p = pickup.get(o.id)
        rider_id = d[0] if d else (p[0] if p else None)
        rider = problem.rider.get(rider_id) if rider_id else None
        u = unassigned.get(o.id)
        out.append(OrderOutcome(
            order=o, rider=rider_id, pickup_s=p[1] if p else None, delivery_s=d[1] if d else None,
            cold_exposure_s=d[2] if d else None,
            budget_s=cold_budget_s(problem, o, rider) if o.needs_coolbox else o.max_ride_s,
            reason=u.reason.value if u else None, detail=u.detail if u else ""))
    return out


def windows_text(windows: Sequence[TimeWindow]) -> str:
    """``"HH:MM:SS–HH:MM:SS, ..."``: time windows in the tables' one time format."""
    return ", ".join(f"{format_clock(w.start_s)}–{format_clock(w.end_s)}" for w in windows)


def _hhmm(t: int | None) -> str:
    return "" if t is None else format_clock(t)


def _with_datetimes(frame: pd.DataFrame, problem: Problem, tz: str | None, names: tuple[str, ...],
                    columns: list[str]) -> pd.DataFrame:
    """``frame`` with a timezone-aware ``<name>_at`` column beside each ``<name>`` string column,
    from its ``<name>_s`` seconds (``NaT`` where there is no time)."""
    pd: Any = require("pandas", "viz")
    zone = tz or problem.timezone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidProblemError(f"tz: unknown timezone {zone!r}") from None
    midnight = pd.Timestamp(problem.day).tz_localize(problem.timezone).tz_convert(zone)
    out = list(columns)
    for name in names:
        frame[f"{name}_at"] = midnight + pd.to_timedelta(pd.to_numeric(frame[f"{name}_s"]), unit="s")
        out.insert(out.index(name) + 1, f"{name}_at")
    return frame[out]


def stops_frame(problem: Problem, solution: Solution, *, tz: str | None = None) -> pd.DataFrame:
    """One row per stop of every route (see :func:`to_dataframes`)."""
    pd: Any = require("pandas", "viz")
    rows = []
    for route in solution.routes:
        for ps in placed_stops(problem, route):
            s, o = ps.stop, ps.order
            late = 0
            if s.kind == StopKind.DELIVERY and o is not None and o.target_s is not None:
                late = max(0, s.start_s - o.target_s)
            rows.append({
                "rider": route.rider, "seq": ps.seq, "kind": s.kind.value, "order": s.order,
                "pharmacy": o.pharmacy if o is not None else None,
                "lat": ps.location.lat, "lon": ps.location.lon,
                "arrival_s": s.arrival_s, "start_s": s.start_s, "departure_s": s.departure_s,
                "arrival": _hhmm(s.arrival_s), "start": _hhmm(s.start_s), "departure": _hhmm(s.departure_s),
                "wait_s": s.wait_s, "service_s": s.departure_s - s.start_s,
                "travel_s": s.travel_s, "distance_m": s.distance_m,
                "weight_g": s.load.weight_g, "volume_ml": s.load.volume_ml, "parcels": s.load.parcels,
                "cold_parcels": s.load.cold_parcels, "cold_volume_ml": s.load.cold_volume_ml,
                "cold_on_board": len(s.cold), "max_cold_exposure_s": max((e for _, e in s.cold), default=0),
                "windows": windows_text(o.delivery_windows) if o and s.kind == StopKind.DELIVERY
                else "",
                "late_s": late,
            })
    columns = ["rider", "seq", "kind", "order", "pharmacy", "lat", "lon", "arrival_s", "start_s",
               "departure_s", "arrival", "start", "departure", "wait_s", "service_s", "travel_s",
               "distance_m", "weight_g", "volume_ml", "parcels", "cold_parcels", "cold_volume_ml",
               "cold_on_board", "max_cold_exposure_s", "windows", "late_s"]
    return _with_datetimes(pd.DataFrame(rows, columns=columns), problem, tz, ("arrival", "start", "departure"),
                           columns)


def routes_frame(problem: Problem, solution: Solution, *, tz: str | None = None) -> pd.DataFrame:
    """One row per route (see :func:`to_dataframes`)."""
    pd: Any = require("pandas", "viz")
    rows = []
    for route in solution.routes:
        _rider(problem, route)
        stops = route.stops
        start = stops[0].departure_s if stops else 0
        end = stops[-1].arrival_s if stops else 0
        visits = route.visits
        cold = [e for s in stops if s.kind == StopKind.DELIVERY for o, e in s.cold if o == s.order]
        rows.append({
            "rider": route.rider, "orders": len(route.orders),
            "pickups": sum(1 for s in visits if s.kind == StopKind.PICKUP),
            "stops": len(visits), "start_s": start, "end_s": end,
            "start": _hhmm(start), "end": _hhmm(end), "work_s": end - start,
            "travel_s": route.travel_s, "distance_m": route.distance_m,
            "wait_s": sum(s.wait_s for s in visits), "service_s": sum(s.departure_s - s.start_s for s in visits),
            "max_parcels": max((s.load.parcels + s.load.cold_parcels for s in stops), default=0),
            "cold_orders": len(cold), "max_cold_exposure_s": max(cold, default=0),
        })
    columns = ["rider", "orders", "pickups", "stops", "start_s", "end_s", "start", "end", "work_s",
               "travel_s", "distance_m", "wait_s", "service_s", "max_parcels", "cold_orders",
               "max_cold_exposure_s"]
    return _with_datetimes(pd.DataFrame(rows, columns=columns), problem, tz, ("start", "end"), columns)


def orders_frame(problem: Problem, solution: Solution, *, tz: str | None = None) -> pd.DataFrame:
    """One row per order of the problem, served or not (see :func:`to_dataframes`)."""
    pd: Any = require("pandas", "viz")
    rows = []
    for oc in order_outcomes(problem, solution):
        o = oc.order
        rows.append({
            "order": o.id, "pharmacy": o.pharmacy, "temperature": o.temperature, "priority": o.priority,
            "status": "served" if oc.served else "unassigned", "rider": oc.rider,
            "release_s": o.release_s, "pickup_s": oc.pickup_s, "delivery_s": oc.delivery_s,
            "release": _hhmm(o.release_s), "pickup": _hhmm(oc.pickup_s), "delivery": _hhmm(oc.delivery_s),
            "windows": windows_text(o.delivery_windows),
            "target_s": o.target_s, "target": _hhmm(o.target_s),
            "late_s": oc.late_s, "on_time": oc.on_time,
            "lead_s": oc.delivery_s - o.release_s if oc.delivery_s is not None else None,
            "cold_exposure_s": oc.cold_exposure_s, "cold_budget_s": oc.budget_s,
            "reason": oc.reason, "detail": oc.detail, "lat": o.location.lat, "lon": o.location.lon,
        })
    columns = ["order", "pharmacy", "temperature", "priority", "status", "rider", "release_s", "pickup_s",
               "delivery_s", "release", "pickup", "delivery", "windows", "target_s", "target", "late_s",
               "on_time", "lead_s", "cold_exposure_s", "cold_budget_s", "reason", "detail", "lat", "lon"]
    frame = pd.DataFrame(rows, columns=columns)
    # Integers with gaps (NA where an order has none): one dtype whatever the plan, whole seconds in CSV.
    frame = frame.astype(dict.fromkeys(ORDER_SECONDS_MAYBE, "Int64"))
    return _with_datetimes(frame, problem, tz, ("release", "pickup", "delivery", "target"), columns)


def kpis_frame(kpis: Kpis) -> pd.DataFrame:
    """The KPIs as rows ``kpi``, ``value``, ``unit``."""
    pd: Any = require("pandas", "viz")
    rows = [{"kpi": f.name, "value": getattr(kpis, f.name), "unit": KPI_UNITS.get(f.name, "")}
            for f in fields(Kpis)]
    frame = pd.DataFrame(rows, columns=["kpi", "value", "unit"])
    frame["value"] = pd.Series([r["value"] for r in rows], dtype=object)
    return frame


def to_dataframes(problem: Problem, solution: Solution, *, tz: str | None = None) -> dict[str, pd.DataFrame]:
    """The plan as four tables.

    Parameters
    ----------
    problem
        The problem the plan is for (gives locations, windows, budgets).
    solution
        The plan.
    tz
        Timezone of the ``*_at`` datetime columns (an IANA name); default the problem's
        (Asia/Jakarta unless the problem says otherwise).

    Returns
    -------
    dict[str, pandas.DataFrame]
        ``"stops"``: one row per stop (rider, seq, kind, order, lat/lon in degrees, arrival /
        start / departure as seconds, ``HH:MM:SS`` and ``*_at`` datetimes, wait / service / leg
        travel in seconds, leg distance in metres, load after the stop, cold items on board and
        their longest time out of the fridge in seconds, lateness in seconds);
        ``"routes"``: one row per route (orders, start / end, working, riding, waiting and
        service time in seconds, distance in metres, longest cold exposure in seconds);
        ``"orders"``: one row per order of the problem (status served / unassigned, rider,
        pickup and delivery times, lateness, on-time flag, lead time release → door, cold
        exposure and budget in seconds, unassigned reason code and detail);
        ``"kpis"``: the :class:`~medroute.solution.Kpis` as ``kpi``, ``value``, ``unit`` rows.

    Raises
    ------
    InvalidSolutionError
        The plan names a rider or order the problem does not have.
    MissingDependencyError
        Pandas is not installed (``pip install 'medroute[viz]'``).

    Examples
    --------
    >>> from medroute.outputs.frames import to_dataframes
    >>> tables = to_dataframes(problem, solution)  # doctest: +SKIP
    >>> tables["orders"].groupby("status").size()  # doctest: +SKIP
    """
    return {
        "stops": stops_frame(problem, solution, tz=tz),
        "routes": routes_frame(problem, solution, tz=tz),
        "orders": orders_frame(problem, solution, tz=tz),
        "kpis": kpis_frame(solution.kpis),
    }
