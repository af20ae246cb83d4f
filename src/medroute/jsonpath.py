"""Reading JSON documents field by field, so every error names its JSON path."""

from __future__ import annotations

import builtins
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import SchemaError


def load_document(source: str | Path | dict[str, Any], *, what: str) -> dict[str, Any]:
    """A JSON object from a path, a JSON string or an already-parsed dict."""
    if isinstance(source, dict):
        return source
    text: str
    if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith(("{", "["))):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SchemaError(f"{what}: file {str(path)!r} does not exist") from None
        except UnicodeDecodeError:
            raise SchemaError(f"{what}: file {str(path)!r} is not UTF-8 text, so not JSON") from None
        where = str(path)
    else:
        text, where = str(source), "<string>"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{what}: {where} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict):
        raise SchemaError(f"{what}: $ must be a JSON object, got {type(doc).__name__}")
    return doc


class Node:
    """A JSON value with its path; typed accessors raise :class:`SchemaError` naming the path."""

    def __init__(self, value: Any, path: str = "$") -> None:
        self.value = value
        self.path = path

    def _fail(self, expected: str) -> SchemaError:
        got = type(self.value).__name__ if self.value is not None else "null"
        return SchemaError(f"{self.path}: expected {expected}, got {got} {self.value!r}"[:300])

    def obj(self, *, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> Node:
        if not isinstance(self.value, dict):
            raise self._fail("an object")
        for key in required:
            if key not in self.value:
                raise SchemaError(f"{self.path}: required property {key!r} is missing")
        unknown = set(self.value) - set(required) - set(optional)
        if unknown:
            raise SchemaError(f"{self.path}: unknown property {sorted(unknown)[0]!r}")
        return self

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and self.value.get(key) is not None

    def __getitem__(self, key: str) -> Node:
        return Node(self.value.get(key) if isinstance(self.value, dict) else None, f"{self.path}.{key}")

    def items(self) -> Iterator[Node]:
        if not isinstance(self.value, list):
            raise self._fail("an array")
        for i, v in enumerate(self.value):
            yield Node(v, f"{self.path}[{i}]")

    def str(self) -> str:
        if not isinstance(self.value, str) or not self.value:
            raise self._fail("a non-empty string")
        return self.value

    def int(self) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            if isinstance(self.value, float) and self.value.is_integer():
                return int(self.value)
            raise self._fail("an integer")
        return self.value

    def float(self) -> float:
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
            raise self._fail("a number")
        if not math.isfinite(self.value):
            raise self._fail("a finite number")
        return float(self.value)

    def bool(self) -> bool:
        if not isinstance(self.value, bool):
            raise self._fail("true or false")
        return self.value

    def time_value(self) -> builtins.int | builtins.str:
        if isinstance(self.value, bool) or not isinstance(self.value, (int, str)):
            raise self._fail("a time ('HH:MM', ISO 8601 or integer seconds)")
        return self.value
