"""What a search did, as typed fields: which criterion stopped it, and per stage work and time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .stop import StopReason


@dataclass(frozen=True, slots=True)
class StageStats:
    """One stage of a search.

    Attributes
    ----------
    name
        The stage (``"construct"``, ``"pyvrp"``, ``"ortools"``...; an engine alone: its name).
    seconds
        Wall-clock time spent, seconds.
    work
        Work counted, reference seconds (0 for stages that count none: construction, greedy).
    stopped_by
        What ended it; ``None`` for a stage that did not run (see ``skipped``).
    objective
        The objective of the plan it produced (cost units), ``None`` if none.
    skipped
        Why the stage did not run or its plan was dropped (a short code such as
        ``"not_installed"``, ``"failed"``, ``"unchecked"``), empty when it ran.
    """

    name: str
    seconds: float
    work: float = 0.0
    stopped_by: StopReason | None = StopReason.DONE
    objective: float | None = None
    skipped: str = ""


@dataclass(frozen=True, slots=True)
class SolveStats:
    """The search behind a plan.

    Attributes
    ----------
    stopped_by
        The criterion that ended the search: :attr:`StopReason.CLOCK` if the clock ended
        any stage (the same seed may then give another plan), else the work-based reason.
    seconds
        Wall-clock time of the engine, seconds.
    work
        Work counted, reference seconds.
    stages
        Each stage in the order it ran (one for a single engine).
    best_stage
        The stage whose plan was returned.
    """

    stopped_by: StopReason
    seconds: float
    work: float = 0.0
    stages: tuple[StageStats, ...] = ()
    best_stage: str = ""

    @property
    def reproducible(self) -> bool:
        """Whether no clock ended any part of the search: the same seed gives the same plan."""
        return self.stopped_by != StopReason.CLOCK

    @classmethod
    def combine(cls, stages: tuple[StageStats, ...], seconds: float, best_stage: str = "") -> SolveStats:
        """Stats over ``stages``: the clock if it ended any, else the last stage's reason."""
        ran = [s.stopped_by for s in stages if s.stopped_by is not None]
        stopped = StopReason.CLOCK if StopReason.CLOCK in ran else (ran[-1] if ran else StopReason.DONE)
        return cls(stopped, seconds, sum(s.work for s in stages), stages, best_stage)


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """A search's progress, reported to a ``progress=`` callback as stages end.

    Attributes
    ----------
    stage
        The stage that just produced a plan.
    elapsed_s
        Seconds since the search started.
    work
        Work counted so far, reference seconds.
    objective
        The best plan's objective so far, cost units (``None`` before any plan).
    feasible
        Whether that best plan serves every required order.
    """

    stage: str
    elapsed_s: float
    work: float
    objective: float | None
    feasible: bool


Progress = Callable[[ProgressEvent], None]
"""A progress callback (:func:`medroute.solve`'s ``progress=``)."""
