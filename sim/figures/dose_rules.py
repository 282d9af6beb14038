"""The dose-rules demo figure: why a mitoxantrone dose was cut, drawn from the pre-infusion WBC draws.

Left: the true WBC of a group of patients over the year with each pre-infusion draw, filled with the colour of the
band it fell in and shaped by the dose given (the doses the WBC rule cut are labelled). Right: the dose given against
the pre-infusion WBC for every course of every simulated patient, over the rule's step.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .common import BAND_ALPHA, band_colour, save, shade_bands, styled, subplots


@dataclass(frozen=True)
class Draw:
    """A pre-infusion blood draw and the decision it led to."""

    patient: int
    day: float
    wbc_per_nl: float            # observed
    dose_mg_per_m2: float            # given this course (0: no infusion)
    by_wbc: bool                     # the WBC rule lowered the dose or withheld the infusion
    by_toxicity: bool                # the toxicity rule lowered it
    stopped: bool = False            # treatment stopped instead (LVEF, toxicity, cumulative cap): not the WBC rule


def dose_marker(d: Draw, full: float) -> tuple[str, str]:
    """(matplotlib marker, legend text) for the dose given after a draw."""
    if d.stopped:
        return "P", "treatment stopped (LVEF or toxicity)"
    if d.dose_mg_per_m2 <= 0:
        return "X", "no infusion (WBC rule)"
    if d.dose_mg_per_m2 >= full:
        return "o", f"{full:g} mg/m2 (full dose)"
    if d.by_wbc:
        return "D", "dose cut by the WBC rule (label: mg/m2)"
    return "s", "dose cut by toxicity (10 mg/m2)" if d.dose_mg_per_m2 == 10 else "reduced dose"


@styled
def dose_rules_figure(days: np.ndarray, wbc: dict[int, np.ndarray], cut: set[int], draws: list[Draw],
                      bands: list[tuple[float, float | None, float]], title: str, base: Path) -> list[Path]:
    """days and wbc[patient] (true WBC on days) of the drawn group; cut: its patients with a WBC cut; draws: every
    pre-infusion draw of every simulated patient; bands: (low, high, dose) of the rule."""
    full = max(d for _, _, d in bands)
    doses = [d for _, _, d in bands]
    group = [d for d in draws if d.patient in wbc]
    top = 1.1 * max([6.0, *(float(w.max()) for w in wbc.values()), *(d.wbc_per_nl for d in group)])
    fig, (ax, rx) = subplots(1, 2, figsize=(14, 6.5), gridspec_kw={"width_ratios": [2.1, 1]}, layout="constrained")
    shade_bands(ax, bands, top)
    for pid, w in wbc.items():
        hit = pid in cut
        ax.plot(days, w, lw=1.3 if hit else 0.7, color="#5e3c99" if hit else "grey", alpha=0.85 if hit else 0.5,
                zorder=2)
    ax.plot([], [], lw=1.3, color="#5e3c99", label=f"true WBC, patient with a WBC cut ({len(cut & set(wbc))})")
    ax.plot([], [], lw=0.7, color="grey", label=f"true WBC, other patients ({len(set(wbc) - cut)})")
    seen = set()
    for d in group:
        band = next(b for b in sorted(bands, reverse=True) if d.wbc_per_nl >= b[0])
        marker, text = dose_marker(d, full)
        ax.scatter([d.day], [d.wbc_per_nl], s=70 if d.by_wbc else 34, marker=marker, zorder=4,
                   color=band_colour(band[2], doses), edgecolors="black", linewidths=1.2 if d.by_wbc else 0.5,
                   label=None if text in seen else text)
        seen.add(text)
    clusters: dict[tuple[float, float], list[float]] = {}
    for d in group:
        if d.by_wbc:
            clusters.setdefault((d.day, d.dose_mg_per_m2), []).append(d.wbc_per_nl)
    for (day, dose), values in clusters.items():          # one label per course day and dose: "9 mg/m2 x4"
        ax.annotate(f"{dose:g} mg/m2" + (f" x{len(values)}" if len(values) > 1 else ""), (day, min(values)),
                    xytext=(8, -12), textcoords="offset points", fontsize=10, fontweight="bold", zorder=5)
    ax.set(xlabel="day", ylabel="WBC (10^9/L)", ylim=(0, top), xlim=(-12, float(days[-1]) + 12),
           title=f"{title}: true WBC of {len(wbc)} patients, their pre-infusion draws (markers)")
    ax.grid(alpha=0.25)

    rng = np.random.default_rng(0)               # jitter for legibility only
    x = np.array([d.wbc_per_nl for d in draws])
    y = np.array([d.dose_mg_per_m2 for d in draws]) + rng.uniform(-0.25, 0.25, len(draws))
    for low, high, dose in bands:
        rx.axvspan(low, x.max() * 1.05 if high is None else high, color=band_colour(dose, doses), alpha=BAND_ALPHA,
                   lw=0)
    edges = sorted(bands)
    step_x = [e for low, high, _ in edges for e in (low, high if high is not None else x.max() * 1.05)]
    step_y = [dose for _, _, dose in edges for _ in (0, 1)]
    rx.plot(step_x, step_y, color="black", lw=1.5, label="the rule: the most a band allows")
    band_of = lambda v: next(b for b in sorted(bands, reverse=True) if v >= b[0])  # noqa: E731
    stop = np.array([d.stopped for d in draws])
    rx.scatter(x[~stop], y[~stop], s=9, c=[band_colour(band_of(v)[2], doses) for v in x[~stop]], edgecolors="black",
               linewidths=0.2, alpha=0.7, label=f"a course ({int((~stop).sum())}; dose jittered)")
    if stop.any():
        rx.scatter(x[stop], y[stop], s=16, marker="P", color="grey", edgecolors="black", linewidths=0.3,
                   label=f"treatment stopped ({int(stop.sum())}; LVEF\nor toxicity, not the WBC)")
    rx.set(xlabel="pre-infusion WBC (10^9/L)", ylabel="dose given (mg/m2)", xlim=(0, x.max() * 1.05),
           ylim=(-1, full + 1.5), title=f"every course of all {len({d.patient for d in draws})} patients")
    rx.grid(alpha=0.25)
    rx.legend(loc="center right", framealpha=0.9)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=4, frameon=False)
    return save(fig, base)

