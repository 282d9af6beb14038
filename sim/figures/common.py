"""Shared figure plumbing: the headless backend and saving as PNG and SVG."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")                    # headless: no display needed, same output everywhere
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({"svg.hashsalt": "nmosim", "figure.dpi": 100, "savefig.dpi": 120})


def save(fig, base: Path) -> list[Path]:
    """Write fig as base.png and base.svg (SVG without a date, so the same figure gives the same bytes); close it."""
    out = []
    for ext in ("png", "svg"):
        path = base.with_suffix(f".{ext}")
        fig.savefig(path, metadata={"Date": None} if ext == "svg" else None, bbox_inches="tight")
        out.append(path)
    plt.close(fig)
    return out
