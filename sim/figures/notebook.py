"""The figures for a notebook: a run's Kaplan-Meier curves, pooled ARR, WBC courses and cumulative dose, and a sweep's
readouts, from what the Python API returns.

A run is a `Results` (sim.run) or a run folder written by `nmosim run`; a sweep table is the DataFrame sim.sweep
returns, or a sweep.csv (or its folder). Every function takes `ax=`: given a matplotlib Axes it draws into it and
returns that Axes' figure; without, it returns a new Figure (made without pyplot: display it, or fig.savefig(...)).
Nothing is written to disk, and matplotlib's backend and settings are left as the user set them (the drawing happens
inside matplotlib.rc_context with the package's style, sim/figures/common.py). The figures are those of a run
folder's figures/ and of sweep.png.
"""
from __future__ import annotations

import io
import os
from collections import defaultdict
from pathlib import Path

from .run import (DAYS_PER_YEAR, MAX_WBC_PATIENTS, arr_figure, check_run_dir, dose_figure, find_key, km_figure,
                  read_json, read_labs, read_patients, read_survival, wbc_figure)

__all__ = ["arr", "cumulative_dose", "km", "sweep_plot", "wbc"]


class _Run:
    """What the run figures need, from a Results in memory or from a run folder's files."""

    def __init__(self, run):
        if isinstance(run, (str, os.PathLike)):
            self.folder = check_run_dir(Path(run))
            self.summary = read_json(self.folder / "summary.json")
            self.arms_config = read_json(self.folder / "manifest.json").get("scenario", {}).get("arms", [])
            self.title = self.summary.get("scenario") or self.folder.name
        elif all(hasattr(run, k) for k in ("summary", "survival", "patients", "labs", "scenario")):
            self.folder, self.res = None, run
            self.summary = run.summary
            self.arms_config = run.scenario.model_dump(mode="json")["arms"]
            self.title = self.summary.get("scenario") or run.scenario.run.name
        else:
            raise TypeError(f"expected the Results of sim.run or a run folder, got {type(run).__name__}")
        self.arms = list(self.summary.get("arms", {}))
        comparison = self.summary.get("comparison") or {}
        self.level = f"{100 * (1 - comparison.get('alpha', 0.05)):g}%"
        self.estimand = comparison.get("estimand", "follow_up")

    def survival(self) -> dict[str, list[tuple]]:
        """Arm -> Kaplan-Meier rows (day, probability, ci low, ci high), as survival.csv gives them."""
        if self.folder is not None:
            return read_survival(self.folder / "survival.csv")
        rows: dict[str, list] = defaultdict(list)
        for arm, day, _at_risk, _events, p, lo, hi in self.res.survival:
            rows[arm].append((day, p, lo, hi))
        return rows

    def patients(self) -> dict[str, dict]:
        """Per arm: cumulative mitoxantrone doses and the last day observed under the estimand (read_patients)."""
        if self.folder is not None:
            return read_patients(self.folder / "patients.csv", self.estimand)
        cols = self.res.patients
        years = "on_treatment_years" if self.estimand == "on_treatment" else "follow_up_years"
        dose: dict[str, list] = defaultdict(list)
        end: dict[str, float] = defaultdict(float)
        for arm, d, y in zip(cols.get("arm", []), cols.get("cumulative_dose_mg_per_m2", []), cols.get(years, [])):
            dose[arm].append(float(d or 0.0))
            end[arm] = max(end[arm], float(y or 0.0) * DAYS_PER_YEAR)
        return {"dose": dose, "end_day": end}

    def labs(self) -> dict[str, dict]:
        """Arm -> patient -> [(day, WBC)], at most MAX_WBC_PATIENTS patients per arm (read_labs)."""
        if self.folder is not None:
            return read_labs(self.folder / "labs.csv")
        labs: dict[str, dict] = defaultdict(dict)
        for arm, patient, day, wbc, *_ in self.res.labs:
            if day is None or wbc is None:
                continue
            kept = labs[arm]
            if patient in kept:
                kept[patient].append((float(day), float(wbc)))
            elif len(kept) < MAX_WBC_PATIENTS:
                kept[patient] = [(float(day), float(wbc))]
        return {a: p for a, p in labs.items() if p}

    def per_arm(self, key: str) -> dict[str, list]:
        """Arm -> every distinct value of `key` in its regimen (wbc_bands, cap_mg_per_m2)."""
        return {a["name"]: find_key(a.get("regimen", {}), key) for a in self.arms_config}


