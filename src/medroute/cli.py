"""The ``medroute`` command line: a thin layer over the library.

Commands: ``solve``, ``demo``, ``check``, ``simulate``, ``bench`` and ``graph build``. Errors
print as one line naming the rule and the offending id or JSON path; ``--debug`` adds the
traceback. Exit codes are listed in :data:`EXIT_CODES` and ``docs/cli.md``.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .errors import MedrouteError, MissingDependencyError

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_MISSING_DEPENDENCY = 4
EXIT_INTERRUPTED = 130

EXIT_CODES = {
    EXIT_OK: "success (for check: the plan is feasible)",
    EXIT_VIOLATIONS: "the plan breaks at least one rule (check, or the checker run after solve/demo)",
    EXIT_BAD_INPUT: "bad input: unreadable or invalid JSON, schema mismatch (JSON path given), unknown id, "
                    "missing file, unknown engine or backend, or a wrong command-line usage",
    EXIT_INTERNAL: "internal error (a bug: please report it with the output of --debug)",
    EXIT_MISSING_DEPENDENCY: "an optional dependency is missing (the message names the pip extra)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}
"""Exit status → meaning, shared by every command."""

EPILOG = "Exit codes: " + "; ".join(f"{code} {text}" for code, text in EXIT_CODES.items()) + "."

BACKENDS = ("haversine", "osm", "osrm", "matrix")

app = typer.Typer(name="medroute", help="Plan medicine deliveries by motorbike (Banyuwangi).",
                  epilog=EPILOG, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
graph_app = typer.Typer(help="Road graphs for the osm and osrm travel backends.", epilog=EPILOG,
                        no_args_is_help=True)
app.add_typer(graph_app, name="graph")

out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")]


def _fail(code: int, message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    return typer.Exit(code)


def _guard(debug: bool, body: Callable[[], int]) -> None:
    """Run a command body, mapping exceptions to one-line messages and exit codes."""
    try:
        code = body()
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        raise _fail(EXIT_INTERRUPTED, "interrupted") from None
    except MissingDependencyError as exc:
        if debug:
            traceback.print_exc()
        raise _fail(EXIT_MISSING_DEPENDENCY, str(exc)) from None
    except MedrouteError as exc:
        if debug:
            traceback.print_exc()
        raise _fail(EXIT_BAD_INPUT, str(exc)) from None
    except Exception as exc:
        if debug:
            traceback.print_exc()
        hint = "" if debug else " (run with --debug for the traceback)"
        raise _fail(EXIT_INTERNAL, f"internal error: {type(exc).__name__}: {exc}{hint}") from None
    raise typer.Exit(code)


@contextmanager
def _spinner(label: str) -> Iterator[Callable[[str], None]]:
    """A rich spinner on stderr (silent when stderr is not a terminal); yields an updater."""
    with err_console.status(label, spinner="dots") as status:
        yield lambda text: status.update(f"{label} — {text}")


def _travel(problem: Any, backend: str, graph: Path | None, matrix: Path | None) -> tuple[Any, Any]:
    """(travel backend, matrices by profile) for the command-line options."""
    from .errors import InvalidProblemError
    from .travel import backend as make_backend

    if backend not in BACKENDS:
        raise InvalidProblemError(f"--backend: unknown travel backend {backend!r}; choose one of {list(BACKENDS)}")
    if backend in ("osm", "osrm"):
        if graph is None:
            raise InvalidProblemError(f"--backend {backend} needs --graph PATH (a road graph file)")
        if not graph.exists():
            raise InvalidProblemError(f"--graph: file {str(graph)!r} does not exist")
        be = make_backend(backend, source=graph)
    elif backend == "matrix":
        if matrix is None:
            raise InvalidProblemError("--backend matrix needs --matrix PATH (an .npz with durations_s, distances_m)")
        if not matrix.exists():
            raise InvalidProblemError(f"--matrix: file {str(matrix)!r} does not exist")
        be = make_backend("matrix", path=matrix)
    else:
        be = make_backend("haversine")
    mats = {p: be.matrix(problem.locations, profile=p) for p in problem.profiles}
    return be, mats


def _road_graph(backend: Any) -> Any:
    inner = getattr(backend, "inner", backend)
    g = getattr(inner, "graph", None)
    return g if g is not None and hasattr(g, "weights") else None


def _summary(problem: Any, solution: Any, violations: list[Any], out: Path | None) -> None:
    from .report import format_kpi

    k = solution.kpis
    table = Table(title=f"{problem.name or 'plan'} — engine {solution.engine}", show_header=True)
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for name in ("orders", "served", "unassigned", "riders_used", "on_time_share", "distance_m", "travel_s",
                 "max_late_s", "max_cold_exposure_s", "cost_rp"):
        table.add_row(name, format_kpi(name, getattr(k, name)))
    table.add_row("checker", "feasible" if not violations else f"{len(violations)} violation(s)")
    out_console.print(table)
    if out is not None:
        out_console.print(f"Wrote {out}/ (report.md, plan.json, plan.geojson, map.html, figures/)")
    for v in violations[:10]:
        err_console.print(f"violation: {v}", markup=False)


@app.command(epilog=EPILOG)
def solve(
    problem_file: Annotated[Path, typer.Argument(help="Problem JSON (docs/schema/problem.schema.json).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder.")] = Path("out"),
    engine: Annotated[str, typer.Option(help="auto, ortools, pyvrp or greedy.")] = "auto",
    backend: Annotated[str, typer.Option(help="Travel backend: haversine, osm, osrm or matrix.")] = "haversine",
    graph: Annotated[Path | None, typer.Option(help="Road graph file for --backend osm/osrm.")] = None,
    matrix: Annotated[Path | None, typer.Option(help="Matrix .npz for --backend matrix.")] = None,
    time_limit: Annotated[float, typer.Option(help="Solver time limit, seconds.")] = 10.0,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same plan).")] = 0,
    figures: Annotated[bool, typer.Option(help="Write figures and the HTML map (needs medroute[viz]).")] = True,
    debug: Debug = False,
) -> None:
    """Plan a problem file and write the output folder."""

    def body() -> int:
        from .check import check
        from .engines.registry import get_engine
        from .model import Problem
        from .outputs import write_outputs
        from .solve import solve as run_solve

        problem = Problem.from_json(problem_file)
        get_engine(engine)  # an unknown engine fails before any travel matrix is computed
        with _spinner("Computing travel matrix"):
            be, mats = _travel(problem, backend, graph, matrix)
        with _spinner(f"Solving {len(problem.orders)} orders with {engine} (≤ {time_limit:g} s)"):
            solution = run_solve(problem, engine=engine, time_limit=time_limit, seed=seed, matrix=mats)
        violations = check(problem, solution, mats)
        with _spinner("Writing outputs") as update:
            write_outputs(out, problem, solution, violations=violations, backend=be if backend != "haversine"
                          else None, graph=_road_graph(be), figures=figures, html_map=figures, tables=figures,
                          progress=update)
        _summary(problem, solution, violations, out)
        return EXIT_VIOLATIONS if violations else EXIT_OK

    _guard(debug, body)


@app.command(epilog=EPILOG)
def demo(
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder.")] = Path("out"),
    scenario: Annotated[str, typer.Option(help="Scenario name (historic, expanded, surge, ...).")] = "historic",
    time_limit: Annotated[float, typer.Option(help="Solver time limit, seconds.")] = 10.0,
    engine: Annotated[str, typer.Option(help="auto, ortools, pyvrp or greedy.")] = "auto",
    seed: Annotated[int, typer.Option(help="Scenario and solver seed.")] = 0,
    debug: Debug = False,
) -> None:
    """Plan a Banyuwangi day end to end from a built-in scenario and write the output folder."""

    def body() -> int:
        from . import scenarios
        from .check import check
        from .outputs import write_outputs
        from .solve import solve as run_solve

        t0 = time.perf_counter()
        with _spinner(f"Loading scenario {scenario!r}"):
            sc = scenarios.load(scenario, seed=seed)
        problem, mats = sc.problem, sc.matrix
        err_console.print(f"{scenario}: {getattr(sc, 'description', '')} "
                          f"[{len(problem.orders)} orders, {len(problem.riders)} riders, "
                          f"travel: {getattr(sc, 'backend_name', '?')}]", markup=False)
        with _spinner(f"Solving with {engine} (≤ {time_limit:g} s)"):
            solution = run_solve(problem, engine=engine, time_limit=time_limit, seed=seed, matrix=mats)
        violations = check(problem, solution, mats)
        be = getattr(sc, "travel_backend", None)
        with _spinner("Writing outputs") as update:
            write_outputs(out, problem, solution, violations=violations, backend=be, graph=_road_graph(be),
                          progress=update)
        _summary(problem, solution, violations, out)
        err_console.print(f"done in {time.perf_counter() - t0:.1f} s", markup=False)
        return EXIT_VIOLATIONS if violations else EXIT_OK

    _guard(debug, body)


@app.command(epilog=EPILOG)
def check(
    problem_file: Annotated[Path, typer.Argument(help="Problem JSON.")],
    plan_file: Annotated[Path, typer.Argument(help="Plan JSON (docs/schema/solution.schema.json).")],
    matrix: Annotated[Path | None, typer.Option(help="Matrix .npz the plan was made with.")] = None,
    backend: Annotated[str | None, typer.Option(help="Travel backend the plan was made with.")] = None,
    graph: Annotated[Path | None, typer.Option(help="Road graph file for --backend osm/osrm.")] = None,
    debug: Debug = False,
) -> None:
    """Check a plan against a problem with the independent checker (exit 1 on violations)."""

    def body() -> int:
        from .check import check as run_check
        from .model import Problem
        from .solution import Solution

        problem = Problem.from_json(problem_file)
        solution = Solution.from_json(plan_file)
        name = backend or ("matrix" if matrix is not None else "haversine")
        with _spinner("Computing travel matrix"):
            _, mats = _travel(problem, name, graph, matrix)
        violations = run_check(problem, solution, mats)
        if not violations:
            out_console.print(f"feasible: {len(solution.served)} orders served on {len(solution.routes)} routes, "
                              f"{len(solution.unassigned)} unassigned")
            return EXIT_OK
        for v in violations:
            out_console.print(str(v), markup=False)
        out_console.print(f"{len(violations)} violation(s)")
        return EXIT_VIOLATIONS

    _guard(debug, body)


@app.command(epilog=EPILOG)
def simulate(
    scenario: Annotated[str, typer.Argument(help="Scenario name (historic, expanded, surge, ...) or a problem JSON.")]
    = "expanded",
    policy: Annotated[list[str] | None, typer.Option(
        "--policy", help="medroute, greedy or pharmacy_wait; repeat for several (default: all three).")] = None,
    out: Annotated[Path, typer.Option("-o", "--out", help="Path prefix of the report (.md) and timelines (.csv).")]
    = Path("simulate"),
    seed: Annotated[int, typer.Option(help="Seed of the day: waits, travel noise, failures, cancellations.")] = 0,
    engine: Annotated[str, typer.Option(help="Engine of the medroute policy (none = insertion only).")] = "auto",
    objective: Annotated[str, typer.Option(
        help="Objective of the medroute policy: patients_first (cold chain, on time, lead time, then cost) "
             "or cost_first.")] = "patients_first",
    time_budget: Annotated[float, typer.Option(help="Wall-clock budget per replan, seconds.")] = 1.0,
    replan_every: Annotated[int, typer.Option(help="Seconds of simulated time between replans.")] = 300,
    noise: Annotated[float, typer.Option(help="Sigma of the lognormal travel-time factor.")] = 0.15,
    failure_rate: Annotated[float, typer.Option(help="Probability a delivery attempt fails.")] = 0.05,
    cancel_rate: Annotated[float, typer.Option(help="Probability an order is cancelled.")] = 0.02,
    debug: Debug = False,
) -> None:
    """Replay a day event by event under one or more dispatch policies and write a KPI report."""

    def body() -> int:
        from .simulate_cli import simulate_command

        simulate_command(scenario, policy, seed, out, engine=engine, time_budget=time_budget,
                         replan_every=replan_every, noise=noise, failure_rate=failure_rate,
                         cancel_rate=cancel_rate, objective=objective)
        return EXIT_OK

    _guard(debug, body)


@app.command(epilog=EPILOG)
def bench(
    suite: Annotated[str, typer.Option(help="Benchmark suite: banyuwangi (the committed report) or quick.")]
    = "banyuwangi",
    budget: Annotated[list[float] | None, typer.Option(
        "--budget", help="Time budget per solve, seconds; repeat for several (default: the suite's).")] = None,
    engine: Annotated[list[str] | None, typer.Option(
        "--engine", help="Engine to compare; repeat for several (default: auto, ortools, pyvrp, vroom, greedy).")]
    = None,
    seed: Annotated[list[int] | None, typer.Option("--seed", help="Scenario and solver seed; repeatable.")] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for RESULTS.md, runs.csv/json, plots.")]
    = Path("benchmarks"),
    quick: Annotated[bool, typer.Option("--quick", help="Smoke-sized run (seconds, not minutes).")] = False,
    scale: Annotated[bool, typer.Option("--scale", help="Also run the scale curve (20 → 2,000 orders).")] = False,
    debug: Debug = False,
) -> None:
    """Run every engine on the Banyuwangi scenarios, check every plan, and write a report
    (exit 1 if an ``auto`` plan breaks a rule)."""

    def body() -> int:
        from .bench_cli import bench_command

        return bench_command(suite, budget, engine, output, seed, quick=quick, scale=scale,
                             command="medroute bench " + " ".join(sys.argv[2:]))

    _guard(debug, body)


@graph_app.command("build", epilog=EPILOG)
def graph_build(
    out: Annotated[Path, typer.Option("-o", "--out", help="GraphML file to write.")],
    file: Annotated[Path | None, typer.Option("--file", help="Road file: .osm, .osm.bz2, .overpass.json, "
                                                            ".graphml or .geojson(.gz).")] = None,
    place: Annotated[str | None, typer.Option("--place", help="Place to download from OSM (needs internet; "
                                                             "cached).")] = None,
    debug: Debug = False,
) -> None:
    """Build a motorbike road graph (GraphML) from a file or an OSM place query."""

    def body() -> int:
        from .errors import InvalidProblemError, require
        from .travel.osm_load import graph_from_place, load_graph

        if (file is None) == (place is None):
            raise InvalidProblemError("graph build: give exactly one of --file PATH or --place NAME")
        with _spinner("Loading road graph"):
            if file is not None:
                if not file.exists():
                    raise InvalidProblemError(f"--file: {str(file)!r} does not exist")
                g = load_graph(file)
            else:
                g = graph_from_place(str(place))
            ox: Any = require("osmnx", "osm")
            out.parent.mkdir(parents=True, exist_ok=True)
            ox.save_graphml(g, out)
        out_console.print(f"wrote {out}: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges")
        return EXIT_OK

    _guard(debug, body)


def main() -> None:
    """Console-script entry point (``medroute``)."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive
        err_console.print("interrupted")
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":  # pragma: no cover
    main()
