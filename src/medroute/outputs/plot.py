"""Matplotlib figures of a plan that stay legible from 2 riders to 150: routes on the map (and
one small map per home pharmacy), every rider's day as a Gantt timeline in pages or as one
activity chart, and the time each cold item spent out of the fridge against its budget.

All functions draw on the backend in use — inline in a notebook, a window after ``plt.show()``,
Agg where there is no display (matplotlib's own choice; the command line always uses Agg) — return
the :class:`matplotlib.figure.Figure` and (except the multi-panel ones) accept an existing ``ax``.
Needs matplotlib (``pip install 'medroute[viz]'``).

Artists carry labels so figures can be tested by structure: in :func:`plot_routes` every route is
exactly one ``Line2D`` labelled with the rider id (its straight stretches that are not roads are
a second, dashed ``Line2D`` labelled ``_bridge:<rider>``); in :func:`plot_timeline` the y tick
labels are the rider ids; in :func:`plot_cold_exposure` (up to ``max_items`` items) the y tick
labels are the cold order ids.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from ..errors import require
from ..geo import Location
from ..model import Problem
from ..solution import Route, Solution, StopKind
from .drawing import (
    NO_PHARMACY,
    UNASSIGNED_COLOR,
    BBox,
    LegDrawer,
    bbox_of,
    home_pharmacies,
    pharmacy_colors,
    rider_colors,
    road_segments,
    route_groups,
    split_runs,
    wrapped_name,
)
from .frames import order_outcomes

PHASE_COLORS = {"riding": "#4c72b0", "waiting": "#dddddd", "pickup": "#55a868", "delivery": "#c44e52"}
"""Colours of the timeline's phases."""
COLD_COLOR = "#ff9f1c"
BRIDGE_STYLE = (0, (4, 3))
"""Dash pattern of straight lines that are not roads."""
RIDER_LEGEND_MAX = 12
"""Up to this many routes, :func:`plot_routes` colours by rider with one legend entry each;
beyond, by home pharmacy: at that scale a pharmacy's routes lie too close to tell its riders apart
by colour, which :func:`plot_route_panels` does, one map per pharmacy."""
PHARMACY_LEGEND_TITLE = "home pharmacy (riders);\nits riders share its colour"
"""Title of :func:`plot_routes`' legend when it colours by home pharmacy."""
TIMELINE_PAGE = 40
"""Riders per page of :func:`plot_timeline`."""
COLD_ITEMS_MAX = 40
"""Up to this many cold items, :func:`plot_cold_exposure` draws one labelled bar each."""
LEGEND_MAX = 24
"""Most entries a legend lists before it says how many more there are."""
COLD_LABEL_PT = 6
"""Font size of the timeline's cold-item counts, points."""
PANEL_LEGEND_COLS = 4
"""Columns of the rider legend under each small-multiple map."""


def _pyplot() -> Any:
    """pyplot on the backend in use: the caller's choice is kept (the command line picks Agg)."""
    return require("matplotlib.pyplot", "viz")


def _figure(ax: Any, size: tuple[float, float]) -> tuple[Any, Any]:
    plt = _pyplot()
    if ax is not None:
        return ax.figure, ax
    fig, new_ax = plt.subplots(figsize=size, layout="constrained")
    return fig, new_ax


def _xy(parts: Sequence[Sequence[Location]]) -> tuple[list[float], list[float]]:
    """Polylines joined into one line with NaN gaps between them."""
    xs: list[float] = []
    ys: list[float] = []
    for part in parts:
        if xs:
            xs.append(math.nan)
            ys.append(math.nan)
        xs.extend(p.lon for p in part)
        ys.extend(p.lat for p in part)
    return xs, ys


def _draw_roads(ax: Any, graph: Any, bbox: BBox) -> None:
    mcoll: Any = require("matplotlib.collections", "viz")
    ax.add_collection(mcoll.LineCollection(road_segments(graph, bbox).roads, colors="#cccccc", linewidths=0.5,
                                           zorder=0, label="_roads"), autolim=False)


def _draw_route(ax: Any, drawer: LegDrawer, problem: Problem, solution: Solution, rider: str, color: str,
                width: float) -> bool:
    """One route: a solid Line2D labelled ``rider``, its bridges dashed. True if it has bridges."""
    solid, dashed = split_runs(drawer.route_runs(problem, rider, solution))
    ax.plot(*_xy(solid), color=color, linewidth=width, label=rider, zorder=2)
    if dashed:
        ax.plot(*_xy(dashed), color=color, linewidth=width * 0.8, linestyle=BRIDGE_STYLE, label=f"_bridge:{rider}",
                zorder=2)
    return bool(dashed)


