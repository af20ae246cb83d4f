"""``report.md``: a plan in Markdown — KPIs, one line per rider, unassigned orders with their
reasons, and what the independent checker found.

Plain Python, no optional dependency. Text that comes from the user (names, ids, reasons'
details, checker messages) is escaped, so it shows as written and never becomes HTML or Markdown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from ..check import Violation
from ..model import Problem
from ..solution import Kpis, Solution, StopKind
from ..timefmt import format_clock
from .frames import KPI_UNITS, order_outcomes


def _duration(seconds: float) -> str:
    s = round(seconds)
    h, rem = divmod(s, 3600)
    return f"{h} h {rem // 60:02d} min" if h else f"{rem // 60} min {rem % 60:02d} s"


def format_kpi(name: str, value: float) -> str:
    """A KPI value for people: durations as ``h min``, metres as km, shares as %, Rupiah grouped."""
    unit = KPI_UNITS.get(name, "")
    if unit == "s":
        return _duration(value)
    if unit == "m":
        return f"{value / 1000:.1f} km"
    if unit == "share":
        return f"{100 * value:.1f} %"
    if unit == "Rp":
        return f"Rp {value:,.0f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]|#~])")


def md_text(text: object) -> str:
    """``text`` for a Markdown page: HTML-escaped, Markdown punctuation backslash-escaped, one line."""
    one_line = " ".join(str(text).split())
    return _MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(one_line, quote=False))


class _Markdown(str):
    """Text already written as Markdown by this module (not escaped again)."""


def _code(name: str) -> _Markdown:
    """A reason code or rule name (letters, digits, underscores) as inline code."""
    return _Markdown(f"`{name}`")


def _cell(text: object) -> str:
    return text if isinstance(text, _Markdown) else md_text(text)


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _travel_line(solution: Solution) -> str:
    """Which travel the plan's legs were timed with (:attr:`Solution.travel`)."""
    made = solution.travel
    if made is None:
        return "Travel: not recorded."
    name = md_text(made.backend) if made.backend else "unknown backend"
    digest = f" (digest {md_text(made.digest)})" if made.digest else ""
    return f"Travel: {name}{digest}; `medroute check` needs the same travel to re-check the plan."


def report_markdown(problem: Problem, solution: Solution, violations: Sequence[Violation] | None = None, *,
                    figures: Sequence[str] = (), title: str | None = None) -> str:
    """The report as Markdown text.

    Parameters
    ----------
    problem
        The problem.
    solution
        The plan.
    violations
        What :func:`medroute.check` found; ``None`` says the plan was not checked.
    figures
        Relative paths of images to embed (e.g. ``"figures/routes.png"``).
    title
        The heading; default ``"Delivery plan — <problem name> <day>"``.

    Returns
    -------
    str
        A line naming the engine and one naming the travel the legs were timed with, then
        sections *KPIs*, *Riders*, *Unassigned orders*, *Checker*, and *Figures* when given.
    """
    name = problem.name or "problem"
    lines = [f"# {md_text(title or f'Delivery plan — {name}, {problem.day.isoformat()}')}", ""]
    lines.append(f"Engine {md_text(solution.engine or '?')}, seed {solution.seed}, solved in "
                 f"{solution.solve_time_s:.1f} s. Times are {problem.timezone} on {problem.day.isoformat()}.")
    lines += ["", _travel_line(solution)]
    lines += ["", "## KPIs", ""]
    k = solution.kpis
    lines += _table(["KPI", "value"], [(f, format_kpi(f, getattr(k, f))) for f in Kpis.__dataclass_fields__])

    lines += ["", "## Riders", ""]
    outcomes = {oc.order.id: oc for oc in order_outcomes(problem, solution)}
    rows = []
    for route in solution.routes:
        st = route.stops
        start, end = (st[0].departure_s, st[-1].arrival_s) if st else (0, 0)
        orders = route.orders
        late = sum(1 for o in orders if outcomes[o].late_s > 0) if orders else 0
        cold = [outcomes[o].cold_exposure_s for o in orders if outcomes[o].cold_exposure_s is not None]
        pickups = [s for s in route.visits if s.kind == StopKind.PICKUP]
        rows.append((route.rider, len(orders), len(pickups), format_clock(start), format_clock(end),
                     f"{route.distance_m / 1000:.1f} km", _duration(route.travel_s),
                     _duration(sum(s.wait_s for s in route.visits)), late,
                     _duration(max(c for c in cold if c is not None)) if cold else "–"))
    if rows:
        lines += _table(["rider", "orders", "pickups", "leaves", "finishes", "distance", "riding", "waiting",
                         "late", "longest cold ride"], rows)
    else:
        lines.append("No rider has a route.")
    idle = [r.id for r in problem.riders if solution.route_of(r.id) is None]
    if idle:
        lines += ["", f"Riders without a route: {md_text(', '.join(idle))}."]

    lines += ["", "## Unassigned orders", ""]
    if solution.unassigned:
        lines += _table(["order", "pharmacy", "reason", "detail"],
                        [(u.order, problem.order[u.order].pharmacy if u.order in problem.order else "?",
                          _code(u.reason.value), u.detail) for u in solution.unassigned])
    else:
        lines.append("None: every order is served.")

    lines += ["", "## Checker", ""]
    if violations is None:
        lines.append("Not checked.")
    elif not violations:
        lines.append("The independent checker found **no violation**: the plan is feasible.")
    else:
        lines.append(f"The independent checker found **{len(violations)} violation(s)**:")
        lines.append("")
        lines += _table(["rule", "rider", "order", "message"],
                        [(_code(v.rule.value), v.rider or "", v.order or "", v.message) for v in violations])
    if figures:
        lines += ["", "## Figures", ""]
        for f in figures:
            lines += [f"![{Path(f).stem}]({f})", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_report(path: str | Path, problem: Problem, solution: Solution,
                 violations: Sequence[Violation] | None = None, *, figures: Sequence[str] = (),
                 title: str | None = None) -> Path:
    """Write :func:`report_markdown` to ``path`` (UTF-8) and return the path."""
    p = Path(path)
    p.write_text(report_markdown(problem, solution, violations, figures=figures, title=title), encoding="utf-8")
    return p
