"""The figures of one run folder: Kaplan-Meier curves, pooled ARR, WBC spaghetti, cumulative mitoxantrone dose.

Each figure function draws a new figure and saves it as base.png and base.svg (the paths returned), or, given
`ax=` (a matplotlib Axes), draws into that Axes and returns its figure without saving anything; with neither a
base nor an Axes it returns the new figure unsaved. sim/figures/notebook.py gives them a `Results` or a run folder.
"""
from __future__ import annotations

import csv
import json
from array import array
from collections import defaultdict
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes

from .common import legend_outside, save, shade_bands, styled, subplots

RUN_FILES = ("summary.json", "manifest.json", "survival.csv", "labs.csv", "patients.csv")
MAX_WBC_PATIENTS = 40      # patients drawn per arm in the WBC spaghetti
MAX_KM_STEPS = 2000        # Kaplan-Meier rows drawn per arm; longer curves are drawn from their value on each day
WBC_LINE = 4.0             # 10^9/L: WHO leukopenia grade 1 threshold, the trial's full-dose band
KM_COLUMNS = ("day", "relapse_free_probability", "ci95_low", "ci95_high")
DAYS_PER_WEEK = 7.0
DAYS_PER_YEAR = 365.25


def check_run_dir(run_dir: Path, names: tuple[str, ...] = RUN_FILES) -> Path:
    """The folder as a Path if it is a run folder holding `names`; else a one-line ValueError."""
    run_dir = Path(run_dir)
    if not run_dir.exists():
        raise ValueError(f"{run_dir}: no such folder")
    if not run_dir.is_dir():
        raise ValueError(f"{run_dir}: not a folder")
    for name in names:
        if (run_dir / name).is_symlink():
            raise ValueError(f"{run_dir / name}: is a symbolic link; nmosim reads only a run folder's own files")
        if not (run_dir / name).is_file():
            replicates = (run_dir / "replicates.csv").is_file()
            kind = "a replicates folder, not a single run" if replicates else "not a run folder"
            raise ValueError(f"{run_dir}: {kind} (no {name})")
    return run_dir


def read_json(path: Path) -> dict:
    """A JSON file of a run folder; a one-line ValueError when it does not parse."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: unreadable JSON ({exc})") from None


def run_figures(run_dir: Path) -> list[Path]:
    """Write km, arr, wbc and cumulative_dose (each PNG and SVG) into run_dir/figures/; return the paths written."""
    run_dir = check_run_dir(run_dir)
    out = run_dir / "figures"
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise ValueError(f"{out}: is not a folder of the run (a symbolic link or a file); nmosim writes only inside "
                         "the run folder: remove it")
    out.mkdir(exist_ok=True)
    summary, manifest = read_json(run_dir / "summary.json"), read_json(run_dir / "manifest.json")
    title = summary.get("scenario") or run_dir.name
    level = f"{100 * (1 - (summary.get('comparison') or {}).get('alpha', 0.05)):g}%"
    arms = list(summary.get("arms", {}))
    pats = read_patients(run_dir / "patients.csv", summary.get("comparison", {}).get("estimand", "follow_up"))
    paths = km_figure(read_survival(run_dir / "survival.csv"), pats["end_day"], arms, title, level, out / "km")
    paths += arr_figure(summary, title, level, out / "arr")
    labs = read_labs(run_dir / "labs.csv")
    if labs:
        bands = {a["name"]: find_key(a.get("regimen", {}), "wbc_bands") for a in manifest["scenario"].get("arms", [])}
        paths += wbc_figure(labs, bands, title, out / "wbc")
    doses = {arm: d for arm, d in pats["dose"].items() if any(x > 0 for x in d)}
    if doses:
        caps = {a["name"]: find_key(a.get("regimen", {}), "cap_mg_per_m2")
                for a in manifest["scenario"].get("arms", [])}
        paths += dose_figure(doses, caps, title, out / "cumulative_dose")
    return paths


def find_key(obj, key: str) -> list:
    """Every distinct value of `key` anywhere inside obj (a regimen, its sequence phases included)."""
    found: list = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            found += [v] if k == key and v is not None else find_key(v, key)
    elif isinstance(obj, list):
        for v in obj:
            found += find_key(v, key)
    return [v for i, v in enumerate(found) if v not in found[:i]]


def _float(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def read_survival(path: Path) -> dict[str, list[tuple[float, float, float, float]]]:
    """Arm -> Kaplan-Meier rows (day, probability, ci low, ci high) from survival.csv."""
    rows: dict[str, list] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            rows[r["arm"]].append(tuple(_float(r[k]) for k in KM_COLUMNS))
    return rows


def read_patients(path: Path, estimand: str) -> dict[str, dict]:
    """Per arm: cumulative mitoxantrone doses (mg/m2) and the last day of observation under the estimand."""
    years = "on_treatment_years" if estimand == "on_treatment" else "follow_up_years"
    dose: dict[str, array] = defaultdict(lambda: array("d"))      # 8 bytes a patient
    end: dict[str, float] = defaultdict(float)
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            dose[r["arm"]].append(_float(r.get("cumulative_dose_mg_per_m2")) or 0.0)
            end[r["arm"]] = max(end[r["arm"]], (_float(r.get(years)) or 0.0) * DAYS_PER_YEAR)
    return {"dose": dose, "end_day": end}


def read_labs(path: Path, limit: int = MAX_WBC_PATIENTS) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Arm -> patient -> [(day, WBC)], streamed: at most `limit` patients per arm are kept."""
    labs: dict[str, dict[str, list]] = defaultdict(dict)
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            day, wbc = _float(r["day"]), _float(r["wbc_per_nl"])
            if day is None or wbc is None:
                continue
            arm = labs[r["arm"]]
            if r["patient"] in arm:
                arm[r["patient"]].append((day, wbc))
            elif len(arm) < limit:
                arm[r["patient"]] = [(day, wbc)]
    return {a: p for a, p in labs.items() if p}


