"""Solomon VRPTW instances (100 customers).

Format: the instance name, a ``VEHICLE`` block with ``NUMBER CAPACITY`` and their values, and a
``CUSTOMER`` block whose header is ``CUST NO. XCOORD. YCOORD. DEMAND READY TIME DUE DATE SERVICE
TIME`` followed by one line of seven numbers per node; node 0 is the depot.

Mapping (``docs/literature.md``): a pure delivery problem. One pharmacy ``"depot"`` at the depot,
open only at the depot's ready time with zero handover, so every order is loaded when the route
starts and a rider can never come back to reload (that would be a multi-trip relaxation of the
VRPTW); each customer is an :class:`~medroute.model.Order` ``"<customer>"``; ``K`` identical
riders from and back to the depot. Times × :data:`~medroute.io.literature.SCALE`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InvalidProblemError
from ..model import Order, Pharmacy, Problem, Rider, TimeWindow
from .literature import (
    NO_BIND_PARCELS,
    NO_BIND_VOLUME_ML,
    SCALE,
    LiteratureFormatError,
    LiteratureInstance,
    Row,
    build_matrix,
    integral,
    literature_objective,
    location,
    numbers,
    read_rows,
    scaled,
)


def read_solomon(path: str | Path, *, scale: int = SCALE) -> LiteratureInstance:
    """Read a Solomon VRPTW file.

    Parameters
    ----------
    path
        The instance file (e.g. ``C101.txt``); the name is the file's first line.
    scale
        Seconds (and metres) per literature unit.

    Returns
    -------
    LiteratureInstance
        Hierarchical objective (vehicles, then distance); one order per customer.

    Raises
    ------
    LiteratureFormatError
        A malformed file, naming the file and the line number.
    """
    p = Path(path)
    rows = read_rows(p)
    if not rows:
        raise LiteratureFormatError(p, None, "empty file")
    name = rows[0].fields[0] if len(rows[0].fields) == 1 else p.stem
    upper = [" ".join(r.fields).upper() for r in rows]
    try:
        head = next(i for i, text in enumerate(upper) if "NUMBER" in text and "CAPACITY" in text)
    except StopIteration:
        raise LiteratureFormatError(p, None, "no 'NUMBER CAPACITY' vehicle header") from None
    if head + 1 >= len(rows):
        raise LiteratureFormatError(p, rows[head].line, "the vehicle header has no values after it")
    kq = rows[head + 1]
    v = numbers(p, kq, 2, "vehicles 'NUMBER CAPACITY'")
    K, Q = integral(p, kq.line, v[0], "vehicle number"), integral(p, kq.line, v[1], "capacity")
    if K < 1 or Q < 0:
        raise LiteratureFormatError(p, kq.line, f"need NUMBER >= 1 and CAPACITY >= 0, got {K}, {Q}")
    try:
        cust = next(i for i in range(head + 2, len(rows)) if upper[i].startswith("CUST NO"))
    except StopIteration:
        raise LiteratureFormatError(p, None, "no 'CUST NO.' customer header") from None
    nodes: list[Row] = rows[cust + 1:]
    if len(nodes) < 2:
        raise LiteratureFormatError(p, rows[cust].line, "need the depot and at least one customer")
    N = len(nodes)
    coords = np.zeros((N, 2))
    ready, due, service = np.zeros(N), np.zeros(N), np.zeros(N)
    demand = [0] * N
    for i, row in enumerate(nodes):
        f = numbers(p, row, 7, "customer 'no x y demand ready due service'")
        if integral(p, row.line, f[0], "customer number") != i:
            raise LiteratureFormatError(p, row.line, f"customers must run 0, 1, 2, ...; expected {i}, got {f[0]:g}")
        coords[i] = f[1], f[2]
        demand[i] = integral(p, row.line, f[3], "demand")
        if demand[i] < 0:
            raise LiteratureFormatError(p, row.line, f"customer {i}: negative demand {demand[i]}")
        ready[i], due[i], service[i] = f[4], f[5], f[6]
        if due[i] < ready[i]:
            raise LiteratureFormatError(p, row.line, f"customer {i}: window [{f[4]:g}, {f[5]:g}] ends before it starts")
    line = {i: nodes[i].line for i in range(N)}

    def window(i: int) -> TimeWindow:
        return TimeWindow(scaled(p, line[i], ready[i], "ready time", scale=scale),
                          scaled(p, line[i], due[i], "due date", scale=scale))

    locs = [location(float(x), float(y)) for x, y in coords]
    try:
        horizon = window(0)
        depot = Pharmacy("depot", locs[0], opening=(TimeWindow(horizon.start_s, horizon.start_s),), handover_s=0,
                         name="depot (loading at route start only)")
        orders = tuple(
            Order(str(c), "depot", locs[c], release_s=0, windows=(window(c),),
                  service_s=scaled(p, line[c], service[c], "service time", scale=scale),
                  weight_g=demand[c], volume_ml=0, parcels=0, temperature="ambient")
            for c in range(1, N))
        riders = tuple(Rider(f"v{k}", locs[0], start_s=horizon.start_s, end=locs[0], shift=horizon, weight_g=Q,
                             volume_ml=NO_BIND_VOLUME_ML, parcels=NO_BIND_PARCELS) for k in range(1, K + 1))
        problem = Problem(pharmacies=(depot,), orders=orders, riders=riders,
                          objective=literature_objective(hierarchical=True), max_trip_m=None, name=name)
    except LiteratureFormatError:
        raise
    except InvalidProblemError as exc:
        raise LiteratureFormatError(p, None, str(exc)) from None
    return LiteratureInstance(
        name=name, kind="solomon", problem=problem, matrix=build_matrix(problem, locs, coords, path=p, scale=scale),
        coords=coords, scale=scale, ready=ready, due=due, service=service, capacity=Q, vehicles_available=K,
        pickup_node={str(c): 0 for c in range(1, N)}, delivery_node={str(c): c for c in range(1, N)},
        depot=0, end_depot=0, path=p)
