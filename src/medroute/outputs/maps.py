"""An interactive HTML map of a plan (folium / Leaflet) that works offline and stays readable at
150 riders.

folium's pages load Leaflet, jQuery and Bootstrap from CDNs; on a machine without internet such a
page shows nothing. :func:`route_map` therefore drops folium's CDN links and inlines the copy of
Leaflet 1.9.4 (BSD-2-Clause, ``medroute/static/leaflet``) shipped with medroute, with its
images as data URIs: the saved HTML is one self-contained file.

Layers are grouped: base maps (radio buttons) are the road network drawn from the road graph
(offline), a blank background, and optional web tiles (``tiles=``); overlays (check boxes) are
*Pharmacies*, *Routes*, *Stops* and *Unassigned*, plus any ``overlays=`` given (e.g. demand by
area). One panel holds the legend and a rider selector that shows one rider's route and stops
(riders listed under their home pharmacy). Stops are circles in their rider's colour that grow as
the map zooms in (:data:`MARKER_GROWTH`); the first view fits the plan's extent clear of the map's
controls; unassigned orders are crosses in :data:`~medroute.outputs.drawing.UNASSIGNED_COLOR`, a red no rider takes,
drawn above the stops (the legend shows the same cross). When web tiles are asked for but no tile
server answers, the page switches to the offline base map by itself and says so.

Needs folium (``pip install 'medroute[viz]'``).
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import require
from ..geo import Location
from ..model import Problem
from ..reasons import Reason
from ..solution import Route, Solution, StopKind
from ..timefmt import format_time
from .drawing import (
    NO_PHARMACY,
    UNASSIGNED_COLOR,
    LegDrawer,
    bbox_of,
    home_pharmacies,
    rider_colors,
    road_graph_of,
    road_segments,
    split_runs,
)
from .frames import order_outcomes, placed_stops

ROUTE_CLASS = "medroute-route"
"""CSS class of every route polyline (one per route), e.g. to find them in the DOM."""
BRIDGE_CLASS = "medroute-bridge"
"""CSS class of the dashed straight stretches of a route that are not roads."""
CASING_CLASS = "medroute-casing"
"""CSS class of the dark edge drawn beneath every route line (and dashed stretch), so that the
light palette colours stand out from the grey roads and background."""
CASING = "#333333"
"""Colour of the route casing."""
STOP_CLASS = "medroute-stop"
EDGE_CLASS = "medroute-edge"
"""CSS class of the dark edge (:data:`CASING`) drawn beneath every door's ring, so that rings in
light palette colours stand out from the grey background."""
"""CSS class of every stop marker."""
PANEL_CLASS = "medroute-panel"
"""CSS class of the legend and rider-selector panel."""
OFFLINE_ATTRIBUTE = "data-medroute-base"
"""Set to ``"offline"`` on the map container when the page fell back from web tiles."""
LEAFLET_VERSION = "1.9.4"
JQUERY_SHIM = ("if (typeof window.$ === 'undefined') { window.$ = function (markup) {"
               " var t = document.createElement('template'); t.innerHTML = String(markup).trim();"
               " return Array.prototype.slice.call(t.content.childNodes); }; }")
"""folium's popups build their HTML with ``$(`<div>…</div>`)[0]`` (jQuery); without the jQuery CDN
this shim parses the markup into DOM nodes, which is all that call needs."""
DASH = "6 5"
"""SVG dash pattern of straight stretches that are not roads."""
SMALL_MARKERS_FROM = 200
"""Above this many orders, stop markers are drawn smaller so the overview stays readable."""
MARKER_ZOOM = 13
"""Zoom level up to which stop markers have their base radius and line width."""
MARKER_GROWTH = 1.5
"""Factor on the stop markers' radius and line width per zoom level in beyond :data:`MARKER_ZOOM`
(up to :data:`MARKER_MAX_SCALE`), so stops stay readable close up."""
MARKER_MAX_SCALE = 2.0
"""Greatest factor on the stop markers' base radius and line width."""
ZOOM_SNAP = 0.25
"""Zoom levels the map snaps to: the first view fits the plan tighter than whole levels would."""
FIT_PADDING = 12
"""Pixels kept clear around the plan, and between it and the map's controls, in the first view."""
DECIMALS = 5
"""Coordinates are written with this many decimals (1e-5 degree: about 1 m), which keeps the page
small."""
UNASSIGNED_CLASS = "medroute-unassigned"
"""CSS class of every unassigned-order marker."""
UNASSIGNED_ICON = ("<svg width='14' height='14' viewBox='0 0 14 14'>"
                   "<path d='M3 3L11 11M11 3L3 11' stroke='#fff' stroke-width='5' stroke-linecap='round'/>"
                   f"<path d='M3 3L11 11M11 3L3 11' stroke='{UNASSIGNED_COLOR}' stroke-width='2.5' "
                   "stroke-linecap='round'/></svg>")
