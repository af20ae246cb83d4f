"""``medroute bench``: the benchmark suite with a rich progress bar.

The CLI (:mod:`medroute.cli`) wires :func:`bench_command` as ``medroute bench``, the one entry
point of the suite (``make bench-banyuwangi`` runs it into ``benchmarks/results/banyuwangi/``).
All the work is done by
:func:`medroute.bench.run_suite` and :func:`medroute.bench.run_scale`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .bench import SUITES, Loader, RunRecord, Suite, check_options, engines_run, headline_table, run_scale, run_suite

RESULT_FILES = ("RESULTS.md", "runs.csv", "runs.json")
"""The files a suite run writes into its output folder (besides the PNG plots)."""


def bench_command(suite: str = "banyuwangi", budgets: Sequence[float] | None = None,
                  engines: Sequence[str] | None = None, output: Path | str = Path("bench"),
                  seeds: Sequence[int] | None = None, *, quick: bool = False, scale: bool = False,
                  loader: Loader | None = None, command: str | None = None, work: bool = False) -> int:
    """Run a benchmark suite (and optionally the scale curve) with a progress bar.

    Parameters
    ----------
    suite
        Suite name, one of :data:`medroute.bench.SUITES` (``banyuwangi``, ``quick``).
    budgets
        Time budgets per solve, seconds, replacing the suite's; ``None`` keeps them
        (``banyuwangi``: historic and expanded 10 and 30 s, surge 30 and 60 s).
    engines
        Engine names (default: auto, ortools, pyvrp, vroom, greedy).
    output
        Directory for ``RESULTS.md``, ``runs.csv``, ``runs.json``, ``meta.json`` and the PNG plots.
    seeds
        Solver seeds (default ``0``).
    quick
        Run the CI-size ``quick`` suite (about half a minute).
    scale
        Also run the scale curve of ``auto`` into ``output/scale``.
    loader
        Scenario loader (default :func:`medroute.scenarios.load`); for tests.
    command
        The command line to print at the top of the report.
    work
        Reproducible mode: ``stop=MaxWork(budget)`` for every solve instead of the clock.

    Returns
    -------
    int
        0 if ``auto`` produced no plan with violations, 1 otherwise (a CI gate), 2 for an
        unknown suite.

    Raises
    ------
    EngineError, InvalidProblemError
        An unknown engine or a bad budget (:func:`medroute.bench.check_options`), before anything
        is written.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table
    from rich.text import Text

    console = Console(stderr=True, markup=False, highlight=False)
    name = "quick" if quick else suite
    if name not in SUITES:
        console.print(Text(f"error: unknown suite {suite!r}; choose one of {', '.join(SUITES)}", style="red"))
        return 2
    spec: Suite = SUITES[name]
    check_options(engines, budgets)
    runs = (sum(len(budgets or s.budgets) for s in spec.scenarios) * len(engines or spec.engines)
            * len(seeds or spec.seeds))
    console.print(f"suite {name}: {runs} solves → {Path(output) / 'RESULTS.md'}")
    records: list[RunRecord]
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("starting", total=runs)

        def advance(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label[:70])

        records = run_suite(name, budgets, engines, seeds, Path(output), advance, loader=loader, command=command,
                            work=work)
        if scale:
            stask = bar.add_task("scale curve", total=7)

            def advance_scale(done: int, total: int, label: str) -> None:
                bar.update(stask, completed=done, total=total, description=f"scale: {label}")

            run_scale(out=Path(output) / "scale", loader=loader, progress=advance_scale)
    header, rows = headline_table(records)
    table = Table(title=f"suite {name}: " + ("auto against the others" if "auto" in engines_run(records)
                                              else "auto was not run"))
    for col in header:
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    Console(markup=False, highlight=False).print(table)
    bad = any(r.engine == "auto" and not r.feasible for r in records)
    return 1 if bad else 0
