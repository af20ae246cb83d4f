"""A problem's travel matrices from whatever the user has: the ``matrix=`` of :func:`medroute.solve`,
:func:`medroute.check` and :func:`medroute.compile_problem`.

Accepted (:data:`MatrixLike`):

* ``None``: straight lines at motorbike speed (the haversine backend);
* a :class:`~medroute.travel.TravelMatrix`, for every profile;
* a travel backend (anything with ``name``, ``matrix`` and ``path``, e.g.
  ``medroute.travel.backend("osm", source="roads.graphml")``), asked once per profile;
* numpy arrays: a pair ``(durations_s, distances_m)``, a ``(2, n, n)`` array, or a triple
  ``(durations_s, distances_m, ids)``;
* a mapping profile → any of the matrix forms above.

Rows are in :attr:`~medroute.Problem.locations` order (pharmacies, doors, rider starts, rider
ends), unless the matrix carries ids: then each location takes the row named by what stands there
(a pharmacy id, an order id, a rider id for a start, ``"<rider>:end"`` for an end).
:func:`location_names` lists those names. A matrix that knows the places it was computed for
(its :attr:`~medroute.travel.TravelMatrix.points`: every backend's, and every slice of one) must
have been computed for the problem's locations (:func:`check_points`): a reordered or moved order
is refused rather than planned on travel between other places. Every mistake raises
:class:`~medroute.errors.InvalidMatrixError` saying what was expected.
"""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import InvalidMatrixError, TravelMismatchWarning, UnreachableLocationError
from .geo import Location, haversine_m
from .model import Problem, Rider
from .solution import Solution, StopKind, TravelSource
from .travel.base import TravelBackend, TravelMatrix, points_off, take_points

if TYPE_CHECKING:
    from .travel.matrix import MatrixBackend

ProfileMatrix: TypeAlias = (TravelMatrix | NDArray[Any] | tuple[ArrayLike, ArrayLike]
                            | tuple[ArrayLike, ArrayLike, Sequence[str]])
"""One profile's matrix: a :class:`~medroute.travel.TravelMatrix` or numpy arrays."""

MatrixLike: TypeAlias = ProfileMatrix | TravelBackend | Mapping[str, ProfileMatrix] | None
"""What ``matrix=`` accepts (see the module docstring)."""

GIVEN_MATRIX = "matrix"
"""What a plan records as its travel backend when it was timed with a matrix that names no backend
(numpy arrays, or a :class:`~medroute.travel.TravelMatrix` whose ``backend`` is empty): the name of
:class:`~medroute.travel.MatrixBackend`, which reads such a matrix back from a ``travel.npz``."""

_EXPECTED = ("a TravelMatrix, a travel backend, (durations_s, distances_m[, ids]) arrays, a (2, n, n) "
             "array, or a mapping profile → one of these")


def location_names(problem: Problem) -> tuple[tuple[str, ...], ...]:
    """For each of ``problem.locations``, the names a matrix with ids may give its row: the
    pharmacies, orders (doors), riders (starts) and ``"<rider>:end"`` (ends) standing there."""
    names: dict[Any, list[str]] = {loc: [] for loc in problem.locations}
    for ph in problem.pharmacies:
        names[ph.location].append(ph.id)
    for o in problem.orders:
        names[o.location].append(o.id)
    for r in problem.riders:
        names[r.start].append(r.id)
        if r.end is not None:
            names[r.end].append(f"{r.id}:end")
    return tuple(tuple(names[loc]) for loc in problem.locations)


