"""The ``auto`` portfolio: a stage table over a candidate pool (see :mod:`.auto`)."""

from .auto import AutoEngine as AutoEngine
from .pool import Candidate as Candidate
from .pool import CandidatePool as CandidatePool
from .stages import STAGES as STAGES
from .stages import Stage as Stage
