"""The API reference shows a description for every parameter of the main entry points, and no
docstring of the package writes a parameter the way numpydoc reads as a type.

mkdocstrings reads the docstrings as numpydoc (``mkdocs.yml``): a parameter written
``name : description`` on one line would render its description as a *type* and none below it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest

import medroute
from medroute.dispatch import Dispatcher

griffe = pytest.importorskip("griffe", reason="the docs extra reads numpydoc with griffe")


def documented(obj: Callable[..., Any]) -> dict[str, tuple[str, str]]:
    """Each parameter of ``obj``'s numpydoc docstring: its (annotation, description)."""
    doc = inspect.getdoc(obj) or ""
    sections = griffe.Docstring(doc, parser="numpy").parse(warnings=False)
    return {p.name: (str(p.annotation or ""), p.description) for s in sections
            if s.kind is griffe.DocstringSectionKind.parameters for p in s.value}


@pytest.mark.parametrize("obj", [medroute.solve, medroute.check, Dispatcher, medroute.Problem],
                         ids=lambda o: o.__name__)
def test_every_parameter_has_a_description_and_no_sentence_as_a_type(obj: Callable[..., Any]) -> None:
    params = documented(obj)
    for name in inspect.signature(obj).parameters:
        entry = next((v for k, v in params.items() if name in k.replace(" ", "").split(",")), None)
        assert entry is not None, f"{obj.__name__}: parameter {name!r} is not documented"
        annotation, description = entry
        assert description.strip(), f"{obj.__name__}: {name!r} has no description"
        assert " " not in annotation, f"{obj.__name__}: {name!r} has a sentence as its type: {annotation!r}"



def _public_objects() -> list[tuple[str, Any]]:
    """Every function, class and method defined in medroute's modules, by qualified name."""
    out = []
    for info in pkgutil.walk_packages(medroute.__path__, "medroute."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional dependency is not installed
            continue
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != module.__name__ or not callable(obj):
                continue
            out.append((f"{module.__name__}.{name}", obj))
            if inspect.isclass(obj):
                out += [(f"{module.__name__}.{name}.{m}", f) for m, f in vars(obj).items()
                        if inspect.isfunction(f) and f.__doc__]
    return out


def test_no_docstring_in_the_package_gives_a_parameter_a_sentence_as_its_type() -> None:
    kinds = (griffe.DocstringSectionKind.parameters, griffe.DocstringSectionKind.other_parameters,
             griffe.DocstringSectionKind.attributes)
    wrong = []
    for qualname, obj in _public_objects():
        doc = inspect.getdoc(obj) or ""
        if "----" not in doc:
            continue
        for section in griffe.Docstring(doc, parser="numpy").parse(warnings=False):
            if section.kind in kinds:
                wrong += [f"{qualname}: {p.name} : {p.annotation}" for p in section.value if p.annotation]
    assert not wrong, "written `name : description` (numpydoc reads a type): " + "; ".join(wrong[:10])
