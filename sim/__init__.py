"""nmosim: discrete-event simulation of treatment courses in NMOSD and relapsing MS."""
from .scenario import Scenario, ScenarioError, load_scenario, replace

__all__ = ["Results", "Scenario", "ScenarioError", "load_scenario", "replace", "run"]
__version__ = "0.1.0"


def __getattr__(name: str):
    """`sim.run` and `sim.Results` load the engine on first use, so `nmosim validate` starts fast."""
    if name in ("run", "Results"):
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
