"""An output folder written by the library keeps the travel its plan was made with (``travel.npz``),
and ``medroute check`` re-checks the folder on it, or refuses (exit 2) when it cannot know it:
never a verdict on straight lines for a plan made on other travel."""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner, Result

import medroute
from medroute import InvalidMatrixError, Location, TravelMatrix
from medroute.cli import EXIT_BAD_INPUT, EXIT_OK, app
from medroute.errors import MissingTravelWarning
from medroute.matrices import as_matrices, location_names
from medroute.outputs import write_outputs
from medroute.solution import TravelSource
from medroute.travel import HaversineBackend, MatrixBackend
from medroute.travel.base import DEFAULT_PROFILE
from tests.plans import small_problem

runner = CliRunner()
LIGHT: dict[str, Any] = {"tables": False, "figures": False, "html_map": False}


def _given() -> tuple[medroute.Problem, TravelMatrix, medroute.Solution]:
    """A plan made with a matrix that names no backend (not the haversine default, so a check on
    haversine would report its legs)."""
    p = small_problem()
    m = HaversineBackend(detour=1.5).matrix(p.locations)
    assert m.backend == ""
    return p, m, medroute.solve(p, engine="greedy", time_limit=2, matrix=m)


def _check(out: Path, *extra: str) -> Result:
    return runner.invoke(app, ["check", str(out / "problem.json"), str(out / "plan.json"), *extra])


def test_the_library_folder_is_rechecked_on_its_travel(tmp_path: Path) -> None:
    p, m, plan = _given()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        written = write_outputs(tmp_path, p, plan, violations=medroute.check(p, plan, m), matrix=m, **LIGHT)
    assert "travel.npz" in written
    back = MatrixBackend.from_npz(tmp_path / "travel.npz")
    np.testing.assert_array_equal(back.durations_s, m.durations_s)
    checked = _check(tmp_path)
    assert checked.exit_code == EXIT_OK, checked.output
    assert "travel.npz" in checked.stderr and "warning" not in checked.stderr


def test_the_drawing_backend_gives_the_travel_when_it_times_the_plans_legs(tmp_path: Path) -> None:
    p, m, _ = _given()
    be = MatrixBackend(m.durations_s, m.distances_m, locations=p.locations)
    plan = medroute.solve(p, engine="greedy", time_limit=2, matrix=be)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "travel.npz" in write_outputs(tmp_path / "same", p, plan, backend=be, **LIGHT)
    assert _check(tmp_path / "same").exit_code == EXIT_OK
    with pytest.warns(MissingTravelWarning, match="not the travel"):
        assert "travel.npz" not in write_outputs(tmp_path / "other", p, plan, backend=HaversineBackend(), **LIGHT)


def test_without_the_travel_the_folder_warns_and_check_refuses(tmp_path: Path) -> None:
    p, _, plan = _given()
    (tmp_path / "travel.npz").write_bytes(b"an earlier plan's travel")
    with pytest.warns(MissingTravelWarning, match="no matrix= was given.*pass matrix=, the matrix the plan was "
                                                  r"solved with \(the same arrays, TravelMatrix or MatrixBackend\)"):
        written = write_outputs(tmp_path, p, plan, **LIGHT)
    assert "travel.npz" not in written and not (tmp_path / "travel.npz").exists()
    refused = _check(tmp_path)
    assert refused.exit_code == EXIT_BAD_INPUT, refused.output
    message = refused.stderr
    assert "'matrix'" in message and "--matrix PATH" in message and "travel.npz" in message
    assert "violation" not in refused.output


def test_travel_that_is_not_the_plans_is_not_written(tmp_path: Path) -> None:
    p, _, plan = _given()
    with pytest.warns(MissingTravelWarning, match="not the travel the plan was timed with"):
        written = write_outputs(tmp_path, p, plan, matrix=HaversineBackend(), **LIGHT)
    assert "travel.npz" not in written


