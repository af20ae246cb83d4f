"""Anytime improvement between events: reproducible on a work budget, never worse, folded into the
next replan, and a background thread that stops cleanly."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from medroute import check
from medroute.dispatch import Dispatcher, DispatchError
from medroute.dispatch import replan as replan_module
from medroute.events import OrderCreated
from tests.dispatch.town import H, dispatcher, order, replan


def loaded(seed: int = 0) -> Dispatcher:
    d = dispatcher(3, seed=seed)
    for i in range(24):
        d.apply(OrderCreated(8 * H, order(i, release_s=8 * H + 600 * (i % 5), cold=i % 6 == 0)))
    replan(d, 8 * H, 5.0)  # insertion alone: ends well before the clock, the same plan every time
    return d


def test_rounds_are_a_work_budget_same_state_same_plan() -> None:
    a, b = loaded(), loaded()
    pa, pb = a.improve(rounds=15), b.improve(rounds=15)
    assert pa is not None and pb is not None
    assert [r.orders for r in pa.solution.routes] == [r.orders for r in pb.solution.routes]
    assert pa.objective_rp == pb.objective_rp


def test_an_improvement_is_published_never_worse_and_the_next_replan_starts_from_it() -> None:
    d = loaded()
    assert d.plan is not None
    before = d.plan.objective_rp
    better = d.improve(rounds=40)
    assert better is not None, "24 orders on 3 riders: insertion alone leaves room"
    assert better is d.plan and better.stage == "improved" and better.objective_rp < before
    assert check(better.problem, better.solution, better.matrix) == []
    assert replan(d, 8 * H).objective_rp <= better.objective_rp + 1e-6


def test_an_improvement_after_new_events_waits_for_the_next_replan() -> None:
    d = loaded()
    d.apply(OrderCreated(8 * H + 60, order(40, release_s=9 * H)))
    assert d.improve(rounds=40) is None
    plan = replan(d, 8 * H + 60)
    assert plan.stage in ("improved", "keep", "auto") and "o40" in plan.solution.served


def test_improve_needs_exactly_one_budget() -> None:
    d = loaded()
    with pytest.raises(ValueError, match="exactly one"):
        d.improve()
    d.improve(time_budget=0.2)


def test_background_thread_improves_and_stops_cleanly() -> None:
    d = loaded()
    d.start_improving()
    try:
        time.sleep(0.5)
        d.apply(OrderCreated(8 * H + 120, order(40, release_s=9 * H)))
        plan = replan(d, 8 * H + 120)  # events and replans go on while it runs
        assert "o40" in plan.solution.served
        time.sleep(0.3)
    finally:
        d.stop_improving()
    assert d._background is None
    assert not any(t.name == "medroute-improver" for t in threading.enumerate())
    replan(d, 8 * H + 180)


def test_a_published_improvement_is_folded_once_by_the_next_replan(monkeypatch: pytest.MonkeyPatch) -> None:
    stages: list[str] = []
    keep = replan_module.keep_candidate

    def spy(pool: replan_module.Pool, stage: str, routes: replan_module.LiveRoutes,
            seconds: float) -> replan_module.Scored | None:
        stages.append(stage)
        return keep(pool, stage, routes, seconds)

    monkeypatch.setattr(replan_module, "keep_candidate", spy)
    d = loaded()
    assert d.improve(rounds=40) is not None
    d.apply(OrderCreated(8 * H + 60, order(40, release_s=9 * H)))
    replan(d, 8 * H + 60)
    assert stages[-1:] == ["keep"] and "improved" not in stages[1:]


def test_rounds_give_the_same_plan_on_a_slower_machine(slow_machine: Callable[[], None]) -> None:
    # A round's insertion paced itself by the clock (positions compared per order scaled by the
    # measured time per position): on a loaded machine the same rounds gave another plan.
    a, b = loaded(), loaded()  # the replan that made them ran by the clock
    idle = a.improve(rounds=15)
    slow_machine()
    slow = b.improve(rounds=15)
    assert idle is not None and slow is not None
    assert [r.orders for r in slow.solution.routes] == [r.orders for r in idle.solution.routes]


@pytest.mark.parametrize("budget", [{"time_budget": math.nan}, {"time_budget": math.inf}, {"time_budget": "1"},
                                    {"rounds": 1.5}, {"rounds": -1}, {"rounds": "3"}, {"rounds": True}])
def test_an_endless_or_mistyped_improve_budget_is_refused_not_looped_on(budget: dict[str, Any]) -> None:
    # time_budget=nan never ended: improve held the dispatcher's lock for ever
    d = loaded()
    with pytest.raises(DispatchError, match=r"^improve: (time_budget|rounds)"):
        d.improve(**budget)
    assert d.improve(rounds=0) is None
