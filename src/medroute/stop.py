"""Stopping criteria: when a search ends, by the clock or by deterministic work.

In the style of PyVRP's ``pyvrp.stop`` and of CP-SAT's split between wall time and deterministic
time, a criterion is a small immutable object and criteria combine with ``|`` (whichever comes
first)::

    medroute.solve(problem, stop=MaxRuntime(30))                  # the clock: uses all 30 s
    medroute.solve(problem, stop=MaxWork(30))                     # work: the same plan anywhere
    medroute.solve(problem, stop=MaxRuntime(60) | NoImprovement(5))

**The clock** (:class:`MaxRuntime`, what ``time_limit=`` means) spends the whole budget and returns
the best plan found; the plan may differ from run to run. **Work** (:class:`MaxWork`) counts what the
engines did, not seconds: PyVRP iterations, OR-Tools search steps. A work unit is one second of the
reference machine's work, converted into each engine's own unit by the measured speeds of
``engines/work_rates.json`` (written by ``benchmarks/engine_speed.py``), so ``MaxWork(30)`` takes
about 30 s there and gives the same plan on any machine, however loaded, in any executor.
:class:`NoImprovement` counts work too, since the best objective of the last ``units`` of work.

Engines run a criterion through a :class:`Meter` (its clock started, its work counted), and a
portfolio hands each stage a share of what is left with :meth:`Meter.share`.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass
from enum import StrEnum

from .scalars import Real


class StopReason(StrEnum):
    """What ended a search (``solution.stats.stopped_by``)."""

    CLOCK = "clock"
    """:class:`MaxRuntime`: the plan may differ from run to run."""
    WORK = "work"
    """:class:`MaxWork`: the same seed gives the same plan anywhere."""
    NO_IMPROVEMENT = "no_improvement"
    """:class:`NoImprovement`: deterministic, like work."""
    DONE = "done"
    """The search ended by itself (nothing left to try), before any criterion."""


def is_number(value: object) -> bool:
    """Whether ``value`` is a real number, Python's or numpy's (``np.arange`` in a sweep), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Budget:
    """A criterion in normal form: the smallest of each limit among the criteria combined.

    Attributes
    ----------
    seconds
        Wall-clock limit, seconds (``inf``: none).
    work
        Work limit, reference seconds (``inf``: none).
    patience
        Work without improvement of the best objective before stopping, reference
        seconds (``inf``: none).
    """

    seconds: float = math.inf
    work: float = math.inf
    patience: float = math.inf

    def __post_init__(self) -> None:
        for name in ("seconds", "work", "patience"):
            value = getattr(self, name)
            if not (is_number(value) and not math.isnan(value) and value >= 0):
                raise ValueError(f"stopping criterion: {name} must be a number >= 0, got {value!r}")

    def __or__(self, other: Stop) -> Budget:
        o = budget_of(other)
        return Budget(min(self.seconds, o.seconds), min(self.work, o.work), min(self.patience, o.patience))

    @property
    def counts_work(self) -> bool:
        """Whether engines must count their work (a work or patience limit is set)."""
        return math.isfinite(self.work) or math.isfinite(self.patience)

    @property
    def reproducible(self) -> bool:
        """Whether only work can end the search (no clock): the same plan on any machine."""
        return not math.isfinite(self.seconds) and self.counts_work


def MaxRuntime(seconds: Real) -> Budget:  # noqa: N802 - PyVRP's names for its criteria
    """Stop after ``seconds`` of wall-clock time (> 0); the plan may vary from run to run."""
    if not (is_number(seconds) and math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"MaxRuntime: seconds must be a finite number > 0, got {seconds!r}")
    return Budget(seconds=float(seconds))


def MaxWork(units: Real) -> Budget:  # noqa: N802
    """Stop after ``units`` of work (> 0): reference seconds, the same plan on any machine."""
    if not (is_number(units) and math.isfinite(units) and units > 0):
        raise ValueError(f"MaxWork: units must be a finite number > 0, got {units!r}")
    return Budget(work=float(units))


def NoImprovement(units: Real) -> Budget:  # noqa: N802
    """Stop once the best objective has not improved during ``units`` of work (> 0, reference
    seconds). Combine it with :func:`MaxRuntime` or :func:`MaxWork`: alone it may run long."""
    if not (is_number(units) and math.isfinite(units) and units > 0):
        raise ValueError(f"NoImprovement: units must be a finite number > 0, got {units!r}")
    return Budget(patience=float(units))


Stop = Budget
"""What ``stop=`` takes: a criterion or a combination of them (all :class:`Budget`)."""


def budget_of(stop: Stop) -> Budget:
    """``stop`` as a :class:`Budget`; a ``TypeError`` for anything else."""
    if not isinstance(stop, Budget):
        raise TypeError(f"stop: expected MaxRuntime, MaxWork, NoImprovement or a combination, got {stop!r}")
    return stop


class Meter:
    """A criterion running: its clock started at construction, its work counted by the engine.

    Parameters
    ----------
    stop
        The criterion.
    """

    def __init__(self, stop: Stop) -> None:
        self.budget = budget_of(stop)
        self.start = time.perf_counter()
        self.work = 0.0
        self.best = math.inf
        self.best_at = 0.0
        self.stopped_by: StopReason | None = None

    def elapsed(self) -> float:
        """Seconds since the meter started."""
        return time.perf_counter() - self.start

    def seconds_left(self) -> float:
        """Wall-clock seconds left (``inf`` without a clock limit)."""
        return self.budget.seconds - self.elapsed()

    def work_left(self) -> float:
        """Work units left (``inf`` without a work limit)."""
        return self.budget.work - self.work

    def add(self, units: float, objective: float | None = None) -> None:
        """Count ``units`` of work done, and the best objective reached after it (if any)."""
        self.work += units
        if objective is not None and objective < self.best:
            self.best, self.best_at = objective, self.work

    def done(self) -> bool:
        """Whether a criterion is met; the first one met is kept in :attr:`stopped_by`."""
        if self.stopped_by is None:
            if self.work >= self.budget.work:
                self.stopped_by = StopReason.WORK
            elif self.work - self.best_at >= self.budget.patience:
                self.stopped_by = StopReason.NO_IMPROVEMENT
            elif self.elapsed() >= self.budget.seconds:
                self.stopped_by = StopReason.CLOCK
        return self.stopped_by is not None

    def share(self, fraction: float, *, keep_seconds: float = 0.0) -> Budget:
        """A criterion for ``fraction`` (0–1] of what is left — of the seconds (less
        ``keep_seconds``) and of the work, at least a millisecond and a thousandth of a unit
        each — with the same patience."""
        b = self.budget
        left = self.seconds_left() - keep_seconds
        seconds = max(1e-3, fraction * left) if math.isfinite(b.seconds) else math.inf
        work = max(1e-3, fraction * self.work_left()) if math.isfinite(b.work) else math.inf
        return Budget(seconds, work, b.patience)

    def part(self, amount: float) -> Budget:
        """A criterion for at most ``amount`` (> 0) of what is left: seconds where there is a
        clock (or no other limit), work units where work is counted (a work or patience limit),
        so that a reproducible criterion's parts are too."""
        b = self.budget
        clock = math.isfinite(b.seconds) or not b.counts_work
        return Budget(min(amount, max(1e-3, self.seconds_left())) if clock else math.inf,
                      min(amount, max(1e-3, self.work_left())) if b.counts_work else math.inf)