def _axes(ax, **figure):
    """(figure, axes, new): the given Axes and its figure, or a new figure (subplots(**figure)) and its axes."""
    if ax is None:
        fig, ax = subplots(**figure)
        return fig, ax, True
    if not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes, got {type(ax).__name__}")
    return ax.figure, ax, False


def _done(fig, base: Path | None, new: bool):
    """A new figure saved as base.png/.svg (the paths); otherwise the figure, not saved."""
    return save(fig, base) if new and base is not None else fig


def _legend(ax, **kw) -> None:
    """A legend to the right of the plot (outside the data) when the axes hold more than one labelled series."""
    if len(ax.get_legend_handles_labels()[0]) > 1:
        legend_outside(ax, **kw)


@styled
def km_figure(surv: dict, end_day: dict, arms: list[str], title: str, level: str, base: Path | None, ax=None):
    """Kaplan-Meier step curves of time to first relapse per arm, with the pointwise CI shaded."""
    fig, ax, new = _axes(ax, figsize=(7, 4.5))
    for n, arm in enumerate([a for a in arms if a in surv] + [a for a in surv if a not in arms]):
        rows = sorted(surv[arm])
        end = max(end_day.get(arm, 0.0), rows[-1][0])
        rows = daily_steps(rows, end) if len(rows) > MAX_KM_STEPS else rows
        rows = rows + [(end, *rows[-1][1:])]               # the last step lasts until observation ends
        wk = [r[0] / DAYS_PER_WEEK for r in rows]
        ax.step(wk, [r[1] for r in rows], where="post", color=f"C{n % 10}", lw=1.6, label=arm)
        ax.fill_between(wk, [r[2] for r in rows], [r[3] for r in rows], step="post", color=f"C{n % 10}", alpha=0.15)
    ax.set(ylim=(0, 1.02), xlim=(0, None), xlabel="time since start (weeks)", ylabel="relapse-free probability",
           title=f"{title}: time to first relapse (Kaplan-Meier, {level} CI)")
    ax.grid(alpha=0.3)
    _legend(ax)
    return _done(fig, base, new)


def daily_steps(rows: list[tuple], end: float) -> list[tuple]:
    """A step curve (sorted rows of day, values...) as its value at the start of each whole day up to `end` (the
    curve as drawn at a day's resolution; a cohort of 1,000,000 patients has a step per relapse)."""
    out, j = [], 0
    for day in range(int(end) + 1):
        while j + 1 < len(rows) and rows[j + 1][0] <= day:
            j += 1
        if rows[j][0] <= day:
            out.append((float(day), *rows[j][1:]))
    return out or rows[:1]


