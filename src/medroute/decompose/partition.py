"""Splitting a day into parts that can be planned apart: orders by pharmacy catchment and
geography, riders to the parts near where they start.

Orders of one pharmacy form a star around it; routes leave the pharmacy, serve a few doors and
come back. :func:`split` cuts each pharmacy's star into angular sectors of about ``part_size``
orders (doors sorted by bearing from the pharmacy, cut at equal counts, starting at the widest
empty bearing), then merges parts smaller than half of that with their nearest part. Riders are
shared out in proportion to each part's orders (cool-box riders to its cold orders), each going
to the nearest part that still needs one. A rider who already carries or is locked to orders
joins the part holding most of them, and those orders follow. Parts whose centres are among
each other's ``neighbours`` nearest, or that share a pharmacy, are neighbours: the border search
re-plans them together.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..geo import EARTH_RADIUS_M, Location
from ..model import Problem

PART_SIZE = 250
"""Orders per part by default (see ``docs/decompose.md`` for the measurement behind it)."""
NEIGHBOURS = 4
"""Nearest parts (by centre) each part counts as neighbours."""


@dataclass(frozen=True, slots=True)
class Part:
    """Orders and riders planned together, by index into the problem's ``orders`` and ``riders``."""

    orders: tuple[int, ...]
    riders: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Partition:
    """A day split into parts.

    Attributes
    ----------
    parts
        The parts; every order and every rider is in exactly one.
    neighbours
        Per part, the indices of the parts next to it (symmetric).
    """

    parts: tuple[Part, ...]
    neighbours: tuple[tuple[int, ...], ...]


def _xy(points: Sequence[Location], lat0: float) -> NDArray[np.float64]:
    """Local equirectangular projection, metres."""
    lat = np.array([p.lat for p in points], dtype=np.float64).reshape(-1)
    lon = np.array([p.lon for p in points], dtype=np.float64).reshape(-1)
    return np.column_stack([EARTH_RADIUS_M * np.radians(lon) * math.cos(lat0), EARTH_RADIUS_M * np.radians(lat)])


def _sectors(centre: NDArray[np.float64], doors: NDArray[np.float64], ks: list[int], count: int) -> list[list[int]]:
    """``ks`` cut into ``count`` bearing sectors of equal size around ``centre``."""
    if count <= 1:
        return [ks]
    bearing = np.arctan2(doors[:, 1] - centre[1], doors[:, 0] - centre[0])
    order = np.lexsort((np.array(ks), bearing))
    sorted_b = bearing[order]
    gaps = np.diff(np.append(sorted_b, sorted_b[0] + 2 * math.pi))
    start = (int(np.argmax(gaps)) + 1) % len(order)
    ring = np.roll(order, -start)
    cuts = np.linspace(0, len(ring), count + 1).round().astype(int)
    return [[ks[i] for i in ring[a:b]] for a, b in itertools.pairwise(cuts) if b > a]


def _merge_small(groups: list[list[int]], centres: list[NDArray[np.float64]], part_size: int) -> list[list[int]]:
    """Merge every group under half ``part_size`` into its nearest group while the result stays
    within 1.5 × ``part_size`` (smallest first, ties by position)."""
    groups, centres = [list(g) for g in groups], [c.copy() for c in centres]
    while len(groups) > 1:
        small = sorted((len(g), i) for i, g in enumerate(groups) if len(g) < part_size / 2)
        merged = False
        for _, i in small:
            fits = [j for j in range(len(groups)) if j != i and len(groups[i]) + len(groups[j]) <= 1.5 * part_size]
            if not fits:
                continue
            j = min(fits, key=lambda j: (float(np.hypot(*(centres[i] - centres[j]))), j))
            total = len(groups[i]) + len(groups[j])
            centres[j] = (centres[i] * len(groups[i]) + centres[j] * len(groups[j])) / total
            groups[j] = sorted(groups[j] + groups[i])
            del groups[i], centres[i]
            merged = True
            break
        if not merged:
            break
    return groups


def _order_groups(problem: Problem, part_size: int, lat0: float) -> list[list[int]]:
    """Orders by pharmacy, cut into sectors, small groups merged."""
    by_pharmacy: dict[str, list[int]] = {}
    for k, o in enumerate(problem.orders):
        by_pharmacy.setdefault(o.pharmacy, []).append(k)
    doors = _xy([o.location for o in problem.orders], lat0)
    groups: list[list[int]] = []
    for ph_id, ks in by_pharmacy.items():
        centre = _xy([problem.pharmacy[ph_id].location], lat0)[0]
        groups += _sectors(centre, doors[ks], ks, max(1, round(len(ks) / part_size)))
    centres = [doors[g].mean(axis=0) for g in groups]
    return _merge_small(groups, centres, part_size)


def _quotas(total: int, weights: Sequence[float], floor_one: bool) -> list[int]:
    """Integer shares of ``total`` in proportion to ``weights`` (largest remainder); with
    ``floor_one`` every positive weight gets at least one while ``total`` allows."""
    n = len(weights)
    out = [0] * n
    rest = total
    if floor_one:
        for i in sorted(range(n), key=lambda i: (-weights[i], i)):
            if weights[i] > 0 and rest > 0:
                out[i], rest = 1, rest - 1
    s = float(sum(weights))
    if rest <= 0 or s <= 0:
        return out
    raw = [rest * w / s for w in weights]
    base = [math.floor(x) for x in raw]
    for i in sorted(range(n), key=lambda i: (-(raw[i] - base[i]), i))[: rest - sum(base)]:
        base[i] += 1
    return [a + b for a, b in zip(out, base, strict=True)]


