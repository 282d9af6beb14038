"""Replicate trials against theory: an arm against an independent copy of itself rejects at about alpha, and power
rises with the cohort size."""
import numpy as np

import sim
from sim.bundled import bundled
from sim.replicate_trials import aggregate, rejection, replicate_trial, run_replicates, spread


def _kim(patients: int, follow_up_days: int = 365, untreated_only: bool = False):
    scn = sim.load_scenario(bundled()["kim2011"], overrides=[f"run.follow_up_days={follow_up_days}",
                                                            f"run.patients={patients}"])
    if untreated_only:
        arms = [a for a in scn.arms if a.regimen.drug == "none"]
        scn = scn.model_copy(update={"arms": arms, "readouts": scn.readouts.model_copy(update={"reference_arm": None})})
    return scn


def test_theory_untreated_arm_against_itself_rejects_at_about_alpha():
    """200 replicate 30-patient trials of no treatment vs no treatment: the rejection share of each test is
    alpha = 0.05 within 3 binomial standard errors (sqrt(0.05 * 0.95 / 200) = 0.015)."""
    _, s = run_replicates(_kim(30, untreated_only=True), 200)
    se = np.sqrt(0.05 * 0.95 / 200)
    for test in ("negative_binomial", "logrank"):
        r = s["type_i_error"][test]
        assert r["replicates"] == 200
        assert abs(r["share"] - 0.05) <= 3 * se, (test, r)


def _mito_vs_untreated(patients: int):
    """compare-regimens' mitoxantrone and untreated arms only, one year."""
    scn = sim.load_scenario(bundled()["compare-regimens"], overrides=["run.follow_up_days=365",
                                                                     f"run.patients={patients}"])
    arms = [a for a in scn.arms if a.name in ("untreated", "mitoxantrone")]
    return scn.model_copy(update={"arms": arms})


def test_theory_power_rises_with_cohort_size():
    """Mitoxantrone vs no treatment over a year: 40 replicate trials at 5 and at 100 patients per arm; the larger trial
    rejects more often (by > 3 standard errors of the difference of two shares, SE <= sqrt(2 * 0.25 / 40) = 0.11)."""
    small = run_replicates(_mito_vs_untreated(5), 40)[1]["arms"]["mitoxantrone"]["power"]["negative_binomial"]
    large = run_replicates(_mito_vs_untreated(100), 40)[1]["arms"]["mitoxantrone"]["power"]["negative_binomial"]
    assert large["share"] - small["share"] > 3 * 0.11, (small, large)


def test_rules_replicate_arms_enrol_independent_patients_and_rows_are_reproducible():
    """Parallel groups: the arms of one replicate screen different candidates' streams; the same trial twice is identical."""
    scn = _kim(8)
    a, b = replicate_trial(scn, 3), replicate_trial(scn, 3)
    assert a == b
    assert [r["arm"] for r in a] == ["mitoxantrone", "untreated", "null: untreated vs independent copy"]
    assert replicate_trial(scn, 4) != a


def test_rules_rejection_share_and_spread_on_worked_values():
    """Wilson interval for 7/200 against statsmodels' proportion_confint(method="wilson"); percentiles of 1..5
    (linear interpolation, Hyndman-Fan type 7: 1.1, 3, 4.9)."""
    from statsmodels.stats.proportion import proportion_confint

    r = rejection([0.01] * 7 + [0.5] * 192 + [None], 0.05)
    lo, hi = proportion_confint(7, 200, alpha=0.05, method="wilson")
    assert r["share"] == 7 / 200 and abs(r["ci95_low"] - lo) < 1e-9 and abs(r["ci95_high"] - hi) < 1e-9
    s = spread([1, 2, 3, 4, 5, None])
    assert s["undefined"] == 1 and s["mean"] == 3 and abs(s["p2_5"] - 1.1) < 1e-12 and abs(s["p97_5"] - 4.9) < 1e-12
    assert spread([None])["mean"] is None
    assert aggregate(_kim(8), [])["type_i_error"]["negative_binomial"]["share"] is None


def test_rules_replicate_rows_carry_the_disease_course_readouts():
    """Each arm row has the on-treatment population's size (at most the arm's patients), the confirmed 6-month EDSS
    worsening share and the death share, all defined; the aggregate spreads them."""
    scn = _kim(8)
    rows = replicate_trial(scn, 0)
    for r in rows[:-1]:
        assert 0 < r["on_treatment_patients"] <= r["patients"]
        assert 0.0 <= r["edss_worsened_confirmed_6m_share"] <= 1.0 and 0.0 <= r["death_share"] <= 1.0
    block = aggregate(scn, rows)["arms"]["untreated"]
    assert block["on_treatment_patients"]["replicates"] == 1 and block["death_share"]["undefined"] == 0
