"""The Python snippets of the docs run as written against the current API, each in a fresh
namespace in an empty working directory (what a reader pasting it into a session gets)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
CHECKED = ("dispatch.md",)
"""The docs whose every ``python`` block is run."""


def snippets(name: str) -> list[str]:
    """The ``python`` fenced blocks of ``docs/<name>``, in order."""
    return re.findall(r"^```python\n(.*?)^```", (DOCS / name).read_text(encoding="utf-8"), re.M | re.S)


CASES = [(name, i, code) for name in CHECKED for i, code in enumerate(snippets(name))]


def test_every_checked_doc_has_snippets() -> None:
    assert {name for name, _, _ in CASES} == set(CHECKED)


@pytest.mark.parametrize(("name", "i", "code"), CASES, ids=[f"{name}-{i}" for name, i, _ in CASES])
def test_the_snippet_runs_as_written(name: str, i: int, code: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"docs/{name}, python block {i + 1}", "exec"), {"__name__": "__docs__"})
