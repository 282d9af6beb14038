"""sim.stats survival estimators against published numbers (Freireich 1963 6-MP trial) and statsmodels
(SurvfuncRight for Kaplan-Meier/Greenwood/quantile CIs, survdiff for the log-rank test)."""
import warnings

import numpy as np
import pytest
from scipy import stats

pytest.importorskip("statsmodels")
from statsmodels.duration.survfunc import SurvfuncRight, survdiff  # noqa: E402

from sim.stats import kaplan_meier, km_at, km_median, km_quantile, logrank  # noqa: E402

# Freireich EJ et al., Blood 1963;21:699 (remission weeks; as tabulated by Gehan 1965 and Kleinbaum & Klein).
MP_T = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
MP_E = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
PL_T = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
PL_E = [1] * 21


def _random(seed=42, n=80, groups=("a", "b", "c")):
    """Exponential event and censoring days rounded to whole weeks: many ties of events with censorings."""
    rng = np.random.default_rng(seed)
    g = rng.choice(groups, n)
    scale = np.select([g == "a", g == "b"], [200.0, 320.0], 150.0)
    ev, cens = rng.exponential(scale), rng.uniform(0, 500, n)
    t = np.round(np.minimum(ev, cens) / 7) * 7
    return t, (ev <= cens).astype(int), g


TIES = ([0, 0, 2, 2, 2, 3, 3, 3, 5, 8, 8, 9], [1, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1])
DATASETS = {
    "freireich_6mp": (MP_T, MP_E),
    "freireich_placebo": (PL_T, PL_E),
    "ties_and_zero_time": TIES,
    "random_weeks": _random()[:2],
}


def _sm(t, e):
    return SurvfuncRight(np.asarray(t, float), np.asarray(e, float))


def test_reference_km_freireich_6mp_matches_textbooks():
    """6-MP arm: S(t) as Kleinbaum & Klein (Survival Analysis, 3rd ed., ch. 2); Greenwood SEs as R survival's
    summary(survfit(Surv(time, cens) ~ treat, data = MASS::gehan)) prints them (0.0764 ... 0.1346, 3 decimals here);
    medians 23 (6-MP) and 8 weeks (placebo), K&K ch. 2."""
    km = kaplan_meier(MP_T, MP_E)
    np.testing.assert_array_equal(km.time, [6, 7, 10, 13, 16, 22, 23])
    np.testing.assert_array_equal(km.n_risk, [21, 17, 15, 12, 11, 7, 6])
    np.testing.assert_allclose(km.survival, [0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378, 0.4482], atol=5e-5)
    np.testing.assert_allclose(km.std_err, [0.076, 0.087, 0.096, 0.107, 0.114, 0.128, 0.135], atol=5e-4)
    assert km_median(km)["median"] == 23
    assert km_median(kaplan_meier(PL_T, PL_E))["median"] == 8


def test_reference_logrank_freireich_matches_published_chi_square():
    """Log-rank chi-square 16.79 on 1 df, E = 19.25 (6-MP) and 10.75 (placebo): Kleinbaum & Klein ch. 2."""
    r = logrank(MP_T + PL_T, MP_E + PL_E, ["6-MP"] * 21 + ["placebo"] * 21)
    assert r["chi2"] == pytest.approx(16.79, abs=0.005) and r["df"] == 1
    assert r["observed"] == [9, 21]
    np.testing.assert_allclose(r["expected"], [19.25, 10.75], atol=0.005)
    assert r["p_value"] < 1e-4


@pytest.mark.parametrize("name", list(DATASETS))
def test_reference_km_matches_statsmodels_survfuncright(name):
    """Event times, risk sets, events, survival and Greenwood SE equal statsmodels SurvfuncRight."""
    t, e = DATASETS[name]
    km, sf = kaplan_meier(t, e), _sm(t, e)
    np.testing.assert_array_equal(km.time, sf.surv_times)
    np.testing.assert_array_equal(km.n_risk, sf.n_risk)
    np.testing.assert_array_equal(km.n_events, sf.n_events)
    np.testing.assert_allclose(km.survival, sf.surv_prob, rtol=1e-12, atol=1e-14)
    finite = np.isfinite(sf.surv_prob_se)
    np.testing.assert_allclose(km.std_err[finite], sf.surv_prob_se[finite], rtol=1e-10)


@pytest.mark.parametrize("name", list(DATASETS))
def test_reference_km_ci_is_the_log_log_interval_of_r_survival(name):
    """Pointwise CI = R survival conf.type='log-log': exp(-exp(log(-log S) -+ z*se(S)/(S*|log S|))), computed here
    from statsmodels' S and Greenwood SE."""
    t, e = DATASETS[name]
    km, sf = kaplan_meier(t, e), _sm(t, e)
    s, se = sf.surv_prob, sf.surv_prob_se
    ok = (s > 0) & np.isfinite(se)
    z = stats.norm.ppf(0.975)
    half = z * se[ok] / (s[ok] * np.abs(np.log(s[ok])))
    np.testing.assert_allclose(km.ci95_low[ok], np.exp(-np.exp(np.log(-np.log(s[ok])) + half)), rtol=1e-8)
    np.testing.assert_allclose(km.ci95_high[ok], np.exp(-np.exp(np.log(-np.log(s[ok])) - half)), rtol=1e-8)
    assert np.all(km.ci95_low <= km.survival) and np.all(km.survival <= km.ci95_high)


