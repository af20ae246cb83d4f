"""The run-to-run spread of a clock-bound literature comparison.

Given the ``<set>.json`` of two or more ``literature.py`` runs with different ``--seed`` (the same
instances, engines and time limit), compares each engine with itself across seeds and each
``--versus`` pair within a seed, instance by instance, with :func:`benchmarks.literature.versus`
(the rule of the issue targets: vehicles first on Li & Lim and Solomon, then distance within
0.1 %). An engine "worse than itself" on another seed shows how many single-seed losses the
clock and the seed alone produce.

    .venv/bin/python benchmarks/literature.py --set solomon --engines auto,pyvrp --time-limit 10 \\
        --seed 1 --out benchmarks/results/literature-10s/spread/solomon-seed1
    .venv/bin/python benchmarks/literature_seeds.py benchmarks/results/literature-10s/solomon/solomon.json \\
        benchmarks/results/literature-10s/spread/solomon-seed1/solomon.json --versus auto:pyvrp \\
        --out benchmarks/results/literature-10s/spread/solomon-seed1/seeds.md
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from literature import parse_pairs, versus


def tagged(path: Path) -> tuple[int, list[dict[str, Any]]]:
    """The runs of one ``<set>.json`` with ``@<seed>`` added to each engine name, and the seed."""
    runs = json.loads(path.read_text(encoding="utf-8"))["runs"]
    seeds = {int(r.get("seed") or 0) for r in runs}
    if len(seeds) != 1:
        raise SystemExit(f"{path}: runs of several seeds ({sorted(seeds)}); give one file per seed")
    seed = seeds.pop()
    return seed, [{**r, "engine": f"{r['engine']}@{seed}"} for r in runs]


def _line(v: dict[str, Any]) -> str:
    return (f"| {v['engine']} | {v['reference']} | {v['instances']} | {len(v['worse'])} | "
            f"{', '.join(v['worse']) or '–'} | {len(v['better'])} | {v['mean_distance_ratio'] or '–'} |")


def compare(files: Sequence[Path], pairs: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """Every engine against itself on the first file's seed, then every pair within each seed."""
    by_seed = dict(tagged(p) for p in files)
    if len(by_seed) != len(files):
        raise SystemExit("two files have the same seed")
    records = [r for runs in by_seed.values() for r in runs]
    seeds = list(by_seed)
    engines = sorted({r["engine"].split("@")[0] for r in records})
    out = [versus(records, f"{e}@{s}", f"{e}@{seeds[0]}") for e in engines for s in seeds[1:]]
    out += [versus(records, f"{a}@{s}", f"{b}@{s}") for a, b in pairs for s in seeds]
    return [v for v in out if v["instances"]]


def markdown(results: Sequence[dict[str, Any]], files: Sequence[Path]) -> str:
    lines = ["# Run-to-run spread", "", "From " + ", ".join(f"`{f}`" for f in files) + ". `engine@seed`; "
             "worse / better: instance by instance, vehicles first on Li & Lim and Solomon, then distance within "
             "0.1 % (`literature.versus`).", "",
             "| engine | reference | instances | worse | worse on | better | mean distance ratio |",
             "|---|---|---|---|---|---|---|", *map(_line, results)]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("files", nargs="+", type=Path, help="<set>.json of literature.py runs, one seed each")
    ap.add_argument("--versus", default="auto:pyvrp", help="engine:reference pairs compared within each seed")
    ap.add_argument("--out", type=Path, default=None, help="write the table here too")
    args = ap.parse_args(argv)
    if len(args.files) < 2:
        ap.error("give at least two files")
    text = markdown(compare(args.files, parse_pairs(args.versus)), args.files)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
