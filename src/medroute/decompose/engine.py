"""Decomposition as an engine (``engine="decompose"``) and as ``auto``'s stage on a large day."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..compile import Instance
from ..engines.base import SUPPORTED, EngineResult, Support
from ..schedule import node_routes
from ..solution import Solution
from ..stats import Progress
from ..stop import Stop
from .day import solve_decomposed

if TYPE_CHECKING:
    from ..engines.portfolio.stages import Context


class DecomposeEngine:
    """A day planned in parts (:func:`~medroute.decompose.day.solve_decomposed`) on the default
    process pool. Through :func:`medroute.solve` it never builds a full matrix; on a compiled
    instance its parts' matrices are cut from the instance's.

    Parameters
    ----------
    part_size
        Orders per part aimed at.
    max_workers
        Processes (default: the machine's cores).
    """

    name = "decompose"

    def __init__(self, *, part_size: int | None = None, max_workers: int | None = None) -> None:
        self.part_size = part_size
        self.max_workers = max_workers

    def settings(self) -> dict[str, int]:
        """The keyword arguments of :func:`~medroute.decompose.day.solve_decomposed` this engine
        sets (those left at ``None`` take that function's defaults)."""
        given = {"part_size": self.part_size, "max_workers": self.max_workers}
        return {k: v for k, v in given.items() if v is not None}

    def supports(self, instance: Instance) -> Support:
        """Always supported: each part is planned by ``auto``."""
        return SUPPORTED

    def plan(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
             progress: Progress | None = None) -> Solution:
        """The plan of ``instance``'s problem, from its matrices."""
        from ..errors import EngineError
        from ..schedule import build_solution

        try:
            start = build_solution(instance, initial) if initial is not None else None
        except EngineError:  # a start that does not time is no start
            start = None
        return solve_decomposed(instance.problem, matrix=dict(instance.matrices), stop=stop, seed=seed,
                                progress=progress, initial=start, **self.settings())

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        """Plan ``instance`` in parts; the result's routes are ``instance``'s node sequences."""
        sol = self.plan(instance, stop=stop, seed=seed, initial=initial, progress=progress)
        index = {o.id: k for k, o in enumerate(instance.problem.orders)}
        reasons = {index[u.order]: u.reason for u in sol.unassigned}
        assert sol.stats is not None
        return EngineResult(node_routes(instance, sol), reasons, sol.notes, sol.stats)


def decompose_stage(ctx: Context, stop: Stop) -> EngineResult | None:
    """``auto``'s stage on a large instance: the decomposed plan into the pool."""
    res = DecomposeEngine().solve(ctx.inst, stop=stop, seed=ctx.seed, progress=ctx.progress)
    ctx.pool.add("decompose", res.routes, res.reasons, res.notes, seconds=ctx.left())
    return res
