"""report.md."""

from __future__ import annotations

from medroute.check import Rule, Violation, check
from medroute.report import format_kpi, report_markdown, write_report
from tests.plans import small_plan


def test_sections(tmp_path: object) -> None:
    p, s = small_plan()
    text = report_markdown(p, s, check(p, s), figures=["figures/routes.png"])
    for head in ("## KPIs", "## Riders", "## Unassigned orders", "## Checker", "## Figures"):
        assert head in text
    assert "| ani | 2 |" in text and "| budi | 1 |" in text
    assert "`beyond_trip_limit`" in text and "rx-4" in text
    assert "no violation" in text
    assert "![routes](figures/routes.png)" in text


def test_violations_and_unchecked(tmp_path: object) -> None:
    p, s = small_plan()
    v = [Violation(Rule.WINDOW, "order 'rx-1' delivered at 13:00, outside 08:00–12:00", "ani", "rx-1")]
    text = report_markdown(p, s, v)
    assert "1 violation(s)" in text and "`window`" in text and "rx-1" in text
    assert "Not checked." in report_markdown(p, s, None)


def test_write(tmp_path: object) -> None:
    from pathlib import Path

    p, s = small_plan()
    path = write_report(Path(str(tmp_path)) / "report.md", p, s, [])
    assert path.read_text(encoding="utf-8").startswith("# Delivery plan — small")


def test_format_kpi() -> None:
    assert format_kpi("distance_m", 12_345) == "12.3 km"
    assert format_kpi("on_time_share", 0.95) == "95.0 %"
    assert format_kpi("travel_s", 3_900) == "1 h 05 min"
    assert format_kpi("cost_rp", 20_000.4) == "Rp 20,000"
