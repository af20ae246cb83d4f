"""The OR-Tools engine on hand-checkable problems."""

from __future__ import annotations

from collections import Counter

import pytest

import medroute
from medroute import CoolBox, Location, Order, Pharmacy, Problem, Reason, Rider, TimeWindow
from medroute.compile import Instance, compile_problem
from medroute.engines.ortools import (
    FIRST_SOLUTION_STEPS,
    SOFT_TARGET_SLOWDOWN,
    STEPS_PER_SECOND,
    OrToolsEngine,
    _params,
    build_model,
    step_limit,
)
from medroute.schedule import RouteTimes, schedule_route
from medroute.solve import solve

H = 3600
PH = Location(-8.2084, 114.3662)
START = Location(-8.2090, 114.3670)


def _problem(orders: tuple[Order, ...], riders: tuple[Rider, ...]) -> Problem:
    return Problem(pharmacies=(Pharmacy("ph", PH),), orders=orders, riders=riders)


def test_all_orders_served_and_checked() -> None:
    orders = tuple(Order(f"o{i}", "ph", Location(-8.22 - 0.01 * i, 114.37), release_s=8 * H) for i in range(4))
    problem = _problem(orders, (Rider("a", START, start_s=7 * H), Rider("b", START, start_s=7 * H)))
    solution = solve(problem, engine="ortools", time_limit=1.0)
    assert sorted(solution.served) == ["o0", "o1", "o2", "o3"]
    assert medroute.check(problem, solution) == []


def test_cold_budget_forbids_carrying_two_far_apart() -> None:
    # Two cold orders to doors ~8 km apart with a 20-minute budget: one rider may not carry both
    # at once; OR-Tools must deliver one before picking up the other (or split riders).
    orders = (Order("x", "ph", Location(-8.19, 114.40), release_s=8 * H, temperature="refrigerated",
                    max_ride_s=20 * 60),
              Order("y", "ph", Location(-8.25, 114.34), release_s=8 * H, temperature="refrigerated",
                    max_ride_s=20 * 60))
    problem = _problem(orders, (Rider("c", START, start_s=7 * H, coolbox=CoolBox()),))
    inst = compile_problem(problem)
    res = OrToolsEngine().solve(inst, time_limit=1.0, seed=0)
    (seq,) = res.routes
    assert sorted(seq) == [0, 1, 2, 3]
    times = schedule_route(inst, 0, seq)
    assert isinstance(times, RouteTimes)
    first = inst.order_of(seq[0])
    assert seq[1] == inst.delivery(first)  # delivered before the next pickup


def test_optional_order_not_worth_it_is_dropped() -> None:
    orders = (Order("near", "ph", Location(-8.21, 114.37), release_s=8 * H),
              Order("far", "ph", Location(-8.40, 114.25), release_s=8 * H, required=False, penalty=100.0))
    problem = _problem(orders, (Rider("a", START, start_s=7 * H),))
    solution = solve(problem, engine="ortools", time_limit=1.0)
    assert solution.served == ("near",)
    assert [(u.order, u.reason) for u in solution.unassigned] == [("far", Reason.NOT_WORTH_IT)]


def test_required_but_unservable_comes_back_unassigned() -> None:
    # Both doors need a delivery in the same 10 minutes far apart: only one fits.
    w = (TimeWindow(8 * H + 600, 8 * H + 1500),)
    orders = (Order("a", "ph", Location(-8.22, 114.37), release_s=8 * H, windows=w),
              Order("b", "ph", Location(-8.22, 114.30), release_s=8 * H, windows=w))
    problem = _problem(orders, (Rider("r", START, start_s=8 * H),))
    solution = solve(problem, engine="ortools", time_limit=1.0)
    assert medroute.check(problem, solution) == []
    assert len(solution.served) == 1
    (u,) = solution.unassigned
    assert u.reason == Reason.TIME_WINDOW


