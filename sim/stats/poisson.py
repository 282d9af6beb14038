"""Exact (Garwood) Poisson confidence interval for a pooled event rate."""
from __future__ import annotations

import numpy as np
from scipy import stats


def pooled_rate(events, exposure_years, alpha: float = 0.05) -> dict:
    """Pooled rate = total events / total exposure, in events per patient-year, with the exact (Garwood) 1-alpha CI."""
    k = float(np.sum(np.asarray(events, float)))
    t = float(np.sum(np.asarray(exposure_years, float)))
    if not (np.isfinite(k) and np.isfinite(t)) or k < 0 or t < 0:
        raise ValueError("events and exposure must be finite and non-negative")
    out = {"events": k, "exposure_years": t}
    if t == 0:
        return {**out, "estimate": None, "ci95_low": None, "ci95_high": None, "note": "no exposure time"}
    lo, hi = garwood_limits(k, alpha)
    return {**out, "estimate": k / t, "ci95_low": lo / t, "ci95_high": hi / t}


def garwood_limits(k: float, alpha: float = 0.05) -> tuple[float, float]:
    """Exact 1-alpha limits for a Poisson mean given k observed events (chi-square form), in events."""
    lo = 0.0 if k == 0 else stats.chi2.ppf(alpha / 2, 2 * k) / 2
    hi = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return float(lo), float(hi)
