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

import pytest

from medroute.maps import ROUTE_CLASS, STOP_CLASS, map_html
from tests.plans import small_plan

pytest.importorskip("folium")

CHROMIUM = next((b for b in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
                 if shutil.which(b)), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr",
         "--v=0", "--virtual-time-budget=5000"]
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


def _render(page: str, tmp_path: Path) -> tuple[str, str]:
    assert CHROMIUM is not None
    html_file = tmp_path / "map.html"
    html_file.write_text(page.replace("<head>", "<head>" + CATCHER, 1), encoding="utf-8")
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
