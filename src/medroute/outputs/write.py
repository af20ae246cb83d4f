"""Write a whole output folder for a plan: JSON, GeoJSON, CSV tables, report, figures and map.

Layout of ``out/`` (see ``docs/outputs.md``)::

    problem.json        the problem planned (so `medroute check` can re-check the plan)
    plan.json           the plan (docs/schema/solution.schema.json)
    travel.npz          the travel matrix the plan was timed with (when one is given)
    plan.geojson        stops with ETAs and cold exposure, legs (road geometry when known)
    stops.csv routes.csv orders.csv kpis.csv
    report.md           KPIs, riders, unassigned with reasons, checker result, figures
    figures/routes.png  figures/timeline.png  figures/cold_exposure.png
    figures/routes_by_pharmacy.png, figures/timeline_pNN.png   (when there are many riders)
    map.html            interactive map, self-contained (works offline)

The tables, figures and map need ``medroute[viz]`` (pandas, matplotlib, folium); without it, pass
``figures=False, html_map=False, tables=False`` to write only the JSON, GeoJSON and report.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..check import Violation
from ..matrices import MatrixLike
from ..model import Problem
from ..solution import Solution

FIGURES = ("routes", "routes_by_pharmacy", "timeline", "timeline_pNN", "cold_exposure")
"""Figures written under ``figures/`` (PNG). ``routes_by_pharmacy`` (small multiples, one map per
home pharmacy) is written when routes start from more than one pharmacy or the routes figure
colours by pharmacy (more than :data:`medroute.plot.RIDER_LEGEND_MAX` routes); with more than
:data:`medroute.plot.TIMELINE_PAGE` riders ``timeline`` is the activity chart and the Gantt pages
are ``timeline_p01``, ``timeline_p02``, ..."""


def figure_makers(problem: Problem, solution: Solution, *, graph: Any = None,
                  backend: Any = None) -> dict[str, Callable[[], Any]]:
    """The figures of the output folder for this plan: file stem → function drawing it."""
    from . import plot
    from .drawing import route_groups

    makers: dict[str, Callable[[], Any]] = {
        "routes": lambda: plot.plot_routes(problem, solution, graph=graph, backend=backend)}
    if len(solution.routes) > plot.RIDER_LEGEND_MAX or len(route_groups(problem, solution)) > 1:
        makers["routes_by_pharmacy"] = lambda: plot.plot_route_panels(problem, solution, graph=graph,
                                                                      backend=backend)
    pages = plot.timeline_pages(solution)
    if pages == 1:
        makers["timeline"] = lambda: plot.plot_timeline(problem, solution)
    else:
        makers["timeline"] = lambda: plot.plot_activity(problem, solution)
        for page in range(pages):
            makers[f"timeline_p{page + 1:02d}"] = functools.partial(plot.plot_timeline, problem, solution, page=page)
    makers["cold_exposure"] = lambda: plot.plot_cold_exposure(problem, solution)
    return makers


def write_travel(path: Path, problem: Problem, matrix: MatrixLike) -> None:
    """The problem's (single-profile) travel matrix as an ``.npz`` that
    :meth:`medroute.travel.MatrixBackend.from_npz` reads: ``durations_s``, ``distances_m`` and the
    rows' ``lat`` / ``lon``, compressed."""
    import numpy as np

    from ..matrices import as_matrices

    (m,) = as_matrices(problem, matrix).values()
    np.savez_compressed(path, durations_s=m.durations_s, distances_m=m.distances_m,
                        lat=np.array([loc.lat for loc in problem.locations]),
                        lon=np.array([loc.lon for loc in problem.locations]))


def write_outputs(out_dir: str | Path, problem: Problem, solution: Solution, *,
                  violations: Sequence[Violation] | None = None, backend: Any = None, graph: Any = None,
                  tables: bool = True, figures: bool = True, html_map: bool = True, tiles: str | None = None,
                  dpi: int = 120, progress: Callable[[str], None] | None = None,
                  matrix: MatrixLike = None) -> dict[str, Path]:
    """Write the output folder for ``solution``.

    Parameters
    ----------
    out_dir
        The folder (created if needed; files in it are overwritten).
    problem, solution
        The problem and its plan.
    violations
        What :func:`medroute.check` found, for the report; ``None`` = not checked.
    backend
        Travel backend whose ``path`` draws legs along the roads (GeoJSON, figure, map);
        ``None`` draws straight legs.
    graph
        Road graph drawn under the routes figure (see :func:`medroute.plot.plot_routes`).
    tables, figures, html_map
        Write the CSV tables, the PNG figures, the HTML map.
    tiles
        Folium tile layer for the map (``None``: none, fully offline).
    dpi
        Figure resolution, dots per inch.
    progress
        Called with a short label before each step (e.g. to update a spinner).
    matrix
        The travel the plan was timed with (see :mod:`medroute.matrices`); written as
        ``travel.npz`` (one travel profile only) so ``medroute check`` can re-check the plan
        without the road data. ``None`` writes none.

    Returns
    -------
    dict[str, pathlib.Path]
        The files written, by name (``"plan.json"``, ``"figures/routes.png"``, ...).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    step = progress or (lambda _label: None)
    if backend is not None:
        from .drawing import PathCache

        backend = PathCache(backend)
    written: dict[str, Path] = {}

    def put(name: str, text: str) -> None:
        path = out / name
        path.write_text(text, encoding="utf-8")
        written[name] = path

    step("plan.json")
    put("problem.json", json.dumps(problem.to_json(), indent=1, ensure_ascii=False) + "\n")
    put("plan.json", json.dumps(solution.to_json(), indent=1, ensure_ascii=False) + "\n")
    if matrix is not None and len(problem.profiles) == 1:
        step("travel.npz")
        write_travel(out / "travel.npz", problem, matrix)
        written["travel.npz"] = out / "travel.npz"
    step("plan.geojson")
    from .geojson import solution_geojson

    put("plan.geojson", json.dumps(solution_geojson(problem, solution, backend), ensure_ascii=False) + "\n")
    if tables:
        step("tables")
        from .frames import to_dataframes

        for name, frame in to_dataframes(problem, solution).items():
            path = out / f"{name}.csv"
            frame.to_csv(path, index=False)
            written[f"{name}.csv"] = path
    fig_names: list[str] = []
    if figures:
        from . import plot

        (out / "figures").mkdir(exist_ok=True)
        for stale in [*(out / "figures").glob("timeline_p*.png"), out / "figures" / "routes_by_pharmacy.png"]:
            stale.unlink(missing_ok=True)  # left by an earlier plan with more riders
        for name, make in figure_makers(problem, solution, graph=graph, backend=backend).items():
            step(f"figures/{name}.png")
            rel = f"figures/{name}.png"
            plot.save_figure(make(), out / rel, dpi=dpi)
            written[rel] = out / rel
            fig_names.append(rel)
    if html_map:
        step("map.html")
        from .maps import map_html

        put("map.html", map_html(problem, solution, backend=backend, tiles=tiles, graph=graph))
    step("report.md")
    from .report import report_markdown

    put("report.md", report_markdown(problem, solution, violations, figures=fig_names))
    return written
