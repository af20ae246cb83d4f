"""Write a whole output folder for a plan: JSON, GeoJSON, CSV tables, report, figures and map.

Layout of ``out/`` (see ``docs/outputs.md``)::

    problem.json        the problem planned (so `medroute check` can re-check the plan)
    plan.json           the plan (docs/schema/solution.schema.json)
    travel.npz          the travel the plan was timed with (``matrix=``; one travel profile): the matrix,
                        or for a day planned in parts the legs the checker reads
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
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..check import Violation
from ..errors import MissingTravelWarning
from ..matrices import GIVEN_MATRIX, MatrixLike
from ..model import Problem
from ..solution import Solution, TravelSource
from ..travel.base import TravelBackend, TravelMatrix
from ..travel.lookup import LegLookup
from ..travel.matrix import LegTable

FIGURES = ("routes", "routes_by_pharmacy", "timeline", "timeline_pNN", "cold_exposure")
"""Figures written under ``figures/`` (PNG). ``routes_by_pharmacy`` (small multiples, one map per
home pharmacy) is written when routes start from more than one pharmacy or the routes figure
colours by pharmacy (more than :data:`medroute.outputs.plot.RIDER_LEGEND_MAX` routes); with more than
:data:`medroute.outputs.plot.TIMELINE_PAGE` riders ``timeline`` is the activity chart and the Gantt pages
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


def plan_travel(problem: Problem, solution: Solution, matrix: MatrixLike,
                backend: Any = None) -> dict[str, TravelMatrix] | LegTable | None:
    """The travel to write as ``travel.npz``: ``matrix``, else the plan's own backend rebuilt from
    the name it records when that needs no outside data (haversine with its parameters:
    :func:`~medroute.travel.factory.backend_from_name`), else what ``backend`` computes when it is
    the travel the plan records; ``None`` when there is none to write.

    For a plan without a travel digest (a day planned in parts) it is the legs the plan rides and
    :func:`medroute.check` reads (:func:`plan_legs`), never a square matrix over the day's places.
    Without a ``travel.npz``, ``medroute check`` re-checks a plan on haversine only (what a plan
    made without ``matrix=`` records) and asks for the travel of any other plan: a
    :class:`~medroute.errors.MissingTravelWarning` says so when such a plan goes without one
    (no travel given, several travel profiles, or travel that is not the plan's: another digest, or
    for a plan without one, another backend's name).
    """
    from ..matrices import as_matrices, travel_source
    from ..travel.factory import backend_from_name

    made = solution.travel or TravelSource(backend="haversine")  # no record: checked on haversine
    needed = made.backend != "haversine"
    given = "matrix="
    if matrix is None and needed:
        rebuilt = backend_from_name(made.backend)
        if rebuilt is not None:
            matrix, given = rebuilt, "the backend rebuilt from the plan's record"
        elif backend is not None and made.digest and len(problem.profiles) == 1:
            matrix, given = backend, "backend="  # the drawing backend, kept only if it times the plan's legs
    if matrix is None:
        if needed:
            _missing_travel(f"the plan was made with travel {made.backend or 'of unknown backend'!r} "
                            "and no matrix= was given", _what_to_pass(made.backend))
        return None
    if len(problem.profiles) != 1:
        if needed:
            _missing_travel(f"travel.npz holds one travel profile and the problem has {len(problem.profiles)}")
        return None
    if not made.digest:
        return plan_legs(problem, solution, matrix)
    mats = as_matrices(problem, matrix)
    now = travel_source(problem, solution, mats)
    if now.digest != made.digest:
        _missing_travel(f"{given} ({now.backend or 'unknown backend'}, digest {now.digest}) is not the travel the "
                        f"plan was timed with ({made.backend or 'unknown backend'}, digest {made.digest})")
        return None
    return mats


