"""Shared figure plumbing: figures without pyplot, legible fonts, the mitoxantrone WBC band colours and labels, saving."""
from __future__ import annotations

from pathlib import Path

import functools

import matplotlib
from matplotlib.figure import Figure

from ..folder_claim import replace_file

# The package never chooses or changes matplotlib's backend, nor its global settings: figures are Figure objects
# (no pyplot, so nothing is registered with a GUI or inline backend) drawn and saved inside this style.
STYLE = {"svg.hashsalt": "nmosim", "figure.dpi": 100, "savefig.dpi": 120,
         "font.size": 10, "legend.fontsize": 9, "axes.titlesize": 11,
         "text.parse_math": False}      # user text (titles, varied values) is drawn as written, never as mathtext


def styled(figure_function):
    """Run a figure function with STYLE in force (matplotlib.rc_context), leaving the user's settings as they were."""
    @functools.wraps(figure_function)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return figure_function(*args, **kwargs)
    return wrapper


def subplots(nrows: int = 1, ncols: int = 1, *, figsize=None, layout=None, **kwargs):
    """A new Figure and its axes, as pyplot.subplots gives them, without pyplot."""
    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots(nrows, ncols, **kwargs)

# WBC dose bands, the same in every figure (explain timeline, dose-rules demo, a run's wbc.png): the full dose green,
# the first reduced band yellow, the next orange, no infusion red.
BAND_COLOURS = ("#1a9850", "#e3b505", "#f46d43")
NO_INFUSION_COLOUR = "#b2182b"
BAND_ALPHA = 0.22          # band shading; markers of draws in a band use the solid colour


def band_colour(dose_mg_per_m2: float, doses_mg_per_m2) -> str:
    """The colour of the band with this dose among the bands' doses (ranked from the full dose down)."""
    if dose_mg_per_m2 <= 0:
        return NO_INFUSION_COLOUR
    ranked = sorted({d for d in doses_mg_per_m2 if d > 0}, reverse=True)
    return BAND_COLOURS[min(ranked.index(dose_mg_per_m2), len(BAND_COLOURS) - 1)]


def band_label(low_per_nl: float, high_per_nl: float | None, dose_mg_per_m2: float) -> str:
    """'WBC 3-4: up to 9 mg/m2', 'WBC >= 4: 12 mg/m2', 'WBC 0-2: no infusion (0 mg/m2)'."""
    where = f">= {low_per_nl:g}" if high_per_nl is None else f"{low_per_nl:g}-{high_per_nl:g}"
    rule = ("no infusion (0 mg/m2)" if dose_mg_per_m2 <= 0 else
            f"{dose_mg_per_m2:g} mg/m2" if high_per_nl is None else f"up to {dose_mg_per_m2:g} mg/m2")
    return f"WBC {where}: {rule}"


def shade_bands(ax, bands: list[tuple[float, float | None, float]], top: float) -> None:
    """Shade (low, high, dose) WBC bands on ax up to `top`, each labelled for the legend."""
    doses = [d for _, _, d in bands]
    for low, high, dose in sorted(bands, reverse=True):
        ax.axhspan(low, top if high is None else high, color=band_colour(dose, doses), alpha=BAND_ALPHA, lw=0,
                   label=band_label(low, high, dose))


def legend_outside(ax, **kw):
    """The axes' legend to the right of the plot, outside the data."""
    kw = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0, "frameon": False} | kw
    return ax.legend(**kw)


def save(fig, base: Path) -> list[Path]:
    """Write fig as base.png and base.svg (SVG without a date, so the same figure gives the same bytes)."""
    out = []
    with matplotlib.rc_context(STYLE):
        for ext in ("png", "svg"):
            path = base.with_suffix(f".{ext}")
            replace_file(path, write=lambda fh, ext=ext: fig.savefig(fh, format=ext, bbox_inches="tight",
                                                                      metadata={"Date": None} if ext == "svg" else None))
            out.append(path)
    return out
