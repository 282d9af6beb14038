"""Figures (matplotlib Figure objects, no pyplot; the backend is the user's), PNG and SVG.

For a notebook: km, arr, wbc, cumulative_dose (of a Results or a run folder) and sweep_plot (of a sweep table), each
with `ax=` to draw into a matplotlib Axes (sim/figures/notebook.py)."""
from .notebook import arr, cumulative_dose, km, sweep_plot, wbc

__all__ = ["arr", "cumulative_dose", "km", "sweep_plot", "wbc"]
