"""nmosim: discrete-event simulation of treatment courses in NMOSD and relapsing MS."""
from .scenario import Scenario, ScenarioError, load_scenario, replace

__all__ = ["ReplicateResults", "Results", "Scenario", "ScenarioError", "load_scenario", "replace", "replicates", "run",
           "sweep"]
__version__ = "0.1.0"


def __getattr__(name: str):
    """`sim.run`, `sim.Results`, `sim.replicates`, `sim.sweep` and `sim.figures` load the engine (or matplotlib) on
    first use, so `nmosim validate` starts fast."""
    if name in ("run", "Results"):
        from . import runner

        return getattr(runner, name)
    if name in ("replicates", "sweep", "ReplicateResults"):
        from . import api

        return getattr(api, name)
    if name == "figures":
        import importlib

        return importlib.import_module(".figures", __name__)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
