"""Readout rules at their edges: WHO grades, EDSS worsening/improvement, attack counts, censoring by estimand,
degenerate inputs giving defined results (no NaN) in a whole summary, the on-treatment population, landmark
probabilities at 0, regression to the mean by estimand, and the NB2 dispersion of the counts."""
import json

import numpy as np
import pytest

import sim
from sim.bundled import bundled
from sim.edss_scale import edss_improved, edss_worsened
from sim.outputs import json_text
from sim.readouts import (attacks_distribution, compare_arms, counts_and_years, first_relapse_times,
                          regression_to_the_mean, relapse_count_dispersion, summarize_arm, time_to_first_relapse,
                          who_grade)
from sim.readouts.basic import WHO_NEUTROPENIA_EDGES
from sim.readouts.disability import edss_change


@pytest.mark.parametrize("anc, grade", [(2.0, 0), (1.99, 1), (1.5, 1), (1.49, 2), (1.0, 2), (0.99, 3), (0.5, 3),
                                        (0.49, 4), (float("nan"), 0)])
def test_rules_who_neutropenia_grade_edges(anc, grade):
    """WHO (Miller 1981) granulocytes: grade 1 < 2.0, 2 < 1.5, 3 < 1.0, 4 < 0.5 x 10^9/L."""
    assert who_grade([anc], WHO_NEUTROPENIA_EDGES)[0] == grade


@pytest.mark.parametrize("base, later, worse, better", [
    (5.5, 6.5, True, False), (5.5, 6.0, False, False), (6.0, 6.5, True, False), (6.0, 6.0, False, False),
    (3.0, 2.0, False, True), (3.0, 2.5, False, False), (6.5, 6.0, False, True), (0.0, 1.0, True, False),
])
def test_rules_edss_worsening_and_improvement_edges(base, later, worse, better):
    """+1.0 from a baseline <= 5.5, +0.5 above; improvement is the mirror."""
    assert edss_worsened(base, later) is worse
    assert edss_improved(base, later) is better


def test_rules_disability_shares_add_up():
    d = edss_change([3.0, 5.5, 6.0, 4.0], [4.0, 6.0, 5.5, 4.0])
    assert d["worsened_share"] == 0.25 and d["improved_share"] == 0.25 and d["stable_share"] == 0.5
    assert d["edss_change_from_baseline"]["median"] == pytest.approx(0.25)


def test_rules_attack_distribution_lists_every_count_up_to_the_maximum():
    assert attacks_distribution([0, 0, 3, 1]) == {"0": 2, "1": 1, "2": 0, "3": 1}
    assert attacks_distribution([0, 0]) == {"0": 2}


def test_rules_first_relapse_censoring_follows_the_estimand():
    """ITT: censored at the end of follow-up; on treatment: a relapse after the treatment's end is censored there."""
    p = {"first_relapse_day": [100.0, np.nan, 500.0], "follow_up_years": [2.0, 2.0, 2.0],
         "treatment_end_day": [400.0, 300.0, 400.0]}
    t, e = first_relapse_times(p, "follow_up")
    np.testing.assert_allclose(t, [100.0, 730.5, 500.0])
    assert e.tolist() == [True, False, True]
    t, e = first_relapse_times(p, "on_treatment")
    np.testing.assert_allclose(t, [100.0, 300.0, 400.0])
    assert e.tolist() == [True, False, False]


def _columns(n, relapses, years=2.0):
    z = np.zeros(n)
    return {
        "patient": np.arange(n), "relapses": np.asarray(relapses, float), "follow_up_years": np.full(n, years),
        "relapses_on_treatment": np.asarray(relapses, float), "on_treatment_years": np.full(n, years),
        "first_relapse_day": np.where(np.asarray(relapses) > 0, 50.0, np.nan), "treatment_end_day": np.full(n, years * 365.25),
        "pre_study_arr": np.full(n, 2.0), "edss_start": np.full(n, 3.0), "edss_end": np.full(n, 3.0),
        "wbc_min_observed_per_nl": np.full(n, np.nan), "anc_min_observed_per_nl": np.full(n, np.nan),
        "infections": z, "serious_infections": z, "toxicity_max_grade": z, "discontinuation": np.array([""] * n, object),
        "cumulative_dose_mg_per_m2": z, "wbc_nadir_per_nl": np.full(n, 5.0), "doses_given": z,
        "phases": np.array([""] * n, object),
    }


