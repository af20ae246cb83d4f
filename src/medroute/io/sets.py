"""Where the literature sets live and which reader reads each: :func:`instance_paths`,
:func:`bks_path`, :func:`read_instance`, :func:`iter_instances`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..datadir import data_file
from .darp import read_darp
from .lilim import read_lilim
from .literature import KINDS, Kind, LiteratureInstance
from .solomon import read_solomon

_SETS: dict[str, tuple[str, str | None]] = {
    "lilim": ("literature/lilim/pdp_100", "literature/lilim/bks.csv"),
    "solomon": ("literature/solomon/solomon_100", "literature/solomon/bks.csv"),
    "darp": ("literature/darp/cordeau_2006", None),
}
"""Set → (instance folder, best-known-solution table) relative to a data directory: the repository's
``benchmarks/data`` holds them (``docs/data.md``)."""


def _check_kind(kind: str) -> Kind:
    if kind not in _SETS:
        raise ValueError(f"literature set {kind!r}: choose one of {', '.join(KINDS)}")
    return kind  # type: ignore[return-value]


def instance_paths(kind: str, *, root: str | Path | None = None) -> list[Path]:
    """The instance files of set ``kind`` (``"lilim"``, ``"solomon"``, ``"darp"``), sorted.

    Parameters
    ----------
    kind
        The set.
    root
        A data directory searched first; then the usual places (:mod:`medroute.datadir`: the
        settings, ``$MEDROUTE_DATA``, a source checkout's ``benchmarks/data``).

    Raises
    ------
    DataNotFoundError
        The set is in none of those places (the instances do not ship in the wheel; ``docs/data.md``
        says where to get them).
    """
    folder = data_file(_SETS[_check_kind(kind)][0], root, needed_by=f"the literature set {kind!r}")
    return sorted(folder.glob("*.txt"))


def bks_path(kind: str, *, root: str | Path | None = None) -> Path | None:
    """The best-known-solution table of set ``kind``, or ``None`` (DARP has none in this format).

    Found as :func:`instance_paths` finds the instances; raises
    :class:`~medroute.datadir.DataNotFoundError` when absent.
    """
    rel = _SETS[_check_kind(kind)][1]
    if rel is None:
        return None
    return data_file(rel, root, needed_by=f"the literature set {kind!r}")


def read_instance(path: str | Path, kind: str) -> LiteratureInstance:
    """Read ``path`` with the reader of set ``kind``."""
    k = _check_kind(kind)
    if k == "lilim":
        return read_lilim(path)
    if k == "solomon":
        return read_solomon(path)
    return read_darp(path)


def iter_instances(kind: str, *, root: str | Path | None = None) -> Iterator[LiteratureInstance]:
    """Read every instance of set ``kind``, in the order of :func:`instance_paths`."""
    for p in instance_paths(kind, root=root):
        yield read_instance(p, kind)
