"""Reading JSON documents field by field, so every error names its JSON path."""

from __future__ import annotations

import builtins
import json
import math
import reprlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import SchemaError

MAX_PATH_CHARS = 4096
"""A string longer than this (or holding a line break) is taken as JSON text, never as a path."""


def load_document(source: str | Path | dict[str, Any], *, what: str) -> dict[str, Any]:
    """A JSON object from a path, a JSON string or an already-parsed dict.

    Raises
    ------
    SchemaError
        The file is missing, a directory, unreadable or not UTF-8; the text is not
        JSON (or nests too deeply); the document is not a JSON object.
    """
    if isinstance(source, dict):
        return source
    if not isinstance(source, (str, Path)):
        raise SchemaError(f"{what}: expected a path, a JSON string or a dict, got {type(source).__name__}")
    text, where = _read_text(source, what)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{what}: {where} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise SchemaError(f"{what}: {where} nests arrays or objects too deeply to be a {what}") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise SchemaError(f"{what}: {where} is not valid JSON ({exc})"[:300]) from None
    if not isinstance(doc, dict):
        raise SchemaError(f"{what}: $ must be a JSON object, got {type(doc).__name__}")
    return doc


def _read_text(source: str | Path, what: str) -> tuple[str, str]:
    """(text, where) of ``source``: a file's contents, or the string itself when it is JSON text."""
    if isinstance(source, str):
        if not source.strip():
            raise SchemaError(f"{what}: got an empty string, expected a path or JSON text")
        if source.lstrip().startswith(("{", "[")) or len(source) > MAX_PATH_CHARS or "\n" in source:
            return source, "<string>"
    path = Path(source)
    name = repr(str(path))[:200]
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except FileNotFoundError:
        raise SchemaError(f"{what}: file {name} does not exist") from None
    except IsADirectoryError:
        raise SchemaError(f"{what}: {name} is a directory, expected a JSON file") from None
    except UnicodeDecodeError:
        raise SchemaError(f"{what}: file {name} is not UTF-8 text, so not JSON") from None
    except OSError as exc:  # name too long, permission denied, ...
        raise SchemaError(f"{what}: cannot read {name}: {exc.strerror or exc}") from None


class Node:
    """A JSON value with its path; typed accessors raise :class:`SchemaError` naming the path."""

    def __init__(self, value: Any, path: str = "$") -> None:
        self.value = value
        self.path = path

    def _fail(self, expected: str) -> SchemaError:
        got = type(self.value).__name__ if self.value is not None else "null"
        return SchemaError(f"{self.path}: expected {expected}, got {got} {reprlib.repr(self.value)}"[:300])

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

    def str(self, *, empty: bool = False) -> str:
        """The string value (non-empty unless ``empty``); lone surrogates are refused."""
        if not isinstance(self.value, str) or not (self.value or empty):
            raise self._fail("a string" if empty else "a non-empty string")
        try:
            self.value.encode("utf-8")
        except UnicodeEncodeError:
            raise SchemaError(f"{self.path}: {self.value!r} is not valid Unicode text "
                              "(it holds a lone surrogate)"[:300]) from None
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
        try:
            value = float(self.value)
        except OverflowError:
            raise self._fail("a finite number") from None
        if not math.isfinite(value):
            raise self._fail("a finite number")
        return value

    def bool(self) -> bool:
        if not isinstance(self.value, bool):
            raise self._fail("true or false")
        return self.value

    def time_value(self) -> builtins.int | builtins.float | builtins.str:
        """A time as written: ``'HH:MM'``, ISO 8601, or seconds (a number; rounded when read)."""
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float, str)):
            raise self._fail("a time ('HH:MM', ISO 8601 or seconds)")
        return self.value
