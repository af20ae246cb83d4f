"""split: every order and rider in one part, locks kept, parts near their riders."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from medroute import Problem
from medroute.decompose import split

from .towns import town


def _owner(parts: Sequence[object], attr: str) -> dict[int, int]:
    return {i: p for p, part in enumerate(parts) for i in getattr(part, attr)}


@given(seed=st.integers(0, 10_000), pharmacies=st.integers(1, 5), orders=st.integers(0, 120),
       riders=st.integers(0, 12), part_size=st.integers(5, 60))
def test_every_order_and_rider_is_in_exactly_one_part(seed: int, pharmacies: int, orders: int, riders: int,
                                                      part_size: int) -> None:
    p = town(seed, pharmacies=pharmacies, orders=orders, riders=riders)
    got = split(p, part_size=part_size)
    assert sorted(k for part in got.parts for k in part.orders) == list(range(orders))
    assert sorted(r for part in got.parts for r in part.riders) == list(range(riders))
    for part, near in zip(got.parts, got.neighbours, strict=True):
        assert len(part.orders) <= 1.5 * part_size or len({p.orders[k].pharmacy for k in part.orders}) == 1
        assert got.parts.index(part) not in near
        assert all(got.parts.index(part) in got.neighbours[q] for q in near)
    assert split(p, part_size=part_size) == got


def test_a_busy_pharmacy_is_cut_into_sectors_and_small_ones_merged() -> None:
    busy = town(1, pharmacies=1, orders=90, riders=6)
    assert sorted(len(part.orders) for part in split(busy, part_size=30).parts) == [30, 30, 30]
    quiet = town(2, pharmacies=6, orders=36, riders=6)  # about 6 orders per pharmacy
    got = split(quiet, part_size=24)
    assert len(got.parts) < 6
    assert all(len(part.orders) >= 6 for part in got.parts)


def test_riders_go_to_the_parts_near_them_in_proportion_to_orders() -> None:
    p = town(3, pharmacies=3, orders=90, riders=9)
    got = split(p, part_size=30)
    for part in got.parts:
        sites = Counter(p.orders[k].pharmacy for k in part.orders)
        home = p.pharmacy[sites.most_common(1)[0][0]].location
        assert sum(p.riders[r].start != home for r in part.riders) <= 1  # a share beyond its 3 riders
        assert abs(len(part.riders) - 9 * len(part.orders) / 90) <= 1


def test_cold_orders_get_a_cool_box_and_locked_orders_their_rider() -> None:
    p = town(4, pharmacies=3, orders=60, riders=9, cold=0.3)
    locked = [dataclasses.replace(o, rider="r01") if k in (0, 7, 33) else o for k, o in enumerate(p.orders)]
    p = p.replace(orders=tuple(locked))
    got = split(p, part_size=20)
    owner = _owner(got.parts, "orders")
    rider_part = _owner(got.parts, "riders")
    assert {owner[0], owner[7], owner[33]} == {rider_part[1]}
    for part in got.parts:
        if any(p.orders[k].needs_coolbox for k in part.orders):
            assert any(p.riders[r].coolbox is not None for r in part.riders)


def test_a_day_without_orders_is_one_part_of_every_rider() -> None:
    p: Problem = town(5, orders=0, riders=4)
    got = split(p)
    assert [part.riders for part in got.parts] == [(0, 1, 2, 3)]
