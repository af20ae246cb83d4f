"""The auto portfolio: every plan it returns passes the checker, same seed → same plan, time held."""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings

from medroute import CoolBox, Location, Order, Pharmacy, Problem, Rider, TimeWindow, check
from medroute.compile import Instance, compile_problem
from medroute.engines import Engine, EngineResult
from medroute.engines.portfolio import STAGES, AutoEngine, CandidatePool, Stage
from medroute.engines.portfolio.restrict import anchored_instance, on_time_part, targeted_instance
from medroute.engines.pyvrp import PyVrpEngine
from medroute.insertion import plan_objective
from medroute.schedule import Infeasible, build_solution, schedule_route
from medroute.stats import Progress, SolveStats
from medroute.stop import MaxRuntime, MaxWork, Stop, StopReason
from tests.engines.test_pyvrp import A, B, C, D
from tests.strategies import problems


def checked(inst: Instance, routes: tuple[tuple[int, ...], ...]) -> list[str]:
    sol = build_solution(inst, routes)
    return [str(v) for v in check(inst.problem, sol, matrix=dict(inst.matrices))]


def town(n: int, m: int, seed: int) -> Problem:
    """A seeded Banyuwangi-like day: 3 pharmacies, ``n`` orders (a fifth refrigerated), ``m`` riders."""
    rnd = random.Random(seed)

    def loc() -> Location:
        return Location(rnd.uniform(-8.30, -8.15), rnd.uniform(114.28, 114.40))

    phs = tuple(Pharmacy(f"ph{i}", loc(), opening=(TimeWindow(7 * 3600, 20 * 3600),)) for i in range(3))
    riders = tuple(Rider(f"r{i}", loc(), start_s=7 * 3600, shift=TimeWindow(7 * 3600, 20 * 3600),
                         coolbox=CoolBox() if i % 2 == 0 else None) for i in range(m))
    orders = []
    for k in range(n):
        release = rnd.randint(8 * 3600, 12 * 3600)
        orders.append(Order(f"o{k}", f"ph{rnd.randrange(3)}", loc(), release_s=release,
                            windows=(TimeWindow(release, 19 * 3600),),
                            temperature="refrigerated" if rnd.random() < 0.2 else "ambient"))
    return Problem(pharmacies=phs, orders=tuple(orders), riders=riders)


def test_is_an_engine_that_supports_everything() -> None:
    inst = compile_problem(town(5, 2, 0))
    engine = AutoEngine()
    assert isinstance(engine, Engine) and engine.name == "auto"
    assert engine.supports(inst)


def test_keeps_the_budget_pyvrp_breaks() -> None:
    # Two insulin orders, 1850 s budget, doors at C and D on a line from the pharmacy at A: the
    # shortest plan carries both (D's rides >= 1980 s); auto goes back to the pharmacy.
    from tests.engines.test_pyvrp import compiled

    o1 = Order("i1", "ph", C, temperature="refrigerated", max_ride_s=1850)
    o2 = Order("i2", "ph", D, temperature="refrigerated", max_ride_s=1850)
    inst = compiled(o1, o2)
    relaxed = PyVrpEngine().solve(inst, stop=MaxWork(0.5), seed=0)
    assert isinstance(schedule_route(inst, 0, relaxed.routes[0]), Infeasible)
    res = AutoEngine().solve(inst, stop=MaxWork(1), seed=0)
    (route,) = res.routes
    assert len(route) == 4
    assert checked(inst, res.routes) == []


@settings(max_examples=6, deadline=None)
@given(problems(max_orders=6, max_riders=3))
def test_never_returns_a_plan_the_checker_rejects(problem: Problem) -> None:
    inst = compile_problem(problem)
    res = AutoEngine().solve(inst, stop=MaxWork(0.5), seed=3)
    assert checked(inst, res.routes) == []
    served = {inst.order_of(v) for r in res.routes for v in r}
    assert served | set(inst.flagged) | set(res.reasons) >= set(range(inst.n))


