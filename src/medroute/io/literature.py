"""Shared pieces of the literature readers: the result type, the planar travel matrix, the exact
double-precision evaluation of a plan and best-known-solution tables (where the files live and
which reader reads each set: :mod:`medroute.io.sets`).

The literature's instances are planar: travel time = travel distance = the Euclidean distance
between two points, in double precision, in an abstract unit. medroute computes in integers, so
every reader multiplies by :data:`SCALE` (one literature unit = 1000 s = 1000 m) and builds the
travel matrix with durations rounded **up** (``ceil``): every timetable that is feasible in
integers is then feasible, unchanged, in double precision (see ``docs/literature.md``).
What is compared with a best-known solution is never the integer distance but
:meth:`LiteratureInstance.distance`, recomputed from the coordinates like the literature does.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from ..errors import InvalidProblemError
from ..geo import Location
from ..model import Objective, Problem
from ..solution import Solution, StopKind
from ..travel.base import TravelMatrix

Kind = Literal["lilim", "solomon", "darp"]
"""The literature sets medroute reads."""

KINDS: tuple[Kind, ...] = ("lilim", "solomon", "darp")

SCALE = 1000
"""Seconds (and metres) per literature unit. The longest horizon, Solomon C2's 3390 units,
becomes 3.39e6 s: far inside int32 (2.1e9) and inside the three-digit hours of ``"HH:MM"``."""

DEGREES_PER_UNIT = 1e-3
"""A planar coordinate ``(x, y)`` is shown at ``Location(lat=y * 1e-3, lon=x * 1e-3)``: for
display only; no travel is ever computed from these degrees."""

NO_BIND_PARCELS = 10**6
"""Parcels capacity of a literature rider: never binds (orders carry 0 parcels)."""
NO_BIND_VOLUME_ML = 10**9
"""Volume capacity of a literature rider, ml: never binds (orders carry 0 ml)."""

RUPIAH_PER_SCALED_METRE_KM = 1000.0
"""``Objective.rupiah_per_km`` of every literature problem: 1 Rp per scaled metre, i.e. 1000 Rp
per literature distance unit."""
RUPIAH_PER_VEHICLE = 1e8
"""``Objective.rupiah_per_rider`` for the hierarchical (vehicles, then distance) sets, Rp.
A plan's distance is at most the sum over nodes of the longest arc leaving each node plus one
depot arc per vehicle; for the 100-task sets (coordinates in [0, 100], at most 107 nodes and
25 vehicles) that is below 19,000 units = 1.9e7 Rp, so one vehicle outweighs any distance
(checked per instance in the tests)."""
RUPIAH_UNASSIGNED = 1e9
"""``Objective.rupiah_unassigned``, Rp: above one vehicle plus any route's distance, so serving
an order always beats dropping it. In the engines' integer cost units (100 per Rp) the largest
total, 106 unserved orders, is about 1.1e13, far inside int64 (9.2e18)."""

TOLERANCE = 1e-6
"""Slack, in literature units, of the double-precision rule checks (rounding noise only)."""

class LiteratureFormatError(InvalidProblemError):
    """A literature file does not follow its format; the message names the file and the line."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class Row:
    """One non-blank line of a literature file: its 1-based line number and its fields."""

    line: int
    fields: tuple[str, ...]


