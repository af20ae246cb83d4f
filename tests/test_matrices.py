"""Bring your own matrix: every form ``matrix=`` accepts gives the same travel, mistakes say what
was expected, sub-problems take a cut of the full matrix, and a plan remembers its travel."""

from __future__ import annotations

import dataclasses
import json
import random
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from typer.testing import CliRunner

import medroute
from medroute import InvalidMatrixError, TravelMatrix
from medroute.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATIONS, app
from medroute.compile import compile_problem
from medroute.errors import TravelMismatchWarning
from medroute.matrices import as_matrices, location_names, sub_matrix
from medroute.travel import HaversineBackend, MatrixBackend
from tests.plans import small_problem


def _reference() -> tuple[medroute.Problem, TravelMatrix]:
    p = small_problem()
    m = HaversineBackend(detour=1.5).matrix(p.locations)  # not the default, so a silent default shows
    return p, m


def _same(a: TravelMatrix, b: TravelMatrix) -> None:
    np.testing.assert_array_equal(a.durations_s, b.durations_s)
    np.testing.assert_array_equal(a.distances_m, b.distances_m)


def _names(p: medroute.Problem) -> list[str]:
    return [group[0] for group in location_names(p)]


def test_every_form_gives_the_same_travel() -> None:
    p, m = _reference()
    names = _names(p)
    order = list(range(len(names)))
    random.Random(3).shuffle(order)
    shuffled = (m.durations_s[np.ix_(order, order)], m.distances_m[np.ix_(order, order)], [names[i] for i in order])
    forms: list[object] = [
        m,
        {"motorbike": m},
        np.stack([m.durations_s, m.distances_m]),
        (m.durations_s.astype(float) + 0.2, m.distances_m.tolist()),
        shuffled,
        {"motorbike": shuffled},
        MatrixBackend(m.durations_s, m.distances_m, locations=p.locations),
        MatrixBackend(shuffled[0], shuffled[1], ids=shuffled[2]),
        HaversineBackend(detour=1.5),
    ]
    for form in forms:
        _same(as_matrices(p, form)["motorbike"], m)  # type: ignore[arg-type]


def test_solve_check_and_compile_take_a_backend() -> None:
    p, m = _reference()
    be = MatrixBackend(m.durations_s, m.distances_m, locations=p.locations)
    plan = medroute.solve(p, engine="greedy", time_limit=2, matrix=be)
    assert plan.travel is not None and plan.travel.backend == "matrix"
    assert medroute.check(p, plan, be) == []
    assert medroute.check(p, plan, np.stack([m.durations_s, m.distances_m])) == []
    _same(compile_problem(p, be).matrices["motorbike"], m)


@pytest.mark.parametrize(("value", "needle"), [
    (np.zeros((9, 9)), "leave the distances unknown"),
    (np.zeros((2, 3, 3)), "give ids"),
    ("roads.npz", "expected a TravelMatrix, a travel backend"),
    ((np.zeros((2, 2)), np.zeros((2, 2)), ["rsud", "nowhere"]), "no row for 'pkm'"),
    ({"car": np.zeros((2, 9, 9))}, "no matrix for travel profile 'motorbike'"),
    ((["a", "b"], ["c", "d"]), "not numeric"),
])
def test_mistakes_say_what_was_expected(value: object, needle: str) -> None:
    p = small_problem()
    with pytest.raises(InvalidMatrixError, match=needle):
        as_matrices(p, value)  # type: ignore[arg-type]


def test_ids_that_name_nothing_are_labels() -> None:
    """A matrix whose ids name none of the problem's places is read in ``problem.locations`` order."""
    p, m = _reference()
    labelled = TravelMatrix(m.durations_s, m.distances_m, ids=tuple(f"loc-{i}" for i in range(m.size)))
    _same(as_matrices(p, labelled)["motorbike"], m)


