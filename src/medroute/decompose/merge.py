"""One plan of the day from the plans of its parts: their routes and unassigned orders side by
side (parts share no rider and no order), the figures added up."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Problem
from ..solution import Kpis, Solution, TravelSource
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
    unassigned = sorted((u for p in parts for u in p.unassigned), key=lambda u: order_at[u.order])
    kpis = merge_kpis(problem, [p.kpis for p in parts])
    return Solution(routes=tuple(routes), unassigned=tuple(unassigned), kpis=kpis, engine=engine, seed=seed,
                    solve_time_s=solve_time_s, notes=tuple(notes), stats=stats, travel=travel)
