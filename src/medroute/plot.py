"""Matplotlib figures of a plan: routes on the map, every rider's day as a Gantt timeline, and the
time each cold item spent out of the fridge against its budget.

All functions draw with the non-interactive Agg backend (safe on servers and in CI), return the
:class:`matplotlib.figure.Figure` and accept an existing ``ax``. Needs matplotlib
(``pip install 'medroute[viz]'``).

Artists carry labels so figures can be tested by structure: in :func:`plot_routes` every route is
exactly one ``Line2D`` labelled with the rider id; in :func:`plot_timeline` the y tick labels are
the rider ids; in :func:`plot_cold_exposure` the y tick labels are the cold order ids.
"""

from __future__ import annotations

from typing import Any

from .errors import require
from .frames import order_outcomes, placed_stops
from .geo import Location
from .geojson import leg_geometry, rider_colors
from .model import Problem
from .solution import Solution, StopKind

PHASE_COLORS = {"riding": "#4c72b0", "waiting": "#dddddd", "pickup": "#55a868", "delivery": "#c44e52"}
"""Colours of the timeline's phases."""


def _pyplot() -> Any:
    mpl: Any = require("matplotlib", "viz")
    if mpl.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        mpl.use("Agg", force=True)
    return require("matplotlib.pyplot", "viz")


def _figure(ax: Any, size: tuple[float, float]) -> tuple[Any, Any]:
    plt = _pyplot()
    if ax is not None:
        return ax.figure, ax
    fig, new_ax = plt.subplots(figsize=size, layout="constrained")
    return fig, new_ax


def _road_segments(graph: Any, bbox: tuple[float, float, float, float]) -> list[list[tuple[float, float]]]:
    """(lon, lat) segments of the road graph's edges inside ``bbox`` (lon0, lat0, lon1, lat1)."""
    import numpy as np

    inner = graph
    if hasattr(getattr(graph, "graph", None), "weights"):  # GraphBackend → RoadGraph
        inner = graph.graph
    if hasattr(inner, "weights") and hasattr(inner, "lat"):
        coo = inner.weights.tocoo()
        lon, lat = np.asarray(inner.lon), np.asarray(inner.lat)
        u, v = coo.row, coo.col
        x0, y0, x1, y1 = bbox
        keep = (lon[u] >= x0) & (lon[u] <= x1) & (lat[u] >= y0) & (lat[u] <= y1)
        return [[(float(lon[a]), float(lat[a])), (float(lon[b]), float(lat[b]))]
                for a, b in zip(u[keep], v[keep], strict=True)]
    if hasattr(inner, "edges") and hasattr(inner, "nodes"):  # networkx graph, osmnx convention
        nodes = inner.nodes
        segs = []
        for a, b in inner.edges():
            xa, ya = float(nodes[a]["x"]), float(nodes[a]["y"])
            if bbox[0] <= xa <= bbox[2] and bbox[1] <= ya <= bbox[3]:
                segs.append([(xa, ya), (float(nodes[b]["x"]), float(nodes[b]["y"]))])
        return segs
    raise TypeError(f"plot_routes: cannot draw a road graph from {type(graph).__name__}")


def route_points(problem: Problem, solution: Solution, backend: Any = None) -> dict[str, list[Location]]:
    """Every route as the list of points ridden (road geometry when ``backend`` draws it)."""
    cache: dict[tuple[Location, Location, str], tuple[list[Location], str]] = {}
    out: dict[str, list[Location]] = {}
    for route in solution.routes:
        pts: list[Location] = []
        for ps in placed_stops(problem, route):
            if not pts:
                pts.append(ps.location)
                continue
            leg, _ = leg_geometry(backend, pts[-1], ps.location, ps.rider.profile, cache)
            pts.extend(leg[1:])
        out[route.rider] = pts
    return out


