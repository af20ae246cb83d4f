"""Named, seeded delivery days for Banyuwangi and stand-in towns: the scenario registry.

::

    from medroute import scenarios
    sc = scenarios.load("historic", seed=1)
    sc.problem, sc.matrix            # a Problem and a TravelMatrix over problem.locations
    print(sc.description)            # where the data came from, and any fallback
    scenarios.load("surabaya", orders=2000)   # any parameter of scenarios.params by name

Scenarios (defaults and their sources in :mod:`medroute.scenarios.params` and ``docs/scenarios.md``):

* ``historic``: RSUD Blambangan and RSUD Genteng, 20 orders, 15 riders (the 2017 launch).
* ``expanded``: all 20 real facilities, 200 orders.
* ``surge``: 5 × expanded, 1,000 orders.
* ``pancer``: the real OSM extract around Pancer, 6 orders from the nearest facility.
* ``puskesmas``: all 45 puskesmas and the two RSUDs, 300 orders by population over the whole
  regency, haversine travel (the shipped roads do not reach most of it).
* ``probolinggo``, ``surabaya``: the same generator on those towns' OSM graphs with synthetic
  pickup sites, for the scale curve (``orders=20`` … ``10000``).

:func:`province` gives several towns' days at once (a batch for :func:`medroute.batch.solve_many`).

The Banyuwangi data ships with the package; the stand-in towns' extracts live in the repository's
``benchmarks/data`` (``docs/data.md``). The same name, seed and overrides always give the identical
problem (``problem.to_json()``).
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import InvalidProblemError
from ..model import Problem
from ..scalars import Integer
from ..travel.base import TravelBackend, TravelMatrix
from .params import PARAMS as PARAMS
from .params import Param as Param
from .params import ParamValue, resolve

BACKENDS = ("auto", "osm", "haversine", "osmnx-download")
"""Values of ``load(..., backend=)``: ``auto`` and ``osm`` = the scenario's road graph; ``haversine``
uses straight lines for travel (patients are still placed on the roads); ``osmnx-download`` builds
the regency's road graph with osmnx (needs the internet once, then cached)."""

_NAMES = ("historic", "expanded", "surge", "pancer", "puskesmas", "probolinggo", "surabaya")


@dataclass(frozen=True, eq=False)
class Scenario:
    """A generated day, ready to solve.

    Attributes
    ----------
    name
        The scenario name.
    seed
        The seed it was generated with.
    problem
        The problem.
    backend_name
        ``"osm"`` (road graph) or ``"haversine"``.
    description
        One paragraph: what it is, where the data came from, any fallback.
    params
        The parameter values used (defaults, scenario defaults and overrides).
    travel_backend
        The travel backend; its ``path(a, b)`` draws road paths. Pass it as
        ``matrix=`` to plan a big day without a full matrix (:mod:`medroute.decompose`).
    """

    name: str
    seed: int
    problem: Problem
    backend_name: str
    description: str
    params: Mapping[str, ParamValue]
    travel_backend: TravelBackend

    @cached_property
    def matrix(self) -> TravelMatrix:
        """Travel durations (s) and distances (m) over ``problem.locations``, computed by
        :attr:`travel_backend` when first asked for (a square matrix over every place); its
        ``backend`` is :attr:`backend_name`, which a plan made with it records."""
        m = self.travel_backend.matrix(self.problem.locations)
        return m if m.backend else dataclasses.replace(m, backend=self.backend_name)


def names() -> tuple[str, ...]:
    """The registered scenario names."""
    return _NAMES


def load(name: str, *, seed: Integer = 0, data_dir: Path | None = None, backend: str = "auto",
         cache_dir: Path | None = None, **overrides: Any) -> Scenario:
    """Generate scenario ``name``.

    Parameters
    ----------
    name
        One of :func:`names`.
    seed
        Random seed, a non-negative integer (numpy's too); the same seed (and overrides) gives
        the identical problem.
    data_dir
        A data directory searched before the usual places (:mod:`medroute.datadir`: the
        settings, ``$MEDROUTE_DATA``, the shipped data); it may hold only the files it replaces.
    backend
        One of :data:`BACKENDS`.
    cache_dir
        When given, travel matrices are cached there as ``.npz`` (keyed by graph
        content and points) and ``osmnx-download`` graphs are kept there.
    **overrides
        Generator parameters by name (see :data:`PARAMS`), e.g. ``orders=500``.

    Raises
    ------
    InvalidProblemError
        Unknown scenario, backend or parameter, a bad parameter value, or a negative seed.
    DataNotFoundError
        ``data_dir`` is not a directory, or the scenario needs a data file found
        nowhere (the stand-in towns' extracts are not in the wheel).
    """
    if name not in _NAMES:
        raise InvalidProblemError(f"scenario {name!r} is unknown; choose one of {list(_NAMES)}")
    if backend not in BACKENDS:
        raise InvalidProblemError(f"scenario {name!r}: backend {backend!r} is unknown; choose one of {list(BACKENDS)}")
    if backend == "osmnx-download" and name not in ("historic", "expanded", "surge", "puskesmas"):
        raise InvalidProblemError(f"scenario {name!r}: backend 'osmnx-download' is for the Banyuwangi regency "
                                  "scenarios (historic, expanded, surge, puskesmas)")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InvalidProblemError(f"scenario {name!r}: seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)  # a numpy integer (a sweep over np.arange) is kept as a Python int
    values = resolve(name, overrides)
    from .. import datadir
    from . import banyuwangi as bw

    kw: dict[str, Any] = {"seed": seed, "data_dir": datadir.user_data_dir(data_dir), "backend": backend,
                          "values": values, "cache_dir": Path(cache_dir) if cache_dir is not None else None}
    if name == "historic":
        gen = bw.build_banyuwangi(name, which="rsud", **kw)
    elif name in ("expanded", "surge"):
        gen = bw.build_banyuwangi(name, which="all", **kw)
    elif name == "pancer":
        gen = bw.build_pancer(**kw)
    elif name == "puskesmas":
        from .puskesmas import build_puskesmas

        gen = build_puskesmas(**kw)
    else:
        gen = bw.build_stand_in(name, **kw)
    return Scenario(name=name, seed=seed, problem=gen.problem, backend_name=gen.backend_name,
                    description=gen.description, params=MappingProxyType(dict(values)),
                    travel_backend=gen.travel_backend)


from .province import province as province  # noqa: E402  (it builds on load)
