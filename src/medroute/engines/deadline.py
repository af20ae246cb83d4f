"""Run a computation in a forked child that is killed at a deadline.

Used where native code may overrun its own time limit (OR-Tools' first solution inside
:class:`~medroute.engines.auto.AutoEngine`, VROOM's construction, which does not check its
timeout) so that the engine still holds ``time_limit``.
"""

from __future__ import annotations

import multiprocessing
import sys
import warnings
from collections.abc import Callable

from .base import EngineResult


def kill_grace(time_limit: float) -> float:
    """Seconds a child may run past its deadline before it is killed: ``min(0.5, 4 %)`` of
    ``time_limit``, inside the 5 % + 1 s an engine may exceed it by, so that native code stopping
    at its own timeout can still hand its result back."""
    return min(0.5, 0.04 * time_limit)


def run_with_deadline(fn: Callable[[], EngineResult], seconds: float) -> EngineResult | None:
    """``fn()``, or ``None`` if it has not returned after ``seconds``.

    On Linux ``fn`` runs in a forked child that is killed at the deadline, so that native code
    overrunning its own time limit (or holding the GIL) cannot make the caller overrun its
    budget; elsewhere it runs in-process. Exceptions in ``fn`` are raised again here. The result
    comes back pickled, so ``fn`` should return plain routes, not solver objects.
    """
    if not sys.platform.startswith("linux"):
        return fn()
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            send.send(fn())
        except BaseException as exc:
            send.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
        finally:
            send.close()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork of a threaded process: child only computes
        proc = ctx.Process(target=child, daemon=True)
        proc.start()
    send.close()
    out: object = None
    try:
        if recv.poll(max(0.0, seconds)):
            out = recv.recv()
    except EOFError:
        out = None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        recv.close()
    if isinstance(out, BaseException):
        raise out
    return out if isinstance(out, EngineResult) else None
