"""The sweep figure: each readout against each varied parameter, one series per arm."""
from __future__ import annotations

import csv
from pathlib import Path

from .common import plt, save

PANELS = {"arr_pooled_per_year": "pooled ARR (/year)", "relapse_free_share": "relapse-free share",
          "median_arr_reduction_percent": "median ARR reduction (%)", "power_nb": "power (NB test)"}


def sweep_figure(sweep_csv: Path, paths: list[str], base: Path) -> list[Path]:
    """Readouts (rows) against varied parameters (columns) from sweep.csv; written as base.png and base.svg."""
    with sweep_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    panels = [k for k in PANELS if any(r.get(k) for r in rows)]
    arms = list(dict.fromkeys(r["arm"] for r in rows))
    fig, axes = plt.subplots(len(panels), len(paths), figsize=(3.6 * len(paths), 2.6 * len(panels)), squeeze=False)
    for i, key in enumerate(panels):
        for j, path in enumerate(paths):
            ax = axes[i][j]
            for n, arm in enumerate(arms):
                pts = [(_num(r[path]), float(r[key])) for r in rows if r["arm"] == arm and r[key] != ""]
                if not pts:
                    continue
                color = f"C{n % 10}"
                ax.scatter(*zip(*pts), s=9, alpha=0.4, color=color)      # every point of the design
                xs = sorted({x for x, _ in pts}, key=str if any(isinstance(x, str) for x, _ in pts) else None)
                means = [sum(y for x, y in pts if x == v) / sum(1 for x, _ in pts if x == v) for v in xs]
                ax.plot(xs, means, lw=1.2, color=color, label=arm)        # mean over the other parameters
            ax.set_xlabel(path if i == len(panels) - 1 else "")
            ax.set_ylabel(PANELS[key] if j == 0 else "")
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"sweep: {sweep_csv.parent.name}", fontsize=10)
    return save(fig, base)


def _num(text: str):
    try:
        return float(text)
    except ValueError:
        return text