def test_same_seed_same_plan_on_work() -> None:
    inst = compile_problem(town(20, 4, 1))
    first = AutoEngine().solve(inst, stop=MaxWork(1), seed=5)
    again = AutoEngine().solve(inst, stop=MaxWork(1) | MaxRuntime(120), seed=5)
    assert again.routes == first.routes
    assert first.stats.reproducible and first.stats.stopped_by == StopReason.WORK
    assert first.stats.work == pytest.approx(1, rel=0.02)
    assert first.stats.best_stage in {s.name for s in first.stats.stages}


@pytest.mark.parametrize("day", ["town", "cold"])
def test_work_gives_the_same_plan_on_a_slower_machine(day: str, slow_machine: Callable[[], None]) -> None:
    # PyVRP, route elimination, OR-Tools and alns stages (town) and the relaxed ones (cold).
    inst = compile_problem(town(20, 4, 1)) if day == "town" else cold_town()
    idle = AutoEngine().solve(inst, stop=MaxWork(1), seed=5)
    slow_machine()
    slow = AutoEngine().solve(inst, stop=MaxWork(1), seed=5)
    assert slow.routes == idle.routes
    assert [s.name for s in slow.stats.stages] == [s.name for s in idle.stats.stages]


def test_the_clock_is_used_to_its_end_and_held() -> None:
    inst = compile_problem(town(50, 6, 2))
    t0 = time.perf_counter()
    res = AutoEngine().solve(inst, stop=MaxRuntime(3.0), seed=0)
    took = time.perf_counter() - t0
    assert 0.95 * 3.0 - 0.5 <= took <= 3.0 * 1.05 + 1.0  # all but the check reserve, and held
    assert res.stats.stopped_by == StopReason.CLOCK
    assert checked(inst, res.routes) == []


def test_a_stage_table_and_a_seeded_pool_are_the_callers_to_give() -> None:
    # A one-stage table (greedy alone) over a pool seeded with a plan of the caller's: the better
    # of the two comes back, and the stats name only what ran.
    inst = compile_problem(town(10, 3, 6))
    pool = CandidatePool(inst)
    seeded = AutoEngine().solve(inst, stop=MaxWork(0.5), seed=0).routes
    pool.add("previous", seeded)
    greedy_only = [s for s in STAGES if s.name == "greedy"]
    res = AutoEngine(stages=greedy_only).solve(inst, stop=MaxWork(1), seed=0, pool=pool)
    assert [s.name for s in res.stats.stages] == ["greedy"]
    assert res.routes == pool.best().routes  # type: ignore[union-attr]
    assert plan_objective(inst, res.routes) <= plan_objective(inst, seeded)  # type: ignore[operator]
    assert isinstance(greedy_only[0], Stage)


def test_anchored_instance_keeps_the_plan_and_only_shrinks_windows() -> None:
    inst = compile_problem(town(12, 3, 4))
    res = AutoEngine(use_ortools=False).solve(inst, stop=MaxWork(0.5), seed=0)
    anchored = anchored_instance(inst, res.routes)
    assert plan_objective(anchored, res.routes) == plan_objective(inst, res.routes)
    for wide, narrow in zip(inst.windows, anchored.windows, strict=True):
        for a, b in narrow:
            assert any(x <= a and b <= y for x, y in wide)