def test_sub_matrix_cuts_the_full_matrix() -> None:
    p, m = _reference()
    part = p.replace(orders=p.orders[1:3], riders=p.riders[1:])
    cut = sub_matrix(p, m, part)["motorbike"]
    _same(cut, HaversineBackend(detour=1.5).matrix(part.locations))
    plan = medroute.solve(part, engine="greedy", time_limit=2, matrix=cut)
    assert medroute.check(part, plan, cut) == []


def test_sub_matrix_refuses_a_place_the_full_problem_lacks() -> None:
    p, m = _reference()
    moved = dataclasses.replace(p.orders[0], location=medroute.Location(-8.3, 114.2))
    part = p.replace(orders=(moved,))
    with pytest.raises(InvalidMatrixError, match="rx-1"):
        sub_matrix(p, m, part)


def test_plan_records_its_travel_and_check_warns_on_other_travel() -> None:
    p, m = _reference()
    plan = medroute.solve(p, engine="greedy", time_limit=2, matrix=m)
    assert plan.travel is not None and len(plan.travel.digest) == 16
    again = medroute.Solution.from_json(json.loads(json.dumps(plan.to_json())))
    assert again.travel == plan.travel
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert medroute.check(p, again, m) == []
    with pytest.warns(TravelMismatchWarning, match="haversine"):
        medroute.check(p, again, HaversineBackend())


def test_a_plan_made_with_a_given_matrix_says_so() -> None:
    p, m = _reference()
    assert m.backend == ""
    plan = medroute.solve(p, engine="greedy", time_limit=2, matrix=m)
    assert plan.travel is not None and plan.travel.backend == "matrix"
    assert ["travel", "matrix"] in [line.split() for line in str(plan).splitlines()]
    arrays = medroute.solve(p, engine="greedy", time_limit=2, matrix=(m.durations_s, m.distances_m))
    assert arrays.travel == plan.travel


def test_cli_check_uses_or_asks_for_the_plans_travel(tmp_path: Path) -> None:
    p, m = _reference()
    npz = tmp_path / "m.npz"
    MatrixBackend(m.durations_s, m.distances_m, locations=p.locations).to_npz(npz)
    problem_file = tmp_path / "p.json"
    p.save(problem_file)
    runner = CliRunner()
    out = tmp_path / "out"
    solved = runner.invoke(app, ["solve", str(problem_file), "-o", str(out), "--engine", "greedy", "--time-limit",
                                 "2", "--backend", "matrix", "--matrix", str(npz), "--no-figures"])
    assert solved.exit_code == EXIT_OK, solved.output
    plan = str(out / "plan.json")
    beside = runner.invoke(app, ["check", str(problem_file), plan])  # the travel.npz written with the plan
    assert beside.exit_code == EXIT_OK and "travel.npz" in beside.stderr and "warning" not in beside.stderr
    (out / "travel.npz").unlink()
    asked = runner.invoke(app, ["check", str(problem_file), plan])
    assert asked.exit_code == EXIT_BAD_INPUT and "--matrix PATH" in asked.stderr
    same = runner.invoke(app, ["check", str(problem_file), plan, "--matrix", str(npz)])
    assert same.exit_code == EXIT_OK, same.output
    other = runner.invoke(app, ["check", str(problem_file), plan, "--backend", "haversine"])
    assert other.exit_code == EXIT_VIOLATIONS
    assert "warning:" in other.stderr and "'matrix'" in other.stderr


def test_a_plan_checked_against_a_larger_problem_with_the_same_travel_does_not_warn() -> None:
    """The digest covers the places the plan visits: more riders waiting elsewhere change nothing."""
    p, m = _reference()
    small = p.replace(riders=p.riders[:1])
    plan = medroute.solve(small, engine="greedy", time_limit=2, matrix=sub_matrix(p, m, small))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        medroute.check(p, plan, m)


