"""The day simulator: every order ends somewhere, the same seed gives the same day, reports render."""

from __future__ import annotations

from pathlib import Path

import pytest

from medroute import Location, Order, Pharmacy, Problem, Rider
from medroute.simulate import POLICIES, compare_markdown, simulate
from tests.test_dispatch_conformance import PHARMACIES, H, order, rider


def small_problem() -> Problem:
    orders = [order(i, release_s=9 * H + 900 * i, cold=i % 4 == 0) for i in range(8)]
    orders = [o.__class__(**{**{f: getattr(o, f) for f in o.__dataclass_fields__}, "target_s": o.release_s + 2 * H})
              for o in orders]
    return Problem(pharmacies=PHARMACIES, orders=tuple(orders), riders=tuple(rider(i) for i in range(3)), name="tiny")


@pytest.mark.parametrize("policy", POLICIES)
def test_every_order_ends_delivered_failed_cancelled_or_unserved(policy: str) -> None:
    res = simulate(small_problem(), policy=policy, seed=3, engine=None, failure_rate=0.2, cancel_rate=0.1,
                   time_budget=0.2)
    assert len(res.timeline) == 8
    assert {t.outcome for t in res.timeline} <= {"delivered", "failed", "cancelled", "unserved"}
    r = res.report
    assert r.delivered + r.failed + r.cancelled + r.unserved == 8
    for t in res.timeline:
        if t.outcome == "delivered":
            assert t.delivered_s is not None and t.delivered_s >= t.created_s
            if policy != "pharmacy_wait":
                assert t.picked_up_s is not None and t.rider is not None and t.picked_up_s >= t.released_s
    assert "| orders | 8 |" in r.to_markdown()


def test_same_seed_same_day() -> None:
    a = simulate(small_problem(), policy="medroute", seed=7, engine=None, time_budget=0.2)
    b = simulate(small_problem(), policy="medroute", seed=7, engine=None, time_budget=0.2)
    assert a.timeline_csv() == b.timeline_csv()


def test_delivery_saves_the_pharmacy_wait() -> None:
    wait = simulate(small_problem(), policy="pharmacy_wait", seed=1, cancel_rate=0.0)
    med = simulate(small_problem(), policy="medroute", seed=1, engine=None, cancel_rate=0.0, failure_rate=0.0,
                   time_budget=0.2)
    assert wait.report.mean_pharmacy_wait_min > 10 and med.report.mean_pharmacy_wait_min == 0
    assert med.report.patient_hours_saved > 0
    table = compare_markdown([med.report, wait.report])
    assert table.splitlines()[0] == "| KPI | medroute | pharmacy_wait |"


def test_simulate_command_writes_report_and_csv(tmp_path: Path) -> None:
    from medroute.simulate_cli import simulate_command

    src = tmp_path / "tiny.json"
    small_problem().save(src)
    out = tmp_path / "out" / "day"
    results = simulate_command(str(src), ["greedy", "pharmacy_wait"], seed=0, output=out, engine="none",
                               time_budget=0.2)
    assert len(results) == 2
    assert "| KPI | greedy | pharmacy_wait |" in out.with_suffix(".md").read_text()
    lines = out.with_suffix(".csv").read_text().splitlines()
    assert lines[0].startswith("policy,order,") and len(lines) == 1 + 16


def test_unknown_policy_is_named() -> None:
    with pytest.raises(ValueError, match="unknown policy 'teleport'"):
        simulate(small_problem(), policy="teleport")


def test_a_pickup_that_arrives_after_another_rider_delivered_is_stale() -> None:
    # Seen on the puskesmas day's long legs under the greedy policy: rider b's pickup leg ends after
    # rider a has picked the order up and delivered it; b's pickup is stale, not an error.
    import numpy as np

    from medroute.events import Delivered, OrderCreated, OrderReleased, PickedUp, RiderOnline
    from medroute.simulate import OrderTimeline, _Day
    from medroute.travel.haversine import HaversineBackend

    ph = Location(-8.20, 114.36)
    p = Problem(pharmacies=(Pharmacy("ph", ph),),
                orders=(Order("o1", "ph", Location(-8.2025, 114.36), release_s=9 * 3600),),
                riders=(Rider("a", ph, start_s=9 * 3600), Rider("b", Location(-8.20, 114.38), start_s=9 * 3600)))
    timeline = {"o1": OrderTimeline("o1", "ph", False, 9 * 3600 - 600, 9 * 3600, 600, None)}
    day = _Day(p, HaversineBackend().matrix(p.locations), "t", 0, "greedy", timeline, {}, np.random.default_rng(0),
               0.0, 0.0, 300, None, 1.0, None, p.location_index)
    t = 9 * 3600
    for e in (OrderCreated(t, p.orders[0]), OrderReleased(t, "o1"), RiderOnline(t, "a"), RiderOnline(t, "b"),
              PickedUp(t + 60, "o1", "a"), Delivered(t + 400, "o1")):
        day.apply(e)
    day.handle(t + 500, "done", ("b", PickedUp(t + 500, "o1", "b"), False))
    assert day.d.orders["o1"].status.value == "delivered" and not day.busy["b"]