def _draw_places(ax: Any, problem: Problem, solution: Solution, *, door_size: float) -> list[Any]:
    """Pharmacies, delivered and unassigned doors; returns their legend handles."""
    handles = []
    if problem.pharmacies:
        handles.append(ax.scatter([p.location.lon for p in problem.pharmacies],
                                  [p.location.lat for p in problem.pharmacies],
                                  marker="s", s=50, color="black", zorder=4, label="pharmacy"))
    outcomes = order_outcomes(problem, solution)
    served = [oc.order.location for oc in outcomes if oc.served]
    unserved = [oc.order.location for oc in outcomes if not oc.served]
    if served:
        handles.append(ax.scatter([p.lon for p in served], [p.lat for p in served], s=door_size, color="white",
                                  edgecolors="black", linewidths=0.6, zorder=3, label="delivered"))
    if unserved:
        handles.append(ax.scatter([p.lon for p in unserved], [p.lat for p in unserved], s=40, marker="x",
                                  color=UNASSIGNED_COLOR, zorder=3, label="unassigned"))
    return handles


def _proxy(color: str, label: str, dashed: bool = False) -> Any:
    mlines: Any = require("matplotlib.lines", "viz")
    return mlines.Line2D([], [], color=color, linewidth=2, linestyle=BRIDGE_STYLE if dashed else "-", label=label)


def _capped(handles: list[Any]) -> list[Any]:
    if len(handles) <= LEGEND_MAX:
        return handles
    mpatches: Any = require("matplotlib.patches", "viz")
    rest = len(handles) - (LEGEND_MAX - 1)
    return [*handles[: LEGEND_MAX - 1], mpatches.Patch(color="none", label=f"… and {rest} more")]


def plot_routes(problem: Problem, solution: Solution, *, graph: Any = None, backend: Any = None,
                ax: Any = None, title: str | None = None, margin_deg: float = 0.01,
                color_by: Literal["auto", "rider", "pharmacy"] = "auto") -> Any:
    """Routes on plain longitude/latitude axes, optionally over the road graph.

    Parameters
    ----------
    problem, solution
        The problem and its plan.
    graph
        A road graph to draw underneath in light grey: a
        :class:`~medroute.travel.graph.RoadGraph`, a :class:`~medroute.travel.graph.GraphBackend`
        or a networkx graph with node ``x`` / ``y`` in degrees. Only edges near the plan are
        drawn, and only roads: the straight bridges between road clusters are not (a route
        that takes one draws it dashed).
    backend
        A travel backend whose ``path`` gives each leg's road geometry; ``None`` draws
        straight legs (``graph`` alone does not route the legs). Stretches that are not roads
        (cluster bridges, legs the backend could not route) are drawn dashed.
    ax
        An existing axes to draw into.
    title
        Axes title.
    margin_deg
        Margin around the plan's extent for the road graph, degrees.
    color_by
        ``"rider"`` (a colour and a legend entry per rider), ``"pharmacy"`` (a colour per
        home pharmacy, the pharmacy of the rider's first pickup, shared by all its riders, as the
        title and the legend say; the legend lists pharmacies) or ``"auto"``: by rider up to
        :data:`RIDER_LEGEND_MAX` routes, else by pharmacy (:func:`plot_route_panels` tells each
        pharmacy's riders apart).

    Returns
    -------
    matplotlib.figure.Figure
        One ``Line2D`` per route labelled with the rider id; pharmacies (squares), delivered
        doors (circles) and unassigned doors (crosses) as scatter collections; the legend beside
        the map, at most :data:`LEGEND_MAX` entries.
    """
    by_rider = color_by == "rider" or (color_by == "auto" and len(solution.routes) <= RIDER_LEGEND_MAX)
    fig, ax = _figure(ax, (11.0, 8.0))
    drawer = LegDrawer(backend)
    colors = rider_colors(problem, solution) if by_rider else {
        r: pharmacy_colors(problem)[h] for r, h in home_pharmacies(problem, solution).items()}
    pts = [p.location for p in problem.pharmacies] + [o.location for o in problem.orders]
    if graph is not None and pts:
        _draw_roads(ax, graph, bbox_of(pts, margin_deg))
    width = 1.8 if len(solution.routes) <= RIDER_LEGEND_MAX else 1.1
    bridged = [_draw_route(ax, drawer, problem, solution, r.rider, colors[r.rider], width) for r in solution.routes]
    places = _draw_places(ax, problem, solution, door_size=18 if len(problem.orders) <= 200 else 8)
    if by_rider:
        handles = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    else:
        pc = pharmacy_colors(problem)
        names = {p.id: p.name or p.id for p in problem.pharmacies} | {NO_PHARMACY: "no pickup"}
        handles = [_proxy(pc[k], f"{wrapped_name(names[k], 40)} ({len(v)})") for k, v in
                   route_groups(problem, solution).items()]
    extra = [_proxy("#555555", "straight line, no road data", dashed=True)] if any(bridged) else []
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.set_title(title or f"Routes — {problem.name or 'plan'} ({len(solution.routes)} riders"
                 + ("" if by_rider else ", a colour per home pharmacy") + ")")
    if handles or places:
        ax.legend(handles=[*_capped(handles), *places, *extra], loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize="small", title=None if by_rider else PHARMACY_LEGEND_TITLE, title_fontsize="small")
    return fig


