"""Engines: greedy, ortools, pyvrp and the auto portfolio, behind one protocol."""

from .base import Engine as Engine
from .base import EngineResult as EngineResult