def _assign_riders(problem: Problem, groups: list[list[int]], homes: NDArray[np.float64], lat0: float,
                   forced: dict[int, int]) -> list[list[int]]:
    """Riders per part: ``forced`` ones (rider → part) first, then in proportion to orders (cool
    boxes to cold orders), each to the nearest part still short of its share."""
    m = len(problem.riders)
    starts = _xy([r.start for r in problem.riders], lat0)
    dist = np.hypot(starts[:, None, 0] - homes[None, :, 0], starts[:, None, 1] - homes[None, :, 1])
    cool = [i for i, r in enumerate(problem.riders) if r.coolbox is not None]
    cold = [sum(problem.orders[k].needs_coolbox for k in g) for g in groups]
    want = _quotas(m, [len(g) for g in groups], floor_one=True)
    want_cool = _quotas(len(cool), [float(c) for c in cold], floor_one=True)
    part_of: dict[int, int] = dict(forced)
    have = Counter(part_of.values())
    have_cool = Counter(p for r, p in part_of.items() if problem.riders[r].coolbox is not None)

    def fill(riders: list[int], short: list[int], counts: Counter[int]) -> None:
        free = [r for r in riders if r not in part_of]
        if not free:
            return
        pairs = sorted((float(dist[r, p]), r, p) for r in free for p in range(len(groups)))
        for _, r, p in pairs:
            if r not in part_of and counts[p] < short[p]:
                part_of[r] = p
                have[p] += 1
                if problem.riders[r].coolbox is not None:
                    have_cool[p] += 1

    fill(cool, want_cool, have_cool)
    fill(list(range(m)), want, have)
    for r in range(m):  # quotas rounded below the fleet (forced riders over a share): nearest part
        part_of.setdefault(r, int(np.argmin(dist[r])))
    riders: list[list[int]] = [[] for _ in groups]
    for r in range(m):
        riders[part_of[r]].append(r)
    return riders


def _follow_locks(problem: Problem, groups: list[list[int]]) -> dict[int, int]:
    """Riders carrying or locked to orders: each to the part holding most of them; their other
    locked orders move there (in place). Returns rider → one of their orders."""
    rider_index = {r.id: i for i, r in enumerate(problem.riders)}
    part_of_order = {k: p for p, g in enumerate(groups) for k in g}
    locked: dict[int, list[int]] = {}
    for k, o in enumerate(problem.orders):
        who = o.picked_up_by or o.rider
        if who is not None:
            locked.setdefault(rider_index[who], []).append(k)
    forced: dict[int, int] = {}
    for r, ks in locked.items():
        p = Counter(part_of_order[k] for k in ks).most_common(1)[0][0]
        forced[r] = ks[0]
        for k in ks:
            if part_of_order[k] != p:
                groups[part_of_order[k]].remove(k)
                groups[p].append(k)
                part_of_order[k] = p
    for g in groups:
        g.sort()
    return forced


def _neighbours(problem: Problem, groups: list[list[int]], centres: NDArray[np.float64],
                count: int) -> tuple[tuple[int, ...], ...]:
    """Each part's ``count`` nearest parts by centre, parts sharing a pharmacy, made symmetric."""
    n = len(groups)
    near: list[set[int]] = [set() for _ in range(n)]
    for p in range(n):
        d = np.hypot(centres[:, 0] - centres[p, 0], centres[:, 1] - centres[p, 1])
        for q in np.lexsort((np.arange(n), d))[: count + 1].tolist():
            if q != p:
                near[p].add(q)
                near[q].add(p)
    pharmacies = [{problem.orders[k].pharmacy for k in g} for g in groups]
    for p in range(n):
        for q in range(p + 1, n):
            if pharmacies[p] & pharmacies[q]:
                near[p].add(q)
                near[q].add(p)
    return tuple(tuple(sorted(s)) for s in near)


def split(problem: Problem, *, part_size: int = PART_SIZE, neighbours: int = NEIGHBOURS) -> Partition:
    """Split ``problem`` into parts of about ``part_size`` orders (see the module docstring).

    Parameters
    ----------
    problem
        The day.
    part_size
        Orders per part aimed at (a pharmacy with fewer orders is merged with its
        neighbours up to 1.5 × this; one with more is cut into sectors).
    neighbours
        How many nearest parts each part counts as neighbours.

    Returns
    -------
    Partition
        Every order and rider in exactly one part (a problem without orders: one part with
        every rider).
    """
    if part_size < 1:
        raise ValueError(f"split: part_size must be at least 1, got {part_size}")
    if not problem.orders:
        return Partition((Part((), tuple(range(len(problem.riders)))),), ((),))
    lat0 = math.radians(float(np.mean([o.location.lat for o in problem.orders])))
    groups = _order_groups(problem, part_size, lat0)
    locked = _follow_locks(problem, groups)
    groups = [g for g in groups if g]
    part_of_order = {k: p for p, g in enumerate(groups) for k in g}
    forced = {r: part_of_order[k] for r, k in locked.items()}
    points = _xy([o.location for o in problem.orders], lat0)
    pharm = _xy([problem.pharmacy[o.pharmacy].location for o in problem.orders], lat0)
    centres = np.array([np.vstack([points[g], pharm[g]]).mean(axis=0) for g in groups])
    homes = np.array([pharm[g].mean(axis=0) for g in groups])
    riders = _assign_riders(problem, groups, homes, lat0, forced)
    parts = tuple(Part(tuple(g), tuple(r)) for g, r in zip(groups, riders, strict=True))
    return Partition(parts, _neighbours(problem, groups, centres, neighbours))
