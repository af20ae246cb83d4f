"""Small hand-checkable problems and plans shared by the output tests (frames, GeoJSON, plots,
maps, report, CLI)."""

from __future__ import annotations

from medroute import CoolBox, Location, Order, Pharmacy, Problem, Rider, Solution, TimeWindow
from medroute.compile import compile_problem
from medroute.schedule import build_solution

RSUD = Location(-8.2136, 114.3579)
PKM = Location(-8.2300, 114.3650)


def small_problem() -> Problem:
    """Two pharmacies, two riders (one with a cool box), four orders: one cold, one unservable
    (cold, but its budget is shorter than the ride)."""
    pharmacies = (Pharmacy("rsud", RSUD, name="RSUD Blambangan"), Pharmacy("pkm", PKM, name="Puskesmas"))
    orders = (
        Order("rx-1", "rsud", Location(-8.2050, 114.3700), release_s=8 * 3600,
              windows=(TimeWindow(8 * 3600, 12 * 3600),), target_s=9 * 3600 + 1800),
        Order("rx-2", "rsud", Location(-8.2200, 114.3800), release_s=8 * 3600, temperature="refrigerated"),
        Order("rx-3", "pkm", Location(-8.2400, 114.3550), release_s=8 * 3600 + 600, target_s=9 * 3600),
        Order("rx-4", "pkm", Location(-8.4000, 114.1000), temperature="refrigerated", max_ride_s=60),
    )
    riders = (
        Rider("ani", RSUD, start_s=8 * 3600, coolbox=CoolBox()),
        Rider("budi", PKM, start_s=8 * 3600),
    )
    return Problem(pharmacies, orders, riders, name="small")


def small_plan(problem: Problem | None = None) -> tuple[Problem, Solution]:
    """The problem and a feasible plan: ani carries rx-1 and rx-2 (cold), budi rx-3; rx-4 is left
    out with the pre-check's reason."""
    p = problem or small_problem()
    inst = compile_problem(p)
    n = inst.n
    sol = build_solution(inst, [[0, 1, n + 1, n + 0], [2, n + 2]], engine="test")
    return p, sol