@pytest.mark.parametrize("name", list(DATASETS))
def test_reference_km_quantiles_and_cis_match_statsmodels(name):
    """Quantile = statsmodels quantile(p) and CI = quantile_ci(p, method='cloglog') (Brookmeyer-Crowley), where S
    never equals 1 - p exactly (statsmodels then differs by design: R's midpoint rule is tested separately)."""
    t, e = DATASETS[name]
    km, sf = kaplan_meier(t, e), _sm(t, e)
    checked = 0
    for p in np.arange(0.05, 0.96, 0.05):
        if np.any(np.abs(km.survival - (1 - p)) < 1e-7):
            continue
        q = km_quantile(km, p)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref_q, (ref_lo, ref_hi) = sf.quantile(p), sf.quantile_ci(p, method="cloglog")
        assert (q["quantile"] is None) == np.isnan(ref_q) and (q["quantile"] is None or q["quantile"] == ref_q)
        assert (q["ci95_low"] is None) == np.isnan(ref_lo) and (q["ci95_low"] is None or q["ci95_low"] == ref_lo)
        hi_ref = None if (np.isnan(ref_hi) or np.isinf(ref_hi)) else ref_hi
        assert q["ci95_high"] == hi_ref
        checked += 1
    assert checked >= 12


def test_reference_km_median_midpoint_when_survival_is_exactly_one_half():
    """R survival (print.survfit/quantile.survfit): when S(t) = 0.5 on [t_j, t_j+1) the median is the midpoint.
    Times 1, 2, 3, 4 all events: S = .75, .5, .25, 0, so the median is 2.5."""
    m = km_median(kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1]))
    assert m["median"] == 2.5


def test_reference_km_median_on_a_final_flat_at_one_half_is_midpoint_to_last_follow_up():
    """R survival quantile.survfit (findq): a flat at exactly 1 - p ending the curve gives (t_j + last time)/2.
    Events at 1 and 2, censored at 5 and 6: S = .75, .5 to day 6, so the median is (2 + 6)/2 = 4."""
    assert km_median(kaplan_meier([1, 2, 5, 6], [1, 1, 0, 0]))["median"] == 4.0


@pytest.mark.filterwarnings("ignore:The confidence interval is undefined")
@pytest.mark.parametrize("name", list(DATASETS))
def test_reference_km_matches_scipy_ecdf_exponential_greenwood(name):
    """Survival and pointwise CI equal scipy.stats.ecdf(CensoredData).sf and its confidence_interval(method=
    'log-log') ("exponential Greenwood") at every event time where S > 0."""
    t, e = (np.asarray(x) for x in DATASETS[name])
    res = stats.ecdf(stats.CensoredData(uncensored=t[e == 1], right=t[e == 0]))
    ci = res.sf.confidence_interval(method="log-log")
    km = kaplan_meier(t, e)
    ok = km.survival > 0
    np.testing.assert_allclose(km.survival, res.sf.evaluate(km.time), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(km.ci95_low[ok], ci.low.evaluate(km.time[ok]), rtol=1e-8)
    np.testing.assert_allclose(km.ci95_high[ok], ci.high.evaluate(km.time[ok]), rtol=1e-8)


def test_reference_km_at_reads_the_right_continuous_step_function():
    """km_at(t) is S at the last event time <= t (statsmodels' surv_prob), 1 before the first event."""
    t, e = _random()[:2]
    km, sf = kaplan_meier(t, e), _sm(t, e)
    assert km_at(km, sf.surv_times[0] - 1e-9)["survival"] == 1.0
    for j in range(1, sf.surv_times.size):
        assert km_at(km, sf.surv_times[j])["survival"] == pytest.approx(sf.surv_prob[j], rel=1e-12)
        assert km_at(km, sf.surv_times[j] - 1e-9)["survival"] == pytest.approx(sf.surv_prob[j - 1], rel=1e-12)
        assert km_at(km, sf.surv_times[j])["ci95_low"] == km.ci95_low[j]


@pytest.mark.parametrize("groups", [("a", "b"), ("a", "b", "c"), ("x", "y", "z", "w")])
def test_reference_logrank_matches_statsmodels_survdiff(groups):
    """Chi-square and p-value equal statsmodels survdiff (hypergeometric variance, ties) for 2 to 4 groups."""
    t, e, g = _random(seed=7, n=120, groups=groups)
    r = logrank(t, e, g)
    chi2, p = survdiff(t, e, g)
    assert r["chi2"] == pytest.approx(chi2, rel=1e-10) and r["df"] == len(groups) - 1
    assert r["p_value"] == pytest.approx(p, rel=1e-8)
    assert sum(r["observed"]) == pytest.approx(sum(r["expected"]), rel=1e-12)


def test_reference_logrank_with_ties_and_zero_times_matches_statsmodels_survdiff():
    """Hand data with tied events and censorings and a zero-length follow-up; statsmodels survdiff."""
    t, e = TIES
    g = ["a", "b"] * 6
    r = logrank(t, e, g)
    chi2, p = survdiff(np.array(t, float), np.array(e), np.array(g))
    assert r["chi2"] == pytest.approx(chi2, rel=1e-10) and r["p_value"] == pytest.approx(p, rel=1e-8)


def test_reference_logrank_group_never_at_risk_reduces_df_like_r_survdiff():
    """A group whose only patient is censored at day 0 never contributes: df = rank(V) = 1 (R survdiff's generalized
    inverse) and chi-square equals statsmodels survdiff on the other two groups."""
    t, e, g = _random(seed=3, n=60, groups=("a", "b"))
    r = logrank(np.append(t, 0.0), np.append(e, 0), np.append(g, "c"))
    chi2, p = survdiff(t, e, g)
    assert r["df"] == 1 and "rank 1" in r["note"]
    assert r["chi2"] == pytest.approx(chi2, rel=1e-10) and r["p_value"] == pytest.approx(p, rel=1e-8)
