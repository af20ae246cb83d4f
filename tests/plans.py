"""Small hand-checkable problems and plans shared by the output tests (frames, GeoJSON, plots,
maps, report, CLI)."""

from __future__ import annotations

from typing import Any

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


def scale_plan(orders: int = 1000, riders: int = 150, pharmacies: int = 20) -> tuple[Problem, Solution]:
    """A day at real scale, built without solving: ``pharmacies`` sites on a grid across the regency,
    each with its riders; every rider picks up and delivers its orders one after another (so the
    plan is timeable). Some orders are cold, and the riders carrying them have a cool box."""
    import math

    sites = [Pharmacy(f"ph-{j:02d}", Location(-8.15 - 0.06 * (j // 5), 114.05 + 0.07 * (j % 5)),
                      name=f"Puskesmas Number {j:02d} with a long name") for j in range(pharmacies)]
    owner = [r % pharmacies for r in range(riders)]
    orders_ = []
    for k in range(orders):
        r = k % riders
        site = sites[owner[r]].location
        angle, dist = 2.4 * k, 0.004 + 0.012 * ((k * 7) % 11) / 11
        orders_.append(Order(f"rx-{k:04d}", sites[owner[r]].id,
                             Location(site.lat + dist * math.sin(angle), site.lon + dist * math.cos(angle)),
                             release_s=8 * 3600 + 60 * (k % 120),
                             temperature="refrigerated" if k % 9 == 0 else "ambient"))
    riders_ = tuple(Rider(f"rider-{r:03d}", sites[owner[r]].location, start_s=8 * 3600, coolbox=CoolBox())
                    for r in range(riders))
    p = Problem(tuple(sites), tuple(orders_), riders_, name="scale")
    inst = compile_problem(p)
    n = inst.n
    routes = [[x for k in range(r, orders, riders) for x in (k, n + k)] for r in range(riders)]
    return p, build_solution(inst, routes, engine="test")


def bridged_plan() -> tuple[Problem, Solution, Any]:
    """Two road clusters joined by one straight bridge; the only order lies across it."""
    import networkx as nx

    from medroute.travel import GraphBackend

    g = nx.MultiDiGraph()
    coords = {1: (114.300, -8.200), 2: (114.305, -8.200), 3: (114.310, -8.205),
              4: (114.360, -8.230), 5: (114.365, -8.230), 6: (114.370, -8.235)}
    for n, (x, y) in coords.items():
        g.add_node(n, x=x, y=y)
    for a, b in ((1, 2), (2, 3), (4, 5), (5, 6)):
        g.add_edge(a, b, highway="residential")
        g.add_edge(b, a, highway="residential")
    g.add_edge(3, 4, highway=None, medroute_bridge=True)
    g.add_edge(4, 3, highway=None, medroute_bridge=True)
    be = GraphBackend(g)
    ph = Pharmacy("ph", Location(-8.200, 114.300))
    p = Problem((ph,), (Order("rx", "ph", Location(-8.235, 114.370)),), (Rider("r", ph.location),))
    inst = compile_problem(p, be)
    return p, build_solution(inst, [[0, 1]], engine="test"), be
