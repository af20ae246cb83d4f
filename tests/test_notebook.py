"""The example notebook runs end to end (nbclient, the venv's python3 kernel), and its answer can be
trusted: several days with their spread, a best share that never goes down as riders are added,
the answer checked at a second work budget (the on-time share is not monotone in the budget), and
only public API (no hand-made sub-matrix on internals)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "riders_for_on_time.ipynb"
INTERNALS = ("TravelMatrix(", "location_index", "np.ix_", "medroute.compile", "medroute.schedule", "._")


def _source() -> str:
    return "".join("".join(c["source"]) for c in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
                   if c["cell_type"] == "code")


def test_notebook_uses_only_public_api() -> None:
    code = _source()
    assert "medroute.sub_matrix(" in code
    assert [needle for needle in INTERNALS if needle in code] == []
    assert "MaxWork" in code  # reproducible plans


@pytest.mark.slow
def test_riders_for_on_time_notebook(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import json; print('SUMMARY', json.dumps(summary), "
                                              "json.dumps({str(s): r for s, r in results.items()}))\n"
                                              "print('CHECK', json.dumps([every_day, robust, check, TARGET]))"))
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {}) for o in outputs)
    text = "".join(o.get("text", "") for o in outputs)
    match = re.search(r"SUMMARY (\{.*?\}) (\{.*\})", text)
    assert match is not None, text[-2000:]
    summary, results = json.loads(match.group(1)), json.loads(match.group(2))
    assert len(results) >= 3  # several days
    for rows in results.values():
        best = [row[2] for row in rows]
        assert best == sorted(best)  # monotone by construction
        assert all(row[2] >= row[1] for row in rows)  # never below the single search
    assert all(w <= m <= b for w, m, b in zip(summary["worst"], summary["median"], summary["best"], strict=True))
    assert summary["riders"] == sorted(summary["riders"])
    # The answer holds at both budgets, is the smallest such count tried from the first-budget answer
    # up, and the count below it was tried at the second budget too.
    check_match = re.search(r"CHECK (\[.*\])", text)
    assert check_match is not None
    every_day, robust, check, target = json.loads(check_match.group(1))
    assert every_day is not None and robust is not None and robust >= every_day
    shares = {int(k): v for k, v in check.items()}
    assert min(shares[robust]) >= 100 * target
    assert all(min(v) < 100 * target for k, v in shares.items() if every_day <= k < robust)
    ks = summary["riders"]
    assert ks.index(every_day) == 0 or ks[ks.index(every_day) - 1] in shares
    assert shares[every_day][0] == summary["worst"][ks.index(every_day)]
