"""The interactive map renders in a real (headless) browser, offline, without console errors.

Needs Chromium (Debian: ``apt-get install -y chromium``); skipped when no Chromium binary exists.
The page is loaded from a file with networking disabled; a script injected in front of the
page records uncaught errors and failed resource loads (capture phase) into the DOM, and
Chromium's console log (``--enable-logging=stderr``) is scanned as well.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from medroute.outputs.maps import (
    BRIDGE_CLASS,
    CASING,
    CASING_CLASS,
    EDGE_CLASS,
    OFFLINE_ATTRIBUTE,
    PANEL_CLASS,
    ROUTE_CLASS,
    STOP_CLASS,
    UNASSIGNED_CLASS,
    map_html,
)
from tests.plans import bridged_plan, scale_plan, small_plan

pytest.importorskip("folium")

CHROMIUM = next((b for b in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
                 if shutil.which(b)), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr",
         "--v=0", "--virtual-time-budget=5000", "--window-size=1280,800"]  # a laptop screen
CATCHER = """<script>
window.__errors = [];
function __record(msg) { window.__errors.push(String(msg));
  document.documentElement.setAttribute('data-errors', window.__errors.join(' | ')); }
window.addEventListener('error', function (e) {
  __record(e.message || ('failed to load ' + ((e.target && (e.target.src || e.target.href)) || '?')));
}, true);
window.addEventListener('unhandledrejection', function (e) { __record(e.reason); });
var __ce = console.error; console.error = function () { __record([].join.call(arguments, ' '));
  __ce.apply(console, arguments); };
</script>"""


def _render(page: str, tmp_path: Path, after_load: str = "") -> tuple[str, str]:
    """Chromium's DOM of ``page`` once loaded (and ``after_load`` JavaScript run), and its log."""
    assert CHROMIUM is not None
    html_file = tmp_path / "map.html"
    script = f"<script>window.addEventListener('load', function () {{ {after_load} }});</script>" if after_load else ""
    html_file.write_text(page.replace("<head>", "<head>" + CATCHER, 1).replace("</body>", script + "</body>", 1),
                         encoding="utf-8")
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                           html_file.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr


def _page_errors(dom: str) -> str | None:
    m = re.search(r'<html[^>]*data-errors="([^"]*)"', dom)
    return m.group(1) if m else None


def _console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary (apt-get install -y chromium)")
@pytest.mark.slow
def test_map_renders_offline_without_errors(tmp_path: Path) -> None:
    problem, solution = small_plan()
    page = map_html(problem, solution)
    assert "cdn." not in page and "<script src=" not in page and "<link rel=\"stylesheet\" href=" not in page
    dom, stderr = _render(page, tmp_path)
    assert _page_errors(dom) is None
    assert _console_errors(stderr) == []
    # Leaflet ran: the map container was initialised and the SVG overlay drawn.
    assert "leaflet-container" in dom
    assert len(re.findall(rf'class="[^"]*{ROUTE_CLASS}', dom)) == len(solution.routes)
    n_markers = sum(1 for r in solution.routes for s in r.stops if s.kind.value != "end")
    assert len(re.findall(rf'class="[^"]*{STOP_CLASS}', dom)) == n_markers
    # Unassigned orders: a cross (an SVG in a marker icon), not one more circle among the stops.
    crosses = re.findall(rf'<div class="leaflet-marker-icon {UNASSIGNED_CLASS}[^"]*"[^>]*><svg', dom)
    assert len(crosses) == len(solution.unassigned) == 1
    assert "leaflet-control-layers" in dom


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary (apt-get install -y chromium)")
@pytest.mark.slow
def test_harness_catches_errors(tmp_path: Path) -> None:
    """The harness is not blind: a broken script and a failing resource are reported."""
    page = "<html><head></head><body><script>undefinedFunction();</script>" \
           "<img src='http://127.0.0.1:9/tile.png'></body></html>"
    dom, stderr = _render(page, tmp_path)
    errors = _page_errors(dom)
    assert errors is not None
    assert "undefinedFunction" in errors
    assert "failed to load" in errors
    assert any("undefinedFunction" in line for line in _console_errors(stderr))


