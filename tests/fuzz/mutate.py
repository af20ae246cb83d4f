"""Mutations of JSON documents and of the bytes of files: the campaign's raw material.

A mutation picks places in a document (any value at any depth) and replaces, deletes, duplicates,
swaps or wraps them, or replaces a value by one of :data:`HOSTILE`: the values that broke
medroute before (huge numbers, lone surrogates, hour counts past 999, deep nesting, ...).
:func:`corrupt_bytes` damages serialised text the way disks and networks do.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

from medroute.model import MAX_AMOUNT, MAX_TIME_S
from tests.fuzz.pick import Picker

Path_ = tuple[Any, ...]

HOSTILE: tuple[Any, ...] = (
    None, True, False, 0, -1, 1, 2, -0.0, 0.5, 1e-7, 1e30, -1e30, 10**30, 10**400, 2**31, 2**63,
    float("nan"), float("inf"), MAX_TIME_S, MAX_TIME_S + 1, MAX_AMOUNT, MAX_AMOUNT + 1, 86_400, 999_999,
    "", " ", "x" * 300, "\ud800", "a\udfffb", "nul\x00", "é🚀", "A/" * 150, "Asia/Jakarta", "../../etc/passwd",
    "00:00", "07:30", "23:59:59", "24:00", "99:99", "1000:00", "2400:00", "2401:00", "-01:00", "9" * 12 + ":00",
    "2026-01-05T10:00:00+07:00", "2026-01-05T03:00:00Z", "9999-12-31T23:59:59", "0001-01-01T00:00:00+14:00",
    "ambient", "cool", "refrigerated", "frozen", "lukewarm", "motorbike", "problem/1", "solution/1", "dispatch/1",
    "pickup", "delivery", "start", "end", "no_rider", "capacity",
    [], {}, [[]], [0, 0], [-8.2, 114.36], [91, 0], [0, 181], [[0, 0]], ["07:00", "06:00"], [["07:00", "09:00"]],
    {"a": 1}, {"parcels": -1}, {"hold_s": 10**12},
)
"""Values that are wrong for most fields, right for some, and broke medroute at least once."""


def places(doc: Any, *, max_depth: int = 30) -> list[Path_]:
    """Every path into ``doc`` (dict keys and list indices) down to ``max_depth``, the root excluded."""
    out: list[Path_] = []
    stack: list[tuple[Path_, Any]] = [((), doc)]
    while stack:
        path, value = stack.pop()
        if len(path) >= max_depth:
            continue
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for k, v in items:
            out.append((*path, k))
            stack.append(((*path, k), v))
    return out


def _parent(doc: Any, path: Path_) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


def _get(doc: Any, path: Path_) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _hostile(pick: Picker) -> Any:
    """One of :data:`HOSTILE`, copied: a mutation may later change it in place (or put it inside
    itself), which must not reach the constant."""
    return copy.deepcopy(pick.choice(HOSTILE))


def _near(value: Any, pick: Picker) -> Any:
    """A value close to ``value``: off by one, scaled, negated, or another type of the same sense."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        as_float = float(value) if abs(value) < 2**1023 else float("inf")
        return pick.choice([value + 1, value - 1, -value, value * 1000, value * 10**6, 0, as_float, str(value)])
    if isinstance(value, float):
        whole = round(value) if math.isfinite(value) else value
        return pick.choice([value + 1e-9, -value, value * 1e6, whole, 0.0, str(value)])
    if isinstance(value, str):
        return pick.choice([value + value, value[:-1], value.upper(), value + " ", f"{value}\ud800", "",
                            [value], value.replace(":", ".")])
    return _hostile(pick)


