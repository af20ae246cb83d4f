"""The API reference (docs/api.md, mkdocstrings) renders every public module, so every public
name: a module is public unless it is private (``_name``) or listed in INTERNAL with a reason."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import medroute

API = Path(__file__).resolve().parents[1] / "docs" / "api.md"

INTERNAL = {
    "medroute.cli": "the command line: docs/cli.md",
    "medroute.cli_files": "the command line: docs/cli.md",
    "medroute.bench_cli": "the command line: docs/cli.md",
    "medroute.simulate_cli": "the command line: docs/cli.md",
    "medroute.jsonpath": "the JSON readers' field access",
    "medroute.insertion": "the engines' and dispatcher's shared insertion moves",
    "medroute.engines.deadline": "the engines' shared clock guard",
    "medroute.scenarios.banyuwangi": "the scenario generators behind medroute.scenarios.load",
    "medroute.scenarios.facilities": "the scenario generators behind medroute.scenarios.load",
}


def _documented() -> set[str]:
    return set(re.findall(r"^::: (\S+)\s*$", API.read_text(encoding="utf-8"), re.M))


def _public_modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(medroute.__path__, "medroute.")]
    return [n for n in names if not any(part.startswith("_") for part in n.split("."))]


def test_every_public_module_is_in_the_api_reference() -> None:
    missing = [m for m in _public_modules() if m not in _documented() and m not in INTERNAL]
    assert missing == [], f"add to docs/api.md: {missing}"


def test_every_name_the_packages_export_lives_in_a_documented_module() -> None:
    documented = _documented()
    for package in ("medroute", "medroute.travel", "medroute.io", "medroute.engines", "medroute.scenarios"):
        mod = importlib.import_module(package)
        for name in dir(mod):
            obj = getattr(mod, name)
            home = getattr(obj, "__module__", None)
            if name.startswith("_") or not callable(obj) or not (home or "").startswith("medroute"):
                continue
            assert home in documented, f"{package}.{name} lives in {home}, which docs/api.md does not render"


def test_the_names_issue_20_found_missing_are_documented() -> None:
    from medroute.io import vroom, vrplib
    from medroute.outputs import write_outputs
    from medroute.travel import CachedBackend, backend

    documented = _documented()
    for obj in (CachedBackend, backend, write_outputs):
        assert obj.__module__ in documented
    assert {vroom.__name__, vrplib.__name__} <= documented


def test_star_import_binds_the_public_names_only() -> None:
    namespace: dict[str, object] = {}
    exec("from medroute import *", namespace)  # what a notebook's first cell does
    bound = {name for name in namespace if not name.startswith("__")}
    assert bound == set(medroute.__all__)
    assert "compile" not in bound and "logging" not in bound  # no builtin shadowed, no stray module


def test_every_name_in_all_is_a_public_object_of_the_package() -> None:
    assert len(set(medroute.__all__)) == len(medroute.__all__)
    for name in medroute.__all__:
        obj = getattr(medroute, name)
        assert not isinstance(obj, type(medroute)), f"medroute.{name} is a module"
    exported = {name for name, obj in vars(medroute).items()
                if not name.startswith("_") and not isinstance(obj, type(medroute))}
    assert exported == set(medroute.__all__)
