"""Kaplan-Meier survival with Greenwood standard errors, log(-log) pointwise CIs, and quantiles with CIs.

Pointwise CI (R survival conf.type="log-log", SAS/statsmodels "cloglog", scipy ecdf "log-log" =
"exponential Greenwood"):
    v(t) = sum_{t_j <= t} d_j / (n_j (n_j - d_j))          (Greenwood sum; se(S) = S * sqrt(v))
    S(t) ** exp(+-z * sqrt(v) / log S(t))                    (lower limit with +z since log S < 0).
Quantile q_p (median p = 0.5): the smallest event time with S(t) <= 1 - p; when S equals 1 - p (within
sqrt(machine eps)) on [t_j, t_{j+1}) the midpoint (t_j + t_{j+1})/2 is used, and (t_j + last follow-up time)/2
when that flat segment ends the curve (R survival quantile.survfit).
Quantile CI (Brookmeyer & Crowley 1982, log(-log) transform, as statsmodels SurvfuncRight.quantile_ci(method=
"cloglog") and SAS LIFETEST): the event times whose pointwise CI contains 1 - p; the lower limit is the first of
them, the upper limit the event time following the last of them (None, "not reached", when there is none).
Ties: at a time with both events and censorings, the censored patients are counted at risk (n_j) at that time.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from .logrank import check_times

TIE_TOL = np.sqrt(np.finfo(float).eps)   # R quantile.survfit tolerance for "S equals 1 - p"


@dataclass(frozen=True)
class KMResult:
    """Kaplan-Meier estimate at each distinct event time (times in the caller's unit, e.g. days)."""

    time: np.ndarray        # distinct event times
    n_risk: np.ndarray      # patients at risk just before each time (censored at t count as at risk at t)
    n_events: np.ndarray    # events at each time
    survival: np.ndarray    # S(t), right-continuous
    std_err: np.ndarray     # Greenwood SE of S(t); 0 where S(t) = 0 (undefined there, see note)
    ci95_low: np.ndarray    # pointwise log(-log) CI; (0, 0) where S(t) = 0
    ci95_high: np.ndarray
    greenwood: np.ndarray   # cumulative Greenwood sum v(t) (variance of log S); inf where S(t) = 0
    n: int                  # patients
    max_time: float         # last observed (event or censoring) time; 0 with no patients
    alpha: float = 0.05
    note: str | None = field(default=None)


def kaplan_meier(time_days, event_bool, alpha: float = 0.05) -> KMResult:
    """Kaplan-Meier survival (probability) at each distinct event time, with Greenwood SE and log(-log) 1-alpha CI."""
    t, e = check_times(time_days, event_bool)
    ut, inv = np.unique(t, return_inverse=True)
    d_all = np.bincount(inv, weights=e, minlength=ut.size)
    n_all = np.cumsum(np.bincount(inv, minlength=ut.size)[::-1])[::-1]
    keep = d_all > 0
    times, d, n = ut[keep], d_all[keep].astype(int), n_all[keep].astype(int)
    surv = np.cumprod(1.0 - d / n)
    with np.errstate(divide="ignore"):
        gw = np.cumsum(np.where(n > d, d / (n * np.maximum(n - d, 1)), np.inf))
    se, lo, hi = _loglog_band(surv, gw, stats.norm.ppf(1 - alpha / 2))
    notes = []
    if t.size == 0:
        notes.append("no patients")
    elif times.size == 0:
        notes.append("no events: survival 1 throughout follow-up")
    if times.size and surv[-1] == 0:
        notes.append(f"survival reaches 0 at t={times[-1]:g}: Greenwood SE and CI undefined there, reported as 0")
    return KMResult(times, n, d, surv, se, lo, hi, gw, int(t.size), float(t.max()) if t.size else 0.0, alpha,
                    "; ".join(notes) or None)


def _loglog_band(surv, gw, z):
    """Greenwood SE of S and the log(-log) CI; 0 for all three where S = 0."""
    pos = surv > 0
    se = np.where(pos, surv * np.sqrt(np.where(pos, gw, 0.0)), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = z * np.sqrt(gw) / np.log(surv)
        lo = np.where(pos, surv ** np.exp(-w), 0.0)
        hi = np.where(pos, surv ** np.exp(w), 0.0)
    return se, lo, hi


def km_at(result: KMResult, t: float) -> dict:
    """Survival (probability) at time t with its Greenwood SE and CI, reading the right-continuous step function."""
    i = int(np.searchsorted(result.time, t, side="right")) - 1
    if i < 0:
        out = {"survival": 1.0, "std_err": 0.0, "ci95_low": 1.0, "ci95_high": 1.0}
    else:
        out = {"survival": float(result.survival[i]), "std_err": float(result.std_err[i]),
               "ci95_low": float(result.ci95_low[i]), "ci95_high": float(result.ci95_high[i])}
    if t < 0:
        out["note"] = "time before the start of follow-up"
    elif t > result.max_time:
        out["note"] = f"beyond the last follow-up time ({result.max_time:g}): last estimate carried forward"
    return out


def km_quantile(result: KMResult, p: float) -> dict:
    """p-th quantile of the survival time (caller's time unit) with its Brookmeyer-Crowley log(-log) CI."""
    target = 1.0 - p
    s = result.survival
    below = np.flatnonzero(s <= target + TIE_TOL)
    out = {"quantile": None, "ci95_low": None, "ci95_high": None}
    notes = []
    if below.size == 0:
        notes.append(f"not reached: survival stays above {target:g}")
    else:
        i = below[0]
        out["quantile"] = float(result.time[i])
        if abs(s[i] - target) <= TIE_TOL:
            end = result.time[i + 1] if i + 1 < s.size else result.max_time
            out["quantile"] = float((result.time[i] + end) / 2)
    lo, hi, note = _quantile_ci(result, target)
    out.update(ci95_low=lo, ci95_high=hi)
    notes += [note] if note else []
    out["note"] = "; ".join(notes) or None
    return out


def _quantile_ci(result: KMResult, target: float):
    """Event times whose pointwise log(-log) CI contains `target`: (first, next after last, note)."""
    s, gw = result.survival, result.greenwood
    ok = (s > 0) & (s < 1) & np.isfinite(gw)
    z = stats.norm.ppf(1 - result.alpha / 2)
    r = np.full(s.size, np.inf)
    r[ok] = (np.log(-np.log(s[ok])) - np.log(-np.log(target))) * -np.log(s[ok]) / np.sqrt(gw[ok])
    inside = np.flatnonzero(np.abs(r) <= z)
    if inside.size == 0:
        return None, None, "CI not estimable: no event time whose CI contains the target survival"
    lo = float(result.time[inside[0]])
    if inside[-1] + 1 < s.size:
        return lo, float(result.time[inside[-1] + 1]), None
    return lo, None, "upper confidence limit not reached"


def km_median(result: KMResult) -> dict:
    """Median survival time (caller's time unit) with its Brookmeyer-Crowley log(-log) CI; None when not reached."""
    q = km_quantile(result, 0.5)
    return {"median": q["quantile"], "ci95_low": q["ci95_low"], "ci95_high": q["ci95_high"], "note": q["note"]}
