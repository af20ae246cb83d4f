"""The HTML map: self-contained (no CDN), popups with ETAs and cold exposure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from medroute.outputs.maps import ROUTE_CLASS, STOP_CLASS, map_html, save_map
from tests.plans import bridged_plan, small_plan

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


def _layer_names(page: str, kind: str) -> list[str]:
    """The names the layer control lists as ``base_layers`` or ``overlays``."""
    block = re.search(kind + r"\s*:\s*\{(.*?)\}", page, re.S)
    assert block is not None
    return re.findall(r'"([^"]+)"\s*:', block.group(1))


def test_grouped_layers_legend_and_rider_selector_at_150_riders() -> None:
    from medroute.outputs.maps import PANEL_CLASS
    from tests.plans import scale_plan

    p, s = scale_plan(1000, 150, 20)
    page = map_html(p, s)
    assert _layer_names(page, "overlays") == ["Pharmacies (20)", "Routes (150 riders)", "Stops", "Unassigned (0)"]
    assert _layer_names(page, "base_layers") == ["No base map"]
    assert PANEL_CLASS in page and "medroute-rider-select" in page
    assert page.count(f'"className": "{ROUTE_CLASS}"') == 150


def test_extra_overlays_and_legend_rows_join_the_plan_layers() -> None:
    folium = pytest.importorskip("folium")
    p, s = small_plan()
    extra = folium.FeatureGroup(name="Demand by kecamatan")
    page = map_html(p, s, overlays=[extra], legend_items=[("#ffaa00", "orders per 1,000 people")])
    assert "Demand by kecamatan" in _layer_names(page, "overlays") and "orders per 1,000 people" in page


def test_bridges_are_dashed_on_the_map() -> None:
    from medroute.outputs.maps import BRIDGE_CLASS
    p, s, be = bridged_plan()
    page = map_html(p, s, backend=be)
    assert page.count(f'"className": "{BRIDGE_CLASS}"') == 1
    assert '"dashArray": "6 5"' in page
    assert _layer_names(page, "base_layers") == ["Roads (offline)", "No base map"]  # the backend's graph
