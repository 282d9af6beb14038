"""The sweep figure: every numeric readout of sweep.csv against each varied parameter, one series per arm.

One varied parameter: one panel per readout, in a grid of up to four columns. Several: a grid of readouts (rows) x
parameters (columns). Panels are 3.4 x 2.4 inches whatever their number, so they stay legible. Written atomically
(temporary names in the same folder, then os.replace).
"""
from __future__ import annotations

import csv
import math
import os
from pathlib import Path

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


@styled
def build_figure(sweep_csv: Path, paths: list[str]):
    """The figure (not saved) and the readout columns drawn, one panel per (readout, parameter)."""
    with sweep_csv.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = list(reader.fieldnames or [])
    readouts = readout_columns(header, rows)
    arms = list(dict.fromkeys(r["arm"] for r in rows))
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
    fig.suptitle(f"sweep: {sweep_csv.parent.name}", fontsize=10, y=1 - 0.15 / height, va="top")
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