def as_matrices(problem: Problem, matrix: MatrixLike) -> dict[str, TravelMatrix]:
    """One :class:`~medroute.travel.TravelMatrix` per travel profile of ``problem``, rows in
    ``problem.locations`` order.

    Raises
    ------
    InvalidMatrixError
        ``matrix`` is none of :data:`MatrixLike`, misses a profile, or its rows do
        not match the problem's locations (by count, or by id when it has ids).
    """
    if matrix is None:
        from .travel.factory import backend

        matrix = backend("haversine")
    if isinstance(matrix, TravelBackend) and not isinstance(matrix, TravelMatrix):
        return {p: _from_backend(problem, matrix, p) for p in problem.profiles}
    if isinstance(matrix, Mapping):
        missing = [p for p in problem.profiles if p not in matrix]
        if missing:
            raise InvalidMatrixError(f"matrix: no matrix for travel profile {missing[0]!r} "
                                     f"(the mapping has {sorted(map(str, matrix))})")
        return {p: _for_problem(problem, matrix[p], p) for p in problem.profiles}
    return {p: _for_problem(problem, matrix, p) for p in problem.profiles}


def sub_matrix(problem: Problem, matrix: MatrixLike, sub: Problem) -> dict[str, TravelMatrix]:
    """The matrices of ``sub``, a smaller problem over some of ``problem``'s locations, cut from
    ``matrix`` (any :data:`MatrixLike` for ``problem``) without computing anything again.

    Examples
    --------
    >>> part = problem.replace(orders=problem.orders[:50])  # doctest: +SKIP
    >>> medroute.solve(part, matrix=medroute.sub_matrix(problem, matrix, part))  # doctest: +SKIP

    Raises
    ------
    InvalidMatrixError
        ``sub`` has a location ``problem`` does not have, or a profile it lacks.
    """
    full = as_matrices(problem, matrix)
    index = problem.location_index
    rows = []
    for loc, names in zip(sub.locations, location_names(sub), strict=True):
        if loc not in index:
            raise InvalidMatrixError(f"sub_matrix: location ({loc.lat}, {loc.lon}) of {', '.join(names)} "
                                     "is not a location of the full problem")
        rows.append(index[loc])
    missing = [p for p in sub.profiles if p not in full]
    if missing:
        raise InvalidMatrixError(f"sub_matrix: the full problem has no matrix for profile {missing[0]!r}")
    return {p: _take(full[p], np.array(rows, dtype=np.int64)) for p in sub.profiles}


def travel_digest(problem: Problem, solution: Solution, matrices: Mapping[str, TravelMatrix]) -> str:
    """A short fingerprint of the travel between the places ``solution`` visits, and the doors of
    orders on board it reports unassigned (every rider's profile, durations and distances among
    those places, in a fixed order). Equal digests mean :func:`medroute.check` reads the same
    travel for the plan, whatever other places the problem has."""
    h = hashlib.blake2b(digest_size=8)
    index = problem.location_index
    for profile, places in sorted(_visited(problem, solution).items()):
        m = matrices.get(profile)
        if m is None:
            continue
        ordered = sorted(places, key=lambda loc: (loc.lat, loc.lon))
        rows = np.array([index[loc] for loc in ordered], dtype=np.int64)
        sel = np.ix_(rows, rows)
        h.update(profile.encode())
        h.update(np.array([(loc.lat, loc.lon) for loc in ordered], dtype=np.float64).tobytes())
        h.update(np.ascontiguousarray(m.durations_s[sel]).tobytes())
        h.update(np.ascontiguousarray(m.distances_m[sel]).tobytes())
    return h.hexdigest()


def travel_source(problem: Problem, solution: Solution, matrices: Mapping[str, TravelMatrix]) -> TravelSource:
    """What ``solution``, timed with ``matrices``, records: the backend that computed them
    (:data:`GIVEN_MATRIX` for a matrix that names none, ``""`` when the profiles' backends differ)
    and the :func:`travel_digest` of its legs."""
    names = {m.backend or GIVEN_MATRIX for m in matrices.values()}
    return TravelSource(backend=names.pop() if len(names) == 1 else "",
                        digest=travel_digest(problem, solution, matrices))


