"""``medroute simulate``: replay a scenario's day under several policies, with a progress bar.

The typer app in :mod:`medroute.cli` wires :func:`simulate_command` in as a command; the function
takes plain parameters so that it can also be called directly.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InvalidProblemError, MedrouteError
from .model import Objective
from .simulate import POLICIES, DayRules, SimResult, compare_markdown, replay, write_csv


class SimulationFailedError(RuntimeError):
    """A day failed while it was replayed: the input was valid, so this is a bug (CLI exit 3)."""


def simulate_command(scenario: str, policies: list[str] | None = None, seed: int = 0,
                     output: Path = Path("simulate"), *, engine: str = "auto", time_budget: float = 1.0,
                     replan_every: int = 300, noise: float = 0.15, failure_rate: float = 0.05,
                     cancel_rate: float = 0.02, scenario_seed: int | None = None,
                     objective: str = "patients_first") -> list[SimResult]:
    """Simulate ``scenario`` under ``policies`` and write ``<output>.md`` and ``<output>.csv``.

    Parameters
    ----------
    scenario
        A scenario name for :func:`medroute.scenarios.load`, or a path to a problem JSON.
    policies
        Any of ``medroute``, ``greedy``, ``pharmacy_wait`` (default: all three).
    seed
        Seed of the simulation (waits, travel noise, failures, cancellations).
    output
        Path prefix of the report (``.md``) and the per-order timelines (``.csv``).
    engine
        Engine of the ``medroute`` policy (``"none"`` = incremental insertion only).
    time_budget
        Wall-clock budget per replan, seconds.
    replan_every
        Seconds between replans.
    noise
        σ of the lognormal travel-time factor.
    failure_rate, cancel_rate
        Probabilities per delivery attempt / per order.
    scenario_seed
        Seed of the scenario generator (default: ``seed``).
    objective
        Objective preset of the ``medroute`` policy (``patients_first`` or ``cost_first``).

    Returns
    -------
    list[SimResult]
        One result per policy, in the order given.

    Raises
    ------
    MedrouteError
        For bad input (unknown scenario, policy, engine or objective; a parameter out of range).
    SimulationFailedError
        When a valid day fails while it is replayed (a bug).
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from .model import Problem

    chosen = list(policies or POLICIES)
    bad = [p for p in chosen if p not in POLICIES]
    if bad:
        raise InvalidProblemError(f"simulate: unknown policy {bad[0]!r}; choose from {', '.join(POLICIES)}")
    rules = DayRules(noise, failure_rate, cancel_rate, replan_every, None if engine == "none" else engine,
                     time_budget, Objective.named(objective))
    path = Path(scenario)
    if path.suffix == ".json" and path.exists():
        source: object = Problem.from_json(path)
        name = path.stem
    else:
        from . import scenarios

        source = scenarios.load(scenario, seed=seed if scenario_seed is None else scenario_seed)
        name = scenario
    console = Console(stderr=True, markup=False, highlight=False)
    results: list[SimResult] = []
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), TaskProgressColumn(),
                  TimeElapsedColumn(), console=console) as bar:
        for policy in chosen:
            task = bar.add_task(f"{policy:>13}", total=1.0)

            def tick(frac: float, task: int = task) -> None:
                bar.update(task, completed=frac)  # type: ignore[arg-type]

            try:
                results.append(replay(source, policy=policy, seed=seed, rules=rules, progress=tick))
            except MedrouteError as exc:
                raise SimulationFailedError(f"the {policy} day failed while it was replayed: "
                                       f"{type(exc).__name__}: {exc}") from exc
            bar.update(task, completed=1.0)
    md = [f"# Simulated day: {name} (seed {seed})", "",
          f"policies {', '.join(chosen)}; engine {engine}, objective {objective}, {time_budget} s per replan every "
          f"{replan_every} s; travel noise σ {noise}, not-home rate {failure_rate}, cancel rate {cancel_rate}.", "",
          compare_markdown([r.report for r in results])]
    for r in results:
        md += ["", r.report.to_markdown()]
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.with_suffix(".md").write_text("\n".join(md), encoding="utf-8")
    write_csv(results, output.with_suffix(".csv"))
    console.print(f"wrote {output.with_suffix('.md')} and {output.with_suffix('.csv')}")
    return results
