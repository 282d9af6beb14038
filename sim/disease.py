"""Disease course: attack severity, EDSS at a time from attack records, EDSS reporting and worsening rules."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.special import ndtri

from .edss_scale import edss_worsened, report_edss  # noqa: F401  (the scale's rules, re-exported)
from .physiology.hazards import clip01
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


def phenotype_names(p: Edss) -> list[str]:
    """The attack phenotypes of the scenario, in order ("unspecified" when it gives none)."""
    return [ph.name for ph in p.phenotypes] or ["unspecified"]


@lru_cache(maxsize=64)
def _phenotype_edges(weights: tuple[float, ...]) -> np.ndarray:
    """Cumulative phenotype probabilities (the last is 1): computed once per set of weights."""
    w = np.cumsum(weights)
    return w / w[-1]


def attack_steps(u_pheno: np.ndarray, u_severe: np.ndarray, u_size: np.ndarray, u_residual: np.ndarray,
                 p: Edss) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each attack's phenotype (index into phenotype_names), acute EDSS step, residual step left after recovery and
    fatality, from four uniforms per attack."""
    u_pheno, u_severe, u_size, u_residual = (np.asarray(u, float) for u in (u_pheno, u_severe, u_size, u_residual))
    if not p.phenotypes:
        severe = u_severe < p.severe_fraction
        acute = np.where(severe, dist_from_uniform(u_size, p.severe_step), dist_from_uniform(u_size, p.mild_step))
        residual = acute * np.clip(dist_from_uniform(u_residual, p.residual_fraction), 0.0, 1.0)
        return np.zeros(u_pheno.shape, int), acute, residual, np.zeros(u_pheno.shape)
    edges = _phenotype_edges(tuple(ph.weight for ph in p.phenotypes))
    kind = np.minimum(edges.searchsorted(u_pheno, side="right"), len(edges) - 1)
    acute, residual, fatal = np.zeros(u_pheno.shape), np.zeros(u_pheno.shape), np.zeros(u_pheno.shape)
    for j, ph in enumerate(p.phenotypes):
        m = kind == j
        if np.count_nonzero(m):
            a = np.where(u_severe[m] < ph.severe_fraction, dist_from_uniform(u_size[m], ph.severe_step),
                         dist_from_uniform(u_size[m], ph.mild_step))
            acute[m] = a
            residual[m] = a * clip01(dist_from_uniform(u_residual[m], ph.residual_fraction))
            fatal[m] = ph.fatality
    return kind, acute, residual, fatal


def edss_at(t_day: float, chronic: float, attack_days, acute, residual, recovery_days: float,
            drift_per_day: float = 0.0, ceiling: float = 10.0) -> float:
    """Continuous EDSS at t_day: chronic level (+ drift after day 0) plus, per past attack, residual + (acute - residual)·exp(-(t - t_attack)/recovery), in [0, ceiling]."""
    value = chronic + drift_per_day * max(t_day, 0.0)
    for ta, a, r in zip(attack_days, acute, residual):
        if ta <= t_day:
            value += r + (a - r) * math.exp(-(t_day - ta) / recovery_days)
    return min(max(value, 0.0), ceiling)


def edss_on_days(days: list[float], chronic: np.ndarray, attack_days: np.ndarray, acute: np.ndarray,
                 residual: np.ndarray, recovery_days: float, drift_per_day: float = 0.0,
                 ceiling: float = 10.0) -> np.ndarray:
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
            out[:, j] = np.clip(value, 0.0, ceiling)
    return out


def report_edss_array(value: np.ndarray) -> np.ndarray:
    """`report_edss` over an array: the nearest Kurtzke step (no 0.5; halves rounded up), within 0-10."""
    value = np.asarray(value, float)
    r = np.clip(np.floor(value * 2 + 0.5 + 1e-9) / 2, 0.0, 10.0)
    return np.where(r == 0.5, np.where(value >= 0.5 - 1e-9, 1.0, 0.0), r)