def test_targeted_instance_makes_soft_targets_deadlines_for_pyvrp() -> None:
    # On a line from the pharmacy at A: doors C, then D. The shortest route serves C first; D's
    # target leaves less slack than C's door service, so only D first is on time.
    from tests.engines.test_pyvrp import compiled

    plain = compiled(Order("c", "ph", C), Order("d", "ph", D))
    a, d = int(plain.node_loc[plain.pickup(1)]), int(plain.node_loc[plain.delivery(1)])
    on_time = 3600 + 2 * 60 + int(plain.duration(0)[a, d]) + 30  # two handovers, then straight to D
    inst = compiled(Order("c", "ph", C), Order("d", "ph", D, target_s=on_time))

    def late(routes: tuple[tuple[int, ...], ...]) -> list[int]:
        t = schedule_route(inst, 0, routes[0])
        assert not isinstance(t, Infeasible)
        return [inst.order_of(v) for v, s in zip(routes[0], t.starts, strict=True)
                if not inst.is_pickup(v) and s > inst.target[inst.order_of(v)]]

    blind = PyVrpEngine().solve(inst, stop=MaxWork(0.5), seed=0)
    assert late(blind.routes) == [1]
    targeted = targeted_instance(inst)
    assert targeted.windows[inst.delivery(1)] == ((inst.windows[inst.delivery(1)][0][0], on_time),)
    assert targeted.windows[inst.delivery(0)] == inst.windows[inst.delivery(0)]
    aware = PyVrpEngine().solve(targeted, stop=MaxWork(0.5), seed=0)
    assert late(aware.routes) == [] and len(aware.routes[0]) == 4
    # Given a plan, the orders it delivers late keep their windows: the plan stays feasible.
    kept = targeted_instance(inst, blind.routes)
    assert kept.windows == inst.windows
    assert plan_objective(kept, blind.routes) == plan_objective(inst, blind.routes)
    # The on-time part of a plan (where PyVRP's targeted search goes on from when it finds no
    # feasible plan): D (late) is taken out, C stays, feasible where D's target is a deadline.
    part = on_time_part(inst, blind.routes)
    assert {inst.order_of(v) for v in part[0]} == {0} and late(part) == []
    assert plan_objective(targeted, part) is not None
    assert on_time_part(inst, aware.routes) == aware.routes
    # auto runs that search; its objective (a few seconds late vs a detour) picks the plan.
    res = AutoEngine(use_ortools=False).solve(inst, stop=MaxWork(1), seed=0)
    assert "pyvrp" in [s.name for s in res.stats.stages] and checked(inst, res.routes) == []


def test_route_elimination_when_riders_cost_and_pyvrp_is_exact() -> None:
    # Greedy spreads 6 orders over the 3 riders; with a rider cost route elimination runs, and
    # the plan comes down to one rider.
    from medroute import Objective
    from medroute.engines.pyvrp import relaxations

    rnd = random.Random(3)
    orders = tuple(Order(f"o{k}", "ph", Location(-8.0 + rnd.uniform(-0.05, 0.05), 114.0 + rnd.uniform(0, 0.1)),
                         release_s=8 * 3600 + 600 * k) for k in range(6))
    riders = tuple(Rider(f"r{i}", A, start_s=8 * 3600) for i in range(3))
    problem = Problem(pharmacies=(Pharmacy("ph", A),), orders=orders, riders=riders,
                      objective=Objective(rupiah_per_rider=1e6, rupiah_per_late_minute=0))
    inst = compile_problem(problem)
    assert relaxations(inst) == []
    res = AutoEngine().solve(inst, stop=MaxWork(1), seed=0)
    assert {"greedy", "pyvrp", "pyvrp-fleet", "pyvrp-fleet-search"} <= {s.name for s in res.stats.stages}
    assert sum(1 for s in res.routes if s) == 1
    assert checked(inst, res.routes) == []


def cold_town() -> Instance:
    """24 orders, 4 riders, every cold order with a 1,500-s budget: PyVRP relaxes the model."""
    problem = town(24, 4, 7)
    orders = tuple(o if o.temperature == "ambient" else dataclasses.replace(o, max_ride_s=1500)
                   for o in problem.orders)
    return compile_problem(dataclasses.replace(problem, orders=orders))


def test_relaxed_instances_are_reproducible_through_the_ortools_stage() -> None:
    # Cold budgets make PyVRP relax the model, so the OR-Tools stage runs; on work the plan repeats.
    inst = cold_town()
    runs = [AutoEngine(use_alns=False).solve(inst, stop=MaxWork(1), seed=2) for _ in range(2)]
    assert runs[0].routes == runs[1].routes
    for res in runs:
        assert res.stats.reproducible
        assert {"pyvrp", "pyvrp-anchored", "ortools"} <= {s.name for s in res.stats.stages}
        assert checked(inst, res.routes) == []