SCALES = {20: (4, 2), 200: (30, 8), 1000: (150, 20)}  # orders: (riders, pharmacies)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary (apt-get install -y chromium)")
@pytest.mark.slow
@pytest.mark.parametrize("orders", sorted(SCALES))
def test_map_at_scale_renders_with_grouped_layers_and_a_legend(orders: int, tmp_path: Path) -> None:
    riders, pharmacies = SCALES[orders]
    problem, solution = scale_plan(orders, riders, pharmacies)
    dom, stderr = _render(map_html(problem, solution), tmp_path)
    assert _page_errors(dom) is None
    assert _console_errors(stderr) == []
    assert len(re.findall(rf'class="[^"]*{ROUTE_CLASS}', dom)) == riders
    assert len(re.findall(rf'class="[^"]*{STOP_CLASS}', dom)) == riders + 2 * orders  # starts, pickups, doors
    assert len(re.findall(r"<label><span><input [^>]*leaflet-control-layers-selector", dom)) == 5  # 1 base, 4 overlays
    assert PANEL_CLASS in dom
    assert len(re.findall(r"<option ", dom)) == riders + 1  # every rider, and "all"
    _assert_cased_lines_under_markers(dom)
    _assert_doors_edged(dom, orders)


def _assert_cased_lines_under_markers(dom: str) -> None:
    """Every route line (and dashed stretch) has a dark casing drawn beneath it, so light palette
    colours stand out from the grey roads; the stop markers are drawn after (above) every line."""
    lines = [m.start() for m in re.finditer(rf'class="[^"]*(?:{ROUTE_CLASS}|{BRIDGE_CLASS})', dom)]
    casings = [m.start() for m in re.finditer(rf'class="[^"]*{CASING_CLASS}', dom)]
    stops = [m.start() for m in re.finditer(rf'class="[^"]*{STOP_CLASS}', dom)]
    assert lines and len(casings) == len(lines)
    assert all(c < line for c, line in zip(sorted(casings), sorted(lines), strict=True))
    assert max(lines) < min(stops)


def _assert_doors_edged(dom: str, doors: int) -> None:
    """Every door's ring (white fill) lies on a dark edge of the same circle, drawn just beneath it
    and wider, so that rings in light colours stand out; no other marker has one."""
    paths = re.findall(r"<path [^>]*>", dom)
    edges = [i for i, p in enumerate(paths) if EDGE_CLASS in p]
    assert len(edges) == doors == sum(STOP_CLASS in p and 'fill="white"' in p for p in paths)

    def attr(path: str, name: str) -> str:
        m = re.search(rf'{name}="([^"]*)"', path)
        assert m is not None, path
        return m.group(1)

    for i in edges:
        edge, ring = paths[i], paths[i + 1]
        assert STOP_CLASS in ring and attr(ring, "fill") == "white"
        assert attr(edge, "d") == attr(ring, "d") and attr(edge, "stroke") == CASING
        assert float(attr(edge, "stroke-width")) > float(attr(ring, "stroke-width"))


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary (apt-get install -y chromium)")
@pytest.mark.slow
def test_rider_selector_shows_one_rider(tmp_path: Path) -> None:
    problem, solution = scale_plan(200, 30, 8)
    chosen = solution.routes[7]
    pick = ("var s = document.querySelector('.medroute-rider-select'); s.value = " + repr(chosen.rider)
            + "; s.dispatchEvent(new Event('change'));")
    dom, _ = _render(map_html(problem, solution), tmp_path, after_load=pick)
    assert len(re.findall(rf'class="[^"]*{ROUTE_CLASS}', dom)) == 1
    assert len(re.findall(rf'class="[^"]*{STOP_CLASS}', dom)) == len(chosen.stops) - 1  # the end has no marker
    _assert_cased_lines_under_markers(dom)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary (apt-get install -y chromium)")
@pytest.mark.slow
def test_unreachable_web_tiles_fall_back_to_the_offline_base_map(tmp_path: Path) -> None:
    problem, solution, backend = bridged_plan()
    page = map_html(problem, solution, backend=backend, tiles="http://127.0.0.1:9/{z}/{x}/{y}.png")
    dom, _ = _render(page, tmp_path)
    assert re.search(rf'{OFFLINE_ATTRIBUTE}="offline"', dom)
    note = re.search(r'<div class="note medroute-offline-note" style="([^"]*)"', dom)
    assert note is not None and "none" not in note.group(1)
    assert "leaflet-tile" in dom  # it did try the web tiles first


