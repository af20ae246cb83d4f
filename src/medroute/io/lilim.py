"""Li & Lim pickup-and-delivery instances with time windows (PDPTW).

Format (whitespace separated): a first line ``K Q speed`` (``speed`` is ignored: travel time
is always the distance; some files say 0), then one line per node
``id x y demand ready due service pickup_id delivery_id``. Node 0 is the depot; a pickup has
``demand > 0``, ``pickup_id = 0`` and ``delivery_id`` = its delivery node; a delivery has
``demand < 0`` and ``pickup_id`` = its pickup node.

Mapping (``docs/literature.md``): every pickup node becomes a :class:`~medroute.model.Pharmacy`
``"p<node>"`` open in the node's window with handover = its service time; every request an
:class:`~medroute.model.Order` ``"<pickup node>"`` delivered at the delivery node; ``K`` identical
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
    build_matrix,
    integral,
    literature_objective,
    location,
    numbers,
    read_rows,
    scaled,
)


def read_lilim(path: str | Path, *, scale: int = SCALE) -> LiteratureInstance:
    """Read a Li & Lim PDPTW file.

    Parameters
    ----------
    path
        The instance file (e.g. ``lc101.txt``); the name is the file's stem.
    scale
        Seconds (and metres) per literature unit.

    Returns
    -------
    LiteratureInstance
        Hierarchical objective (vehicles, then distance); one order per request.

    Raises
    ------
    LiteratureFormatError
        A malformed line, naming the file and the line number.
    """
    p = Path(path)
    rows = read_rows(p)
    if not rows:
        raise LiteratureFormatError(p, None, "empty file")
    head = numbers(p, rows[0], 3, "header 'K Q speed'", at_least=True)
    K = integral(p, rows[0].line, head[0], "vehicle count K")
    Q = integral(p, rows[0].line, head[1], "capacity Q")
    if K < 1 or Q < 0:
        raise LiteratureFormatError(p, rows[0].line, f"need K >= 1 and Q >= 0, got K={K}, Q={Q}")
    # head[2] is the "speed": 1 in most files, 0 in 10 of the 56 (a quirk of the published
    # copies); every reference code ignores it and sets travel time = distance, so do we.
    nodes = rows[1:]
    if not nodes:
        raise LiteratureFormatError(p, rows[0].line, "no nodes after the header")
    N = len(nodes)
    coords = np.zeros((N, 2))
    ready, due, service = np.zeros(N), np.zeros(N), np.zeros(N)
    demand = [0] * N
    links: list[tuple[int, int]] = []
    for i, row in enumerate(nodes):
        v = numbers(p, row, 9, "node 'id x y demand ready due service pickup delivery'")
        if integral(p, row.line, v[0], "node id") != i:
            raise LiteratureFormatError(p, row.line, f"node ids must run 0, 1, 2, ...; expected {i}, got {v[0]:g}")
        coords[i] = v[1], v[2]
        demand[i] = integral(p, row.line, v[3], "demand")
        ready[i], due[i], service[i] = v[4], v[5], v[6]
        if due[i] < ready[i]:
            raise LiteratureFormatError(p, row.line, f"node {i}: window [{v[4]:g}, {v[5]:g}] ends before it starts")
        pick, deli = integral(p, row.line, v[7], "pickup id"), integral(p, row.line, v[8], "delivery id")
        if not (0 <= pick < N and 0 <= deli < N):
            raise LiteratureFormatError(p, row.line, f"node {i}: sibling ids {pick}/{deli} are not nodes 0..{N - 1}")
        links.append((pick, deli))

    line = {i: nodes[i].line for i in range(N)}
    pairs: list[tuple[int, int]] = []
    for i in range(1, N):
        pick, deli = links[i]
        if pick == 0 and deli > 0:
            if demand[i] < 0:
                raise LiteratureFormatError(p, line[i], f"pickup node {i} has negative demand {demand[i]}")
            if links[deli][0] != i or demand[deli] != -demand[i]:
                raise LiteratureFormatError(
                    p, line[deli], f"node {deli} should be the delivery of pickup {i} with demand {-demand[i]}")
            pairs.append((i, deli))
        elif pick > 0 and deli == 0:
            if links[pick][1] != i:
                raise LiteratureFormatError(p, line[i],
                                            f"delivery node {i} names pickup {pick}, which does not name it")
        else:
            raise LiteratureFormatError(p, line[i], f"node {i} is neither a pickup nor a delivery ({pick}, {deli})")

    def window(i: int) -> TimeWindow:
        return TimeWindow(scaled(p, line[i], ready[i], "ready time", scale=scale),
                          scaled(p, line[i], due[i], "due date", scale=scale))

    locs = [location(float(x), float(y)) for x, y in coords]
    try:
        pharmacies = tuple(
            Pharmacy(f"p{pu}", locs[pu], opening=(window(pu),),
                     handover_s=scaled(p, line[pu], service[pu], "service time", scale=scale),
                     name=f"pickup node {pu}")
            for pu, _ in pairs)
        orders = tuple(
            Order(str(pu), f"p{pu}", locs[de], release_s=0, windows=(window(de),),
                  service_s=scaled(p, line[de], service[de], "service time", scale=scale),
                  weight_g=demand[pu], volume_ml=0, parcels=0, temperature="ambient")
            for pu, de in pairs)
        shift = window(0)
        riders = tuple(Rider(f"v{k}", locs[0], start_s=shift.start_s, end=locs[0], shift=shift, weight_g=Q,
                             volume_ml=NO_BIND_VOLUME_ML, parcels=NO_BIND_PARCELS) for k in range(1, K + 1))
        problem = Problem(pharmacies=pharmacies, orders=orders, riders=riders,
                          objective=literature_objective(hierarchical=True), max_trip_m=None, name=p.stem)
    except LiteratureFormatError:
        raise
    except InvalidProblemError as exc:
        raise LiteratureFormatError(p, None, str(exc)) from None
    return LiteratureInstance(
        name=p.stem, kind="lilim", problem=problem, matrix=build_matrix(problem, locs, coords, path=p, scale=scale),
        coords=coords, scale=scale, ready=ready, due=due, service=service, capacity=Q, vehicles_available=K,
        pickup_node={str(pu): pu for pu, _ in pairs}, delivery_node={str(pu): de for pu, de in pairs},
        depot=0, end_depot=0, path=p)
