"""solve_many: the same plans whichever executor runs them, Dask's included."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest

from medroute import CoolBox, InvalidMatrixError, Location, Order, Pharmacy, Problem, Rider, check
from medroute.batch import BatchError, solve_many
from medroute.stop import MaxWork

RSUD = Location(-8.20840, 114.36617)


def problems() -> list[Problem]:
    out = []
    for riders in (1, 2, 3):
        orders = tuple(Order(f"o{k}", "rsud", Location(-8.21 - 0.01 * k, 114.35 + 0.004 * riders),
                             release_s=9 * 3600) for k in range(4))
        out.append(Problem(pharmacies=(Pharmacy("rsud", RSUD),), orders=orders,
                           riders=tuple(Rider(f"r{i}", RSUD) for i in range(riders))))
    return out


def test_threads_match_serial_and_report_progress() -> None:
    ps = problems()
    seen: list[int] = []
    with ThreadPoolExecutor(2) as pool:
        got = solve_many(ps, executor=pool, engine="greedy", time_limit=2, on_done=lambda i, _s: seen.append(i))
    with ThreadPoolExecutor(1) as one:
        serial = solve_many(ps, executor=one, engine="greedy", time_limit=2)
    assert sorted(seen) == [0, 1, 2]
    for p, s, t in zip(ps, got, serial, strict=True):
        assert check(p, s) == []
        assert s.routes == t.routes


def test_matrices_must_match_the_problems() -> None:
    with pytest.raises(InvalidMatrixError, match="2 matrices for 3 problems"):
        solve_many(problems(), matrices=[None, None], engine="greedy")


def cold_problems() -> list[Problem]:
    """Problems with cold orders on budgets, so that auto's OR-Tools stages run too."""
    return [p.replace(orders=tuple(replace(o, temperature="refrigerated", max_ride_s=1800) if k % 2 else o
                                   for k, o in enumerate(p.orders)),
                      riders=tuple(replace(r, coolbox=CoolBox()) for r in p.riders)) for p in problems()]


def test_reproducible_mode_gives_the_serial_plans_on_a_process_pool_and_a_dask_cluster() -> None:
    # Dask workers are daemonic processes: no stage may need a child process there (OR-Tools'
    # stage used to fail: "daemonic processes are not allowed to have children").
    distributed = pytest.importorskip("distributed")
    ps = cold_problems()
    kw = {"engine": "auto", "stop": MaxWork(0.3), "seed": 3}
    with ThreadPoolExecutor(1) as one:
        serial = solve_many(ps, executor=one, **kw)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        pooled = solve_many(ps, executor=pool, **kw)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client:
        got = solve_many(ps, executor=client.get_executor(), **kw)
        workers = set(client.run(lambda: __import__("os").getpid()).values())
    assert len(workers) == 2
    for p, s, t, u in zip(ps, serial, pooled, got, strict=True):
        assert check(p, s) == []
        assert s.to_json()["routes"] == t.to_json()["routes"] == u.to_json()["routes"]
        assert s.stats is not None and u.stats is not None
        assert [(x.name, x.work) for x in s.stats.stages] == [(x.name, x.work) for x in u.stats.stages]
        assert u.stats is not None and u.stats.reproducible and "ortools" in [x.name for x in u.stats.stages]
        assert all(x.skipped == "" for x in u.stats.stages)


def test_a_problem_that_fails_does_not_lose_the_others() -> None:
    ps = problems()
    wrong = np.zeros((2, 3, 3), dtype=np.int32)  # a matrix for 3 places; the problem has more
    with pytest.raises(BatchError, match="1 of 3 problems failed") as info:
        solve_many(ps, matrices=[None, wrong, None], executor=ThreadPoolExecutor(2), engine="greedy", time_limit=2)
    got = info.value.solutions
    assert got[1] is None and isinstance(info.value.errors[1], InvalidMatrixError)
    for p, s in ((ps[0], got[0]), (ps[2], got[2])):
        assert s is not None and check(p, s) == []


def test_a_province_batch_on_a_dask_cluster_gives_the_serial_plans() -> None:
    # Issue 21: several towns' days; each town's road graph is scattered to the workers once.
    distributed = pytest.importorskip("distributed")
    from medroute.scenarios import province

    days = province(4, orders=12, seed=1)
    assert [d.name for d in days] == ["expanded", "probolinggo", "surabaya", "expanded"]
    assert days[0].travel_backend is days[3].travel_backend
    problems_, backends = [d.problem for d in days], [d.travel_backend for d in days]
    kw = {"engine": "auto", "stop": MaxWork(0.3), "seed": 2}
    serial = solve_many(problems_, matrices=backends, max_workers=1, **kw)
    seen: list[int] = []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client:
        got = solve_many(problems_, matrices=backends, executor=client, on_done=lambda i, _s: seen.append(i), **kw)
    assert sorted(seen) == [0, 1, 2, 3]
    for day, s, t in zip(days, serial, got, strict=True):
        assert check(day.problem, t, day.travel_backend) == []
        assert s.to_json()["routes"] == t.to_json()["routes"]
        assert s.to_json()["unassigned"] == t.to_json()["unassigned"]
        assert t.stats is not None and t.stats.reproducible
