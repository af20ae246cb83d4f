"""One plan of the day from the plans of its parts: their routes and unassigned orders side by
side (parts share no rider and no order), the figures added up. An order its part had no rider to
carry (``no_rider``, ``no_coolbox_rider``) while the day has one comes back ``search_limit``."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ..model import Order, Problem
from ..reasons import Reason
from ..solution import Kpis, Solution, TravelSource, Unassigned
from ..stats import SolveStats


def merge_kpis(problem: Problem, parts: Sequence[Kpis]) -> Kpis:
    """The figures of the plans ``parts`` together: counts, travel and lateness added, shares and
    means weighted by orders and deliveries, maxima kept; the riding cost recomputed from the
    total distance."""
    orders = sum(k.orders for k in parts)
    served = sum(k.served for k in parts)
    distance = sum(k.distance_m for k in parts)
    return Kpis(
        orders=orders, served=served, unassigned=sum(k.unassigned for k in parts),
        riders_used=sum(k.riders_used for k in parts), travel_s=sum(k.travel_s for k in parts), distance_m=distance,
        on_time_share=sum(k.on_time_share * k.orders for k in parts) / orders if orders else 1.0,
        total_late_s=sum(k.total_late_s for k in parts), max_late_s=max((k.max_late_s for k in parts), default=0),
        max_cold_exposure_s=max((k.max_cold_exposure_s for k in parts), default=0),
        cost_rp=round(distance / 1000 * problem.objective.rupiah_per_km, 2),
        objective_rp=round(sum(k.objective_rp for k in parts), 2),
        mean_lead_s=sum(k.mean_lead_s * k.served for k in parts) / served if served else 0.0,
        max_lead_s=max((k.max_lead_s for k in parts), default=0))


def merge(problem: Problem, parts: Sequence[Solution], *, engine: str, seed: int, solve_time_s: float,
          notes: Sequence[str], stats: SolveStats | None, travel: TravelSource | None) -> Solution:
    """The day's plan from its parts' plans (routes in the problem's rider order, unassigned
    orders in its order order)."""
    rider_at = {r.id: i for i, r in enumerate(problem.riders)}
    order_at = {o.id: k for k, o in enumerate(problem.orders)}
    routes = sorted((r for p in parts for r in p.routes), key=lambda r: rider_at[r.rider])
    unassigned = sorted((_for_the_day(problem, u) for p in parts for u in p.unassigned),
                        key=lambda u: order_at[u.order])
    kpis = merge_kpis(problem, [p.kpis for p in parts])
    return Solution(routes=tuple(routes), unassigned=tuple(unassigned), kpis=kpis, engine=engine, seed=seed,
                    solve_time_s=solve_time_s, notes=tuple(notes), stats=stats, travel=travel)


def _may_carry(problem: Problem, o: Order) -> bool:
    """Whether a rider of the day may carry ``o``: its locked rider or carrier if it has one, with a
    cool box for a cold item."""
    lock = o.picked_up_by or o.rider
    riders = [problem.rider[lock]] if lock is not None else problem.riders
    return any(not o.needs_coolbox or r.coolbox is not None for r in riders)


def _for_the_day(problem: Problem, u: Unassigned) -> Unassigned:
    """``u`` as the day's plan reports it: ``search_limit`` for an order its part had no rider to
    carry, when a rider of the day may carry it (parts share out the riders, the search moves orders
    across part borders while it has time)."""
    if u.reason not in (Reason.NO_RIDER, Reason.NO_COOLBOX_RIDER) or not _may_carry(problem, problem.order[u.order]):
        return u
    return dataclasses.replace(u, reason=Reason.SEARCH_LIMIT, detail=(
        f"order {u.order!r}: its part of the day has no rider who may carry it ({u.reason.value} there), the day "
        "has; a longer search moves orders across part borders"))