@pytest.mark.parametrize("n, relapses, years", [(1, [0], 2.0), (1, [2], 2.0), (5, [0] * 5, 2.0), (3, [0, 0, 0], 0.0)])
def test_rules_degenerate_arms_give_defined_summaries_without_nan(n, relapses, years):
    """No relapses at all, one patient, zero follow-up: the summary is valid JSON (NaN is refused) with notes."""
    s = summarize_arm(_columns(n, relapses, years), [])
    json.loads(json_text(s))
    if years == 0:
        assert s["arr_pooled_per_year"]["estimate"] is None and s["arr_pooled_per_year"]["note"]
    if sum(relapses) == 0:
        assert s["time_to_first_relapse"]["median_days"]["estimate"] is None
        assert s["relapse_free_share"] == 1.0


def test_rules_whole_run_summary_has_survival_table_and_no_nan():
    """A two-arm run: survival.csv starts at 1.0 per arm, comparisons carry NB and log-rank results."""
    scn = sim.load_scenario(bundled()["kim2011"], overrides=["run.patients=20"])
    res = sim.run(scn)
    json.loads(json_text(res.summary))
    rows = res.tables()["survival.csv"].splitlines()
    assert rows[0].startswith("arm,day,at_risk")
    first = [r for r in rows[1:] if float(r.split(",")[1]) == 0]
    assert len(first) == len(scn.arms) and all(float(r.split(",")[4]) == 1 for r in first)
    comp = res.summary["comparison"]
    assert set(comp["logrank_to_reference"]) == {a.name for a in scn.arms} - {comp["reference_arm"]}
    assert comp["nb_rate_ratio_to_reference"]["method"]


# --- the on-treatment population, landmarks at 0, regression to the mean by estimand, count dispersion ---------------

def _with_undosed_patient():
    """Three patients over 2 years: two dosed (on treatment 1 and 2 years, one relapse on treatment in the first), and
    one stopped before the first dose (window 0, no relapse on treatment, pre-study ARR 4)."""
    p = _columns(3, [1, 0, 2])
    p.update(relapses_on_treatment=np.array([1.0, 0.0, 0.0]), on_treatment_years=np.array([1.0, 2.0, 0.0]),
             treatment_end_day=np.array([365.25, 730.5, 0.0]), first_relapse_day=np.array([100.0, np.nan, 400.0]),
             pre_study_arr=np.array([2.0, 2.0, 4.0]), on_treatment_population=np.array([1.0, 1.0, 0.0]))
    return p


