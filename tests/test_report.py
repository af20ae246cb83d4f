"""report.md."""

from __future__ import annotations

from medroute.check import Rule, Violation, check
from medroute.outputs.report import format_kpi, report_markdown, write_report
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


def test_user_text_is_escaped() -> None:
    """Ids, names and details show as written: never HTML, never Markdown emphasis or table cells."""
    from dataclasses import replace

    from medroute.reasons import Reason
    from medroute.solution import Unassigned

    p, s = small_plan()
    p = p.replace(name="<script>alert(1)</script>")
    s = replace(s, unassigned=(Unassigned("rx-4", Reason.BEYOND_TRIP_LIMIT, "a <b>bold</b> | *claim* [x](y)"),))
    text = report_markdown(p, s, [Violation(Rule.WINDOW, "late at <i>rx_1</i>", "ani", "rx-1")])
    assert "<script>" not in text and "<b>" not in text and "<i>" not in text
    assert "&lt;script&gt;" in text and "&lt;b&gt;bold&lt;/b&gt;" in text
    assert "\\*claim\\*" in text and "\\[x\\](y)" in text and "rx\\_1" in text
    row = next(line for line in text.splitlines() if "claim" in line)
    assert row.count(" | ") == 3  # the | in the detail did not open a fifth column


def test_report_names_the_travel_the_legs_were_timed_with() -> None:
    import dataclasses

    from medroute.solution import TravelSource

    p, s = small_plan()
    lines = report_markdown(p, dataclasses.replace(s, travel=TravelSource("osm", "0123abcd"))).splitlines()
    assert "Travel: osm (digest 0123abcd); `medroute check` needs the same travel to re-check the plan." in lines
    assert "Travel: unknown backend; " in report_markdown(p, dataclasses.replace(s, travel=TravelSource()))
    assert "Travel: not recorded." in report_markdown(p, dataclasses.replace(s, travel=None)).splitlines()
