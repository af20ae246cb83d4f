"""The benchmark suite runner: every engine on the same scenarios, travel matrix and budgets.

:func:`run_suite` solves each scenario of a suite with each engine at each time budget and seed,
checks every plan with the independent :func:`medroute.check`, and writes ``runs.csv``,
``runs.json``, ``RESULTS.md`` and PNG plots into one directory. :func:`run_scale` measures the
solve time and quality of one engine against the number of orders (the scale curve).

Engines whose ``supports()`` is false (PyVRP and VROOM on problems with cold-chain
budgets or soft targets) cannot go through :func:`medroute.solve`, which refuses them. They are
run *relaxed* — on what they can model — and their plans are still checked against the full
problem:

* a plan whose routes all time under the full rules is assembled exactly as ``solve`` would
  (VROOM's engine always returns such plans: it drops orders a route cannot keep);
* a plan with a route that does not (PyVRP's, when a cold budget is broken) is timed on the
  relaxed instance (no out-of-fridge budgets, each node's windows replaced by their hull) and
  :func:`medroute.check` then lists every rule it breaks.

Such runs are marked ``relaxed`` in every table. Cost is the plan's objective in Rupiah
(riding distance and time, lateness, unserved orders, riders); ``fare`` is the distance fare
alone. ``ratio`` is the objective over the best objective among runs *without violations* of
the same scenario, budget and seed.

This package is the library half of ``medroute bench``; the CLI adds a progress bar
(:mod:`medroute.bench_cli`). Its modules: :mod:`~medroute.bench.records` (suites, run records,
ratios), :mod:`~medroute.bench.suite` (the runner), :mod:`~medroute.bench.report` (``RESULTS.md``
and plots; matplotlib's Agg backend, imported lazily), :mod:`~medroute.bench.scale` (the scale
curve), :mod:`~medroute.bench.results` (``meta.json``) and :mod:`~medroute.bench.provenance`
(which study a quoted figure comes from). The public names of the first four are importable from
``medroute.bench``.
"""

from .records import BUDGET_ENGINES as BUDGET_ENGINES
from .records import COLD_HEAVY as COLD_HEAVY
from .records import COLD_RULES as COLD_RULES
from .records import ENGINES as ENGINES
from .records import SUITES as SUITES
from .records import VROOM_SURGE_SKIP as VROOM_SURGE_SKIP
from .records import Loader as Loader
from .records import Progress as Progress
from .records import RunRecord as RunRecord
from .records import ScenarioRun as ScenarioRun
from .records import Suite as Suite
from .records import check_options as check_options
from .records import with_ratios as with_ratios
from .report import engines_run as engines_run
from .report import headline as headline
from .report import headline_table as headline_table
from .report import plot_suite as plot_suite
from .report import render_markdown as render_markdown
from .report import rerender as rerender
from .report import simulated_days as simulated_days
from .report import targets as targets
from .scale import SCALE_SIZES as SCALE_SIZES
from .scale import ScalePoint as ScalePoint
from .scale import run_scale as run_scale
from .scale import scale_budget as scale_budget
from .suite import default_loader as default_loader
from .suite import run_suite as run_suite
from .suite import solve_once as solve_once
from .suite import write_runs as write_runs
