"""Write a whole output folder for a plan: JSON, GeoJSON, CSV tables, report, figures and map.

Layout of ``out/`` (see ``docs/outputs.md``)::

    problem.json        the problem planned (so `medroute check` can re-check the plan)
    plan.json           the plan (docs/schema/solution.schema.json)
    plan.geojson        stops with ETAs and cold exposure, legs (road geometry when known)
    stops.csv routes.csv orders.csv kpis.csv
    report.md           KPIs, riders, unassigned with reasons, checker result, figures
    figures/routes.png figures/timeline.png figures/cold_exposure.png
    map.html            interactive map, self-contained (works offline)

The tables, figures and map need ``medroute[viz]`` (pandas, matplotlib, folium); without it, pass
``figures=False, html_map=False, tables=False`` to write only the JSON, GeoJSON and report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .check import Violation
from .model import Problem
from .solution import Solution

FIGURES = ("routes", "timeline", "cold_exposure")
"""Figure names written under ``figures/`` (PNG)."""


def write_outputs(out_dir: str | Path, problem: Problem, solution: Solution, *,
                  violations: Sequence[Violation] | None = None, backend: Any = None, graph: Any = None,
                  tables: bool = True, figures: bool = True, html_map: bool = True, tiles: str | None = None,
                  dpi: int = 120, progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Write the output folder for ``solution``.

    Parameters
    ----------
    out_dir : the folder (created if needed; files in it are overwritten).
    problem, solution : the problem and its plan.
    violations : what :func:`medroute.check` found, for the report; ``None`` = not checked.
    backend : travel backend whose ``path`` draws legs along the roads (GeoJSON, figure, map);
        ``None`` draws straight legs.
    graph : road graph drawn under the routes figure (see :func:`medroute.plot.plot_routes`).
    tables, figures, html_map : write the CSV tables, the PNG figures, the HTML map.
    tiles : folium tile layer for the map (``None``: none, fully offline).
    dpi : figure resolution, dots per inch.
    progress : called with a short label before each step (e.g. to update a spinner).

    Returns
    -------
    dict[str, pathlib.Path]
        The files written, by name (``"plan.json"``, ``"figures/routes.png"``, ...).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    step = progress or (lambda _label: None)
    if backend is not None:
        from .geojson import PathCache

        backend = PathCache(backend)
    written: dict[str, Path] = {}

    def put(name: str, text: str) -> None:
        path = out / name
        path.write_text(text, encoding="utf-8")
        written[name] = path

    step("plan.json")
    put("problem.json", json.dumps(problem.to_json(), indent=1, ensure_ascii=False) + "\n")
    put("plan.json", json.dumps(solution.to_json(), indent=1, ensure_ascii=False) + "\n")
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
        makers: dict[str, Callable[[], Any]] = {
            "routes": lambda: plot.plot_routes(problem, solution, graph=graph, backend=backend),
            "timeline": lambda: plot.plot_timeline(problem, solution),
            "cold_exposure": lambda: plot.plot_cold_exposure(problem, solution),
        }
        for name in FIGURES:
            step(f"figures/{name}.png")
            rel = f"figures/{name}.png"
            plot.save_figure(makers[name](), out / rel, dpi=dpi)
            written[rel] = out / rel
            fig_names.append(rel)
    if html_map:
        step("map.html")
        from .maps import map_html

        put("map.html", map_html(problem, solution, backend=backend, tiles=tiles))
    step("report.md")
    from .report import report_markdown

    put("report.md", report_markdown(problem, solution, violations, figures=fig_names))
    return written
