"""Cohort: BSA, eligibility criteria at their edges, the screening log, pre-study history and covariate draws."""
import numpy as np
import pytest

from sim.cohort import Candidates, bsa_mosteller, build_cohort, evaluate, prior_relapses
from sim.relapse_process import active_at
from sim.disease import dist_from_uniform, edss_worsened, report_edss
from sim.scenario import Criterion, Dist, load_scenario

from .conftest import MITONMO


def test_rules_bsa_mosteller_worked_example():
    """Mosteller 1987: sqrt(170 cm * 70 kg / 3600) = 1.8181 m2."""
    assert bsa_mosteller(170.0, 70.0) == pytest.approx(1.81812, abs=1e-5)


def _cands(**cols):
    n = len(next(iter(cols.values())))
    hist = cols.pop("hist", np.full((n, 3), np.nan))
    return Candidates(np.arange(n), {k: np.asarray(v, float) for k, v in cols.items()}, hist, hist * 0, hist * 0)


def test_rules_strict_and_inclusive_bounds():
    c = _cands(wbc_per_nl=[3.99, 4.0, 4.01], edss=[2.5, 3.0, 8.0])
    assert evaluate(Criterion(name="WBC > 4", covariate="wbc_per_nl", gt=4.0), c).tolist() == [False, False, True]
    assert evaluate(Criterion(name="EDSS 3-8", covariate="edss", ge=3, le=8), c).tolist() == [False, True, True]


def test_rules_prior_relapses_window_counts_attacks_inside_it():
    hist = np.array([[-400.0, -365.0, -10.0], [-366.0, -200.0, np.nan], [np.nan] * 3])
    assert prior_relapses(hist, 365).tolist() == [2, 1, 0]
    c = _cands(age_years=[30, 30, 30], hist=hist)
    crit = Criterion(name=">=2 in 12 months", covariate="prior_relapses", window_days=365, ge=2)
    assert evaluate(crit, c).tolist() == [True, False, False]


def test_rules_any_of_passes_if_one_sub_criterion_passes():
    c = _cands(age_years=[20, 60, 90])
    crit = Criterion(name="young or old", any_of=[Criterion(name="a", covariate="age_years", lt=30),
                                                   Criterion(name="b", covariate="age_years", gt=80)])
    assert evaluate(crit, c).tolist() == [True, False, True]


def test_rules_screening_enrols_only_eligible_and_logs_failures():
    scn = load_scenario(MITONMO, ["run.patients=200"])
    co = build_cohort(scn)
    assert co.n == 200 and co.screened > 200
    assert np.all(co.cov["age_years"] >= 18) and np.all(co.cov["age_years"] <= 55)
    assert np.all(co.cov["wbc_per_nl"] > 4.0) and np.all(co.cov["lvef_percent"] >= 50)
    assert np.all(prior_relapses(co.hist_days, 365) >= 2)
    assert np.all((co.cov["edss"] >= 3) & (co.cov["edss"] <= 8))
    assert co.failed["inclusion: >= 2 relapses in the 12 months before"] > 0
    assert all(v <= co.screened - co.n for v in co.failed.values())


def test_rules_screening_selects_patients_in_an_active_spell():
    """>= 2 relapses in 12 months selects patients who were in an active spell during that year (the population spends
    about 5% of its time in one, 150 of 3,150 days, about 16% of patients touch one in a year), many of whom are still in
    it at entry, and, less, with an above-mean frailty: the regression to the mean of the on-study course."""
    scn = load_scenario(MITONMO, ["run.patients=300"])
    co = build_cohort(scn)
    act = scn.disease.activity
    p_active = act.mean_active_days / (act.mean_active_days + act.mean_quiescent_days)
    active_now = active_at(co.cov["spell_active0"], co.cov["spell_switches"], 0.0)
    sw = co.cov["spell_switches"]
    active_in_year = active_at(co.cov["spell_active0"], sw, -365.0) | ((sw > -365.0) & (sw <= 0.0)).any(axis=1)
    touch = p_active + (1 - p_active) * (1 - np.exp(-365.0 / act.mean_quiescent_days))   # P(active within a year)
    assert active_in_year.mean() > 0.75 > 4 * touch
    assert active_now.mean() > 5 * p_active
    assert np.mean(co.cov["untreated_arr"]) > 1.2 * scn.disease.untreated_arr


def test_theory_pre_study_history_is_poisson_with_the_latent_rate():
    """No eligibility, no gap, no frailty, no spells, no death: relapses in the prior 365 days ~ Poisson(mu)."""
    n, mu = 4000, 1.5
    scn = load_scenario(MITONMO, ["cohort.inclusion=[]", "cohort.exclusion=[]", f"run.patients={n}",
                                  "disease.activity.active_rate_ratio=1", "disease.death.rate_per_year=0",
                                  *[f"disease.edss.phenotypes.{j}.fatality=0" for j in range(4)],
                                  "disease.attack_gap_days=0", "disease.frailty_k=0", f"disease.untreated_arr={mu}"])
    k = prior_relapses(build_cohort(scn).hist_days, 365.25)
    assert abs(k.mean() - mu) < 4 * np.sqrt(mu / n)
    assert abs(k.var() - mu) < 4 * mu * np.sqrt(2 / n) + 4 * np.sqrt(mu / n)


def test_theory_truncated_normal_draws_stay_in_bounds_and_match_mean():
    d = Dist(kind="normal", mean=42, sd=12, low=18, high=55)
    x = dist_from_uniform(np.random.default_rng(0).random(20000), d)
    assert x.min() >= 18 and x.max() <= 55
    from scipy.stats import truncnorm
    ref = truncnorm((18 - 42) / 12, (55 - 42) / 12, loc=42, scale=12)
    assert abs(x.mean() - ref.mean()) < 4 * ref.std() / np.sqrt(len(x))


@pytest.mark.parametrize("value, reported", [(3.24, 3.0), (3.25, 3.5), (3.74, 3.5), (9.9, 10.0), (-0.2, 0.0)])
def test_rules_edss_reported_in_half_steps(value, reported):
    assert report_edss(value) == reported


@pytest.mark.parametrize("base, later, worse", [(5.5, 6.5, True), (5.5, 6.0, False), (6.0, 6.5, True), (6.0, 6.0, False)])
def test_rules_edss_worsening_thresholds(base, later, worse):
    assert edss_worsened(base, later) is worse


def test_regression_cohort_does_not_depend_on_screening_batch_size(monkeypatch):
    import sim.cohort as cohort_mod

    scn = load_scenario(MITONMO, ["run.patients=60"])
    big = build_cohort(scn)
    monkeypatch.setattr(cohort_mod, "BATCH_MAX", 64)
    small = build_cohort(scn)
    assert small.screened == big.screened and small.failed == big.failed
    np.testing.assert_array_equal(small.key, big.key)
    for k in big.cov:
        np.testing.assert_array_equal(small.cov[k], big.cov[k])
