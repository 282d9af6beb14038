"""sim.stats rate estimators against independent references: exact Poisson limits (Ulm 1990 table, statsmodels
confint_poisson), NB2 regression (statsmodels NegativeBinomial / GLM), Poisson fallback (statsmodels GLM Poisson)."""
import warnings

import numpy as np
import pytest
from scipy.stats import nbinom

sm = pytest.importorskip("statsmodels.api")
from statsmodels.discrete.discrete_model import NegativeBinomial  # noqa: E402
from statsmodels.stats.rates import confint_poisson  # noqa: E402

from sim.stats import nb_rate_ratios, pooled_rate  # noqa: E402
from sim.stats.nb_likelihood import nb2_grad, nb2_hess, nb2_loglik  # noqa: E402


# ---------- exact Poisson rate ----------

@pytest.mark.parametrize("k, lo, hi", [
    (0, 0.0, 3.6889), (1, 0.0253, 5.5716), (5, 1.6235, 11.6683), (10, 4.7954, 18.3904),
])
def test_reference_pooled_rate_matches_ulm_1990_table(k, lo, hi):
    """Exact 95% limits for k Poisson events (Ulm K, Am J Epidemiol 1990;131:373, Table 1), scaled by exposure."""
    r = pooled_rate([k, 0], [0.4, 0.6])
    assert r["estimate"] == pytest.approx(k / 1.0)
    assert r["ci95_low"] == pytest.approx(lo, abs=1e-4)
    assert r["ci95_high"] == pytest.approx(hi, abs=1e-4)


@pytest.mark.parametrize("k, years, alpha", [(0, 12.5, 0.05), (3, 7.0, 0.05), (17, 40.2, 0.05), (250, 88.0, 0.1)])
def test_reference_pooled_rate_matches_statsmodels_exact_c(k, years, alpha):
    """Garwood limits equal statsmodels.stats.rates.confint_poisson(method='exact-c')."""
    lo, hi = confint_poisson(k, years, method="exact-c", alpha=alpha)
    r = pooled_rate(k, years, alpha=alpha)
    assert r["ci95_low"] == pytest.approx(lo, rel=1e-10, abs=1e-14)
    assert r["ci95_high"] == pytest.approx(hi, rel=1e-10)


# ---------- NB2 log-likelihood and derivatives ----------

def _three_arm_nb(seed=20240611, n=60, alpha=0.8):
    """Overdispersed counts: gamma-Poisson mixture (NB2 with dispersion alpha), arm rates 1.2, 0.8, 0.5 per year."""
    rng = np.random.default_rng(seed)
    arms = np.repeat(["placebo", "low", "high"], n)
    years = rng.uniform(0.5, 3.0, arms.size)
    rate = np.select([arms == "placebo", arms == "low"], [1.2, 0.8], 0.5)
    y = rng.poisson(rng.gamma(1 / alpha, alpha, arms.size) * rate * years)
    return y, years, arms


def _design(arms, levels):
    return np.column_stack([np.ones(arms.size)] + [(arms == lv).astype(float) for lv in levels[1:]])