def test_a_part_given_the_whole_days_matrix_is_told_to_cut_it_with_sub_matrix() -> None:
    """What a notebook does first: plan some of a day's orders with the day's matrix."""
    p, m = _reference()
    part = p.replace(orders=p.orders[:1])
    with pytest.raises(InvalidMatrixError, match=r"medroute\.sub_matrix\(full_problem, matrix, problem\)"):
        medroute.solve(part, engine="greedy", time_limit=1, matrix=m)
    plan = medroute.solve(part, engine="greedy", time_limit=1, matrix=medroute.sub_matrix(p, m, part))
    assert plan.served == (part.orders[0].id,)


def test_the_digest_covers_the_door_of_a_carried_order_left_out() -> None:
    """The checker judges a carried order reported unassigned on the travel to its door (could its
    rider have delivered it?), a place the routes never visit: other travel there is other travel."""
    p = small_problem()
    door = medroute.Location(-8.30, 114.30)
    carried = medroute.Order("rx-9", "pkm", door, windows=(medroute.TimeWindow(8 * 3600, 8 * 3600 + 1200),),
                             picked_up_by="budi", picked_up_s=8 * 3600)
    p = p.replace(orders=(*p.orders, carried))
    m = HaversineBackend(detour=1.5).matrix(p.locations)
    plan = medroute.solve(p, engine="greedy", time_limit=2, matrix=m)
    assert "rx-9" in {u.order for u in plan.unassigned} and medroute.check(p, plan, m) == []
    row = p.location_index[door]
    faster = m.durations_s.copy()
    faster[row, :] //= 10
    faster[:, row] //= 10
    with pytest.warns(TravelMismatchWarning):
        medroute.check(p, plan, TravelMatrix(faster, m.distances_m))


def test_a_plan_without_digest_checked_on_another_backend_is_warned_about() -> None:
    """A day planned in parts records its backend but no digest: a square matrix of another backend
    is still other travel."""
    p = small_problem()
    tuned = HaversineBackend(detour=1.5)
    plan = medroute.solve(p, engine="greedy", time_limit=2, matrix=tuned)
    parts = dataclasses.replace(plan, travel=medroute.solution.TravelSource(backend=tuned.name, digest=""))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert medroute.check(p, parts, tuned.matrix(p.locations)) == []  # a bare matrix may be anyone's
    with pytest.warns(TravelMismatchWarning, match=r"haversine\(detour=1.5\)"):
        assert medroute.check(p, parts, HaversineBackend())


# -- a matrix knows the places it was computed for ------------------------------------------------------


def _reordered(p: medroute.Problem, order: list[int]) -> medroute.Problem:
    return p.replace(orders=tuple(p.orders[k] for k in order))


def _moved(p: medroute.Problem, k: int, lat: float = -8.2260, lon: float = 114.3725) -> medroute.Problem:
    orders = list(p.orders)
    orders[k] = dataclasses.replace(orders[k], location=medroute.Location(lat, lon))
    return p.replace(orders=tuple(orders))


def _with_ids(p: medroute.Problem, m: TravelMatrix) -> TravelMatrix:
    return dataclasses.replace(m, ids=tuple(_names(p)))


def test_every_computed_matrix_and_every_cut_knows_its_points() -> None:
    p, m = _reference()
    here = np.array([(loc.lat, loc.lon) for loc in p.locations])
    np.testing.assert_array_equal(m.points, here)
    np.testing.assert_array_equal(as_matrices(p, m)["motorbike"].points, here)
    np.testing.assert_array_equal(as_matrices(p, HaversineBackend())["motorbike"].points, here)
    part = p.replace(orders=p.orders[1:3], riders=p.riders[1:])
    cut = sub_matrix(p, m, part)["motorbike"]
    np.testing.assert_array_equal(cut.points, [(loc.lat, loc.lon) for loc in part.locations])
    shuffled = _with_ids(p, m)
    by_id = as_matrices(_reordered(p, [3, 1, 0, 2]), shuffled)["motorbike"]
    assert by_id.points is not None


