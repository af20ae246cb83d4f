"""Reproducible benchmark results: a ``meta.json`` beside every study's tables and figures.

A *study* is one folder of results, ``benchmarks/results/<study>/``, regenerated whole by one
make target (``make bench-<study>``). Every benchmark script wraps its work in :func:`study`,
which records, in the folder's ``meta.json``, what is needed to reproduce and to judge the
figures: the command line, the git commit and whether the tree was dirty, the versions of
medroute, Python and the solver libraries, the machine (CPU model, cores, memory, load average
at the start and at the end) and the dates::

    from medroute.bench.results import study

    with study(args.out, part=args.set, merge=args.merge):
        records = run(args)          # writes its tables and figures into args.out

A folder written by several commands (one per literature set, say) keeps one entry per
``part``: a later run of the same part replaces its entry, or, with ``merge=True`` (a rerun of
some engines into an existing table), is added beside it. ``python -m medroute.bench.results
DIR`` lists the studies under ``DIR`` and the folders with results but no ``meta.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

META_FILE = "meta.json"
"""Name of the record written into every study folder."""

PACKAGES = ("medroute", "numpy", "scipy", "ortools", "pyvrp", "pyvroom", "numba", "networkx", "osmnx",
            "dask", "distributed", "matplotlib")
"""Distributions whose versions are recorded (``null`` when not installed)."""

ENVIRONMENT = ("MEDROUTE_DATA", "MEDROUTE_CACHE", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS")
"""Environment variables that change what a benchmark reads or how fast it runs."""

TARGET_VARIABLE = "MEDROUTE_BENCH_TARGET"
"""Set by the Makefile's ``bench-*`` targets: the target recorded as ``make_target``."""


@dataclass(slots=True)
class StudyRun:
    """One command's entry in a study's ``meta.json``, open while the command runs.

    Attributes
    ----------
    folder
        The study folder (created).
    entry
        The record written for this command; add keys to it (``run.entry["time_limit_s"] = 10``)
        and they are written when the run ends.
    """

    folder: Path
    entry: dict[str, Any]
    started: float = field(default_factory=time.perf_counter)

    def end(self, status: str, error: str | None = None) -> None:
        """Close the entry: status, end date, wall time, load average and files written."""
        self.entry.update(status=status, finished_utc=_now(), wall_s=round(time.perf_counter() - self.started, 1))
        self.entry["machine"]["load_end"] = _load()
        self.entry["files"] = sorted(str(p.relative_to(self.folder)) for p in self.folder.rglob("*")
                                     if p.is_file() and p.name != META_FILE)
        if error:
            self.entry["error"] = error[:500]
        _update(self.folder, self.entry, merge=True)


@contextlib.contextmanager
def study(folder: Path | str, *, part: str = "", merge: bool = False, command: str | None = None,
          **fields: Any) -> Iterator[StudyRun]:
    """Record the command running in the block in ``folder/meta.json``.

    The entry is written when the block starts (status ``running``, so a run that dies leaves a
    trace) and completed when it ends: ``done``, or ``failed`` with the exception, which is
    re-raised (``SystemExit`` with a status other than 0 counts as failed). Before the block,
    :func:`warm_core` compiles the ``alns`` core where this machine has not (a fresh checkout), so
    no run times that compile; the entry's ``alns_compiled_s`` says how long it took.

    Parameters
    ----------
    folder
        The study folder; created if missing. A path to a file is taken as its parent folder.
    part
        Which part of the study this command writes (e.g. the literature set); entries of other
        parts are kept.
    merge
        Keep the earlier entries of the same part (the command adds runs to their tables)
        instead of replacing them.
    command
        The command line to record; default: this process's (``python`` + ``sys.argv``).
    **fields
        Extra keys for the entry (budgets, seeds, ...), JSON-serialisable.

    Yields
    ------
    StudyRun
        The open entry.
    """
    path = Path(folder)
    path = path.parent if path.suffix else path
    path.mkdir(parents=True, exist_ok=True)
    entry = describe(command=command, part=part, **fields)
    run = StudyRun(path, entry)
    _update(path, entry, merge=merge)
    try:
        compiled = warm_core()
        if compiled is not None:
            entry["alns_compiled_s"] = compiled
        yield run
    except SystemExit as exc:  # a script's ``raise SystemExit(main())`` inside the block
        run.end("done" if exc.code in (0, None) else "failed", None if exc.code in (0, None) else f"exit {exc.code}")
        raise
    except BaseException as exc:
        run.end("failed", f"{type(exc).__name__}: {exc}")
        raise
    run.end("done")


def warm_core() -> float | None:
    """Compile the ``alns`` engine's numba core unless this machine has it cached
    (:func:`medroute.engines.alns.ready`): seconds the compile took, ``None`` when it was ready."""
    from ..engines import alns

    if alns.ready():
        return None
    t0 = time.perf_counter()
    alns.warm_up()
    return round(time.perf_counter() - t0, 1)