def warn_if_other_travel(problem: Problem, solution: Solution, matrices: Mapping[str, TravelMatrix]) -> None:
    """Warn (:class:`~medroute.errors.TravelMismatchWarning`) when ``solution`` records travel
    other than ``matrices`` between the places it visits: its legs were timed on other durations
    and distances. A plan without a digest (a day planned in parts) is compared by backend name
    (:func:`other_backend`)."""
    made = solution.travel
    if made is None:
        return
    now = travel_source(problem, solution, matrices)
    if now.digest != made.digest if made.digest else other_backend(made.backend, now.backend):
        _warn_other(made, now)


def warn_if_other_backend(solution: Solution, backend: TravelBackend) -> None:
    """Warn (:class:`~medroute.errors.TravelMismatchWarning`) when ``solution`` records travel of
    another backend than ``backend`` (:func:`other_backend`): what can be told without a square
    matrix to compare digests on."""
    if solution.travel is not None and other_backend(solution.travel.backend, backend.name):
        _warn_other(solution.travel, TravelSource(backend=backend.name))


def other_backend(made: str, now: str) -> bool:
    """Whether travel backends named ``made`` and ``now`` are sure to differ: both named, neither a
    given matrix (which may hold any backend's travel), and other names (a cache aside). What can
    be told of a plan without a digest to compare."""
    made, now = made.removeprefix("cached-"), now.removeprefix("cached-")
    return made not in ("", GIVEN_MATRIX) and now not in ("", GIVEN_MATRIX) and made != now


def _warn_other(made: TravelSource, now: TravelSource) -> None:
    def named(t: TravelSource, unknown: str) -> str:
        return f"{t.backend or unknown!r}" + (f" (digest {t.digest})" if t.digest else "")

    edited = " (or the plan's places changed since it was made)" if made.digest and now.digest else ""
    warnings.warn(TravelMismatchWarning(
        f"the plan was made with travel {named(made, 'of unknown backend')} but is checked against "
        f"{named(now, 'other travel')}{edited}: leg times and distances will not match; check it with the travel "
        "it was made with"), stacklevel=5)


def _visited(problem: Problem, solution: Solution) -> dict[str, set[Location]]:
    """The places whose travel :func:`medroute.check` reads, per travel profile: those each rider
    visits in ``solution`` and, for an order on board reported unassigned, its rider's start and end
    and the order's door (could the rider have delivered it?). Unknown ids are skipped: the checker
    reports them."""
    out: dict[str, set[Location]] = {}

    def rider_places(rider: Rider) -> set[Location]:
        places = out.setdefault(rider.profile, set())
        places.add(rider.start)
        if rider.end is not None:
            places.add(rider.end)
        return places

    for route in solution.routes:
        rider = problem.rider.get(route.rider)
        if rider is None:
            continue
        places = rider_places(rider)
        for stop in route.stops:
            order = problem.order.get(stop.order) if stop.order else None
            if order is not None:
                pharmacy = problem.pharmacy[order.pharmacy].location
                places.add(order.location if stop.kind == StopKind.DELIVERY else pharmacy)
    for left in solution.unassigned:
        order = problem.order.get(left.order)
        carrier = problem.rider.get(order.picked_up_by or "") if order is not None else None
        if order is not None and carrier is not None:
            rider_places(carrier).add(order.location)
    return out


def _from_backend(problem: Problem, backend: TravelBackend, profile: str) -> TravelMatrix:
    from .travel.matrix import MatrixBackend

    if isinstance(backend, MatrixBackend) and backend.locations is None:  # rows known by id only
        m = TravelMatrix(backend.durations_s, backend.distances_m, profile=profile, ids=backend.ids,
                         backend=backend.name)
        return _for_problem(problem, m, profile)
    if isinstance(backend, MatrixBackend) and backend.locations is not None:
        _require_places(problem, backend, profile)
    try:
        m = backend.matrix(problem.locations, profile=profile)
    except (InvalidMatrixError, UnreachableLocationError) as exc:
        if exc.index is None or not 0 <= exc.index < len(problem.locations):
            raise
        names = ", ".join(map(repr, location_names(problem)[exc.index]))
        raise type(exc)(f"{exc}: the place of {names}", index=exc.index) from None
    if not isinstance(m, TravelMatrix):
        raise InvalidMatrixError(f"matrix: backend {backend.name!r} returned {type(m).__name__}, not a TravelMatrix")
    m = m if m.backend else dataclasses.replace(m, backend=backend.name)
    return _for_problem(problem, m, profile)