def test_reordered_orders_with_the_days_matrix_are_refused_naming_a_door() -> None:
    p, m = _reference()
    swapped = _reordered(p, [1, 0, 2, 3])
    with pytest.raises(InvalidMatrixError) as info:
        medroute.solve(swapped, engine="greedy", time_limit=2, matrix=m)
    message = str(info.value)
    assert "the door of order 'rx-2'" in message and " m away" in message
    assert "2 of the problem's 6 locations differ" in message
    assert "medroute.sub_matrix" in message and "compute the matrix for this problem" in message.lower()
    with pytest.raises(InvalidMatrixError, match="rx-2"):
        compile_problem(swapped, m)
    cut = sub_matrix(p, m, swapped)["motorbike"]  # what the message says to do
    _same(cut, HaversineBackend(detour=1.5).matrix(swapped.locations))
    plan = medroute.solve(swapped, engine="greedy", time_limit=2, matrix=cut)
    assert medroute.check(swapped, plan, cut) == []


def test_reordered_orders_are_matched_by_ids_when_the_matrix_has_them() -> None:
    p, m = _reference()
    swapped = _reordered(p, [3, 2, 1, 0])
    got = as_matrices(swapped, _with_ids(p, m))["motorbike"]
    _same(got, HaversineBackend(detour=1.5).matrix(swapped.locations))
    plan = medroute.solve(swapped, engine="greedy", time_limit=2, matrix=_with_ids(p, m))
    fresh = medroute.solve(swapped, engine="greedy", time_limit=2, matrix=HaversineBackend(detour=1.5).matrix(
        swapped.locations))
    assert plan.kpis.distance_m == fresh.kpis.distance_m


@pytest.mark.parametrize("ids", [False, True])
def test_a_moved_door_is_refused_naming_its_order(ids: bool) -> None:
    """Same order id, new door: matching by ids would silently use the old door's travel."""
    p, m = _reference()
    moved = _moved(p, 1)
    matrix = _with_ids(p, m) if ids else m
    with pytest.raises(InvalidMatrixError,
                       match=r"the door of order 'rx-2' is at \(-8\.226000, 114\.372500\) .* 1,061 m away") as info:
        medroute.solve(moved, engine="greedy", time_limit=2, matrix=matrix)
    assert "1 of the problem" not in str(info.value)  # one place differs: no count
    with pytest.raises(InvalidMatrixError, match="rx-2"):
        as_matrices(moved, {"motorbike": matrix})


def test_the_checker_refuses_the_wrong_matrix_instead_of_passing_the_plan() -> None:
    p, m = _reference()
    swapped = _reordered(p, [2, 1, 0, 3])
    plan = medroute.solve(swapped, engine="greedy", time_limit=2, matrix=sub_matrix(p, m, swapped))
    with pytest.raises(InvalidMatrixError, match="rx-3"):
        medroute.check(swapped, plan, m)


def test_a_pharmacy_or_rider_that_moved_is_named() -> None:
    p, m = _reference()
    ph = dataclasses.replace(p.pharmacies[0], location=medroute.Location(-8.2137, 114.3579))
    riders = tuple(dataclasses.replace(r, start=ph.location) if r.start == p.pharmacies[0].location else r
                   for r in p.riders)
    with pytest.raises(InvalidMatrixError, match=r"pharmacy 'rsud' and the start of rider 'ani' .* 11 m away"):
        as_matrices(p.replace(pharmacies=(ph, *p.pharmacies[1:]), riders=riders), m)


def test_points_within_the_tolerance_pass_and_beyond_it_are_refused() -> None:
    from medroute.travel.base import POINTS_TOLERANCE_M

    p, m = _reference()
    assert POINTS_TOLERANCE_M < 1
    rounded = np.round(np.asarray(m.points), 6)  # six decimals: under 0.1 m
    _same(as_matrices(p, dataclasses.replace(m, points=rounded + 1e-7))["motorbike"], m)
    off = np.asarray(m.points).copy()
    off[3, 0] += 1e-5  # about 1.1 m
    with pytest.raises(InvalidMatrixError, match=r"1\.11 m away"):
        as_matrices(p, dataclasses.replace(m, points=off))


