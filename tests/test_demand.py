"""The analyst view: demand by kecamatan against served orders (table, figure, map layer)."""

from __future__ import annotations

import pytest

from medroute import Location, Order, Problem, Solution
from medroute.demand import OUTSIDE, demand_layer, demand_legend, kecamatan_demand, plot_demand
from medroute.scenarios.population import VILLAGES_FILE, read_villages
from tests.data import data_path
from tests.plans import small_plan, small_problem

VILLAGES = read_villages(data_path(VILLAGES_FILE))
AT_SEA = Location(-8.20, 114.45)  # Bali Strait


def plan_with_an_order_at_sea() -> tuple[Problem, Solution]:
    p = small_problem()
    p = p.replace(orders=(*p.orders, Order("rx-5", "rsud", AT_SEA, release_s=8 * 3600)))
    return small_plan(p)


def kecamatan_of(loc: Location) -> str:
    v = int(VILLAGES.locate([loc.lat], [loc.lon])[0])
    return VILLAGES.kecamatan[v] if v >= 0 else OUTSIDE


def test_table_counts_orders_and_served_per_kecamatan() -> None:
    problem, plan = plan_with_an_order_at_sea()
    rows = kecamatan_demand(problem, plan)
    assert [r.kecamatan for r in rows[:-1]] == sorted(set(VILLAGES.kecamatan), key=lambda k: -sum(
        int(p) for p, kk in zip(VILLAGES.population, VILLAGES.kecamatan, strict=True) if kk == k))
    assert rows[-1].kecamatan == OUTSIDE and rows[-1].orders == 1 and rows[-1].served == 0
    served = set(plan.served)
    expect: dict[str, list[int]] = {}
    for o in problem.orders:
        e = expect.setdefault(kecamatan_of(o.location), [0, 0])
        e[0] += 1
        e[1] += o.id in served
    got = {r.kecamatan: [r.orders, r.served] for r in rows if r.orders}
    assert got == expect
    assert sum(r.population for r in rows) == 1_556_078
    assert sum(r.population_share for r in rows) == pytest.approx(1.0)


def test_without_a_plan_every_order_counts_as_served() -> None:
    problem = small_problem()
    rows = kecamatan_demand(problem)
    assert all(r.served == r.orders for r in rows) and sum(r.orders for r in rows) == len(problem.orders)


def test_figure_has_population_orders_and_served_bars() -> None:
    pytest.importorskip("matplotlib")
    problem, plan = plan_with_an_order_at_sea()
    fig = plot_demand(problem, plan)
    ax = fig.axes[0]
    bars = {c.get_label(): c for c in ax.containers}
    assert set(bars) == {"population", "orders", "served"}
    names = [t.get_text() for t in ax.get_yticklabels()]
    rows = kecamatan_demand(problem, plan)
    assert names == [r.kecamatan for r in rows]
    widths = [b.get_width() for b in bars["orders"]]
    assert widths == pytest.approx([100 * r.orders / 5 for r in rows])
    assert sum(b.get_width() for b in bars["served"]) == pytest.approx(100 * len(plan.served) / 5)


def test_map_layer_shades_every_village_with_its_kecamatan_figures() -> None:
    folium = pytest.importorskip("folium")
    problem, plan = plan_with_an_order_at_sea()
    layer = demand_layer(problem, plan)
    shapes = [c for c in layer._children.values() if isinstance(c, folium.GeoJson)]
    assert len(shapes) == len(VILLAGES)
    busiest = max((r for r in kecamatan_demand(problem, plan) if r.population), key=lambda r: r.served_per_10k)
    v = VILLAGES.kecamatan.index(busiest.kecamatan)
    (tip,) = [c.text for c in shapes[v]._children.values() if isinstance(c, folium.Tooltip)]
    assert f"orders {busiest.orders}, served {busiest.served}" in tip
    colours = {s.style_function({})["fillColor"] for s in shapes}
    assert "#1b7837" in colours and "#ffffff" in colours  # the busiest kecamatan darkest, the unserved white
    m = folium.Map(tiles=None)
    layer.add_to(m)
    assert "bringToBack" in m.get_root().render()


def test_legend_gives_the_scale_of_the_layer_shading() -> None:
    folium = pytest.importorskip("folium")
    problem, plan = plan_with_an_order_at_sea()
    legend = demand_legend(problem, plan, steps=3)
    top = max(r.served_per_10k for r in kecamatan_demand(problem, plan) if r.population)
    assert legend[0][0] == "#1b7837" and legend[-1][0] == "#ffffff"  # the busiest kecamatan's shade down to white
    assert [float(label.split(": ")[1].split()[0]) for _, label in legend] == pytest.approx([top, top / 2, 0], abs=0.01)
    layer = demand_layer(problem, plan)
    shades = {c.style_function({})["fillColor"] for c in layer._children.values() if isinstance(c, folium.GeoJson)}
    assert legend[0][0] in shades and legend[-1][0] in shades
    from medroute.outputs.maps import route_map

    m = route_map(problem, plan, overlays=[layer], legend_items=legend)
    assert all(label in m.get_root().render() for _, label in legend)


def test_a_day_without_orders() -> None:
    rows = kecamatan_demand(small_problem().replace(orders=()))
    assert len(rows) == 25 and all(r.orders == 0 and r.served_per_10k == 0.0 for r in rows)
