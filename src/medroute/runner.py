"""Where tasks run: a :class:`concurrent.futures.Executor` or a Dask ``distributed.Client``,
behind one small interface (:class:`Runner`) for :mod:`medroute.batch` and
:mod:`medroute.decompose`.

* An ``Executor`` (a process pool, a thread pool, ``client.get_executor()``) runs what is
  submitted; shared data is pickled with every task.
* A Dask ``Client`` is used the idiomatic way: ``client.submit`` futures, shared data scattered
  once to every worker (``client.scatter(..., broadcast=True)``) and passed as a future, results
  waited for as they complete.
* ``None`` starts a process pool of ``max_workers`` (the machine's cores) — or runs tasks one by
  one in this process when that is one worker, or when this process is itself a daemonic pool or
  Dask worker, which may not start processes.

A task that raises does not stop the others: :meth:`Runner.outcome` returns its exception.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol


class Runner(Protocol):
    """What :mod:`medroute.batch` and :mod:`medroute.decompose` need from an executor."""

    workers: int
    """How many tasks run at once."""

    def share(self, value: Any) -> Any:
        """``value`` made available to every task (scattered on Dask; itself elsewhere)."""
        ...

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Start ``fn(*args)``; returns a handle."""
        ...

    def wait_any(self, handles: Iterable[Any]) -> list[Any]:
        """Block until at least one of ``handles`` is done; return the done ones."""
        ...

    def outcome(self, handle: Any) -> tuple[Any, BaseException | None]:
        """``(result, None)`` of a done task, or ``(None, exception)`` if it raised."""
        ...

    def close(self) -> None:
        """Release what the runner started (the default process pool)."""
        ...


class _Done:
    """A task already run in this process."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.error: BaseException | None = None
        self.result: Any = None
        try:
            self.result = fn(*args)
        except Exception as exc:  # reported by outcome(), as a pool would
            self.error = exc


class InlineRunner:
    """Runs each task when it is submitted, in this process."""

    workers = 1

    def share(self, value: Any) -> Any:
        return value

    def submit(self, fn: Callable[..., Any], *args: Any) -> _Done:
        return _Done(fn, args)

    def wait_any(self, handles: Iterable[Any]) -> list[Any]:
        return list(handles)

    def outcome(self, handle: Any) -> tuple[Any, BaseException | None]:
        return handle.result, handle.error

    def close(self) -> None:
        pass


class ExecutorRunner:
    """Tasks on a :class:`concurrent.futures.Executor`.

    Parameters
    ----------
    executor
        The executor.
    workers
        How many tasks it runs at once (default: what the executor says, else the cores).
    own
        Whether :meth:`close` shuts the executor down.
    """

    def __init__(self, executor: Executor, *, workers: int | None = None, own: bool = False) -> None:
        self.executor = executor
        self.workers = workers or _executor_workers(executor)
        self.own = own

    def share(self, value: Any) -> Any:
        return value

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        return self.executor.submit(fn, *args)

    def wait_any(self, handles: Iterable[Any]) -> list[Any]:
        done, _ = wait(list(handles), return_when=FIRST_COMPLETED)
        return list(done)

    def outcome(self, handle: Any) -> tuple[Any, BaseException | None]:
        error = handle.exception()
        return (None, error) if error is not None else (handle.result(), None)

    def close(self) -> None:
        if self.own:
            self.executor.shutdown()


class DaskRunner:
    """Tasks on a Dask cluster through its ``distributed.Client``: futures, data scattered once."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.workers = max(1, sum(client.nthreads().values()))
        self._shared: dict[int, Any] = {}

    def share(self, value: Any) -> Any:
        key = id(value)
        if key not in self._shared:
            self._shared[key] = (value, self.client.scatter(value, broadcast=True, hash=False))
        return self._shared[key][1]

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def wait_any(self, handles: Iterable[Any]) -> list[Any]:
        from distributed import wait as dask_wait

        done, _ = dask_wait(list(handles), return_when="FIRST_COMPLETED")  # type: ignore[no-untyped-call]
        return list(done)

    def outcome(self, handle: Any) -> tuple[Any, BaseException | None]:
        if handle.status == "error":
            return None, handle.exception()
        return handle.result(), None

    def close(self) -> None:
        self._shared.clear()


def is_dask_client(obj: Any) -> bool:
    """Whether ``obj`` is a Dask ``distributed.Client`` (duck-typed: no import of Dask)."""
    return all(hasattr(obj, name) for name in ("scatter", "submit", "gather", "nthreads"))


def in_daemon() -> bool:
    """Whether this process may not start child processes (a pool or Dask worker)."""
    return bool(multiprocessing.current_process().daemon)


def runner_for(executor: Executor | Any | None = None, *, max_workers: int | None = None) -> Runner:
    """The runner for ``executor``: an ``Executor``, a Dask ``Client``, or ``None`` (see the
    module docstring).

    Parameters
    ----------
    executor
        Where tasks run.
    max_workers
        For ``None``: processes to start (default: the machine's cores).
    """
    if executor is None:
        workers = max_workers or os.cpu_count() or 1
        if workers <= 1 or in_daemon():
            return InlineRunner()
        pool = ProcessPoolExecutor(max_workers=workers)
        return ExecutorRunner(pool, workers=workers, own=True)
    if is_dask_client(executor):
        return DaskRunner(executor)
    if isinstance(executor, Executor):
        return ExecutorRunner(executor, workers=max_workers)
    raise TypeError(f"executor: expected a concurrent.futures.Executor or a Dask Client, got {executor!r}")


def _executor_workers(executor: Executor) -> int:
    """Tasks ``executor`` runs at once: its ``_max_workers``, a Dask executor's threads, else the cores."""
    client = getattr(executor, "_client", None)
    if client is not None and hasattr(client, "nthreads"):
        return max(1, int(sum(client.nthreads().values())))
    workers = getattr(executor, "_max_workers", None)
    return int(workers) if isinstance(workers, int) and workers > 0 else os.cpu_count() or 1
