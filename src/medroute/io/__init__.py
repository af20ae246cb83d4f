"""Readers of the routing literature's benchmark formats.

``read_lilim`` (Li & Lim PDPTW), ``read_solomon`` (Solomon VRPTW) and ``read_darp`` (Cordeau 2006
dial-a-ride) return a :class:`LiteratureInstance`: the medroute problem, its planar travel matrix
and the literature's double-precision scoring. See ``docs/literature.md`` for the mapping.
"""

from .darp import read_darp as read_darp
from .lilim import read_lilim as read_lilim
from .literature import KINDS as KINDS
from .literature import SCALE as SCALE
from .literature import LiteratureFormatError as LiteratureFormatError
from .literature import LiteratureInstance as LiteratureInstance
from .literature import planar_matrix as planar_matrix
from .literature import read_bks as read_bks
from .sets import bks_path as bks_path
from .sets import instance_paths as instance_paths
from .sets import iter_instances as iter_instances
from .sets import read_instance as read_instance
from .solomon import read_solomon as read_solomon