def _require_places(problem: Problem, backend: MatrixBackend, profile: str) -> None:
    """Refuse a supplied matrix (a :class:`~medroute.travel.MatrixBackend` with locations, e.g. a
    ``travel.npz``) that lacks one of the problem's locations, naming what stands there."""
    missing = [i for i, loc in enumerate(problem.locations) if backend.has(loc) is None]
    if not missing:
        return
    i = missing[0]
    loc = problem.locations[i]
    pts = backend.points
    assert pts is not None  # a matrix with locations
    gaps = haversine_m(pts[:, 0], pts[:, 1], np.full(len(pts), loc.lat), np.full(len(pts), loc.lon))
    near = (f"; the nearest of its {len(gaps)} places is {_metres(float(np.min(gaps)))} away (moved since "
            "the matrix was computed?)" if gaps.size else "")
    more = (f" ({len(missing)} of the problem's {len(problem.locations)} locations are missing)"
            if len(missing) > 1 else "")
    raise InvalidMatrixError(
        f"matrix: the {profile!r} matrix was computed for other places: {_standing(problem, i)} at "
        f"({loc.lat:.6f}, {loc.lon:.6f}) is not in the matrix{near}{more}. Compute the matrix for this problem "
        "(pass the travel backend as matrix=), or cut it from the day's matrix with "
        "medroute.sub_matrix(day, matrix, problem)")


def _for_problem(problem: Problem, value: Any, profile: str) -> TravelMatrix:
    m = _travel_matrix(value, profile)
    n = len(problem.locations)
    if m.ids is not None:
        rows = _rows_by_id(problem, m, profile)
        if rows is not None:
            m = _take(m, rows)
            check_points(problem, m, profile)
            return m
    if m.size != n:
        raise InvalidMatrixError(
            f"matrix: profile {profile!r} has {m.size} locations, the problem has {n} (problem.locations: "
            "pharmacies, doors, rider starts, rider ends); for a part of a bigger problem (problem.replace) "
            "cut its matrix with medroute.sub_matrix(full_problem, matrix, problem), or give ids to match "
            "rows by name")
    check_points(problem, m, profile)
    return m


def check_points(problem: Problem, m: TravelMatrix, profile: str) -> None:
    """Refuse ``m``, a matrix with rows in ``problem.locations`` order, when it was computed for
    other places: a row whose :attr:`~medroute.travel.TravelMatrix.points` lies more than
    :data:`~medroute.travel.base.POINTS_TOLERANCE_M` from the problem's location (orders
    reordered, a door moved, a matrix of another day). A matrix without points is trusted.

    Raises
    ------
    InvalidMatrixError
        Naming the first location that differs, what stands there, how far its row's point
        lies from it, and what to do.
    """
    if m.points is None:
        return
    if m.size != len(problem.locations):
        raise InvalidMatrixError(f"matrix: profile {profile!r} has {m.size} locations, the problem has "
                                 f"{len(problem.locations)}; cut the day's matrix with medroute.sub_matrix(day, "
                                 "matrix, problem) or compute it for this problem")
    off = points_off(m.points, problem.locations)
    if off is None:
        return
    i, gap, count = off
    loc, (lat, lon) = problem.locations[i], m.points[i].tolist()
    more = f" ({count} of the problem's {m.size} locations differ)" if count > 1 else ""
    raise InvalidMatrixError(
        f"matrix: the {profile!r} matrix was computed for other places: {_standing(problem, i)} is at "
        f"({loc.lat:.6f}, {loc.lon:.6f}) but its row was computed for ({lat:.6f}, {lon:.6f}), "
        f"{_metres(gap)} away{more}; planning on it would use travel to and from the wrong "
        "places (orders reordered or moved since the matrix was computed?). Compute the matrix for this "
        "problem (pass the travel backend as matrix=, or backend.matrix(problem.locations)), or cut it "
        "from the day's matrix with medroute.sub_matrix(day, matrix, problem)")