def test_rules_on_treatment_block_leaves_out_a_patient_who_never_received_a_dose():
    """On treatment: 2 patients, 1 relapse in 3 years (ARR 1/3), per-patient ARR 1 and 0 (median 0.5), pre-study median
    2 -> 75% reduction, 1 of 2 relapse free; the undosed patient is not 'relapse free with ARR 0'. Follow-up: all 3."""
    p = _with_undosed_patient()
    s = summarize_arm(p, [])
    on = s["on_treatment"]
    assert on["patients"] == 2 and on["population"].startswith("2 of 3 patients: patients who received at least one dose")
    assert on["relapses"] == 1 and on["patient_years"] == 3.0
    assert on["arr_pooled_per_year"]["estimate"] == pytest.approx(1 / 3)
    assert on["arr_per_patient_per_year"]["median"] == 0.5
    assert on["arr_change"]["median_pre_study"] == 2.0 and on["arr_change"]["median_reduction_percent"] == 75.0
    assert on["relapse_free_share"] == 0.5 and on["attacks_per_patient"] == {"0": 1, "1": 1}
    assert on["time_to_first_relapse"]["patients"] == 2 and on["time_to_first_relapse"]["events"] == 1
    assert s["patients"] == 3 and s["relapses"] == 3 and s["time_to_first_relapse"]["patients"] == 3
    t, e = first_relapse_times(p, "on_treatment")
    assert t.tolist() == [100.0, 730.5] and e.tolist() == [True, False]
    k, y = counts_and_years(p, "on_treatment")
    assert k.tolist() == [1.0, 0.0] and y.tolist() == [1.0, 2.0]
    del p["on_treatment_population"]                   # column absent: everyone is in the population
    on = summarize_arm(p, [])["on_treatment"]
    assert on["patients"] == 3 and on["relapse_free_share"] == pytest.approx(2 / 3)
    assert on["population"].startswith("3 of 3 patients")


def test_rules_on_treatment_comparisons_use_the_population():
    """Under the on_treatment estimand the NB regression and log-rank see only the population (2 + 3 patients)."""
    a = _with_undosed_patient()
    b = _columns(3, [0, 1, 1])
    cols = {"drug": a, "ref": b}
    arms = {k: summarize_arm(v, []) for k, v in cols.items()}
    comp = compare_arms(arms, cols, "ref", [], "on_treatment")
    assert comp["nb_rate_ratio_to_reference"]["n_used"] == 5
    assert sum(comp["logrank_to_reference"]["drug"]["observed"]) == 1 + 2
    assert comp["arr_ratio_to_reference"]["drug"]["estimate"] == pytest.approx((1 / 3) / (2 / 6))


def test_rules_on_treatment_population_can_be_empty():
    """Nobody dosed: a defined block (no NaN), 0 patients, null rates with notes."""
    p = _with_undosed_patient()
    p["on_treatment_population"] = np.zeros(3)
    on = summarize_arm(p, [])["on_treatment"]
    json.loads(json_text(on))
    assert on["patients"] == 0 and on["relapse_free_share"] is None and on["arr_pooled_per_year"]["estimate"] is None
    assert on["arr_change"]["median_reduction_percent"] is None
    assert on["relapse_count_dispersion"]["nb2_alpha"] is None


def test_rules_landmark_is_zero_when_every_patient_relapsed_before_it():
    """Every patient relapsed by day 300: the curve is 0 there, so 0 (CI 0-0) at week 52 and year 2 although
    follow-up (the last time) ends at day 300; a curve still above 0 when follow-up ends gives null with a note."""
    r = time_to_first_relapse([100.0, 200.0, 300.0], [True, True, True])
    for name in ("week_52", "year_2"):
        d = r["relapse_free_probability"][name]
        assert (d["estimate"], d["ci95_low"], d["ci95_high"]) == (0.0, 0.0, 0.0)
        assert "every patient had the event by day 300" in d["note"]
    r = time_to_first_relapse([100.0, 200.0, 300.0], [True, True, False])
    d = r["relapse_free_probability"]["week_52"]
    assert d["estimate"] is None and d["note"] == "follow-up ends before day 364"
    r = time_to_first_relapse([100.0, 400.0], [True, True])       # S = 1/2 at week 52, 0 from day 400 on
    assert r["relapse_free_probability"]["week_52"]["estimate"] == 0.5
    assert r["relapse_free_probability"]["year_2"]["estimate"] == 0.0


