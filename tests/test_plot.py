"""Figures, tested by structure (artists, labels), not pixels."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from medroute.geo import Location
from medroute.outputs.plot import plot_cold_exposure, plot_routes, plot_timeline, save_figure
from tests.plans import small_plan, small_problem

pytest.importorskip("matplotlib")


def test_routes_one_line_per_route() -> None:
    p, s = small_plan()
    fig = plot_routes(p, s)
    (ax,) = fig.axes
    lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert sorted(ln.get_label() for ln in lines) == sorted(r.rider for r in s.routes)
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"pharmacy", "delivered", "unassigned", "ani", "budi"} <= labels
    assert ax.get_xlabel().startswith("longitude")


def test_unassigned_doors_take_the_colour_no_rider_takes() -> None:
    from matplotlib.colors import to_hex

    from medroute.outputs.drawing import UNASSIGNED_COLOR

    p, s = small_plan()
    (ax,) = plot_routes(p, s).axes
    (marks,) = [c for c in ax.collections if c.get_label() == "unassigned"]
    assert {to_hex(c) for c in marks.get_facecolors()} == {UNASSIGNED_COLOR}
    riders = {to_hex(ln.get_color()) for ln in ax.get_lines() if not ln.get_label().startswith("_")}
    assert UNASSIGNED_COLOR not in riders


def test_routes_on_road_graph(tmp_path: Path) -> None:
    import networkx as nx

    p, s = small_plan()
    g = nx.MultiDiGraph()
    g.add_node(1, x=114.36, y=-8.21)
    g.add_node(2, x=114.37, y=-8.22)
    g.add_edge(1, 2)

    class Bendy:
        def path(self, a: Location, b: Location, *, profile: str = "motorbike") -> list[Location]:
            return [a, Location(a.lat, b.lon), b]

    fig = plot_routes(p, s, graph=g, backend=Bendy())
    ax = fig.axes[0]
    assert len(ax.collections) >= 1  # roads + scatters
    ani = next(ln for ln in ax.get_lines() if ln.get_label() == "ani")
    corner = (p.order["rx-2"].location.lon, p.pharmacy["rsud"].location.lat)  # Bendy's bend on the first leg
    assert corner in set(zip(ani.get_xdata(), ani.get_ydata(), strict=True))
    save_figure(fig, tmp_path / "r.png")
    assert (tmp_path / "r.png").stat().st_size > 1000


def test_timeline() -> None:
    p, s = small_plan()
    fig = plot_timeline(p, s)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ani", "budi"]
    legend = {t.get_text() for t in fig.legends[0].get_texts()}
    assert {"riding", "waiting", "pickup", "delivery", "cold items on board"} == legend
    assert any(c.get_label() == "_cold" for c in ax.collections)  # ani carries rx-2 cold


def test_cold_exposure() -> None:
    p, s = small_plan()
    fig = plot_cold_exposure(p, s)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["rx-2"]
    assert len(ax.patches) == 1
    assert ax.patches[0].get_width() == pytest.approx(411 / 60)


def test_cold_exposure_legend_covers_no_bar_or_tick_and_stays_in_the_figure() -> None:
    base = small_problem()
    cold = tuple(dataclasses.replace(o, temperature="refrigerated") if o.id == "rx-1" else o for o in base.orders)
    p, s = small_plan(base.replace(orders=cold))  # ani carries rx-1 and rx-2, both cold
    fig = plot_cold_exposure(p, s)
    fig.canvas.draw()
    ax = fig.axes[0]
    box = ax.get_legend().get_window_extent()
    assert not box.overlaps(ax.bbox)  # outside the plotting area: no bar or budget tick under it
    assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1)


def test_timeline_of_a_plan_without_routes_says_so() -> None:
    p, s = small_plan()
    empty = dataclasses.replace(s, routes=())
    ax = plot_timeline(p, empty).axes[0]
    assert [t.get_text() for t in ax.texts] == ["no route"]
    assert list(ax.get_xticks()) == []  # no clock hours 0-1 that the plan does not have


def test_figures_keep_the_backend_the_caller_chose() -> None:
    """A notebook on ipympl or a script on QtAgg keeps its backend: plt.show() still shows."""
    import matplotlib

    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        p, s = small_plan()
        plot_timeline(p, s)
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(before)


def test_the_command_line_draws_its_figures_with_agg(tmp_path: Path) -> None:
    import matplotlib

    from medroute import cli

    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        cli._write(tmp_path, lambda update: {})
        assert matplotlib.get_backend().lower() == "agg"
    finally:
        matplotlib.use(before)


def test_timeline_cold_band_runs_on_through_a_handover_while_cold_items_stay_on_board() -> None:
    base = small_problem()
    cold = tuple(dataclasses.replace(o, temperature="refrigerated") if o.id == "rx-1" else o for o in base.orders)
    p, s = small_plan(base.replace(orders=cold))  # ani: picks up rx-1, rx-2 (both cold), delivers rx-2, then rx-1
    ani = s.route_of("ani")
    assert ani is not None
    first_pickup = next(st for st in ani.stops if st.kind.value == "pickup")
    last_door = [st for st in ani.stops if st.kind.value == "delivery"][-1]
    fig = plot_timeline(p, s)
    ax = fig.axes[0]
    bands = [c for c in ax.collections if c.get_label() == "_cold"]
    rows = {round(float(c.get_paths()[0].vertices[:, 1].min()), 2): c for c in bands}
    ani_row = rows[round(0 + 0.22, 2)]
    spans = [(float(v[:, 0].min()), float(v[:, 0].max())) for v in (path.vertices for path in ani_row.get_paths())]
    assert spans == [pytest.approx((first_pickup.departure_s / 3600, last_door.start_s / 3600))]
