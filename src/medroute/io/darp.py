"""Cordeau's dial-a-ride instances with a maximum ride time (DARP), in both standard layouts.

Format: a first line ``K c T Q L`` (vehicles, a count, maximum route duration, capacity, maximum
ride time), then one line per node ``i x y d q e l`` (id, coordinates, service duration, load
change, window). Node 0 is the depot, nodes ``1..n`` the pickups and ``n + i`` the delivery of
request ``i``. The two layouts differ in the count and the last line (:data:`LAYOUTS`):

* **2006** (Cordeau 2006, ``a2-16`` … ``b8-96``): ``c = n`` requests, and node ``2n + 1`` is a
  copy of the depot where routes end (``2n + 2`` node lines);
* **2003** (Cordeau & Laporte 2003, ``pr01`` … ``pr20``): ``c = 2n`` nodes, and no end-depot
  line (``2n + 1`` node lines): routes end at node 0.

The reader tells them apart by the number of node lines and says which it saw
(:attr:`LiteratureInstance.layout`).

Mapping (``docs/literature.md``): request ``i`` becomes a :class:`~medroute.model.Pharmacy`
``"p<i>"`` at its pickup (open in the pickup window, handover ``d_i``) and an
:class:`~medroute.model.Order` ``"<i>"`` with ``max_ride_s = L``: the DARP ride time (service
start at ``n + i`` − end of service at ``i``) is exactly medroute's time out of the fridge.
``K`` riders from the depot back to the depot copy, ``max_work_s = T``. Distance-only objective.
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

LAYOUTS = ("2006", "2003")
"""The DARP file layouts :func:`read_darp` reads (see the module docstring)."""


def _layout(p: Path, count: int, lines: int, line: int) -> tuple[str, int]:
    """The layout and the number of requests of a file whose header counts ``count`` and that
    has ``lines`` node lines."""
    if lines == 2 * count + 2:
        return "2006", count
    if count % 2 == 0 and lines == count + 1:
        return "2003", count // 2
    raise LiteratureFormatError(
        p, line, f"{lines} node lines fit neither DARP layout: the 2006 one needs 2n + 2 = {2 * count + 2} "
                 f"for n = {count} requests, the 2003 one c + 1 = {count + 1} for c = {count} nodes (c even)")


def read_darp(path: str | Path, *, scale: int = SCALE) -> LiteratureInstance:
    """Read a Cordeau DARP file in either layout (2006: requests and an end-depot line; 2003:
    nodes and none), told apart by its number of lines.

    Parameters
    ----------
    path
        The instance file (e.g. ``a2-16.txt``); the name is the file's stem.
    scale
        Seconds (and metres) per literature unit (minutes in Cordeau's instances).

    Returns
    -------
    LiteratureInstance
        Distance-only objective; ``max_ride`` = L and ``max_duration`` = T, literature units;
        ``layout`` = ``"2006"`` or ``"2003"``.

    Raises
    ------
    LiteratureFormatError
        A malformed file, naming the file and the line number.
    """
    p = Path(path)
    rows = read_rows(p)
    if not rows:
        raise LiteratureFormatError(p, None, "empty file")
    h = rows[0]
    K_f, n_f, T, Q_f, L = numbers(p, h, 5, "header 'K n T Q L'")
    K, c, Q = integral(p, h.line, K_f, "K"), integral(p, h.line, n_f, "n"), integral(p, h.line, Q_f, "Q")
    if K < 1 or c < 1 or Q < 0 or T < 0 or L < 0:
        raise LiteratureFormatError(p, h.line, f"need K, n >= 1 and T, Q, L >= 0, got {K} {c} {T:g} {Q} {L:g}")
    nodes = rows[1:]
    layout, n = _layout(p, c, len(nodes), nodes[-1].line if nodes else h.line)
    N = len(nodes)
    end = N - 1 if layout == "2006" else 0
    coords = np.zeros((N, 2))
    ready, due, service = np.zeros(N), np.zeros(N), np.zeros(N)
    load = [0] * N
    for i, row in enumerate(nodes):
        v = numbers(p, row, 7, "node 'i x y d q e l'")
        if integral(p, row.line, v[0], "node id") != i:
            raise LiteratureFormatError(p, row.line, f"node ids must run 0, 1, 2, ...; expected {i}, got {v[0]:g}")
        coords[i] = v[1], v[2]
        service[i], ready[i], due[i] = v[3], v[5], v[6]
        load[i] = integral(p, row.line, v[4], "load q")
        if due[i] < ready[i]:
            raise LiteratureFormatError(p, row.line, f"node {i}: window [{v[5]:g}, {v[6]:g}] ends before it starts")
    line = {i: nodes[i].line for i in range(N)}
    for i in range(1, n + 1):
        if load[i] < 0 or load[n + i] != -load[i]:
            raise LiteratureFormatError(p, line[n + i], f"node {n + i} must unload the {load[i]} of pickup {i}")

    def sc(i: int, value: float, what: str) -> int:
        return scaled(p, line[i], value, what, scale=scale)

    def window(i: int) -> TimeWindow:
        return TimeWindow(sc(i, ready[i], "window start"), sc(i, due[i], "window end"))

    locs = [location(float(x), float(y)) for x, y in coords]
    try:
        pharmacies = tuple(Pharmacy(f"p{i}", locs[i], opening=(window(i),), handover_s=sc(i, service[i], "service"),
                                    name=f"pickup node {i}") for i in range(1, n + 1))
        orders = tuple(
            Order(str(i), f"p{i}", locs[n + i], release_s=0, windows=(window(n + i),),
                  service_s=sc(n + i, service[n + i], "service"), weight_g=load[i], volume_ml=0, parcels=0,
                  temperature="ambient", max_ride_s=scaled(p, h.line, L, "L", scale=scale))
            for i in range(1, n + 1))
        shift = TimeWindow(sc(0, ready[0], "depot window start"), sc(end, due[end], "depot window end"))
        riders = tuple(Rider(f"v{k}", locs[0], start_s=shift.start_s, end=locs[end], shift=shift, weight_g=Q,
                             volume_ml=NO_BIND_VOLUME_ML, parcels=NO_BIND_PARCELS,
                             max_work_s=scaled(p, h.line, T, "T", scale=scale)) for k in range(1, K + 1))
        problem = Problem(pharmacies=pharmacies, orders=orders, riders=riders,
                          objective=literature_objective(hierarchical=False), max_trip_m=None, name=p.stem)
    except LiteratureFormatError:
        raise
    except InvalidProblemError as exc:
        raise LiteratureFormatError(p, None, str(exc)) from None
    return LiteratureInstance(
        name=p.stem, kind="darp", problem=problem, matrix=build_matrix(problem, locs, coords, path=p, scale=scale),
        coords=coords, scale=scale, ready=ready, due=due, service=service, capacity=Q, vehicles_available=K,
        pickup_node={str(i): i for i in range(1, n + 1)}, delivery_node={str(i): n + i for i in range(1, n + 1)},
        depot=0, end_depot=end, max_ride=L, max_duration=T, path=p, layout=layout)


DARP_BKS_FILE = "bks_cordeau_2006.csv"
"""The best-known distances of the 2006 set, beside the instance folder (columns
``instance,distance,source``; the literature compares distances only, every vehicle being
available)."""


def read_darp_bks(path: str | Path) -> dict[str, float]:
    """A DARP best-known table: instance name → distance, literature units.

    Raises
    ------
    LiteratureFormatError
        A missing column, an empty name, a distance that is not a finite number ≥ 0, or an
        instance listed twice; the message names the file and the line.
    """
    import csv
    import math

    p = Path(path)
    out: dict[str, float] = {}
    try:
        with p.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if not {"instance", "distance"} <= set(reader.fieldnames or ()):
                raise LiteratureFormatError(p, 1, "DARP best-known table needs the columns instance,distance")
            for rec in reader:
                name = (rec.get("instance") or "").strip()
                try:
                    distance = float(rec.get("distance") or "")
                except ValueError:
                    distance = math.nan
                if not name or not math.isfinite(distance) or distance < 0 or name in out:
                    raise LiteratureFormatError(p, reader.line_num, f"bad row {name!r}, {rec.get('distance')!r}")
                out[name] = distance
    except OSError as exc:
        raise LiteratureFormatError(p, None, f"cannot read the file ({exc})") from exc
    return out

