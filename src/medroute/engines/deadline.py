"""Run a computation in a forked child that is killed at a deadline.

Used where native code overruns its own time limit (VROOM's construction does not check its
timeout) so that the engine still holds its clock. Where a process may not fork (a daemonic
worker such as a process pool's or Dask's, or outside Linux) it runs in-process instead:
:func:`can_fork` says which, and the caller records it.
"""

from __future__ import annotations

import multiprocessing
import sys
import warnings
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def kill_grace(seconds: float) -> float:
    """Seconds a child may run past its deadline of ``seconds`` before it is killed: half a
    second and 4 % of ``seconds``, inside the 5 % + 1 s an engine may exceed its clock by, so that
    native code stopping a little late at its own limit can still hand its result back and half a
    second is left for what follows the search (re-timing, explaining, checking)."""
    return 0.5 + 0.04 * max(0.0, seconds)


def can_fork() -> bool:
    """Whether :func:`run_with_deadline` can use a killable child here: Linux, and not inside a
    daemonic process (``multiprocessing`` forbids those children)."""
    return sys.platform.startswith("linux") and not multiprocessing.current_process().daemon


def run_with_deadline(fn: Callable[[], T], seconds: float, *, engine: str, notes: list[str]) -> T | None:
    """``fn()``, or ``None`` if it has not returned :func:`kill_grace` after ``seconds``.

    Where :func:`can_fork`, ``fn`` runs in a forked child that is killed then, so that native code
    overrunning its own time limit (or holding the GIL) cannot make the caller overrun its budget;
    elsewhere it runs in-process and ``notes`` gets a line saying that ``engine``'s own clock checks
    alone hold the limit. Exceptions in ``fn`` are raised again here. The result comes back
    pickled, so ``fn`` should return plain routes, not solver objects; ``None`` from ``fn`` is
    indistinguishable from a kill.
    """
    if not can_fork():
        note = f"{engine}: no child process here (a daemonic worker); its own clock checks alone hold the limit"
        if note not in notes:
            notes.append(note)
        return fn()
    return _in_child(fn, max(0.0, seconds) + kill_grace(seconds))


def _in_child(fn: Callable[[], T], seconds: float) -> T | None:
    """``fn()`` in a forked child killed after ``seconds`` (``None`` then)."""
    return Child(fn).result(seconds)


class Child(Generic[T]):
    """``fn()`` started in a forked child at once; :meth:`result` waits for it.

    Parameters
    ----------
    fn
        What the child computes; its result comes back pickled.
    daemon
        Whether the child is daemonic (a daemonic child cannot fork children of its own, so an
        engine inside it cannot use :func:`run_with_deadline`'s child).
    """

    def __init__(self, fn: Callable[[], T], *, daemon: bool = True) -> None:
        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)

        def child() -> None:
            try:
                send.send(fn())
            except BaseException as exc:
                send.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
            finally:
                send.close()

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork of a threaded process: child only computes
            self._proc = ctx.Process(target=child, daemon=daemon)
            self._proc.start()
        send.close()

    def result(self, seconds: float) -> T | None:
        """``fn()``'s result, or ``None`` if it has not come within ``seconds`` (the child is
        killed then). Exceptions in ``fn`` are raised again here. Call once."""
        out: T | BaseException | None = None
        try:
            if self._recv.poll(max(0.0, seconds)):
                out = self._recv.recv()
        except EOFError:
            out = None
        finally:
            self.kill()
        if isinstance(out, BaseException):
            raise out
        return out

    def kill(self) -> None:
        """Kill the child if it still runs and release it (its result is dropped)."""
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()
        self._recv.close()
