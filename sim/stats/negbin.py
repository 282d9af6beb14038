"""Negative binomial (NB2) regression of event counts on a categorical arm factor with offset log(exposure).

Model: y_i ~ NB2(mu_i, alpha), Var = mu + alpha*mu^2, log mu_i = log(exposure_i) + b0 + b_arm(i) (reference coding),
fitted by maximum likelihood over (beta, log alpha) with scipy's trust-exact Newton method and the analytic
gradient and Hessian of `nb_likelihood`. Standard errors: inverse of the observed information (minus the analytic
Hessian) at the optimum; Wald CI exp(b +- z*se) and two-sided Wald p-value for each log rate ratio.

Fallback rule (alpha on the boundary): Poisson regression is used when the overdispersion score at the Poisson fit,
U = 1/2 * sum((y - mu)^2 - y) (= d loglik / d alpha at alpha = 0, Cameron & Trivedi), is <= 0, so the profile
likelihood of alpha is maximized at the boundary alpha = 0; or when the NB fit ends with alpha < 1e-8 or does not
raise the log-likelihood above the Poisson one by more than 1e-9. The Poisson fit with a categorical factor is closed
form: rate_k = Y_k / T_k, se(log RR_k) = sqrt(1/Y_k + 1/Y_ref) (the Wald SE of a Poisson GLM with this offset).
"""
from __future__ import annotations

import numpy as np
from scipy import optimize, stats

from .nb_likelihood import nb2_grad, nb2_hess, nb2_loglik, poisson_loglik

NB_METHOD = "negative binomial (NB2) maximum likelihood"
POISSON_METHOD = "Poisson (dispersion at zero)"
ALPHA_FLOOR = 1e-8
LOGLIK_GAIN = 1e-9


def nb_rate_ratios(counts, exposure_years, arm_labels, reference, alpha: float = 0.05) -> dict:
    """Rate ratio of each arm to `reference` (dimensionless) from NB2 regression with offset log(exposure in years)."""
    y, t, arms, notes = _clean(counts, exposure_years, arm_labels)
    levels = [reference] + [a for a in dict.fromkeys(arms.tolist()) if a != reference]
    out = {"reference": reference, "method": None, "dispersion_alpha": None, "arms": {}, "n_used": int(y.size)}
    summary = {lv: _arm_summary(y, t, arms == lv) for lv in levels}
    out["arms"] = {lv: {**summary[lv], **_undefined()} for lv in levels[1:]}
    if summary[reference]["patients"] == 0:
        return _finish(out, notes + [f"reference arm {reference!r} has no patients with exposure; no rate ratios"])
    if len(levels) == 1:
        return _finish(out, notes + ["only one arm; no rate ratios"])
    if y.sum() == 0:
        return _finish(out, notes + ["no events in any arm; rate ratios not estimable"])
    if summary[reference]["events"] == 0:
        return _finish(out, notes + [f"no events in reference arm {reference!r}; rate ratios not estimable"])
    fitted = [lv for lv in levels if summary[lv]["events"] > 0]
    for lv in levels[1:]:
        if lv not in fitted:
            out["arms"][lv].update(rate_ratio=0.0, note="no events in this arm: rate ratio 0, Wald CI not estimable")
    keep = np.array([a in set(fitted) for a in arms], dtype=bool)
    fit = _fit(y[keep], t[keep], arms[keep], fitted)
    out.update(method=fit["method"], dispersion_alpha=fit["alpha"], log_likelihood=fit["loglik"])
    z = stats.norm.ppf(1 - alpha / 2)
    for k, lv in enumerate(fitted[1:], start=1):
        out["arms"][lv].update(_wald(fit["beta"][k], fit["se"][k], z))
    return _finish(out, notes + fit["notes"])


def nb_dispersion(counts, exposure_years) -> dict:
    """NB2 dispersion alpha (Var = mu + alpha*mu^2, dimensionless) of one group's counts with offset log(exposure in
    years): intercept-only maximum likelihood, with the same boundary rule as `nb_rate_ratios`.

    Returns {"alpha", "rate_per_year", "method", "note", "n_used"}; alpha is None when undefined (no events) and 0.0
    with the Poisson method when its MLE is on the boundary (no overdispersion)."""
    y = np.asarray(counts, float).ravel()
    y, t, arms, notes = _clean(y, exposure_years, np.zeros(y.size, dtype=object))
    out = {"alpha": None, "rate_per_year": None, "method": None, "n_used": int(y.size)}
    if y.size == 0:
        return _finish(out, notes + ["no patients with exposure"])
    if y.sum() == 0:
        return _finish(out, notes + ["no events: dispersion not estimable"])
    fit = _fit(y, t, arms, [0])
    out.update(alpha=fit["alpha"], rate_per_year=float(np.exp(fit["beta"][0])), method=fit["method"],
               log_likelihood=fit["loglik"])
    return _finish(out, notes + fit["notes"])


def _clean(counts, exposure_years, arm_labels):
    """Validate inputs and drop rows with zero exposure (returns counts, years, labels, notes)."""
    y = np.asarray(counts, float).ravel()
    t = np.asarray(exposure_years, float).ravel()
    arms = np.asarray(arm_labels, dtype=object).ravel()
    if not (y.size == t.size == arms.size):
        raise ValueError("counts, exposure_years and arm_labels must have the same length")
    if not np.all(np.isfinite(y)) or np.any(y < 0) or np.any(y != np.round(y)):
        raise ValueError("counts must be non-negative integers")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("exposure_years must be finite and non-negative")
    notes = []
    zero = t == 0
    if zero.any():
        notes.append(f"dropped {int(zero.sum())} row(s) with zero exposure ({int(y[zero].sum())} event(s))")
    return y[~zero], t[~zero], arms[~zero], notes


