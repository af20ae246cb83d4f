"""The HTML map: self-contained (no CDN), popups with ETAs and cold exposure."""

from __future__ import annotations

from pathlib import Path

import pytest

from medroute.maps import ROUTE_CLASS, STOP_CLASS, map_html, save_map
from tests.plans import small_plan

pytest.importorskip("folium")


def test_self_contained() -> None:
    p, s = small_plan()
    page = map_html(p, s)
    assert "<script src=" not in page and "cdn.jsdelivr" not in page and "code.jquery" not in page
    assert "L.map(" in page or "L.map (" in page
    assert "Leaflet 1.9.4" in page or "1.9.4" in page
    assert page.count(f'"className": "{ROUTE_CLASS}"') == len(s.routes)
    assert STOP_CLASS in page
    assert "L.tileLayer(" not in page  # offline by default
    assert "08:14:51" in page  # an ETA in a popup
    assert "out of fridge" in page
    assert "beyond_trip_limit" in page


def test_tiles_opt_in(tmp_path: Path) -> None:
    p, s = small_plan()
    path = save_map(tmp_path / "m.html", p, s, tiles="OpenStreetMap")
    assert "L.tileLayer(" in path.read_text(encoding="utf-8")
