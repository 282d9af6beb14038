"""The sweep figure: every numeric readout of sweep.csv against each varied parameter, one series per arm.

One varied parameter: one panel per readout, in a grid of up to four columns. Several: a grid of readouts (rows) x
parameters (columns). Panels are 3.4 x 2.4 inches whatever their number, so they stay legible. Written atomically
(temporary names in the same folder, then os.replace). Given `ax=` (a matplotlib Axes), one panel (one readout
against one parameter) is drawn into it and nothing is saved.
"""
from __future__ import annotations

import csv
import math
import os
from pathlib import Path

from matplotlib.axes import Axes

from .common import save, styled, subplots

LABELS = {"arr_pooled_per_year": "pooled ARR (/year)", "relapse_free_share": "relapse-free share",
          "median_arr_reduction_percent": "median ARR reduction (%)", "power_nb": "power (NB test)",
          "power_logrank": "power (log-rank test)", "rate_ratio_nb": "rate ratio (NB)"}
COLUMNS = 4                         # panels per row with one varied parameter
PANEL = (3.4, 2.4)                  # inches per panel, with its title, labels and spacing
TOP = 0.6                           # inches above the panels for the figure's title


def readout_columns(header: list[str], rows: list[dict]) -> list[str]:
    """The readout columns (after `replicates`) with at least one value, every value a number, in table order."""
    start = header.index("replicates") + 1 if "replicates" in header else 0
    out = []
    for key in header[start:]:
        cells = [r[key] for r in rows if r.get(key, "") != ""]
        if cells and all(isinstance(_num(c), float) for c in cells):
            out.append(key)
    return out


def read_table(lines) -> tuple[list[str], list[dict]]:
    """(header, rows as text cells) of sweep.csv: a path, or an iterable of its lines."""
    if isinstance(lines, (str, os.PathLike)):
        with Path(lines).open(encoding="utf-8", newline="") as fh:
            return read_table(fh)
    reader = csv.DictReader(lines)
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def build_figure(sweep_csv: Path, paths: list[str], ax=None, readouts: list[str] | None = None):
    """The figure (not saved) and the readout columns drawn, one panel per (readout, parameter); with `ax`, the one
    panel is drawn into it (a ValueError unless one readout and one parameter are chosen)."""
    header, rows = read_table(sweep_csv)
    return draw_table(header, rows, paths, f"sweep: {Path(sweep_csv).parent.name}", ax, readouts)


@styled
def draw_table(header: list[str], rows: list[dict], paths: list[str], title: str, ax=None,
               readouts: list[str] | None = None):
    """The figure of a sweep table (header and text rows) and the readout columns drawn; `readouts` chooses them
    (default: every numeric readout); with `ax`, the one panel is drawn into that Axes and its figure returned."""
    available = readout_columns(header, rows)
    if readouts is None:
        readouts = available
    else:
        unknown = [k for k in readouts if k not in available]
        if unknown:
            raise ValueError(f"sweep figure: no numeric readout {', '.join(map(repr, unknown))} in the table "
                             f"(readouts: {', '.join(available)})")
    missing = [p for p in paths if p not in header]
    if missing:
        raise ValueError(f"sweep figure: no varied column {', '.join(map(repr, missing))} in the table")
    arms = list(dict.fromkeys(r["arm"] for r in rows))
    if ax is not None:
        if not isinstance(ax, Axes):
            raise TypeError(f"ax: expected a matplotlib Axes, got {type(ax).__name__}")
        if len(readouts) != 1 or len(paths) != 1:
            raise ValueError(f"sweep figure: one Axes holds one panel: choose one readout (of {len(readouts)}) and "
                             f"one varied parameter (of {len(paths)})")
        _panel(ax, rows, arms, readouts[0], paths[0])
        ax.legend(fontsize=7)
        return ax.figure, readouts
    if len(paths) == 1:
        ncols = max(1, min(COLUMNS, len(readouts)))
        nrows = max(1, math.ceil(len(readouts) / ncols))
        cells = [(i // ncols, i % ncols, key, paths[0]) for i, key in enumerate(readouts)]
    else:
        ncols, nrows = len(paths), max(1, len(readouts))
        cells = [(i, j, key, path) for i, key in enumerate(readouts) for j, path in enumerate(paths)]
    width, height = PANEL[0] * ncols, PANEL[1] * nrows + TOP
    fig, axes = subplots(nrows, ncols, figsize=(width, height), squeeze=False)
    # fixed margins in inches (a layout engine measures every tick label, slow with many panels)
    fig.subplots_adjust(left=0.6 / width, right=1 - 0.15 / width, bottom=0.45 / height, top=1 - TOP / height,
                        wspace=0.8 / (PANEL[0] - 0.8), hspace=0.8 / (PANEL[1] - 0.8))
    used = set()
    for i, j, key, path in cells:
        ax = axes[i][j]
        used.add((i, j))
        _panel(ax, rows, arms, key, path)
    for i in range(nrows):
        for j in range(ncols):
            if (i, j) not in used:
                axes[i][j].remove()                 # the empty end of the last row
    if cells:
        axes[cells[0][0]][cells[0][1]].legend(fontsize=7)
    fig.suptitle(title, fontsize=10, y=1 - 0.15 / height, va="top")
    return fig, readouts


def _panel(ax, rows: list[dict], arms: list[str], key: str, path: str) -> None:
    """One readout against one parameter: each point of the design (dots), the mean over the other parameters (line)."""
    for n, arm in enumerate(arms):
        pts = [(_num(r[path]), float(r[key])) for r in rows if r["arm"] == arm and r[key] != ""]
        if not pts:
            continue
        color = f"C{n % 10}"
        ax.scatter(*zip(*pts), s=9, alpha=0.4, color=color)
        xs = sorted({x for x, _ in pts}, key=str if any(isinstance(x, str) for x, _ in pts) else None)
        means = [sum(y for x, y in pts if x == v) / sum(1 for x, _ in pts if x == v) for v in xs]
        ax.plot(xs, means, lw=1.2, color=color, label=arm)
    ax.set_title(LABELS.get(key, key), fontsize=8)
    ax.set_xlabel(path, fontsize=7)
    ax.tick_params(labelsize=7)
    ax.locator_params(axis="y", nbins=5)
    ax.grid(alpha=0.3)


@styled
def sweep_figure(sweep_csv: Path, paths: list[str], base: Path) -> list[Path]:
    """The figure written as base.png and base.svg, each atomically (both drawn first, then renamed into place); the
    paths written. On an error the old figures are left as they were and no temporary file is left behind."""
    fig, _ = build_figure(sweep_csv, paths)
    tmp = base.with_name(f".{base.name}.tmp-{os.getpid()}.part")     # save() swaps .part for .png and .svg
    try:
        written = save(fig, tmp)
        out = []
        for path in written:
            target = base.with_name(base.name + path.suffix)
            os.replace(path, target)
            out.append(target)
    finally:
        for ext in (".png", ".svg"):
            tmp.with_suffix(ext).unlink(missing_ok=True)
    return out


def _num(text: str):
    try:
        return float(text)
    except ValueError:
        return text