def test_a_haversine_plan_needs_no_travel_file(tmp_path: Path) -> None:
    p = small_problem()
    plan = medroute.solve(p, engine="greedy", time_limit=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_outputs(tmp_path, p, plan, **LIGHT)
    assert _check(tmp_path).exit_code == EXIT_OK


def test_check_refuses_a_plan_of_unknown_travel_without_travel_npz(tmp_path: Path) -> None:
    p, m, plan = _given()
    write_outputs(tmp_path, p, plan, matrix=m, **LIGHT)
    doc = json.loads((tmp_path / "plan.json").read_text())
    doc["travel"]["backend"] = ""  # what plans recorded before a given matrix was named
    (tmp_path / "plan.json").write_text(json.dumps(doc))
    assert _check(tmp_path).exit_code == EXIT_OK  # on the travel.npz beside it
    (tmp_path / "travel.npz").unlink()
    refused = _check(tmp_path)
    assert refused.exit_code == EXIT_BAD_INPUT, refused.output
    assert "unknown backend" in refused.stderr and "--matrix PATH" in refused.stderr
    anyway = _check(tmp_path, "--backend", "haversine")
    assert anyway.exit_code == 1 and "warning" in anyway.stderr


def test_report_names_the_travel(tmp_path: Path) -> None:
    p, m, plan = _given()
    write_outputs(tmp_path, p, plan, matrix=m, **LIGHT)
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert plan.travel is not None
    assert f"Travel: matrix (digest {plan.travel.digest})" in report


def _tuned() -> tuple[medroute.Problem, HaversineBackend, medroute.Solution]:
    """A plan made on haversine with a non-default detour: not the haversine default's travel."""
    p = small_problem()
    be = HaversineBackend(detour=1.5)
    return p, be, medroute.solve(p, engine="greedy", time_limit=2, matrix=be)


def test_a_plan_on_tuned_haversine_records_the_parameters() -> None:
    p, be, plan = _tuned()
    assert plan.travel is not None and plan.travel.backend == "haversine(detour=1.5)"
    assert HaversineBackend(speeds_kmh={"motorbike": 40.0}).name == "haversine(motorbike_kmh=40.0)"
    assert HaversineBackend().name == "haversine"
    assert medroute.check(p, plan, be) == []


def test_a_tuned_haversine_folder_is_rechecked_on_its_travel_npz(tmp_path: Path) -> None:
    p, be, plan = _tuned()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "travel.npz" in write_outputs(tmp_path, p, plan, violations=[], matrix=be, **LIGHT)
    checked = _check(tmp_path)
    assert checked.exit_code == EXIT_OK, checked.output
    assert "travel.npz" in checked.stderr and "warning" not in checked.stderr


def test_a_tuned_haversine_plan_gets_its_travel_rebuilt_from_the_name_it_records(tmp_path: Path) -> None:
    """Neither matrix= nor backend=: haversine(detour=1.5) needs no outside data, so the folder
    still holds the plan's travel and ``medroute check`` passes on it."""
    p, be, plan = _tuned()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        written = write_outputs(tmp_path, p, plan, violations=[], **LIGHT)
    np.testing.assert_array_equal(MatrixBackend.from_npz(written["travel.npz"]).durations_s,
                                  be.matrix(p.locations).durations_s)
    checked = _check(tmp_path)
    assert checked.exit_code == EXIT_OK, checked.output
    assert "travel.npz" in checked.stderr and "warning" not in checked.stderr


def test_a_tuned_haversine_folder_without_its_travel_is_refused_not_misjudged(tmp_path: Path) -> None:
    p, be, plan = _tuned()
    write_outputs(tmp_path, p, plan, matrix=be, **LIGHT)
    (tmp_path / "travel.npz").unlink()
    refused = _check(tmp_path)
    assert refused.exit_code == EXIT_BAD_INPUT, refused.output
    assert "haversine(detour=1.5)" in refused.stderr and "--matrix PATH" in refused.stderr
    assert "violation" not in refused.output


def _record_plain_haversine(out: Path) -> None:
    """What a plan on tuned haversine recorded before its parameters were named."""
    doc = json.loads((out / "plan.json").read_text())
    doc["travel"]["backend"] = "haversine"
    (out / "plan.json").write_text(json.dumps(doc))


def test_check_uses_the_travel_whose_digest_is_the_plans(tmp_path: Path) -> None:
    p, be, plan = _tuned()
    write_outputs(tmp_path, p, plan, matrix=be, **LIGHT)
    _record_plain_haversine(tmp_path)
    checked = _check(tmp_path)
    assert checked.exit_code == EXIT_OK, checked.output
    assert "travel.npz" in checked.stderr and "warning" not in checked.stderr


def test_an_edited_plan_is_checked_on_the_travel_it_names(tmp_path: Path) -> None:
    """A plan edited by hand no longer has its digest (its places changed): it is still checked, on
    the travel its name points to, and its faults reported."""
    p, be, plan = _tuned()
    write_outputs(tmp_path, p, plan, matrix=be, **LIGHT)
    doc = json.loads((tmp_path / "plan.json").read_text())
    route = doc["routes"][0]
    dropped = route["stops"][1]["order"]
    route["stops"] = [s for s in route["stops"] if s.get("order") != dropped]
    (tmp_path / "plan.json").write_text(json.dumps(doc))
    checked = _check(tmp_path)
    assert checked.exit_code == 1, checked.output
    assert f"[missing] order {dropped!r}" in checked.output and "travel.npz" in checked.stderr


@pytest.fixture(scope="module")
def pancer_problem(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(problem file, road graph file): six orders on road nodes of the shipped Pancer extract."""
    pytest.importorskip("osmnx")
    from medroute import Location, Order, Pharmacy, Problem, Rider, TimeWindow
    from medroute.scenarios.facilities import PANCER_FILE
    from medroute.travel import GraphBackend
    from tests.data import data_path

    graph = data_path(PANCER_FILE)
    g = GraphBackend(graph).graph
    pts = [Location(float(g.lat[i]), float(g.lon[i])) for i in np.random.default_rng(7).choice(g.node_count, 8, False)]
    day = TimeWindow(8 * 3600, 13 * 3600)
    pharmacies = (Pharmacy("ph0", pts[0]), Pharmacy("ph1", pts[1]))
    orders = tuple(Order(f"o{k}", f"ph{k % 2}", pts[2 + k], release_s=day.start_s, windows=(day,)) for k in range(6))
    problem = Problem(pharmacies, orders, (Rider("r0", pts[0], start_s=day.start_s),
                                           Rider("r1", pts[1], start_s=day.start_s)), name="pancer")
    path = tmp_path_factory.mktemp("pancer") / "problem.json"
    problem.save(path)
    return path, graph


@pytest.mark.parametrize("travel", ["osm", "osrm", "matrix"])
def test_a_road_plan_round_trips_through_solve_and_check(travel: str, pancer_problem: tuple[Path, Path],
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Planned on roads, the folder is re-checked feasible on its own travel; a plan with two visits
    swapped is rejected leg by leg; without its travel.npz the folder is refused, not misjudged."""
    problem_file, graph = pancer_problem
    if travel == "osrm":
        pytest.importorskip("osrm")
        monkeypatch.setenv("MEDROUTE_CACHE", str(tmp_path / "cache"))
    source = ["--graph", str(graph)]
    if travel == "matrix":
        p = medroute.Problem.from_json(problem_file)
        m = medroute.travel.backend("osm", source=graph).matrix(p.locations)
        MatrixBackend(m.durations_s, m.distances_m, locations=p.locations).to_npz(tmp_path / "roads.npz")
        source = ["--matrix", str(tmp_path / "roads.npz")]
    out = tmp_path / "out"
    solved = runner.invoke(app, ["solve", str(problem_file), "-o", str(out), "--engine", "greedy", "--time-limit",
                                 "1", "--backend", travel, *source, "--no-figures"])
    assert solved.exit_code == EXIT_OK, solved.output
    assert json.loads((out / "plan.json").read_text())["travel"]["backend"] == travel
    assert _check(out).exit_code == EXIT_OK
    doc = json.loads((out / "plan.json").read_text())
    stops = max(doc["routes"], key=lambda r: len(r["stops"]))["stops"]
    stops[1], stops[-2] = stops[-2], stops[1]
    (out / "plan.json").write_text(json.dumps(doc))
    swapped = _check(out)
    assert swapped.exit_code == 1, swapped.output
    assert "[leg] rider 'r" in swapped.output and "violation(s)" in swapped.output
    (out / "travel.npz").unlink()
    refused = _check(out)
    assert refused.exit_code == EXIT_BAD_INPUT and "--matrix PATH" in refused.stderr, refused.output


def test_travel_of_another_backend_is_not_written_for_a_plan_without_digest(tmp_path: Path) -> None:
    """A day planned in parts records its backend but no digest: travel naming another backend is
    still not the plan's."""
    p, be, plan = _tuned()
    parts = dataclasses.replace(plan, travel=TravelSource(backend=be.name, digest=""))
    with pytest.warns(MissingTravelWarning, match=r"not the travel"):
        assert "travel.npz" not in write_outputs(tmp_path, p, parts, matrix=HaversineBackend(), **LIGHT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "travel.npz" in write_outputs(tmp_path, p, parts, matrix=be, **LIGHT)


def test_a_plan_on_other_road_speeds_is_checked_on_its_travel_or_refused(pancer_problem: tuple[Path, Path],
                                                                          tmp_path: Path) -> None:
    """The road graph alone does not give a plan's travel when it was made with other speeds: the
    plan names them, the folder is checked on its travel.npz, and without it refused."""
    problem_file, graph = pancer_problem
    p = medroute.Problem.from_json(problem_file)
    slow = medroute.travel.backend("osm", source=graph, speeds_kmh={"residential": 12.0, "unclassified": 12.0})
    plan = medroute.solve(p, engine="greedy", time_limit=1, matrix=slow)
    assert plan.travel is not None and plan.travel.backend == "osm(residential_kmh=12.0, unclassified_kmh=12.0)"
    write_outputs(tmp_path, p, plan, matrix=slow, **LIGHT)
    assert _check(tmp_path).exit_code == EXIT_OK
    on_defaults = _check(tmp_path, "--graph", str(graph))
    assert on_defaults.exit_code == 1 and "'osm(residential_kmh=12.0" in on_defaults.stderr
    (tmp_path / "travel.npz").unlink()
    refused = _check(tmp_path)
    assert refused.exit_code == EXIT_BAD_INPUT and "osm(residential_kmh=12.0" in refused.stderr, refused.output


def test_the_travel_file_keeps_the_points_of_its_rows(tmp_path: Path) -> None:
    """``travel.npz`` holds the rows' ``lat`` / ``lon``: read back, the matrix knows its points
    again, and a problem whose door moved is refused rather than checked on the old door's travel."""
    p, m, plan = _given()
    write_outputs(tmp_path, p, plan, matrix=m, **LIGHT)
    back = as_matrices(p, MatrixBackend.from_npz(tmp_path / "travel.npz"))["motorbike"]
    assert back.points is not None and m.points is not None
    np.testing.assert_array_equal(back.points, m.points)
    np.testing.assert_array_equal(back.durations_s, m.durations_s)
    moved = p.replace(orders=(dataclasses.replace(p.orders[0], location=medroute.Location(-8.2051, 114.3700)),
                              *p.orders[1:]))
    with pytest.raises(InvalidMatrixError, match=r"the door of order 'rx-1' at .* is not in the matrix; the "
                                                 r"nearest of its 6 places is 11 m away"):
        medroute.check(moved, plan, MatrixBackend.from_npz(tmp_path / "travel.npz"))


def test_a_travel_file_without_points_still_loads(tmp_path: Path) -> None:
    """A matrix file naming its rows by ids only (no ``lat`` / ``lon``) reads as before: no points."""
    p, m, plan = _given()
    names = [group[0] for group in location_names(p)]
    np.savez(tmp_path / "ids.npz", durations_s=m.durations_s, distances_m=m.distances_m, ids=np.array(names))
    back = as_matrices(p, MatrixBackend.from_npz(tmp_path / "ids.npz"))["motorbike"]
    assert back.points is None
    np.testing.assert_array_equal(back.distances_m, m.distances_m)
    assert medroute.check(p, plan, MatrixBackend.from_npz(tmp_path / "ids.npz")) == []


@pytest.mark.parametrize(("name", "advice"), [
    ("osm", "pass matrix=medroute.travel.backend('osm', source=<the road graph it was planned on>): the backend it "
            "was solved with (for a scenario: matrix=scenario.travel_backend)"),
    ("osm(residential_kmh=20.0)", "pass matrix=medroute.travel.backend('osm', source=<the road graph it was "
                                  "planned on>) and the parameters 'osm(residential_kmh=20.0)' names"),
    ("cached-osrm", "pass matrix=medroute.travel.backend('osrm', source=<the OSM extract it was planned on>)"),
    ("osrm-http", "pass matrix=medroute.travel.backend('osrm-http', base_url=<the server it was planned on>)"),
])
def test_travel_the_name_cannot_rebuild_is_named_in_the_warning(tmp_path: Path, name: str, advice: str) -> None:
    """A road graph or OSRM plan written without its travel: the warning says exactly what to pass."""
    p, _, plan = _given()
    assert plan.travel is not None
    made = dataclasses.replace(plan, travel=dataclasses.replace(plan.travel, backend=name))
    with pytest.warns(MissingTravelWarning) as caught:
        assert "travel.npz" not in write_outputs(tmp_path, p, made, **LIGHT)
    assert advice in str(caught[0].message)


def test_outputs_are_not_written_with_travel_computed_for_other_places(tmp_path: Path) -> None:
    """A travel.npz records ``lat`` / ``lon`` beside the rows: the day's matrix given for the orders
    in another order would have written travel that lies about its places."""
    p, m, plan = _given()
    swapped = p.replace(orders=(p.orders[1], p.orders[0], *p.orders[2:]))
    with pytest.raises(InvalidMatrixError, match="the door of order 'rx-2'"):
        write_outputs(tmp_path, swapped, plan, matrix=m, **LIGHT)
    assert not (tmp_path / "travel.npz").exists()


def test_check_of_a_folder_whose_door_moved_names_the_order(tmp_path: Path) -> None:
    """``medroute check`` on the folder's travel.npz after a door moved in problem.json: refused
    (exit 2), naming the order and how far its door is from every place the matrix holds."""
    p, m, plan = _given()
    write_outputs(tmp_path, p, plan, matrix=m, **LIGHT)
    doc = json.loads((tmp_path / "problem.json").read_text())
    door = doc["orders"][0]["location"]  # [lat, lon]
    door[0] += 0.0001  # about 11 m
    (tmp_path / "problem.json").write_text(json.dumps(doc))
    refused = _check(tmp_path)
    assert refused.exit_code == EXIT_BAD_INPUT, refused.output
    assert "the door of order 'rx-1'" in refused.stderr and "11 m away" in refused.stderr


class _NoWholeDay(HaversineBackend):
    """Tuned haversine that refuses a square matrix over more than ``limit`` places."""

    def __init__(self, limit: int) -> None:
        super().__init__(detour=1.5)
        object.__setattr__(self, "limit", limit)

    def matrix(self, locations: Sequence[Location], *, profile: str = DEFAULT_PROFILE) -> TravelMatrix:
        assert len(locations) <= self.limit, f"a {len(locations)}-place matrix was asked for"  # type: ignore[attr-defined]
        return super().matrix(locations, profile=profile)


def test_a_day_planned_in_parts_writes_the_legs_it_rides_not_a_whole_day_matrix(tmp_path: Path) -> None:
    """A plan made in parts (no travel digest) gets a travel.npz of the legs the checker reads,
    asked of the backend without a square matrix over the day; ``medroute check`` re-checks the
    folder on it, and a plan changed since is refused."""
    from medroute.decompose import solve_decomposed
    from medroute.stop import MaxWork
    from medroute.travel.matrix import LegTable, read_npz
    from tests.decompose.towns import town

    p = town(5, pharmacies=4, orders=120, riders=16)
    guard = _NoWholeDay(limit=len(p.locations) // 2)
    plan = solve_decomposed(p, matrix=guard, stop=MaxWork(0.6), seed=1, part_size=30, max_workers=1)
    assert plan.travel == TravelSource(backend="haversine(detour=1.5)", digest="")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        written = write_outputs(tmp_path, p, plan, violations=[], matrix=guard, **LIGHT)
    legs = read_npz(written["travel.npz"])
    assert isinstance(legs, LegTable) and legs.held < 4 * len(p.orders)
    assert medroute.check(p, plan, legs) == []
    checked = _check(tmp_path)
    assert checked.exit_code == EXIT_OK, checked.output
    assert "travel.npz" in checked.stderr and "warning" not in checked.stderr
    doc = json.loads((tmp_path / "plan.json").read_text())
    stops = max(doc["routes"], key=lambda r: len(r["stops"]))["stops"]
    stops[1], stops[-2] = stops[-2], stops[1]
    (tmp_path / "plan.json").write_text(json.dumps(doc))
    changed = _check(tmp_path)
    assert changed.exit_code == EXIT_BAD_INPUT and "not held" in changed.stderr, changed.output
    assert "violation" not in changed.output
    with warnings.catch_warnings():  # neither matrix= nor backend=: the legs, asked of the backend the name rebuilds
        warnings.simplefilter("error")
        again = write_outputs(tmp_path / "rebuilt", p, plan, violations=[], **LIGHT)
    rebuilt = read_npz(again["travel.npz"])
    assert isinstance(rebuilt, LegTable) and rebuilt.held == legs.held
    checked = _check(tmp_path / "rebuilt")
    assert checked.exit_code == EXIT_OK, checked.output


def test_the_cli_plans_a_big_day_in_parts_without_a_whole_day_matrix(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """``medroute solve`` on a day ``auto`` plans in parts asks the backend for each part's travel and
    the plan's legs only, as :func:`medroute.solve` does, writes those legs as travel.npz, and
    ``medroute check`` passes on the folder."""
    import medroute.cli_files
    import medroute.decompose.day
    import medroute.travel
    from medroute.decompose import solve_decomposed
    from medroute.travel.matrix import LegTable, read_npz
    from tests.decompose.towns import town

    p = town(5, pharmacies=4, orders=120, riders=16)
    guard = _NoWholeDay(limit=len(p.locations) // 2)
    opened = medroute.travel.backend
    monkeypatch.setattr(medroute.travel, "backend",  # --backend haversine opens the guard
                        lambda name, **kw: guard if name == "haversine" else opened(name, **kw))
    monkeypatch.setattr(medroute.decompose.day, "DECOMPOSE_ABOVE", 100)  # a big day, at a test's size
    monkeypatch.setattr(medroute.cli_files, "available_memory_bytes", lambda: 1000)  # no whole matrix fits
    monkeypatch.setattr(sys.modules["medroute.solve"], "solve_decomposed",
                        functools.partial(solve_decomposed, part_size=30, max_workers=1))
    (tmp_path / "day.json").write_text(json.dumps(p.to_json()))
    out = tmp_path / "out"
    solved = runner.invoke(app, ["solve", str(tmp_path / "day.json"), "-o", str(out), "--time-limit", "3",
                                 "--no-figures"])
    assert solved.exit_code == EXIT_OK, solved.output
    plan = medroute.Solution.from_json(json.loads((out / "plan.json").read_text()))
    assert plan.travel == TravelSource(backend="haversine(detour=1.5)", digest="")
    legs = read_npz(out / "travel.npz")
    assert isinstance(legs, LegTable) and legs.held < 4 * len(p.orders)
    checked = _check(out)
    assert checked.exit_code == EXIT_OK, checked.output
    assert "travel.npz" in checked.stderr and "warning" not in checked.stderr


def _no_square_haversine(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, a haversine matrix over a problem's places fails the test."""
    def refuse(self: HaversineBackend, locations: Sequence[Location], **_: object) -> TravelMatrix:
        raise AssertionError(f"a {len(locations)}-place haversine matrix was computed")

    monkeypatch.setattr(HaversineBackend, "matrix", refuse)


def test_a_plain_haversine_plan_is_checked_on_its_travel_npz_not_a_new_matrix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The travel.npz beside a plan on the haversine default, when it times the plan's legs as
    recorded, is read by ``medroute check``: no haversine matrix is computed again."""
    p = small_problem()
    plan = medroute.solve(p, engine="greedy", time_limit=2)
    assert "travel.npz" in write_outputs(tmp_path, p, plan, violations=[], matrix=HaversineBackend(), **LIGHT)
    _no_square_haversine(monkeypatch)
    checked = _check(tmp_path)
    assert checked.exit_code == EXIT_OK, checked.output
    assert "travel.npz" in checked.stderr and "warning" not in checked.stderr


def test_a_plain_haversine_day_planned_in_parts_is_checked_on_its_legs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan made in parts on the haversine default is checked on the legs written beside it
    (computed by the backend it names, holding every leg the checker reads), not on a haversine
    matrix over the day; legs of another backend, or of a plan changed since, are not its travel:
    it is checked on haversine as before."""
    from medroute.decompose import solve_decomposed
    from medroute.stop import MaxWork
    from medroute.travel.matrix import LegTable, read_npz
    from tests.decompose.towns import town

    p = town(5, pharmacies=4, orders=120, riders=16)
    plan = solve_decomposed(p, matrix=HaversineBackend(), stop=MaxWork(0.6), seed=1, part_size=30, max_workers=1)
    assert plan.travel == TravelSource(backend="haversine", digest="")
    written = write_outputs(tmp_path, p, plan, violations=[], matrix=HaversineBackend(), **LIGHT)
    legs = read_npz(written["travel.npz"])
    assert isinstance(legs, LegTable) and legs.backend == "haversine"
    with monkeypatch.context() as patched:
        _no_square_haversine(patched)
        checked = _check(tmp_path)
    assert checked.exit_code == EXIT_OK, checked.output
    assert "travel.npz" in checked.stderr and "warning" not in checked.stderr
    with np.load(written["travel.npz"]) as z:
        arrays = dict(z)
    np.savez(written["travel.npz"], **{**arrays, "backend": np.array("osm")})
    with monkeypatch.context() as patched:
        _no_square_haversine(patched)
        fell_back = _check(tmp_path)
    assert "haversine matrix was computed" in fell_back.stderr, fell_back.output
    assert _check(tmp_path).exit_code == EXIT_OK
    np.savez(written["travel.npz"], **arrays)
    doc = json.loads((tmp_path / "plan.json").read_text())
    stops = max(doc["routes"], key=lambda r: len(r["stops"]))["stops"]
    stops[1], stops[-2] = stops[-2], stops[1]
    (tmp_path / "plan.json").write_text(json.dumps(doc))
    changed = _check(tmp_path)  # its legs are no longer all held: checked on haversine, not refused
    assert changed.exit_code in (EXIT_OK, 1) and "not held" not in changed.stderr, changed.output