def _standing(problem: Problem, i: int) -> str:
    """What stands at ``problem.locations[i]``, for messages: e.g. "the door of order 'rx-12'"."""
    loc = problem.locations[i]
    what = [f"pharmacy {ph.id!r}" for ph in problem.pharmacies if ph.location == loc]
    what += [f"the door of order {o.id!r}" for o in problem.orders if o.location == loc]
    what += [f"the start of rider {r.id!r}" for r in problem.riders if r.start == loc]
    what += [f"the end of rider {r.id!r}" for r in problem.riders if r.end == loc]
    shown = " and ".join(what[:3]) + (f" (and {len(what) - 3} more)" if len(what) > 3 else "")
    return f"location {i}, {shown}" if shown else f"location {i}"


def _metres(d: float) -> str:
    return f"{d:.2f} m" if d < 10 else f"{d:,.0f} m"


def _travel_matrix(value: Any, profile: str) -> TravelMatrix:
    if isinstance(value, TravelMatrix):
        return value
    ids: Sequence[str] | None = None
    if isinstance(value, np.ndarray):
        if value.ndim != 3 or value.shape[0] != 2:
            raise InvalidMatrixError(
                f"matrix: a numpy array of shape {value.shape} for profile {profile!r}; expected (2, n, n) "
                "(durations_s, distances_m) — a single (n, n) array would leave the distances unknown")
        durations, distances = value[0], value[1]
    elif isinstance(value, (tuple, list)) and len(value) in (2, 3):
        durations, distances = value[0], value[1]
        ids = list(map(str, value[2])) if len(value) == 3 else None
    else:
        raise InvalidMatrixError(f"matrix: expected {_EXPECTED}; got {type(value).__name__}")
    return TravelMatrix(_seconds_or_metres(durations, "durations_s"), _seconds_or_metres(distances, "distances_m"),
                        profile=profile, ids=tuple(ids) if ids is not None else None)


def _seconds_or_metres(values: ArrayLike, name: str) -> NDArray[Any]:
    try:
        arr = np.asarray(values)
        if not np.issubdtype(arr.dtype, np.integer):
            arr = np.rint(arr.astype(np.float64))
    except (TypeError, ValueError) as exc:
        raise InvalidMatrixError(f"matrix: {name} is not numeric ({exc})") from None
    return arr


def _rows_by_id(problem: Problem, m: TravelMatrix, profile: str) -> NDArray[np.int64] | None:
    """Rows of ``m`` for the problem's locations by name; ``None`` when no name matches at all
    (the ids are then just labels, and the rows must be in ``problem.locations`` order)."""
    assert m.ids is not None
    by_id = {name: i for i, name in enumerate(m.ids)}
    names = location_names(problem)
    if not any(n in by_id for group in names for n in group):
        return None
    rows = []
    for loc, group in zip(problem.locations, names, strict=True):
        row = next((by_id[n] for n in group if n in by_id), None)
        if row is None:
            raise InvalidMatrixError(f"matrix: profile {profile!r} has no row for {' / '.join(map(repr, group))} "
                                     f"at ({loc.lat}, {loc.lon})")
        rows.append(row)
    return np.array(rows, dtype=np.int64)


def _take(m: TravelMatrix, rows: NDArray[np.int64]) -> TravelMatrix:
    sel = np.ix_(rows, rows)
    return TravelMatrix(m.durations_s[sel], m.distances_m[sel], m.snap_m[rows], profile=m.profile,
                        backend=m.backend, points=take_points(m.points, rows))
