"""nmosim: discrete-event simulation of treatment courses in NMOSD and relapsing MS."""
import sys as _sys
import types as _types

from .scenario import Scenario, ScenarioError, load_scenario, replace

__all__ = ["ReplicateResults", "Results", "Scenario", "ScenarioError", "load_scenario", "replace", "replicates", "run",
           "sweep"]
__version__ = "0.1.0"

_CALLABLE = ("replicates", "sweep")     # sim.replicates(...) and sim.sweep(...): sim/api.py's functions


def __getattr__(name: str):
    """`sim.run`, `sim.Results`, `sim.replicates`, `sim.sweep` and `sim.figures` load the engine (or matplotlib) on
    first use, so `nmosim validate` starts fast."""
    if name in ("run", "Results"):
        from . import runner

        return getattr(runner, name)
    if name == "ReplicateResults":
        from .api import ReplicateResults

        return ReplicateResults
    if name in (*_CALLABLE, "figures"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


class _CallableModule(_types.ModuleType):
    """`sim.sweep` and `sim.replicates` are the modules sim/sweep.py and sim/replicates.py (importing a submodule makes
    it the package's attribute of that name, so a function of the same name would not stay there); called, they run
    `sim.api.sweep` and `sim.api.replicates`, and `inspect.signature` gives those functions' signatures."""

    def __call__(self, *args, **kwargs):
        """Run sim.api.<name> (help(sim.api.sweep), help(sim.api.replicates))."""
        return self._api_function()(*args, **kwargs)

    def _api_function(self):
        from . import api

        return getattr(api, self.__name__.rpartition(".")[2])

    @property
    def __signature__(self):
        import inspect

        return inspect.signature(self._api_function())


class _Package(_types.ModuleType):
    def __setattr__(self, name, value):
        if name in _CALLABLE and type(value) is _types.ModuleType:
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
