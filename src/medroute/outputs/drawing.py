"""What the figures, the map and the GeoJSON draw alike: the geometry of every leg (roads, and the
straight lines that are not roads) and the colours of riders and pharmacies.

Colours stay readable at 150 riders: riders are grouped by their *home pharmacy* (the pharmacy of
their first pickup) and take consecutive palette colours in that order, so the riders of one
pharmacy (up to 20), whose routes share streets, never share a colour; each pharmacy has its own
colour for overviews that colour by pharmacy.

A leg is drawn in *runs*: ``"road"`` (along the road network), ``"bridge"`` (a straight line that
stands for travel the road data does not hold: a link between road clusters, or a leg the backend
could not route; drawn dashed) or ``"line"`` (straight by model: no road backend at all).
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..defaults import DEFAULT_PROFILE
from ..errors import MedrouteError
from ..geo import Location
from ..model import Problem
from ..solution import Solution, StopKind
from .frames import placed_stops

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
           "#7b4173", "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d",
           "#9edae5", "#393b79", "#8c6d31", "#637939")
"""matplotlib's tab10, the light tab20 shades and four dark tab20b ones, without greys (they read as
roads) and without red and salmon (reserved for :data:`UNASSIGNED_COLOR`): the first nine are the
most distinct."""
UNASSIGNED_COLOR = "#e00000"
"""The colour of unassigned orders, which no rider or pharmacy takes."""

RunKind = Literal["road", "bridge", "line"]
NO_PHARMACY = ""
"""Group key of routes without a pickup (riders only delivering what they already carry)."""


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of a leg drawn one way: ``points`` (endpoints included) and its ``kind``."""

    points: tuple[Location, ...]
    kind: RunKind


def home_pharmacies(problem: Problem, solution: Solution) -> dict[str, str]:
    """Each route's rider → the pharmacy of its first pickup (:data:`NO_PHARMACY` when none)."""
    out: dict[str, str] = {}
    for route in solution.routes:
        first = next((s.order for s in route.stops if s.kind == StopKind.PICKUP and s.order), None)
        order = problem.order.get(first) if first else None
        out[route.rider] = order.pharmacy if order is not None else NO_PHARMACY
    return out


def route_groups(problem: Problem, solution: Solution) -> dict[str, list[str]]:
    """Riders by home pharmacy, pharmacies in the problem's order (routes without a pickup last)."""
    home = home_pharmacies(problem, solution)
    keys = [p.id for p in problem.pharmacies] + [NO_PHARMACY]
    groups = {k: [r for r, h in home.items() if h == k] for k in keys}
    return {k: riders for k, riders in groups.items() if riders}


def rider_colors(problem: Problem, solution: Solution) -> dict[str, str]:
    """A ``#rrggbb`` colour per rider: consecutive palette colours in home-pharmacy order, so the
    riders of one pharmacy (up to 20) never share a colour and neighbouring groups differ."""
    riders = [r for group in route_groups(problem, solution).values() for r in group]
    return {r: PALETTE[i % len(PALETTE)] for i, r in enumerate(riders)}


def pharmacy_colors(problem: Problem) -> dict[str, str]:
    """A ``#rrggbb`` colour per pharmacy id (cycling after 20), and grey for :data:`NO_PHARMACY`."""
    colors = {p.id: PALETTE[i % len(PALETTE)] for i, p in enumerate(problem.pharmacies)}
    colors[NO_PHARMACY] = "#555555"
    return colors


def wrapped_name(text: str, width: int = 28, lines: int = 2) -> str:
    """``text`` wrapped at word boundaries into lines of about ``width`` characters (for legends
    and panel titles); only text beyond ``lines`` lines is cut, with an ellipsis."""
    parts = textwrap.wrap(text, width, break_long_words=True) or [text]
    if len(parts) > lines:
        last = " ".join(parts[lines - 1:])
        parts = [*parts[: lines - 1], last[: width - 1].rstrip() + "…"]
    return "\n".join(parts)