@styled
def arr_figure(summary: dict, title: str, level: str, base: Path | None, ax=None):
    """Pooled ARR by arm with its CI (follow-up and on treatment): one row per arm, forest style."""
    arms = list(summary.get("arms", {}))
    fig, ax, new = _axes(ax, figsize=(7, 1.2 + 0.55 * max(len(arms), 1)))
    series = [("whole follow-up", lambda a: a["arr_pooled_per_year"], "o", 0.0),
              ("on treatment", lambda a: a.get("on_treatment", {}).get("arr_pooled_per_year"), "s", 0.22)]
    for k, (label, get, marker, dy) in enumerate(series):
        pts = [(i + dy, get(summary["arms"][a])) for i, a in enumerate(arms)]
        pts = [(y, d) for y, d in pts if d and d.get("estimate") is not None]
        if not pts:
            continue
        est = [d["estimate"] for _, d in pts]
        err = [[e - (d["ci95_low"] if d["ci95_low"] is not None else e) for e, (_, d) in zip(est, pts)],
               [(d["ci95_high"] if d["ci95_high"] is not None else e) - e for e, (_, d) in zip(est, pts)]]
        ax.errorbar(est, [y for y, _ in pts], xerr=err, fmt=marker, color=f"C{k}", capsize=3,
                    mfc=f"C{k}" if k == 0 else "white", label=label)
    ax.set_yticks(range(len(arms)), arms)
    ax.set_ylim(len(arms) - 0.5, -0.5)
    ax.set(xlim=(0, None), xlabel=f"pooled ARR (relapses / patient-year), {level} CI", ylabel="arm",
           title=f"{title}: pooled annualised relapse rate")
    ax.grid(axis="x", alpha=0.3)
    _legend(ax)
    return _done(fig, base, new)


@styled
def wbc_figure(labs: dict, bands: dict, title: str, base: Path | None, ax=None):
    """Each kept patient's observed WBC over time, one panel per arm with labs; dose bands shaded, 4.0 dashed.

    `ax`: one Axes per arm of `labs` (a single Axes when there is one arm), drawn into without a figure title."""
    arms = list(labs)
    if not arms:
        raise ValueError("wbc: no arm has WBC draws to draw")
    top = max(w for pats in labs.values() for pts in pats.values() for _, w in pts) * 1.05
    if ax is None:
        fig, axes = subplots(len(arms), 1, figsize=(9, 3.2 * len(arms)), squeeze=False, sharex=True,
                             layout="constrained")
        panels, new = [row[0] for row in axes], True
    else:
        panels = [ax] if isinstance(ax, Axes) else list(np.ravel(np.asarray(ax, dtype=object)))
        if len(panels) != len(arms) or not all(isinstance(a, Axes) for a in panels):
            raise ValueError(f"wbc: give one Axes per arm drawn ({len(arms)}: {', '.join(arms)}), got "
                             f"{len(panels)}; or choose the arms to draw")
        fig, new = panels[0].figure, False
    for n, arm in enumerate(arms):
        ax = panels[n]
        arm_bands = [(b["low_per_nl"], b.get("high_per_nl"), b["dose_mg_per_m2"])
                     for group in bands.get(arm, []) for b in group]
        shade_bands(ax, list(dict.fromkeys(arm_bands)), top)
        for i, pts in enumerate(labs[arm].values()):
            pts = sorted(pts)
            ax.plot([d / DAYS_PER_WEEK for d, _ in pts], [w for _, w in pts], "-o", ms=2, lw=0.7, alpha=0.55,
                    color=f"C{n % 10}", label=f"patients ({len(labs[arm])} shown)" if i == 0 else None)
        ax.axhline(WBC_LINE, color="black", ls="--", lw=1, label=f"WBC {WBC_LINE:g}")
        ax.set(ylim=(0, top), ylabel="WBC (10^9/L)", title=f"{arm}" if new else f"{title}: {arm}")
        ax.grid(alpha=0.3)
        _legend(ax)
    for ax in panels[-1:] if new else panels:                  # a new figure's panels share the time axis
        ax.set_xlabel("time since start (weeks)")
    if new:
        fig.suptitle(f"{title}: observed WBC per patient (up to {MAX_WBC_PATIENTS} per arm)")
    return _done(fig, base, new)


@styled
def dose_figure(doses: dict[str, list[float]], caps: dict, title: str, base: Path | None, ax=None):
    """Histogram of the cumulative mitoxantrone dose per patient, one series per arm with mitoxantrone; caps dashed."""
    if not doses:
        raise ValueError("cumulative dose: no arm gave mitoxantrone")
    fig, ax, new = _axes(ax, figsize=(7, 4.5))
    top = max(max(d) for d in doses.values())
    bins = [top * i / 24 for i in range(25)] if top > 0 else 10
    for n, (arm, d) in enumerate(doses.items()):
        ax.hist(np.asarray(d, dtype=float), bins=bins, histtype="stepfilled", alpha=0.35, color=f"C{n % 10}", edgecolor=f"C{n % 10}",
                label=f"{arm} (n={len(d)})")
    for cap in sorted({c for arm in doses for c in caps.get(arm, [])}):
        ax.axvline(cap, color="black", ls="--", lw=1, label=f"cap {cap:g} mg/m2")
    ax.set(xlabel="cumulative mitoxantrone dose (mg/m2)", ylabel="patients",
           title=f"{title}: cumulative mitoxantrone dose per patient")
    ax.grid(alpha=0.3)
    _legend(ax)
    return _done(fig, base, new)
