"""Cold chain in Banyuwangi: why the default engine is a portfolio and not PyVRP alone.

Two hospital pharmacies, RSUD Blambangan in Banyuwangi town and RSUD Genteng 28 km to the
west, send out 30 prescriptions by motorbike. Six are insulin pens (refrigerated, 2 h out of
the fridge at most) for patients spread along the coast road south of town, around Rogojampi,
Srono and Muncar — an hour's ride from Blambangan. The distance-shortest plan picks all six up
at once and drops them off in one sweep, so the last pens ride well over two hours; PyVRP
cannot model that budget (it says so in ``supports``) and returns exactly that plan. The
``auto`` engine starts from PyVRP, repairs what breaks the budget and polishes the plan with
the full model; :func:`medroute.check` finds no violation in it.

Travel is haversine (great circle × 1.35 at 30 km/h): no data files are needed. Run::

    python examples/coldchain.py
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import medroute
from medroute import CoolBox, Location, Order, Pharmacy, Problem, Rider, Rule, Solution, TimeWindow
from medroute.compile import compile_problem
from medroute.engines.base import relaxed_instance
from medroute.engines.portfolio import AutoEngine
from medroute.engines.pyvrp import PyVrpEngine
from medroute.schedule import build_solution
from medroute.stop import MaxRuntime

RSUD_BLAMBANGAN = Location(-8.20840, 114.36617)
RSUD_GENTENG = Location(-8.36560, 114.16386)
"""RSUD Genteng, from medroute/data/banyuwangi/banyuwangi_faskes_20.geojson (feature "RSUD Genteng",
lon 114.16386279997022, lat -8.365603199999057), rounded to 5 decimals (about 1 m)."""

H = 3600

# Patients' doors (lat, lon). Town: within ~5 km of RSUD Blambangan.
TOWN = [(-8.1920, 114.3560), (-8.2010, 114.3780), (-8.2180, 114.3720), (-8.2250, 114.3580),
        (-8.2120, 114.3450), (-8.1850, 114.3700), (-8.2330, 114.3690), (-8.1960, 114.3380),
        (-8.2400, 114.3500), (-8.1780, 114.3620), (-8.2070, 114.3860), (-8.2270, 114.3410)]
# Genteng and its villages, within ~6 km of RSUD Genteng.
GENTENG = [(-8.3560, 114.1550), (-8.3720, 114.1800), (-8.3810, 114.1530), (-8.3480, 114.1750),
           (-8.3900, 114.1700), (-8.3600, 114.1350), (-8.3400, 114.1600)]
# Insulin along the coast road south: Rogojampi, Srono, Muncar (25-30 km from Blambangan).
INSULIN = [(-8.3900, 114.3250), (-8.4100, 114.3050), (-8.4280, 114.3350), (-8.4450, 114.3150),
           (-8.4050, 114.3480), (-8.4350, 114.2900)]
# Ambient orders in the same southern villages.
SOUTH = [(-8.4150, 114.3200), (-8.3980, 114.3400), (-8.4400, 114.3300), (-8.4220, 114.2980),
         (-8.3850, 114.3050)]


def build_problem() -> Problem:
    """The 30-order cold-chain day (see the module docstring)."""
    day = TimeWindow(8 * H, 17 * H)
    pharmacies = (
        Pharmacy("blambangan", RSUD_BLAMBANGAN, opening=(TimeWindow(7 * H, 17 * H),), name="RSUD Blambangan"),
        Pharmacy("genteng", RSUD_GENTENG, opening=(TimeWindow(7 * H, 17 * H),), name="RSUD Genteng"),
    )
    orders: list[Order] = []
    for i, (lat, lon) in enumerate(TOWN):
        orders.append(Order(f"town-{i}", "blambangan", Location(lat, lon), release_s=8 * H, windows=(day,)))
    for i, (lat, lon) in enumerate(SOUTH):
        orders.append(Order(f"south-{i}", "blambangan", Location(lat, lon), release_s=8 * H, windows=(day,)))
    for i, (lat, lon) in enumerate(INSULIN):
        orders.append(Order(f"insulin-{i}", "blambangan", Location(lat, lon), release_s=8 * H, windows=(day,),
                            temperature="refrigerated", max_ride_s=2 * H, weight_g=300, volume_ml=500))
    for i, (lat, lon) in enumerate(GENTENG):
        orders.append(Order(f"genteng-{i}", "genteng", Location(lat, lon), release_s=8 * H, windows=(day,)))
    shift = TimeWindow(7 * H, 18 * H)
    cool = CoolBox(parcels=6, hold_s=4 * H)
    riders = (
        Rider("ayu", RSUD_BLAMBANGAN, start_s=8 * H, shift=shift, coolbox=cool),
        Rider("budi", RSUD_BLAMBANGAN, start_s=8 * H, shift=shift, coolbox=cool),
        Rider("citra", RSUD_BLAMBANGAN, start_s=8 * H, shift=shift),
        Rider("dewi", RSUD_GENTENG, start_s=8 * H, shift=shift, coolbox=cool),
        Rider("eko", RSUD_GENTENG, start_s=8 * H, shift=shift),
    )
    return Problem(pharmacies=pharmacies, orders=tuple(orders), riders=riders, name="banyuwangi-coldchain")


@dataclass(frozen=True)
class Outcome:
    """One engine's plan and what the checker says about it."""

    engine: str
    solution: Solution
    violations: list[medroute.Violation]
    seconds: float

    @property
    def cold_violations(self) -> int:
        return sum(v.rule == Rule.COLD_BUDGET for v in self.violations)


def solve_both(problem: Problem, *, time_limit: float = 10.0, seed: int = 0) -> tuple[Outcome, Outcome]:
    """Solve ``problem`` with PyVRP alone and with ``auto`` (``time_limit`` seconds each) and check both.

    PyVRP's routes may not time under the budgets; they are timed on the relaxed instance (as
    PyVRP saw it) so that the checker can show what the relaxation broke.
    """
    inst = compile_problem(problem)
    out = []
    for engine in (PyVrpEngine(), AutoEngine()):
        t0 = time.perf_counter()
        res = engine.solve(inst, stop=MaxRuntime(time_limit), seed=seed)
        seconds = time.perf_counter() - t0
        timing = relaxed_instance(inst) if engine.name == "pyvrp" else inst
        sol = build_solution(timing, res.routes, reasons=res.reasons, engine=engine.name, seed=seed,
                             solve_time_s=seconds, notes=res.notes)
        out.append(Outcome(engine.name, sol, medroute.check(problem, sol), seconds))
    return out[0], out[1]


def main(time_limit: float = 10.0) -> int:
    problem = build_problem()
    cold = sum(o.is_cold for o in problem.orders)
    print(f"{problem.name}: {len(problem.orders)} orders ({cold} refrigerated, 2 h budget), "
          f"{len(problem.riders)} riders")
    pyvrp_out, auto_out = solve_both(problem, time_limit=time_limit)
    print("pyvrp supports():", PyVrpEngine().supports(compile_problem(problem)))
    for o in (pyvrp_out, auto_out):
        k = o.solution.kpis
        print(f"{o.engine:>6}: {len(o.violations)} violations ({o.cold_violations} cold budget), "
              f"served {k.served}/{k.orders}, {k.distance_m / 1000:.1f} km, objective Rp {k.objective_rp:,.0f}, "
              f"max time out of the fridge {k.max_cold_exposure_s / 60:.0f} min, {o.seconds:.1f} s")
    for v in pyvrp_out.violations[:6]:
        print("   pyvrp:", v)
    return 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0))
