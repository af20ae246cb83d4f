"""VRPLIB where it applies: write a medroute problem as a Solomon-like VRPTW instance, read a
VRPLIB solution (``Route #k: ...``) back into a :class:`~medroute.solution.Solution`.

A medroute problem is a pickup-and-delivery problem with cold chain, several pharmacies, release
times and multiple windows; VRPLIB's VRPTW is a depot-based delivery problem. The two meet only
when the problem *is* a VRPTW (see :func:`vrptw_applies`): one pharmacy that every rider starts
at, identical riders, no cold items, at most one delivery window per order, no locks or orders
already on board. Then each order is a VRPTW customer whose demand is one capacity dimension,
the depot is the pharmacy, and the explicit edge weights are the travel matrix's seconds.
Releases are written as PyVRP's ``RELEASE_TIME_SECTION``; the pharmacy handover is not part of
VRPTW and is dropped (so a VRPTW solution's times are not medroute's: the plan read back is
re-timed by :func:`medroute.schedule.build_solution`). Everything else raises
:class:`~medroute.errors.InvalidProblemError` saying what does not apply.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import InvalidProblemError, InvalidSolutionError
from ..matrices import MatrixLike, as_matrices
from ..model import Problem
from ..solution import Solution


def vrptw_applies(problem: Problem) -> str | None:
    """``None`` when ``problem`` can be written as a VRPTW, else a sentence saying why not."""
    if len(problem.pharmacies) != 1:
        return f"VRPTW has one depot, the problem has {len(problem.pharmacies)} pharmacies"
    depot = problem.pharmacies[0].location
    if not problem.riders:
        return "the problem has no rider"
    r0 = problem.riders[0]
    for r in problem.riders:
        if r.start != depot or (r.end is not None and r.end != depot):
            return f"rider {r.id!r} does not start (and end) at the pharmacy"
        if (r.weight_g, r.volume_ml, r.parcels, r.shift, r.speed_factor, r.profile) != (
                r0.weight_g, r0.volume_ml, r0.parcels, r0.shift, r0.speed_factor, r0.profile):
            return f"rider {r.id!r} differs from rider {r0.id!r}: VRPTW riders are identical"
        if r.max_work_s is not None:
            return f"rider {r.id!r} has a working-time limit"
    for o in problem.orders:
        if o.needs_coolbox:
            return f"order {o.id!r} is a cold item (no cold chain in VRPTW)"
        if len(o.delivery_windows) > 1:
            return f"order {o.id!r} has {len(o.delivery_windows)} delivery windows (VRPTW: one)"
        if o.rider is not None or o.picked_up_by is not None:
            return f"order {o.id!r} is locked to a rider"
    return None


def write_vrptw(problem: Problem, path: str | Path, *, matrix: MatrixLike = None, dimension: str = "parcels") -> Path:
    """Write ``problem`` as a VRPLIB VRPTW instance (explicit full matrix, seconds).

    Node 1 is the depot (the pharmacy); node ``k + 2`` is ``problem.orders[k]``.

    Parameters
    ----------
    problem
        A problem for which :func:`vrptw_applies` is ``None``.
    path
        The file to write.
    matrix
        The travel (anything :func:`medroute.matrices.as_matrices` accepts; ``None``:
        haversine).
    dimension
        The capacity dimension written as demand/capacity: ``"parcels"``,
        ``"weight_g"`` (grams) or ``"volume_ml"`` (millilitres).

    Raises
    ------
    InvalidProblemError
        The problem is not a VRPTW (the message says why).
    """
    why = vrptw_applies(problem)
    if why is not None:
        raise InvalidProblemError(f"vrplib: cannot write as VRPTW: {why}")
    if dimension not in ("parcels", "weight_g", "volume_ml"):
        raise InvalidProblemError(f"vrplib: dimension must be parcels, weight_g or volume_ml, got {dimension!r}")
    rider = problem.riders[0]
    mat = as_matrices(problem, matrix)[rider.profile]
    ph = problem.pharmacies[0]
    locs = [ph.location] + [o.location for o in problem.orders]
    rows = np.array([problem.location_index[loc] for loc in locs])
    dur = rider.scale_durations(mat.durations_s[np.ix_(rows, rows)])
    n = len(locs)
    lines = [f"NAME : {problem.name or 'medroute'}", "COMMENT : written by medroute (durations in seconds)",
             "TYPE : VRPTW", f"DIMENSION : {n}", f"VEHICLES : {len(problem.riders)}",
             f"CAPACITY : {getattr(rider, dimension)}", "EDGE_WEIGHT_TYPE : EXPLICIT",
             "EDGE_WEIGHT_FORMAT : FULL_MATRIX", "NODE_COORD_SECTION"]
    lines += [f"{i + 1}\t{loc.lon:.7f}\t{loc.lat:.7f}" for i, loc in enumerate(locs)]
    lines.append("DEMAND_SECTION")
    lines += ["1\t0"] + [f"{k + 2}\t{getattr(o, dimension)}" for k, o in enumerate(problem.orders)]
    lines.append("TIME_WINDOW_SECTION")
    lines.append(f"1\t{rider.shift.start_s}\t{rider.shift.end_s}")
    lines += [f"{k + 2}\t{o.delivery_windows[0].start_s}\t{o.delivery_windows[0].end_s}"
              for k, o in enumerate(problem.orders)]
    lines.append("SERVICE_TIME_SECTION")
    lines += ["1\t0"] + [f"{k + 2}\t{o.service_s}" for k, o in enumerate(problem.orders)]
    lines.append("RELEASE_TIME_SECTION")
    lines += ["1\t0"] + [f"{k + 2}\t{o.release_s}" for k, o in enumerate(problem.orders)]
    lines.append("EDGE_WEIGHT_SECTION")
    lines += ["\t".join(str(int(x)) for x in row) for row in dur]
    lines += ["DEPOT_SECTION", "1", "-1", "EOF"]
    p = Path(path)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


_ROUTE = re.compile(r"^\s*Route\s*#?\s*(\d+)\s*:\s*(.*)$", re.IGNORECASE)


def read_vrplib_routes(source: str | Path) -> list[list[int]]:
    """The routes of a VRPLIB solution file (``Route #1: 3 1 2`` lines), as customer numbers.

    Customer numbers follow the VRPLIB solution convention: ``1`` is the first customer (node 2
    of the instance), i.e. order index ``number - 1``. ``Cost`` and other lines are ignored.
    ``source`` is a path or the text itself (when it contains a newline).
    """
    text = source if isinstance(source, str) and "\n" in source else Path(source).read_text(encoding="utf-8")
    routes = []
    for ln, line in enumerate(text.splitlines(), 1):
        m = _ROUTE.match(line)
        if not m:
            continue
        try:
            routes.append([int(t) for t in m.group(2).split()])
        except ValueError:
            raise InvalidSolutionError(f"vrplib solution line {ln}: route holds a non-integer: {line!r}") from None
    return routes


def solution_from_vrplib(problem: Problem, source: str | Path, *, matrix: MatrixLike = None) -> Solution:
    """A medroute plan from a VRPLIB solution of the instance :func:`write_vrptw` wrote.

    Route ``i`` goes to ``problem.riders[i]``: the rider picks up all its orders at the pharmacy,
    then delivers them in the route's order; times are recomputed by medroute's scheduler.

    Raises
    ------
    InvalidProblemError
        The problem is not a VRPTW.
    InvalidSolutionError
        More routes than riders, unknown or repeated customers, or a route
        that cannot be timed under medroute's rules.
    """
    from ..compile import compile_problem
    from ..errors import EngineError
    from ..schedule import build_solution

    why = vrptw_applies(problem)
    if why is not None:
        raise InvalidProblemError(f"vrplib: the problem is not a VRPTW: {why}")
    routes = read_vrplib_routes(source)
    n = len(problem.orders)
    if len(routes) > len(problem.riders):
        raise InvalidSolutionError(f"vrplib solution: {len(routes)} routes for {len(problem.riders)} riders")
    seen: set[int] = set()
    seqs: list[list[int]] = []
    for i, route in enumerate(routes):
        for c in route:
            if not 1 <= c <= n:
                raise InvalidSolutionError(f"vrplib solution: route #{i + 1} names customer {c}, not in 1..{n}")
            if c in seen:
                raise InvalidSolutionError(f"vrplib solution: customer {c} is visited twice")
            seen.add(c)
        ks = [c - 1 for c in route]
        seqs.append(ks + [n + k for k in ks])
    seqs += [[] for _ in range(len(problem.riders) - len(seqs))]
    try:
        return build_solution(compile_problem(problem, matrix), seqs, engine="vrplib")
    except EngineError as exc:
        raise InvalidSolutionError(f"vrplib solution: {exc}") from None
