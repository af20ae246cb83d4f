"""Cordeau (2006) DARP reader: every file parses, counts from the names, JSON round trip, and a
hand-checked tiny instance where the maximum ride time is medroute's out-of-fridge budget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.data import REPO_DATA

from medroute import Problem, Solution, check
from medroute.check import Rule
from medroute.compile import compile_problem
from medroute.errors import InvalidProblemError
from medroute.io import LiteratureFormatError, bks_path, instance_paths, read_darp
from medroute.io.darp import read_darp_bks
from medroute.precheck import precheck
from medroute.reasons import Reason
from medroute.schedule import Infeasible, build_solution, schedule_route
from medroute.solution import Load, Route, Stop, StopKind


@pytest.fixture(scope="module")
def root() -> Path:
    return REPO_DATA


# K=1 n=1 T=14 Q=1 L=5. Depot (0,0) [0,100]; pickup 1 at (3,0), service 1, [0,100];
# its delivery 2 at (3,4), service 1, [10,20]; node 3 is the depot copy.
TINY = """1 1 14 1 5
0 0.000 0.000 0 0 0 100
1 3.000 0.000 1 1 0 100
2 3.000 4.000 1 -1 10 20
3 0.000 0.000 0 0 0 100
"""


def write(tmp_path: Path, text: str, name: str = "tiny.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_every_file_parses_with_the_right_counts(root: Path) -> None:
    paths = instance_paths("darp", root=root)
    assert len(paths) == 48
    for path in paths:
        inst = read_darp(path)
        m = re.fullmatch(r"[ab](\d+)-(\d+)", path.stem)
        assert m is not None, path.name
        vehicles, requests = int(m[1]), int(m[2])
        assert len(inst.problem.riders) == inst.vehicles_available == vehicles, path.name
        assert len(inst.problem.orders) == len(inst.problem.pharmacies) == requests, path.name
        assert inst.end_depot == 2 * requests + 1 and inst.layout == "2006"
        assert inst.max_ride is not None and inst.max_duration is not None
        assert all(o.max_ride_s == inst.max_ride * 1000 for o in inst.problem.orders)
        assert all(r.max_work_s == inst.max_duration * 1000 for r in inst.problem.riders)
        assert inst.matrix.size == len(inst.problem.locations)
        assert inst.problem.objective.rupiah_per_rider == 0
    assert bks_path("darp", root=root) is None


def test_a2_16_in_detail(root: Path) -> None:
    inst = read_darp(root / "literature" / "darp" / "cordeau_2006" / "a2-16.txt")
    p = inst.problem
    # header "2 16 480 3 30"; node 10 "-2.610 0.039 3 1 32 47"
    assert (inst.capacity, inst.max_duration, inst.max_ride) == (3, 480, 30)
    assert p.riders[0].weight_g == 3 and p.riders[0].shift.end_s == 480_000
    ph = p.pharmacy["p10"]
    assert (ph.opening[0].start_s, ph.opening[0].end_s, ph.handover_s) == (32_000, 47_000, 3_000)
    assert inst.coords[10].tolist() == [-2.61, 0.039]
    assert p.order["10"].weight_g == 1 and p.order["10"].max_ride_s == 30_000


def test_json_round_trip(root: Path) -> None:
    inst = read_darp(root / "literature" / "darp" / "cordeau_2006" / "b5-40.txt")
    again = Problem.from_json(inst.problem.to_json())
    assert again == inst.problem and again.locations == inst.problem.locations


def test_tiny_instance_schedule_is_hand_checked(tmp_path: Path) -> None:
    inst = read_darp(write(tmp_path, TINY))
    p = inst.problem
    sol = build_solution(compile_problem(p, inst.matrix), [[0, 1]])
    assert check(p, sol, inst.matrix) == []
    (route,) = sol.routes
    # By hand: the delivery cannot start before 10; ride ≤ 5 means the pickup ends at 5 or
    # later; duration ≤ 14 with the return at 10 + 1 + 5 = 16 means leaving at 2 or later.
    # Leave 2, pickup 5–6, delivery 10–11, back at 16: ride 4, duration 14.
    assert route.stops[0].departure_s == 2_000
    assert [s.start_s for s in route.stops[1:3]] == [5_000, 10_000]
    assert route.stops[-1].arrival_s == 16_000
    assert inst.violations(sol) == []
    assert inst.distance(sol) == pytest.approx(12.0, abs=1e-12)


def test_one_unit_less_route_duration_cannot_be_timed(tmp_path: Path) -> None:
    inst = read_darp(write(tmp_path, TINY.replace("1 1 14 1 5", "1 1 13 1 5")))
    assert isinstance(schedule_route(compile_problem(inst.problem, inst.matrix), 0, [0, 1]), Infeasible)


def test_ride_time_is_the_out_of_fridge_exposure(tmp_path: Path) -> None:
    inst = read_darp(write(tmp_path, TINY))
    # Pickup at 3 (ends 4), wait at the door until 10: ride 6 > L = 5 in both views.
    stops = (Stop(StopKind.START, None, 0, 0, 0),
             Stop(StopKind.PICKUP, "1", 3_000, 3_000, 4_000, 3_000, 3_000, Load(weight_g=1)),
             Stop(StopKind.DELIVERY, "1", 8_000, 10_000, 11_000, 4_000, 4_000),
             Stop(StopKind.END, None, 16_000, 16_000, 16_000, 5_000, 5_000))
    sol = Solution(routes=(Route("v1", stops),))
    assert {v.rule for v in check(inst.problem, sol, inst.matrix)} == {Rule.COLD_BUDGET, Rule.MAX_WORK}
    lit = inst.violations(sol)
    assert any("rides 6.000, over L = 5" in v for v in lit) and any("over T = 14" in v for v in lit)
    tight = read_darp(write(tmp_path, TINY.replace("1 1 14 1 5", "1 1 14 1 3"), "tight.txt"))
    assert [f.reason for f in precheck(tight.problem, tight.matrix)] == [Reason.BUDGET_SHORTER_THAN_RIDE]


# The same instance in the 2003 layout: the header counts the 2 nodes, and no end-depot line.
TINY_2003 = """1 2 14 1 5
0 0.000 0.000 0 0 0 100
1 3.000 0.000 1 1 0 100
2 3.000 4.000 1 -1 10 20
"""


def test_both_layouts_read_alike_and_say_which(tmp_path: Path) -> None:
    new, old = read_darp(write(tmp_path, TINY)), read_darp(write(tmp_path, TINY_2003, "pr-tiny.txt"))
    assert (new.layout, old.layout) == ("2006", "2003")
    assert (new.end_depot, old.end_depot) == (3, 0)
    assert len(old.problem.orders) == 1 and old.problem.riders[0].end == old.problem.riders[0].start
    sol = build_solution(compile_problem(old.problem, old.matrix), [[0, 1]])
    assert check(old.problem, sol, old.matrix) == [] and old.violations(sol) == []
    assert old.distance(sol) == pytest.approx(new.distance(build_solution(compile_problem(new.problem, new.matrix),
                                                                          [[0, 1]])), abs=1e-12)


@pytest.mark.parametrize(("text", "message"), [
    (TINY.replace("1 1 14 1 5", "1 1 14 1"), r"tiny.txt:1: .*expected 5 fields"),
    (TINY.replace("1 1 14 1 5", "1 2 14 1 5"), r"4 node lines fit neither DARP layout: the 2006 one needs "
                                               r"2n \+ 2 = 6 .* the 2003 one c \+ 1 = 3"),
    (TINY.replace("1 1 14 1 5", "1 3 14 1 5"), r"4 node lines fit neither DARP layout.*c = 3 nodes \(c even\)"),
    (TINY.replace("1 -1 10 20", "1 -2 10 20"), r"tiny.txt:4: node 2 must unload the 1 of pickup 1"),
    (TINY.replace("1 -1 10 20", "1 -1 10.0005 20"), r"tiny.txt:4: .*not a whole number"),
    (TINY.replace("3 0.000 0.000", "4 0.000 0.000"), r"tiny.txt:5: .*expected 3, got 4"),
])
def test_format_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(LiteratureFormatError, match=message) as err:
        read_darp(write(tmp_path, text))
    assert isinstance(err.value, InvalidProblemError)


def test_an_engine_plan_that_passes_check_passes_the_literature_rules(root: Path) -> None:
    import medroute

    inst = read_darp(root / "literature" / "darp" / "cordeau_2006" / "a2-16.txt")
    sol = medroute.solve(inst.problem, engine="greedy", time_limit=5, seed=0, matrix=inst.matrix)
    assert check(inst.problem, sol, inst.matrix) == []
    assert set(inst.violations(sol)) == {f"order {u.order!r} is not served" for u in sol.unassigned}


def test_darp_best_known_table(tmp_path: Path) -> None:
    good = write(tmp_path, "instance,distance,source\na2-16,294.25,paper\nb2-16,309.41,\n", "bks.csv")
    assert read_darp_bks(good) == {"a2-16": 294.25, "b2-16": 309.41}
    for bad in ("instance,cost\na2-16,1\n", "instance,distance\na2-16,-3\n", "instance,distance\na,1\na,2\n"):
        with pytest.raises(LiteratureFormatError, match=r"bks\.csv"):
            read_darp_bks(write(tmp_path, bad, "bks.csv"))