def plot_route_panels(problem: Problem, solution: Solution, *, graph: Any = None, backend: Any = None,
                      max_panels: int = 30, title: str | None = None) -> Any:
    """Small multiples: one map per home pharmacy, zoomed on the doors its riders serve.

    Inside a panel each rider has its own colour (distinct within the panel), listed in a legend
    under the panel; straight stretches that are not roads are dashed; the pharmacy's unassigned
    orders are red crosses. With more groups than ``max_panels`` the largest are shown and the
    title says how many are left out.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per panel, titled with the pharmacy's full name (wrapped), its riders and
        orders; its legend lists each rider (and ``unassigned`` when the panel has any).
    """
    plt = _pyplot()
    groups = route_groups(problem, solution)
    stranded = {oc.order.pharmacy for oc in order_outcomes(problem, solution) if not oc.served}
    groups |= {p.id: [] for p in problem.pharmacies if p.id in stranded and p.id not in groups}
    shown = sorted(groups, key=lambda k: -len(groups[k]))[:max(1, max_panels)]
    shown = [k for k in groups if k in shown]
    ncols = min(5, max(1, math.ceil(math.sqrt(len(shown)))))
    nrows = max(1, math.ceil(len(shown) / ncols))
    legend_rows = max(math.ceil((len(groups[k]) + 1) / PANEL_LEGEND_COLS) for k in shown)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.4 * ncols, (3.7 + 0.13 * legend_rows) * nrows + 0.6),
                             layout="constrained", squeeze=False)
    drawer = LegDrawer(backend)
    colors = rider_colors(problem, solution)
    names = {p.id: p.name or p.id for p in problem.pharmacies} | {NO_PHARMACY: "no pickup"}
    segs = road_segments(graph) if graph is not None else None
    for ax, key in zip(axes.flat, shown, strict=False):
        riders = groups[key]
        box = _panel_box(problem, solution, riders, key)
        if segs is not None:
            _draw_segments(ax, segs.inside(box))
        for rider in riders:
            _draw_route(ax, drawer, problem, solution, rider, colors[rider], 1.4)
        unassigned = _draw_panel_places(ax, problem, solution, riders, key)
        n_orders = sum(len(r.orders) for r in solution.routes if r.rider in riders)
        ax.set_title(f"{wrapped_name(names[key], 34)}\n{_count(len(riders), 'rider')} · {_count(n_orders, 'order')}"
                     + (f" · {unassigned} unassigned" if unassigned else ""), fontsize=9)
        handles = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
        handles += [c for c in ax.collections if c.get_label() == "unassigned"]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=PANEL_LEGEND_COLS,
                  fontsize=6.5, frameon=False, handlelength=1.2, columnspacing=0.8, borderaxespad=0.2)
        ax.set_xlim(box[0], box[2])
        ax.set_ylim(box[1], box[3])
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in list(axes.flat)[len(shown):]:
        ax.set_axis_off()
    left_out = len(groups) - len(shown)
    fig.suptitle(title or f"Routes by home pharmacy — {problem.name or 'plan'}"
                 + (f" ({left_out} smaller groups not shown)" if left_out else ""))
    return fig


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _unassigned_of(problem: Problem, solution: Solution, key: str) -> list[Location]:
    """Doors of the orders of pharmacy ``key`` that no route delivers."""
    return [oc.order.location for oc in order_outcomes(problem, solution)
            if not oc.served and oc.order.pharmacy == key]


