"""The VROOM engine: the shipment model, what it says it cannot model, and the repair."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from medroute import CoolBox, Location, Objective, Order, Pharmacy, Problem, Reason, Rider, TimeWindow, check
from medroute.compile import Instance, compile_problem
from medroute.engines import Engine
from medroute.engines.registry import get_engine
from medroute.engines.vroom import VroomEngine, relaxations
from medroute.schedule import Infeasible, build_solution, schedule_route
from medroute.solution import Solution
from medroute.stop import MaxRuntime, StopReason
from medroute.travel import TravelMatrix

pytest.importorskip("vroom")

A, B, C, D = (Location(-8.0, 114.0), Location(-8.0, 114.1), Location(-8.0, 114.2), Location(-8.0, 114.3))
POINTS = (A, B, C, D)
ENGINE = VroomEngine()


def line(p: Problem) -> TravelMatrix:
    """A-B-C-D on a line: 600 s and 5 km per step."""
    idx = [POINTS.index(loc) for loc in p.locations]
    steps = [[abs(i - j) for j in idx] for i in idx]
    hops = np.array(steps, dtype=np.int32)
    return TravelMatrix(600 * hops, 5000 * hops)


def problem(*orders: Order, riders: tuple[Rider, ...] | None = None) -> Problem:
    return Problem(pharmacies=(Pharmacy("ph", A, handover_s=60),), orders=orders,
                   riders=riders or (Rider("r", A, start_s=3600, coolbox=CoolBox()),), max_trip_m=None)


def solved(p: Problem) -> tuple[Instance, Solution]:
    inst = compile_problem(p, line(p))
    result = ENGINE.solve(inst, stop=MaxRuntime(2.0), seed=0)
    sol = build_solution(inst, result.routes, reasons=result.reasons, engine="vroom", notes=result.notes)
    assert check(p, sol, line(p)) == []
    return inst, sol


def test_is_a_registered_engine() -> None:
    assert isinstance(ENGINE, Engine)
    assert get_engine("vroom").name == "vroom"


@pytest.mark.parametrize(("level", "threads"), [(0, 1), (6, 1), (5, 0)])
def test_rejects_bad_settings(level: int, threads: int) -> None:
    with pytest.raises(ValueError, match="vroom"):
        VroomEngine(exploration_level=level, threads=threads)


def test_a_rider_dearer_than_vroom_can_count_is_still_one_rider_more() -> None:
    """Found by the fuzzer: Rp 10⁸ per rider with free riding overflowed VROOM's 32-bit fixed
    cost (a raw TypeError); it is capped above any plan's riding cost, so riders still come first."""
    dear = Objective(rupiah_per_km=0, rupiah_per_hour=0, rupiah_per_rider=1e8)
    riders = (Rider("r1", A, start_s=3600), Rider("r2", D, start_s=3600))
    p = dataclasses.replace(problem(Order("o1", "ph", B), Order("o2", "ph", C), riders=riders), objective=dear)
    _, sol = solved(p)
    assert sorted(sol.served) == ["o1", "o2"] and len(sol.routes) == 1


def test_plain_shipments_are_supported_and_served() -> None:
    p = problem(Order("o1", "ph", B, release_s=4000), Order("o2", "ph", C, windows=(TimeWindow(5000, 9000),)))
    inst, sol = solved(p)
    assert ENGINE.supports(inst)
    assert sorted(sol.served) == ["o1", "o2"]
    pickup = next(s for s in sol.routes[0].stops if s.order == "o1")
    assert pickup.start_s >= 4000  # release time → pickup window start


def test_several_windows_map_exactly() -> None:
    o = Order("o1", "ph", B, windows=(TimeWindow(0, 3000), TimeWindow(8000, 9000)))
    inst, sol = solved(problem(o))
    assert ENGINE.supports(inst)
    delivery = next(s for s in sol.routes[0].stops if s.kind == "delivery")
    assert 8000 <= delivery.start_s <= 9000


def test_coolbox_is_a_skill() -> None:
    riders = (Rider("warm", A, start_s=3600), Rider("cool", D, start_s=3600, coolbox=CoolBox()))
    cold = Order("cold", "ph", B, temperature="refrigerated", max_ride_s=None)
    inst = compile_problem(problem(cold, riders=riders), line(problem(cold, riders=riders)))
    assert [(x.hard, x.orders) for x in relaxations(inst)] == [(True, (0,))]  # the cool box's hold time
    _, sol = solved(problem(cold, riders=riders))
    assert sol.served == ("cold",)
    assert sol.routes[0].rider == "cool"


def test_locks_are_skills() -> None:
    riders = (Rider("near", A, start_s=3600), Rider("far", D, start_s=3600))
    _, sol = solved(problem(Order("o1", "ph", B, rider="far"), riders=riders))
    assert [r.rider for r in sol.routes] == ["far"]


