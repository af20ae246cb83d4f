"""User code typed as a user would type it: ``make typecheck`` runs mypy over the tests, so a
public type narrower than what the library takes fails there; pytest runs the same calls."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

import medroute
from medroute import Location, MaxRuntime, MaxWork, NoImprovement, Order, Pharmacy, Problem, Rider, scenarios
from medroute.compile import compile_problem
from medroute.travel import (
    CachedBackend,
    GraphBackend,
    HaversineBackend,
    MatrixBackend,
    TravelBackend,
    TravelMatrix,
)
from medroute.travel.base import TableBackend
from medroute.travel.osrm import OsrmBackend, OsrmHttpBackend

PLACES = [Location(-8.2084, 114.36617), Location(-8.2200, 114.3500)]


def shipped_backends(graph: GraphBackend, osrm: OsrmBackend, http: OsrmHttpBackend,
                     table: MatrixBackend) -> list[TravelBackend]:
    """Every backend the library ships is a :class:`TravelBackend` to mypy, not only at run time."""
    return [graph, osrm, http, table, HaversineBackend(), CachedBackend(HaversineBackend())]


def test_a_haversine_backend_is_a_travel_backend_wherever_one_is_taken(tmp_path: Path) -> None:
    haversine = HaversineBackend(detour=1.5)
    backend: TravelBackend = haversine
    table: TableBackend = haversine
    cached = CachedBackend(haversine, tmp_path)
    assert isinstance(backend, TravelBackend) and isinstance(table, TableBackend)
    assert cached.name == "cached-haversine(detour=1.5)"
    matrix: TravelMatrix = cached.matrix(PLACES)
    assert matrix.size == 2
    problem = Problem(pharmacies=(Pharmacy("ph", PLACES[0]),), orders=(Order("a", "ph", PLACES[1]),),
                      riders=(Rider("r", PLACES[0]),))
    plan = medroute.solve(problem, engine="greedy", matrix=haversine)
    assert plan.served == ("a",) and medroute.check(problem, plan, haversine) == []


def test_numpy_numbers_are_taken_where_the_api_takes_numbers() -> None:
    """A sweep over ``np.arange`` hands out numpy scalars, which a call takes as Python's."""
    problem = Problem(pharmacies=(Pharmacy("ph", PLACES[0]),), orders=(Order("a", "ph", PLACES[1]),),
                      riders=(Rider("r", PLACES[0]),))
    assert MaxRuntime(np.int64(2)) == MaxRuntime(np.float32(2.0)) == MaxRuntime(2)
    assert MaxWork(np.int32(1)) | NoImprovement(np.float64(1)) == MaxWork(1) | NoImprovement(1)
    assert medroute.solve(problem, engine="greedy", time_limit=np.int64(1)).served == ("a",)
    assert scenarios.load("historic", seed=np.int64(3), backend="haversine").seed == 3
    assert scenarios.province(np.int64(0), seed=np.int64(1)) == []
    inst = compile_problem(problem, HaversineBackend())
    for r in np.arange(inst.m):
        assert inst.duration(r).shape == inst.distance(r).shape == inst.arc_cost(r).shape


def test_a_travel_matrix_is_built_from_any_array_like_of_integers() -> None:
    """The constructor takes what it converts (lists, int64 arrays); the attributes are int32."""
    from_lists = TravelMatrix([[0, 60], [60, 0]], [[0, 500], [500, 0]], points=[(-8.2, 114.3), (-8.3, 114.4)])
    from_int64 = TravelMatrix(np.array([[0, 60], [60, 0]], dtype=np.int64), np.zeros((2, 2), dtype=np.int64),
                              snap_m=np.zeros(2, dtype=np.float32))
    durations: np.ndarray[tuple[int, ...], np.dtype[np.int32]] = from_int64.durations_s
    assert durations.dtype == from_lists.distances_m.dtype == np.int32
    assert np.array_equal(from_lists.durations_s, durations) and from_lists.points is not None
    assert dataclasses.replace(from_lists, profile="car").profile == "car"
