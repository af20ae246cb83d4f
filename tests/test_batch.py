"""solve_many: the same plans whichever executor runs them, Dask's included."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from medroute import InvalidMatrixError, Location, Order, Pharmacy, Problem, Rider, check
from medroute.batch import solve_many

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


def test_on_a_real_dask_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    ps = problems()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client:
        got = solve_many(ps, executor=client.get_executor(), engine="ortools", time_limit=2, seed=3)
        workers = set(client.run(lambda: __import__("os").getpid()).values())
    assert len(workers) == 2
    for p, s in zip(ps, got, strict=True):
        assert check(p, s) == []
        assert s.kpis.served == 4
