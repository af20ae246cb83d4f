"""The Python examples of the README and the docs run as written against the current API.

Each page runs as a reader follows it: its ``python`` blocks in order in one namespace (run as a
script, ``__name__ == "__main__"``), in an empty working directory that holds the ``day.json``
the quick-start examples open. Two things differ from a reader's session, both so that the suite
stays quick: search budgets are cut to a second (:data:`BUDGETS`), which no example's lesson
depends on; and a block preceded by ``<!-- not run: why -->`` (a real cluster, the internet, a
run of many minutes) is shown only.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("README.md", *(f"docs/{p.name}" for p in sorted((ROOT / "docs").glob("*.md"))))
NOT_RUN = re.compile(r"<!-- not run: (?P<why>[^>]*\w[^>]*) -->\s*\Z")
BUDGETS = ((re.compile(r"\btime_limit=\d+(\.\d+)?"), "time_limit=1"),
           (re.compile(r"\bMaxRuntime\(\d+(\.\d+)?\)"), "MaxRuntime(1)"),
           (re.compile(r"\bMaxWork\(\d+(\.\d+)?\)"), "MaxWork(0.5)"))
"""Search budgets as written in the docs, and the short ones the suite runs them with."""


def blocks(page: str) -> list[tuple[int, str, str | None]]:
    """(line, code, why it is not run or ``None``) of every ``python`` block of ``page``."""
    text = (ROOT / page).read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"^```python\n(.*?)^```", text, re.M | re.S):
        skip = NOT_RUN.search(text[:m.start()].rstrip() + "\n")
        out.append((text.count("\n", 0, m.start()) + 2, m.group(1), skip.group("why") if skip else None))
    return out


RUN = [p for p in PAGES if any(why is None for _, _, why in blocks(p))]


def test_most_examples_are_run() -> None:
    shown = sum(why is not None for p in PAGES for _, _, why in blocks(p))
    assert shown * 3 < sum(len(blocks(p)) for p in PAGES)


@pytest.mark.parametrize("page", RUN)
def test_the_page_s_examples_run_as_written(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from medroute import scenarios

    monkeypatch.chdir(tmp_path)  # (conftest restores the data settings a page may set)
    scenarios.load("historic").problem.save("day.json")  # the reader's own day in the quick starts
    namespace: dict[str, object] = {"__name__": "__main__"}
    for line, code, why in blocks(page):
        if why is None:
            for pattern, short in BUDGETS:
                code = pattern.sub(short, code)
            exec(compile(code, f"{page}, the python block at line {line}", "exec"), namespace)