def read_rows(path: str | Path) -> list[Row]:
    """The non-blank lines of ``path``, split on whitespace (CRLF and LF alike)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise LiteratureFormatError(p, None, f"cannot read the file ({exc})") from exc
    return [Row(i, tuple(line.split())) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]


def numbers(path: str | Path, row: Row, count: int, what: str, *, at_least: bool = False) -> list[float]:
    """The first ``count`` fields of ``row`` as finite floats (``at_least``: extra fields allowed)."""
    n = len(row.fields)
    if n < count or (n > count and not at_least):
        raise LiteratureFormatError(path, row.line, f"{what}: expected {count} fields, got {n}")
    out = []
    for text in row.fields[:count]:
        try:
            value = float(text)
        except ValueError:
            raise LiteratureFormatError(path, row.line, f"{what}: {text!r} is not a number") from None
        if not math.isfinite(value):
            raise LiteratureFormatError(path, row.line, f"{what}: {text!r} is not finite")
        out.append(value)
    return out


def integral(path: str | Path, line: int, value: float, what: str) -> int:
    """``value`` as an int; raises if it has a fractional part."""
    if value != int(value):
        raise LiteratureFormatError(path, line, f"{what} must be an integer, got {value}")
    return int(value)


def scaled(path: str | Path, line: int, value: float, what: str, *, scale: int = SCALE) -> int:
    """``value * scale`` as an int (seconds); raises if negative or not integral at that scale."""
    s = value * scale
    r = round(s)
    if abs(s - r) > 1e-6 * max(1.0, abs(s)):
        raise LiteratureFormatError(path, line, f"{what} {value} is not a whole number of 1/{scale} units")
    if r < 0:
        raise LiteratureFormatError(path, line, f"{what} must not be negative, got {value}")
    return int(r)


def location(x: float, y: float) -> Location:
    """The display location of the planar point ``(x, y)``: ``lat = y * 1e-3``, ``lon = x * 1e-3``."""
    return Location(lat=y * DEGREES_PER_UNIT, lon=x * DEGREES_PER_UNIT)


def euclidean(coords: NDArray[np.float64]) -> NDArray[np.float64]:
    """(n, n) Euclidean distances between the rows of ``coords`` (n, 2), literature units.

    Computed as ``sqrt(dx*dx + dy*dy)`` in double precision, the formula of the literature's
    reference codes (``hypot`` may differ in the last bit).
    """
    dx = coords[:, None, 0] - coords[None, :, 0]
    dy = coords[:, None, 1] - coords[None, :, 1]
    return np.asarray(np.sqrt(dx * dx + dy * dy), dtype=np.float64)


def planar_matrix(coords: NDArray[np.float64], *, scale: int = SCALE) -> TravelMatrix:
    """The travel matrix between planar points: ``durations_s = ceil(d * scale)``,
    ``distances_m = round(d * scale)``, ``d`` the Euclidean distance in literature units.

    Rounding durations up makes every integer timetable feasible in double precision; distances
    are rounded to nearest as they only enter the cost.
    """
    d = euclidean(np.asarray(coords, dtype=np.float64)) * scale
    if d.size and float(np.max(d)) > np.iinfo(np.int32).max:
        raise InvalidProblemError(f"planar matrix: distances × {scale} exceed the int32 range")
    return TravelMatrix(durations_s=np.ceil(d).astype(np.int32), distances_m=np.rint(d).astype(np.int32))


@dataclass(frozen=True, eq=False)
class LiteratureInstance:
    """A literature instance read into medroute, with what is needed to score a plan the
    literature's way.

    Attributes
    ----------
    name
        The instance name (e.g. ``"lc101"``, ``"C101"``, ``"a2-16"``).
    kind
        ``"lilim"``, ``"solomon"`` or ``"darp"``.
    problem
        The medroute problem (times in seconds = units × ``scale``).
    matrix
        Travel matrix over ``problem.locations`` (same order), seconds and metres.
    coords
        (N, 2) float64 planar ``(x, y)`` of every node, row = node id of the file.
    scale
        Seconds (and metres) per literature unit.
    ready, due, service
        (N,) float64 time window and service duration of every node,
        literature units.
    capacity
        Vehicle capacity (literature load units = grams in ``problem``).
    vehicles_available
        Vehicles the file provides (= riders in ``problem``).
    pickup_node, delivery_node
        Order id → node id of its pickup and of its delivery.
    depot, end_depot
        Node ids where routes start and end.
    max_ride
        Maximum ride time, units (DARP), else ``None``.
    max_duration
        Maximum route duration, units (DARP), else ``None``.
    path
        The file read.
    layout
        The file layout the reader saw (DARP: ``"2006"`` or ``"2003"``), else ``""``.
    """

    name: str
    kind: Kind
    problem: Problem
    matrix: TravelMatrix
    coords: NDArray[np.float64]
    scale: int
    ready: NDArray[np.float64]
    due: NDArray[np.float64]
    service: NDArray[np.float64]
    capacity: int
    vehicles_available: int
    pickup_node: Mapping[str, int]
    delivery_node: Mapping[str, int]
    depot: int = 0
    end_depot: int = 0
    max_ride: float | None = None
    max_duration: float | None = None
    path: Path | None = field(default=None)
    layout: str = ""

    # -- scoring ------------------------------------------------------------------------------
    def node_sequence(self, solution: Solution) -> list[list[int]]:
        """Every route of ``solution`` as node ids of the file, depots included.

        Raises
        ------
        InvalidProblemError
            A stop names an order that is not in this instance.
        """
        out: list[list[int]] = []
        for route in solution.routes:
            nodes: list[int] = []
            for s in route.stops:
                if s.kind == StopKind.START:
                    nodes.append(self.depot)
                elif s.kind == StopKind.END:
                    nodes.append(self.end_depot)
                else:
                    table = self.pickup_node if s.kind == StopKind.PICKUP else self.delivery_node
                    node = table.get(s.order or "")
                    if node is None:
                        raise InvalidProblemError(f"{self.name}: stop names unknown order {s.order!r}")
                    nodes.append(node)
            out.append(nodes)
        return out

    def distance(self, solution: Solution) -> float:
        """Total distance of ``solution`` as the literature computes it, literature units.

        The sum over consecutive stops of ``sqrt(dx*dx + dy*dy)`` in double precision, from the
        file's coordinates (not from the integer matrix). A Solomon pickup is at the depot, so
        its legs from and to the depot add nothing. Compare this with a best-known distance.
        """
        total = 0.0
        for nodes in self.node_sequence(solution):
            for a, b in pairwise(nodes):
                dx = float(self.coords[a, 0] - self.coords[b, 0])
                dy = float(self.coords[a, 1] - self.coords[b, 1])
                total += math.sqrt(dx * dx + dy * dy)
        return total

    def vehicles(self, solution: Solution) -> int:
        """Vehicles used: routes with at least one pickup or delivery."""
        return sum(1 for r in solution.routes if r.visits)

    def violations(self, solution: Solution) -> list[str]:
        """The literature's rules, checked in double precision; an empty list means feasible.

        Li & Lim and Solomon: the standard forward timetable (leave the depot at its ready time,
        arrive = previous departure + Euclidean distance, wait until ready, arrival ≤ due, back
        by the depot's due), capacity, pickup before delivery on one route, every request
        served; Solomon additionally forbids reloading (a depot pickup after a delivery).
        DARP: the plan's own timetable (stop times / ``scale``) is the witness; checked are
        travel (start ≥ previous departure + distance), windows, ride times ≤ L, route
        duration ≤ T, capacity, pairing and service of every request.
        """
        out: list[str] = []
        served: set[str] = set()
        weight = {o.id: o.weight_g for o in self.problem.orders}
        d = self.coords
        eps = TOLERANCE

        def dist(a: int, b: int) -> float:
            dx, dy = float(d[a, 0] - d[b, 0]), float(d[a, 1] - d[b, 1])
            return math.sqrt(dx * dx + dy * dy)

        for route, nodes in zip(solution.routes, self.node_sequence(solution), strict=True):
            if not route.visits:
                continue
            who = f"route {route.rider!r}"
            stops = route.stops
            load, on_board, delivered_any = 0, {}, False
            t_dep = float(self.ready[self.depot])
            if self.kind == "darp":
                t_dep = stops[0].departure_s / self.scale
                if t_dep < self.ready[self.depot] - eps:
                    out.append(f"{who}: leaves the depot at {t_dep:.3f}, before it opens")
            first_dep = t_dep
            for i in range(1, len(stops)):
                s, a, b = stops[i], nodes[i - 1], nodes[i]
                arrive = t_dep + dist(a, b)
                if s.kind == StopKind.END:
                    if arrive > self.due[self.end_depot] + eps:
                        out.append(f"{who}: back at the depot at {arrive:.3f}, after {self.due[self.end_depot]:g}")
                    if self.max_duration is not None and arrive - first_dep > self.max_duration + eps:
                        out.append(f"{who}: lasts {arrive - first_dep:.3f}, over T = {self.max_duration:g}")
                    break
                oid = s.order or ""
                if self.kind == "darp":
                    start = s.start_s / self.scale
                    if start < arrive - eps:
                        out.append(f"{who}: stop {i} starts at {start:.3f}, before arriving at {arrive:.3f}")
                    if start < self.ready[b] - eps:
                        out.append(f"{who}: stop {i} starts at {start:.3f}, before node {b} opens")
                else:
                    start = max(arrive, float(self.ready[b]))
                if start > self.due[b] + eps:
                    out.append(f"{who}: node {b} (order {oid!r}) starts at {start:.3f}, after its due "
                               f"{self.due[b]:g}")
                if s.kind == StopKind.PICKUP:
                    if self.kind == "solomon" and delivered_any:
                        out.append(f"{who}: order {oid!r} loaded at the depot after a delivery (reload)")
                    on_board[oid] = start + float(self.service[b])
                    load += weight.get(oid, 0)
                    if load > self.capacity:
                        out.append(f"{who}: load {load} after node {b}, over the capacity {self.capacity}")
                else:
                    delivered_any = True
                    if oid not in on_board:
                        out.append(f"{who}: order {oid!r} delivered without being picked up before")
                    else:
                        ride = start - on_board.pop(oid)
                        if self.max_ride is not None and ride > self.max_ride + eps:
                            out.append(f"{who}: order {oid!r} rides {ride:.3f}, over L = {self.max_ride:g}")
                        load -= weight.get(oid, 0)
                        served.add(oid)
                t_dep = start + float(self.service[b])
            for oid in on_board:
                out.append(f"{who}: order {oid!r} picked up but not delivered")
        for o in self.problem.orders:
            if o.id not in served:
                out.append(f"order {o.id!r} is not served")
        return out

    def distance_upper_bound(self) -> float:
        """An upper bound of any plan's literature distance, units: every node left once by its
        longest arc, plus one depot departure per vehicle (used to size the vehicle cost)."""
        e = euclidean(self.coords)
        return float(e.max(axis=1).sum() + self.vehicles_available * e[self.depot].max())


def build_matrix(problem: Problem, node_locations: list[Location], coords: NDArray[np.float64],
                 *, path: str | Path, scale: int = SCALE) -> TravelMatrix:
    """The planar matrix over ``problem.locations`` (its order), from the nodes' coordinates.

    ``node_locations[i]`` is the display location of node ``i`` and ``coords[i]`` its ``(x, y)``.
    Raises if two different points collapse onto one display location.
    """
    xy: dict[Location, tuple[float, float]] = {}
    for loc, (x, y) in zip(node_locations, coords.tolist(), strict=True):
        seen = xy.setdefault(loc, (x, y))
        if seen != (x, y):
            raise LiteratureFormatError(path, None, f"points {seen} and {(x, y)} map to one location {loc}")
    pts = np.array([xy[loc] for loc in problem.locations], dtype=np.float64)
    return planar_matrix(pts, scale=scale)


def literature_objective(*, hierarchical: bool) -> Objective:
    """The objective of a literature problem: distance at 1 Rp per scaled metre, a large
    penalty per unserved order and, when ``hierarchical``, a vehicle cost that dominates."""
    return Objective(rupiah_per_km=RUPIAH_PER_SCALED_METRE_KM, rupiah_per_hour=0.0, rupiah_per_late_minute=0.0,
                     rupiah_unassigned=RUPIAH_UNASSIGNED,
                     rupiah_per_rider=RUPIAH_PER_VEHICLE if hierarchical else 0.0)


# -- best-known solutions ---------------------------------------------------------------------
def read_bks(path: str | Path) -> dict[str, tuple[int, float]]:
    """A best-known-solution table: instance name → (vehicles, distance in literature units).

    The CSV has the columns ``instance,vehicles,distance,source``; errors name the file and line.
    """
    p = Path(path)
    out: dict[str, tuple[int, float]] = {}
    try:
        with p.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = {"instance", "vehicles", "distance"} - set(reader.fieldnames or ())
            if missing:
                raise LiteratureFormatError(p, 1, f"BKS table lacks the column(s) {', '.join(sorted(missing))}")
            for rec in reader:
                line = reader.line_num
                name = (rec.get("instance") or "").strip()
                if not name:
                    raise LiteratureFormatError(p, line, "empty instance name")
                try:
                    vehicles = int(rec["vehicles"])
                    distance = float(rec["distance"])
                except (TypeError, ValueError):
                    raise LiteratureFormatError(
                        p, line, f"vehicles {rec.get('vehicles')!r} / distance {rec.get('distance')!r} "
                                 "are not numbers") from None
                if vehicles < 1 or not math.isfinite(distance) or distance < 0:
                    raise LiteratureFormatError(p, line, f"implausible BKS {vehicles} vehicles / {distance}")
                if name in out:
                    raise LiteratureFormatError(p, line, f"instance {name!r} appears twice")
                out[name] = (vehicles, distance)
    except OSError as exc:
        raise LiteratureFormatError(p, None, f"cannot read the file ({exc})") from exc
    return out
