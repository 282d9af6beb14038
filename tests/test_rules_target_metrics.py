"""The target metrics (sim/validation/metrics.py) on tiny hand-computed inputs, and their argument checks."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim.validation import metrics as m
from sim.validation.check import summarize, verdict

Y = 365.25


def table(**cols) -> dict:
    """A per-patient table of three patients (defaults), with columns overridden."""
    base = {
        "patient": [0, 1, 2],
        "relapses": [0, 2, 1],
        "follow_up_years": [2.0, 2.0, 2.0],
        "pre_study_relapses": [1, 3, 2],
        "pre_study_years": [1.0, 1.0, 1.0],
        "first_relapse_day": [np.nan, 100.0, 400.0],
        "edss_start": [2.0, 5.5, 6.0],
        "edss_end": [2.5, 6.5, 6.5],
    }
    base.update(cols)
    return {k: np.asarray(v, dtype=float) for k, v in base.items()}


# (patient, day, phenotype, acute, residual, pre_study)
ATTACKS = [
    (0, -500.0, "unspecified", 1.0, 0.2, True),
    (0, -300.0, "unspecified", 2.5, 0.5, True),
    (1, -200.0, "unspecified", 0.5, 0.1, True),
    (1, 100.0, "unspecified", 2.0, 0.4, False),
    (1, 600.0, "unspecified", 1.0, 0.3, False),
    (2, 400.0, "unspecified", 3.0, 0.6, False),
]


def test_rules_arr_pooled_is_relapses_over_patient_years():
    assert m.arr_pooled(table(), []) == pytest.approx(3 / 6)
    assert m.arr_pooled(table(relapses=[], follow_up_years=[], patient=[]), []) is None


def test_rules_arr_to_first_relapse_counts_first_relapses_over_time_at_risk():
    """Patient 0 censored at 2 years, patient 1 at risk 100 days (its second relapse not counted), patient 2 400 days."""
    assert m.arr_to_first_relapse(table(), []) == pytest.approx(2 / (2.0 + 100 / Y + 400 / Y))
    # nobody relapses: 0 over the full follow-up; a death ends the time at risk through follow_up_years
    none = table(first_relapse_day=[np.nan] * 3, follow_up_years=[2.0, 0.5, 1.0])
    assert m.arr_to_first_relapse(none, []) == 0.0
    assert m.arr_to_first_relapse(table(first_relapse_day=[], follow_up_years=[], patient=[]), []) is None


def test_rules_pre_study_arr_pooled_from_the_table_and_from_a_window_of_attack_rows():
    assert m.pre_study_arr_pooled(table(), ATTACKS) == pytest.approx(6 / 3)
    # attacks at -500, -300, -200: within 365 days only -300 and -200 -> 2 / (3 patients x 1 year)
    assert m.pre_study_arr_pooled(table(), ATTACKS, window_days=365) == pytest.approx(2 / (3 * 365 / Y))
    # within 730 days all three pre-study attacks; on-study attacks never count
    assert m.pre_study_arr_pooled(table(), ATTACKS, window_days=730) == pytest.approx(3 / (3 * 730 / Y))


def test_rules_relapsed_share_overall_and_by_day():
    assert m.relapsed_share(table(), []) == pytest.approx(2 / 3)
    assert m.relapsed_share(table(), [], by_day=365) == pytest.approx(1 / 3)      # only the day-100 first relapse
    assert m.relapsed_share(table(), [], by_day=100) == pytest.approx(0.0)        # strictly before the day
    assert m.relapsed_share(table(relapses=[], patient=[]), []) is None


def test_rules_relapse_free_km_censors_at_the_end_of_follow_up():
    # times 730 (censored), 100 (event), 400 (event): S = 2/3 after day 100, 2/3 * 1/2 after day 400
    cols = table()
    assert m.relapse_free_km(cols, [], day=50) == pytest.approx(1.0)
    assert m.relapse_free_km(cols, [], day=200) == pytest.approx(2 / 3)
    assert m.relapse_free_km(cols, [], day=500) == pytest.approx(1 / 3)
    # censored before the first event, patient 0 leaves the risk set: S = 1/2 after day 100, 0 after day 400
    short = table(follow_up_years=[0.2, 2.0, 2.0])
    assert m.relapse_free_km(short, [], day=200) == pytest.approx(0.5)
    assert m.relapse_free_km(short, [], day=500) == pytest.approx(0.0)


def test_rules_share_gaps_within_days_pairs_consecutive_attacks_of_each_patient():
    # gaps: patient 0: 200; patient 1: 300, 500; patient 2: none -> 3 pairs, 2 within 365
    assert m.share_gaps_within_days(table(), ATTACKS, days=365) == pytest.approx(2 / 3)
    assert m.share_gaps_within_days(table(), ATTACKS, days=300) == pytest.approx(2 / 3)     # <= counts
    assert m.share_gaps_within_days(table(), ATTACKS, days=299) == pytest.approx(1 / 3)
    # rows out of day order are sorted per patient
    shuffled = [ATTACKS[i] for i in (4, 0, 5, 3, 1, 2)]
    assert m.share_gaps_within_days(table(), shuffled, days=365) == pytest.approx(2 / 3)
    assert m.share_gaps_within_days(table(), ATTACKS[-1:], days=365) is None


def test_rules_severe_attack_share_on_study_by_default():
    # on study acute 2.0, 1.0, 3.0 -> 2 of 3 >= 2.0; with pre-study 1.0, 2.5, 0.5 too -> 3 of 6
    assert m.severe_attack_share(table(), ATTACKS) == pytest.approx(2 / 3)
    assert m.severe_attack_share(table(), ATTACKS, on_study_only=False) == pytest.approx(3 / 6)
    assert m.severe_attack_share(table(), ATTACKS, min_step=2.5) == pytest.approx(1 / 3)
    assert m.severe_attack_share(table(), ATTACKS[:3]) is None


def test_rules_mean_residual_per_attack():
    assert m.mean_residual_per_attack(table(), ATTACKS) == pytest.approx((0.4 + 0.3 + 0.6) / 3)
    assert m.mean_residual_per_attack(table(), ATTACKS, on_study_only=False) == pytest.approx(2.1 / 6)
    assert m.mean_residual_per_attack(table(), []) is None


def test_rules_edss_change_mean_and_worsened_share():
    assert m.edss_change_mean(table(), []) == pytest.approx((0.5 + 1.0 + 0.5) / 3)
    # 2.0 -> 2.5 no (needs +1.0); 5.5 -> 6.5 yes (+1.0 from <= 5.5); 6.0 -> 6.5 yes (+0.5 above 5.5)
    assert m.edss_worsened_share(table(), []) == pytest.approx(2 / 3)


def test_rules_death_share_needs_the_death_day_column():
    assert m.death_share(table(), []) is None
    assert m.death_share(table(death_day=[np.nan, 300.0, np.inf]), []) == pytest.approx(1 / 3)


def test_rules_evaluate_turns_nan_into_undefined():
    assert m.evaluate("edss_change_mean", {}, table(edss_end=[np.nan, 1, 1]), []) is None
    assert m.evaluate("arr_pooled", {}, table(), []) == pytest.approx(0.5)


def test_rules_registry_and_argument_checks():
    assert set(m.METRICS) >= {"arr_pooled", "pre_study_arr_pooled", "relapsed_share", "relapse_free_km",
                              "share_gaps_within_days", "severe_attack_share", "mean_residual_per_attack",
                              "edss_slope_per_attack", "edss_change_mean", "death_share", "edss_worsened_share"}
    assert m.check_args("relapse_free_km", {"day": 196.0}) is None
    assert "needs day" in m.check_args("relapse_free_km", {})
    assert "unknown argument 'dayz'" in m.check_args("relapse_free_km", {"day": 1.0, "dayz": 2.0})
    assert "true or false" in m.check_args("severe_attack_share", {"on_study_only": 1.0})
    assert "must be a number" in m.check_args("share_gaps_within_days", {"days": True})
    assert "allowed: none" in m.check_args("arr_pooled", {"x": 1.0})


def test_rules_verdict_and_interval_are_percentiles_type_7():
    vals = [float(v) for v in range(1, 21)] + [None, None]
    s = summarize(vals, 10.0)
    x = np.arange(1, 21, dtype=float)
    assert s["p5"] == pytest.approx(np.percentile(x, 5)) == pytest.approx(1 + 0.05 * 19)
    assert s["p95"] == pytest.approx(1 + 0.95 * 19)
    assert s["median"] == pytest.approx(10.5)
    assert s["undefined"] == 2
    assert s["verdict"] == "inside"
    assert verdict(0.5, 1.0, 2.0) == "miss (below)"
    assert verdict(2.5, 1.0, 2.0) == "miss (above)"
    assert verdict(2.0, 1.0, 2.0) == "inside"
    assert summarize([None, None], 1.0)["verdict"] == "undefined"
    assert math.isclose(summarize([3.0], 3.0)["p5"], 3.0)


def test_rules_edss_slope_per_attack_is_the_least_squares_slope_on_attack_counts():
    # attack counts: patient 0: 2, patient 1: 3, patient 2: 1; edss_end 2.5, 6.5, 6.5
    x, y = np.array([2.0, 3.0, 1.0]), np.array([2.5, 6.5, 6.5])
    slope = np.polyfit(x, y, 1)[0]
    assert m.edss_slope_per_attack(table(), ATTACKS) == pytest.approx(slope)
    # on study only: counts 0, 2, 1
    on = np.polyfit(np.array([0.0, 2.0, 1.0]), y, 1)[0]
    assert m.edss_slope_per_attack(table(), ATTACKS, on_study_only=True) == pytest.approx(on)
    # attack rows of patients not in the table are ignored
    assert m.edss_slope_per_attack(table(), ATTACKS + [(7, 5.0, "unspecified", 1.0, 0.1, False)]) == pytest.approx(slope)
    equal = [(p, float(d), "unspecified", 1.0, 0.1, False) for p in (0, 1, 2) for d in (10, 50)]
    assert m.edss_slope_per_attack(table(), equal) is None