class PathCache:
    """Wraps a travel backend so each ``path(a, b, profile=...)`` is computed once (writing the
    GeoJSON, the figures and the map of one plan asks for the same legs several times)."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.name = getattr(backend, "name", "cached")
        self._paths: dict[tuple[Location, Location, str], list[Location]] = {}

    def path(self, a: Location, b: Location, *, profile: str = DEFAULT_PROFILE) -> list[Location]:
        key = (a, b, profile)
        if key not in self._paths:
            self._paths[key] = list(self.backend.path(a, b, profile=profile))
        return self._paths[key]


def road_graph_of(backend: Any) -> Any:
    """The compiled road graph behind ``backend`` (through wrappers such as :class:`PathCache`
    and :class:`~medroute.travel.CachedBackend`), or ``None``."""
    seen = 0
    while backend is not None and seen < 5:
        graph = getattr(backend, "graph", None)
        if graph is not None and hasattr(graph, "weights"):
            return graph
        backend = getattr(backend, "inner", None) or getattr(backend, "backend", None)
        seen += 1
    return None


def bridge_segments(backend: Any) -> frozenset[tuple[Location, Location]]:
    """The (from, to) coordinates of the road graph's bridges (see
    :attr:`~medroute.travel.RoadGraph.bridges`), empty without a road graph."""
    graph = road_graph_of(backend)
    if graph is None or not getattr(graph, "bridges", None):
        return frozenset()
    lat, lon = graph.lat, graph.lon
    return frozenset((Location(float(lat[u]), float(lon[u])), Location(float(lat[v]), float(lon[v])))
                     for u, v in graph.bridges)


def leg_geometry(backend: Any, a: Location, b: Location, profile: str,
                 cache: dict[tuple[Location, Location, str], tuple[list[Location], str]] | None = None
                 ) -> tuple[list[Location], str]:
    """The points ridden from ``a`` to ``b`` and how they were found.

    Returns ``(points, "road")`` from ``backend.path(a, b, profile=...)`` when the backend draws
    one with more than its two endpoints, else ``(points, "straight")``: a straight segment (no
    backend, a straight-line backend such as haversine, or a path the backend could not find —
    a :class:`~medroute.errors.MedrouteError` from ``path`` is not raised, the leg is drawn
    straight and marked so).
    """
    key = (a, b, profile)
    if cache is not None and key in cache:
        return cache[key]
    result: tuple[list[Location], str] = ([a, b], "straight")
    if backend is not None and a != b:
        try:
            pts = list(backend.path(a, b, profile=profile))
        except MedrouteError:
            pts = []
        if len(pts) > 2:
            result = (pts, "road")
    if cache is not None:
        cache[key] = result
    return result


class LegDrawer:
    """Splits legs into :class:`Run` s for one plan's backend, remembering paths already found."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.roads = road_graph_of(backend) is not None or _draws_roads(backend)
        self.bridges = bridge_segments(backend)
        self._cache: dict[tuple[Location, Location, str], tuple[list[Location], str]] = {}

    def runs(self, a: Location, b: Location, profile: str) -> list[Run]:
        """The runs of the leg ``a`` → ``b`` (none when ``a == b``)."""
        if a == b:
            return []
        pts, how = leg_geometry(self.backend, a, b, profile, self._cache)
        if how == "straight":
            return [Run((a, b), "bridge" if self.roads else "line")]
        out: list[Run] = []
        for p, q in itertools.pairwise(pts):
            kind: RunKind = "bridge" if (p, q) in self.bridges else "road"
            if out and out[-1].kind == kind:
                out[-1] = Run((*out[-1].points, q), kind)
            else:
                out.append(Run((p, q), kind))
        return out

    def route_runs(self, problem: Problem, rider: str, solution: Solution) -> list[Run]:
        """Every run of ``rider``'s route, in riding order."""
        route = solution.route_of(rider)
        if route is None:
            return []
        out: list[Run] = []
        prev: Location | None = None
        for ps in placed_stops(problem, route):
            if prev is not None:
                out.extend(self.runs(prev, ps.location, ps.rider.profile))
            prev = ps.location
        return out


def _draws_roads(backend: Any) -> bool:
    name = str(getattr(backend, "name", ""))
    return backend is not None and name.removeprefix("cached-") not in ("", "haversine", "matrix")