def test_without_ortools_anchored_rounds_take_its_share() -> None:
    inst = cold_town()
    res = AutoEngine(use_ortools=False, use_alns=False).solve(inst, stop=MaxWork(1), seed=2)
    names = [s.name for s in res.stats.stages]
    assert "ortools" not in names and {"pyvrp-anchored", "pyvrp-anchored-2"} <= set(names)
    assert checked(inst, res.routes) == []


def test_ride_limits_bring_in_the_alns_search_instead_of_pyvrp() -> None:
    # Cold budgets are rules PyVRP relaxes: the alns search (which times them exactly) runs in
    # place of the PyVRP stages, OR-Tools searches on from the best plan, and on work the plan repeats.
    inst = cold_town()
    runs = [AutoEngine().solve(inst, stop=MaxWork(1), seed=2) for _ in range(2)]
    assert runs[0].routes == runs[1].routes
    names = [s.name for s in runs[0].stats.stages]
    assert names[:3] == ["construct", "greedy", "alns"] and "ortools" in names
    assert not any(name.startswith("pyvrp") for name in names)
    assert runs[0].stats.reproducible
    assert checked(inst, runs[0].routes) == []


def test_without_ortools_a_second_alns_round_takes_its_share() -> None:
    inst = cold_town()
    res = AutoEngine(use_ortools=False).solve(inst, stop=MaxWork(1), seed=2)
    names = [s.name for s in res.stats.stages]
    assert "alns" in names and "alns-2" in names and "ortools" not in names
    assert checked(inst, res.routes) == []


class DoneAtOnce:
    """An OR-Tools stand-in whose search ends by itself at once, its start as its plan."""

    name = "ortools"

    def solve(self, instance: Instance, *, stop: Stop, seed: int, initial: Sequence[Sequence[int]] | None = None,
              progress: Progress | None = None) -> EngineResult:
        return EngineResult(tuple(tuple(r) for r in initial or ()), stats=SolveStats(StopReason.DONE, 0.0))


def test_what_ortools_leaves_of_the_clock_goes_to_a_second_alns_round(monkeypatch: pytest.MonkeyPatch) -> None:
    # With ride limits, a stage that ends by itself before its clock leaves the rest of the
    # budget to the alns search (which searches until the clock), not unused.
    from medroute.engines.portfolio import auto

    monkeypatch.setattr(auto, "_ortools", lambda inst: DoneAtOnce())
    inst = cold_town()
    res = AutoEngine().solve(inst, stop=MaxRuntime(2.0), seed=0)
    stages = {s.name: s for s in res.stats.stages}
    assert stages["ortools"].stopped_by == StopReason.DONE
    assert stages["alns-2"].stopped_by == StopReason.CLOCK
    assert res.stats.seconds >= 0.9 * 2.0
    assert checked(inst, res.routes) == []


def test_a_missing_alns_core_compiles_in_the_background_and_its_share_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # With a clock, a machine that has not compiled the alns core does not spend the stage's
    # share waiting for it: the compile starts in its own process and OR-Tools gets the time.
    from medroute.engines import alns

    started: list[int] = []
    monkeypatch.setattr(alns, "ready", lambda: False)
    monkeypatch.setattr(alns, "compile_in_background", lambda: started.append(1))
    inst = cold_town()
    res = AutoEngine().solve(inst, stop=MaxRuntime(2.0), seed=0)
    stages = {s.name: s for s in res.stats.stages}
    assert started and stages["alns"].skipped == "compiling"
    assert stages["ortools"].seconds >= 0.5 * 2.0
    assert checked(inst, res.routes) == []


def test_the_background_compile_is_one_process_that_ends_by_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    from medroute.engines import alns

    monkeypatch.setattr(alns, "_compiler", None)
    proc = alns.compile_in_background()
    assert alns.compile_in_background() is proc
    assert proc.wait(timeout=300) == 0  # the core is cached in the suite: it loads and returns
    assert alns.ready()


