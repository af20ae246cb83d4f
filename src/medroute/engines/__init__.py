"""Engines: greedy, ortools, pyvrp and the auto portfolio, behind one protocol."""

from .base import SUPPORTED as SUPPORTED
from .base import Engine as Engine
from .base import EngineResult as EngineResult
from .base import Support as Support