def _panel_box(problem: Problem, solution: Solution, riders: Sequence[str], key: str) -> BBox:
    pts = [problem.pharmacy[key].location] if key in problem.pharmacy else []
    pts += _unassigned_of(problem, solution, key)
    for rider in riders:
        route = solution.route_of(rider)
        pts += [problem.order[o].location for o in route.orders] if route is not None else []
    x0, y0, x1, y1 = bbox_of(pts)
    pad = max(0.004, 0.08 * max(x1 - x0, y1 - y0))
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def _draw_segments(ax: Any, segs: Any) -> None:
    mcoll: Any = require("matplotlib.collections", "viz")
    ax.add_collection(mcoll.LineCollection(segs.roads, colors="#d5d5d5", linewidths=0.4, zorder=0, label="_roads"),
                      autolim=False)


def _draw_panel_places(ax: Any, problem: Problem, solution: Solution, riders: Sequence[str], key: str) -> int:
    """The panel's doors, pharmacies and unassigned orders; returns how many orders are unassigned."""
    doors = [problem.order[o].location for r in riders if (route := solution.route_of(r)) for o in route.orders]
    if doors:
        ax.scatter([p.lon for p in doors], [p.lat for p in doors], s=9, color="white", edgecolors="black",
                   linewidths=0.5, zorder=3, label="delivered")
    others = [p.location for p in problem.pharmacies if p.id != key]
    if others:
        ax.scatter([p.lon for p in others], [p.lat for p in others], marker="s", s=25, color="#888888", zorder=4,
                   label="_other pharmacies")
    if key in problem.pharmacy:
        home = problem.pharmacy[key].location
        ax.scatter([home.lon], [home.lat], marker="s", s=45, color="black", zorder=5, label="pharmacy")
    missing = _unassigned_of(problem, solution, key)
    if missing:
        ax.scatter([p.lon for p in missing], [p.lat for p in missing], s=30, marker="x", color=UNASSIGNED_COLOR,
                   zorder=6, label="unassigned")
    return len(missing)


def _phases(route: Route) -> tuple[dict[str, list[tuple[float, float]]], list[tuple[float, float, int]]]:
    """A route's (start h, length h) spans per phase, and its (start h, length h, items) cold spans:
    consecutive and touching while any cold item is on board, handovers included."""
    h = 3600.0
    bars: dict[str, list[tuple[float, float]]] = {k: [] for k in PHASE_COLORS}
    cold: list[tuple[float, float, int]] = []
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
            cold.append((prev_dep / h, (s.start_s - prev_dep) / h, prev_cold))
        # Items that stay on board through the handover: those there before it and still after.
        staying = min(prev_cold, s.load.cold_parcels)
        if staying and s.departure_s > s.start_s:
            cold.append((s.start_s / h, (s.departure_s - s.start_s) / h, staying))
        prev_dep, prev_cold = s.departure_s, s.load.cold_parcels
    return bars, cold


