"""An interactive HTML map of a plan (folium / Leaflet) that works offline.

folium's pages load Leaflet, jQuery and Bootstrap from CDNs; on a machine without internet such a
page shows nothing. :func:`route_map` therefore drops folium's CDN links and inlines the copy of
Leaflet 1.9.4 (BSD-2-Clause, ``medroute/static/leaflet``) shipped with medroute, with its
images as data URIs: the saved HTML is one self-contained file.

No tile layer is added by default, so nothing is fetched and nothing fails offline; pass
``tiles="OpenStreetMap"`` (or any folium tile name / URL) to get a base map when online — offline
the browser would log every failed tile request as a console error.

Needs folium (``pip install 'medroute[viz]'``).
"""

from __future__ import annotations

import base64
import html
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import require
from .frames import order_outcomes, placed_stops
from .geo import Location
from .geojson import leg_geometry, rider_colors
from .model import Problem
from .solution import Solution, StopKind
from .timefmt import format_time

ROUTE_CLASS = "medroute-route"
"""CSS class of every route polyline (one per route), e.g. to find them in the DOM."""
STOP_CLASS = "medroute-stop"
"""CSS class of every stop marker."""
LEAFLET_VERSION = "1.9.4"
JQUERY_SHIM = ("if (typeof window.$ === 'undefined') { window.$ = function (markup) {"
               " var t = document.createElement('template'); t.innerHTML = String(markup).trim();"
               " return Array.prototype.slice.call(t.content.childNodes); }; }")
