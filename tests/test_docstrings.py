"""The API reference shows a description for every parameter of the main entry points.

mkdocstrings reads the docstrings as numpydoc (``mkdocs.yml``): a parameter written
``name : description`` on one line would render its description as a *type* and none below it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import griffe
import pytest

import medroute
from medroute.dispatch import Dispatcher


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

