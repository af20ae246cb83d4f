"""Where medroute reads its data files: your data directory first, then what ships.

A data file is named by its path relative to a data directory, e.g.
``banyuwangi/banyuwangi_faskes_20.geojson``. It is looked up in this order, first hit wins:

1. the ``data_dir`` argument of the function that reads it (e.g. ``scenarios.load(..., data_dir=)``);
2. :data:`settings` ``.data_dir`` (set it in code, or with ``medroute --data-dir DIR ...``);
3. the environment variable ``$MEDROUTE_DATA``;
4. the package's own data, ``medroute/data/`` (the Banyuwangi files: they ship in the wheel);
5. in a source checkout only, the repository's ``benchmarks/data/`` (literature instances and the
   stand-in towns, which do not ship in the wheel).

Nothing else is searched (no directory beside the checkout). A directory of steps 1–3 overlays
the shipped data: it may hold only the files you want to replace or add.
``docs/data.md`` lists what ships, its sources and licences, and how to bring your own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import MedrouteError

ENV_VAR = "MEDROUTE_DATA"
DOCS_HINT = "see docs/data.md"
"""Appended to every 'not found' message."""


class DataNotFoundError(MedrouteError, FileNotFoundError):
    """A data directory, or a data file in every place searched, does not exist."""


@dataclass
class DataSettings:
    """Process-wide data settings.

    Attributes
    ----------
    data_dir
        A data directory searched before ``$MEDROUTE_DATA`` and the shipped data; ``None`` = none.
    """

    data_dir: Path | None = None


settings = DataSettings()
"""The process-wide :class:`DataSettings` (``medroute.datadir.settings.data_dir = Path(...)``)."""


def package_data_dir() -> Path:
    """The data that ships inside the package (``medroute/data``)."""
    return Path(str(resources.files("medroute").joinpath("data")))


def checkout_data_dir() -> Path | None:
    """The repository's ``benchmarks/data`` when medroute runs from a source checkout, else ``None``."""
    root = Path(__file__).resolve().parents[2]
    path = root / "benchmarks" / "data"
    return path if (root / "pyproject.toml").is_file() and path.is_dir() else None


def _existing_dir(path: Path | str, what: str) -> Path:
    p = Path(path).expanduser()
    if not p.is_dir():
        raise DataNotFoundError(f"data directory: {what}={str(path)!r} is not a directory ({DOCS_HINT})")
    return p


def user_data_dir(data_dir: Path | str | None = None) -> Path | None:
    """The user's data directory: ``data_dir``, else :data:`settings`, else ``$MEDROUTE_DATA``, else ``None``.

    Raises
    ------
    DataNotFoundError
        The directory named is not a directory.
    """
    if data_dir is not None:
        return _existing_dir(data_dir, "data_dir")
    if settings.data_dir is not None:
        return _existing_dir(settings.data_dir, "settings.data_dir")
    env = os.environ.get(ENV_VAR)
    return _existing_dir(env, f"${ENV_VAR}") if env else None


def search_path(data_dir: Path | str | None = None) -> tuple[Path, ...]:
    """The directories searched for a data file, in order (see the module docstring)."""
    user = user_data_dir(data_dir)
    found = [user] if user is not None else []
    found.append(package_data_dir())
    checkout = checkout_data_dir()
    if checkout is not None:
        found.append(checkout)
    return tuple(found)


def find(rel: str, data_dir: Path | str | None = None) -> Path | None:
    """The first existing ``rel`` (a file or a folder) along :func:`search_path`, or ``None``."""
    for base in search_path(data_dir):
        path = base / rel
        if path.exists():
            return path
    return None


def data_file(rel: str, data_dir: Path | str | None = None, *, needed_by: str = "") -> Path:
    """``rel`` along :func:`search_path`.

    Parameters
    ----------
    rel
        Path relative to a data directory, with ``/`` separators.
    data_dir
        A data directory searched first.
    needed_by
        Who needs it, for the error message (e.g. ``"scenario 'pancer'"``).

    Raises
    ------
    DataNotFoundError
        ``rel`` exists in none of the places searched; the message names them.
    """
    path = find(rel, data_dir)
    if path is None:
        where = ", ".join(str(p) for p in search_path(data_dir))
        who = f"{needed_by} needs " if needed_by else ""
        raise DataNotFoundError(f"{who}the data file {rel}, found in none of: {where} "
                                f"(set ${ENV_VAR} or --data-dir to a directory holding it; {DOCS_HINT})")
    return path
