"""solve_many: the same plans whichever executor runs them, Dask's included."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

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
    kw: dict[str, Any] = {"engine": "auto", "stop": MaxWork(0.3), "seed": 3}
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
    kw: dict[str, Any] = {"engine": "auto", "stop": MaxWork(0.3), "seed": 2}
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


@contextmanager
def _executor(kind: str) -> Iterator[dict[str, Any]]:
    """``solve_many``'s executor arguments for ``kind``, shut down afterwards."""
    if kind == "serial":
        yield {"max_workers": 1}
    elif kind == "threads":
        with ThreadPoolExecutor(2) as pool:
            yield {"executor": pool}
    elif kind == "processes":
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield {"executor": pool}
    else:
        distributed = pytest.importorskip("distributed")
        with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                      dashboard_address=None) as cluster, distributed.Client(cluster) as client:
            yield {"executor": client}


@pytest.mark.parametrize("kind", ["serial", "threads", "processes", "dask"])
def test_a_callback_that_raises_loses_no_plan(kind: str) -> None:
    """``on_done`` raising for one plan: every problem still runs and the callback is called for
    each; then BatchError holds every plan and the callback's exception (its cause too)."""
    ps = problems()
    seen: list[int] = []

    def on_done(i: int, _s: object) -> None:
        seen.append(i)
        if i == 1:
            raise ValueError("progress bar closed")

    with _executor(kind) as where, pytest.raises(BatchError, match="on_done raised for 1 of 3 plans") as info:
        solve_many(ps, engine="greedy", time_limit=2, on_done=on_done, **where)
    assert sorted(seen) == [0, 1, 2]
    assert info.value.errors == {} and list(info.value.on_done_errors) == [1]
    assert isinstance(info.value.__cause__, ValueError) and info.value.__cause__ is info.value.on_done_errors[1]
    for p, s in zip(ps, info.value.solutions, strict=True):
        assert s is not None and check(p, s) == []


def test_a_failing_problem_and_a_raising_callback_are_reported_together() -> None:
    ps = problems()
    wrong = np.zeros((2, 3, 3), dtype=np.int32)

    def on_done(i: int, _s: object) -> None:
        raise RuntimeError(f"cannot save plan {i}")

    with pytest.raises(BatchError, match=r"1 of 3 problems failed .* and on_done raised for 2 of 3 plans") as info:
        solve_many(ps, matrices=[wrong, None, None], max_workers=1, engine="greedy", time_limit=2, on_done=on_done)
    assert list(info.value.errors) == [0] and sorted(info.value.on_done_errors) == [1, 2]
    assert info.value.solutions[0] is None and all(s is not None for s in info.value.solutions[1:])
