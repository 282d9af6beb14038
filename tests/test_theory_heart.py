"""Mitoxantrone safety (sim/heart.py) against closed forms and stated reference values, tolerances from sample size.

The MS schedule used here and in docs/evidence-mitoxantrone-safety.md: 12 mg/m2 every 90 days, 8 courses (days 0..630);
an echo (with a confirmatory one 14 d later if below 50%) before each course, and follow-up echoes on days 720, 1095,
1461 and 1826; a confirmed low reading stops treatment; one confirmed at day 0 means the patient never starts.
Measured baseline LVEF ~ N(62, 5), so the true baseline is N(62, sqrt(5^2 - echo_sd^2)) = N(62, 3).
"Persistent" = the LVEF left once every dip has recovered is below 50%; "transient" = confirmed, but not persistent.
"""
import math

import numpy as np
import pytest
from scipy import integrate, stats

from sim.heart import (EchoRule, LvefPath, LvefState, MitoxantroneSafety, Tral, heart_failure_hazard_per_day,
                       observed_lvef, tral_course_probability, tral_latency_days, tral_onset_after_course, tral_risk,
                       true_baseline_sd_percent)

COURSE_DAYS = [90 * k for k in range(8)]
FOLLOW_UP_ECHO_DAYS = [720, 1095, 1461, 1826]
DOSE = 12.0

# Reference values of the default model on this schedule, from one run of 200,000 patients (seed 9). The defaults are
# fitted to Le Page 2011 on Le Page's own design (monthly x 6, sparse echoes: `nmosim targets`, le-page-*); this
# schedule has more dose (96 mg/m2) and more echoes, so more confirmed lows than Le Page's 4.9%.
REF_CONFIRMED, REF_TRANSIENT_SHARE, REF_HF_RISK = 0.0757, 0.724, 0.0034


def ms_schedule(safety: MitoxantroneSafety, n: int, seed: int, hf: bool = True) -> dict:
    """Shares among patients who start: ever confirmed LVEF < 50%, persistent, transient share, 5-year heart-failure
    risk (mean of 1 - exp(-cumulative hazard), daily steps) and the share that ever needed a confirmatory echo."""
    rng = np.random.default_rng(seed)
    echo = safety.echo
    state = LvefState(rng.normal(62.0, true_baseline_sd_percent(5.0, echo), n), rng.standard_normal(n), safety.lvef)
    started, active = np.ones(n, bool), np.ones(n, bool)
    confirmed, first_low = np.zeros(n, bool), np.zeros(n, bool)
    cum_hazard = np.zeros(n)
    ends = COURSE_DAYS[1:] + [FOLLOW_UP_ECHO_DAYS[-1] + 1]

    def check(idx, day):
        r1 = observed_lvef(state.true_lvef(day, idx), rng.standard_normal(idx.size), echo)
        r2 = observed_lvef(state.true_lvef(day + echo.confirm_after_days, idx), rng.standard_normal(idx.size), echo)
        low = r1 < echo.stop_below_percent
        return low, low & (r2 < echo.stop_below_percent)

    for k, day in enumerate(COURSE_DAYS):
        idx = np.flatnonzero(active)
        low, stop = check(idx, day)
        first_low[idx[low]] = True
        if k == 0:
            started[idx[stop]] = False
        else:
            confirmed[idx[stop]] = True
        active[idx[stop]] = False
        idx = np.flatnonzero(active)
        state.add_course(idx, day, DOSE, rng.random(idx.size), rng.standard_normal(idx.size))
        if hf:
            for d in range(day, ends[k]):
                cum_hazard += heart_failure_hazard_per_day(state.true_lvef(d), safety.heart_failure)
    for day in FOLLOW_UP_ECHO_DAYS:
        idx = np.flatnonzero(started & ~confirmed)
        _, stop = check(idx, day)
        confirmed[idx[stop]] = True
    s = started
    persistent = confirmed & (state.persistent_lvef() < echo.stop_below_percent)
    return dict(started=s.mean(), confirmed=confirmed[s].mean(), persistent=persistent[s].mean(),
                transient_share=(confirmed & ~persistent)[s].sum() / max(confirmed[s].sum(), 1),
                n_confirmed=int(confirmed[s].sum()), hf_risk=(-np.expm1(-cum_hazard[s])).mean(),
                first_low=first_low[s].mean())


@pytest.fixture(scope="module")
def default_run():
    return ms_schedule(MitoxantroneSafety(), 20_000, seed=2024)


def test_theory_confirmed_low_lvef_share_matches_the_reference_run(default_run):
    """Within 4 binomial SE of the 200k reference value (5-10%: Le Page's 4.9% at 72 mg/m2 with sparse echoes, more
    at 96 mg/m2 with an echo before each course)."""
    p, n = default_run["confirmed"], 20_000 * default_run["started"]
    assert 0.05 <= p <= 0.10
    assert abs(p - REF_CONFIRMED) < 4 * math.sqrt(REF_CONFIRMED * (1 - REF_CONFIRMED) / n)