"""An unassigned order: a cross in :data:`~medroute.outputs.drawing.UNASSIGNED_COLOR` (a colour no
rider takes) with a white halo, so it is told apart from the round stops by shape as well as
colour. The map's markers and its legend swatch are both this markup."""


@cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS (images inlined as data URIs), from the shipped copy."""
    root = resources.files("medroute") / "static" / "leaflet"
    js = (root / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    css = (root / "leaflet.css").read_text(encoding="utf-8")

    def inline(m: re.Match[str]) -> str:
        data = (root / m.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    return js, css


def _popup_html(rows: list[tuple[str, str]], head: str) -> str:
    """A popup's markup: ``head`` in bold over a table of rows (styled by the page's CSS)."""
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<b>{html.escape(head)}</b><table>{body}</table>"


def _latlon(loc: Location) -> tuple[float, float]:
    return round(loc.lat, DECIMALS), round(loc.lon, DECIMALS)


def _mins(seconds: int | None) -> str:
    return "–" if seconds is None else f"{seconds / 60:.0f} min"


def route_map(problem: Problem, solution: Solution, *, backend: Any = None, tiles: str | None = None,
              graph: Any = None, zoom_start: int = 13, overlays: Sequence[Any] = (),
              legend_items: Sequence[tuple[str, str]] = ()) -> Any:
    """A :class:`folium.Map` of the plan, self-contained (Leaflet inlined, no CDN).

    Parameters
    ----------
    problem, solution
        The problem and its plan.
    backend
        A travel backend whose ``path(a, b, *, profile)`` gives road geometry for the legs;
        ``None`` draws straight legs. Stretches that are not roads (bridges between road clusters,
        legs it could not route) are dashed.
    tiles
        A folium tile provider (e.g. ``"OpenStreetMap"``) or a URL template
        (``https://…/{z}/{x}/{y}.png``) offered as the first base map; ``None`` (default) adds
        none, which keeps the page fully offline. When no tile loads, the page switches to the
        offline base map by itself and says so.
    graph
        The road graph drawn as the offline base map (a
        :class:`~medroute.travel.RoadGraph`, a backend holding one, or a networkx graph);
        default: the one behind ``backend``, if any.
    zoom_start
        Initial zoom level before the map fits the plan's bounds.
    overlays
        More folium layers (``FeatureGroup``, ``GeoJson``, ...) shown as check boxes
        beside the plan's.
    legend_items
        More legend rows as ``(css colour, label)``.

    Returns
    -------
    folium.Map
        One polyline per route (CSS class :data:`ROUTE_CLASS`; its dashed stretches
        :data:`BRIDGE_CLASS`), circle markers per stop (class :data:`STOP_CLASS`; a door's ring
        has a dark edge beneath, :data:`EDGE_CLASS`) with popups
        giving the ETAs (``HH:MM``), waiting and every cold item's minutes out of the fridge,
        pharmacies and unassigned orders with their reason; a layer control with grouped layers
        and a legend panel (:data:`PANEL_CLASS`) with a rider selector.
    """
    folium: Any = require("folium", "viz")
    pts_all = [p.location for p in problem.pharmacies] + [o.location for o in problem.orders]
    pts_all += [r.start for r in problem.riders]
    center = (_latlon(Location(sum(p.lat for p in pts_all) / len(pts_all), sum(p.lon for p in pts_all) / len(pts_all)))
              if pts_all else (-8.2192, 114.3691))  # Banyuwangi
    fmap = folium.Map(location=center, zoom_start=zoom_start, tiles=None, control_scale=True, zoom_snap=ZOOM_SNAP)
    _inline_leaflet(fmap)
    bases = _base_layers(fmap, tiles, graph if graph is not None else road_graph_of(backend), pts_all)
    _pharmacy_layer(problem).add_to(fmap)
    routes = folium.FeatureGroup(name=f"Routes ({len(solution.routes)} riders)").add_to(fmap)
    stops = folium.FeatureGroup(name="Stops").add_to(fmap)
    colors = rider_colors(problem, solution)
    drawer = LegDrawer(backend)
    layers: dict[str, list[str]] = {}
    markers: dict[str, list[Marker]] = {}
    budgets = {oc.order.id: oc.budget_s for oc in order_outcomes(problem, solution)}
    for route in solution.routes:
        line = _route_layer(problem, solution, route, colors[route.rider], drawer).add_to(routes)
        marks = folium.FeatureGroup(name=f"stops {route.rider}", control=False).add_to(stops)
        layers[route.rider] = [line.get_name(), marks.get_name()]
        markers[marks.get_name()] = _stop_markers(problem, route, colors[route.rider], budgets)
    outcomes = [oc for oc in order_outcomes(problem, solution) if not oc.served]
    missing = folium.FeatureGroup(name=f"Unassigned ({len(outcomes)})").add_to(fmap)
    crosses = [_unassigned_marker(problem, oc) for oc in outcomes]
    cross_px = 10 if len(problem.orders) > SMALL_MARKERS_FROM else 14
    for layer in overlays:
        layer.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    _script(_casing_js([names[0] for names in layers.values()])
            + _markers_js(fmap.get_name(), markers, missing.get_name(), crosses, cross_px)
            + _panel_js(problem, solution, fmap.get_name(), layers, (routes.get_name(), stops.get_name()), bases,
                        legend_items, pts_all)).add_to(fmap)
    return fmap


def _inline_leaflet(fmap: Any) -> None:
    """No CDN: inline the shipped Leaflet; drop folium's jQuery/Bootstrap/awesome-markers links."""
    branca_element: Any = require("branca.element", "viz")
    fmap.default_js = []
    fmap.default_css = []
    js, css = leaflet_assets()
    header = fmap.get_root().header
    header.add_child(branca_element.Element(f"<style>{css}{_PANEL_CSS}</style>"), name="leaflet_css_inline")
    header.add_child(branca_element.Element(f"<script>{js}</script>"), name="leaflet_js_inline")
    header.add_child(branca_element.Element(f"<script>{JQUERY_SHIM}</script>"), name="jquery_shim")


def _base_layers(fmap: Any, tiles: str | None, graph: Any, pts: Sequence[Location]) -> dict[str, str]:
    """Add the base maps; returns the JS names of ``tiles`` and ``offline`` (the road or blank base)."""
    folium: Any = require("folium", "viz")
    names: dict[str, str] = {}
    if tiles is not None:
        custom = "/" in tiles  # a URL template rather than a provider name
        web = folium.TileLayer(tiles, name="Web map" if custom else f"Web map ({tiles})", overlay=False,
                               attr="Map tiles: see the tile server's terms" if custom else None)
        web.add_to(fmap)
        names["tiles"] = web.get_name()
    roads = graph is not None and bool(pts)
    offline = folium.FeatureGroup(name="Roads (offline)" if roads else "No base map", overlay=False,
                                  show=tiles is None)
    if roads:
        # Roads only: a bridge between road clusters is no road, and a route that takes one draws
        # it dashed in the rider's colour.
        coords = road_segments(graph, bbox_of(pts, 0.02)).roads
        if len(coords):
            folium.GeoJson({"type": "MultiLineString", "coordinates": _chained(coords.tolist())},
                           style_function=lambda _f: {"color": "#9a9a9a", "weight": 1, "opacity": 0.7},
                           interactive=False, control=False).add_to(offline)
    offline.add_to(fmap)
    names["offline"] = offline.get_name()
    if roads:
        folium.FeatureGroup(name="No base map", overlay=False, show=False).add_to(fmap)
    return names


def _chained(segments: list[list[list[float]]]) -> list[list[list[float]]]:
    """``[lon, lat]`` segments rounded to :data:`DECIMALS`, each drawn once (whichever way it
    runs), joined end to end into as few lines as a greedy walk finds: the same strokes, less
    text."""
    seen: set[tuple[tuple[float, float], ...]] = set()
    segs: list[list[tuple[float, float]]] = []
    for raw in segments:
        key = tuple((round(x, DECIMALS), round(y, DECIMALS)) for x, y in raw)
        if key not in seen and key[::-1] not in seen:  # a two-way street once
            seen.add(key)
            segs.append(list(key))
    ends: dict[tuple[float, float], list[int]] = {}
    for i, seg in enumerate(segs):
        ends.setdefault(seg[0], []).append(i)
        ends.setdefault(seg[-1], []).append(i)
    used = [False] * len(segs)

    def walk(line: list[tuple[float, float]]) -> None:
        """Extend ``line`` at its end by unused segments touching it, reversed as needed."""
        while True:
            nxt = next((j for j in ends[line[-1]] if not used[j]), None)
            if nxt is None:
                return
            used[nxt] = True
            seg = segs[nxt]
            line.extend(seg[1:] if seg[0] == line[-1] else seg[-2::-1])

    lines: list[list[list[float]]] = []
    for i, first in enumerate(segs):
        if used[i]:
            continue
        used[i] = True
        line = list(first)
        walk(line)
        line.reverse()
        walk(line)
        lines.append([list(p) for p in line])
    return lines


def _pharmacy_layer(problem: Problem) -> Any:
    folium: Any = require("folium", "viz")
    group = folium.FeatureGroup(name=f"Pharmacies ({len(problem.pharmacies)})")
    icon = ("<div style='width:12px;height:12px;background:#333;border:2px solid #000;"
            "transform:rotate(45deg)'></div>")
    for ph in problem.pharmacies:
        folium.Marker(
            _latlon(ph.location), tooltip=html.escape(ph.name or ph.id),
            icon=folium.DivIcon(html=icon, icon_size=(16, 16), icon_anchor=(8, 8), class_name="medroute-pharmacy"),
            z_index_offset=1000,  # above the unassigned crosses around it
            popup=folium.Popup(_popup_html([("id", ph.id), ("opening", ", ".join(str(w) for w in ph.opening))],
                                           f"Pharmacy {ph.name or ph.id}"), max_width=300),
        ).add_to(group)
    return group


def _route_layer(problem: Problem, solution: Solution, route: Route, color: str, drawer: LegDrawer) -> Any:
    """One rider's route: a solid polyline along the roads and a dashed one for what is not road."""
    folium: Any = require("folium", "viz")
    group = folium.FeatureGroup(name=f"rider {route.rider}", control=False)
    solid, dashed = split_runs(drawer.route_runs(problem, route.rider, solution))
    tip = html.escape(f"{route.rider}: {len(route.orders)} orders, {route.distance_m / 1000:.1f} km")
    if solid:
        folium.PolyLine([[_latlon(p) for p in part] for part in solid], color=color, weight=4, opacity=0.85,
                        class_name=ROUTE_CLASS, tooltip=tip).add_to(group)
    if dashed:
        folium.PolyLine([[_latlon(p) for p in part] for part in dashed], color=color, weight=3, opacity=0.85,
                        dash_array=DASH, class_name=BRIDGE_CLASS, tooltip=tip + " (straight line: no road data)",
                        ).add_to(group)
    return group


Marker = tuple[float, float, float, str, str, float, str, str, str, bool]
"""A circle marker drawn by the page's script: lat, lon, radius (px), colour, fill colour, line
width (px), CSS class, tooltip (HTML), popup (HTML) and whether a dark edge (:data:`EDGE_CLASS`)
lies beneath it; radius and width are those up to zoom :data:`MARKER_ZOOM`."""


def _stop_markers(problem: Problem, route: Route, color: str, budgets: Mapping[str, int | None]) -> list[Marker]:
    """The route's stops as markers (drawn in JavaScript: thousands of folium elements would
    take seconds each hundred to render); each cold item on board is shown with its time out of
    the fridge so far and its budget (``budgets``, seconds, by order id)."""
    small = len(problem.orders) > SMALL_MARKERS_FROM
    out: list[Marker] = []
    for ps in placed_stops(problem, route):
        s, o = ps.stop, ps.order
        if s.kind not in (StopKind.PICKUP, StopKind.DELIVERY) and ps.seq > 0:
            continue
        rows = [("stop", f"{ps.seq} · {s.kind.value}")]  # the rider is in the popup's head
        if s.order:
            rows.append(("order", s.order))
        rows += [("arrival", format_time(s.arrival_s)), ("start", format_time(s.start_s)),
                 ("departure", format_time(s.departure_s))]
        if s.wait_s:
            rows.append(("waiting", _mins(s.wait_s)))
        if s.kind == StopKind.DELIVERY and o is not None:
            rows.append(("windows", ", ".join(str(w) for w in o.delivery_windows)))
            if o.target_s is not None:
                rows.append(("target", format_time(o.target_s)))
        for oid, exposure in s.cold:
            budget = budgets.get(oid)
            rows.append((f"cold {oid}", f"{_mins(exposure)} out of fridge"
                         + (f" of {_mins(budget)} budget" if budget is not None else "")))
        head = {"start": "Start", "pickup": "Pickup", "delivery": "Delivery", "end": "End"}[s.kind.value]
        door = s.kind == StopKind.DELIVERY
        out.append((*_latlon(ps.location), (4 if small else 6) if door else 3, color,
                    "white" if door else color, 1.5 if small else 2, STOP_CLASS,
                    html.escape(f"{route.rider} {format_time(s.start_s)} {s.kind.value} {s.order or ''}"),
                    _popup_html(rows, f"{head} — {route.rider}"), door))
    return out


Cross = tuple[float, float, str, str]
"""An unassigned order drawn by the page's script as :data:`UNASSIGNED_ICON`: lat, lon, tooltip
(HTML) and popup (HTML)."""


def _unassigned_marker(problem: Problem, oc: Any) -> Cross:
    """An unassigned order's cross: its pharmacy, release, windows and why, in words."""
    o = oc.order
    why = oc.reason or ""
    if why in {r.value for r in Reason}:
        why = f"{why}: {Reason(why).text}"
    pharmacy = problem.pharmacy[o.pharmacy]
    rows = [("order", o.id), ("pharmacy", pharmacy.name or pharmacy.id), ("released", format_time(o.release_s)),
            ("windows", ", ".join(str(w) for w in o.delivery_windows)), ("reason", why)]
    rows += [("detail", oc.detail)] if oc.detail else []
    return (*_latlon(o.location), html.escape(f"{o.id}: {oc.reason}"), _popup_html(rows, "Unassigned"))


def _casing_js(groups: Sequence[str]) -> str:
    """JavaScript drawing a dark casing beneath every line of the route layers ``groups`` (named by
    their JavaScript variables); it runs before the stop markers are added, which stay on top."""
    return _CASING_JS % {"groups": ", ".join(groups), "color": CASING, "cls": CASING_CLASS}


_CASING_JS = """
[%(groups)s].forEach(function (group) {
  var lines = [];
  group.eachLayer(function (line) { lines.push(line); });
  lines.forEach(function (line) {
    group.removeLayer(line);
    group.addLayer(L.polyline(line.getLatLngs(), {color: '%(color)s', weight: line.options.weight + 3,
      opacity: 0.55, dashArray: line.options.dashArray, interactive: false, className: '%(cls)s'}));
    group.addLayer(line);
  });
});
"""


def _markers_js(map_name: str, markers: dict[str, list[Marker]], missing: str, crosses: list[Cross],
                cross_px: int) -> str:
    """JavaScript adding every stop marker to its layer (named by its JavaScript variable), sized for
    the map's zoom (see :data:`MARKER_GROWTH`), and every unassigned order, as a cross ``cross_px``
    pixels wide, to the layer ``missing``."""
    entries = ", ".join(f"[{name}, {json.dumps(marks, separators=(',', ':'))}]" for name, marks in markers.items())
    return _MARKERS_JS % {"map": map_name, "entries": entries, "missing": missing, "ref": MARKER_ZOOM,
                          "growth": MARKER_GROWTH, "most": MARKER_MAX_SCALE,
                          "crosses": json.dumps(crosses, separators=(",", ":")),
                          "icon": json.dumps(UNASSIGNED_ICON), "cls": UNASSIGNED_CLASS, "px": cross_px,
                          "casing": CASING, "edge_cls": EDGE_CLASS,
                          "half": cross_px // 2}


_MARKERS_JS = """
(function () {
  var map = %(map)s, circles = [];
  function scale() {
    return Math.min(%(most)s, Math.max(1, Math.pow(%(growth)s, map.getZoom() - %(ref)s)));
  }
  [%(entries)s].forEach(function (entry) {
    entry[1].forEach(function (m) {
      if (m[9]) {
        var e = L.circleMarker([m[0], m[1]], {radius: m[2], color: '%(casing)s', fill: false, weight: m[5] + 2,
                                              interactive: false, className: '%(edge_cls)s'});
        e.base = [m[2], m[5] + 2];
        circles.push(e.addTo(entry[0]));
      }
      var c = L.circleMarker([m[0], m[1]], {radius: m[2], color: m[3], fill: true, fillColor: m[4],
                                            fillOpacity: 1, weight: m[5], className: m[6]});
      c.base = [m[2], m[5]];
      circles.push(c.bindTooltip(m[7]).bindPopup(m[8], {maxWidth: 320}).addTo(entry[0]));
    });
  });
  function resize() {
    var k = scale();
    circles.forEach(function (c) { c.setRadius(c.base[0] * k); c.setStyle({weight: c.base[1] * k}); });
  }
  map.on('zoomend', resize);
  map.whenReady(resize);
})();
(function () {
  var icon = L.divIcon({html: %(icon)s, className: '%(cls)s', iconSize: [%(px)d, %(px)d],
                        iconAnchor: [%(half)d, %(half)d]});
  %(crosses)s.forEach(function (m) {
    L.marker([m[0], m[1]], {icon: icon, keyboard: false})
      .bindTooltip(m[2]).bindPopup(m[3], {maxWidth: 320}).addTo(%(missing)s);
  });
})();
"""


_PANEL_CSS = f"""
.{PANEL_CLASS} {{ background: rgba(255,255,255,0.92); padding: 6px 8px; border-radius: 4px; font: 12px/1.4 sans-serif;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 260px; }}
.{PANEL_CLASS} select {{ max-width: 240px; }}
.{PANEL_CLASS} .row {{ display: flex; align-items: center; gap: 6px; }}
.{PANEL_CLASS} .sw {{ display: inline-block; width: 22px; height: 0; border-top: 3px solid #1f77b4; }}
.{PANEL_CLASS} .note {{ color: #b35c00; }}
.{PANEL_CLASS} .key {{ flex: none; width: 22px; display: inline-flex; justify-content: center; }}
.{UNASSIGNED_CLASS} svg {{ display: block; width: 100%; height: 100%; }}
.leaflet-popup-content th {{ text-align: left; padding-right: 6px; }}
"""

_LEGEND = [
    ("<span style='display:inline-block;width:10px;height:10px;background:#333;transform:rotate(45deg)'></span>",
     "pharmacy"),
    ("<span style='display:inline-block;width:9px;height:9px;border-radius:50%;background:#1f77b4'></span>",
     "pickup (filled, the rider's colour)"),
    ("<span style='display:inline-block;width:9px;height:9px;border-radius:50%;border:2px solid #1f77b4;"
     "background:#fff;box-shadow:0 0 0 1px #333,inset 0 0 0 1px #333'></span>",
     "delivery (ring in the rider's colour)"),
    (UNASSIGNED_ICON, "unassigned order (a colour no rider takes)"),
    ("<span class='sw'></span>", "route along the roads: one colour per rider, distinct among the riders of "
                                 "one pharmacy"),
    ("<span class='sw' style='border-top-style:dashed'></span>", "straight line: no road data (cluster bridge)"),
]


def _panel_js(problem: Problem, solution: Solution, map_name: str, layers: dict[str, list[str]],
              parents: tuple[str, str], bases: dict[str, str], extra: Sequence[tuple[str, str]],
              points: Sequence[Location]) -> str:
    """The legend and rider selector (a Leaflet control), the first view of ``points`` and of a
    chosen rider clear of that control, and the web-tile fallback, as JavaScript."""
    names = {p.id: p.name or p.id for p in problem.pharmacies} | {NO_PHARMACY: "no pickup"}
    home = home_pharmacies(problem, solution)
    rows = [*_LEGEND, *((f"<span class='sw' style='border-top-color:{html.escape(c)}'></span>", label)
                        for c, label in extra)]
    legend = "".join(f"<div class='row'><span class='key'>{sw}</span><span>{html.escape(label)}</span></div>"
                     for sw, label in rows)
    refs = ", ".join(f"{json.dumps(r)}: [{', '.join(names_)}]" for r, names_ in layers.items())
    return _PANEL_JS % {
        "map": map_name, "riders": json.dumps([{"id": r, "group": names[home[r]]} for r in layers]),
        "layers": "{" + refs + "}", "parents": f"[{', '.join(parents)}]", "legend": json.dumps(legend),
        "tiles": bases.get("tiles", "null"), "offline": bases["offline"], "cls": PANEL_CLASS,
        "attr": OFFLINE_ATTRIBUTE, "pad": FIT_PADDING,
        "bounds": json.dumps([_latlon(Location(min(p.lat for p in points), min(p.lon for p in points))),
                              _latlon(Location(max(p.lat for p in points), max(p.lon for p in points)))])
        if points else "null"}


def _script(js: str) -> Any:
    """A map child that runs ``js`` after every layer added before it exists."""
    branca_element: Any = require("branca.element", "viz")
    jinja: Any = require("jinja2", "viz")
    element = branca_element.MacroElement()
    element._name = "MedroutePanel"
    element._template = jinja.Template("{% macro script(this, kwargs) %}{{ this.js }}{% endmacro %}")
    element.js = js
    return element


_PANEL_JS = """
(function () {
  var map = %(map)s, riders = %(riders)s, layers = %(layers)s, parents = %(parents)s;
  var panel = L.control({position: 'bottomleft'});
  panel.onAdd = function () {
    var div = L.DomUtil.create('div', '%(cls)s leaflet-control');
    var label = L.DomUtil.create('label', '', div);
    label.appendChild(document.createTextNode('Rider '));
    var select = L.DomUtil.create('select', 'medroute-rider-select', label);
    select.appendChild(new Option('all ' + riders.length + ' riders', ''));
    var groups = {};
    riders.forEach(function (r) {
      if (!groups[r.group]) { groups[r.group] = document.createElement('optgroup');
        groups[r.group].label = r.group; select.appendChild(groups[r.group]); }
      groups[r.group].appendChild(new Option(r.id, r.id));
    });
    select.onchange = function () {
      var chosen = select.value, bounds = null;
      riders.forEach(function (r) {
        layers[r.id].forEach(function (layer, k) {
          if (!chosen || chosen === r.id) { parents[k].addLayer(layer); } else { parents[k].removeLayer(layer); }
        });
        if (chosen === r.id) { bounds = layers[r.id][0].getBounds(); }
      });
      if (bounds && bounds.isValid()) { fitClear(bounds, 16); }
    };
    var legend = L.DomUtil.create('div', 'medroute-legend', div);
    legend.innerHTML = %(legend)s;
    var note = L.DomUtil.create('div', 'note medroute-offline-note', div);
    note.style.display = 'none';
    note.textContent = 'No web map server reachable: showing the offline base map.';
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  panel.addTo(map);
  // Fit clear of the controls in the map's corners: each is kept out of view by a strip along
  // one of its two sides; of those choices, the one that leaves the largest view.
  function fitClear(bounds, maxZoom) {
    var p = %(pad)d, m = map.getContainer().getBoundingClientRect(), choices = [[[p, p], [p, p]]];
    ['top', 'bottom'].forEach(function (v) { ['left', 'right'].forEach(function (u) {
      var corner = map.getContainer().querySelector('.leaflet-' + v + '.leaflet-' + u);
      var boxes = corner ? Array.prototype.map.call(corner.children, function (c) { return c.getBoundingClientRect(); })
                         : [];
      if (!boxes.length) { return; }
      var wide = Math.max.apply(null, boxes.map(function (b) {
        return u === 'left' ? b.right - m.left : m.right - b.left; }));
      var tall = Math.max.apply(null, boxes.map(function (b) {
        return v === 'top' ? b.bottom - m.top : m.bottom - b.top; }));
      var x = u === 'left' ? 0 : 1, y = v === 'top' ? 0 : 1;
      choices = [].concat.apply([], choices.map(function (c) {
        var side = [c[0].slice(), c[1].slice()], end = [c[0].slice(), c[1].slice()];
        side[x][0] = Math.max(side[x][0], wide + p);
        end[y][1] = Math.max(end[y][1], tall + p);
        return [side, end];
      }));
    }); });
    var best = null, zoom = -Infinity;
    choices.forEach(function (c) {
      var z = map.getBoundsZoom(bounds, false, L.point(c[0][0] + c[1][0], c[0][1] + c[1][1]));
      if (z > zoom) { zoom = z; best = c; }
    });
    map.fitBounds(bounds, {paddingTopLeft: best[0], paddingBottomRight: best[1], maxZoom: maxZoom, animate: false});
  }
  var planBounds = %(bounds)s;
  if (planBounds) { fitClear(L.latLngBounds(planBounds), 18); }
  var tiles = %(tiles)s, offline = %(offline)s;
  if (tiles) {
    var loaded = 0;
    tiles.on('tileload', function () { loaded += 1; });
    tiles.on('tileerror', function () {
      if (loaded > 0 || !map.hasLayer(tiles)) { return; }
      map.removeLayer(tiles);
      map.addLayer(offline);
      map.getContainer().setAttribute('%(attr)s', 'offline');
      var note = map.getContainer().querySelector('.medroute-offline-note');
      if (note) { note.style.display = 'block'; }
    });
  }
})();
"""


def map_html(problem: Problem, solution: Solution, **kw: Any) -> str:
    """The page of :func:`route_map` as one HTML string (keyword arguments as there)."""
    page: str = route_map(problem, solution, **kw).get_root().render()
    return page


def save_map(path: str | Path, problem: Problem, solution: Solution, **kw: Any) -> Path:
    """Write :func:`map_html` to ``path`` (UTF-8) and return the path."""
    p = Path(path)
    p.write_text(map_html(problem, solution, **kw), encoding="utf-8")
    return p
