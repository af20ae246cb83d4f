"""Demand by kecamatan against served orders: where the program reaches people, for analysts.

Each order's home is placed in its village and kecamatan with the shipped village layer
(:mod:`medroute.scenarios.population`); the kecamatan's population share (2010 census) is then set
against its share of the day's orders and of the orders the plan serves::

    from medroute import scenarios, solve
    from medroute.demand import demand_layer, kecamatan_demand, plot_demand
    sc = scenarios.load("puskesmas")
    plan = solve(sc.problem, matrix=sc.matrix)
    kecamatan_demand(sc.problem, plan)                  # one row per kecamatan
    plot_demand(sc.problem, plan).savefig("demand.png")   # needs medroute[viz]
    demand_layer(sc.problem, plan).add_to(fmap)         # a folium layer for any map
    demand_legend(sc.problem, plan)                     # its shading, as route_map legend rows

It fits any problem in Banyuwangi; orders outside the village layer (at sea, outside the regency)
are counted in a last row, ``OUTSIDE``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .datadir import data_file
from .errors import require
from .model import Problem
from .scenarios.population import VILLAGES_FILE, Villages, read_villages
from .solution import Solution

OUTSIDE = "(outside the village layer)"
"""The kecamatan name of orders whose home lies in no village."""


@dataclass(frozen=True, slots=True)
class KecamatanDemand:
    """One kecamatan's population against its orders.

    Attributes
    ----------
    kecamatan
        Its name (:data:`OUTSIDE` for orders in no village).
    population
        2010 census population of its villages.
    population_share
        Its share of the regency's population.
    orders
        Orders whose home lies in it.
    served
        Of those, orders the plan delivers (``orders`` when no plan is given).
    """

    kecamatan: str
    population: int
    population_share: float
    orders: int
    served: int

    @property
    def served_per_10k(self) -> float:
        """Served orders per 10,000 inhabitants (NaN without population)."""
        return 1e4 * self.served / self.population if self.population else float("nan")


def _villages(data_dir: Path | None) -> Villages:
    return read_villages(data_file(VILLAGES_FILE, data_dir, needed_by="the demand view"))


def _home_villages(problem: Problem, villages: Villages) -> np.ndarray:
    lat = np.array([o.location.lat for o in problem.orders], dtype=np.float64)
    lon = np.array([o.location.lon for o in problem.orders], dtype=np.float64)
    return villages.locate(lat, lon)


def kecamatan_demand(problem: Problem, solution: Solution | None = None, *,
                     data_dir: Path | None = None) -> list[KecamatanDemand]:
    """One row per kecamatan (all 25, most populous first), then :data:`OUTSIDE` if any order is.

    Parameters
    ----------
    problem
        A day in Banyuwangi.
    solution
        Its plan; ``None`` counts every order as served.
    data_dir
        A data directory searched before the shipped village layer (:mod:`medroute.datadir`).
    """
    villages = _villages(data_dir)
    where = _home_villages(problem, villages)
    served = set(solution.served) if solution is not None else {o.id for o in problem.orders}
    is_served = np.array([o.id in served for o in problem.orders], dtype=bool)
    kec = np.array(villages.kecamatan)
    total = int(villages.population.sum())
    order_kec = np.where(where >= 0, kec[np.maximum(where, 0)], OUTSIDE)
    rows = []
    for name in sorted(set(kec.tolist()), key=lambda k: -int(villages.population[kec == k].sum())):
        pop = int(villages.population[kec == name].sum())
        mine = order_kec == name
        rows.append(KecamatanDemand(name, pop, pop / total, int(mine.sum()), int((mine & is_served).sum())))
    outside = order_kec == OUTSIDE
    if outside.any():
        rows.append(KecamatanDemand(OUTSIDE, 0, 0.0, int(outside.sum()), int((outside & is_served).sum())))
    return rows


def plot_demand(problem: Problem, solution: Solution | None = None, *, ax: Any = None,
                data_dir: Path | None = None) -> Any:
    """Bars per kecamatan: its share of the population, of the orders and of the served orders.

    Kecamatan run from the most populous (top) down; a kecamatan whose orders bar falls short of
    its population bar gets fewer orders than its people would (the roads the day covers do not
    reach it, or the facilities are elsewhere); a served bar short of the orders bar is demand the
    plan leaves unserved. Needs matplotlib (``pip install 'medroute[viz]'``).

    Returns
    -------
    matplotlib.figure.Figure
        Three ``BarContainer`` s labelled ``population``, ``orders`` and ``served``; the y tick
        labels are the kecamatan names.
    """
    from .outputs.plot import _figure

    rows = kecamatan_demand(problem, solution, data_dir=data_dir)
    fig, ax = _figure(ax, (8.0, 0.32 * len(rows) + 1.6))
    n_orders = max(1, len(problem.orders))
    y = np.arange(len(rows))[::-1].astype(float)
    h = 0.27
    ax.barh(y + h, [100 * r.population_share for r in rows], h, color="#bbbbbb", label="population")
    ax.barh(y, [100 * r.orders / n_orders for r in rows], h, color="#4c72b0", label="orders")
    ax.barh(y - h, [100 * r.served / n_orders for r in rows], h, color="#55a868", label="served")
    ax.set_yticks(y, [r.kecamatan for r in rows], fontsize=8)
    ax.set_xlabel("share of the regency's population / of the day's orders (%)")
    served = sum(r.served for r in rows)
    ax.set_title(f"{problem.name or 'plan'}: demand by kecamatan — {len(problem.orders)} orders, "
                 f"{served} served", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


def demand_layer(problem: Problem, solution: Solution | None = None, *, data_dir: Path | None = None,
                 name: str = "demand by kecamatan") -> Any:
    """A :class:`folium.FeatureGroup` of the village polygons, shaded by their kecamatan's served
    orders per 10,000 inhabitants, with the kecamatan's figures in each tooltip.

    The polygons stay under the map's other layers, so routes and stops stay clickable. Add it
    to a map before the map's layer control (``route_map(p, s, overlays=[demand_layer(p, s)],
    legend_items=demand_legend(p, s))``, or ``.add_to(fmap)`` on a map of your own). Needs folium
    (``pip install 'medroute[viz]'``).
    """
    folium: Any = require("folium", "viz")
    villages = _villages(data_dir)
    rows = {r.kecamatan: r for r in kecamatan_demand(problem, solution, data_dir=data_dir)}
    top = _top_per_10k(rows.values())
    group = folium.FeatureGroup(name=name)
    for i, geom in enumerate(villages.geometry):
        r = rows[villages.kecamatan[i]]
        shade = r.served_per_10k / top
        tip = (f"<b>Kec. {html.escape(r.kecamatan)}</b> ({html.escape(villages.name[i])})<br>"
               f"population {r.population:,} ({100 * r.population_share:.1f} %)<br>"
               f"orders {r.orders}, served {r.served} ({r.served_per_10k:.2f} per 10,000)")
        folium.GeoJson({"type": "Feature", "geometry": geom, "properties": {}},
                       style_function=lambda _f, s=shade: {"color": "#555555", "weight": 0.5,
                                                           "fillColor": _ramp(s), "fillOpacity": 0.55},
                       tooltip=folium.Tooltip(tip)).add_to(group)
    _send_to_back(group)
    return group


def demand_legend(problem: Problem, solution: Solution | None = None, *, data_dir: Path | None = None,
                  steps: int = 3) -> list[tuple[str, str]]:
    """Legend rows for :func:`demand_layer`'s shading, for ``route_map(..., legend_items=)``.

    Parameters
    ----------
    problem, solution
        As given to :func:`demand_layer`.
    data_dir
        A data directory searched before the shipped village layer.
    steps
        Number of rows, from the busiest kecamatan's shade down to white (none served).

    Returns
    -------
    list of (str, str)
        ``(css colour, label)`` pairs, darkest first; a label gives the served orders per 10,000
        inhabitants its colour stands for.
    """
    top = _top_per_10k(kecamatan_demand(problem, solution, data_dir=data_dir))
    fractions = np.linspace(1.0, 0.0, max(2, steps))
    return [(_ramp(float(x)), f"kecamatan: {x * top:.2f} served per 10,000 people") for x in fractions]


def _top_per_10k(rows: Iterable[KecamatanDemand]) -> float:
    """The shading's scale: the highest served orders per 10,000 inhabitants (1 when none is served)."""
    return max((r.served_per_10k for r in rows if r.population), default=0.0) or 1.0


_TO_BACK_JS = """{%% macro script(this, kwargs) %%}
(function (g) {
  function back() { g.eachLayer(function (l) { if (l.bringToBack) { l.bringToBack(); } }); }
  g.on("add", back); back();
})(%s);
{%% endmacro %%}"""


def _send_to_back(group: Any) -> None:
    """Keep the polygons under the routes (so stops stay clickable), also when toggled on again."""
    branca: Any = require("branca.element", "viz")
    jinja2: Any = require("jinja2", "viz")
    element = branca.MacroElement()
    element._template = jinja2.Template(_TO_BACK_JS % "{{ this._parent.get_name() }}")
    group.add_child(element)


def _ramp(x: float) -> str:
    """White → dark green for x in [0, 1]."""
    x = min(1.0, max(0.0, x))
    r, g, b = (round(255 + (c - 255) * x) for c in (0x1b, 0x78, 0x37))
    return f"#{r:02x}{g:02x}{b:02x}"