def test_order_on_board_is_a_delivery_job() -> None:
    riders = (Rider("r1", A, start_s=3600), Rider("r2", C, start_s=3600))
    o = Order("o1", "ph", D, picked_up_by="r2", picked_up_s=3000)
    _, sol = solved(problem(o, riders=riders))
    assert [r.rider for r in sol.routes] == ["r2"]
    assert [s.kind for s in sol.routes[0].visits] == ["delivery"]


def test_says_what_it_cannot_model() -> None:
    p = problem(Order("late", "ph", B, target_s=4000), Order("opt", "ph", C, required=False))
    found = relaxations(compile_problem(p, line(p)))
    assert [(x.hard, x.orders) for x in found] == [(False, (0,)), (False, (1,))]
    text = str(ENGINE.supports(compile_problem(p, line(p))))
    assert "'late'" in text and "'opt'" in text


def test_route_breaking_a_budget_is_repaired_by_dropping() -> None:
    # Cheapest for VROOM: pick both at A, deliver B then D; o2 then rides 600 + 180 + 1200 s > 1900 s.
    o1 = Order("o1", "ph", B, temperature="refrigerated", max_ride_s=3000)
    o2 = Order("o2", "ph", D, temperature="refrigerated", max_ride_s=1900)
    p = problem(o1, o2)
    inst, sol = solved(p)
    assert not ENGINE.supports(inst)
    assert sol.kpis.unassigned >= 0
    for route in sol.routes:
        r = [x.id for x in p.riders].index(route.rider)
        nodes = [inst.pickup(k) if s.kind == "pickup" else inst.delivery(k)
                 for s in route.visits for k in [[o.id for o in p.orders].index(str(s.order))]]
        assert not isinstance(schedule_route(inst, r, nodes), Infeasible)
    result = ENGINE.solve(inst, stop=MaxRuntime(2.0), seed=0)
    dropped = [k for k, why in result.reasons.items() if why == Reason.COLD_BUDGET]
    assert dropped
    assert any("dropped" in note for note in result.notes)


def test_same_seed_same_plan() -> None:
    p = problem(*(Order(f"o{i}", "ph", POINTS[1 + i % 3]) for i in range(6)))
    inst = compile_problem(p, line(p))
    a = ENGINE.solve(inst, stop=MaxRuntime(2.0), seed=0)
    b = ENGINE.solve(inst, stop=MaxRuntime(2.0), seed=0)
    assert a.routes == b.routes


def test_no_riders() -> None:
    p = Problem(pharmacies=(Pharmacy("ph", A),), orders=(Order("o1", "ph", B),), riders=(), max_trip_m=None)
    result = ENGINE.solve(compile_problem(p, line(p)), stop=MaxRuntime(1.0), seed=0)
    assert result.routes == ()
    assert set(result.reasons.values()) <= {Reason.NO_RIDER}


def test_a_vroom_past_the_time_limit_is_killed_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # A VROOM that never returns (as its construction ignores its timeout): the child is killed
    # at the deadline, nothing is planned, and every order comes back with the reason.
    import time

    import medroute.engines.vroom as vroom_engine

    class Stuck:
        def solve(self, **kwargs: object) -> None:
            time.sleep(30)

    built = vroom_engine.build_model
    monkeypatch.setattr(vroom_engine, "build_model", lambda inst: dataclasses.replace(built(inst), input=Stuck()))
    p = problem(*(Order(f"o{i}", "ph", POINTS[1 + i % 3]) for i in range(6)))
    inst = compile_problem(p, line(p))
    t0 = time.perf_counter()
    result = ENGINE.solve(inst, stop=MaxRuntime(0.5), seed=0)
    assert time.perf_counter() - t0 < 1.05 * 0.5 + 1.0
    assert result.routes == ((),)
    assert result.reasons == dict.fromkeys(range(6), Reason.SEARCH_LIMIT)
    assert result.stats.stopped_by == StopReason.CLOCK


def test_the_kill_waits_for_a_vroom_stopping_at_its_own_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    # VROOM stops at its timeout (the limit less a margin) and then hands its plan back; killing
    # it exactly at the limit lost the plan (expanded, 200 orders, 10 s: none served). The kill
    # comes a little later, still within the 5 % + 1 s the limit allows.
    import medroute.engines.deadline as deadline_module

    asked: list[float] = []

    def deadline(fn, seconds):  # type: ignore[no-untyped-def]
        asked.append(seconds)
        return fn()

    monkeypatch.setattr(deadline_module, "_in_child", deadline)
    p = problem(*(Order(f"o{i}", "ph", POINTS[1 + i % 3]) for i in range(4)))
    result = ENGINE.solve(compile_problem(p, line(p)), stop=MaxRuntime(10.0), seed=0)
    assert result.reasons == {}
    (seconds,) = asked
    assert 10.0 < seconds <= 10.0 * 1.05 + 1.0