def test_a_matrix_without_points_keeps_todays_behaviour() -> None:
    p, m = _reference()
    bare = TravelMatrix(m.durations_s, m.distances_m)
    assert bare.points is None
    swapped = _reordered(p, [1, 0, 2, 3])
    _same(as_matrices(swapped, bare)["motorbike"], m)  # trusted to be in the problem's order, as before
    _same(as_matrices(swapped, (m.durations_s, m.distances_m))["motorbike"], m)
    assert as_matrices(swapped, bare)["motorbike"].points is None


@pytest.mark.parametrize(("points", "match"), [
    (np.zeros((5, 2)), "points must be"),
    (np.zeros(12), "points must be"),
    (np.full((6, 2), np.nan), "not a latitude"),
    (np.tile([[-8.2, 214.3]], (6, 1)), "not a latitude"),
])
def test_bad_points_are_refused(points: NDArray[np.float64], match: str) -> None:
    _, m = _reference()
    with pytest.raises(InvalidMatrixError, match=match):
        dataclasses.replace(m, points=points)


def test_the_untouched_historic_day_plans_as_before_and_a_reordered_one_is_refused() -> None:
    """The defect as seen: the ``historic`` day's orders reversed with the day's matrix planned on
    travel between other places (and the checker agreed)."""
    import medroute.scenarios

    sc = medroute.scenarios.load("historic", seed=1)
    day, m = sc.problem, sc.matrix
    assert m.points is not None
    plan = medroute.solve(day, engine="greedy", time_limit=2, matrix=m)
    assert medroute.check(day, plan, m) == []
    reversed_ = day.replace(orders=day.orders[::-1])
    with pytest.raises(InvalidMatrixError, match="the door of order"):
        medroute.solve(reversed_, engine="greedy", time_limit=2, matrix=m)
    cut = sub_matrix(day, m, reversed_)
    right = medroute.solve(reversed_, engine="greedy", time_limit=2, matrix=cut)
    fresh = medroute.solve(reversed_, engine="greedy", time_limit=2,
                           matrix=sc.travel_backend.matrix(reversed_.locations))
    assert right.kpis.distance_m == fresh.kpis.distance_m
    assert medroute.check(reversed_, right, cut) == []


def test_a_scenario_like_object_with_a_misaligned_matrix_is_not_simulated() -> None:
    from types import SimpleNamespace

    from medroute.simulate import simulate

    p, m = _reference()
    with pytest.raises(InvalidMatrixError, match="rx-2"):
        simulate(SimpleNamespace(problem=_reordered(p, [1, 0, 2, 3]), matrix=m, name="x"), engine="greedy")


@settings(max_examples=40, deadline=None)
@given(order=st.permutations(range(4)), ids=st.booleans(), move=st.sampled_from([None, 0, 1, 2, 3]))
def test_any_permutation_plans_on_the_right_travel_or_is_refused(order: list[int], ids: bool,
                                                                  move: int | None) -> None:
    """Property: the day's matrix given for any reordering (and possibly one moved door) of its
    orders yields exactly the travel computed for the new problem, or is refused; never other travel."""
    p, m = _reference()
    q = _reordered(p, list(order))
    if move is not None:
        q = _moved(q, move)
    try:
        got = as_matrices(q, _with_ids(p, m) if ids else m)["motorbike"]
    except InvalidMatrixError:
        assert move is not None or (not ids and list(order) != sorted(order))
        return
    _same(got, HaversineBackend(detour=1.5).matrix(q.locations))
    assert move is None and (ids or list(order) == sorted(order))
