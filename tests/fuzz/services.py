"""Fuzz trials where medroute meets the outside: the ``medroute`` command (a real subprocess) and
the HTTP OSRM client against the misbehaving server of :mod:`tests.fuzz.faulty_osrm`."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from medroute import Location
from medroute.errors import MedrouteError
from medroute.travel.osrm import OsrmHttpBackend
from tests.fuzz import seeds
from tests.fuzz.faulty_osrm import FAULTS, ROUTE_EXPECT, Fault, _Server, table, url_of
from tests.fuzz.mutate import mutate_doc, nudge_doc
from tests.fuzz.pick import Picker
from tests.fuzz.trials import ACCEPTED, Outcome, defect, hostile_source, raw, refused

REFUSED_CODES = {2, 4, 5}
"""docs/cli.md: bad input, missing optional dependency, no internet."""

CLI_TIMEOUT_S = 120


def medroute_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed ``medroute`` command of this interpreter's environment."""
    exe = Path(sys.executable).with_name("medroute")
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=CLI_TIMEOUT_S,
                          check=False)


def _judge_exit(proc: subprocess.CompletedProcess[str], what: str, *, violations_ok: bool) -> Outcome:
    """Exit 0 (and 1 for ``check``) accepted; 2, 4, 5 refused; anything else, or a traceback, a defect."""
    if "Traceback (most recent call last)" in proc.stderr:
        return defect(f"{what}: a traceback on stderr: {proc.stderr.strip().splitlines()[-1]}")
    if proc.returncode == 0 or (violations_ok and proc.returncode == 1):
        return ACCEPTED
    if proc.returncode in REFUSED_CODES:
        if len(proc.stderr.strip().splitlines()) != 1:
            return defect(f"{what}: exit {proc.returncode} without a one-line message: {proc.stderr[:200]!r}")
        return Outcome("refused", f"exit {proc.returncode}")
    return defect(f"{what}: exit {proc.returncode}: {proc.stderr.strip()[-200:]}")


def cli_trial(pick: Picker) -> Outcome:
    """``medroute solve`` on a hostile problem file (or with hostile options), then ``medroute
    check`` on what it wrote, or on a mutated plan."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = hostile_source(seeds.problem(pick, max_orders=5).to_json(), pick, folder)
        path = source if isinstance(source, Path) else folder / "problem.json"
        if not isinstance(source, Path):
            path.write_text(source if isinstance(source, str) else json.dumps(source), encoding="utf-8",
                            errors="surrogatepass")
        out = "out" if pick.chance(0.8) else pick.choice(["problem.json", "/proc/medroute-out", "a/b/c"])
        options: list[str] = [] if pick.chance(0.7) else pick.choice([
            ["--time-limit", pick.choice(["nan", "-1", "0", "1e308"])],
            ["--engine", pick.choice(["ortools", "nope", ""])], ["--seed", "99999999999999999999"]])
        try:
            solved = medroute_cli("solve", str(path), "-o", out, "--engine", "greedy", "--time-limit", "2",
                                  "--no-figures", *options, cwd=folder)
        except subprocess.TimeoutExpired:
            return defect(f"medroute solve did not end within {CLI_TIMEOUT_S} s")
        verdict = _judge_exit(solved, "medroute solve", violations_ok=False)
        written = folder / out / "plan.json"
        if verdict.kind != "accepted" or not written.exists():
            return verdict
        plan_path = written
        if pick.chance(0.5):
            plan = json.loads(written.read_text(encoding="utf-8"))
            plan_path = folder / "mutated-plan.json"
            plan_path.write_text(json.dumps(nudge_doc(plan, pick) if pick.chance(0.5) else mutate_doc(plan, pick)),
                                 encoding="utf-8", errors="surrogatepass")
        checked = medroute_cli("check", str(folder / out / "problem.json"), str(plan_path), cwd=folder)
        if plan_path == written and checked.returncode != 0:
            return defect(f"medroute check refuses what medroute solve wrote: exit {checked.returncode}: "
                          f"{checked.stderr.strip()[-200:]}")
        return _judge_exit(checked, "medroute check", violations_ok=True)


# ------------------------------------------------------------------------------------- OSRM over HTTP
POINTS = [Location(-8.0, 114.0), Location(-8.0, 114.01), Location(-8.01, 114.0)]


def _mutated_table(pick: Picker) -> Fault:
    """A fault that serves a well-formed answer mutated (shapes, types and values broken)."""
    doc = mutate_doc(table(len(POINTS)), pick)
    body = json.dumps(doc).encode("utf-8", "surrogatepass")

    def respond(req: Any) -> list[bytes | float]:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        return [head.encode() + body]

    return Fault("mutated table", respond, None)


def osrm_fault(fault: Fault, service: str, server: _Server, *, timeout_s: float = 1.0) -> Outcome:
    """One request answered with ``fault``: it must end in time, as the fault's ``expect`` says."""
    expect = ROUTE_EXPECT.get(fault.name, fault.expect) if service == "route" else fault.expect
    return _request(fault, service, expect, server, timeout_s)


def osrm_trial(pick: Picker, server: _Server, *, timeout_s: float = 1.0, slow: bool = True) -> Outcome:
    """One request to the faulty server: a listed fault (``slow=False`` skips those that take the
    whole timeout) or a mutated table answer. It must end within the deadline, with a matrix or
    an OsrmError / UnreachableLocationError of the expected type."""
    faults = [f for f in FAULTS if slow or not f.slow]
    fault = pick.choice(faults) if pick.chance(0.5) else _mutated_table(pick)
    service = "table" if fault.name == "mutated table" else pick.choice(["table", "route"])
    if fault.name == "mutated table":
        return _request(fault, service, None, server, timeout_s)
    return osrm_fault(fault, service, server, timeout_s=timeout_s)


def _request(fault: Fault, service: str, expect: type[Exception] | None, server: _Server,
             timeout_s: float) -> Outcome:
    server.fault = fault
    client = OsrmHttpBackend(url_of(server), timeout_s=timeout_s)
    t0 = time.monotonic()
    try:
        if service == "table":
            ok = client.matrix(POINTS).size == len(POINTS)
        else:
            ok = len(client.path(*POINTS[:2])) >= 2
        outcome = ACCEPTED if ok else defect(f"{fault.name}: a wrong-sized answer was accepted")
        if ok and expect is not None:
            outcome = defect(f"{fault.name} ({service}): accepted, expected {expect.__name__}")
    except MedrouteError as exc:
        outcome = refused(exc)
        if fault.name != "mutated table" and type(exc) is not expect:
            outcome = defect(f"{fault.name} ({service}): {type(exc).__name__}: {exc}")
    except Exception as exc:
        outcome = raw(f"OsrmHttpBackend ({fault.name}, {service})", exc)
    took = time.monotonic() - t0
    if took > timeout_s + 0.5:
        return defect(f"{fault.name} ({service}): {took:.1f} s for timeout_s={timeout_s}")
    return outcome