def split_runs(runs: Sequence[Run]) -> tuple[list[list[Location]], list[list[Location]]]:
    """(solid parts, dashed parts): consecutive runs of one style joined into polylines."""
    solid: list[list[Location]] = []
    dashed: list[list[Location]] = []
    last: str | None = None
    for run in runs:
        style = "dashed" if run.kind == "bridge" else "solid"
        target = dashed if style == "dashed" else solid
        if last == style and target:
            target[-1].extend(run.points[1:])
        else:
            target.append(list(run.points))
        last = style
    return solid, dashed


BBox = tuple[float, float, float, float]
"""``(lon0, lat0, lon1, lat1)``, degrees."""


@dataclass(frozen=True, eq=False)
class RoadSegments:
    """A road graph's edges as ``(n, 2, 2)`` arrays of ``[[lon, lat], [lon, lat]]``, each
    street once (not once per direction), the bridges (:attr:`~medroute.travel.RoadGraph.bridges`)
    apart."""

    roads: NDArray[np.float64]
    bridges: NDArray[np.float64]

    def inside(self, bbox: BBox) -> RoadSegments:
        """The segments with an end inside ``bbox``."""
        return RoadSegments(_inside(self.roads, bbox), _inside(self.bridges, bbox))


def road_segments(graph: Any, bbox: BBox | None = None) -> RoadSegments:
    """The edges of ``graph`` (a :class:`~medroute.travel.RoadGraph`, a backend holding one, or
    a networkx graph with node ``x`` / ``y`` in degrees) with an end inside ``bbox``.

    Raises
    ------
    TypeError
        ``graph`` is none of these.
    """
    compiled = road_graph_of(graph) if not hasattr(graph, "weights") else graph
    if compiled is not None:
        coo = compiled.weights.tocoo()
        u, v = coo.row.astype(np.int64), coo.col.astype(np.int64)
        lon, lat = np.asarray(compiled.lon), np.asarray(compiled.lat)
        flagged: frozenset[tuple[int, int]] = getattr(compiled, "bridges", frozenset())
        is_bridge = np.array([(int(a), int(b)) in flagged for a, b in zip(u, v, strict=True)], dtype=bool) \
            if flagged else np.zeros(len(u), dtype=bool)
    elif hasattr(graph, "edges") and hasattr(graph, "nodes"):  # networkx, osmnx convention
        index = {n: i for i, n in enumerate(graph.nodes)}
        edges = [(index[a], index[b], d.get("medroute_bridge") in (True, 1, "True", "true", "1"))
                 for a, b, d in graph.edges(data=True)]
        u = np.array([e[0] for e in edges], dtype=np.int64)
        v = np.array([e[1] for e in edges], dtype=np.int64)
        is_bridge = np.array([e[2] for e in edges], dtype=bool)
        lon = np.array([float(graph.nodes[n]["x"]) for n in graph.nodes])
        lat = np.array([float(graph.nodes[n]["y"]) for n in graph.nodes])
    else:
        raise TypeError(f"cannot draw a road graph from {type(graph).__name__}")
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    _, first = np.unique(lo * (len(lon) + 1) + hi, return_index=True)
    u, v, is_bridge = u[first], v[first], is_bridge[first]
    segs = np.stack([np.column_stack([lon[u], lat[u]]), np.column_stack([lon[v], lat[v]])], axis=1)
    out = RoadSegments(segs[~is_bridge], segs[is_bridge])
    return out if bbox is None else out.inside(bbox)


def _inside(segs: NDArray[np.float64], bbox: BBox) -> NDArray[np.float64]:
    x0, y0, x1, y1 = bbox
    ends = (segs[:, :, 0] >= x0) & (segs[:, :, 0] <= x1) & (segs[:, :, 1] >= y0) & (segs[:, :, 1] <= y1)
    return segs[ends.any(axis=1)]


def bbox_of(points: Sequence[Location], margin_deg: float = 0.0) -> BBox:
    """The box around ``points`` grown by ``margin_deg`` on every side."""
    return (min(p.lon for p in points) - margin_deg, min(p.lat for p in points) - margin_deg,
            max(p.lon for p in points) + margin_deg, max(p.lat for p in points) + margin_deg)
