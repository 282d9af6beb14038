"""Efficacy readouts of one arm: relapse counts and rates, attacks per patient, time to first relapse (Kaplan-Meier)."""
from __future__ import annotations

from collections import Counter

import numpy as np

from ..stats import kaplan_meier, km_at, km_median, pooled_rate
from .basic import arr_reduction, median_iqr, share

YEAR_DAYS = 365.25
LANDMARKS_DAYS = {"week_52": 364.0, "year_2": 730.0}   # landmark days: 52 weeks; 2 years of 365 days


def counts_and_years(p: dict, estimand: str) -> tuple[np.ndarray, np.ndarray]:
    """Relapses and years at risk per patient under the estimand: whole follow-up, or until treatment ends."""
    if estimand == "on_treatment":
        return np.asarray(p["relapses_on_treatment"], float), np.asarray(p["on_treatment_years"], float)
    return np.asarray(p["relapses"], float), np.asarray(p["follow_up_years"], float)


def first_relapse_times(p: dict, estimand: str) -> tuple[np.ndarray, np.ndarray]:
    """(days, event) to the first relapse, censored at the end of follow-up or, on treatment, at the treatment's end."""
    first = np.asarray(p["first_relapse_day"], float)
    end = np.asarray(p["follow_up_years"], float) * YEAR_DAYS
    if estimand == "on_treatment":
        end = np.asarray(p["treatment_end_day"], float)
    hit = ~np.isnan(first) & (first <= end + 1e-9)
    return np.where(hit, first, end), hit


def attacks_distribution(counts) -> dict[str, int]:
    """Patients with 0, 1, 2, ... attacks (keys are the counts as text, every count up to the maximum)."""
    c = Counter(int(x) for x in np.asarray(counts, float))
    top = max(c) if c else 0
    return {str(k): c.get(k, 0) for k in range(top + 1)}


def time_to_first_relapse(days, event, alpha: float = 0.05) -> dict:
    """Kaplan-Meier summary: median with CI (None when not reached), relapse-free probability at week 52 and year 2."""
    km = kaplan_meier(days, event, alpha)
    med = km_median(km)
    out = {"patients": int(np.size(days)), "events": int(np.sum(event)),
           "median_days": {"estimate": med["median"], "ci95_low": med["ci95_low"], "ci95_high": med["ci95_high"],
                           "note": med.get("note")},
           "relapse_free_probability": {}}
    last = float(np.max(days)) if np.size(days) else 0.0
    for name, t in LANDMARKS_DAYS.items():
        if t > last + 1e-9:
            out["relapse_free_probability"][name] = {"estimate": None, "ci95_low": None, "ci95_high": None,
                                                     "note": f"follow-up ends before day {t:g}"}
        else:
            at = km_at(km, t)
            out["relapse_free_probability"][name] = {"estimate": at["survival"], "ci95_low": at["ci95_low"],
                                                     "ci95_high": at["ci95_high"], "note": at.get("note")}
    return out


def km_table(arm: str, days, event, alpha: float = 0.05) -> list[tuple]:
    """Rows (arm, day, at_risk, events, survival, ci95_low, ci95_high) of the Kaplan-Meier curve, from day 0."""
    km = kaplan_meier(days, event, alpha)
    rows = [(arm, 0.0, int(np.size(days)), 0, 1.0, 1.0, 1.0)]
    for j in range(len(km.time)):
        rows.append((arm, float(km.time[j]), int(km.n_risk[j]), int(km.n_events[j]), float(km.survival[j]),
                     float(km.ci95_low[j]), float(km.ci95_high[j])))
    return rows


def efficacy(p: dict, estimand: str, alpha: float = 0.05) -> dict:
    """ARR (pooled with exact CI, per patient), change from the pre-study ARR, attacks, time to first relapse."""
    k, years = counts_and_years(p, estimand)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_patient = np.where(years > 0, k / np.where(years > 0, years, 1.0), np.nan)
    days, event = first_relapse_times(p, estimand)
    return {
        "estimand": estimand,
        "patient_years": float(np.sum(years)),
        "relapses": int(np.sum(k)),
        "arr_pooled_per_year": pooled_rate(k, years, alpha),
        "arr_per_patient_per_year": median_iqr(per_patient),
        "arr_change": arr_reduction(p["pre_study_arr"], np.nan_to_num(per_patient)),
        "attacks_per_patient": attacks_distribution(k),
        "relapse_free_share": share(k == 0),
        "time_to_first_relapse": time_to_first_relapse(days, event, alpha),
    }