def test_rules_replicate_spread_keeps_landmark_zeros():
    """A replicate whose arm all relapsed before week 52 contributes 0.0 (a defined value) to the spread."""
    from sim.replicate_trials import READOUTS, _get, spread

    p = _columns(4, [1, 1, 1, 1], years=0.5)         # all relapse at day 50; follow-up ends at day 182.6
    s = summarize_arm(p, [])
    v = _get(s, READOUTS["relapse_free_probability_week_52"])
    assert v == 0.0
    sp = spread([v, 0.5, None])
    assert sp["replicates"] == 2 and sp["undefined"] == 1 and sp["mean"] == 0.25 and sp["p2_5"] == pytest.approx(0.0125)


def _rtm_arms():
    """Pre-study ARR 2. Untreated: 3 relapses in 2 years (ARR 1.5, -25%) on both windows. Drug: 2 in 2 years (ARR 1,
    -50%) over follow-up; on treatment 0, 0, 1, 1 relapses in 1 year (median ARR 0.5, -75%)."""
    u = _columns(4, [3, 3, 3, 3])
    d = _columns(4, [2, 2, 2, 2])
    d.update(relapses_on_treatment=np.array([0.0, 0.0, 1.0, 1.0]), on_treatment_years=np.ones(4),
             treatment_end_day=np.full(4, 365.25))
    cols = {"untreated": u, "drug": d}
    return {k: summarize_arm(v, []) for k, v in cols.items()}, cols


@pytest.mark.parametrize("estimand, untreated, drug", [("follow_up", 25.0, 50.0), ("on_treatment", 25.0, 75.0)])
def test_rules_regression_to_the_mean_follows_the_estimand(estimand, untreated, drug):
    arms, cols = _rtm_arms()
    rtm = compare_arms(arms, cols, "untreated", ["untreated"], estimand)["regression_to_the_mean"]
    assert rtm["estimand"] == estimand
    assert rtm["untreated_median_arr_reduction_percent"] == pytest.approx(untreated)
    t = rtm["treated_arms"]["drug"]
    assert t["median_arr_reduction_percent"] == pytest.approx(drug)
    assert t["beyond_untreated_percentage_points"] == pytest.approx(drug - untreated)
    assert regression_to_the_mean(arms, "untreated")["estimand"] == "follow_up"     # the default


# Counts and years of 13 patients, overdispersed (variance 5.2 against a mean of 1.8).
NB_COUNTS = [0, 1, 0, 3, 5, 0, 2, 0, 7, 1, 0, 0, 4]
NB_YEARS = [1.0, 2.0, 1.0, 1.5, 2.0, 0.5, 1.0, 2.0, 2.0, 1.0, 1.0, 0.8, 1.2]


def test_rules_relapse_count_dispersion_matches_statsmodels_negative_binomial():
    """Intercept-only NB2 with exposure: alpha as statsmodels' NegativeBinomial(loglike_method='nb2'); k = 1/alpha."""
    from statsmodels.discrete.discrete_model import NegativeBinomial

    y, t = np.array(NB_COUNTS, float), np.array(NB_YEARS)
    ref = NegativeBinomial(y, np.ones((y.size, 1)), exposure=t, loglike_method="nb2").fit(
        method="newton", maxiter=200, disp=0)
    a_ref = float(ref.params[-1])
    d = relapse_count_dispersion(y, t)
    assert d["nb2_alpha"] == pytest.approx(a_ref, rel=1e-6) and d["k"] == pytest.approx(1 / a_ref, rel=1e-6)
    assert "not the scenario's disease.frailty_k" in d["note"]
    p = _columns(13, NB_COUNTS)
    p["follow_up_years"] = t
    assert summarize_arm(p, [])["relapse_count_dispersion"]["nb2_alpha"] == pytest.approx(a_ref, rel=1e-6)


@pytest.mark.parametrize("counts, why", [([0, 0, 0], "no events"), ([1, 1, 1, 1], "boundary 0")])
def test_rules_relapse_count_dispersion_undefined_without_relapses_or_overdispersion(counts, why):
    d = relapse_count_dispersion(counts, np.ones(len(counts)))
    assert d["nb2_alpha"] is None and d["k"] is None and why in d["note"]
