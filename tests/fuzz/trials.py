"""One fuzz trial per function: make a hostile input from a :class:`Picker`, feed it to medroute,
and judge what came back. A trial never raises; it returns :class:`Outcome`.

* ``accepted``: the input was taken and every promise held (the plan passes the checker, every
  order is served or unassigned once, what was written reads back, the time limit held);
* ``refused``: a :class:`~medroute.errors.MedrouteError` (or, for the CLI, a documented exit code)
  said what was wrong;
* ``defect``: anything else — a raw exception, a plan the checker refuses, a lost order, a
  document that does not read back, an overrun time limit, tampering the checker missed.

The same trials run bounded in the suite (``tests/fuzz``, choices from hypothesis) and long in
``benchmarks/fuzz.py`` (seeded choices, counts written to ``benchmarks/results/fuzz/fuzz.md``).
"""

from __future__ import annotations

import json
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import medroute
from medroute import Problem, Solution, check
from medroute.errors import MedrouteError, TravelMismatchWarning
from tests.fuzz import seeds
from tests.fuzz.mutate import corrupt_bytes, dumps, mutate_doc, nudge_doc
from tests.fuzz.pick import Picker

FAST_ENGINES = ("greedy", "ortools", "pyvrp", "vroom", "auto")


@dataclass(frozen=True)
class Outcome:
    kind: str
    """``accepted``, ``refused`` or ``defect``."""
    what: str = ""
    """For a refusal, the error type; for a defect, what broke (one line)."""
    inputs: int = 1
    """How many inputs the trial fed (events in a stream, files, answers)."""


ACCEPTED = Outcome("accepted")


def defect(what: str, inputs: int = 1) -> Outcome:
    return Outcome("defect", what[:300], inputs)


def refused(exc: BaseException, inputs: int = 1) -> Outcome:
    return Outcome("refused", type(exc).__name__, inputs)


def raw(where: str, exc: BaseException, inputs: int = 1) -> Outcome:
    return defect(f"raw {type(exc).__name__} in {where}: {exc}", inputs)


def guarded(where: str, fn: Callable[[], Outcome], inputs: int = 1) -> Outcome:
    """``fn()``, with a MedrouteError counted as refused and anything else as a defect."""
    try:
        return fn()
    except MedrouteError as exc:
        return refused(exc, inputs)
    except Exception as exc:
        return raw(where, exc, inputs)


# ------------------------------------------------------------------------------------- problems
def hostile_source(doc: Any, pick: Picker, folder: Path) -> Any:
    """``doc`` mutated, then handed over as a dict, as JSON text or as a file (bytes damaged)."""
    how = pick.int(0, 9)
    mutated = nudge_doc(doc, pick) if pick.chance(0.5) else mutate_doc(doc, pick)
    if how <= 6:
        return mutated
    text = dumps(mutated) if how <= 8 else dumps(doc)
    data = corrupt_bytes(text.encode("utf-8", "surrogatepass"), pick) if how >= 8 else text.encode(
        "utf-8", "surrogatepass")
    if how == 7:
        return data.decode("utf-8", "replace")
    path = folder / f"input-{pick.int(0, 10**9)}.json"
    path.write_bytes(data)
    return path


def rereads(p: Problem, folder: Path) -> str:
    """Why ``p`` does not survive writing and reading back ('' if it does)."""
    try:
        text = json.dumps(p.to_json(), allow_nan=False, ensure_ascii=False)
        if Problem.from_json(json.loads(text)) != p:
            return "to_json → from_json gives another problem"
        path = folder / "saved.json"
        p.save(path)
        if Problem.from_json(path) != p:
            return "save → from_json gives another problem"
    except Exception as exc:
        return f"written problem does not read back: {type(exc).__name__}: {exc}"
    return ""


def judge_plan(p: Problem, s: Solution, matrix: Any = None) -> str:
    """Why plan ``s`` breaks a promise for ``p`` ('' if it keeps them all)."""
    violations = check(p, s, matrix)
    if violations:
        return f"plan fails the checker: {violations[0]}"
    seen = [o for r in s.routes for o in r.orders] + [u.order for u in s.unassigned]
    if sorted(seen) != sorted(o.id for o in p.orders):
        return f"orders lost or doubled: {len(seen)} reported for {len(p.orders)}"
    return ""