def _joined(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Time-ordered ``(start, length)`` spans with those that touch or overlap joined into one."""
    out: list[tuple[float, float]] = []
    for x, w in spans:
        if out and x <= out[-1][0] + out[-1][1] + 1e-9:
            x0, w0 = out[-1]
            out[-1] = (x0, max(w0, x + w - x0))
        else:
            out.append((x, w))
    return out


def timeline_pages(solution: Solution, per_page: int = TIMELINE_PAGE) -> int:
    """How many pages :func:`plot_timeline` needs for every route at ``per_page`` riders a page."""
    return max(1, math.ceil(len(solution.routes) / max(1, per_page)))


def plot_timeline(problem: Problem, solution: Solution, *, page: int = 0, per_page: int = TIMELINE_PAGE,
                  ax: Any = None, title: str | None = None) -> Any:
    """The riders' day as a Gantt chart, one page of ``per_page`` riders at a time.

    One row per route (y tick labels are the rider ids); time on the x axis in hours of the
    problem's day. Bars: riding (leg into each stop), waiting (arrival → service start), pickup
    handover and door handover. A thin orange band under a row marks the time with cold items
    on board, unbroken through a handover that leaves some on board, annotated with their
    number. Without a route the axes say so. :func:`timeline_pages` says how many pages there
    are; :func:`plot_activity` sums every rider up in one chart.

    Returns
    -------
    matplotlib.figure.Figure
    """
    routes = solution.routes[page * per_page:(page + 1) * per_page]
    fig, ax = _figure(ax, (10.0, 0.32 * max(3, len(routes)) + 1.8))
    mpatches: Any = require("matplotlib.patches", "viz")
    cold_rows = []
    for row, route in enumerate(routes):
        bars, cold = _phases(route)
        for phase, spans in bars.items():
            if spans:
                ax.broken_barh(spans, (row - 0.3, 0.5), facecolors=PHASE_COLORS[phase], label=f"_{phase}")
        if cold:
            ax.broken_barh(_joined([(x, w) for x, w, _ in cold]), (row + 0.22, 0.1), facecolors=COLD_COLOR,
                           label="_cold")
        cold_rows.append(cold)
    if any(cold_rows):
        _label_cold(ax, cold_rows)
    if not routes:
        ax.text(0.5, 0.5, "no route", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
    ax.set_yticks(range(len(routes)), [r.rider for r in routes], fontsize="small" if len(routes) > 20 else None)
    ax.set_ylim(-0.7, max(0.7, len(routes) - 0.3))
    ax.invert_yaxis()
    ax.set_xlabel(f"time of day (h, {problem.timezone})")
    pages = timeline_pages(solution, per_page)
    where = f" — riders {page * per_page + 1}–{page * per_page + len(routes)} of {len(solution.routes)}" \
        if pages > 1 else ""
    ax.set_title(title or f"Riders' day: riding, waiting, handovers; cold items on board{where}")
    ax.grid(axis="x", alpha=0.3)
    handles = [mpatches.Patch(color=c, label=k) for k, c in PHASE_COLORS.items()]
    handles.append(mpatches.Patch(color=COLD_COLOR, label="cold items on board"))
    if ax is fig.axes[0] and len(fig.axes) == 1:
        fig.legend(handles=handles, loc="outside lower center", fontsize="small", ncols=5)
    else:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize="small", ncols=5)
    return fig


def _label_cold(ax: Any, cold_rows: Sequence[Sequence[tuple[float, float, int]]]) -> None:
    """Under each row's cold band, the number of cold items on board, where the label fits inside
    its span and clear of the row's previous label."""
    ax.autoscale_view()
    x0, x1 = ax.get_xlim()
    axes_in = ax.figure.get_size_inches()[0] * ax.get_position().width
    hours_per_char = COLD_LABEL_PT * 0.6 / 72 * (x1 - x0) / axes_in  # a character is ~0.6 em wide
    for row, cold in enumerate(cold_rows):
        free_from = -math.inf
        for x, w, n in cold:
            text = f"{n} cold"
            width = len(text) * hours_per_char
            if width <= w and x + (w - width) / 2 >= free_from:
                ax.text(x + w / 2, row + 0.34, text, ha="center", va="top", fontsize=COLD_LABEL_PT, color="#b35c00")
                free_from = x + (w + width) / 2 + hours_per_char


def plot_activity(problem: Problem, solution: Solution, *, step_s: int = 300, ax: Any = None,
                  title: str | None = None) -> Any:
    """Every rider's day summed up: how many riders ride, wait or hand over at each moment
    (stacked areas), and how many cold items are on board (right axis). Fixed size at any
    number of riders.

    Parameters
    ----------
    step_s
        Resolution of the time axis, seconds.

    Returns
    -------
    matplotlib.figure.Figure
        Stacked areas labelled with the phases of :data:`PHASE_COLORS`; the cold-items line on a
        twin axes.
    """
    fig, ax = _figure(ax, (11.0, 5.0))
    spans = [_phases(r) for r in solution.routes]
    ends = [x + w for bars, _ in spans for sp in bars.values() for x, w in sp]
    starts = [x for bars, _ in spans for sp in bars.values() for x, _ in sp]
    if not starts:
        ax.text(0.5, 0.5, "no route", ha="center", va="center", transform=ax.transAxes)
        return fig
    step_h = step_s / 3600.0
    t0, t1 = math.floor(min(starts)), math.ceil(max(ends))
    grid = np.arange(t0, t1 + step_h, step_h)
    counts = {k: _occupancy(grid, [sp for bars, _ in spans for sp in bars[k]]) for k in PHASE_COLORS}
    ax.stackplot(grid, *counts.values(), labels=list(counts), colors=list(PHASE_COLORS.values()), step="post")
    ax.set_xlim(t0, t1)
    ax.set_xlabel(f"time of day (h, {problem.timezone})")
    ax.set_ylabel("riders")
    cold = ax.twinx()
    cold.plot(grid, _occupancy(grid, [(x, w) for _, cs in spans for x, w, n in cs for _ in range(n)]),
              color=COLD_COLOR, linewidth=1.5, label="cold items on board", drawstyle="steps-post")
    cold.set_ylabel("cold items on board", color="#b35c00")
    cold.set_ylim(bottom=0)
    handles = ax.get_legend_handles_labels()[0] + cold.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize="small")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title or f"All {len(solution.routes)} riders' day: riding, waiting, handing over; cold items on board")
    return fig