"""folium's popups build their HTML with ``$(`<div>…</div>`)[0]`` (jQuery); without the jQuery CDN
this shim parses the markup into DOM nodes, which is all that call needs."""


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
    body = "".join(f"<tr><th style='text-align:left;padding-right:6px'>{html.escape(k)}</th>"
                   f"<td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<b>{html.escape(head)}</b><table>{body}</table>"


def _mins(seconds: int | None) -> str:
    return "–" if seconds is None else f"{seconds / 60:.0f} min"


def route_map(problem: Problem, solution: Solution, *, backend: Any = None, tiles: str | None = None,
              zoom_start: int = 13) -> Any:
    """A :class:`folium.Map` of the plan, self-contained (Leaflet inlined, no CDN).

    Parameters
    ----------
    problem, solution : the problem and its plan.
    backend : a travel backend whose ``path(a, b, *, profile)`` gives road geometry for the legs;
        ``None`` draws straight legs.
    tiles : a folium tile layer (e.g. ``"OpenStreetMap"``) for a base map; ``None`` (default)
        adds none, which keeps the page fully offline.
    zoom_start : initial zoom level before the map fits the plan's bounds.

    Returns
    -------
    folium.Map
        One polyline per route (CSS class :data:`ROUTE_CLASS`, a layer per rider with a layer
        switch), circle markers per stop (class :data:`STOP_CLASS`) with popups giving the
        ETAs (``HH:MM``), waiting and every cold item's minutes out of the fridge, squares for
        pharmacies and red markers for unassigned orders with their reason.
    """
    folium: Any = require("folium", "viz")
    branca_element: Any = require("branca.element", "viz")
    pts_all = [p.location for p in problem.pharmacies] + [o.location for o in problem.orders]
    pts_all += [r.start for r in problem.riders]
    if pts_all:
        center = [sum(p.lat for p in pts_all) / len(pts_all), sum(p.lon for p in pts_all) / len(pts_all)]
    else:
        center = [-8.2192, 114.3691]  # Banyuwangi
    fmap = folium.Map(location=center, zoom_start=zoom_start, tiles=tiles, control_scale=True)
    # No CDN: inline the shipped Leaflet; drop folium's jQuery/Bootstrap/awesome-markers links.
    fmap.default_js = []
    fmap.default_css = []
    js, css = leaflet_assets()
    header = fmap.get_root().header
    header.add_child(branca_element.Element(f"<style>{css}</style>"), name="leaflet_css_inline")
    header.add_child(branca_element.Element(f"<script>{js}</script>"), name="leaflet_js_inline")
    header.add_child(branca_element.Element(f"<script>{JQUERY_SHIM}</script>"), name="jquery_shim")

    colors = rider_colors([r.rider for r in solution.routes])
    cache: dict[tuple[Location, Location, str], tuple[list[Location], str]] = {}
    pharmacies = folium.FeatureGroup(name="pharmacies")
    for ph in problem.pharmacies:
        folium.CircleMarker(
            [ph.location.lat, ph.location.lon], radius=8, color="black", fill=True, fill_color="#333333",
            fill_opacity=0.9, class_name="medroute-pharmacy",
            tooltip=html.escape(ph.name or ph.id),
            popup=folium.Popup(_popup_html([("id", ph.id), ("opening", ", ".join(str(w) for w in ph.opening))],
                                           f"Pharmacy {ph.name or ph.id}"), max_width=300),
        ).add_to(pharmacies)
    pharmacies.add_to(fmap)

    for route in solution.routes:
        color = colors[route.rider]
        group = folium.FeatureGroup(name=f"rider {route.rider}")
        line: list[Location] = []
        for ps in placed_stops(problem, route):
            s, o = ps.stop, ps.order
            if line:
                leg, _ = leg_geometry(backend, line[-1], ps.location, ps.rider.profile, cache)
                line.extend(leg[1:])
            else:
                line.append(ps.location)
            if s.kind not in (StopKind.PICKUP, StopKind.DELIVERY) and ps.seq > 0:
                continue
            rows = [("rider", route.rider), ("stop", f"{ps.seq} · {s.kind.value}")]
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
                rows.append((f"cold {oid}", f"{_mins(exposure)} out of fridge"))
            head = {"start": "Start", "pickup": "Pickup", "delivery": "Delivery", "end": "End"}[s.kind.value]
            folium.CircleMarker(
                [ps.location.lat, ps.location.lon], radius=6 if s.kind == StopKind.DELIVERY else 4,
                color=color, fill=True, fill_color="white" if s.kind == StopKind.DELIVERY else color,
                fill_opacity=1.0, weight=2, class_name=STOP_CLASS,
                tooltip=html.escape(f"{route.rider} {format_time(s.start_s)} {s.kind.value} {s.order or ''}"),
                popup=folium.Popup(_popup_html(rows, f"{head} — {route.rider}"), max_width=320),
            ).add_to(group)
        if len(line) >= 2:
            km = route.distance_m / 1000
            folium.PolyLine(
                [[p.lat, p.lon] for p in line], color=color, weight=4, opacity=0.8, class_name=ROUTE_CLASS,
                tooltip=html.escape(f"{route.rider}: {len(route.orders)} orders, {km:.1f} km"),
            ).add_to(group)
        group.add_to(fmap)

    missing = folium.FeatureGroup(name="unassigned")
    for oc in order_outcomes(problem, solution):
        if oc.served:
            continue
        loc = oc.order.location
        folium.CircleMarker(
            [loc.lat, loc.lon], radius=6, color="red", fill=True, fill_color="red", fill_opacity=0.6,
            class_name="medroute-unassigned", tooltip=html.escape(f"{oc.order.id}: {oc.reason}"),
            popup=folium.Popup(_popup_html([("order", oc.order.id), ("reason", oc.reason or ""),
                                            ("detail", oc.detail)], "Unassigned"), max_width=320),
        ).add_to(missing)
    missing.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    if pts_all:
        fmap.fit_bounds([[min(p.lat for p in pts_all), min(p.lon for p in pts_all)],
                         [max(p.lat for p in pts_all), max(p.lon for p in pts_all)]])
    return fmap


def map_html(problem: Problem, solution: Solution, **kw: Any) -> str:
    """The page of :func:`route_map` as one HTML string (keyword arguments as there)."""
    page: str = route_map(problem, solution, **kw).get_root().render()
    return page


def save_map(path: str | Path, problem: Problem, solution: Solution, **kw: Any) -> Path:
    """Write :func:`map_html` to ``path`` (UTF-8) and return the path."""
    p = Path(path)
    p.write_text(map_html(problem, solution, **kw), encoding="utf-8")
    return p
