"""Efficacy readouts of one arm: relapse counts and rates, attacks per patient, time to first relapse (Kaplan-Meier),
the dispersion of the counts; on treatment over the on-treatment population only."""
from __future__ import annotations

from collections import Counter

import numpy as np

from ..stats import kaplan_meier, km_at, km_median, nb_dispersion, pooled_rate
from .basic import arr_reduction, median_iqr, optional_column, share, take

YEAR_DAYS = 365.25
LANDMARKS_DAYS = {"week_52": 364.0, "year_2": 730.0}   # landmark days: 52 weeks; 2 years of 365 days
ON_TREATMENT_POPULATION = ("patients who received at least one dose (every patient of an untreated arm), each from "
                           "day 0 to the end of treatment (the last dose's cover)")
DISPERSION_NOTE = ("fitted to this arm's counts; not the scenario's disease.frailty_k, which is the frailty of the "
                   "untreated rate before entry selection and the clustering of attacks")


def on_treatment_mask(p: dict, n: int | None = None) -> np.ndarray:
    """Patients of the on-treatment population (`on_treatment_population` == 1; everyone when the column is absent)."""
    if n is None:
        n = len(next(iter(p.values()))) if p else 0
    return optional_column(p, "on_treatment_population", n, 1.0) == 1.0


def counts_and_years(p: dict, estimand: str) -> tuple[np.ndarray, np.ndarray]:
    """Relapses and years at risk per patient under the estimand: whole follow-up (every patient), or until treatment
    ends (the on-treatment population only)."""
    if estimand == "on_treatment":
        k = np.asarray(p["relapses_on_treatment"], float)
        keep = on_treatment_mask(p, k.size)
        return k[keep], np.asarray(p["on_treatment_years"], float)[keep]
    return np.asarray(p["relapses"], float), np.asarray(p["follow_up_years"], float)


def first_relapse_times(p: dict, estimand: str) -> tuple[np.ndarray, np.ndarray]:
    """(days, event) to the first relapse, censored at the end of follow-up or, on treatment, at the treatment's end
    (the on-treatment population only)."""
    first = np.asarray(p["first_relapse_day"], float)
    end = np.asarray(p["follow_up_years"], float) * YEAR_DAYS
    keep = np.ones(first.size, bool)
    if estimand == "on_treatment":
        end = np.asarray(p["treatment_end_day"], float)
        keep = on_treatment_mask(p, first.size)
    hit = ~np.isnan(first) & (first <= end + 1e-9)
    return np.where(hit, first, end)[keep], hit[keep]


def attacks_distribution(counts) -> dict[str, int]:
    """Patients with 0, 1, 2, ... attacks (keys are the counts as text, every count up to the maximum)."""
    c = Counter(int(x) for x in np.asarray(counts, float))
    top = max(c) if c else 0
    return {str(k): c.get(k, 0) for k in range(top + 1)}


def km_summary(days, event, alpha: float = 0.05, probability_key: str = "relapse_free_probability") -> dict:
    """Kaplan-Meier summary of a time to event: patients, events, median with CI (None when not reached), and the
    event-free probability at week 52 and year 2 under `probability_key`.

    A landmark after the last follow-up time is null ("follow-up ends before day ...") while the curve is above 0;
    once every patient has had the event (survival 0 at the last time) it is 0 with CI 0-0 at any later landmark."""
    km = kaplan_meier(days, event, alpha)
    med = km_median(km)
    out = {"patients": int(np.size(days)), "events": int(np.sum(event)),
           "median_days": {"estimate": med["median"], "ci95_low": med["ci95_low"], "ci95_high": med["ci95_high"],
                           "note": med.get("note")},
           probability_key: {}}
    last = float(np.max(days)) if np.size(days) else 0.0
    ended = km.time.size > 0 and km.survival[-1] == 0
    for name, t in LANDMARKS_DAYS.items():
        if t <= last + 1e-9:
            at = km_at(km, t)
            out[probability_key][name] = {"estimate": at["survival"], "ci95_low": at["ci95_low"],
                                          "ci95_high": at["ci95_high"], "note": at.get("note")}
        elif ended:
            out[probability_key][name] = {"estimate": 0.0, "ci95_low": 0.0, "ci95_high": 0.0,
                                          "note": f"every patient had the event by day {km.time[-1]:g}"}
        else:
            out[probability_key][name] = {"estimate": None, "ci95_low": None, "ci95_high": None,
                                          "note": f"follow-up ends before day {t:g}"}
    return out


def time_to_first_relapse(days, event, alpha: float = 0.05) -> dict:
    """Kaplan-Meier summary: median with CI (None when not reached), relapse-free probability at week 52 and year 2."""
    return km_summary(days, event, alpha, "relapse_free_probability")


def km_table(arm: str, days, event, alpha: float = 0.05) -> list[tuple]:
    """Rows (arm, day, at_risk, events, survival, ci95_low, ci95_high) of the Kaplan-Meier curve, from day 0."""
    km = kaplan_meier(days, event, alpha)
    rows = [(arm, 0.0, int(np.size(days)), 0, 1.0, 1.0, 1.0)]
    for j in range(len(km.time)):
        rows.append((arm, float(km.time[j]), int(km.n_risk[j]), int(km.n_events[j]), float(km.survival[j]),
                     float(km.ci95_low[j]), float(km.ci95_high[j])))
    return rows


def relapse_count_dispersion(counts, years) -> dict:
    """NB2 dispersion of the relapse counts with offset log(years): {"nb2_alpha", "k" (= 1/alpha), "note"}; both
    None (the note says why) with no relapses or an MLE at alpha = 0 (counts no more variable than Poisson)."""
    fit = nb_dispersion(counts, years)
    a = fit["alpha"]
    if a is None or a <= 0:
        why = fit["note"] or "dispersion not estimable"
        return {"nb2_alpha": None, "k": None, "note": f"{why}; {DISPERSION_NOTE}"}
    note = DISPERSION_NOTE if not fit["note"] else f"{fit['note']}; {DISPERSION_NOTE}"
    return {"nb2_alpha": float(a), "k": float(1.0 / a), "note": note}


def efficacy(p: dict, estimand: str, alpha: float = 0.05) -> dict:
    """ARR (pooled with exact CI, per patient), change from the pre-study ARR, attacks, time to first relapse, count
    dispersion. On treatment: over the on-treatment population only, with its size and a note."""
    head: dict = {"estimand": estimand}
    if estimand == "on_treatment":
        n = len(p["relapses_on_treatment"])
        keep = on_treatment_mask(p, n)
        p = take(p, keep)
        head.update(patients=int(keep.sum()),
                    population=f"{int(keep.sum())} of {n} patients: {ON_TREATMENT_POPULATION}")
    k, years = counts_and_years(p, estimand)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_patient = np.where(years > 0, k / np.where(years > 0, years, 1.0), np.nan)
    days, event = first_relapse_times(p, estimand)
    return {
        **head,
        "patient_years": float(np.sum(years)),
        "relapses": int(np.sum(k)),
        "arr_pooled_per_year": pooled_rate(k, years, alpha),
        "arr_per_patient_per_year": median_iqr(per_patient),
        "arr_change": arr_reduction(np.asarray(p["pre_study_arr"], float), np.nan_to_num(per_patient)),
        "attacks_per_patient": attacks_distribution(k),
        "relapse_free_share": share(k == 0),
        "time_to_first_relapse": time_to_first_relapse(days, event, alpha),
        "relapse_count_dispersion": relapse_count_dispersion(k, years),
    }
