"""Disease course: attack severity, EDSS at a time from attack records, EDSS reporting and worsening rules."""
from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from .edss_scale import edss_worsened, report_edss  # noqa: F401  (the scale's rules, re-exported)
from .scenario import Dist, Edss


def dist_from_uniform(u: np.ndarray | float, d: Dist) -> np.ndarray:
    """Inverse-CDF transform of uniforms in (0, 1) to distribution `d`, truncated to [low, high] where given."""
    u = np.asarray(u, dtype=float)
    if d.kind == "fixed":
        return np.full(u.shape, float(d.value))
    if d.kind == "uniform":
        return d.low + u * (d.high - d.low)
    if d.kind == "normal":
        loc, scale, to = d.mean, d.sd, (lambda x: x)
        lo = -np.inf if d.low is None else d.low
        hi = np.inf if d.high is None else d.high
    else:  # lognormal(median, cv) in log space
        loc, scale, to = math.log(d.median), math.sqrt(math.log1p(d.cv**2)), np.exp
        lo = -np.inf if d.low is None or d.low <= 0 else math.log(d.low)
        hi = np.inf if d.high is None else math.log(d.high)
    if scale == 0:
        return to(np.full(u.shape, float(np.clip(loc, lo, hi))))
    from scipy.special import ndtr

    plo = 0.0 if lo == -np.inf else float(ndtr((lo - loc) / scale))
    phi = 1.0 if hi == np.inf else float(ndtr((hi - loc) / scale))
    z = ndtri(np.clip(plo + u * (phi - plo), 1e-15, 1 - 1e-15))
    return to(np.clip(loc + scale * z, lo, hi))


def attack_steps(u_severe: np.ndarray, u_size: np.ndarray, u_residual: np.ndarray, p: Edss) -> tuple[np.ndarray, np.ndarray]:
    """Acute EDSS step and the residual step left after recovery, for attacks given three uniforms each."""
    severe = np.asarray(u_severe) < p.severe_fraction
    acute = np.where(severe, dist_from_uniform(u_size, p.severe_step), dist_from_uniform(u_size, p.mild_step))
    residual = acute * np.clip(dist_from_uniform(u_residual, p.residual_fraction), 0.0, 1.0)
    return acute, residual


def edss_at(t_day: float, chronic: float, attack_days, acute, residual, recovery_days: float,
            drift_per_day: float = 0.0) -> float:
    """Continuous EDSS at t_day: chronic level (+ drift after day 0) plus, per past attack, residual + (acute - residual)·exp(-(t - t_attack)/recovery), in [0, 10]."""
    value = chronic + drift_per_day * max(t_day, 0.0)
    for ta, a, r in zip(attack_days, acute, residual):
        if ta <= t_day:
            value += r + (a - r) * math.exp(-(t_day - ta) / recovery_days)
    return min(max(value, 0.0), 10.0)


def edss_on_days(days: list[float], chronic: np.ndarray, attack_days: np.ndarray, acute: np.ndarray,
                 residual: np.ndarray, recovery_days: float, drift_per_day: float = 0.0) -> np.ndarray:
    """`edss_at` for n patients at once: (n, len(days)) continuous EDSS from attacks (n, K) padded with NaN days.

    Attacks are added column by column in order, as `edss_at` adds them, so each patient's value does not depend on
    the other patients or on K.
    """
    out = np.empty((chronic.shape[0], len(days)))
    with np.errstate(invalid="ignore"):
        for j, t in enumerate(days):
            value = chronic + drift_per_day * max(t, 0.0)
            for k in range(attack_days.shape[1]):
                ta = attack_days[:, k]
                past = ta <= t
                if past.any():
                    value = value + np.where(past, residual[:, k] + (acute[:, k] - residual[:, k])
                                             * np.exp(-(t - ta) / recovery_days), 0.0)
            out[:, j] = np.clip(value, 0.0, 10.0)
    return out


def report_edss_array(value: np.ndarray) -> np.ndarray:
    """`report_edss` over an array: nearest 0.5 step (halves rounded up), within 0-10."""
    return np.clip(np.floor(value * 2 + 0.5 + 1e-9) / 2, 0.0, 10.0)
