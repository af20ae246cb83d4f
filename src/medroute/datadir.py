"""Where shared data (road graphs, literature benchmarks) is read from, in place.

The directory is ``$MEDROUTE_DATA`` when set, else ``../shared/data`` next to the current
directory or next to the source checkout, when it exists. Data is never copied into the project.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import MedrouteError

ENV_VAR = "MEDROUTE_DATA"


class DataNotFoundError(MedrouteError, FileNotFoundError):
    """The data directory, or a file inside it, does not exist."""


def data_dir(*, required: bool = False) -> Path | None:
    """The data directory, or ``None`` when there is none (``required`` raises instead)."""
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if path.is_dir():
            return path
        raise DataNotFoundError(f"data directory: ${ENV_VAR}={env!r} is not a directory")
    candidates = [Path.cwd() / ".." / "shared" / "data", Path(__file__).resolve().parents[3] / "shared" / "data"]
    candidates.append(Path(__file__).resolve().parents[2] / ".." / "shared" / "data")
    for path in candidates:
        if path.is_dir():
            return path.resolve()
    if required:
        raise DataNotFoundError(
            f"data directory: set ${ENV_VAR} or place the data at ../shared/data "
            "(see docs/data.md); none was found"
        )
    return None


def data_file(*parts: str) -> Path:
    """A file under the data directory; raises :class:`DataNotFoundError` naming it if absent."""
    root = data_dir(required=True)
    assert root is not None
    path = root.joinpath(*parts)
    if not path.exists():
        raise DataNotFoundError(f"data file: {path} does not exist")
    return path
