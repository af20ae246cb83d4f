"""What the command line checks before it works: input files it can read, output folders it can
write, and travel matrices that fit in memory.

Every failure raises :class:`UsageError` (exit code 2, see ``docs/cli.md``) with one sentence
naming the option and the path; nothing here prints.
"""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .errors import MedrouteError

T = TypeVar("T")

PEAK_BYTES_PER_CELL = {"haversine": 48, "osm": 85, "osrm": 370, "matrix": 24}
"""Peak bytes per travel-matrix cell while it is built and compiled, by backend: haversine 48 and
osm 85 (tracemalloc, 1,008 locations of the ``surge`` day: 48.0 and 84.7), osrm 370 (peak
resident memory, ``benchmarks/matrix_memory.py``: 367–368 bytes on 982 and 1,915 locations of
``probolinggo``, where haversine measures 48 and osm 36–49); ``matrix`` selects from a matrix
already in memory. 20,000 orders on haversine: about 19 GB."""


class UsageError(MedrouteError, ValueError):
    """A command-line input or output the command cannot use (exit code 2)."""


# Errors a reader raises on a file that is not what it should be (a directory, a truncated
# archive, XML that does not parse, JSON nested deeper than the parser recurses).
_UNREADABLE = (OSError, ValueError, EOFError, KeyError, SyntaxError, RecursionError, zipfile.BadZipFile)


def read_input(option: str, path: Path, reader: Callable[[Path], T], *, what: str) -> T:
    """``reader(path)``, turning a file the reader cannot use into a :class:`UsageError`.

    Parameters
    ----------
    option
        The command-line option or argument that named the file (for the message).
    path
        The file.
    reader
        Reads it; its own :class:`~medroute.errors.MedrouteError` passes through, prefixed
        with the path when the message does not name it.
    what
        What the file should hold, e.g. ``"a problem JSON"``.
    """
    if not path.exists():
        raise UsageError(f"{option}: file {str(path)!r} does not exist")
    if path.is_dir():
        raise UsageError(f"{option}: {str(path)!r} is a folder, expected {what}")
    try:
        return reader(path)
    except MedrouteError as exc:
        text = str(exc)
        if text.startswith(option):
            raise
        where = "" if str(path) in text else f"{str(path)!r}: "
        raise type(exc)(f"{option}: {where}{text}") from None
    except _UNREADABLE as exc:
        detail = "nested too deeply" if isinstance(exc, RecursionError) else f"{type(exc).__name__}: {exc}"
        raise UsageError(f"{option}: cannot read {str(path)!r} as {what} ({detail[:200]})") from None


def prepare_out_dir(path: Path, option: str = "-o/--out") -> Path:
    """Create the output folder ``path`` (parents included) and make sure it can be written."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option}: {str(path)!r} is a file, expected a folder (it would be overwritten)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{option}: cannot create the folder {str(path)!r} ({exc.strerror or exc})") from None
    probe = path / f".medroute-write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"{option}: cannot write into {str(path)!r} ({exc.strerror or exc})") from None
    return path


def fresh_folder(prefix: str, parent: Path | None = None) -> Path:
    """A folder name that does not exist yet: ``<parent>/<prefix>-YYYYMMDD-HHMMSS[-k]``."""
    base = (parent or Path.cwd()) / f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


def available_memory_bytes() -> int:
    """Memory the system can give without swapping (``MemAvailable``), else its physical memory."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 1 << 62


def check_matrix_memory(locations: int, profiles: int, *, orders: int, backend: str = "haversine",
                        available: int | None = None) -> None:
    """Refuse, before allocating, a travel matrix that would not fit in memory.

    Parameters
    ----------
    locations
        Distinct locations of the problem (rows of the matrix).
    profiles
        Travel profiles (one matrix each).
    orders
        Orders of the problem (for the message).
    backend
        The travel backend's name (see :data:`PEAK_BYTES_PER_CELL`).
    available
        Bytes of memory available (default: :func:`available_memory_bytes`).

    Raises
    ------
    UsageError
        The estimate (:data:`PEAK_BYTES_PER_CELL`) exceeds what is available.
    """
    need = PEAK_BYTES_PER_CELL.get(backend, 48) * locations * locations * max(1, profiles)
    free = available_memory_bytes() if available is None else available
    if need <= free:
        return
    raise UsageError(
        f"{orders:,} orders need a {locations:,} × {locations:,} travel matrix"
        f"{f' for each of {profiles} profiles' if profiles > 1 else ''}, about {need / 1e9:.1f} GB while it is "
        f"built, but only {free / 1e9:.1f} GB of memory is available: split the day into smaller problems "
        "(by pharmacy, area or hour) and plan each one, or run on a machine with more memory")