def plan_legs(problem: Problem, solution: Solution, matrix: MatrixLike) -> LegTable | None:
    """The legs ``solution`` rides and :func:`medroute.check` reads
    (:func:`~medroute.check.checked_legs`), timed with ``matrix`` (a problem of one travel profile):
    a travel backend is asked for those legs only, in batches, and a matrix is read; ``None``, with
    a :class:`~medroute.errors.MissingTravelWarning`, when ``matrix`` names another backend than
    the plan records (a plan without a digest is told by name only)."""
    from ..check import checked_legs
    from ..matrices import as_matrices, other_backend

    (profile,) = problem.profiles
    by_id_only = getattr(matrix, "locations", False) is None  # a MatrixBackend matched by ids: a matrix
    source: TravelMatrix | TravelBackend
    if isinstance(matrix, TravelBackend) and not isinstance(matrix, TravelMatrix) and not by_id_only:
        source, name = matrix, matrix.name
    else:
        source = as_matrices(problem, matrix)[profile]
        name = source.backend or GIVEN_MATRIX
    made = solution.travel.backend if solution.travel is not None else "haversine"
    if other_backend(made, name):
        _missing_travel(f"matrix= ({name}) is not the travel the plan was timed with ({made})", stacklevel=5)
        return None
    pairs = checked_legs(problem, solution)[profile]
    lookup = LegLookup(source, problem.locations, profile)
    lookup.prefetch(pairs)
    legs = [lookup.leg(a, b) for a, b in pairs]
    places = problem.locations
    return LegTable.of([(places[a], places[b]) for a, b in pairs], [d for d, _ in legs], [m for _, m in legs],
                       profile=profile, backend=name)


def _what_to_pass(name: str) -> str:
    """What to pass as ``write_outputs(matrix=...)`` for a plan that records travel ``name``
    that the name alone does not rebuild."""
    base = name.removeprefix("cached-").partition("(")[0]
    if base in ("", GIVEN_MATRIX):
        return "pass matrix=, the matrix the plan was solved with (the same arrays, TravelMatrix or MatrixBackend)"
    source = {"osm": "source=<the road graph it was planned on>", "osrm": "source=<the OSM extract it was planned on>",
              "osrm-http": "base_url=<the server it was planned on>"}.get(base)
    if source is None:
        return f"pass matrix=, the travel backend {name!r} the plan was solved with"
    params = f" and the parameters {name!r} names" if "(" in name else ""
    scenario = " (for a scenario: matrix=scenario.travel_backend)" if base == "osm" else ""
    return f"pass matrix=medroute.travel.backend({base!r}, {source}){params}: the backend it was solved with{scenario}"


def _missing_travel(why: str, advice: str = "pass matrix=, the matrix or backend the plan was solved with",
                    stacklevel: int = 4) -> None:
    warnings.warn(MissingTravelWarning(
        f"write_outputs: no travel.npz written: {why}; `medroute check` on the folder will ask for the travel "
        f"({advice})"), stacklevel=stacklevel)


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
        Road graph drawn under the routes figure (see :func:`medroute.outputs.plot.plot_routes`).
    tables, figures, html_map
        Write the CSV tables, the PNG figures, the HTML map.
    tiles
        Folium tile layer for the map (``None``: none, fully offline).
    dpi
        Figure resolution, dots per inch.
    progress
        Called with a short label before each step (e.g. to update a spinner).
    matrix
        The travel the plan was timed with: what was passed to :func:`medroute.solve` as
        ``matrix=`` (see :mod:`medroute.matrices`; for a scenario, ``scenario.matrix``). Written as
        ``travel.npz`` (one travel profile only) so ``medroute check`` re-checks the plan
        without the road data. For a plan without a travel digest (a day planned in parts) only
        the legs the checker reads are written (:func:`plan_legs`): a travel backend is asked for
        those, and no square matrix over the day is built. ``None``: the plan's backend rebuilt
        from the name it records where that needs no outside data (haversine with its parameters,
        :func:`~medroute.travel.factory.backend_from_name`), else ``backend``'s matrix when it
        times the plan's legs as recorded (same digest), else no ``travel.npz`` (fine for a plan
        made on the haversine default, else a :class:`~medroute.errors.MissingTravelWarning`
        naming what to pass).
        Travel that is not the plan's is never written (see :func:`plan_travel`).

    Returns
    -------
    dict[str, pathlib.Path]
        The files written, by name (``"plan.json"``, ``"figures/routes.png"``, ...).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    step = progress or (lambda _label: None)
    travel = plan_travel(problem, solution, matrix, backend)
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
    (out / "travel.npz").unlink(missing_ok=True)  # an earlier plan's travel would be checked against this one
    if travel is not None:
        step("travel.npz")
        if isinstance(travel, LegTable):
            travel.to_npz(out / "travel.npz")
        else:
            write_travel(out / "travel.npz", problem, travel)
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
