"""Mitoxantrone safety rules (sim/heart.py) at their edges, without a simulation."""
import math

import numpy as np
import pytest
from pydantic import ValidationError

from sim.heart import (Amenorrhoea, EchoRule, HeartFailure, LvefPath, LvefState, MitoxantroneSafety, Tral,
                       decline_slope, heart_failure_hazard_per_day, lvef_decision, observed_lvef,
                       persistent_amenorrhoea_probability, transient_dip_percent, tral_course_probability,
                       tral_is_fatal, tral_latency_days, tral_onset_after_course, tral_risk,
                       tral_weighted_dose_mg_per_m2, true_baseline_sd_percent)

ECHO = EchoRule()
TRAL = Tral()


# ------------------------------------------------------------------ echo and confirmation
@pytest.mark.parametrize("first, confirm, action", [
    (50.0, None, "continue"),        # exactly at the threshold is not below it
    (50.0, 30.0, "continue"),        # a confirmation is ignored after a normal first reading
    (62.0, None, "continue"),
    (49.99, None, "confirm"),        # first low reading: repeat the echo, do not stop
    (49.99, 49.99, "stop"),          # confirmed
    (40.0, 50.0, "continue"),        # not confirmed: confirmation exactly at the threshold
    (40.0, 55.0, "continue"),
])
def test_rules_lvef_decision_needs_two_low_readings(first, confirm, action):
    d = lvef_decision(first, confirm, ECHO)
    assert d.action == action
    assert d.reasons


def test_rules_lvef_decision_confirm_names_the_delay_and_stop_reports_the_confirming_reading():
    assert "14 d" in lvef_decision(45.0, None, ECHO).reasons[0]
    d = lvef_decision(45.0, 47.5, ECHO)
    assert d.action == "stop" and d.reading_percent == 47.5


def test_rules_lvef_decision_follows_the_threshold():
    rule = EchoRule(stop_below_percent=53.0)
    assert lvef_decision(52.9, None, rule).action == "confirm"
    assert lvef_decision(53.0, None, rule).action == "continue"


def test_rules_observed_lvef_adds_sd_times_z():
    assert observed_lvef(60.0, 0.0, ECHO) == 60.0
    assert observed_lvef(60.0, -1.0, ECHO) == 60.0 - ECHO.echo_sd_percent
    np.testing.assert_allclose(observed_lvef(np.array([60.0, 55.0]), np.array([1.0, 2.0]), ECHO),
                               [60.0 + ECHO.echo_sd_percent, 55.0 + 2 * ECHO.echo_sd_percent])


def test_rules_true_baseline_sd_removes_the_echo_error():
    assert true_baseline_sd_percent(5.0, EchoRule(echo_sd_percent=4.0)) == pytest.approx(3.0)
    assert true_baseline_sd_percent(3.0, EchoRule(echo_sd_percent=4.0)) == 0.0


# ------------------------------------------------------------------ LVEF path
def test_rules_decline_slope_median_at_eta_zero_and_log_normal_spread():
    rule = LvefPath()
    assert decline_slope(0.0, rule) == pytest.approx(rule.decline_median_percent_per_mg_per_m2)
    s = math.sqrt(math.log1p(rule.decline_cv ** 2))
    assert decline_slope(1.0, rule) / decline_slope(0.0, rule) == pytest.approx(math.exp(s))


def test_rules_transient_dip_only_below_its_probability():
    rule = LvefPath(transient_probability_per_course=0.2)
    dips = transient_dip_percent([0.0, 0.1999, 0.2, 0.9], [0.0, 0.0, 0.0, 0.0], rule)
    np.testing.assert_allclose(dips, [rule.transient_dip_median_percent] * 2 + [0.0, 0.0])


def test_rules_lvef_state_persistent_decline_and_dips_that_add_and_recover():
    rule = LvefPath(decline_median_percent_per_mg_per_m2=0.1, transient_probability_per_course=1.0,
                    transient_dip_median_percent=8.0, transient_half_life_days=100.0)
    st = LvefState([60.0, 60.0], [0.0, 0.0], rule)
    st.add_course(np.array([0]), 0.0, 12.0, [0.5], [0.0])             # only patient 0, dip 8
    assert st.cumulative_mg_per_m2.tolist() == [12.0, 0.0]
    np.testing.assert_allclose(st.true_lvef(0.0), [60 - 1.2 - 8.0, 60.0])
    np.testing.assert_allclose(st.true_lvef(100.0), [60 - 1.2 - 4.0, 60.0])   # one half-life
    st.add_course(np.array([0]), 100.0, 12.0, [0.5], [0.0])           # 4 left + a new 8
    np.testing.assert_allclose(st.true_lvef(200.0, np.array([0])), [60 - 2.4 - 6.0])
    np.testing.assert_allclose(st.true_lvef(1e6), [60 - 2.4, 60.0])
    np.testing.assert_allclose(st.persistent_lvef(), [60 - 2.4, 60.0])