def test_warm_start_is_used() -> None:
    orders = tuple(Order(f"o{i}", "ph", Location(-8.22 - 0.01 * i, 114.37), release_s=8 * H) for i in range(3))
    problem = _problem(orders, (Rider("a", START, start_s=7 * H),))
    inst = compile_problem(problem)
    initial = [[0, 3, 1, 4, 2, 5]]
    res = OrToolsEngine().solve(inst, time_limit=1.0, seed=0, initial=initial)
    assert not any("could not be restored" in note for note in res.notes)
    assert Counter(inst.order_of(v) for v in res.routes[0]) == Counter({0: 2, 1: 2, 2: 2})


def test_flagged_orders_are_not_in_the_model() -> None:
    orders = (Order("ok", "ph", Location(-8.22, 114.37), release_s=8 * H),
              Order("cold", "ph", Location(-8.22, 114.37), release_s=8 * H, temperature="refrigerated"))
    inst = compile_problem(_problem(orders, (Rider("a", START),)))
    model = build_model(inst)
    assert sorted(model.nodes) == [0, 2]


def test_large_instance_starts_from_the_greedy_plan(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Pretend OR-Tools' own first solution is slow: the search must start from greedy's plan,
    # say so, and still serve every order within the limit.
    from medroute.engines import ortools as ortools_engine

    orders = tuple(Order(f"o{i}", "ph", Location(-8.22 - 0.01 * i, 114.37), release_s=8 * H) for i in range(4))
    problem = _problem(orders, (Rider("a", START, start_s=7 * H), Rider("b", START, start_s=7 * H)))
    inst = compile_problem(problem)
    monkeypatch.setattr(ortools_engine, "PCI_SECONDS_AT_200", 1e6)
    res = OrToolsEngine().solve(inst, time_limit=1.0, seed=0)
    assert any("started from the greedy dispatcher's plan" in note for note in res.notes)
    assert sorted(v for seq in res.routes for v in seq) == list(range(2 * inst.n))
    monkeypatch.undo()
    res = OrToolsEngine().solve(inst, time_limit=1.0, seed=0)
    assert not any("greedy" in note for note in res.notes)


def test_first_solution_estimate_is_cubic_in_orders() -> None:
    from medroute.engines.ortools import PCI_SECONDS_AT_200, first_solution_seconds

    orders = tuple(Order(f"o{i}", "ph", Location(-8.22, 114.37), release_s=8 * H) for i in range(10))
    inst = compile_problem(_problem(orders, (Rider("a", START, start_s=7 * H),)))
    assert first_solution_seconds(inst) == PCI_SECONDS_AT_200 * (10 / 200) ** 3


def _eight_orders() -> Problem:
    orders = tuple(Order(f"o{i}", "ph", Location(-8.22 - 0.005 * i, 114.37 + 0.004 * (i % 3)), release_s=8 * H)
                   for i in range(8))
    return _problem(orders, (Rider("a", START, start_s=7 * H), Rider("b", START, start_s=7 * H)))


def first_solution_steps(inst: Instance) -> int:
    """What the engine adds to a step budget for its first solution: a step per routing node
    (every order routed here: pickup and delivery, plus each rider's start and end)."""
    return 2 * inst.n + 2 * inst.m + FIRST_SOLUTION_STEPS

def test_the_step_budget_not_the_clock_ends_the_search() -> None:
    # A generous limit: the budget ends the search, says so, and the plan repeats exactly.
    inst = compile_problem(_eight_orders())
    runs = [OrToolsEngine(steps=3000).solve(inst, time_limit=60.0, seed=0) for _ in range(2)]
    for res in runs:
        assert not res.clock_stopped
        total = 3000 + first_solution_steps(inst)
        assert f"ortools: {total:,} of {total:,} search steps" in res.notes
    assert runs[0].routes == runs[1].routes
    # The default budget follows the time limit, at the modelled speed.
    assert OrToolsEngine().budget(inst, 2.0) == int(2 * OrToolsEngine().search_rate(inst))
    assert OrToolsEngine(steps=7).budget(inst, 2.0) == 7


def test_the_step_counter_follows_the_search_and_stops_it_at_the_budget() -> None:
    # Unbounded, the search runs to a solution limit and the counter keeps counting; with a budget
    # below that count, the same search stops there, exactly (the check that ends it is the last).
    inst = compile_problem(_eight_orders())

    def search(budget: int) -> tuple[int, int]:
        model = build_model(inst)
        counter = step_limit(model.routing, budget)
        model.routing.SolveWithParameters(_params(60, "PARALLEL_CHEAPEST_INSERTION", solution_limit=30))
        return counter.steps, model.routing.solver().Solutions()

    free, solutions = search(10**12)
    assert free > 100 and solutions == 30
    half, fewer = search(free // 2)
    assert half == free // 2 and fewer < solutions
    assert search(free // 2) == (half, fewer)


def test_search_rate_falls_with_size_and_soft_targets() -> None:
    def inst(n: int, target: bool) -> Instance:
        orders = tuple(Order(f"o{i}", "ph", Location(-8.22, 114.37), release_s=8 * H,
                             target_s=10 * H if target else None) for i in range(n))
        return compile_problem(_problem(orders, (Rider("a", START, start_s=7 * H),)))

    engine = OrToolsEngine()
    assert engine.search_rate(inst(50, False)) == engine.search_rate(inst(100, False)) == STEPS_PER_SECOND
    assert engine.search_rate(inst(200, False)) == pytest.approx(STEPS_PER_SECOND * 0.5**2.7)
    assert engine.search_rate(inst(3, False)) == pytest.approx(STEPS_PER_SECOND * 0.5**0.5)
    # Soft targets slow the search from 50 orders on, fully at 100.
    assert engine.search_rate(inst(50, True)) == STEPS_PER_SECOND
    assert engine.search_rate(inst(100, True)) == pytest.approx(STEPS_PER_SECOND * SOFT_TARGET_SLOWDOWN)
    assert STEPS_PER_SECOND * SOFT_TARGET_SLOWDOWN < engine.search_rate(inst(70, True)) < STEPS_PER_SECOND


def test_a_search_the_clock_stops_says_so() -> None:
    inst = compile_problem(_eight_orders())
    res = OrToolsEngine(steps=10**12).solve(inst, time_limit=0.5, seed=0)
    assert res.clock_stopped
    assert any("stopped by the 0.5 s time limit" in n for n in res.notes)
    # Without a budget OR-Tools runs at full speed to the limit, and says the plan may vary.
    free = OrToolsEngine(steps_per_second=None)
    assert free.budget(inst, 1.0) is None
    res = free.solve(inst, time_limit=0.5, seed=0)
    assert res.clock_stopped
    assert any("no step budget" in n for n in res.notes)
    assert sorted(v for seq in res.routes for v in seq) == list(range(2 * inst.n))


@pytest.mark.parametrize(("kw", "msg"), [({"steps": 0}, "steps must be >= 1"),
                                         ({"steps_per_second": 0.0}, "steps_per_second must be > 0")])
def test_bad_budgets_are_refused(kw: dict[str, float], msg: str) -> None:
    with pytest.raises(ValueError, match=msg):
        OrToolsEngine(**kw)  # type: ignore[arg-type]


def test_the_step_budget_covers_restoring_the_start_plan() -> None:
    # Restoring a start plan is a decision (a step) per node: the budget covers that, so a budget
    # of one step still returns the start plan instead of nothing.
    inst = compile_problem(_eight_orders())
    start = OrToolsEngine(steps=2000).solve(inst, time_limit=30.0, seed=0).routes
    res = OrToolsEngine(steps=1).solve(inst, time_limit=30.0, seed=0, initial=start)
    assert not res.clock_stopped
    total = 1 + first_solution_steps(inst)
    assert f"ortools: {total:,} of {total:,} search steps" in res.notes
    assert sorted(v for seq in res.routes for v in seq) == list(range(2 * inst.n))
