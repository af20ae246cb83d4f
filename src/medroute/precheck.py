"""Pre-checks: orders no plan can serve, found order by order before any search.

An order is flagged (not an error: it comes back unassigned with the reason) when no rider works,
none has the cool box it needs or the room, its pharmacy is farther from the door than the trip
limit, the direct ride is longer than its out-of-fridge budget, or even a direct ride cannot reach
the door inside its windows. :func:`medroute.compile.compile_problem` compiles the flags into
``Instance.flagged``.
"""

from __future__ import annotations

from collections.abc import Sequence

from .matrices import MatrixLike, as_matrices
from .model import Flag, Order, Problem, Rider
from .reasons import Reason
from .timefmt import format_time
from .travel import TravelMatrix


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
    matrices = as_matrices(problem, matrix)
    kinds = _kinds(problem.riders)
    flags = (_flag(problem, o, matrices, kinds) for o in problem.orders)
    return [f for f in flags if f is not None]


def _kinds(riders: Sequence[Rider]) -> list[Rider]:
    """The first rider of each kind (profile, speed, box, cool box): the flags of an order free to
    go to any rider depend on the kinds only, so a large roster is checked in a few steps."""
    seen: dict[tuple[object, ...], Rider] = {}
    for r in riders:
        seen.setdefault((r.profile, r.speed_factor, r.weight_g, r.volume_ml, r.parcels, r.coolbox), r)
    return list(seen.values())


def _flag(problem: Problem, o: Order, matrices: dict[str, TravelMatrix], kinds: list[Rider]) -> Flag | None:
    """Why ``o`` cannot be served, or ``None``."""
    ph = problem.pharmacy[o.pharmacy]
    i, j = problem.location_index[ph.location], problem.location_index[o.location]
    candidates = list(kinds) if o.rider is None else [problem.rider[o.rider]]
    if o.picked_up_by is not None:
        candidates = [problem.rider[o.picked_up_by]]
    if not candidates:
        return Flag(Reason.NO_RIDER, o.id, f"order {o.id!r}: no rider works in this problem")
    cold = o.needs_coolbox
    if cold:
        candidates = [r for r in candidates if r.coolbox is not None]
        if not candidates:
            return Flag(Reason.NO_COOLBOX_RIDER, o.id, f"order {o.id!r}: {o.temperature} item but no rider with a "
                        "cool box")
    fits = [r for r in candidates if _fits(o, r, cold)]
    if not fits:
        return Flag(Reason.OVER_CAPACITY, o.id, f"order {o.id!r}: {o.weight_g} g / {o.volume_ml} ml / "
                    f"{o.parcels} parcels exceeds every eligible rider's capacity")
    dist = int(matrices[fits[0].profile].distances_m[i, j])
    if problem.max_trip_m is not None and o.picked_up_by is None and dist > problem.max_trip_m:
        return Flag(Reason.BEYOND_TRIP_LIMIT, o.id, f"order {o.id!r}: pharmacy → door is {dist} m, beyond the "
                    f"{problem.max_trip_m} m trip limit")
    ride = min(_leg_s(r, matrices, i, j) for r in fits)
    budget = o.max_ride_s
    if cold:
        holds = [r.coolbox.hold_s for r in fits if r.coolbox is not None]
        budget = max(holds) if budget is None else min(budget, max(holds))
    if budget is not None and o.picked_up_by is None and ride > budget:
        return Flag(Reason.BUDGET_SHORTER_THAN_RIDE, o.id, f"order {o.id!r}: direct ride {ride} s exceeds its "
                    f"out-of-fridge budget {budget} s")
    if o.picked_up_by is None:
        opening = [w for w in ph.opening if w.end_s >= o.release_s]
        if not opening:
            return Flag(Reason.WINDOW_UNREACHABLE, o.id, f"order {o.id!r}: released at {format_time(o.release_s)}, "
                        f"after pharmacy {ph.id!r} closes")
        earliest = max(o.release_s, opening[0].start_s) + ph.handover_s + ride
    else:
        r = problem.rider[o.picked_up_by]
        earliest = r.earliest_departure_s + _leg_s(r, matrices, problem.location_index[r.start], j)
    if not any(w.end_s >= earliest for w in o.delivery_windows):
        return Flag(Reason.WINDOW_UNREACHABLE, o.id, f"order {o.id!r}: cannot reach the door before "
                    f"{format_time(o.delivery_windows[-1].end_s)} even by direct travel "
                    f"(earliest {format_time(earliest)})")
    return None


def _fits(o: Order, r: Rider, cold: bool) -> bool:
    """Whether ``o`` fits ``r``'s box (its cool box when ``cold``)."""
    room = r.coolbox.volume_ml if cold and r.coolbox else r.volume_ml
    return (o.weight_g <= r.weight_g and o.parcels <= r.parcels and o.volume_ml <= room
            and (not cold or (r.coolbox is not None and o.parcels <= r.coolbox.parcels)))


def _leg_s(r: Rider, matrices: dict[str, TravelMatrix], a: int, b: int) -> int:
    """Seconds ``r`` rides from location ``a`` to ``b`` (its speed factor applied)."""
    return int(r.scale_durations(matrices[r.profile].durations_s[a:a + 1, b:b + 1])[0, 0])
