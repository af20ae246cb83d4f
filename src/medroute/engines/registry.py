"""Engines by name: ``"greedy"``, ``"ortools"``, ``"pyvrp"``, ``"auto"``, ``"vroom"``, ``"alns"``,
``"decompose"``.

Each engine's module is imported only when it is asked for, so a missing optional dependency
(or a module not in this tree) surfaces as an :class:`~medroute.errors.EngineError` that names
the engine and the cause, never as a silent fallback to another engine.
"""

from __future__ import annotations

import importlib

from ..errors import EngineError
from .base import Engine

ENGINES: dict[str, tuple[str, str]] = {
    "greedy": ("medroute.engines.greedy", "GreedyEngine"),
    "ortools": ("medroute.engines.ortools", "OrToolsEngine"),
    "pyvrp": ("medroute.engines.pyvrp", "PyVrpEngine"),
    "auto": ("medroute.engines.portfolio.auto", "AutoEngine"),
    "vroom": ("medroute.engines.vroom", "VroomEngine"),
    "alns": ("medroute.engines.alns", "AlnsEngine"),
    "decompose": ("medroute.decompose.engine", "DecomposeEngine"),
}
"""Engine name → (module, class). The class is built with no arguments."""


def engine_names() -> tuple[str, ...]:
    """Every registered engine name, available or not."""
    return tuple(ENGINES)


def check_name(name: str) -> None:
    """Refuse an engine name that is not registered, without importing any engine.

    Raises
    ------
    EngineError
        If ``name`` is unknown; the message lists every registered name.
    """
    if name not in ENGINES:
        raise EngineError(f"engine {name!r}: unknown engine; choose one of {', '.join(ENGINES)}")


def get_engine(name: str) -> Engine:
    """A fresh engine registered under ``name``.

    Raises
    ------
    EngineError
        If ``name`` is unknown, or its module (or a dependency of it) cannot be imported.
    """
    check_name(name)
    module_name, cls_name = ENGINES[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise EngineError(f"engine {name!r} is not available: {exc}") from exc
    cls = getattr(module, cls_name, None)
    if cls is None:
        raise EngineError(f"engine {name!r} is not available: {module_name} defines no {cls_name}")
    engine = cls()
    if not isinstance(engine, Engine):
        raise EngineError(f"engine {name!r}: {cls_name} does not satisfy the Engine protocol")
    return engine


def available_engines() -> tuple[str, ...]:
    """Names of the engines whose modules import in this environment."""
    out = []
    for name in ENGINES:
        try:
            get_engine(name)
        except EngineError:
            continue
        out.append(name)
    return tuple(out)