def km(run, ax=None):
    """Kaplan-Meier curves of time to first relapse per arm with the pointwise CI (the run's figures/km.png)."""
    r = _Run(run)
    return km_figure(r.survival(), r.patients()["end_day"], r.arms, r.title, r.level, None, ax=ax)


def arr(run, ax=None):
    """Pooled annualised relapse rate per arm with its CI, whole follow-up and on treatment (figures/arr.png)."""
    r = _Run(run)
    return arr_figure(r.summary, r.title, r.level, None, ax=ax)


def wbc(run, ax=None, arms: list[str] | None = None):
    """Observed WBC over time of up to 40 patients per arm, with the dose bands shaded (figures/wbc.png): one panel
    per arm with labs. `arms` chooses the arms (default: every arm with WBC draws); `ax` is one Axes per arm drawn
    (a single Axes for a single arm)."""
    r = _Run(run)
    labs = r.labs()
    if arms is not None:
        arms = [arms] if isinstance(arms, str) else list(arms)
        unknown = [a for a in arms if a not in labs]
        if unknown:
            raise ValueError(f"wbc: no WBC draws in arm {', '.join(map(repr, unknown))} "
                             f"(arms with draws: {', '.join(labs) or 'none'})")
        labs = {a: labs[a] for a in arms}
    return wbc_figure(labs, r.per_arm("wbc_bands"), r.title, None, ax=ax)


def cumulative_dose(run, ax=None):
    """Histogram of the cumulative mitoxantrone dose per patient in each arm that gave it, with the caps dashed
    (figures/cumulative_dose.png); a ValueError when no arm gave mitoxantrone."""
    r = _Run(run)
    doses = {arm: d for arm, d in r.patients()["dose"].items() if any(x > 0 for x in d)}
    return dose_figure(doses, r.per_arm("cap_mg_per_m2"), r.title, None, ax=ax)


def sweep_plot(table, readouts: str | list[str] | None = None, vary: str | list[str] | None = None, ax=None):
    """Each numeric readout of a sweep table against each varied parameter, one series per arm (sweep.png).

    table: the DataFrame of sim.sweep, or a sweep.csv or its folder. readouts: the readout columns to draw (default
    every numeric one); vary: the varied columns on the x axes (default: the columns between `point` and `arm`).
    With `ax`, the single panel of one readout against one parameter is drawn into that Axes.
    (Named sweep_plot because sim.figures.sweep is the module that draws sweep.png.)"""
    from .sweep import draw_table, read_table

    if isinstance(table, (str, os.PathLike)):
        path = Path(table)
        path = path / "sweep.csv" if path.is_dir() else path
        header, rows = read_table(path)
        title = f"sweep: {path.parent.name}"
    elif hasattr(table, "to_csv"):
        header, rows = read_table(io.StringIO(table.to_csv(index=False)))
        title = "sweep"
    else:
        raise TypeError(f"expected the DataFrame of sim.sweep or a sweep.csv, got {type(table).__name__}")
    if vary is None:
        vary = header[header.index("point") + 1:header.index("arm")] if {"point", "arm"} <= set(header) else []
    vary = [vary] if isinstance(vary, str) else list(vary)
    if not vary:
        raise ValueError("sweep figure: no varied column (expected the columns between 'point' and 'arm'; give vary=)")
    readouts = [readouts] if isinstance(readouts, str) else readouts
    fig, _ = draw_table(header, rows, vary, title, ax, None if readouts is None else list(readouts))
    return fig