def test_theory_two_thirds_of_confirmed_lows_are_transient(default_run):
    """Transient share about 2/3 (Le Page 27 of 38): within 4 binomial SE of the reference and in [0.55, 0.8]."""
    q, m = default_run["transient_share"], default_run["n_confirmed"]
    assert 0.55 <= q <= 0.80
    assert abs(q - REF_TRANSIENT_SHARE) < 4 * math.sqrt(REF_TRANSIENT_SHARE * (1 - REF_TRANSIENT_SHARE) / m)


def test_theory_heart_failure_risk_in_5_years(default_run):
    """0.1-0.5% in 5 years (Le Page 0.1% acute CHF, Marriott 0.4%; more dose here than Le Page's); the mean of
    per-patient risks is close to the reference (its spread is driven by the ~2% persistent patients: tolerance 25%
    relative)."""
    r = default_run["hf_risk"]
    assert 0.001 <= r <= 0.005
    assert r == pytest.approx(REF_HF_RISK, rel=0.25)


def test_theory_confirmation_removes_most_noise_stops(default_run):
    """Without drug a patient needs a confirmatory echo sometimes, but almost none is confirmed on day 0."""
    assert default_run["started"] > 0.998
    assert default_run["first_low"] > 2 * default_run["confirmed"]


def test_theory_noise_free_persistent_only_share_matches_the_integral():
    """No echo error and no dips: LVEF only falls, so a patient who starts (baseline >= 50) is confirmed iff
    baseline - slope x 96 < 50. P = E_slope[Phi((50 + 96 s - 62)/sd) - Phi((50 - 62)/sd)], sd = 5 (echo sd 0)."""
    safety = MitoxantroneSafety(echo=EchoRule(echo_sd_percent=0.0), lvef=LvefPath(transient_probability_per_course=0.0))
    n = 40_000
    run = ms_schedule(safety, n, seed=7, hf=False)
    rule, sd = safety.lvef, 5.0
    sig = math.sqrt(math.log1p(rule.decline_cv ** 2))

    def integrand(z):
        s = rule.decline_median_percent_per_mg_per_m2 * math.exp(sig * z)
        return stats.norm.pdf(z) * (stats.norm.cdf((50 + 96 * s - 62) / sd) - stats.norm.cdf((50 - 62) / sd))

    joint = integrate.quad(integrand, -10, 10, limit=200)[0]
    p = joint / stats.norm.sf((50 - 62) / sd)               # among those who start
    assert run["confirmed"] == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))
    assert run["transient_share"] == 0.0


# ------------------------------------------------------------------ TRAL
def test_theory_tral_latency_quantiles_are_log_normal():
    """Median and 2.5/97.5% quantiles of 200,000 latencies against median x exp(+-1.96 log_sd); tolerance 4 SE of a
    sample quantile on the log scale: sd sqrt(p(1-p)) / (phi(z_p) sqrt(n))."""
    rule, n = Tral(), 200_000
    lat = np.log(tral_latency_days(np.random.default_rng(3).random(n), rule))
    for p in (0.025, 0.5, 0.975):
        z = stats.norm.ppf(p)
        se = rule.latency_log_sd * math.sqrt(p * (1 - p)) / (stats.norm.pdf(z) * math.sqrt(n))
        assert np.quantile(lat, p) == pytest.approx(math.log(rule.latency_median_days) + rule.latency_log_sd * z,
                                                    abs=4 * se)
    months = np.exp(np.quantile(lat, [0.025, 0.5, 0.975])) / (365.25 / 12)
    assert 4 < months[0] < 7 and 19 < months[1] < 21 and 60 < months[2] < 85    # Ellis 2009: median 18.5, range 4-60


def test_theory_tral_risk_over_8_courses_equals_the_closed_form():
    """Per-course draws over 8 x 12 mg/m2 in 400,000 patients: the share with at least one TRAL equals
    tral_risk(96) = 1 - exp(-k (60 + 1.44 x 36)) = 0.5% within 4 binomial SE; the product of course survivals is exact."""
    rule, n = Tral(), 400_000
    rng = np.random.default_rng(11)
    surv = 1.0
    any_event = np.zeros(n, bool)
    for k in range(8):
        p = tral_course_probability(DOSE, DOSE * k, rule)
        surv *= 1 - p
        any_event |= rng.random(n) < p
    assert 1 - surv == pytest.approx(tral_risk(96.0, rule), rel=1e-12)
    assert tral_risk(96.0, rule) == pytest.approx(0.005, abs=1e-5)
    p = tral_risk(96.0, rule)
    assert any_event.mean() == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))


def test_theory_tral_onset_draws_match_probability_and_latency():
    """tral_onset_after_course with uniform draws: event share = the course probability; onset median = latency median."""
    rule = Tral(risk_per_mg_per_m2=0.01)                 # a large risk so that events are many
    rng = np.random.default_rng(5)
    n = 50_000
    onsets = [tral_onset_after_course(a, b, DOSE, 60.0, rule) for a, b in zip(rng.random(n), rng.random(n))]
    hits = np.array([o for o in onsets if o is not None])
    p = tral_course_probability(DOSE, 60.0, rule)
    assert hits.size / n == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))
    se = rule.latency_log_sd * math.sqrt(math.pi / 2 / hits.size)
    assert np.median(np.log(hits)) == pytest.approx(math.log(rule.latency_median_days), abs=4 * se)
