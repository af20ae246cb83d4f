"""The HTML map: self-contained (no CDN), popups with ETAs and cold exposure."""

from __future__ import annotations

import itertools
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


def _near_hue(color: str, ref: str, degrees: float = 20) -> bool:
    """Whether ``color`` is a vivid colour (not greyish, not dark) within ``degrees`` of ``ref``'s hue."""
    import colorsys

    def hsv(c: str) -> tuple[float, float, float]:
        return colorsys.rgb_to_hsv(*(int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)))

    (h, s, v), (h0, _, _) = hsv(color), hsv(ref)
    gap = abs(h - h0) * 360
    return min(gap, 360 - gap) <= degrees and s >= 0.3 and v >= 0.6


def test_no_rider_or_pharmacy_takes_the_unassigned_colour() -> None:
    from medroute.outputs.drawing import PALETTE, UNASSIGNED_COLOR, pharmacy_colors, rider_colors
    from tests.plans import scale_plan

    assert len(set(PALETTE)) == len(PALETTE) == 20  # the riders of one pharmacy (up to 20) stay distinct
    assert [c for c in PALETTE if _near_hue(c, UNASSIGNED_COLOR)] == []
    assert _near_hue("#d62728", UNASSIGNED_COLOR) and _near_hue("#ff9896", UNASSIGNED_COLOR)  # the check sees reds
    p, s = scale_plan(1000, 150, 20)
    used = {c.lower() for c in [*rider_colors(p, s).values(), *pharmacy_colors(p).values()]}
    assert UNASSIGNED_COLOR.lower() not in used


def _legend_rows(page: str) -> dict[str, str]:
    """The legend panel's rows as label → swatch markup."""
    import html
    import json

    m = re.search(r"legend\.innerHTML = (\".*?\");\n", page)
    assert m is not None
    rows = re.findall(r"<div class='row'><span class='key'>(.*?)</span><span>(.*?)</span></div>",
                      json.loads(m.group(1)))
    return {html.unescape(label): swatch for swatch, label in rows}


def test_unassigned_orders_are_crosses_in_a_reserved_colour_matching_the_legend() -> None:
    import json

    from medroute.outputs.drawing import UNASSIGNED_COLOR
    from medroute.outputs.maps import UNASSIGNED_CLASS, UNASSIGNED_ICON

    p, s = small_plan()
    assert len(s.unassigned) == 1
    page = map_html(p, s)
    icon = re.search(rf"L\.divIcon\(\{{html: (\".*?\"), className: '{UNASSIGNED_CLASS}'", page)
    assert icon is not None and json.loads(icon.group(1)) == UNASSIGNED_ICON
    crosses = re.search(r"(\[\[[^\n]*\]\])\.forEach\(function \(m\) \{\n    L\.marker", page)
    assert crosses is not None and [c[0:2] for c in json.loads(crosses.group(1))] == [[-8.4, 114.1]]
    legend = _legend_rows(page)
    assert [sw for label, sw in legend.items() if "unassigned" in label] == [UNASSIGNED_ICON]
    assert UNASSIGNED_COLOR in UNASSIGNED_ICON and "<path" in UNASSIGNED_ICON  # a cross, not a dot
    # No stop marker is drawn in the reserved colour.
    stops = re.findall(r'"(#[0-9a-f]{6})","(#[0-9a-f]{6}|white)",[\d.]+,"medroute-stop"', page)
    assert stops and UNASSIGNED_COLOR not in {c for pair in stops for c in pair}


def test_coordinates_are_rounded_and_the_1000_order_page_stays_small() -> None:
    from tests.plans import scale_plan

    p, s = scale_plan(1000, 150, 20)
    page = map_html(p, s)
    assert len(page) < 1_400_000  # 2.04 MB before coordinates were rounded and popups styled by CSS
    body = page[page.index("<body>"):]  # Leaflet itself is in the head
    assert re.findall(r"-?\d+\.\d{6,}", body) == []  # markers, routes, bounds: 5 decimals (1 m)
    assert "<th>stop</th>" in body and "<th style=" not in body  # popups styled once, by the page's CSS


def test_road_segments_are_joined_and_drawn_once() -> None:
    from medroute.outputs.maps import _chained

    def edges(lines: list[list[list[float]]]) -> set[frozenset[tuple[float, float]]]:
        return {frozenset(((a[0], a[1]), (b[0], b[1]))) for line in lines for a, b in itertools.pairwise(line)}

    # a - b - c - d as single edges in both directions, in no helpful order, and a spur b - e.
    a, b, c, d, e = [0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [1.0, 1.0]
    segments = [[c, d], [b, a], [a, b], [b, c], [d, c], [e, b], [c, b]]
    joined = _chained(segments)
    assert edges(joined) == edges(segments)
    assert sum(len(line) - 1 for line in joined) == 4  # every street once
    assert len(joined) == 2
    (line,) = _chained([[[114.123456789, -8.123456789], [114.2, -8.2]]])
    assert sorted(line) == [[114.12346, -8.12346], [114.2, -8.2]]


def _cross_popup_rows(page: str) -> dict[str, str]:
    import html
    import json

    crosses = re.search(r"(\[\[[^\n]*\]\])\.forEach\(function \(m\) \{\n    L\.marker", page)
    assert crosses is not None
    ((_, _, _, popup),) = json.loads(crosses.group(1))
    return {k: html.unescape(v) for k, v in re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", popup)}


def test_an_unassigned_orders_popup_says_where_from_when_and_why_in_words() -> None:
    import dataclasses

    from medroute.reasons import Reason
    from medroute.timefmt import format_time

    p, s = small_plan()
    (left,) = s.unassigned
    order = p.order[left.order]
    rows = _cross_popup_rows(map_html(p, s))
    assert rows["pharmacy"] == p.pharmacy[order.pharmacy].name
    assert rows["released"] == format_time(order.release_s) and rows["windows"]
    assert rows["reason"] == f"{left.reason}: {Reason(left.reason).text}"
    assert rows["detail"] == left.detail
    bare = dataclasses.replace(s, unassigned=(dataclasses.replace(left, detail=""),))
    assert "detail" not in _cross_popup_rows(map_html(p, bare))  # no empty row


def test_a_cold_items_popup_row_gives_its_budget_beside_its_time_out_of_the_fridge() -> None:
    from medroute.outputs.frames import order_outcomes

    p, s = small_plan()
    (cold,) = [oc for oc in order_outcomes(p, s) if oc.served and oc.order.needs_coolbox]
    assert cold.budget_s is not None
    page = map_html(p, s)
    rows = re.findall(rf"<tr><th>cold {cold.order.id}</th><td>(\d+) min out of fridge of (\d+) min budget</td>", page)
    assert rows and {int(b) for _, b in rows} == {round(cold.budget_s / 60)}


def test_the_offline_base_map_draws_roads_only_not_the_bridges_between_road_clusters() -> None:
    import json

    p, s, be = bridged_plan()
    page = map_html(p, s, backend=be)
    bases = [json.loads(m) for m in re.findall(r'_add\((\{"features": .*?)\);\n', page)]
    drawn = {frozenset((tuple(a), tuple(b))) for base in bases for f in base["features"]
             for line in f["geometry"]["coordinates"] for a, b in itertools.pairwise(line)}
    assert drawn == {frozenset(e) for e in (((114.3, -8.2), (114.305, -8.2)), ((114.305, -8.2), (114.31, -8.205)),
                                            ((114.36, -8.23), (114.365, -8.23)), ((114.365, -8.23), (114.37, -8.235)))}