FIND_MAP = ("var map = null; Object.keys(window).forEach(function (k) {"
            " try { if (window[k] instanceof L.Map) { map = window[k]; } } catch (e) {} });")


def _recorded(dom: str) -> dict[str, Any]:
    """What the after-load script recorded with ``record(value)`` (JSON in a DOM attribute)."""
    import html
    import json

    m = re.search(r'data-recorded="([^"]*)"', dom)
    assert m is not None, "the after-load script recorded nothing"
    value: dict[str, Any] = json.loads(html.unescape(m.group(1)))
    return value


RECORD = ("function record(v) { document.documentElement.setAttribute('data-recorded', JSON.stringify(v)); }")


def _when_settled(js: str) -> str:
    """``js`` run a second after the page loaded, once its layout and first fit have settled."""
    return f"setTimeout(function () {{ {FIND_MAP} {RECORD} {js} }}, 1000);"


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary (apt-get install -y chromium)")
@pytest.mark.slow
def test_stop_markers_grow_as_the_map_zooms_in(tmp_path: Path) -> None:
    from medroute.outputs.maps import MARKER_MAX_SCALE, MARKER_ZOOM

    problem, solution = scale_plan(400, 40, 8)  # above SMALL_MARKERS_FROM: the smallest markers
    widest = ("function widest() { var w = 0; document.querySelectorAll('." + STOP_CLASS + "').forEach("
              "function (c) { w = Math.max(w, c.getBBox().width); }); return w; }")
    zooms = [MARKER_ZOOM - 3, MARKER_ZOOM, MARKER_ZOOM + 1, MARKER_ZOOM + 4]
    door = problem.order[solution.routes[0].orders[0]].location  # markers out of view are not drawn
    script = _when_settled(
        widest + "var out = {};"
        + "".join(f"map.setView([{door.lat}, {door.lon}], {z}, {{animate: false}}); out['{z}'] = widest();"
                  for z in zooms)
        + "record(out);")
    dom, _ = _render(map_html(problem, solution), tmp_path, after_load=script)
    assert _page_errors(dom) is None
    width = {int(z): float(w) for z, w in _recorded(dom).items()}
    far, base, near, close = (width[z] for z in zooms)
    assert far == base > 0  # zoomed out: no smaller than the overview's markers
    assert base < near < close  # zoomed in: larger, level by level
    assert close == pytest.approx(MARKER_MAX_SCALE * base, rel=0.15)  # up to a cap


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary (apt-get install -y chromium)")
@pytest.mark.slow
@pytest.mark.parametrize("orders", [20, 200, 1000])
def test_the_first_view_fits_the_plan_clear_of_the_controls_and_fills_most_of_the_window(orders: int,
                                                                                        tmp_path: Path) -> None:
    riders, pharmacies = SCALES[orders]
    problem, solution = scale_plan(orders, riders, pharmacies)
    pts = [p.location for p in problem.pharmacies] + [o.location for o in problem.orders]
    pts += [r.start for r in problem.riders]
    south, west = min(p.lat for p in pts), min(p.lon for p in pts)
    north, east = max(p.lat for p in pts), max(p.lon for p in pts)
    script = _when_settled(
        f"var sw = map.latLngToContainerPoint([{south}, {west}]), ne = map.latLngToContainerPoint([{north}, {east}]);"
        "var m = map.getContainer().getBoundingClientRect(), controls = [];"
        "document.querySelectorAll('.leaflet-control').forEach(function (c) { var b = c.getBoundingClientRect();"
        " controls.push([b.left - m.left, b.top - m.top, b.right - m.left, b.bottom - m.top]); });"
        "var size = map.getSize(); record({box: [sw.x, ne.y, ne.x, sw.y], w: size.x, h: size.y, controls: controls});")
    dom, _ = _render(map_html(problem, solution), tmp_path, after_load=script)
    got = _recorded(dom)
    x0, y0, x1, y1 = got["box"]
    w, h = float(got["w"]), float(got["h"])
    assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h  # all in view
    assert len(got["controls"]) >= 3  # zoom, layers, legend (and the scale bar)
    for cx0, cy0, cx1, cy1 in got["controls"]:
        assert x1 < cx0 or cx1 < x0 or y1 < cy0 or cy1 < y0  # no control covers the plan
    assert max((x1 - x0) / w, (y1 - y0) / h) > 0.7  # whole zoom levels left as little as half the window
