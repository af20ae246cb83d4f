"""Seeded towns for the decomposition tests: pharmacies on a line, patients around each, riders
starting at the pharmacies (some with cool boxes)."""

from __future__ import annotations

import random

from medroute import CoolBox, Location, Order, Pharmacy, Problem, Rider, TimeWindow

H = 3600


def town(seed: int, *, pharmacies: int = 3, orders: int = 60, riders: int = 9, cold: float = 0.2,
         spread: float = 0.012) -> Problem:
    """``orders`` released 8:00–13:00 around ``pharmacies`` 2.2 km apart, ``riders`` shared
    out over the pharmacies (every other one with a cool box), targets an hour after release."""
    rng = random.Random(seed)
    sites = [Pharmacy(f"ph{i}", Location(-8.22, 114.30 + 0.02 * i)) for i in range(pharmacies)]
    out = []
    for k in range(orders):
        ph = sites[rng.randrange(pharmacies)]
        release = rng.randint(8 * H, 13 * H)
        out.append(Order(f"o{k:03d}", ph.id, Location(ph.location.lat + rng.uniform(-spread, spread),
                                                      ph.location.lon + rng.uniform(-spread, spread)),
                         release_s=release, windows=(TimeWindow(release, 18 * H),), target_s=release + H,
                         temperature="refrigerated" if rng.random() < cold else "ambient"))
    crew = tuple(Rider(f"r{i:02d}", sites[i % pharmacies].location, start_s=8 * H, shift=TimeWindow(8 * H, 19 * H),
                       coolbox=CoolBox() if i % 2 == 0 else None) for i in range(riders))
    return Problem(pharmacies=tuple(sites), orders=tuple(out), riders=crew, name=f"town-{seed}")
