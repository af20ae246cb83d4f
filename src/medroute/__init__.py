"""medroute: plan medicine deliveries by motorbike — who picks up which order at which pharmacy,
in what order and when — with time windows, cold chain, capacities and shifts respected.

The public face::

    import medroute
    problem = medroute.Problem.from_json("day.json")
    solution = medroute.solve(problem, time_limit=30)
    assert medroute.check(problem, solution) == []
"""

import logging

from .check import Rule as Rule
from .check import Violation as Violation
from .check import check as check
from .coldchain import TemperatureClass as TemperatureClass
from .compile import Instance as Instance
from .compile import compile_problem as compile_problem
from .dispatch import Dispatcher as Dispatcher
from .errors import EngineError as EngineError
from .errors import InvalidMatrixError as InvalidMatrixError
from .errors import InvalidProblemError as InvalidProblemError
from .errors import InvalidSolutionError as InvalidSolutionError
from .errors import MedrouteError as MedrouteError
from .errors import MissingDependencyError as MissingDependencyError
from .errors import MissingTravelWarning as MissingTravelWarning
from .errors import SchemaError as SchemaError
from .errors import TravelMismatchWarning as TravelMismatchWarning
from .errors import UnreachableLocationError as UnreachableLocationError
from .geo import Location as Location
from .matrices import MatrixLike as MatrixLike
from .matrices import sub_matrix as sub_matrix
from .model import COST_FIRST as COST_FIRST
from .model import PATIENTS_FIRST as PATIENTS_FIRST
from .model import CoolBox as CoolBox
from .model import Flag as Flag
from .model import Objective as Objective
from .model import Order as Order
from .model import Pharmacy as Pharmacy
from .model import Problem as Problem
from .model import Rider as Rider
from .model import TimeWindow as TimeWindow
from .precheck import precheck as precheck
from .reasons import Reason as Reason
from .simulate import simulate as simulate
from .solution import Kpis as Kpis
from .solution import Load as Load
from .solution import Route as Route
from .solution import Solution as Solution
from .solution import Stop as Stop
from .solution import StopKind as StopKind
from .solution import TravelSource as TravelSource
from .solution import Unassigned as Unassigned
from .solve import solve as solve
from .stats import SolveStats as SolveStats
from .stop import MaxRuntime as MaxRuntime
from .stop import MaxWork as MaxWork
from .stop import NoImprovement as NoImprovement
from .stop import StopReason as StopReason
from .travel import TravelMatrix as TravelMatrix

__all__ = [
    "COST_FIRST", "PATIENTS_FIRST", "CoolBox", "Dispatcher", "EngineError", "Flag", "Instance",
    "InvalidMatrixError", "InvalidProblemError", "InvalidSolutionError", "Kpis", "Load", "Location",
    "MatrixLike", "MaxRuntime", "MaxWork", "MedrouteError", "MissingDependencyError",
    "MissingTravelWarning", "NoImprovement", "Objective", "Order", "Pharmacy", "Problem", "Reason",
    "Rider", "Route", "Rule", "SchemaError", "Solution", "SolveStats", "Stop", "StopKind",
    "StopReason", "TemperatureClass", "TimeWindow", "TravelMatrix", "TravelMismatchWarning",
    "TravelSource", "Unassigned", "UnreachableLocationError", "Violation", "check",
    "compile_problem", "precheck", "simulate", "solve", "sub_matrix",
]
"""The public names: what ``from medroute import *`` binds (no submodule, no ``logging``)."""

__version__ = "0.1.0"

logging.getLogger("medroute").addHandler(logging.NullHandler())