def _arm_summary(y, t, mask) -> dict:
    """Patients, events and patient-years in one arm."""
    return {"patients": int(mask.sum()), "events": int(y[mask].sum()), "exposure_years": float(t[mask].sum())}


def _undefined() -> dict:
    """An arm entry whose rate ratio is not estimable."""
    return {"rate_ratio": None, "ci95_low": None, "ci95_high": None, "p_value": None, "log_rate_ratio_se": None}


def _finish(out: dict, notes: list[str]) -> dict:
    """Attach the joined notes (None when there is nothing to say)."""
    out["note"] = "; ".join(notes) if notes else None
    return out


def _wald(b: float, se: float | None, z: float) -> dict:
    """Rate ratio exp(b) with Wald CI exp(b +- z*se) and two-sided p-value."""
    if se is None:
        return {"rate_ratio": float(np.exp(b)), "note": "standard error not available"}
    return {"rate_ratio": float(np.exp(b)), "ci95_low": float(np.exp(b - z * se)),
            "ci95_high": float(np.exp(b + z * se)), "p_value": float(2 * stats.norm.sf(abs(b) / se)),
            "log_rate_ratio_se": float(se)}


def _design(arms, levels) -> np.ndarray:
    """Intercept plus one indicator column per non-reference level."""
    return np.column_stack([np.ones(arms.size)] + [(arms == lv).astype(float) for lv in levels[1:]])


def _poisson_fit(y, t, arms, levels) -> dict:
    """Closed-form Poisson MLE with a categorical factor: log rates, fitted means, Wald SEs of the log ratios."""
    ev = np.array([y[arms == lv].sum() for lv in levels])
    py = np.array([t[arms == lv].sum() for lv in levels])
    log_rate = np.log(ev / py)
    beta = np.append(log_rate[0], log_rate[1:] - log_rate[0])
    se = np.sqrt(np.append(1 / ev[0], 1 / ev[1:] + 1 / ev[0]))
    mu = t * np.exp(_design(arms, levels) @ beta)
    return {"beta": beta, "se": list(se), "mu": mu, "loglik": poisson_loglik(mu, y)}


def _fit(y, t, arms, levels) -> dict:
    """NB2 fit, or the Poisson fit when alpha is on the boundary (see the module docstring)."""
    pois = _poisson_fit(y, t, arms, levels)
    as_poisson = {**pois, "method": POISSON_METHOD, "alpha": 0.0}
    score = 0.5 * float(np.sum((y - pois["mu"]) ** 2 - y))
    if score <= 0:
        return {**as_poisson, "notes": ["overdispersion score <= 0 at the Poisson fit: alpha MLE at the boundary 0,"
                                        " Poisson regression used"]}
    nb = _nb_fit(y, np.log(t), _design(arms, levels), pois)
    if nb["alpha"] < ALPHA_FLOOR or nb["loglik"] - pois["loglik"] <= LOGLIK_GAIN:
        return {**as_poisson, "notes": [f"NB2 alpha MLE at the boundary (alpha={nb['alpha']:.3g}):"
                                        " Poisson regression used"]}
    return nb


def _nb_fit(y, offset, X, pois) -> dict:
    """Maximize the NB2 log-likelihood over (beta, log alpha) from the Poisson fit and a moment start for alpha."""
    mu = pois["mu"]
    a0 = max(float(np.sum((y - mu) ** 2 - y) / np.sum(mu**2)), 0.05)
    theta0 = np.append(pois["beta"], np.log(a0))
    args = (X, offset, y)
    res = optimize.minimize(lambda th, *a: -nb2_loglik(th, *a), theta0, args=args, method="trust-exact",
                            jac=lambda th, *a: -nb2_grad(th, *a), hess=lambda th, *a: -nb2_hess(th, *a),
                            options={"gtol": 1e-10, "maxiter": 500})
    notes = []
    if not res.success and np.max(np.abs(nb2_grad(res.x, *args))) > 1e-6 * max(1.0, abs(float(res.fun))):
        # trust-exact can stop on "failure to predict improvement" at the optimum; only a gradient that is not zero
        # relative to the log-likelihood's size is a failure
        notes.append(f"NB2 optimizer did not converge: {res.message}")
    se, note = _standard_errors(nb2_hess(res.x, *args))
    notes += [note] if note else []
    return {"beta": res.x[:-1], "se": se, "alpha": float(np.exp(res.x[-1])), "loglik": float(-res.fun),
            "method": NB_METHOD, "notes": notes}


def _standard_errors(hess: np.ndarray) -> tuple[list, str | None]:
    """Square roots of the diagonal of the inverse observed information (minus the Hessian), or None if singular."""
    info = -hess
    if not np.all(np.isfinite(info)) or np.min(np.linalg.eigvalsh(info)) <= 0:
        return [None] * (info.shape[0] - 1), "observed information not positive definite; no standard errors"
    return list(np.sqrt(np.diag(np.linalg.inv(info)))[:-1]), None
