"""The literature sets: where they live and which reader reads each; ``io`` imports in one direction."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import medroute.io
from medroute.io import KINDS, read_instance
from medroute.io.darp import read_darp
from medroute.io.lilim import read_lilim
from medroute.io.literature import LiteratureInstance
from medroute.io.solomon import read_solomon

IO = Path(medroute.io.__file__).parent


def _imports(module: Path) -> set[str]:
    """The ``medroute.io`` modules ``module`` imports (relative imports, any depth in the file)."""
    out = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_the_io_modules_import_each_other_without_a_cycle() -> None:
    graph = {p.stem: _imports(p) for p in IO.glob("*.py") if p.stem != "__init__"}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import cycle: {' -> '.join((*path, name))}"
        if name in done:
            return
        for dep in graph.get(name, ()):
            visit(dep, (*path, name))
        done.add(name)

    for name in graph:
        visit(name, ())
    assert "literature" in graph and not graph["literature"] & {"lilim", "solomon", "darp"}


@pytest.mark.parametrize(("kind", "reader"), list(zip(KINDS, (read_lilim, read_solomon, read_darp), strict=True)))
def test_read_instance_uses_the_reader_of_its_set(kind: str, reader: Callable[..., LiteratureInstance],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    read: Any = object()

    def stand_in(path: str) -> Any:
        seen.append(path)
        return read

    monkeypatch.setattr(f"medroute.io.sets.{reader.__name__}", stand_in)
    assert read_instance("x.txt", kind) is read
    assert seen == ["x.txt"]


def test_an_unknown_set_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="choose one of lilim, solomon, darp"):
        read_instance("x.txt", "tsplib")
