"""A plan as a GeoJSON FeatureCollection: pharmacies, stops with ETAs and cold exposure, the legs
ridden (road geometry when a travel backend can draw it) and unassigned orders.

Coordinates follow RFC 7946: ``[lon, lat]`` in WGS84 degrees. Times are given both as seconds from
the start of the problem's day (``*_s``) and as ``"HH:MM:SS"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import require
from ..geo import Location
from ..model import Problem
from ..solution import Solution, StopKind
from ..timefmt import format_clock
from .drawing import leg_geometry, rider_colors
from .frames import cold_budget_s, order_outcomes, placed_stops, windows_text


def _pt(loc: Location) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(loc.lon, 7), round(loc.lat, 7)]}


def _line(points: Sequence[Location]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [[round(p.lon, 7), round(p.lat, 7)] for p in points]}


def solution_geojson(problem: Problem, solution: Solution, backend: Any = None) -> dict[str, Any]:
    """The plan as a GeoJSON ``FeatureCollection`` (a JSON-ready dict).

    Parameters
    ----------
    problem
        The problem the plan is for.
    solution
        The plan.
    backend
        A travel backend with ``path(a, b, *, profile)`` (e.g. the ``osm`` graph or OSRM)
        to draw legs along the roads; ``None`` draws straight segments.

    Returns
    -------
    dict
        Features, each with ``properties.feature`` naming its kind:

        - ``"pharmacy"`` (Point): ``id``, ``name``.
        - ``"stop"`` (Point): ``rider``, ``seq``, ``kind`` (start / pickup / delivery / end),
          ``order``, ``arrival`` / ``start`` / ``departure`` (``HH:MM:SS``) and ``*_s`` (seconds),
          ``wait_s``, ``cold`` (``{order: seconds out of the fridge}`` for every cold item on
          board), ``cold_exposure_s`` and ``cold_budget_s`` for the order delivered there,
          ``late_s`` past its soft target, ``color``.
        - ``"leg"`` (LineString): ``rider``, ``seq`` (of the stop it leads to), ``from`` / ``to``
          (``HH:MM:SS``), ``travel_s``, ``distance_m``, ``path`` (``"road"`` or ``"straight"``),
          ``color``.
        - ``"unassigned"`` (Point at the door): ``order``, ``reason``, ``detail``.

        The collection's own ``properties`` hold the KPIs, the engine and the problem's name.

    Raises
    ------
    InvalidSolutionError
        The plan names a rider or order the problem does not have.
    """
    colors = rider_colors(problem, solution)
    features: list[dict[str, Any]] = []
    for ph in problem.pharmacies:
        features.append({"type": "Feature", "geometry": _pt(ph.location),
                         "properties": {"feature": "pharmacy", "id": ph.id, "name": ph.name or ph.id}})
    cache: dict[tuple[Location, Location, str], tuple[list[Location], str]] = {}
    for route in solution.routes:
        color = colors[route.rider]
        prev: Location | None = None
        prev_dep = 0
        for ps in placed_stops(problem, route):
            s, o = ps.stop, ps.order
            if prev is not None and (prev != ps.location or s.travel_s > 0):
                pts, how = leg_geometry(backend, prev, ps.location, ps.rider.profile, cache)
                features.append({"type": "Feature", "geometry": _line(pts), "properties": {
                    "feature": "leg", "rider": route.rider, "seq": ps.seq, "from": format_clock(prev_dep),
                    "to": format_clock(s.arrival_s), "from_s": prev_dep, "to_s": s.arrival_s,
                    "travel_s": s.travel_s, "distance_m": s.distance_m, "path": how, "color": color}})
            props: dict[str, Any] = {
                "feature": "stop", "rider": route.rider, "seq": ps.seq, "kind": s.kind.value,
                "order": s.order, "arrival": format_clock(s.arrival_s), "start": format_clock(s.start_s),
                "departure": format_clock(s.departure_s), "arrival_s": s.arrival_s, "start_s": s.start_s,
                "departure_s": s.departure_s, "wait_s": s.wait_s, "cold": dict(s.cold), "color": color,
            }
            if s.kind == StopKind.DELIVERY and o is not None:
                props["cold_exposure_s"] = dict(s.cold).get(o.id)
                props["cold_budget_s"] = cold_budget_s(problem, o, ps.rider) if o.needs_coolbox else o.max_ride_s
                props["late_s"] = max(0, s.start_s - o.target_s) if o.target_s is not None else 0
                props["windows"] = windows_text(o.delivery_windows)
                props["temperature"] = o.temperature
            if s.kind == StopKind.PICKUP and o is not None:
                props["pharmacy"] = o.pharmacy
                props["temperature"] = o.temperature
            features.append({"type": "Feature", "geometry": _pt(ps.location), "properties": props})
            prev, prev_dep = ps.location, s.departure_s
    for oc in order_outcomes(problem, solution):
        if oc.served:
            continue
        features.append({"type": "Feature", "geometry": _pt(oc.order.location), "properties": {
            "feature": "unassigned", "order": oc.order.id, "pharmacy": oc.order.pharmacy,
            "reason": oc.reason, "detail": oc.detail}})
    kpis = {k: getattr(solution.kpis, k) for k in solution.kpis.__dataclass_fields__}
    return {"type": "FeatureCollection", "features": features,
            "properties": {"problem": problem.name, "day": problem.day.isoformat(),
                           "timezone": problem.timezone, "engine": solution.engine, "kpis": kpis}}


def to_geojson(problem: Problem, solution: Solution, backend: Any = None) -> dict[str, Any]:
    """Alias of :func:`solution_geojson`."""
    return solution_geojson(problem, solution, backend)


def to_geodataframe(problem: Problem, solution: Solution, backend: Any = None) -> Any:
    """The features of :func:`solution_geojson` as a :class:`geopandas.GeoDataFrame` (EPSG:4326).

    Nested properties (``cold``) stay Python dicts. Needs geopandas (``medroute[osm]``).
    """
    gpd: Any = require("geopandas", "osm")
    fc = solution_geojson(problem, solution, backend)
    return gpd.GeoDataFrame.from_features(fc["features"], crs="EPSG:4326")
