"""Where a quoted benchmark figure comes from: the study folders a document cites.

A figure in ``benchmarks/README.md``'s headline or in a study's ``RESULTS.md`` must come from a
study folder whose ``meta.json`` records the run that made it (:mod:`medroute.bench.results`).
A document *cites* a results path by a markdown link (``[table](../simulate/surge/days.md)``) or
by naming it (```results/scale/```); the path's *study* is the nearest folder at or above it
that holds a ``meta.json``. A citation is **recorded** when that study has a run with status
``done``; results committed before ``meta.json`` existed (status ``imported``: a command and
the commit that committed them, no versions or machine) are not.

``python -m medroute.bench.provenance`` checks ``benchmarks/README.md``'s headline table (every
row cites a recorded study) and every ``RESULTS.md`` under ``benchmarks/results`` (its own study
and every results path it links are recorded), prints what fails and exits 1 if anything does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .results import META_FILE, read

RECORDED = "done"
"""Status of a ``meta.json`` run recorded by the results writer (not ``imported``, not ``failed``)."""

HEADLINE = "Headline"
"""Title of the README section whose table holds the quoted figures."""

_LINK = re.compile(r"\]\(([^)\s]+)\)")
_NAMED = re.compile(r"(?<![\w./-])(?:benchmarks/)?(results/[\w.\-/]*[\w\-/])")


def study_of(path: Path, root: Path) -> Path | None:
    """The study a results path belongs to: the nearest folder at or above ``path`` (inside
    ``root``) that holds a ``meta.json``; ``None`` when there is none."""
    folder = path if path.is_dir() else path.parent
    while folder.is_relative_to(root):
        if (folder / META_FILE).is_file():
            return folder
        folder = folder.parent
    return None


def recorded(study: Path) -> bool:
    """Whether ``study``'s ``meta.json`` has a run the results writer recorded (status ``done``)."""
    doc = read(study) or {}
    return any(run.get("status") == RECORDED for run in doc.get("runs", []))


def citations(text: str, base: Path, root: Path) -> list[Path]:
    """The results paths ``text`` cites, resolved: link targets (relative to ``base``, the
    document's folder) and ``results/…`` paths (relative to ``root``'s parent) inside ``root``.

    Parameters
    ----------
    text
        Markdown.
    base
        The folder of the document the text is from.
    root
        The results folder (``benchmarks/results``).

    Returns
    -------
    list of Path
        Each cited path once, in the order of first citation; external links and paths
        outside ``root`` left out.
    """
    root = root.resolve()
    found: dict[Path, None] = {}
    for target in _LINK.findall(text):
        if "://" not in target and not target.startswith("#"):
            found[(base / target.split("#", 1)[0]).resolve()] = None
    for named in _NAMED.findall(text):  # the ``results/`` part of ``[benchmarks/]results/…``
        found[(root.parent / named).resolve()] = None
    return [p for p in found if p.is_relative_to(root)]


def problems(path: Path, root: Path) -> list[str]:
    """Why results path ``path`` is not a recorded citation (empty when it is)."""
    shown = path.relative_to(root.resolve().parent)
    if not path.exists():
        return [f"{shown}: no such file or folder"]
    study = study_of(path, root.resolve())
    if study is None:
        return [f"{shown}: in no study folder (no {META_FILE} at or above it)"]
    if not recorded(study):
        return [f"study {study.relative_to(root.resolve().parent)}/ has no recorded run "
                f"(status {RECORDED!r} in its {META_FILE})"]
    return []


def table_rows(text: str, heading: str) -> list[str]:
    """The body rows of the first table under the markdown heading ``heading`` (any level)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines)
                  if line.startswith("#") and line.lstrip("#").strip() == heading), None)
    rows: list[str] = []
    for line in lines[len(lines) if start is None else start + 1:]:
        if line.startswith("#") or (rows and not line.startswith("|")):
            break
        if line.startswith("|"):
            rows.append(line)
    return rows[2:]  # after the header and its rule


def check_headline(readme: Path, root: Path) -> list[str]:
    """Rows of ``readme``'s headline table that cite no study or a study without a recorded run.

    Parameters
    ----------
    readme
        ``benchmarks/README.md``.
    root
        The results folder.

    Returns
    -------
    list of str
        One line per failure (empty when every row is recorded); a missing headline table is
        a failure.
    """
    rows = table_rows(readme.read_text(encoding="utf-8"), HEADLINE)
    if not rows:
        return [f"{readme}: no table under '## {HEADLINE}'"]
    out = []
    for row in rows:
        label = row.split("|")[1].strip()
        cited = citations(row, readme.parent, root)
        if not cited:
            out.append(f"{readme.name} headline row {label}: cites no results folder")
        out += [f"{readme.name} headline row {label}: {p}" for path in cited for p in problems(path, root)]
    return list(dict.fromkeys(out))


def check_report(report: Path, root: Path) -> list[str]:
    """Why a study's report (``RESULTS.md``) is not recorded: its own study and every results
    path it cites must have a recorded run."""
    shown = report.resolve().relative_to(root.resolve().parent)
    cited = [report.resolve(), *citations(report.read_text(encoding="utf-8"), report.parent, root)]
    return list(dict.fromkeys(f"{shown}: {p}" for path in cited for p in problems(path, root)))


def check(readme: Path, root: Path, reports: Sequence[Path] | None = None) -> list[str]:
    """Every provenance failure of the README's headline and the reports (default: every
    ``RESULTS.md`` under ``root``)."""
    found = sorted(root.rglob("RESULTS.md")) if reports is None else reports
    return check_headline(readme, root) + [p for report in found for p in check_report(report, root)]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the provenance failures of the benchmark guide and reports; exit 1 if any."""
    import argparse

    ap = argparse.ArgumentParser(description="Check that quoted benchmark figures come from recorded studies.")
    ap.add_argument("readme", nargs="?", type=Path, default=Path("benchmarks/README.md"))
    ap.add_argument("--results", type=Path, default=None, help="default: results/ beside the README")
    args = ap.parse_args(argv)
    failures = check(args.readme, args.results or args.readme.parent / "results")
    for line in failures or ["every quoted figure cites a recorded study"]:
        print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
