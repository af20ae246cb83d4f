"""Big days planned in parts: split by pharmacy catchment and geography, the parts solved in
parallel on any executor (a process pool, a Dask cluster), then re-planned in neighbouring pairs
across their borders while the budget lasts — with travel computed per part, never over the
whole day (``docs/decompose.md``).

::

    from medroute.decompose import solve_decomposed
    plan = solve_decomposed(problem, matrix=backend, stop=MaxRuntime(300))
    medroute.check(problem, plan, backend)         # asks the backend for the plan's legs only

``medroute.solve(problem)`` (``auto``) does the same from :data:`DECOMPOSE_ABOVE` orders.
"""

from .day import DECOMPOSE_ABOVE as DECOMPOSE_ABOVE
from .day import decomposes as decomposes
from .day import large as large
from .day import solve_decomposed as solve_decomposed
from .engine import DecomposeEngine as DecomposeEngine
from .partition import Part as Part
from .partition import Partition as Partition
from .partition import split as split
