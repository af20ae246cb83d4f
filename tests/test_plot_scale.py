"""Figures at real scale: 20, 200 and 1,000 orders (up to 150 riders) stay legible — a legend that
fits beside the map, one small map per pharmacy, a paged or summed-up timeline, a cold-chain chart
of fixed size — and straight lines that are not roads are dashed. Tested by structure and size."""

from __future__ import annotations

import itertools
import struct
from functools import cache
from pathlib import Path

import pytest

from medroute import CoolBox, Location, Order, Pharmacy, Problem, Rider
from medroute.compile import compile_problem
from medroute.outputs import write_outputs
from medroute.outputs.plot import (
    LEGEND_MAX,
    TIMELINE_PAGE,
    plot_activity,
    plot_cold_exposure,
    plot_route_panels,
    plot_routes,
    plot_timeline,
    timeline_pages,
)
from medroute.schedule import build_solution
from medroute.solution import Solution
from tests.plans import bridged_plan, scale_plan

pytest.importorskip("matplotlib")

SIZES = {20: (4, 2), 200: (30, 8), 1000: (150, 20)}  # orders: (riders, pharmacies)


@cache
def _plan(orders: int) -> tuple[Problem, Solution]:
    riders, pharmacies = SIZES[orders]
    return scale_plan(orders, riders, pharmacies)


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def _legend_fits(fig: object) -> None:
    fig.canvas.draw()  # type: ignore[attr-defined]
    box = fig.bbox  # type: ignore[attr-defined]
    for ax in fig.axes:  # type: ignore[attr-defined]
        legend = ax.get_legend()
        if legend is not None:
            ext = legend.get_window_extent()
            assert ext.x0 >= box.x0 - 1 and ext.x1 <= box.x1 + 1 and ext.y0 >= box.y0 - 1 and ext.y1 <= box.y1 + 1


@pytest.mark.parametrize("orders", sorted(SIZES))
def test_routes_figure_keeps_one_line_per_route_and_a_legend_that_fits(orders: int) -> None:
    p, s = _plan(orders)
    fig = plot_routes(p, s)
    (ax,) = fig.axes
    lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert sorted(ln.get_label() for ln in lines) == sorted(r.rider for r in s.routes)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) <= LEGEND_MAX + 3
    if len(s.routes) > 12:  # by pharmacy: the legend names pharmacies, not 150 riders
        assert not any(lbl.startswith("rider-") for lbl in labels)
        assert any(lbl.startswith("Puskesmas Number 00") for lbl in labels)
    _legend_fits(fig)


def test_past_twelve_riders_the_routes_figure_says_a_pharmacy_s_riders_share_its_colour() -> None:
    from matplotlib.colors import to_hex

    from medroute.outputs.drawing import home_pharmacies, pharmacy_colors

    p, s = _plan(200)  # 30 riders, 8 pharmacies
    (ax,) = plot_routes(p, s).axes
    home, colors = home_pharmacies(p, s), pharmacy_colors(p)
    drawn = {ln.get_label(): to_hex(ln.get_color()) for ln in ax.get_lines() if not ln.get_label().startswith("_")}
    assert drawn == {r.rider: colors[home[r.rider]] for r in s.routes}
    legend = ax.get_legend()
    swatches = {t.get_text().rsplit(" (", 1)[0]: to_hex(h.get_color())
                for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True) if t.get_text()[0] == "P"}
    assert swatches == {ph.name: colors[ph.id] for ph in p.pharmacies if ph.id in home.values()}
    # ... and the figure says so: in its title and its legend's.
    assert "a colour per home pharmacy" in ax.get_title()
    assert "its riders share its colour" in legend.get_title().get_text()


def test_legend_says_how_many_pharmacies_it_leaves_out() -> None:
    p, s = scale_plan(300, 60, 30)
    labels = [t.get_text() for t in plot_routes(p, s).axes[0].get_legend().get_texts()]
    assert "… and 7 more" in labels


def test_small_multiples_one_panel_per_pharmacy() -> None:
    p, s = _plan(1000)
    fig = plot_route_panels(p, s)
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(titled) == 20
    assert all("riders" in ax.get_title() for ax in titled)
    w, h = fig.get_size_inches()
    assert w <= 18 and h <= 18
    riders_drawn = {ln.get_label() for ax in titled for ln in ax.get_lines() if not ln.get_label().startswith("_")}
    assert riders_drawn == {r.rider for r in s.routes}


@pytest.mark.parametrize("orders", sorted(SIZES))
def test_every_small_multiple_lists_its_riders_under_a_full_pharmacy_name(orders: int) -> None:
    p, s = _plan(orders)
    fig = plot_route_panels(p, s)
    names = {ph.name for ph in p.pharmacies}
    for ax in (ax for ax in fig.axes if ax.get_title()):
        drawn = sorted(ln.get_label() for ln in ax.get_lines() if not ln.get_label().startswith("_"))
        assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == drawn
        *name, counts = ax.get_title().split("\n")
        assert " ".join(name) in names and "rider" in counts
    _legend_fits(fig)


