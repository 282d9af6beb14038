"""The relapse process against its theory: a gamma frailty times a two-state Markov-modulated Poisson rate.

Notation: frailty Z with mean 1 and variance k (disease.frailty_k); spells active/quiescent with mean lengths d_a, d_q,
switching rates a = 1/d_a, b = 1/d_q, s = a + b; stationary shares p_a = d_a/(d_a + d_q), p_q = 1 - p_a; rates
lambda_a = r * lambda_q with p_q lambda_q + p_a lambda_a = mu (the long-run mean). For a window of length T (no attack gap):

    E N                  = mu T
    Var N                = mu T + (1 + k) * V(T) + k (mu T)^2,   V(T) = 2 p_a p_q (lambda_a - lambda_q)^2 / s^2 * (s T - 1 + e^{-sT})
    Cov(N[0,T], N[T,2T]) = (1 + k) * C(T) + k (mu T)^2,          C(T) = p_a p_q (lambda_a - lambda_q)^2 / s^2 * (1 - e^{-sT})^2

V and C are the variance and lag covariance of the integrated rate of a stationary two-state chain (its rate
autocovariance is p_a p_q (lambda_a - lambda_q)^2 e^{-s|u|}). The covariance of counts in consecutive windows beyond the
frailty's k (mu T)^2 is the clustering: a stationary gamma-Poisson process (no spells) has exactly k (mu T)^2.
"""
import numpy as np
import pytest

import sim
from sim.relapse_process import attack_days, spell_path, spell_rates
from sim.scenario import YEAR_DAYS, load_scenario

from .conftest import MITONMO

NO_ELIGIBILITY = ["cohort.inclusion=[]", "cohort.exclusion=[]"]
NO_DEATH = ["disease.death.rate_per_year=0"] + [f"disease.edss.phenotypes.{j}.fatality=0" for j in range(4)]


def mmpp_moments(mu_per_year: float, k: float, ratio: float, d_a: float, d_q: float, t_days: float):
    """(mean, variance, lag-one covariance) of counts in windows of t_days, from the formulas in the module docstring."""
    mu = mu_per_year / YEAR_DAYS
    p_a = d_a / (d_a + d_q)
    p_q = 1 - p_a
    lam_q = mu / (p_q + p_a * ratio)
    lam_a = ratio * lam_q
    s = 1 / d_a + 1 / d_q
    amp = p_a * p_q * (lam_a - lam_q) ** 2 / s**2
    v = 2 * amp * (s * t_days - 1 + np.exp(-s * t_days))
    c = amp * (1 - np.exp(-s * t_days)) ** 2
    m = mu * t_days
    return m, m + (1 + k) * v + k * m * m, (1 + k) * c + k * m * m


def _paths(n, mu, k, ratio, d_a, d_q, seed, t_days):
    scn = load_scenario(MITONMO, [f"disease.untreated_arr={mu}", f"disease.frailty_k={k}", "disease.attack_gap_days=0",
                                  f"disease.activity.active_rate_ratio={ratio}",
                                  f"disease.activity.mean_active_days={d_a}",
                                  f"disease.activity.mean_quiescent_days={d_q}"])
    rng = np.random.default_rng(seed)
    z = rng.gamma(1 / k, k, n) if k > 0 else np.ones(n)
    active0, switches = spell_path(scn.disease, rng.random(n), rng.random((n, 64)), 0.0)
    assert np.all(switches[:, -1] > 2 * t_days)                       # 64 spells outlast the windows
    days = attack_days(spell_rates(scn.disease, z), active0, switches, 0.0, 0.0,
                       rng.standard_exponential((n, 200)), end_day=2 * t_days)
    assert np.all(np.isnan(days[:, -1]))                               # 200 draws were enough
    first = np.sum(days < t_days, axis=1).astype(float)
    second = np.sum(days >= t_days, axis=1).astype(float)
    return first, second


@pytest.mark.parametrize("mu, k, ratio, d_a, d_q", [(1.0, 0.5, 10.0, 150.0, 600.0), (0.5, 0.6, 60.0, 150.0, 3000.0)])
def test_theory_relapse_process_mean_variance_and_clustering(mu, k, ratio, d_a, d_q):
    """Counts in two consecutive years of the exact process (spell path + inverted hazard) match the MMPP moments.

    Tolerances: 4 large-sample standard errors of the mean, of the sample variance (from the fourth central moment) and of
    the sample covariance (from the product deviations' variance)."""
    n, t = 100_000, 365.25
    first, second = _paths(n, mu, k, ratio, d_a, d_q, seed=7, t_days=t)
    m, var, cov = mmpp_moments(mu, k, ratio, d_a, d_q, t)
    assert abs(first.mean() - m) < 4 * np.sqrt(var / n)
    c = first - first.mean()
    assert abs(first.var(ddof=1) - var) < 4 * np.sqrt((np.mean(c**4) - first.var() ** 2) / n)
    prod = c * (second - second.mean())
    sample_cov = prod.sum() / (n - 1)
    assert abs(sample_cov - cov) < 4 * prod.std() / np.sqrt(n)
    # the clustering is there: the lag covariance is well above the frailty's share alone
    assert sample_cov - k * m * m > 8 * prod.std() / np.sqrt(n)


def test_theory_relapse_process_without_spells_has_only_the_frailty_covariance():
    """active_rate_ratio 1: the stationary gamma-Poisson process, lag covariance k (mu T)^2 and variance m + k m^2."""
    n, t, mu, k = 100_000, 365.25, 1.0, 0.5
    first, second = _paths(n, mu, k, 1.0, 150.0, 600.0, seed=11, t_days=t)
    m = mu
    c = first - first.mean()
    prod = c * (second - second.mean())
    assert abs(prod.sum() / (n - 1) - k * m * m) < 4 * prod.std() / np.sqrt(n)
    assert abs(first.var(ddof=1) - (m + k * m * m)) < 4 * np.sqrt((np.mean(c**4) - first.var() ** 2) / n)


def test_theory_engine_relapse_counts_follow_the_stationary_process():
    """The engine's on-study counts (spell clock, daily steps) of an untreated-like arm: no eligibility, no gap, no
    death, effect off: mean mu T and the MMPP variance, for the bundled spells."""
    n, mu, k = 3000, 1.2, 0.6
    scn = load_scenario(MITONMO, NO_ELIGIBILITY + NO_DEATH + [
        f"run.patients={n}", "run.follow_up_days=365.25", "run.step_days=0.5", f"disease.untreated_arr={mu}",
        f"disease.frailty_k={k}", "disease.attack_gap_days=0", "arms.0.regimen.efficacy.emax=0"])
    act = scn.disease.activity
    res = sim.run(scn)
    counts = np.asarray(res.patients["relapses"], float)
    m, var, _ = mmpp_moments(mu, k, act.active_rate_ratio, act.mean_active_days, act.mean_quiescent_days, 365.25)
    # summary.json shows the dispersion the counts have next to the parameter; the spells make it far larger than
    # the frailty's variance (moment value (var - m) / m^2 ~ 9 against k = 0.6)
    disp = res.summary["arms"]["mitoxantrone"]["relapse_count_dispersion"]
    assert disp["scenario_frailty_k"] == k
    assert disp["nb2_alpha"] > 4 * k
    assert abs(counts.mean() - m) < 4 * np.sqrt(var / n)
    c = counts - counts.mean()
    assert abs(counts.var(ddof=1) - var) < 4 * np.sqrt((np.mean(c**4) - counts.var() ** 2) / n)
