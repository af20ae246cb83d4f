"""The ``medroute`` command line: a thin layer over the library.

Commands: ``solve``, ``demo``, ``check``, ``simulate``, ``bench`` and ``graph build``. Errors
print as one line naming the rule and the offending id or JSON path; ``--debug`` adds the
traceback. Exit codes are listed in :data:`EXIT_CODES` and ``docs/cli.md``. User text (paths, ids,
messages) is printed as it is: no console markup is interpreted anywhere.
"""

from __future__ import annotations

import math
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .bench.records import ENGINES as BENCH_ENGINES
from .cli_files import UsageError, check_matrix_memory, fresh_folder, prepare_out_dir, read_input
from .engines.registry import engine_names
from .errors import MedrouteError, MissingDependencyError, NetworkUnavailableError, TravelMismatchWarning

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_MISSING_DEPENDENCY = 4
EXIT_OFFLINE = 5
EXIT_INTERRUPTED = 130

EXIT_CODES = {
    EXIT_OK: "success (for check: the plan is feasible)",
    EXIT_VIOLATIONS: "the plan breaks at least one rule (check, or the checker run after solve/demo)",
    EXIT_BAD_INPUT: "bad input: unreadable or invalid JSON, schema mismatch (JSON path given), unknown id, "
                    "missing or unreadable file, an output path that cannot be written, a problem too large "
                    "for the memory, unknown engine or backend, or a wrong command-line usage",
    EXIT_INTERNAL: "internal error (a bug: please report it with the output of --debug)",
    EXIT_MISSING_DEPENDENCY: "an optional dependency is missing (the message names the pip extra)",
    EXIT_OFFLINE: "a download needs the internet and the server cannot be reached (the message says what "
                  "to use instead)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}
"""Exit status → meaning, shared by every command."""

EPILOG = "Exit codes: " + "; ".join(f"{code} {text}" for code, text in EXIT_CODES.items()) + "."

BACKENDS = ("haversine", "osm", "osrm", "matrix")
GRAPH_BACKENDS = ("osm", "osrm")
"""Backends that read a road graph (``--graph``)."""

app = typer.Typer(name="medroute", help="Plan medicine deliveries by motorbike (Banyuwangi).",
                  epilog=EPILOG, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  rich_markup_mode=None)
graph_app = typer.Typer(help="Road graphs for the osm and osrm travel backends.", epilog=EPILOG,
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(graph_app, name="graph")

out_console = Console(highlight=False, soft_wrap=True, markup=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")]


def _one_of(names: Sequence[str]) -> str:
    """``"a, b or c"``."""
    return f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else "".join(names)


# From the registry, so the help lists what ``get_engine`` accepts.
ENGINE_HELP = f"Engine: {_one_of(engine_names())}."


def _fail(code: int, message: str) -> typer.Exit:
    err_console.print(Text.assemble(("error:", "bold red"), " ", message))
    return typer.Exit(code)


def _warn(message: str) -> None:
    err_console.print(Text.assemble(("warning:", "bold yellow"), " ", message))


def _show_version(value: bool) -> None:
    if value:
        from . import __version__

        out_console.print(f"medroute {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                                help="Print the version and exit.")] = False,
          data_dir: Annotated[Path | None, typer.Option(
              "--data-dir", exists=True, file_okay=False,
              help="Data directory searched before $MEDROUTE_DATA and the shipped data (docs/data.md).")]
          = None) -> None:
    """Plan medicine deliveries by motorbike (Banyuwangi)."""
    from . import datadir

    datadir.settings.data_dir = data_dir


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
    except NetworkUnavailableError as exc:
        if debug:
            traceback.print_exc()
        raise _fail(EXIT_OFFLINE, str(exc)) from None
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
    with err_console.status(Text(label), spinner="dots") as status:
        yield lambda text: status.update(Text(f"{label} — {text}"))


def _compile_search(engines: Iterable[str]) -> None:
    """Compile the alns core before any clock runs, when ``engines`` use it and this machine has
    not compiled it yet (once: then numba's disk cache loads it in about a second). Without this,
    a fresh install's short solves would each kill the compile at their clock and never cache it."""
    if not {"auto", "alns"} & set(engines):
        return
    from .engines.alns import ready, warm_up

    if not ready():
        with _spinner("Compiling the search core for this machine (once, about a minute; then cached)"):
            warm_up()


def _solve_progress(update: Callable[[str], None]) -> Callable[[Any], None]:
    """A ``solve(progress=)`` callback that shows the stage and best objective in the spinner."""

    def show(event: Any) -> None:
        best = "no plan yet" if event.objective is None else f"best Rp {event.objective / 100:,.0f}"
        update(f"{event.stage} done, {best}, {event.elapsed_s:.0f} s")

    return show


def _check_run(engine: str, time_limit: float) -> None:
    """Refuse an unknown or unavailable engine and a ``--time-limit`` that is not a finite number
    > 0, before any file is read or written."""
    from .engines.registry import get_engine

    get_engine(engine)
    if not (math.isfinite(time_limit) and time_limit > 0):
        raise UsageError(f"--time-limit: {time_limit:g} is not a finite number of seconds > 0")


def _travel_backend(backend: str | None, graph: Path | None, matrix: Path | None, *,
                    graph_backend: str = "osm") -> str | None:
    """The travel backend that ``--backend``, ``--graph`` and ``--matrix`` ask for.

    Parameters
    ----------
    backend, graph, matrix
        The options as given (``None`` when absent).
    graph_backend
        The backend ``--graph`` alone stands for (``osm`` or ``osrm``).

    Returns
    -------
    str or None
        ``--backend``; else ``matrix`` for ``--matrix``, ``graph_backend`` for ``--graph``;
        ``None`` when no option is given.

    Raises
    ------
    UsageError
        An unknown backend, both files, a file the backend does not read, or a backend without
        its file.
    """
    if backend is not None and backend not in BACKENDS:
        raise UsageError(f"--backend: unknown travel backend {backend!r}; choose one of {list(BACKENDS)}")
    if graph is not None and matrix is not None:
        raise UsageError("--graph and --matrix: give one travel source, not both (--graph is for --backend "
                         "osm/osrm, --matrix for --backend matrix)")
    if matrix is not None and backend not in (None, "matrix"):
        raise UsageError(f"--matrix is read by --backend matrix only, not --backend {backend}: drop one of them")
    if graph is not None and backend not in (None, *GRAPH_BACKENDS):
        raise UsageError(f"--graph is read by --backend osm or osrm only, not --backend {backend}: "
                         "drop one of them")
    if backend in GRAPH_BACKENDS and graph is None:
        raise UsageError(f"--backend {backend} needs --graph PATH (a road graph file)")
    if backend == "matrix" and matrix is None:
        raise UsageError("--backend matrix needs --matrix PATH (an .npz with durations_s, distances_m)")
    if backend is None and matrix is not None:
        return "matrix"
    if backend is None and graph is not None:
        return graph_backend
    return backend


def _travel(problem: Any, backend: str | None, graph: Path | None, matrix: Path | None) -> tuple[Any, Any]:
    """(travel backend, matrices by profile) for the command-line options (see :func:`_travel_backend`)."""
    from .matrices import as_matrices

    backend = _travel_backend(backend, graph, matrix) or "haversine"
    check_matrix_memory(len(problem.locations), len(problem.profiles), orders=len(problem.orders), backend=backend)
    be = _open_travel(backend, graph, matrix)
    return be, as_matrices(problem, be)


def _open_travel(backend: str, graph: Path | None, matrix: Path | None) -> Any:
    """The travel backend ``backend`` (a name :func:`_travel_backend` chose) reading ``graph`` or
    ``matrix``; no matrix is computed."""
    from .travel import backend as make_backend

    if backend in GRAPH_BACKENDS:
        assert graph is not None  # refused by _travel_backend
        return read_input("--graph", graph, lambda path: make_backend(backend, source=path), what="a road graph")
    if backend == "matrix":
        assert matrix is not None  # refused by _travel_backend
        return read_input("--matrix", matrix, lambda path: make_backend("matrix", path=path),
                          what="a matrix .npz (durations_s, distances_m, ids or lat/lon)")
    return make_backend("haversine")


def _plan_legs(problem: Any, solution: Any, be: Any) -> Any:
    """The travel to check and write a plan made in parts with: the legs it rides, asked of the
    backend ``be`` it was made with (:func:`~medroute.outputs.write.plan_legs`), never a matrix
    over the whole day. A problem of several travel profiles (``travel.npz`` holds one) gets ``be``
    itself, which :func:`medroute.check` asks for the plan's legs only above
    :data:`~medroute.check.LEGS_ONLY_ABOVE` places."""
    from .outputs.write import plan_legs

    legs = plan_legs(problem, solution, be) if len(problem.profiles) == 1 else None
    return legs if legs is not None else be


def _plan_backend(solution: Any) -> str:
    """The CLI backend a plan says it was made with: ``haversine`` when it records no travel (a
    plan written by hand or by another tool), ``""`` when it records travel of unknown backend."""
    if solution.travel is None:
        return "haversine"
    return str(solution.travel.backend).removeprefix("cached-")


def _check_travel(problem: Any, solution: Any, plan_file: Path, backend: str | None, graph: Path | None,
                  matrix: Path | None) -> Any:
    """The travel matrices to check a plan with: those of the options given, else the travel the
    plan records: the ``travel.npz`` beside the plan when it is the plan's (:func:`_travel_beside`:
    read, nothing computed), else the default haversine (when it records plain ``haversine``) or that
    ``travel.npz``, the one that times its legs as recorded (same digest) first. When neither does
    (a plan edited since it was made), the one its name points to, and :func:`medroute.check` warns.
    Any other plan is refused, naming what to pass.

    A plan without a digest (a day planned in parts) is checked on the travel backend itself, the
    first at hand: :func:`medroute.check` asks it for the plan's legs only on a big day, and a
    ``travel.npz`` of legs (:class:`~medroute.travel.matrix.LegTable`) holds no more."""
    from .matrices import travel_source

    made = _plan_backend(solution)
    base = made.partition("(")[0]
    chosen = _travel_backend(backend, graph, matrix, graph_backend=base if base in GRAPH_BACKENDS else "osm")
    digest = solution.travel.digest if solution.travel is not None else ""
    if chosen is not None:
        return _travel(problem, chosen, graph, matrix)[1] if digest else _open_travel(chosen, graph, matrix)
    beside = plan_file.parent / "travel.npz"  # written with the plan by solve, demo and write_outputs
    if beside.is_file():
        travel = _travel_beside(problem, solution, beside, made)
        if travel is not None:
            err_console.print(f"checking with the travel the plan was made with: {beside}")
            return travel
    at_hand: list[tuple[str, Path | None]] = [("haversine", None)] if made == "haversine" else []
    if beside.is_file():
        at_hand.append(("matrix", beside))
    if not digest and at_hand:  # no digest to tell the travel at hand apart: the first
        name, npz = at_hand[0]
        if npz is not None:
            err_console.print(f"checking with the travel the plan was made with: {npz}")
        return _open_travel(name, None, npz)
    found = [(npz, _travel(problem, name, None, npz)[1]) for name, npz in at_hand]
    same = [(npz, mats) for npz, mats in found if travel_source(problem, solution, mats).digest == digest]
    if found:
        npz, mats = (same or found)[0]
        if npz is not None:
            err_console.print(f"checking with the travel the plan was made with: {npz}")
        return mats
    advice = ""  # a given matrix, or unknown travel: only the matrix itself reproduces it
    if made in GRAPH_BACKENDS:
        advice = f", or --backend {made} --graph PATH with the same road graph"
    elif made not in ("", "matrix"):
        advice = f", or medroute.check in Python with the travel backend it was made with ({made})"
    what = f"travel backend {made!r}" if made else "travel of unknown backend"
    raise UsageError(f"the plan was made with {what} and no travel.npz lies beside it: pass --matrix PATH, the "
                     f"travel.npz written with the plan (by solve, demo or write_outputs(matrix=...)){advice}; "
                     "--backend haversine checks it against straight lines anyway (leg times will not match)")


def _travel_beside(problem: Any, solution: Any, npz: Path, made: str) -> Any:
    """The travel in ``npz`` (the ``travel.npz`` beside the plan) when it is the plan's, else ``None``.

    For a plan with a travel digest: its matrices when they time the plan's legs as recorded (same
    digest). For a plan made in parts: its legs (:class:`~medroute.travel.matrix.LegTable`) when
    the backend the plan records (``made``) computed them and they hold every leg the checker
    reads. A file of other places is refused as :func:`_travel` refuses it."""
    from .check import checked_legs
    from .matrices import travel_source
    from .travel.matrix import LegTable

    digest = solution.travel.digest if solution.travel is not None else ""
    if digest:
        mats = _travel(problem, "matrix", None, npz)[1]
        return mats if travel_source(problem, solution, mats).digest == digest else None
    travel = _open_travel("matrix", None, npz)
    if not isinstance(travel, LegTable) or travel.backend.removeprefix("cached-") != made \
            or problem.profiles != (travel.profile,):
        return None
    places = problem.locations
    pairs = checked_legs(problem, solution)[travel.profile]
    return travel if travel.holds((places[a], places[b]) for a, b in pairs) else None


def _read_problem(path: Path) -> Any:
    from .model import Problem

    return read_input("PROBLEM_FILE", path, Problem.from_json, what="a problem JSON")


def _write(out: Path, write: Callable[[Callable[[str], None]], dict[str, Path]]) -> dict[str, Path]:
    """Run ``write(progress)`` under a spinner; a file that cannot be written is bad input (exit 2).
    Figures are only saved here, so they are drawn with Agg (no window, no display needed)."""
    with suppress(ImportError):  # without matplotlib, write_outputs says which extra is missing
        import matplotlib

        matplotlib.use("Agg")
    with _spinner("Writing outputs") as update:
        try:
            return write(update)
        except OSError as exc:
            where = f" {str(exc.filename)!r}" if exc.filename else ""
            raise UsageError(f"-o/--out: cannot write{where} under {str(out)!r} ({exc.strerror or exc})") from None


def _road_graph(backend: Any) -> Any:
    inner = getattr(backend, "inner", backend)
    g = getattr(inner, "graph", None)
    return g if g is not None and hasattr(g, "weights") else None


def _summary(problem: Any, solution: Any, violations: list[Any], out: Path, written: dict[str, Path]) -> None:
    from .outputs.report import format_kpi

    k = solution.kpis
    table = Table(title=f"{problem.name or 'plan'} — engine {solution.engine}", show_header=True)
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for name in ("orders", "served", "unassigned", "riders_used", "on_time_share", "distance_m", "travel_s",
                 "max_late_s", "max_cold_exposure_s", "cost_rp"):
        table.add_row(name, format_kpi(name, getattr(k, name)))
    table.add_row("checker", "feasible" if not violations else f"{len(violations)} violation(s)")
    out_console.print(table)
    out_console.print(f"Wrote {out}{'' if str(out).endswith('/') else '/'}: {', '.join(written)}")
    for v in violations[:10]:
        err_console.print(f"violation: {v}")


@app.command(epilog=EPILOG)
def solve(
    problem_file: Annotated[Path, typer.Argument(help="Problem JSON (docs/schema/problem.schema.json).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder.")] = Path("out"),
    engine: Annotated[str, typer.Option(help=ENGINE_HELP)] = "auto",
    backend: Annotated[str | None, typer.Option(
        help="Travel backend: haversine, osm, osrm or matrix (default: matrix with --matrix, osm with --graph, "
             "else haversine).")] = None,
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
        from .decompose import decomposes
        from .engines.registry import get_engine
        from .outputs import write_outputs
        from .solve import solve as run_solve

        travel = _travel_backend(backend, graph, matrix) or "haversine"  # contradictory options fail first
        _check_run(engine, time_limit)
        problem = _read_problem(problem_file)
        prepare_out_dir(out)
        _compile_search([engine])
        in_parts = decomposes(get_engine(engine), problem)  # as medroute.solve: travel per part, no whole matrix
        if in_parts:
            with _spinner("Opening travel backend"):
                be = given = _open_travel(travel, graph, matrix)
        else:
            with _spinner("Computing travel matrix"):
                be, given = _travel(problem, travel, graph, matrix)
        with _spinner(f"Solving {len(problem.orders)} orders with {engine} (≤ {time_limit:g} s)") as update:
            solution = run_solve(problem, engine=engine, time_limit=time_limit, seed=seed, matrix=given,
                                 progress=_solve_progress(update))
        if in_parts:
            with _spinner("Computing the plan's legs"):
                mats = _plan_legs(problem, solution, be)
        else:
            mats = given
        violations = check(problem, solution, mats)
        written = _write(out, lambda update: write_outputs(
            out, problem, solution, violations=violations, backend=be if travel != "haversine" else None,
            graph=_road_graph(be), figures=figures, html_map=figures, tables=figures, progress=update, matrix=mats))
        _summary(problem, solution, violations, out, written)
        return EXIT_VIOLATIONS if violations else EXIT_OK

    _guard(debug, body)


@app.command(epilog=EPILOG)
def demo(
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder.")] = Path("out"),
    scenario: Annotated[str, typer.Option(help="Scenario name (historic, expanded, surge, ...).")] = "historic",
    time_limit: Annotated[float, typer.Option(help="Solver time limit, seconds.")] = 10.0,
    engine: Annotated[str, typer.Option(help=ENGINE_HELP)] = "auto",
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
        _check_run(engine, time_limit)  # before the scenario loads and prints its description
        prepare_out_dir(out)
        _compile_search([engine])
        with _spinner(f"Loading scenario {scenario!r}"):
            sc = scenarios.load(scenario, seed=seed)
        problem, mats = sc.problem, sc.matrix
        err_console.print(f"{scenario}: {getattr(sc, 'description', '')} "
                          f"[{len(problem.orders)} orders, {len(problem.riders)} riders, "
                          f"travel: {getattr(sc, 'backend_name', '?')}]")
        with _spinner(f"Solving with {engine} (≤ {time_limit:g} s)") as update:
            solution = run_solve(problem, engine=engine, time_limit=time_limit, seed=seed, matrix=mats,
                                 progress=_solve_progress(update))
        violations = check(problem, solution, mats)
        be = getattr(sc, "travel_backend", None)
        written = _write(out, lambda update: write_outputs(
            out, problem, solution, violations=violations, backend=be, graph=_road_graph(be), progress=update,
            matrix=mats))
        _summary(problem, solution, violations, out, written)
        err_console.print(f"done in {time.perf_counter() - t0:.1f} s")
        return EXIT_VIOLATIONS if violations else EXIT_OK

    _guard(debug, body)


@app.command(epilog=EPILOG)
def check(
    problem_file: Annotated[Path, typer.Argument(help="Problem JSON.")],
    plan_file: Annotated[Path, typer.Argument(help="Plan JSON (docs/schema/solution.schema.json).")],
    matrix: Annotated[Path | None, typer.Option(help="Matrix .npz the plan was made with.")] = None,
    backend: Annotated[str | None, typer.Option(
        help="Travel backend the plan was made with (default: matrix with --matrix, the plan's osm or osrm with "
             "--graph, else what the plan records).")] = None,
    graph: Annotated[Path | None, typer.Option(help="Road graph file for --backend osm/osrm.")] = None,
    debug: Debug = False,
) -> None:
    """Check a plan against a problem with the independent checker (exit 1 on violations)."""

    def body() -> int:
        from .check import check as run_check
        from .solution import Solution

        problem = _read_problem(problem_file)
        solution = read_input("PLAN_FILE", plan_file, Solution.from_json, what="a plan JSON")
        with _spinner("Computing travel matrix"):
            mats = _check_travel(problem, solution, plan_file, backend, graph, matrix)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TravelMismatchWarning)
            violations = run_check(problem, solution, mats)
        for w in caught:
            _warn(str(w.message))
        if not violations:
            out_console.print(f"feasible: {len(solution.served)} orders served on {len(solution.routes)} routes, "
                              f"{len(solution.unassigned)} unassigned")
            return EXIT_OK
        for v in violations:
            out_console.print(str(v))
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
    engine: Annotated[str, typer.Option(help=f"Engine of the medroute policy: {_one_of([*engine_names(), 'none'])} "
                                             "(none = insertion only).")] = "auto",
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

        _compile_search([engine])
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
        "--engine", help=f"Engine to compare, one of {_one_of(engine_names())}; repeat for several "
                         f"(default: {', '.join(BENCH_ENGINES)}).")]
    = None,
    seed: Annotated[list[int] | None, typer.Option("--seed", help="Scenario and solver seed; repeatable.")] = None,
    output: Annotated[Path | None, typer.Option(
        "-o", "--out", "--output", help="Folder for RESULTS.md, runs.csv/json and plots (default: a new folder "
        "bench-YYYYMMDD-HHMMSS in the current directory).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Write over an earlier run's results in --out.")]
    = False,
    quick: Annotated[bool, typer.Option("--quick", help="Smoke-sized run (seconds, not minutes).")] = False,
    scale: Annotated[bool, typer.Option("--scale", help="Also run the scale curve (20 → 2,000 orders).")] = False,
    work: Annotated[bool, typer.Option("--work", help="Reproducible mode: each budget as MaxWork (the same plans "
                                       "on any machine) instead of the clock.")] = False,
    debug: Debug = False,
) -> None:
    """Run every engine on the Banyuwangi scenarios, check every plan, and write a report
    (exit 1 if an ``auto`` plan breaks a rule)."""

    def body() -> int:
        from .bench import ENGINES, SUITES, check_options
        from .bench_cli import RESULT_FILES, bench_command

        if not quick and suite not in SUITES:
            raise UsageError(f"--suite: unknown suite {suite!r}; choose one of {', '.join(SUITES)}")
        check_options(engine, budget)  # before the output folder is made or any run starts
        out = output if output is not None else fresh_folder("bench")
        earlier = [name for name in RESULT_FILES if (out / name).exists()]
        if earlier and not overwrite:
            raise UsageError(f"--out: {str(out)!r} already holds {', '.join(earlier)} from an earlier run; "
                             "choose a new folder or pass --overwrite")
        prepare_out_dir(out)
        _compile_search(engine or ENGINES)
        return bench_command(suite, budget, engine, out, seed, quick=quick, scale=scale,
                             command="medroute bench " + " ".join(sys.argv[2:]), work=work)

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
        from .errors import require
        from .travel.osm_load import graph_from_place, load_graph

        if (file is None) == (place is None):
            raise UsageError("graph build: give exactly one of --file PATH or --place NAME")
        if out.is_dir():
            raise UsageError(f"-o/--out: {str(out)!r} is a folder, expected a GraphML file name")
        prepare_out_dir(out.parent)
        with _spinner("Loading road graph"):
            if file is not None:
                g = read_input("--file", file, load_graph, what="a road graph")
            else:
                g = graph_from_place(str(place))
            ox: Any = require("osmnx", "osm")
            try:
                ox.save_graphml(g, out)
            except OSError as exc:
                raise UsageError(f"-o/--out: cannot write {str(out)!r} ({exc.strerror or exc})") from None
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
