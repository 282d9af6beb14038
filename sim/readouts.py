"""Trial readouts from per-patient tables: pure functions over arrays, with no simulation imports."""
from __future__ import annotations

from collections import Counter

import numpy as np
from scipy import stats


def pooled_arr(relapses, years, alpha: float = 0.05) -> dict:
    """Pooled ARR = total relapses / total patient-years, with the exact (Garwood) Poisson 1-alpha CI."""
    k = float(np.sum(relapses))
    t = float(np.sum(years))
    if t <= 0:
        return {"estimate": None, "ci95_low": None, "ci95_high": None, "note": "no follow-up time"}
    lo = 0.0 if k == 0 else stats.chi2.ppf(alpha / 2, 2 * k) / (2 * t)
    hi = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / (2 * t)
    return {"estimate": k / t, "ci95_low": float(lo), "ci95_high": float(hi)}


def median_iqr(x) -> dict:
    """Median and interquartile range (numpy's linear interpolation); None for no data."""
    x = np.asarray(x, float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return {"median": None, "q1": None, "q3": None}
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    return {"median": float(med), "q1": float(q1), "q3": float(q3)}


def arr_reduction(pre_arr, on_arr) -> dict:
    """Median per-patient ARR before and during treatment, the reduction of the medians (as the seeds report), and the median of per-patient reductions."""
    pre, on = np.asarray(pre_arr, float), np.asarray(on_arr, float)
    mp, mo = float(np.median(pre)), float(np.median(on))
    red = None if mp == 0 else 100.0 * (1.0 - mo / mp)
    ok = pre > 0
    per = 100.0 * (1.0 - on[ok] / pre[ok])
    return {"median_pre_study": mp, "median_on_study": mo, "median_reduction_percent": red,
            "per_patient_reduction_median_percent": float(np.median(per)) if per.size else None}


def who_leukopenia_grade(wbc_10e9_per_l) -> np.ndarray:
    """WHO leukocyte grade (Miller 1981): 0 >= 4.0, 1 3.0-3.9, 2 2.0-2.9, 3 1.0-1.9, 4 < 1.0 (x 10^9/L); NaN (no value) -> 0."""
    w = np.asarray(wbc_10e9_per_l, float)
    g = np.zeros(w.shape, int)
    for edge, grade in ((4.0, 1), (3.0, 2), (2.0, 3), (1.0, 4)):
        g = np.where(w < edge, grade, g)
    return g


def share(mask) -> float | None:
    m = np.asarray(mask, bool)
    return float(m.mean()) if m.size else None


def distribution(x) -> dict:
    """Median, minimum and maximum."""
    x = np.asarray(x, float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return {"median": None, "min": None, "max": None}
    return {"median": float(np.median(x)), "min": float(x.min()), "max": float(x.max())}


def rate_ratio_exact(k1: float, t1: float, k0: float, t0: float, alpha: float = 0.05) -> dict:
    """Ratio of two Poisson rates (k1/t1)/(k0/t0) with the exact conditional CI: k1 | k1+k0 is binomial (Clopper-Pearson)."""
    n = k1 + k0
    if t1 <= 0 or t0 <= 0 or n == 0:
        return {"estimate": None, "ci95_low": None, "ci95_high": None, "note": "no relapses in either arm" if n == 0 else "no follow-up"}
    lo_p = 0.0 if k1 == 0 else stats.beta.ppf(alpha / 2, k1, n - k1 + 1)
    hi_p = 1.0 if k1 == n else stats.beta.ppf(1 - alpha / 2, k1 + 1, n - k1)
    to_rr = lambda q: q / (1 - q) * t0 / t1 if q < 1 else None  # noqa: E731
    est = None if k0 == 0 else (k1 / t1) / (k0 / t0)
    return {"estimate": est, "ci95_low": float(to_rr(lo_p)), "ci95_high": None if hi_p >= 1 else float(to_rr(hi_p)),
            "method": "exact conditional (Poisson counts; ignores overdispersion)"}


def compare_arms(arms: dict[str, dict], reference: str, untreated: list[str]) -> dict:
    """Each arm's pooled ARR ratio to the reference arm, and regression to the mean read off the untreated arms."""
    ref = arms[reference]
    out = {"reference_arm": reference, "arr_ratio_to_reference": {}}
    for name, a in arms.items():
        if name != reference:
            out["arr_ratio_to_reference"][name] = rate_ratio_exact(a["relapses"], a["patient_years"],
                                                                   ref["relapses"], ref["patient_years"])
    if untreated:
        u = arms[untreated[0]]
        rtm = u["arr_change"]["median_reduction_percent"]
        out["regression_to_the_mean"] = {
            "untreated_arm": untreated[0],
            "untreated_median_arr_reduction_percent": rtm,
            "note": "reduction of the median ARR from the pre-study year with no drug: the entry rule selects patients "
                    "in a high-relapse spell (regression to the mean)",
            "treated_arms": {name: {"median_arr_reduction_percent": a["arr_change"]["median_reduction_percent"],
                                    "beyond_untreated_percentage_points": None if rtm is None
                                    or a["arr_change"]["median_reduction_percent"] is None
                                    else a["arr_change"]["median_reduction_percent"] - rtm}
                             for name, a in arms.items() if name not in untreated},
        }
    return out


def summarize_arm(p: dict[str, np.ndarray], tallies: list[tuple[int, str, str]]) -> dict:
    """The one-arm readout table from per-patient columns and (patient, kind, cause) dose-rule tallies."""
    n = len(p["patient"])
    grade = who_leukopenia_grade(p["wbc_min_observed_10e9_per_l"])
    counts = {kind: dict(sorted(Counter(c for _, k, c in tallies if k == kind).items()))
              for kind in ("reduced", "skipped", "interrupted", "infusion reaction")}
    stops = Counter(r for r in p["discontinuation"] if r)
    return {
        "patients": n,
        "patient_years": float(np.sum(p["follow_up_years"])),
        "relapses": int(np.sum(p["relapses"])),
        "arr_pooled_per_year": pooled_arr(p["relapses"], p["follow_up_years"]),
        "arr_per_patient_per_year": median_iqr(p["arr"]),
        "arr_change": arr_reduction(p["pre_study_arr"], p["arr"]),
        "relapse_free_share": share(np.asarray(p["relapses"]) == 0),
        "on_treatment": {
            "patient_years": float(np.sum(p["on_treatment_years"])),
            "relapses": int(np.sum(p["relapses_on_treatment"])),
            "arr_pooled_per_year": pooled_arr(p["relapses_on_treatment"], p["on_treatment_years"]),
            "arr_change": arr_reduction(p["pre_study_arr"], np.nan_to_num(np.asarray(p["arr_on_treatment"], float))),
            "relapse_free_share": share(np.asarray(p["relapses_on_treatment"]) == 0),
        },
        "doses_given": distribution(p["doses_given"]),
        "lab_interruptions_by_reason": counts["interrupted"],
        "infusion_reactions": sum(counts["infusion reaction"].values()),
        "phase_paths": dict(sorted(Counter(x for x in p["phases"] if x).items())),
        "dose_reductions_by_reason": counts["reduced"],
        "skipped_infusions_by_reason": counts["skipped"],
        "leukopenia_who_grade_patients": {str(g): int(np.sum(grade == g)) for g in range(5)},
        "infections": int(np.sum(p["infections"])),
        "patients_with_infection": int(np.sum(np.asarray(p["infections"]) > 0)),
        "serious_infections": int(np.sum(p["serious_infections"])),
        "toxicity_grade_2_3_patients": int(np.sum((np.asarray(p["toxicity_max_grade"]) >= 2) & (np.asarray(p["toxicity_max_grade"]) <= 3))),
        "cumulative_dose_mg_per_m2": distribution(p["cumulative_dose_mg_per_m2"]),
        "wbc_nadir_10e9_per_l": distribution(p["wbc_nadir_10e9_per_l"]),
        "discontinuations_by_reason": dict(sorted(stops.items())),
        "edss_start_median": float(np.median(p["edss_start"])),
        "edss_end_median": float(np.median(p["edss_end"])),
    }
