"""NB2 log-likelihood (Var = mu + alpha*mu^2) with analytic gradient and Hessian in theta = (beta, log alpha).

For an integer count y the gamma-function ratio is written as a finite sum,
    lgamma(y + 1/a) - lgamma(1/a) + y*log(a) = sum_{j<y} log1p(a*j),
so the per-observation log-likelihood is
    l = sum_{j<y} log1p(a*j) - lgamma(y+1) + y*log(mu) - (y + 1/a)*log1p(a*mu),
which is numerically stable as a -> 0 (it tends to the Poisson log-likelihood).
"""
from __future__ import annotations

import numpy as np
from scipy.special import gammaln


def _sums(y: np.ndarray, a: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-observation sums over j < y of log1p(a j), j/(1+a j) and j^2/(1+a j)^2 (dimensionless)."""
    j = np.arange(int(y.max()) if y.size else 0, dtype=float)
    s = np.zeros((3, j.size + 1))
    s[0, 1:] = np.cumsum(np.log1p(a * j))
    s[1, 1:] = np.cumsum(j / (1 + a * j))
    s[2, 1:] = np.cumsum((j / (1 + a * j)) ** 2)
    yi = y.astype(int)
    return s[0, yi], s[1, yi], s[2, yi]


def _unpack(theta, X, offset):
    """Split theta into beta and alpha and return (a, mu) with mu = exp(X beta + offset) in events per row."""
    a = float(np.exp(theta[-1]))
    mu = np.exp(X @ theta[:-1] + offset)
    return a, mu


def nb2_loglik(theta, X, offset, y) -> float:
    """Total NB2 log-likelihood (nats) at theta = (beta, log alpha)."""
    a, mu = _unpack(theta, X, offset)
    s0, _, _ = _sums(y, a)
    return float(np.sum(s0 - gammaln(y + 1) + y * np.log(mu) - (y + 1 / a) * np.log1p(a * mu)))


def nb2_grad(theta, X, offset, y) -> np.ndarray:
    """Gradient of the NB2 log-likelihood with respect to (beta, log alpha)."""
    a, mu = _unpack(theta, X, offset)
    _, s1, _ = _sums(y, a)
    q = 1 + a * mu
    g_beta = X.T @ ((y - mu) / q)
    return np.append(g_beta, np.sum(_a_times_dl_da(y, a, mu, s1)))


def nb2_hess(theta, X, offset, y) -> np.ndarray:
    """Hessian of the NB2 log-likelihood with respect to (beta, log alpha)."""
    a, mu = _unpack(theta, X, offset)
    _, s1, s2 = _sums(y, a)
    q = 1 + a * mu
    p = X.shape[1]
    h = np.empty((p + 1, p + 1))
    h[:p, :p] = -(X * (mu * (1 + a * y) / q**2)[:, None]).T @ X
    h_ab = -X.T @ (mu * (y - mu) / q**2)
    a2_h_aa = -a**2 * s2 - 2 * np.log1p(a * mu) / a + 2 * mu / q + (a**2 * y + a) * mu**2 / q**2
    h[:p, p] = h[p, :p] = a * h_ab
    h[p, p] = np.sum(a2_h_aa + _a_times_dl_da(y, a, mu, s1))
    return h


def _a_times_dl_da(y, a, mu, s1) -> np.ndarray:
    """Per-observation a * dl/da (= dl/dlog a), written without 1/a^2 terms so it stays accurate as a -> 0."""
    return a * s1 + np.log1p(a * mu) / a - (a * y + 1) * mu / (1 + a * mu)


def poisson_loglik(mu, y) -> float:
    """Total Poisson log-likelihood (nats) of counts y at means mu (events per row)."""
    mu = np.asarray(mu, float)
    return float(np.sum(np.where(y > 0, y * np.log(np.where(mu > 0, mu, 1.0)), 0.0) - mu - gammaln(y + 1)))