def _same_kind(value: Any, strings: list[str], pick: Picker) -> Any:
    """A plausible value of the same type: the edits a user or a buggy exporter makes."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return pick.choice([value + 1, max(0, value - 1), 0, 2 * value, value + 3600, MAX_TIME_S, MAX_AMOUNT])
    if isinstance(value, float):
        return pick.choice([0.0, value * 2, value / 2, 0.1, 10.0, 1e9])
    if isinstance(value, str) and strings:
        return pick.choice([*strings, "00:00", "23:59", "24:00", "1000:00", "2400:00"])
    return value


def nudge_doc(doc: Any, pick: Picker) -> Any:
    """A deep copy of ``doc`` with 1–3 leaves changed to plausible values of the same type (other
    ids, times and amounts): documents that mostly stay valid, so what comes after reading runs."""
    out = copy.deepcopy(doc)
    leaves = [p for p in places(out) if not isinstance(_get(out, p), (dict, list))]
    strings = sorted({v for p in leaves if isinstance(v := _get(out, p), str)})
    numbers = [p for p in leaves if isinstance(_get(out, p), (int, float))]
    for _ in range(pick.int(1, 3)):
        pool = numbers if numbers and pick.chance(0.8) else leaves
        if pool:
            path = pick.choice(pool)
            _parent(out, path)[path[-1]] = _same_kind(_get(out, path), strings, pick)
    return out


def mutate_doc(doc: Any, pick: Picker, *, steps: int | None = None) -> Any:
    """A mutated deep copy of ``doc`` (1–4 mutations unless ``steps`` is given)."""
    out = copy.deepcopy(doc)
    for _ in range(steps if steps is not None else pick.int(1, 4)):
        spots = places(out)
        if not spots:
            return _hostile(pick)
        path = pick.choice(spots)
        parent, key = _parent(out, path), path[-1]
        op = pick.int(0, 9)
        if op <= 2:
            parent[key] = _hostile(pick)
        elif op <= 4:
            parent[key] = _near(parent[key], pick)
        elif op == 5:
            del parent[key]
        elif op == 6:  # duplicate: a list item again, or a new key with this value
            if isinstance(parent, list):
                parent.insert(pick.int(0, len(parent)), copy.deepcopy(parent[key]))
            else:
                parent[pick.choice(["extra", "ID", key + "_", "id", "name"])] = copy.deepcopy(parent[key])
        elif op == 7:  # swap with another place (ids end up in the wrong fields)
            other = pick.choice(spots)
            try:
                a, b = _get(out, path), _get(out, other)
                parent[key], _parent(out, other)[other[-1]] = copy.deepcopy(b), copy.deepcopy(a)
            except (KeyError, IndexError, TypeError):
                pass
        elif op == 8:
            parent[key] = pick.choice([[parent[key]], {"value": parent[key]}, [parent[key]] * 2])
        else:
            parent[key] = _deep(pick.int(1, 200))
    return out


def _deep(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def corrupt_bytes(data: bytes, pick: Picker) -> bytes:
    """``data`` damaged 1–6 times: truncated, bytes flipped, cut out, repeated or inserted."""
    b = bytearray(data)
    for _ in range(pick.int(1, 6)):
        if not b:
            b += bytes([pick.int(0, 255)])
            continue
        i = pick.int(0, len(b) - 1)
        op = pick.int(0, 12)
        if op == 0:
            del b[i:]
        elif op == 1:
            b[i] = pick.int(0, 255)
        elif op == 2:
            del b[i:i + pick.int(1, 64)]
        elif op == 3:
            j = pick.int(0, len(b) - 1)
            b[i:i] = b[j:j + pick.int(1, 64)]
        elif op == 4:
            b[i:i] = pick.choice([b"\xff\xfe", b"\x00", b"NaN", b"1e999", b"[" * 50, b'"\\ud800"', b"\r\n", b"}"])
        elif op == 5:
            b[:0] = b"[" * 100_000
        else:
            b[i] = ord(pick.choice(list('{}[]":,0-.e')))
    return bytes(b)


def dumps(doc: Any) -> str:
    """``doc`` as JSON text; values JSON cannot hold (NaN, surrogates) written the way Python does."""
    return json.dumps(doc, ensure_ascii=True, allow_nan=True)