def describe(*, command: str | None = None, part: str = "", **fields: Any) -> dict[str, Any]:
    """What a ``meta.json`` entry records about this process, its code and its machine.

    Parameters
    ----------
    command
        The command line; default: this process's.
    part
        The study part the command writes.
    **fields
        Extra keys.

    Returns
    -------
    dict
        ``part``, ``command``, ``make_target``, ``status`` (``running``), ``started_utc``,
        ``git`` (``commit``, ``branch``, ``dirty``, ``changed``), ``versions``, ``machine``
        (``cpu``, ``cores``, ``memory_gib``, ``platform``, ``load_start``), ``environment``
        and the extra keys.
    """
    return {
        "part": part,
        "command": command or _command_line(),
        "make_target": os.environ.get(TARGET_VARIABLE),
        "status": "running",
        "started_utc": _now(),
        "git": git_state(),
        "versions": versions(),
        "machine": machine(),
        "environment": {k: os.environ[k] for k in ENVIRONMENT if k in os.environ},
        "id": uuid.uuid4().hex,
        **fields,
    }


def versions(packages: Sequence[str] = PACKAGES) -> dict[str, str | None]:
    """Python's version and each installed distribution's, ``None`` where one is missing."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def machine() -> dict[str, Any]:
    """CPU model, usable cores, memory, platform and the load average now (1, 5, 15 min)."""
    return {
        "cpu": _cpu_model(),
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": _memory_gib(),
        "platform": platform.platform(),
        "load_start": _load(),
    }


def git_state(root: Path | None = None) -> dict[str, Any]:
    """The checkout's commit and branch, and the files changed since (results folders excluded).

    Parameters
    ----------
    root
        A folder inside the checkout; default: the one medroute is imported from.

    Returns
    -------
    dict
        ``commit`` and ``branch`` (``None`` outside a git checkout), ``dirty`` and the first 20
        ``changed`` paths, untracked files included, ``benchmarks/results/`` left out.
    """
    where = root or Path(__file__).resolve().parent

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=where, capture_output=True, text=True, timeout=30, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.rstrip("\n")

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "branch": None, "dirty": None, "changed": []}
    status = git("status", "--porcelain", "--untracked-files=all")
    changed = [line[3:] for line in (status or "").splitlines()
               if not line[3:].startswith("benchmarks/results/")]
    return {"commit": commit, "branch": git("rev-parse", "--abbrev-ref", "HEAD"), "dirty": bool(changed),
            "changed": changed[:20]}


def read(folder: Path | str) -> dict[str, Any] | None:
    """The study record in ``folder``, or ``None`` when it has none."""
    path = Path(folder) / META_FILE
    if not path.is_file():
        return None
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def survey(root: Path | str) -> tuple[dict[Path, dict[str, Any]], list[Path]]:
    """Study folders under ``root`` with their records, and folders holding results without one.

    Parameters
    ----------
    root
        Usually ``benchmarks/results``.

    Returns
    -------
    tuple
        ``{folder: record}`` for every folder with a ``meta.json``, and the sorted folders (and
        loose files directly under ``root``) that hold result files but are under no
        ``meta.json``.
    """
    root = Path(root)
    studies = {p.parent: doc for p in sorted(root.rglob(META_FILE)) if (doc := read(p.parent)) is not None}
    missing: set[Path] = set()
    for p in root.rglob("*"):
        if not p.is_file() or p.name == META_FILE:
            continue
        if not any(p.is_relative_to(folder) for folder in studies):
            missing.add(p if p.parent == root else p.parent)
    return studies, sorted(missing)


def _update(folder: Path, entry: Mapping[str, Any], *, merge: bool) -> None:
    """Write ``entry`` into ``folder/meta.json`` under a lock: it replaces the entry of the same
    process, and the entries of its part unless ``merge``."""
    import fcntl
    import hashlib
    import tempfile

    path = folder / META_FILE
    key = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:16]
    with (Path(tempfile.gettempdir()) / f"medroute-meta-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        doc = read(folder) or {}
        runs = [r for r in doc.get("runs", [])
                if not _same_run(r, entry) and (merge or r.get("part", "") != entry["part"])]
        doc = {"study": folder.name, "runs": [*runs, dict(entry)]}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        tmp.replace(path)


def _same_run(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return bool(a.get("id") == b["id"])


def _command_line() -> str:
    argv = list(sys.argv)
    if argv and argv[0].endswith(".py"):
        with contextlib.suppress(ValueError):
            argv[0] = str(Path(argv[0]).resolve().relative_to(Path.cwd()))
        return shlex.join(["python", *argv])
    if argv:
        argv[0] = Path(argv[0]).name
    return shlex.join(argv)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """List the studies under a results folder; exit 1 if some results have no ``meta.json``."""
    import argparse

    ap = argparse.ArgumentParser(description="List benchmark studies and results without a meta.json.")
    ap.add_argument("root", nargs="?", default="benchmarks/results")
    args = ap.parse_args(argv)
    studies, missing = survey(args.root)
    for folder, doc in studies.items():
        for run in doc.get("runs", []):
            git = run.get("git") or {}
            commit = (git.get("commit") or "?")[:9] + ("+dirty" if git.get("dirty") else "")
            date = run.get("started_utc")
            if imported := run.get("committed_in"):  # results made before meta.json: the commit holding them
                commit, date = f"committed in {imported['commit'][:9]}", imported["date"]
            print(f"{folder}  [{run.get('part') or '-'}] {run.get('status')} {date} {commit}\n"
                  f"    {run.get('command')}")
    for path in missing:
        print(f"no {META_FILE}: {path}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
