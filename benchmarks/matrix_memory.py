"""Peak memory per travel-matrix cell while a matrix is built and compiled, by travel backend.

    .venv/bin/python benchmarks/matrix_memory.py [--orders 1000 2000]

For each size, the ``probolinggo`` stand-in town (its shipped OSM extract) is written as a
problem JSON; then one fresh process per backend and size reads it, warms the backend up on two
locations (graph loaded, OSRM dataset built), builds the matrix of every location and compiles the
problem. Its peak resident memory (``VmHWM``: OSRM allocates in C++, out of tracemalloc's sight)
minus the peak before the matrix, over the number of cells, is the figure
:data:`medroute.cli_files.PEAK_BYTES_PER_CELL` holds. Writes ``benchmarks/results/matrix_memory/matrix_memory.md``
and ``.json`` with the study's ``meta.json``. Memory, not time: no benchmark slot needed.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "results" / "matrix_memory"
SOURCE = Path(__file__).parent / "data" / "osm" / "probolinggo_drive.osm.bz2"
BACKENDS = ("haversine", "osm", "osrm")

_CHILD = """
import json, sys
from pathlib import Path
from medroute import Problem
from medroute.compile import compile_problem
from medroute.travel import backend

def hwm():
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))

problem = Problem.from_json(json.loads(Path(sys.argv[1]).read_text()))
name, source, cache = sys.argv[2], sys.argv[3], sys.argv[4]
b = backend(name) if name == "haversine" else backend(name, source=source) if name == "osm" else \\
    backend(name, source=source, cache_dir=cache)
b = getattr(b, "inner", b)  # the bare backend: no matrix cache
b.matrix(problem.locations[:2])
before = hwm()
compile_problem(problem, b.matrix(problem.locations))
print(json.dumps({"locations": len(problem.locations), "before": before, "peak": hwm()}))
"""


def measure(problem_json: Path, backend: str, cache: Path) -> dict[str, Any]:
    """One fresh process: peak memory before and after the matrix of ``problem_json``."""
    out = subprocess.run([sys.executable, "-c", _CHILD, str(problem_json), backend, str(SOURCE), str(cache)],
                         check=True, capture_output=True, text=True)
    row: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    row["backend"] = backend
    row["bytes_per_cell"] = (row["peak"] - row["before"]) / row["locations"] ** 2
    return row


def main(argv: list[str] | None = None) -> None:
    """Measure every backend at every size and write the table."""
    from medroute.bench.results import study

    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--orders", type=int, nargs="+", default=[1000, 2000])
    args = ap.parse_args(argv)
    with study(OUT, orders=args.orders):
        _write(_measure_all(args.orders), args.orders)


def _measure_all(sizes: list[int]) -> list[dict[str, Any]]:
    """Every backend at every size, each in its own process."""
    from medroute import scenarios

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for orders in sizes:
            path = Path(tmp) / f"probolinggo_{orders}.json"
            problem = scenarios.load("probolinggo", orders=orders, backend="haversine").problem
            path.write_text(json.dumps(problem.to_json()), encoding="utf-8")
            for name in BACKENDS:
                rows.append({"orders": orders, **measure(path, name, Path(tmp) / "osrm")})
                print(rows[-1], flush=True)
    return rows


def _write(rows: list[dict[str, Any]], sizes: list[int]) -> None:
    """``matrix_memory.json`` and the markdown table."""
    (OUT / "matrix_memory.json").write_text(json.dumps({"python": platform.python_version(), "rows": rows},
                                                       indent=1) + "\n", encoding="utf-8")
    lines = ["# Peak memory per travel-matrix cell", "", "```", "python benchmarks/matrix_memory.py "
             + " ".join(["--orders", *map(str, sizes)]), "```", "",
             "`probolinggo` (shipped OSM extract), one fresh process per row: peak resident memory (VmHWM) while "
             "the matrix of every location is built and the problem compiled, minus the peak before, over "
             "locations². `medroute.cli_files.PEAK_BYTES_PER_CELL` uses these figures to refuse a day whose "
             "matrix would not fit in memory.", "",
             "| backend | orders | locations | peak before MB | peak after MB | bytes per cell |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['backend']} | {r['orders']:,} | {r['locations']:,} | {r['before'] / 1e6:.0f} | "
                     f"{r['peak'] / 1e6:.0f} | {r['bytes_per_cell']:.1f} |")
    (OUT / "matrix_memory.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
