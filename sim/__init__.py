"""nmosim: discrete-event simulation of treatment courses in NMOSD and relapsing MS."""
from .runner import Results, run
from .scenario import Scenario, ScenarioError, load_scenario

__all__ = ["Results", "Scenario", "ScenarioError", "load_scenario", "run"]
__version__ = "0.1.0"
