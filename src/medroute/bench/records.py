"""What a benchmark suite is (scenarios, engines, budgets) and what one run records."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..check import Rule

Progress = Callable[[int, int, str], None]
"""A progress callback: ``(runs done, runs in total, label of the run starting or finished)``."""

Loader = Callable[..., Any]
"""Loads a scenario: ``loader(name, seed=..., **overrides)`` returns an object with ``problem``
and ``matrix`` (and optionally ``description`` and ``backend_name``), as
:func:`medroute.scenarios.load` does."""

ENGINES = ("auto", "ortools", "pyvrp", "vroom", "greedy")
"""Engines of the suites, in table order."""
BUDGET_ENGINES = frozenset({"auto", "ortools", "pyvrp", "vroom"})
"""Engines that use their whole time budget (greedy stops when it has placed every order)."""
COLD_RULES = frozenset({Rule.COLD_BUDGET, Rule.COOLBOX})
"""Checker rules counted as cold-chain violations."""


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    """One scenario of a suite.

    Attributes
    ----------
    name
        Scenario name for the loader (e.g. ``"historic"``).
    budgets
        Time budgets to run it at, seconds per solve.
    overrides
        Keyword overrides passed to the loader (e.g. ``{"orders": 50}``).
    label
        How tables name it (default: ``name``).
    skip
        Engine name → why it is not run on this scenario (reported as ``skipped``).
    """

    name: str
    budgets: tuple[float, ...]
    overrides: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""
    skip: Mapping[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.label or self.name


@dataclass(frozen=True, slots=True)
class Suite:
    """A benchmark suite: scenarios with their budgets, engines and seeds.

    Attributes
    ----------
    name
        Suite name.
    scenarios
        What to solve and at which budgets.
    engines
        Engine names, in table order.
    seeds
        Solver seeds; each (scenario, budget, engine) runs once per seed.
    scenario_seed
        Seed of the scenario generator (the same problem for every run).
    """

    name: str
    scenarios: tuple[ScenarioRun, ...]
    engines: tuple[str, ...] = ENGINES
    seeds: tuple[int, ...] = (0,)
    scenario_seed: int = 0

    @property
    def runs(self) -> int:
        """Number of solves."""
        return sum(len(s.budgets) for s in self.scenarios) * len(self.engines) * len(self.seeds)

    @property
    def planned_s(self) -> float:
        """Upper bound of the search time, seconds: every budget-using engine takes its budget."""
        return len(self.seeds) * sum(sum(s.budgets) * sum(e in BUDGET_ENGINES and e not in s.skip for e in self.engines)
                                     for s in self.scenarios)


VROOM_SURGE_SKIP = ("VROOM 1.15's construction phase does not stop at its timeout: on 1,000 shipments "
                    "with 125+ riders it took 90 s (exploration 1) to 350 s (exploration 5) at a 20–30 s "
                    "budget, beyond any budget of the suite; the engine kills it at the limit, so it would "
                    "return no plan")
"""Why the ``banyuwangi`` suite does not run VROOM on ``surge``."""

COLD_HEAVY = MappingProxyType({"cold_share": 0.5, "cold_temperature": "frozen", "coolbox_share": 0.6})
"""The cold-heavy day: half the orders frozen (a 1-hour out-of-fridge budget, the tightest class
of :mod:`medroute.coldchain`) and cool boxes on 60 % of the riders, where budgets bind and
engines that cannot model them (PyVRP, VROOM) break them."""

SUITES: dict[str, Suite] = {
    "banyuwangi": Suite("banyuwangi", (
        ScenarioRun("historic", (10.0, 30.0)),
        ScenarioRun("expanded", (10.0, 30.0)),
        ScenarioRun("surge", (30.0, 60.0), skip={"vroom": VROOM_SURGE_SKIP}),
        ScenarioRun("expanded", (10.0, 30.0), COLD_HEAVY, label="expanded-cold"),
        ScenarioRun("puskesmas", (30.0,)),
    )),
    "quick": Suite("quick", (
        ScenarioRun("historic", (2.0,)),
        ScenarioRun("expanded", (4.0,), {"orders": 40}, label="expanded-40"),
    )),
}
"""Named suites. ``banyuwangi``: 4 budget-using engines × ((10 + 30) × 3 + 30) s + 3 × (30 + 60) s
(no VROOM on surge) = 870 s of search per seed, about 20 minutes with loading, checking and
plotting on 2 cores.
``quick``: a CI-size smoke run, about half a minute."""


def check_options(engines: Sequence[str] | None = None, budgets: Sequence[float] | None = None) -> None:
    """Refuse engines and budgets a suite cannot run, before anything runs or is written.

    Parameters
    ----------
    engines
        Engine names: each registered (available or not: an engine that cannot be imported is
        recorded as an ``error`` run) and given once.
    budgets
        Budgets per solve: finite numbers > 0 (seconds, or work units in reproducible mode).

    Raises
    ------
    EngineError
        An unknown engine (the message lists the registered names, as ``solve``'s does) or one
        given twice.
    InvalidProblemError
        A budget that is not a finite number > 0 (the message names it).
    """
    from ..engines.registry import check_name
    from ..errors import EngineError, InvalidProblemError

    for name in engines or ():
        check_name(name)
    twice = [name for i, name in enumerate(engines or ()) if name in (engines or ())[:i]]
    if twice:
        raise EngineError(f"engine {twice[0]!r} is given twice; give each engine once")
    for b in budgets or ():
        number = isinstance(b, (int, float)) and not isinstance(b, bool)
        if not (number and math.isfinite(b) and b > 0):
            raise InvalidProblemError(f"budget {f'{b:g}' if number else repr(b)}: a budget must be a finite "
                                      "number > 0 (seconds per solve)")


@dataclass(frozen=True, slots=True)
class RunRecord:
    """The figures of one solve. Times in seconds, distances in metres, money in Rupiah.

    ``mode`` is ``"full"`` (through :func:`medroute.solve`), ``"relaxed"`` (the engine cannot
    model the whole problem, see the module docstring), ``"skipped"`` or ``"error"``.
    """

    suite: str
    scenario: str
    orders: int
    riders: int
    budget_s: float
    engine: str
    seed: int
    mode: str
    served: int = 0
    unassigned: int = 0
    riders_used: int = 0
    travel_s: int = 0
    distance_m: int = 0
    on_time_share: float = 0.0
    total_late_s: int = 0
    max_late_s: int = 0
    max_cold_exposure_s: int = 0
    cold_violations: int = 0
    mean_lead_s: float = 0.0
    fare_rp: float = 0.0
    objective_rp: float = math.nan
    solve_s: float = 0.0
    violations: int = 0
    violation_rules: str = ""
    ratio: float = math.nan
    load_1min: float = 0.0
    note: str = ""

    @property
    def feasible(self) -> bool:
        """Checked plan without violations."""
        return self.mode in ("full", "relaxed") and self.violations == 0


def with_ratios(records: Sequence[RunRecord]) -> list[RunRecord]:
    """``records`` with ``ratio`` = objective / best feasible objective of the same scenario,
    budget and seed (NaN if no run of the group is feasible)."""
    best: dict[tuple[str, float, int], float] = {}
    for r in records:
        if r.feasible:
            key = (r.scenario, r.budget_s, r.seed)
            best[key] = min(best.get(key, math.inf), r.objective_rp)
    out = []
    for r in records:
        b = best.get((r.scenario, r.budget_s, r.seed))
        ratio = r.objective_rp / b if b and r.mode in ("full", "relaxed") else math.nan
        out.append(dataclasses.replace(r, ratio=ratio))
    return out