def plot_routes(problem: Problem, solution: Solution, *, graph: Any = None, backend: Any = None,
                ax: Any = None, title: str | None = None, margin_deg: float = 0.01) -> Any:
    """Routes on plain longitude/latitude axes, optionally over the road graph.

    Parameters
    ----------
    problem, solution : the problem and its plan.
    graph : a road graph to draw underneath in light grey: a
        :class:`~medroute.travel.graph.RoadGraph`, a :class:`~medroute.travel.graph.GraphBackend`
        or a networkx graph with node ``x`` / ``y`` in degrees. Only edges near the plan are drawn.
    backend : a travel backend whose ``path`` gives each leg's road geometry; ``None`` draws
        straight legs (``graph`` alone does not route the legs).
    ax : an existing axes to draw into.
    title : axes title.
    margin_deg : margin around the plan's extent for the road graph, degrees.

    Returns
    -------
    matplotlib.figure.Figure
        One ``Line2D`` per route labelled with the rider id; pharmacies (squares), delivered
        doors (circles) and unassigned doors (crosses) as scatter collections.
    """
    fig, ax = _figure(ax, (8.0, 8.0))
    colors = rider_colors([r.rider for r in solution.routes])
    points = route_points(problem, solution, backend)
    all_pts = [p.location for p in problem.pharmacies] + [o.location for o in problem.orders]
    all_pts += [p for pts in points.values() for p in pts]
    if graph is not None and all_pts:
        mcoll: Any = require("matplotlib.collections", "viz")
        bbox = (min(p.lon for p in all_pts) - margin_deg, min(p.lat for p in all_pts) - margin_deg,
                max(p.lon for p in all_pts) + margin_deg, max(p.lat for p in all_pts) + margin_deg)
        segs = _road_segments(graph, bbox)
        ax.add_collection(mcoll.LineCollection(segs, colors="#cccccc", linewidths=0.5, zorder=0,
                                               label="_roads"))
    for rider, pts in points.items():
        ax.plot([p.lon for p in pts], [p.lat for p in pts], color=colors[rider], linewidth=1.8,
                label=rider, zorder=2)
    if problem.pharmacies:
        ax.scatter([p.location.lon for p in problem.pharmacies], [p.location.lat for p in problem.pharmacies],
                   marker="s", s=60, color="black", zorder=4, label="pharmacy")
    outcomes = order_outcomes(problem, solution)
    served = [oc.order.location for oc in outcomes if oc.served]
    unserved = [oc.order.location for oc in outcomes if not oc.served]
    if served:
        ax.scatter([p.lon for p in served], [p.lat for p in served], s=18, color="white", edgecolors="black",
                   linewidths=0.8, zorder=3, label="delivered")
    if unserved:
        ax.scatter([p.lon for p in unserved], [p.lat for p in unserved], s=40, marker="x", color="red",
                   zorder=3, label="unassigned")
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.set_title(title or f"Routes — {problem.name or 'plan'}")
    if points or served or unserved:
        ax.legend(loc="best", fontsize="small")
    return fig


