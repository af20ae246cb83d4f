"""Travel-matrix benchmark: osm (scipy csgraph) vs OSRM in-process vs naive networkx, plus agreement.

Run:  .venv/bin/python benchmarks/travel.py   (writes benchmarks/results/travel/{travel.md,travel.json,meta.json})

Each (method, size) runs in its own subprocess so that peak memory is its own: the peak resident
set size (VmHWM, reset through /proc/self/clear_refs after loading) minus the RSS after loading.
Points are random road nodes of the largest strongly connected component of the Probolinggo
graph (seed 0), so every method routes between exactly the same nodes. The naive networkx
method runs ``single_source_dijkstra_path_length`` once per source on the same compiled edge
times; above 100 points it is timed on the first 100 sources and extrapolated linearly.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

SIZES = (100, 500, 1000, 2000)
NX_SUBSET = 100  # sources actually run by networkx at sizes above this
OUT = Path(__file__).resolve().parent / "results" / "travel"


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


DATA = {"banyuwangi_pancer_drive.osm.bz2": "banyuwangi/banyuwangi_pancer_drive.osm.bz2",
        "probolinggo_drive.osm.bz2": "osm/probolinggo_drive.osm.bz2",
        "surabaya_south_drive.osm.bz2": "osm/surabaya_south_drive.osm.bz2"}
"""Road file → its path in a data directory (the package's data, then the repository's benchmarks/data)."""


def _data(name: str) -> Path:
    from medroute.datadir import data_file

    return data_file(DATA[name])


def _points(backend: Any, n: int, seed: int = 0) -> tuple[np.ndarray, list[Any]]:
    from medroute.geo import Location

    g = backend.graph
    main = int(np.argmax(np.bincount(g.component)))
    cand = np.flatnonzero(g.component == main)
    sel = np.random.default_rng(seed).choice(cand, n, replace=False)
    return sel, [Location(float(g.lat[i]), float(g.lon[i])) for i in sel]


def worker(method: str, size: int, graph_file: str, dataset: str) -> dict[str, Any]:
    from medroute.travel.graph import GraphBackend

    osm = GraphBackend(_data(graph_file))
    sel, pts = _points(osm, size)
    result: dict[str, Any] = {"method": method, "size": size}
    if method == "osm":
        run: Any = lambda: osm.matrix(pts)  # noqa: E731
    elif method == "osrm":
        from medroute.travel.osrm import OsrmBackend

        engine = OsrmBackend(dataset=dataset)
        run = lambda: engine.matrix(pts)  # noqa: E731
    else:
        import networkx as nx

        w = osm.graph.weights.tocoo()
        seconds = np.floor(w.data / 2**30) / 100.0
        g = nx.DiGraph()
        g.add_weighted_edges_from(zip(w.row.tolist(), w.col.tolist(), seconds.tolist(), strict=True))
        sources = sel[: min(size, NX_SUBSET)] if size > NX_SUBSET else sel
        result["sources_run"] = len(sources)
        targets = sel.tolist()

        def run() -> np.ndarray:
            out = np.empty((len(sources), len(targets)))
            for r, s in enumerate(sources.tolist()):
                dist = nx.single_source_dijkstra_path_length(g, s, weight="weight")
                out[r] = [dist[t] for t in targets]
            return out

    base = _rss_kb("VmRSS")
    _reset_peak()
    t0 = time.perf_counter()
    run()
    secs = time.perf_counter() - t0
    result["peak_mb"] = max(0, _rss_kb("VmHWM") - base) / 1024
    if method == "networkx" and size > NX_SUBSET:
        result["measured_s"] = secs
        secs *= size / NX_SUBSET
        result["extrapolated"] = True
    result["seconds"] = secs
    return result


def agreement(graph_file: str, dataset: Path, n: int) -> dict[str, Any]:
    from medroute.geo import pairwise_haversine_m
    from medroute.travel.graph import GraphBackend
    from medroute.travel.haversine import DETOUR_FACTOR, HaversineBackend
    from medroute.travel.osrm import OsrmBackend

    osm = GraphBackend(_data(graph_file))
    n = min(n, int(np.max(np.bincount(osm.graph.component))))
    _, pts = _points(osm, n, seed=1)
    a = osm.matrix(pts)
    b = OsrmBackend(dataset=dataset).matrix(pts)
    h = HaversineBackend().matrix(pts)
    straight = pairwise_haversine_m(pts)
    mask = ~np.eye(n, dtype=bool) & (b.durations_s >= 60) & (straight >= 200)

    def rel(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        r = np.abs(x[mask].astype(float) - y[mask]) / y[mask]
        return {"median": float(np.median(r)), "p95": float(np.percentile(r, 95))}

    def detour(d: np.ndarray) -> dict[str, float]:
        q = d[mask] / straight[mask]
        return {"p5": float(np.percentile(q, 5)), "median": float(np.median(q)), "p95": float(np.percentile(q, 95))}

    return {
        "graph": graph_file, "points": n, "pairs": int(mask.sum()),
        "osm_vs_osrm_duration": rel(a.durations_s, b.durations_s),
        "osm_vs_osrm_distance": rel(a.distances_m, b.distances_m),
        "haversine_vs_osm_duration": rel(h.durations_s, a.durations_s),
        "haversine_vs_osrm_duration": rel(h.durations_s, b.durations_s),
        "detour_osm": detour(a.distances_m), "detour_osrm": detour(b.distances_m),
        "haversine_detour": DETOUR_FACTOR,
        "osm_mean_kmh": float(np.mean(a.distances_m[mask] / a.durations_s[mask]) * 3.6),
    }


def main() -> None:
    """Run one measurement (``--worker``) or the whole study."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", nargs=4, metavar=("METHOD", "SIZE", "GRAPH", "DATASET"))
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    args = ap.parse_args()
    if args.worker:
        m, s, g, d = args.worker
        print(json.dumps(worker(m, int(s), g, d)))
        return

    with tempfile.TemporaryDirectory(prefix="medroute-travel-") as cache:
        measure(args.sizes, Path(cache))


