"""runner: one interface over an Executor, a Dask Client, or this process."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from medroute.runner import DaskRunner, ExecutorRunner, InlineRunner, is_dask_client, runner_for


def half(x: int) -> float:
    if x < 0:
        raise ValueError(f"negative: {x}")
    return x / 2


def run_all(runner: object, xs: list[int]) -> list[tuple[object, str]]:
    handles = {runner.submit(half, x): i for i, x in enumerate(xs)}  # type: ignore[attr-defined]
    out: list[tuple[object, str]] = [(None, "")] * len(xs)
    while handles:
        for h in runner.wait_any(list(handles)):  # type: ignore[attr-defined]
            value, error = runner.outcome(h)  # type: ignore[attr-defined]
            out[handles.pop(h)] = (value, type(error).__name__ if error else "")
    return out


EXPECTED = [(1.0, ""), (None, "ValueError"), (3.0, "")]


def test_inline_and_executor_runners_report_each_task_failure_alone() -> None:
    assert isinstance(runner_for(None, max_workers=1), InlineRunner)
    assert run_all(InlineRunner(), [2, -1, 6]) == EXPECTED
    with ThreadPoolExecutor(3) as pool:
        runner = runner_for(pool)
        assert isinstance(runner, ExecutorRunner) and runner.workers == 3
        assert run_all(runner, [2, -1, 6]) == EXPECTED
    with pytest.raises(TypeError, match="Executor or a Dask Client"):
        runner_for(object())


def test_a_dask_client_gets_futures_and_shared_data_scattered_once() -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client:
        assert is_dask_client(client)
        runner = runner_for(client)
        assert isinstance(runner, DaskRunner) and runner.workers == 2
        assert run_all(runner, [2, -1, 6]) == EXPECTED
        data = {"graph": list(range(1000))}
        first, again = runner.share(data), runner.share(data)
        assert first is again and len(client.who_has(first)) == 1
        assert runner.outcome(runner.submit(len, first)) == (1, None)  # the worker got the dict itself