def _occupancy(grid: np.ndarray, spans: Sequence[tuple[float, float]]) -> np.ndarray:
    """How many of ``spans`` (start h, length h) cover each time of ``grid`` (hours)."""
    if not spans:
        return np.zeros(len(grid))
    arr = np.array(spans, dtype=np.float64)
    starts = np.searchsorted(grid, arr[:, 0], side="right") - 1
    stops = np.searchsorted(grid, arr[:, 0] + arr[:, 1], side="right") - 1
    diff = np.zeros(len(grid) + 1)
    np.add.at(diff, np.clip(starts, 0, len(grid)), 1)
    np.add.at(diff, np.clip(stops, 0, len(grid)), -1)
    return np.cumsum(diff)[:-1]


def plot_cold_exposure(problem: Problem, solution: Solution, *, ax: Any = None, title: str | None = None,
                       max_items: int = COLD_ITEMS_MAX) -> Any:
    """Time out of the fridge of every delivered cold item against its budget.

    Up to ``max_items`` items: one horizontal bar per cold order served (y tick labels are the
    order ids), length = minutes from the end of the pickup handover to the start of the door
    handover; a black tick marks the budget (the order's budget capped by its rider's cool-box
    hold time). Beyond: one thin bar per item, sorted, as the share of its budget used (100 % =
    the budget). Bars over budget are red. With no cold item served the axes say so.

    Returns
    -------
    matplotlib.figure.Figure
    """
    cold = [oc for oc in order_outcomes(problem, solution)
            if oc.served and oc.order.needs_coolbox and oc.cold_exposure_s is not None]
    if len(cold) > max_items:
        return _cold_shares(cold, ax, title)
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
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")  # clear of the budget ticks
    ax.set_xlabel("minutes out of the fridge (pickup handover end → door)")
    ax.set_title(title or "Cold chain: exposure per item vs budget")
    return fig


def _cold_shares(cold: Sequence[Any], ax: Any, title: str | None) -> Any:
    fig, ax = _figure(ax, (10.0, 4.5))
    shares = sorted(100 * (oc.cold_exposure_s or 0) / oc.budget_s if oc.budget_s else 0.0 for oc in cold)
    colors = ["#d62728" if s > 100 else "#1f77b4" for s in shares]
    ax.bar(range(len(shares)), shares, width=1.0, color=colors, label="share of budget used")
    ax.axhline(100, color="black", linewidth=1, label="budget")
    ax.set_xlim(-0.5, len(shares) - 0.5)
    ax.set_xlabel("cold items delivered, sorted")
    ax.set_ylabel("time out of the fridge (% of budget)")
    ax.legend(loc="upper left", fontsize="small")
    longest = max((oc.cold_exposure_s or 0) for oc in cold) / 60
    n_over = sum(1 for s in shares if s > 100)
    ax.set_title(title or f"Cold chain: {len(shares)} items, {n_over} over budget, longest {longest:.0f} min "
                          "out of the fridge")
    return fig


def save_figure(fig: Any, path: Any, *, dpi: int = 120) -> None:
    """Save ``fig`` as PNG at ``dpi`` dots per inch and close it (frees pyplot's memory)."""
    plt = _pyplot()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
