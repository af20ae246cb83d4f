"""Hypothesis strategies shared by the tests: small Banyuwangi-like problems and valid plans."""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from medroute import CoolBox, Location, Order, Pharmacy, Problem, Rider, Solution, TimeWindow
from medroute.compile import compile_problem
from medroute.schedule import Infeasible, build_solution, schedule_route

RSUD_BLAMBANGAN = Location(-8.20840, 114.36617)

coords = st.builds(
    Location,
    lat=st.floats(-8.30, -8.15, allow_nan=False),
    lon=st.floats(114.30, 114.40, allow_nan=False),
)


@st.composite
def problems(draw: st.DrawFn, *, max_orders: int = 6, max_riders: int = 3) -> Problem:
    n_ph = draw(st.integers(1, 3))
    pharmacies = [Pharmacy(f"ph{i}", draw(coords), opening=(TimeWindow(7 * 3600, 20 * 3600),),
                           handover_s=draw(st.integers(0, 300))) for i in range(n_ph)]
    m = draw(st.integers(1, max_riders))
    riders = []
    for i in range(m):
        cool = i == 0 or draw(st.booleans())
        riders.append(Rider(
            f"r{i}", draw(coords), start_s=draw(st.integers(7 * 3600, 9 * 3600)),
            end=draw(st.none() | coords), shift=TimeWindow(7 * 3600, 22 * 3600),
            coolbox=CoolBox(parcels=draw(st.integers(1, 4)), hold_s=4 * 3600) if cool else None,
            speed_factor=draw(st.sampled_from([1.0, 1.0, 1.25])),
        ))
    orders = []
    for k in range(draw(st.integers(1, max_orders))):
        release = draw(st.integers(8 * 3600, 12 * 3600))
        orders.append(Order(
            f"o{k}", f"ph{draw(st.integers(0, n_ph - 1))}", draw(coords), release_s=release,
            windows=(TimeWindow(release, 21 * 3600),),
            target_s=draw(st.none() | st.integers(release, 18 * 3600)),
            weight_g=draw(st.integers(100, 2000)), volume_ml=draw(st.integers(100, 3000)),
            temperature=draw(st.sampled_from(["ambient", "ambient", "ambient", "refrigerated"])),
            priority=draw(st.integers(0, 2)), service_s=draw(st.integers(60, 300)),
        ))
    return Problem(pharmacies=tuple(pharmacies), orders=tuple(orders), riders=tuple(riders))


@st.composite
def solved(draw: st.DrawFn) -> tuple[Problem, Solution]:
    """A problem and a feasible plan: each order on an allowed rider, pickup then delivery,
    sometimes batched (all pickups first)."""
    problem = draw(problems())
    inst = compile_problem(problem)
    seqs: list[list[int]] = [[] for _ in range(inst.m)]
    batch = draw(st.booleans())
    for k in range(inst.n):
        riders = [r for r in range(inst.m) if inst.allowed[k, r]]
        r = draw(st.sampled_from(riders))
        if batch:
            seqs[r].insert(0, k)
            seqs[r].append(inst.n + k)
        else:
            seqs[r] += [k, inst.n + k]
    for r, seq in enumerate(seqs):
        assume(not isinstance(schedule_route(inst, r, seq), Infeasible))
    return problem, build_solution(inst, seqs)