def measure(sizes: str, cache: Path) -> None:
    """Build the OSRM datasets into ``cache`` (a fresh folder: every build is timed), time the
    matrices at ``sizes`` (comma-separated) and compare the backends; write the study's files."""
    from medroute.travel.osrm import build_dataset, osrm_version

    builds: dict[str, float] = {}
    datasets: dict[str, Path] = {}
    for name in DATA:
        ds = build_dataset(_data(name), cache_dir=cache)
        builds[name] = json.loads((ds.parent / "data.osrm.done").read_text())["seconds"]
        datasets[name] = ds
    graph = "probolinggo_drive.osm.bz2"
    runs: list[dict[str, Any]] = []
    for size in [int(s) for s in sizes.split(",")]:
        for method in ("osm", "osrm", "networkx"):
            proc = subprocess.run([sys.executable, __file__, "--worker", method, str(size), graph,
                                   str(datasets[graph])], capture_output=True, text=True, check=True)
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(r, flush=True)
            runs.append(r)
    agree = [agreement("banyuwangi_pancer_drive.osm.bz2", datasets["banyuwangi_pancer_drive.osm.bz2"], 300),
             agreement(graph, datasets[graph], 1000),
             agreement("surabaya_south_drive.osm.bz2", datasets["surabaya_south_drive.osm.bz2"], 1000)]
    info = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "osrm_bindings": osrm_version(), "osrm_build_s": builds}
    (OUT / "travel.json").write_text(json.dumps({"info": info, "runs": runs, "agreement": agree}, indent=2))
    (OUT / "travel.md").write_text(render(info, runs, agree))
    print(render(info, runs, agree))


def render(info: dict[str, Any], runs: list[dict[str, Any]], agree: list[dict[str, Any]]) -> str:
    by = {(r["method"], r["size"]): r for r in runs}
    sizes = sorted({r["size"] for r in runs})
    lines = ["# Travel matrix benchmark", "",
             f"Probolinggo raw OSM graph (22,583 motorbike nodes after filtering), random road nodes of the "
             f"largest strongly connected component. Python {info['python']}, {info['cpus']} CPUs, "
             f"osrm-bindings {info['osrm_bindings']} (MLD). Each cell: one run in a fresh subprocess; "
             "peak = peak RSS during the matrix call above the RSS after loading.", "",
             "| points | osm s | osrm s | networkx s | nx / osm | osm / osrm | osm peak MB | osrm peak MB "
             "| nx peak MB |", "|---|---|---|---|---|---|---|---|---|"]
    for s in sizes:
        o, r, x = by[("osm", s)], by[("osrm", s)], by[("networkx", s)]
        star = "*" if x.get("extrapolated") else ""
        lines.append(f"| {s} | {o['seconds']:.2f} | {r['seconds']:.2f} | {x['seconds']:.1f}{star} | "
                     f"{x['seconds'] / o['seconds']:.1f}× | {o['seconds'] / r['seconds']:.2f}× | "
                     f"{o['peak_mb']:.0f} | {r['peak_mb']:.0f} | {x['peak_mb']:.0f} |")
    lines += ["", f"\\* networkx extrapolated linearly from the first {NX_SUBSET} sources "
              "(`measured_s` in the JSON).", "",
              "OSRM dataset build (extract + partition + customize, 2 threads): "
              + ", ".join(f"{k}: {v:.1f} s" for k, v in info["osrm_build_s"].items()), "",
              "## Agreement (pairs ≥ 60 s by OSRM and ≥ 200 m apart)", "",
              "| graph | points | pairs | osm vs osrm duration median / p95 | distance median / p95 "
              "| haversine vs osm duration median / p95 | detour osm p5/median/p95 | detour osrm median |",
              "|---|---|---|---|---|---|---|---|"]
    for a in agree:
        d, m, h = a["osm_vs_osrm_duration"], a["osm_vs_osrm_distance"], a["haversine_vs_osm_duration"]
        lines.append(f"| {a['graph']} | {a['points']} | {a['pairs']} | {d['median']:.2%} / {d['p95']:.2%} | "
                     f"{m['median']:.2%} / {m['p95']:.2%} | {h['median']:.1%} / {h['p95']:.1%} | "
                     f"{a['detour_osm']['p5']:.2f} / {a['detour_osm']['median']:.2f} / "
                     f"{a['detour_osm']['p95']:.2f} | {a['detour_osrm']['median']:.2f} |")
    lines += ["", f"Haversine backend: detour {agree[0]['haversine_detour']} × straight line at 30 km/h "
              "(domain.md). 'haversine vs osm' compares its durations with the road graph's."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if "--worker" in sys.argv:
        main()
    else:
        from medroute.bench.results import study

        with study(OUT):
            main()