def test_rules_lvef_state_no_dip_above_the_probability_and_the_floor_holds():
    rule = LvefPath(decline_median_percent_per_mg_per_m2=1.0, transient_probability_per_course=0.0)
    st = LvefState([60.0], [0.0], rule)
    assert st.add_course(np.array([0]), 0.0, 100.0, [0.0], [3.0]).tolist() == [0.0]
    assert st.true_lvef(10.0).tolist() == [rule.floor_percent]


# ------------------------------------------------------------------ heart failure
def test_rules_heart_failure_hazard_zero_at_and_above_the_knee_log_linear_below():
    rule = HeartFailure()
    h = heart_failure_hazard_per_day(np.array([70.0, 50.0, 49.0, 40.0]), rule)
    assert h[0] == 0.0 and h[1] == 0.0
    assert h[2] == pytest.approx(rule.hazard_at_knee_per_day * math.exp(rule.log_slope_per_percent))
    assert h[3] / h[2] == pytest.approx(math.exp(9 * rule.log_slope_per_percent))


# ------------------------------------------------------------------ TRAL
@pytest.mark.parametrize("before, dose, weighted", [
    (0.0, 12.0, 12.0),
    (48.0, 12.0, 12.0),               # reaches 60 exactly: no mg/m2 above the edge
    (54.0, 12.0, 6.0 + 6.0 * 1.44),   # straddles the edge
    (60.0, 12.0, 12.0 * 1.44),        # from the edge on, all above
    (90.0, 6.0, 6.0 * 1.44),
])
def test_rules_tral_relative_risk_applies_above_60_mg_per_m2(before, dose, weighted):
    assert tral_weighted_dose_mg_per_m2(dose, before, TRAL) == pytest.approx(weighted)


def test_rules_tral_course_hazard_ratio_across_the_edge_is_the_relative_risk():
    below = -math.log1p(-tral_course_probability(12.0, 0.0, TRAL))
    above = -math.log1p(-tral_course_probability(12.0, 60.0, TRAL))
    assert above / below == pytest.approx(TRAL.relative_risk_above)


def test_rules_tral_onset_none_without_event():
    p = tral_course_probability(12.0, 0.0, TRAL)
    assert tral_onset_after_course(p, 0.5, 12.0, 0.0, TRAL) is None           # u == probability: no event
    assert tral_onset_after_course(0.999, 0.5, 12.0, 0.0, TRAL) is None
    assert tral_onset_after_course(0.0, 0.5, 0.0, 0.0, TRAL) is None           # no dose, no risk


def test_rules_tral_onset_is_the_latency_when_the_event_happens():
    p = tral_course_probability(12.0, 0.0, TRAL)
    assert tral_onset_after_course(p * 0.999, 0.5, 12.0, 0.0, TRAL) == pytest.approx(TRAL.latency_median_days)
    lo = tral_onset_after_course(0.0, 0.025, 12.0, 0.0, TRAL)
    assert lo == pytest.approx(TRAL.latency_median_days * math.exp(-1.959964 * TRAL.latency_log_sd), rel=1e-5)
    assert tral_latency_days(np.array([0.5, 0.5]), TRAL).tolist() == [TRAL.latency_median_days] * 2


def test_rules_tral_risk_calibration_and_fatality():
    assert tral_risk(96.0, TRAL) == pytest.approx(0.005, abs=2e-6)
    assert tral_risk(0.0, TRAL) == 0.0
    assert tral_is_fatal(0.2399, TRAL) and not tral_is_fatal(0.24, TRAL)


# ------------------------------------------------------------------ amenorrhoea
def test_rules_amenorrhoea_reference_point_and_odds_ratios():
    rule = Amenorrhoea()
    p0 = persistent_amenorrhoea_probability(35.0, 72.0, rule)
    assert p0 == pytest.approx(0.173)
    odds = lambda p: p / (1 - p)  # noqa: E731
    assert odds(persistent_amenorrhoea_probability(36.0, 72.0, rule)) / odds(p0) == pytest.approx(1.18)
    assert odds(persistent_amenorrhoea_probability(35.0, 82.0, rule)) / odds(p0) == pytest.approx(1.02 ** 10)


# ------------------------------------------------------------------ configuration
def test_rules_safety_config_is_frozen_and_forbids_unknown_keys():
    with pytest.raises(ValidationError):
        EchoRule(echo_sd=4.0)
    with pytest.raises(ValidationError):
        MitoxantroneSafety(tral={"risk_per_mg": 1e-4})
    with pytest.raises(ValidationError):
        LvefPath(transient_probability_per_course=1.5)
    with pytest.raises(ValidationError):
        ECHO.echo_sd_percent = 3.0
