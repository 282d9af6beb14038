"""Small readout helpers over arrays: medians, shares, distributions, ARR change, WHO grades, exact rate ratio."""
from __future__ import annotations

import numpy as np
from scipy import stats


def optional_column(p: dict, name: str, n: int, fill, dtype=float) -> np.ndarray:
    """Column `name` of the per-patient table, or `fill` for every one of the n patients when the table lacks it."""
    if name in p:
        return np.asarray(p[name], dtype=dtype)
    return np.full(n, fill, dtype=dtype)


def take(p: dict, mask) -> dict:
    """The per-patient table restricted to the patients where mask is True (columns of another length kept as they are)."""
    m = np.asarray(mask, bool)
    out = {}
    for k, v in p.items():
        a = v if isinstance(v, np.ndarray) else np.asarray(v, dtype=object)
        out[k] = a[m] if a.ndim == 1 and a.shape[0] == m.size else v
    return out


def median_iqr(x) -> dict:
    """Median and interquartile range (numpy's linear interpolation); None for no data."""
    x = np.asarray(x, float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return {"median": None, "q1": None, "q3": None}
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    return {"median": float(med), "q1": float(q1), "q3": float(q3)}


def arr_reduction(pre_arr, on_arr) -> dict:
    """Median per-patient ARR before and during treatment, the reduction of the medians (as [Kim2011] reports it), and the median of per-patient reductions."""
    pre, on = np.asarray(pre_arr, float), np.asarray(on_arr, float)
    if pre.size == 0:
        return {"median_pre_study": None, "median_on_study": None, "median_reduction_percent": None,
                "per_patient_reduction_median_percent": None}
    mp, mo = float(np.median(pre)), float(np.median(on))
    red = None if mp == 0 else 100.0 * (1.0 - mo / mp)
    ok = pre > 0
    per = 100.0 * (1.0 - on[ok] / pre[ok])
    return {"median_pre_study": mp, "median_on_study": mo, "median_reduction_percent": red,
            "per_patient_reduction_median_percent": float(np.median(per)) if per.size else None}


WHO_LEUKOPENIA_EDGES = (4.0, 3.0, 2.0, 1.0)     # WBC 10^9/L: grade 1 < 4.0, 2 < 3.0, 3 < 2.0, 4 < 1.0 (Miller 1981)
WHO_NEUTROPENIA_EDGES = (2.0, 1.5, 1.0, 0.5)    # granulocytes 10^9/L: grade 1 < 2.0, 2 < 1.5, 3 < 1.0, 4 < 0.5


def who_grade(values, edges) -> np.ndarray:
    """WHO toxicity grade 0-4 of each value for descending grade edges (grade g when value < edges[g-1]); NaN -> 0."""
    w = np.asarray(values, float)
    g = np.zeros(w.shape, int)
    for grade, edge in enumerate(edges, start=1):
        g = np.where(w < edge, grade, g)
    return g


def who_leukopenia_grade(wbc_per_nl) -> np.ndarray:
    """WHO leukocyte grade (Miller 1981): 0 >= 4.0, 1 3.0-3.9, 2 2.0-2.9, 3 1.0-1.9, 4 < 1.0 (x 10^9/L); NaN (no value) -> 0."""
    return who_grade(wbc_per_nl, WHO_LEUKOPENIA_EDGES)


def grade_counts(grades) -> dict[str, int]:
    """Patients at each grade 0-4 (keys "0".."4")."""
    g = np.asarray(grades, int)
    return {str(k): int(np.sum(g == k)) for k in range(5)}


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