def _sm_nb(y, years, arms, levels):
    X = _design(arms, levels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = NegativeBinomial(y, X, loglike_method="nb2", offset=np.log(years))
        return m.fit(method="newton", maxiter=300, tol=1e-12, disp=0)


def test_reference_nb2_loglik_matches_scipy_nbinom_and_statsmodels():
    """The stable finite-sum log-likelihood equals scipy.stats.nbinom.logpmf and the statsmodels NegativeBinomial
    GLM family's log-likelihood."""
    y, years, arms = _three_arm_nb()
    X = _design(arms, ["placebo", "low", "high"])
    for beta, a in [([0.2, -0.3, -0.7], 0.8), ([-0.5, 0.1, 0.0], 0.05), ([0.0, 0.0, 0.0], 4.0)]:
        mu = np.exp(X @ beta + np.log(years))
        theta = np.append(beta, np.log(a))
        ours = nb2_loglik(theta, X, np.log(years), y.astype(float))
        assert ours == pytest.approx(nbinom.logpmf(y, 1 / a, 1 / (1 + a * mu)).sum(), rel=1e-12)
        assert ours == pytest.approx(sm.families.NegativeBinomial(alpha=a).loglike(y, mu), rel=1e-12)


def test_reference_nb2_analytic_derivatives_match_central_differences():
    """Analytic gradient and Hessian in (beta, log alpha) equal central differences of the log-likelihood/gradient."""
    y, years, arms = _three_arm_nb(n=25)
    X, off, yf = _design(arms, ["placebo", "low", "high"]), np.log(years), y.astype(float)
    h = 1e-5
    for theta in [np.array([0.2, -0.3, -0.7, np.log(0.8)]), np.array([0.0, 0.1, 0.2, np.log(1e-6)])]:
        eye = np.eye(theta.size) * h
        g_num = [(nb2_loglik(theta + e, X, off, yf) - nb2_loglik(theta - e, X, off, yf)) / (2 * h) for e in eye]
        h_num = [(nb2_grad(theta + e, X, off, yf) - nb2_grad(theta - e, X, off, yf)) / (2 * h) for e in eye]
        np.testing.assert_allclose(nb2_grad(theta, X, off, yf), g_num, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(nb2_hess(theta, X, off, yf), np.array(h_num), rtol=1e-6, atol=1e-6)


# ---------- NB2 rate ratios ----------

def _assert_matches_statsmodels(r, fit, levels, rel=1e-6):
    assert r["method"] == "negative binomial (NB2) maximum likelihood"
    assert r["dispersion_alpha"] == pytest.approx(fit.params[-1], rel=rel)
    assert r["log_likelihood"] == pytest.approx(fit.llf, rel=1e-8)
    ci = np.exp(fit.conf_int())
    for k, lv in enumerate(levels[1:], start=1):
        a = r["arms"][lv]
        assert a["rate_ratio"] == pytest.approx(np.exp(fit.params[k]), rel=rel)
        assert a["log_rate_ratio_se"] == pytest.approx(fit.bse[k], rel=rel)
        assert a["ci95_low"] == pytest.approx(ci[k, 0], rel=rel)
        assert a["ci95_high"] == pytest.approx(ci[k, 1], rel=rel)
        assert a["p_value"] == pytest.approx(fit.pvalues[k], rel=rel)


@pytest.mark.parametrize("seed, alpha", [(20240611, 0.8), (7, 0.3), (99, 2.0)])
def test_reference_nb_rate_ratios_match_statsmodels_negative_binomial(seed, alpha):
    """Rate ratios, Wald CIs, p-values and alpha equal statsmodels NegativeBinomial(nb2, offset) fitted by Newton."""
    y, years, arms = _three_arm_nb(seed=seed, alpha=alpha)
    levels = ["placebo", "low", "high"]
    fit = _sm_nb(y, years, arms, levels)
    assert fit.mle_retvals["converged"]
    r = nb_rate_ratios(y, years, arms, "placebo")
    _assert_matches_statsmodels(r, fit, levels)
    assert r["arms"]["high"]["rate_ratio"] < 1 and r["note"] is None


def test_reference_nb_with_a_single_patient_arm_matches_statsmodels():
    """An arm with one patient (3 relapses in 1.5 years) is fitted like any other arm (statsmodels NegativeBinomial)."""
    y, years, arms = _three_arm_nb(seed=11, n=40)
    y, years, arms = np.append(y, 3), np.append(years, 1.5), np.append(arms, "single")
    levels = ["placebo", "low", "high", "single"]
    r = nb_rate_ratios(y, years, arms, "placebo")
    _assert_matches_statsmodels(r, _sm_nb(y, years, arms, levels), levels)
    assert r["arms"]["single"]["patients"] == 1


def test_reference_nb_zero_event_arm_leaves_other_arms_as_statsmodels_without_it():
    """An arm with no events has rate ratio 0 (no CI); the others equal statsmodels fitted without that arm
    (its likelihood contribution is 0 for every alpha as its rate -> 0)."""
    y, years, arms = _three_arm_nb(seed=5, n=50)
    y2, years2, arms2 = np.append(y, [0, 0, 0]), np.append(years, [1.0, 2.0, 0.5]), np.append(arms, ["none"] * 3)
    r = nb_rate_ratios(y2, years2, arms2, "placebo")
    _assert_matches_statsmodels(r, _sm_nb(y, years, arms, ["placebo", "low", "high"]), ["placebo", "low", "high"])
    z = r["arms"]["none"]
    assert z["rate_ratio"] == 0.0 and z["ci95_low"] is None and z["p_value"] is None and "no events" in z["note"]


def _poisson_like(seed=3, n=40):
    rng = np.random.default_rng(seed)
    arms = np.repeat(["A", "B"], n)
    years = rng.uniform(0.5, 2.0, arms.size)
    return rng.poisson(np.where(arms == "A", 1.0, 0.6) * years), years, arms


def test_reference_poisson_fallback_matches_statsmodels_glm_poisson():
    """Equidispersed data: alpha's MLE is at 0 (statsmodels GLM NB profile likelihood lower than Poisson for every
    alpha > 0), and the fallback equals statsmodels GLM(Poisson, offset=log years) Wald results."""
    y, years, arms = _poisson_like()
    X = _design(arms, ["A", "B"])
    pois = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(years)).fit(tol=1e-12)
    for a in [1e-6, 1e-4, 1e-2, 0.1, 1.0]:
        prof = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=a), offset=np.log(years)).fit(tol=1e-12)
        assert prof.llf < pois.llf
    r = nb_rate_ratios(y, years, arms, "A")
    assert r["method"] == "Poisson (dispersion at zero)" and r["dispersion_alpha"] == 0.0
    assert "boundary" in r["note"]
    b = r["arms"]["B"]
    assert b["rate_ratio"] == pytest.approx(np.exp(pois.params[1]), rel=1e-10)
    assert b["log_rate_ratio_se"] == pytest.approx(pois.bse[1], rel=1e-8)
    assert b["ci95_low"] == pytest.approx(np.exp(pois.conf_int()[1, 0]), rel=1e-8)
    assert b["ci95_high"] == pytest.approx(np.exp(pois.conf_int()[1, 1]), rel=1e-8)
    assert b["p_value"] == pytest.approx(pois.pvalues[1], rel=1e-8)
    assert r["log_likelihood"] == pytest.approx(pois.llf, rel=1e-10)


def test_reference_nb_alpha_is_the_profile_likelihood_maximum():
    """At the NB2 estimate, statsmodels' GLM NegativeBinomial profile log-likelihood (alpha fixed) is maximal."""
    y, years, arms = _three_arm_nb(seed=7, alpha=0.3)
    X = _design(arms, ["placebo", "low", "high"])
    r = nb_rate_ratios(y, years, arms, "placebo")
    a = r["dispersion_alpha"]

    def prof(alpha):
        fam = sm.families.NegativeBinomial(alpha=alpha)
        return sm.GLM(y, X, family=fam, offset=np.log(years)).fit(tol=1e-12).llf
    assert prof(a) == pytest.approx(r["log_likelihood"], rel=1e-9)
    assert prof(a) > prof(a * 1.05) and prof(a) > prof(a / 1.05)
