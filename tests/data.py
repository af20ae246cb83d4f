"""The data the tests read: what ships in the package and what the repository keeps under
``benchmarks/data`` — never a user's data directory, so a test cannot pass on data that ships nowhere."""

from __future__ import annotations

from pathlib import Path

from medroute.datadir import checkout_data_dir, package_data_dir

PACKAGE_DATA = package_data_dir()
_repo = checkout_data_dir()
assert _repo is not None, "the tests run from a source checkout, which holds benchmarks/data"
REPO_DATA: Path = _repo


def data_path(rel: str) -> Path:
    """``rel`` in the package's data, else in the repository's ``benchmarks/data``."""
    for base in (PACKAGE_DATA, REPO_DATA):
        if (base / rel).exists():
            return base / rel
    raise AssertionError(f"{rel} ships neither in the package nor in benchmarks/data")