def solve_and_judge(p: Problem, engine: str, time_limit: float) -> Outcome:
    t0 = time.perf_counter()
    s = medroute.solve(p, engine=engine, time_limit=time_limit, seed=0)
    took = time.perf_counter() - t0
    if (why := judge_plan(p, s)):
        return defect(f"{engine}: {why}")
    if took > 1.05 * time_limit + 1.0:
        return defect(f"{engine}: {took:.2f} s for time_limit={time_limit} s ({len(p.orders)} orders)")
    return ACCEPTED


def problem_trial(pick: Picker, *, engines: tuple[str, ...] = FAST_ENGINES, time_limit: float = 0.3) -> Outcome:
    """A mutated problem document: read it; if accepted, write it back and solve it."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = hostile_source(seeds.problem(pick).to_json(), pick, folder)
        try:
            p = Problem.from_json(source)
        except MedrouteError as exc:
            return refused(exc)
        except Exception as exc:
            return raw("Problem.from_json", exc)
        if (why := rereads(p, folder)):
            return defect(why)
    engine = pick.choice(engines)
    return guarded(f"solve(engine={engine!r})", lambda: solve_and_judge(p, engine, time_limit))


# ------------------------------------------------------------------------------------- plans
def _tamper(doc: dict[str, Any], pick: Picker) -> dict[str, Any] | None:
    """A plan document changed so that it must break a rule (``None`` if this plan offers no
    place for the chosen change)."""
    visits = [(r, i) for r, route in enumerate(doc["routes"]) for i, s in enumerate(route["stops"])
              if s["kind"] in ("pickup", "delivery", "end")]
    if not visits:
        return None
    r, i = pick.choice(visits)
    stop = doc["routes"][r]["stops"][i]
    delta = pick.choice([-600, -1, 1, 7, 3600])
    field = pick.choice(["arrival_s", "travel_s", "load", "drop", "unassign"])
    if field in ("arrival_s", "travel_s"):
        stop[field] += delta
    elif field == "load":
        stop["load"][pick.int(0, 4)] += abs(delta)
    elif stop["kind"] == "delivery" and field == "drop":
        del doc["routes"][r]["stops"][i]
    elif stop["kind"] == "delivery":
        doc["unassigned"].append({"order": stop["order"], "reason": "capacity", "detail": ""})
    else:
        stop["arrival_s"] += delta
    return doc


def plan_trial(pick: Picker) -> Outcome:
    """A plan for a valid problem, tampered with (the checker must object) or mutated at random
    (reading and checking it must not crash)."""
    p = seeds.problem(pick, max_riders=2)
    try:
        s = medroute.solve(p, engine="greedy", time_limit=1, seed=0)
    except MedrouteError:
        return Outcome("accepted", "no plan to mutate")
    except Exception as exc:
        return raw("solve(engine='greedy')", exc)
    doc = s.to_json()
    must_fail = pick.chance(0.4)
    mutated = (_tamper(json.loads(json.dumps(doc)), pick) if must_fail
               else nudge_doc(doc, pick) if pick.chance(0.5) else mutate_doc(doc, pick))
    if mutated is None:
        return ACCEPTED
    try:
        s2 = Solution.from_json(mutated)
        with warnings.catch_warnings():  # a mutated plan's travel record may name other travel
            warnings.simplefilter("ignore", TravelMismatchWarning)
            violations = check(p, s2)
    except MedrouteError as exc:
        return refused(exc)
    except Exception as exc:
        return raw("Solution.from_json/check", exc)
    if must_fail and not violations:
        return defect("the checker passed a tampered plan")
    try:
        written = json.loads(json.dumps(s2.to_json(), allow_nan=False))
        if Solution.from_json(written).to_json() != written:
            return defect("a written plan does not read back as written")
    except Exception as exc:
        return raw("plan round trip", exc)
    return ACCEPTED

