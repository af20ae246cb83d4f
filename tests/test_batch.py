"""solve_many: the same plans whichever executor runs them, Dask's included."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace

import pytest

from medroute import CoolBox, InvalidMatrixError, Location, Order, Pharmacy, Problem, Rider, check
from medroute.batch import solve_many
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
    assert seen == [0, 1, 2]
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