def plot_timeline(problem: Problem, solution: Solution, *, ax: Any = None, title: str | None = None) -> Any:
    """Every rider's day as a Gantt chart.

    One row per route (y tick labels are the rider ids); time on the x axis in hours of the
    problem's day. Bars: riding (leg into each stop), waiting (arrival → service start), pickup
    handover and door handover. A thin orange band under a row marks the time with cold items
    on board, annotated with their number.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _figure(ax, (10.0, 0.6 * max(3, len(solution.routes)) + 1.5))
    mpatches: Any = require("matplotlib.patches", "viz")
    h = 3600.0
    for row, route in enumerate(solution.routes):
        bars: dict[str, list[tuple[float, float]]] = {k: [] for k in PHASE_COLORS}
        cold_spans: list[tuple[float, float, int]] = []
        prev_dep: int | None = None
        prev_cold = 0
        for s in route.stops:
            if prev_dep is not None and s.arrival_s > prev_dep:
                bars["riding"].append((prev_dep / h, (s.arrival_s - prev_dep) / h))
            if s.wait_s > 0 and s.kind in (StopKind.PICKUP, StopKind.DELIVERY):
                bars["waiting"].append((s.arrival_s / h, s.wait_s / h))
            if s.kind in (StopKind.PICKUP, StopKind.DELIVERY) and s.departure_s > s.start_s:
                bars[s.kind.value].append((s.start_s / h, (s.departure_s - s.start_s) / h))
            if prev_dep is not None and prev_cold:
                cold_spans.append((prev_dep / h, (s.start_s - prev_dep) / h, prev_cold))
            on_board = s.load.cold_parcels
            prev_dep, prev_cold = s.departure_s, on_board
        for phase, spans in bars.items():
            if spans:
                ax.broken_barh(spans, (row - 0.3, 0.5), facecolors=PHASE_COLORS[phase], label=f"_{phase}")
        for x, w, n in cold_spans:
            ax.broken_barh([(x, w)], (row + 0.22, 0.1), facecolors="#ff9f1c", label="_cold")
            if w > 0.15:
                ax.text(x + w / 2, row + 0.42, f"{n} cold", ha="center", va="bottom",
                        fontsize=6, color="#b35c00")
    ax.set_yticks(range(len(solution.routes)), [r.rider for r in solution.routes])
    ax.set_ylim(-0.7, max(0.7, len(solution.routes) - 0.3))
    ax.invert_yaxis()
    ax.set_xlabel(f"time of day (h, {problem.timezone})")
    ax.set_title(title or "Riders' day: riding, waiting, handovers; cold items on board")
    ax.grid(axis="x", alpha=0.3)
    handles = [mpatches.Patch(color=c, label=k) for k, c in PHASE_COLORS.items()]
    handles.append(mpatches.Patch(color="#ff9f1c", label="cold items on board"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize="small", ncols=5)
    return fig


def plot_cold_exposure(problem: Problem, solution: Solution, *, ax: Any = None, title: str | None = None) -> Any:
    """Time out of the fridge of every delivered cold item against its budget.

    One horizontal bar per cold order served (y tick labels are the order ids), length = minutes
    from the end of the pickup handover to the start of the door handover; a black tick marks
    the budget (the order's budget capped by its rider's cool-box hold time). Bars over budget
    are red. With no cold item served the axes say so.

    Returns
    -------
    matplotlib.figure.Figure
    """
    cold = [oc for oc in order_outcomes(problem, solution)
            if oc.served and oc.order.needs_coolbox and oc.cold_exposure_s is not None]
    fig, ax = _figure(ax, (8.0, 0.3 * max(4, len(cold)) + 1.5))
    if not cold:
        ax.text(0.5, 0.5, "no cold item served", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    else:
        ys = list(range(len(cold)))
        values = [(oc.cold_exposure_s or 0) / 60 for oc in cold]
        over = [oc.budget_s is not None and (oc.cold_exposure_s or 0) > oc.budget_s for oc in cold]
        ax.barh(ys, values, color=["#d62728" if o else "#1f77b4" for o in over], label="time out of fridge")
        budgets = [(y, oc.budget_s / 60) for y, oc in zip(ys, cold, strict=True) if oc.budget_s is not None]
        if budgets:
            ax.scatter([b for _, b in budgets], [y for y, _ in budgets], marker="|", s=200, color="black",
                       zorder=3, label="budget")
        ax.set_yticks(ys, [oc.order.id for oc in cold])
        ax.invert_yaxis()
        ax.legend(loc="lower right", fontsize="small")
    ax.set_xlabel("minutes out of the fridge (pickup handover end → door)")
    ax.set_title(title or "Cold chain: exposure per item vs budget")
    return fig


def save_figure(fig: Any, path: Any, *, dpi: int = 120) -> None:
    """Save ``fig`` as PNG at ``dpi`` dots per inch and close it (frees pyplot's memory)."""
    plt = _pyplot()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
