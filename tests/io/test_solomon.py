"""Solomon reader: every file parses, counts, BKS, JSON round trip, a hand-checked tiny instance
and the rule that every order is loaded at the depot when the route starts (no reloading)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from tests.data import REPO_DATA

from medroute import Problem, Solution, check
from medroute.check import Rule
from medroute.compile import compile_problem
from medroute.errors import InvalidProblemError
from medroute.io import LiteratureFormatError, bks_path, instance_paths, read_bks, read_solomon
from medroute.precheck import precheck
from medroute.schedule import build_solution
from medroute.solution import Route, Stop, StopKind


@pytest.fixture(scope="module")
def root() -> Path:
    return REPO_DATA


# depot (0,0) [0,100]; customer 1 at (3,4) [0,10] service 2 demand 3; customer 2 at (7,8) [12,20]
# service 1 demand 4; two vehicles of capacity 10.
TINY = """TINY1

VEHICLE
NUMBER     CAPACITY
  2         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0         0          0          0        100          0
    1      3         4          3          0         10          2
    2      7         8          4         12         20          1
"""


def write(tmp_path: Path, text: str, name: str = "tiny.txt") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("\n", "\r\n"))  # the published files have CRLF line ends
    return path


def test_every_file_parses_with_the_right_counts(root: Path) -> None:
    paths = instance_paths("solomon", root=root)
    assert len(paths) == 56
    for path in paths:
        inst = read_solomon(path)
        assert inst.name == path.stem
        assert len(inst.problem.orders) == 100, path.name
        assert [ph.id for ph in inst.problem.pharmacies] == ["depot"]
        assert len(inst.problem.riders) == inst.vehicles_available == 25
        assert inst.matrix.size == len(inst.problem.locations)
        assert precheck(inst.problem, inst.matrix) == [], path.name
        obj = inst.problem.objective
        worst_rp = inst.distance_upper_bound() * inst.scale * obj.rupiah_per_km / 1000
        assert worst_rp < obj.rupiah_per_rider < obj.rupiah_unassigned - worst_rp


def test_c101_in_detail(root: Path) -> None:
    inst = read_solomon(root / "literature" / "solomon" / "solomon_100" / "C101.txt")
    p = inst.problem
    # "5 42 65 10 15 67 90"
    o = p.order["5"]
    assert (o.windows[0].start_s, o.windows[0].end_s, o.service_s, o.weight_g) == (15_000, 67_000, 90_000, 10)
    assert p.pharmacy["depot"].opening[0].start_s == p.pharmacy["depot"].opening[0].end_s == 0
    assert p.riders[0].shift.end_s == 1_236_000 and p.riders[0].weight_g == 200
    assert inst.coords[5].tolist() == [42.0, 65.0]


def test_bks_table(root: Path) -> None:
    path = bks_path("solomon", root=root)
    assert path is not None
    bks = read_bks(path)
    assert len(bks) == 56
    assert bks["C101"] == (10, 828.94)
    assert set(bks) == {p.stem for p in instance_paths("solomon", root=root)}
    assert len(read_bks(path.with_name("bks_dimacs_trunc1.csv"))) == 56


def test_json_round_trip(root: Path) -> None:
    inst = read_solomon(root / "literature" / "solomon" / "solomon_100" / "RC208.txt")
    again = Problem.from_json(inst.problem.to_json())
    assert again == inst.problem and again.locations == inst.problem.locations


def test_tiny_instance_schedule_is_hand_checked(tmp_path: Path) -> None:
    inst = read_solomon(write(tmp_path, TINY))
    p = inst.problem
    assert inst.name == "TINY1" and [o.id for o in p.orders] == ["1", "2"]
    # Pickups are nodes 0 and 1, deliveries 2 and 3: load both at the depot, then 1, then 2.
    sol = build_solution(compile_problem(p, inst.matrix), [[0, 1, 2, 3], []])
    assert check(p, sol, inst.matrix) == []
    (route,) = sol.routes
    # By hand: both loaded at 0; customer 1 at 5 (serve until 7); sqrt(32) = 5.65685 → ceil 5.657;
    # customer 2 at 12.657 (window opens at 12); serve until 13.657; back sqrt(113) = 10.6301 → 10.631.
    assert [s.start_s for s in route.stops[1:-1]] == [0, 0, 5_000, 12_657]
    assert route.stops[-1].arrival_s == 13_657 + 10_631
    assert 7 + math.sqrt(32) <= route.stops[4].start_s / inst.scale
    assert inst.violations(sol) == []
    assert inst.vehicles(sol) == 1
    assert inst.distance(sol) == pytest.approx(5 + math.sqrt(32) + math.sqrt(113), abs=1e-12)


def test_reloading_at_the_depot_is_neither_medroute_nor_literature_feasible(tmp_path: Path) -> None:
    inst = read_solomon(write(tmp_path, TINY))
    # deliver 1, drive back to the depot, load 2, deliver it: a second trip.
    stops = (Stop(StopKind.START, None, 0, 0, 0), Stop(StopKind.PICKUP, "1", 0, 0, 0),
             Stop(StopKind.DELIVERY, "1", 5_000, 5_000, 7_000, 5_000, 5_000),
             Stop(StopKind.PICKUP, "2", 12_000, 12_000, 12_000, 5_000, 5_000),
             Stop(StopKind.DELIVERY, "2", 22_631, 22_631, 23_631, 10_631, 10_630),
             Stop(StopKind.END, None, 34_262, 34_262, 34_262, 10_631, 10_630))
    sol = Solution(routes=(Route("v1", stops),))
    assert any("reload" in v for v in inst.violations(sol))
    assert Rule.OPENING in {v.rule for v in check(inst.problem, sol, inst.matrix)}
    assert inst.distance(sol) == pytest.approx(5 + 5 + 2 * math.sqrt(113), abs=1e-12)


@pytest.mark.parametrize(("text", "message"), [
    (TINY.replace("  2         10", "  2"), r"tiny.txt:5: .*expected 2 fields"),
    (TINY.replace("CUST NO.", "CUSTNR"), r"no 'CUST NO.' customer header"),
    (TINY.replace("    2      7 ", "    3      7 "), r"tiny.txt:12: .*expected 2, got 3"),
    (TINY.replace("12         20", "12         2x"), r"tiny.txt:12: .*'2x' is not a number"),
    (TINY.replace("4         12", "-4         12"), r"tiny.txt:12: .*negative demand"),
])
def test_format_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(LiteratureFormatError, match=message) as err:
        read_solomon(write(tmp_path, text))
    assert isinstance(err.value, InvalidProblemError)


def test_an_engine_plan_that_passes_check_passes_the_literature_rules(root: Path) -> None:
    import medroute

    inst = read_solomon(root / "literature" / "solomon" / "solomon_100" / "R101.txt")
    sol = medroute.solve(inst.problem, engine="greedy", time_limit=5, seed=0, matrix=inst.matrix)
    assert check(inst.problem, sol, inst.matrix) == []
    assert set(inst.violations(sol)) == {f"order {u.order!r} is not served" for u in sol.unassigned}
