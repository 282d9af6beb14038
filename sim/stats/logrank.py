"""Log-rank (Mantel-Haenszel) test of equal survival in two or more groups.

At each distinct event time t_j with n_j at risk (censored at t_j count as at risk), d_j events, n_gj at risk and
d_gj events in group g: O_g = sum d_gj, E_g = sum d_j n_gj / n_j, and the hypergeometric covariance
V_gh = sum d_j (n_j - d_j) / (n_j - 1) * (n_gj / n_j) * (delta_gh - n_hj / n_j)  (terms with n_j = 1 are 0).
chi2 = (O - E)' V^- (O - E) over all groups with a generalized inverse V^-, df = rank(V) (= groups - 1 unless a
group never contributes; as R survdiff). Tied events are handled as above (no tie correction beyond the
hypergeometric variance), as in R survdiff and statsmodels survdiff.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

RANK_TOL = 1e-10   # eigenvalues of V below this share of the largest are treated as zero


def check_times(time, event) -> tuple[np.ndarray, np.ndarray]:
    """Validate follow-up times (non-negative, finite) and event indicators; return float times and 0/1 events."""
    t = np.asarray(time, float).ravel()
    e = np.asarray(event).ravel()
    if t.size != e.size:
        raise ValueError("time and event must have the same length")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("times must be finite and non-negative")
    if e.dtype != bool and not np.all(np.isin(e, [0, 1])):
        raise ValueError("event must be boolean or 0/1")
    return t, e.astype(float)


def logrank(time, event, group) -> dict:
    """Log-rank chi-square (dimensionless), its degrees of freedom and p-value for equal survival across groups."""
    t, e = check_times(time, event)
    g = np.asarray(group, dtype=object).ravel()
    if g.size != t.size:
        raise ValueError("group must have the same length as time")
    labels = list(dict.fromkeys(g.tolist()))
    obs, exp_, var = _oe_var(t, e, g, labels)
    out = {"chi2": None, "df": 0, "p_value": None, "groups": labels,
           "observed": obs.tolist(), "expected": exp_.tolist()}
    if len(labels) < 2:
        return {**out, "note": "fewer than two groups; no test"}
    if e.sum() == 0:
        return {**out, "note": "no events; no test"}
    eig, vec = np.linalg.eigh(var)
    keep = eig > RANK_TOL * max(float(eig.max()), 0.0)
    df = int(keep.sum())
    if df == 0:
        return {**out, "note": "no event time with more than one group at risk; no test"}
    proj = vec[:, keep].T @ (obs - exp_)
    chi2 = float(np.sum(proj**2 / eig[keep]))
    note = None if df == len(labels) - 1 else f"variance matrix of rank {df} < {len(labels) - 1}; df = rank"
    return {**out, "chi2": chi2, "df": df, "p_value": float(stats.chi2.sf(chi2, df)), "note": note}


def _oe_var(t, e, g, labels):
    """Observed and expected events per group and their hypergeometric covariance matrix."""
    ut, inv = np.unique(t, return_inverse=True)
    risk = np.empty((len(labels), ut.size))
    dev = np.empty((len(labels), ut.size))
    for k, lab in enumerate(labels):
        m = g == lab
        risk[k] = np.cumsum(np.bincount(inv[m], minlength=ut.size)[::-1])[::-1]
        dev[k] = np.bincount(inv[m], weights=e[m], minlength=ut.size)
    n, d = risk.sum(0), dev.sum(0)
    use = (d > 0) & (n > 1)
    frac = risk[:, use] / n[use]
    w = d[use] * (n[use] - d[use]) / (n[use] - 1)
    var = np.diag((frac * w).sum(1)) - (frac * w) @ frac.T
    expected = (risk / np.where(n > 0, n, 1)) @ d
    return dev.sum(1), expected, var

