"""The timeline of one explained patient (nmosim explain): counts against the dose bands, course doses, EDSS and relapses."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .common import band_colour, legend_outside, save, shade_bands, styled, subplots

MAX_MARKER_PT2 = 420.0       # marker area of the largest course dose; area is proportional to the dose from 0
AXES_WIDTH_PT = 600.0        # about the plot's width in points (for spacing the course markers)
MAX_LABELS = 12              # with more courses, only the doses that differ from the previous label are written
SEVERITY_STYLE = {"severe": ("#67001f", "-", 2.0), "mild": ("#f4a582", "--", 1.4), None: ("tab:red", "-", 1.2)}


@styled
def timeline_figure(c, base: Path) -> list[Path]:
    """Three panels sharing the day axis: true WBC and ANC (lines) with observed draws (points; the pre-infusion draws
    coloured by the band they fell in) over the shaded dose bands; one marker per course, its area proportional to
    the course dose and labelled with it; the reported EDSS with each relapse (mild or severe where known)."""
    from ..explain import courses, pre_infusion_wbc, severity

    fig, (ax, dx, bx) = subplots(3, 1, figsize=(11, 7.8), sharex=True,
                                     gridspec_kw={"height_ratios": [3.2, 0.9, 1.5], "hspace": 0.12})
    observed = [v for _, w, a in c.labs for v in (w, a)]
    top = 1.12 * max([4.5, *observed, *(c.wbc.tolist() if c.wbc.size else [])])
    band_doses = [b.dose_mg_per_m2 for b in c.bands]
    if c.bands:
        shade_bands(ax, [(b.low_per_nl, b.high_per_nl, b.dose_mg_per_m2) for b in c.bands], top)
    ax.plot(c.days, c.wbc, color="black", lw=1.3, label="WBC (true)")
    ax.plot(c.days, c.anc, color="tab:blue", lw=1.1, label="ANC (true)")
    if c.labs:
        d, w, a = zip(*c.labs)
        ax.scatter(d, w, s=18, color="black", zorder=3, label="WBC drawn (observed)")
        ax.scatter(d, a, s=14, color="tab:blue", zorder=3, label="ANC drawn (observed)")
    pre = [(day, wbc) for day, kind, s in c.events if (wbc := pre_infusion_wbc(kind, s)) is not None]
    if pre:
        colours = []
        for _, wbc in pre:
            b = next((b for b in c.bands if b.low_per_nl <= wbc and (b.high_per_nl is None
                                                                          or wbc < b.high_per_nl)), None)
            colours.append("white" if b is None else band_colour(b.dose_mg_per_m2, band_doses))
        ax.scatter(*zip(*pre), s=75, c=colours, edgecolors="black", linewidths=1.3, zorder=4,
                   label="pre-infusion WBC (sets the dose;\nfilled with its band's colour)")
    ax.set_ylim(0, top)
    ax.set_ylabel("count (10^9/L)")
    ax.grid(alpha=0.25)
    legend_outside(ax)
    ax.set_title(f"{c.scenario.run.name}: patient {c.patient}, arm {c.arm}")

    given = courses(c.events)
    if given:
        biggest = max(g.total for g in given) or 1.0
        span = max(float(c.days[-1]) if c.days.size else 0.0, given[-1].day, 1.0)
        gap = min((b.day - a.day for a, b in zip(given, given[1:])), default=span)
        area = min(MAX_MARKER_PT2, (0.9 * gap * AXES_WIDTH_PT / span) ** 2)   # neighbours do not overlap
        shown = None
        for n, g in enumerate(given):
            dx.scatter([g.day], [0.45], s=area * g.total / biggest, marker="o", color="tab:purple",
                       alpha=0.8, edgecolors="black", linewidths=0.8, zorder=3)
            if len(given) <= MAX_LABELS or g.total != shown:        # many doses: label where the dose changes
                dx.annotate(f"{g.total:.3g}", (g.day, 0.45), xytext=(0, 14), textcoords="offset points",
                            ha="center", va="bottom", fontsize=10)
                shown = g.total
        dx.scatter([], [], s=min(area, MAX_MARKER_PT2 * 0.5), color="tab:purple", alpha=0.8, edgecolors="black",
                   label=f"course dose, {given[0].unit}\n(area = dose; label = course total"
                         + (")" if len(given) <= MAX_LABELS else ",\nwhere it changes)"))
    skips = [day for day, kind, s in c.events if kind == "dose_decision" and ": skip" in s]
    if skips:
        dx.scatter(skips, [0.45] * len(skips), s=80, marker="x", color="black", linewidths=2, label="course skipped")
    dx.set(ylim=(0, 1.35), yticks=[], ylabel="dose")
    if dx.get_legend_handles_labels()[0]:
        legend_outside(dx)

    bx.step(np.arange(c.edss.size), c.edss, where="post", color="tab:green", lw=1.6, label="EDSS (reported)")
    seen = set()
    attack = 0
    for day, kind, _ in c.events:
        if kind != "relapse":
            continue
        sev = severity(c.acute_steps[attack], c.scenario) if attack < len(c.acute_steps) else None
        attack += 1
        colour, ls, lw = SEVERITY_STYLE[sev]
        bx.axvline(day, color=colour, ls=ls, lw=lw, label=None if sev in seen else
                   ("relapse" if sev is None else f"relapse ({sev})"))
        seen.add(sev)
    bx.set(ylim=(0, 10.3), ylabel="EDSS", xlabel="day since the first dose")
    bx.grid(alpha=0.25)
    legend_outside(bx)
    return save(fig, base)
