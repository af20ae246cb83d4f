"""VRPLIB: writing a VRPTW where it applies, reading a solution back."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.plans import small_problem

import medroute
from medroute import Location, Order, Pharmacy, Problem, Rider, TimeWindow
from medroute.errors import InvalidProblemError, InvalidSolutionError
from medroute.io.vrplib import read_vrplib_routes, solution_from_vrplib, vrptw_applies, write_vrptw

DEPOT = Location(-8.2136, 114.3579)


def _vrptw() -> Problem:
    orders = tuple(Order(f"o{i}", "d", Location(-8.21 + 0.004 * i, 114.36 + 0.003 * i), parcels=1 + i % 2,
                         windows=(TimeWindow(8 * 3600, 12 * 3600),)) for i in range(4))
    riders = tuple(Rider(f"r{i}", DEPOT, parcels=4, shift=TimeWindow(7 * 3600, 18 * 3600)) for i in range(2))
    return Problem((Pharmacy("d", DEPOT),), orders, riders, name="tiny")


def test_applies() -> None:
    assert vrptw_applies(_vrptw()) is None
    why = vrptw_applies(small_problem())
    assert why is not None and "pharmacies" in why


def test_write_vrptw(tmp_path: Path) -> None:
    path = write_vrptw(_vrptw(), tmp_path / "tiny.vrp")
    text = path.read_text()
    for key in ("TYPE : VRPTW", "DIMENSION : 5", "VEHICLES : 2", "CAPACITY : 4", "EDGE_WEIGHT_SECTION",
                "TIME_WINDOW_SECTION", "DEPOT_SECTION", "EOF"):
        assert key in text
    weights = text.split("EDGE_WEIGHT_SECTION\n")[1].split("DEPOT_SECTION")[0].strip().splitlines()
    assert len(weights) == 5 and all(len(row.split()) == 5 for row in weights)
    assert weights[0].split()[0] == "0"
    demand = text.split("DEMAND_SECTION\n")[1].split("TIME_WINDOW_SECTION")[0].split()
    assert demand == ["1", "0", "2", "1", "3", "2", "4", "1", "5", "2"]


def test_write_refuses_what_does_not_apply(tmp_path: Path) -> None:
    with pytest.raises(InvalidProblemError, match="pharmacies"):
        write_vrptw(small_problem(), tmp_path / "x.vrp")


def test_read_solution_round_trip() -> None:
    p = _vrptw()
    text = "Route #1: 1 3\nRoute #2: 2 4\nCost 1234\n"
    assert read_vrplib_routes(text) == [[1, 3], [2, 4]]
    sol = solution_from_vrplib(p, text)
    assert medroute.check(p, sol) == []
    assert sol.route_of("r0") is not None
    assert sol.route_of("r0").orders == ("o0", "o2")  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "msg"), [
    ("Route #1: 1 9\n", "customer 9"),
    ("Route #1: 1 2\nRoute #2: 2\n", "twice"),
    ("Route #1: 1\nRoute #2: 2\nRoute #3: 3\n", "3 routes"),
    ("Route #1: 1 x\n", "non-integer"),
])
def test_bad_solutions(text: str, msg: str) -> None:
    with pytest.raises(InvalidSolutionError, match=msg):
        solution_from_vrplib(_vrptw(), text)
