"""Li & Lim reader: every file parses, counts, BKS, JSON round trip, hand-checked tiny instance,
the literature's double-precision scoring, and the properties of the planar matrix."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.data import REPO_DATA

from medroute import Problem, Solution, check
from medroute.compile import compile_problem
from medroute.errors import InvalidProblemError
from medroute.io import LiteratureFormatError, bks_path, instance_paths, planar_matrix, read_bks, read_lilim
from medroute.io.literature import euclidean
from medroute.model import Objective
from medroute.precheck import precheck
from medroute.reasons import Reason
from medroute.schedule import build_solution
from medroute.solution import Route, Stop, StopKind


@pytest.fixture(scope="module")
def root() -> Path:
    return REPO_DATA


# depot (0,0) [0,100]; pickup 1 at (3,0) [5,10] service 1, demand 5 → delivery 2 at (4,4) [0,20] service 2.
TINY = """2\t10\t1
0\t0\t0\t0\t0\t100\t0\t0\t0
1\t3\t0\t5\t5\t10\t1\t0\t2
2\t4\t4\t-5\t0\t20\t2\t1\t0
"""


def write(tmp_path: Path, text: str, name: str = "tiny.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_every_file_parses_with_the_right_counts(root: Path) -> None:
    paths = instance_paths("lilim", root=root)
    assert len(paths) == 56
    for path in paths:
        inst = read_lilim(path)
        node_lines = [ln.split() for ln in path.read_text().splitlines()[1:] if ln.strip()]
        pickups = sum(1 for f in node_lines if int(f[3]) > 0)
        assert len(node_lines) == 2 * len(inst.problem.orders) + 1, path.name
        assert len(inst.problem.orders) == len(inst.problem.pharmacies) == pickups, path.name
        assert len(inst.problem.riders) == inst.vehicles_available == 25, path.name
        assert inst.name == path.stem
        assert inst.matrix.size == len(inst.problem.locations)
        assert precheck(inst.problem, inst.matrix) == [], path.name


def test_lc101_in_detail(root: Path) -> None:
    inst = read_lilim(root / "literature" / "lilim" / "pdp_100" / "lc101.txt")
    p = inst.problem
    assert len(p.orders) == 53 and inst.capacity == 200
    # node 3: "3 42 66 10 65 146 90 0 75" is the pickup of request "3", delivered at node 75.
    o = p.order["3"]
    ph = p.pharmacy[o.pharmacy]
    assert ph.id == "p3" and ph.opening[0].start_s == 65_000 and ph.opening[0].end_s == 146_000
    assert ph.handover_s == 90_000 and o.weight_g == 10 and o.volume_ml == 0 and o.parcels == 0
    assert (inst.pickup_node["3"], inst.delivery_node["3"]) == (3, 75)
    assert p.riders[0].shift.end_s == 1_236_000 and p.riders[0].weight_g == 200
    assert p.max_trip_m is None


def test_matrix_rows_follow_problem_locations(root: Path) -> None:
    inst = read_lilim(root / "literature" / "lilim" / "pdp_100" / "lr205.txt")
    idx = inst.problem.location_index
    for o in inst.problem.orders:
        a, b = inst.pickup_node[o.id], inst.delivery_node[o.id]
        i, j = idx[inst.problem.pharmacy[o.pharmacy].location], idx[o.location]
        exact = math.dist(inst.coords[a], inst.coords[b]) * inst.scale
        assert inst.matrix.durations_s[i, j] == math.ceil(exact)
        assert inst.matrix.distances_m[i, j] == round(exact)


def test_vehicle_cost_outweighs_any_distance(root: Path) -> None:
    for path in instance_paths("lilim", root=root):
        inst = read_lilim(path)
        obj = inst.problem.objective
        worst_rp = inst.distance_upper_bound() * inst.scale * obj.rupiah_per_km / 1000
        assert worst_rp < obj.rupiah_per_rider, path.name
        assert obj.rupiah_per_rider + worst_rp < obj.rupiah_unassigned, path.name


def test_bks_table(root: Path) -> None:
    path = bks_path("lilim", root=root)
    assert path is not None
    bks = read_bks(path)
    assert len(bks) == 56
    assert bks["lc101"] == (10, 828.94)
    assert set(bks) == {p.stem for p in instance_paths("lilim", root=root)}


def test_bks_errors_name_the_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "instance,vehicles,distance,source\nx,3,12.5,s\ny,three,1,s\n", "bks.csv")
    with pytest.raises(LiteratureFormatError, match=r"bks.csv:3: .*not numbers"):
        read_bks(bad)


def test_json_round_trip(root: Path) -> None:
    inst = read_lilim(root / "literature" / "lilim" / "pdp_100" / "lc201.txt")  # horizon 3390 units
    again = Problem.from_json(inst.problem.to_json())
    assert again == inst.problem
    assert again.locations == inst.problem.locations


def test_tiny_instance_schedule_is_hand_checked(tmp_path: Path) -> None:
    inst = read_lilim(write(tmp_path, TINY))
    p = inst.problem
    assert [o.id for o in p.orders] == ["1"] and [ph.id for ph in p.pharmacies] == ["p1"]
    assert p.objective == Objective(rupiah_per_km=1000.0, rupiah_per_hour=0.0, rupiah_per_late_minute=0.0,
                                    rupiah_unassigned=1e9, rupiah_per_rider=1e8)
    sol = build_solution(compile_problem(p, inst.matrix), [[0, 1], []])
    assert check(p, sol, inst.matrix) == []
    (route,) = sol.routes
    # By hand: leave 0, reach the pickup at 3.000, wait until 5, hand over 1 → 6; ride sqrt(17)
    # = 4.1231 → ceil 4.124 units; door at 10.124, service 2 → 12.124; back sqrt(32) → 5.657.
    assert [s.start_s for s in route.stops[1:3]] == [5_000, 10_124]
    assert route.stops[-1].arrival_s == 12_124 + 5_657
    # The same sequence in double precision starts no later at any stop: integer feasibility
    # carries over to the literature's rules.
    assert 6 + math.sqrt(17) <= route.stops[2].start_s / inst.scale
    assert inst.violations(sol) == []
    assert inst.vehicles(sol) == 1
    assert inst.distance(sol) == pytest.approx(3 + math.sqrt(17) + math.sqrt(32), abs=1e-12)


def test_tiny_instance_infeasibility_is_seen(tmp_path: Path) -> None:
    # Delivery due at 10 < 6 + sqrt(17): unservable, and a plan claiming it is caught.
    inst = read_lilim(write(tmp_path, TINY.replace("-5\t0\t20", "-5\t0\t10")))
    assert [f.reason for f in precheck(inst.problem, inst.matrix)] == [Reason.WINDOW_UNREACHABLE]
    stops = (Stop(StopKind.START, None, 0, 0, 0), Stop(StopKind.PICKUP, "1", 3_000, 5_000, 6_000),
             Stop(StopKind.DELIVERY, "1", 10_000, 10_000, 12_000), Stop(StopKind.END, None, 17_657, 17_657, 17_657))
    sol = Solution(routes=(Route("v1", stops),))
    assert any("after its due" in v for v in inst.violations(sol))
    assert inst.violations(Solution(routes=())) == ["order '1' is not served"]


@pytest.mark.parametrize(("text", "message"), [
    ("2 10 1\n0 0 0 0 0 100 0 0 0\n1 3 0 5 5 10 1 0 2\n2 4 4 -5 0 20 2 0 0\n",
     r"tiny.txt:4: node 2 should be the delivery of pickup 1"),
    ("2 10 1\n0 0 0 0 0 100 0 0 0\n1 3 0 5 5 10 1 0 2\n2 4 4 -5 0 x 2 1 0\n", r"tiny.txt:4: .*'x' is not a number"),
    ("2 10 1\n0 0 0 0 0 100 0 0 0\n1 3 0 5 5 10 1 0\n", r"tiny.txt:3: .*expected 9 fields"),
    ("2 10 1\n0 0 0 0 0 100 0 0 0\n1 3 0 5 12 10 1 0 2\n2 4 4 -5 0 20 2 1 0\n", r"tiny.txt:3: .*ends before"),
    ("2 10 1\n0 0 0 0 0 100 0 0 0\n2 3 0 5 5 10 1 0 2\n", r"tiny.txt:3: .*expected 1, got 2"),
])
def test_format_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(LiteratureFormatError, match=message) as err:
        read_lilim(write(tmp_path, text))
    assert isinstance(err.value, InvalidProblemError)


coordinate = st.floats(min_value=-100, max_value=100, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(coordinate, coordinate), min_size=2, max_size=8))
def test_planar_matrix_rounds_up_and_keeps_the_triangle_inequality(points: list[tuple[float, float]]) -> None:
    xy = np.array(points, dtype=np.float64)
    m = planar_matrix(xy, scale=1000)
    exact = euclidean(xy) * 1000
    dur, dist = m.durations_s.astype(np.int64), m.distances_m.astype(np.int64)
    assert np.all(dur >= exact) and np.all(dur - 1 < exact)
    assert np.all(np.abs(dist - exact) <= 0.5)
    n = len(points)
    for i in range(n):
        for j in range(n):
            assert np.all(dur[i, :] <= dur[i, j] + dur[j, :] + 1)
            assert np.all(dist[i, :] <= dist[i, j] + dist[j, :] + 1)


def test_an_engine_plan_that_passes_check_passes_the_literature_rules(root: Path) -> None:
    """The rounding-up claim on a real instance: medroute-feasible ⇒ feasible in double precision."""
    import medroute

    inst = read_lilim(root / "literature" / "lilim" / "pdp_100" / "lc101.txt")
    sol = medroute.solve(inst.problem, engine="greedy", time_limit=5, seed=0, matrix=inst.matrix)
    assert check(inst.problem, sol, inst.matrix) == []
    unserved = {f"order {u.order!r} is not served" for u in sol.unassigned}
    assert set(inst.violations(sol)) == unserved
    assert inst.vehicles(sol) == sum(1 for r in sol.routes if r.visits) >= 1
    assert inst.distance(sol) == pytest.approx(sum(r.distance_m for r in sol.routes) / inst.scale, abs=0.5)