def test_orders_left_out_give_the_pyvrp_shares_to_ortools_and_a_fresh_start() -> None:
    # One rider at the pharmacy (A) at 1 h, two insulin orders due by 5,600 s at B (600 s away) and
    # D (1,800 s): one trip breaks D's 1,850-s budget, two trips miss a window. One must stay out
    # of every plan: PyVRP (which relaxes the budget) and the anchored round are skipped, and
    # OR-Tools also starts afresh.
    from tests.engines.test_pyvrp import compiled

    due = (TimeWindow(3600, 5600),)
    inst = compiled(Order("i1", "ph", B, temperature="refrigerated", max_ride_s=1850, windows=due),
                    Order("i2", "ph", D, temperature="refrigerated", max_ride_s=1850, windows=due))
    runs = [AutoEngine(use_alns=False).solve(inst, stop=MaxWork(0.5), seed=0) for _ in range(2)]
    assert runs[0].routes == runs[1].routes
    res = runs[0]
    assert [s.name for s in res.stats.stages] == ["construct", "greedy", "ortools", "ortools-fresh"]
    assert sum(len(r) for r in res.routes) == 2 and len(res.reasons) == 1
    assert checked(inst, res.routes) == []


def test_a_construction_the_clock_cut_is_dropped_beside_the_greedy_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    # Where the clock cuts the construction must not change the plan: cut (simulated here: the
    # construction's clock runs out at once), it is dropped and greedy's plan starts.
    from medroute.engines.portfolio import stages

    inst = compile_problem(town(12, 3, 4))
    original = stages.construct

    def cut(ctx: stages.Context, stop: Stop) -> EngineResult | None:
        return original(ctx, MaxRuntime(1e-9))

    table = [Stage(s.name, s.share, s.applies, cut) if s.name == "construct" else s for s in STAGES]
    res = AutoEngine(stages=table, use_ortools=False).solve(inst, stop=MaxWork(0.5), seed=0)
    assert res.stats.stages[0].stopped_by == StopReason.CLOCK
    assert all(not c.startswith("construct") for c in (res.stats.best_stage,))
    assert checked(inst, res.routes) == []


def test_no_rider_leaves_every_order_out_with_no_rider() -> None:
    # Issue 18 #1: auto raised IndexError in insertion.py when no rider works.
    from medroute.reasons import Reason

    problem = town(3, 1, 0)
    inst = compile_problem(problem.replace(riders=()))
    res = AutoEngine().solve(inst, stop=MaxRuntime(1), seed=0)
    assert res.routes == () and set(res.reasons.values()) <= {Reason.NO_RIDER}


def test_no_time_at_all_still_returns_a_checked_plan() -> None:
    # solve() hands the engine what compiling left of the limit, possibly nothing.
    from medroute.stop import Budget

    inst = compile_problem(town(8, 2, 3))
    res = AutoEngine().solve(inst, stop=Budget(seconds=0.0), seed=0)
    assert checked(inst, res.routes) == [] and res.stats.stopped_by == StopReason.CLOCK


def test_a_missing_ortools_shows_in_the_stats(monkeypatch: pytest.MonkeyPatch) -> None:
    from medroute.engines.portfolio import auto

    monkeypatch.setattr(auto, "_ortools", lambda inst: None)
    inst = cold_town()
    res = AutoEngine(use_alns=False).solve(inst, stop=MaxWork(0.5), seed=2)
    (missing,) = [s for s in res.stats.stages if s.name == "ortools"]
    assert missing.skipped == "not_installed" and missing.stopped_by is None
    assert "pyvrp-anchored-2" in [s.name for s in res.stats.stages]


def test_a_target_before_the_pickup_can_start_is_no_deadline() -> None:
    # Released at 13:00 with a 10:00 target: cutting the door window at 10:00 would end it before
    # the pickup opens (PyVRP refuses such a model); the order is late whatever the plan.
    from tests.dispatch.town import PHARMACIES, H, order, rider

    orders = tuple(dataclasses.replace(order(i, release_s=13 * H), target_s=10 * H) for i in range(4))
    p = Problem(PHARMACIES, orders, (rider(0), rider(1)))
    inst = compile_problem(p)
    assert targeted_instance(inst).windows == inst.windows
    assert AutoEngine().solve(inst, stop=MaxWork(0.3), seed=0).routes != ((), ())
