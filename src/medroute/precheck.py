"""Pre-checks: orders no plan can serve, found order by order before any search.

An order is flagged (not an error: it comes back unassigned with the reason) when no rider works,
none has the cool box it needs or the room, its pharmacy is farther from the door than the trip
limit, the direct ride is longer than its out-of-fridge budget, even a direct ride cannot reach
the door inside its windows (for an order on board: from its carrier's start, once the carrier is
free; a carrier free too late or too far away is ``window_unreachable``, as no other rider can take
it), or an order still at its pharmacy no rider it fits can serve alone inside the shift (``shift``:
the pharmacy is open only before or after every shift, the door windows lie outside them or
every rider is free too late or too far away to reach them, the door is too far to reach and
come back from in time, or the cool-box riders are off shift).
:func:`medroute.compile.compile_problem` finds them on the compiled arrays (each rider's travel,
budgets and room, the pickup and door windows, and the window rule
:func:`~medroute.compile.earliest_in` that :mod:`medroute.schedule` times routes with) and keeps
them in ``Instance.flagged``; this module reads them for a problem.
"""

from __future__ import annotations

from .compile import compile_problem
from .matrices import MatrixLike
from .model import Flag, Problem


def precheck(problem: Problem, matrix: MatrixLike = None) -> list[Flag]:
    """Orders of ``problem`` that no plan can serve, each with its reason.

    Parameters
    ----------
    problem
        The problem.
    matrix
        Its travel: anything :func:`medroute.matrices.as_matrices` accepts; ``None`` uses the
        haversine default.

    Returns
    -------
    list of Flag
        One per unservable order, in the problem's order.
    """
    flagged = compile_problem(problem, matrix).flagged
    return [flagged[k] for k in sorted(flagged)]