def test_small_multiples_show_unassigned_orders_in_their_pharmacys_panel() -> None:
    p, _ = _plan(200)
    riders, orders = SIZES[200][0], 200
    inst = compile_problem(p)
    n = inst.n
    routes = [[x for k in range(r, orders, riders) if k not in (0, riders) for x in (k, n + k)] for r in range(riders)]
    plan = build_solution(inst, routes, engine="test")  # the first two orders of rider-000 left out
    dropped = {p.orders[0].id, p.orders[riders].id}
    assert {u.order for u in plan.unassigned} == dropped
    home = p.pharmacy[p.orders[0].pharmacy].name
    (ax,) = [ax for ax in plot_route_panels(p, plan).axes if ax.get_title().replace("\n", " ").startswith(home)]
    assert "2 unassigned" in ax.get_title()
    (crosses,) = [c for c in ax.collections if c.get_label() == "unassigned"]
    assert {tuple(xy) for xy in crosses.get_offsets()} == {(p.order[o].location.lon, p.order[o].location.lat)
                                                           for o in dropped}
    assert "unassigned" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_routes_legend_names_pharmacies_in_full() -> None:
    p, s = _plan(1000)
    labels = [t.get_text().replace("\n", " ") for t in plot_routes(p, s).axes[0].get_legend().get_texts()]
    assert "Puskesmas Number 00 with a long name (8)" in labels


def test_timeline_cold_counts_never_overlap_and_fit_their_band() -> None:
    """A rider dropping eight cold items at doors ten minutes apart on a long day: every count
    drawn lies inside its band's span and clear of the others."""
    site = Location(-8.2136, 114.3579)
    ph = Pharmacy("ph", site, name="RSUD")
    cold = tuple(Order(f"rx-{k}", "ph", Location(site.lat, site.lon + 0.08 + 0.035 * k), release_s=12 * 3600,
                       temperature="refrigerated") for k in range(8))
    early = Order("rx-early", "ph", Location(site.lat - 0.02, site.lon), release_s=7 * 3600)
    riders = (Rider("cold", site, start_s=7 * 3600, coolbox=CoolBox(parcels=8, volume_ml=100_000)),
              Rider("early", site, start_s=7 * 3600))
    prob = Problem((ph,), (*cold, early), riders, name="cold-row")
    inst = compile_problem(prob)
    n = inst.n
    plan = build_solution(inst, [[*range(8), *(n + k for k in range(8))], [8, n + 8]], engine="test")
    fig = plot_timeline(prob, plan)
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_text().endswith(" cold")]
    assert labels
    boxes = sorted((t.get_window_extent() for t in labels), key=lambda b: b.x0)
    assert all(a.x1 <= b.x0 for a, b in itertools.pairwise(boxes))
    bands = [ax.transData.transform(path.vertices)[:, 0] for c in ax.collections if c.get_label() == "_cold"
             for path in c.get_paths()]
    for box in boxes:
        assert any(xs.min() <= box.x0 and box.x1 <= xs.max() for xs in bands)


def test_timeline_in_pages() -> None:
    p, s = _plan(1000)
    assert timeline_pages(s) == 4
    first, last = plot_timeline(p, s), plot_timeline(p, s, page=3)
    assert [t.get_text() for t in first.axes[0].get_yticklabels()] == [r.rider for r in s.routes[:TIMELINE_PAGE]]
    assert len(last.axes[0].get_yticklabels()) == 150 - 3 * TIMELINE_PAGE
    assert first.get_size_inches()[1] <= 16
    assert "riders 1–40 of 150" in first.axes[0].get_title()


def test_activity_sums_every_rider_up_at_a_fixed_size() -> None:
    p, s = _plan(1000)
    fig = plot_activity(p, s)
    ax = fig.axes[0]
    assert tuple(fig.get_size_inches()) == (11.0, 5.0)
    assert {c.get_label() for c in ax.collections} >= {"riding", "waiting", "pickup", "delivery"}
    top = ax.collections[-1].get_paths()[0].vertices[:, 1].max()  # the stack's upper edge
    assert 0 < top <= 150
    cold_axis = fig.axes[1]
    assert cold_axis.get_lines()[0].get_label() == "cold items on board"


def test_cold_chain_at_scale_is_one_sorted_chart() -> None:
    p, s = _plan(1000)
    fig = plot_cold_exposure(p, s)
    ax = fig.axes[0]
    n_cold = sum(1 for o in p.orders if o.needs_coolbox)
    assert len(ax.patches) == n_cold
    assert fig.get_size_inches()[1] <= 6
    assert f"{n_cold} items" in ax.get_title()


@pytest.mark.parametrize("orders", sorted(SIZES))
def test_output_figures_stay_bounded(orders: int, tmp_path: Path) -> None:
    p, s = _plan(orders)
    written = write_outputs(tmp_path, p, s, html_map=False, tables=False)
    pngs = {name: _png_size(path) for name, path in written.items() if name.endswith(".png")}
    assert all(w <= 2400 and h <= 2400 for w, h in pngs.values()), pngs
    pages = [n for n in pngs if n.startswith("figures/timeline_p")]
    assert len(pages) == (4 if orders == 1000 else 0)
    assert "figures/routes_by_pharmacy.png" in pngs  # every size has riders from more than one pharmacy


def test_bridges_are_dashed_in_the_figure() -> None:
    p, s, be = bridged_plan()
    fig = plot_routes(p, s, backend=be, graph=be)
    ax = fig.axes[0]
    solid = next(ln for ln in ax.get_lines() if ln.get_label() == "r")
    dashed = next(ln for ln in ax.get_lines() if ln.get_label() == "_bridge:r")
    assert solid.get_linestyle() == "-" and dashed.get_linestyle() == "--"
    # The base map is roads only: the graph's bridge is drawn once, as the route's dashed stretch.
    (roads,) = [c for c in ax.collections if c.get_label() == "_roads"]
    assert len(roads.get_segments()) == 4
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "straight line, no road data" in labels
