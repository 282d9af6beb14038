"""Readout rules at their edges: WHO grades, EDSS worsening/improvement, attack counts, censoring by estimand,
and degenerate inputs giving defined results (no NaN) in a whole summary."""
import json

import numpy as np
import pytest

import sim
from sim.bundled import bundled
from sim.edss_scale import edss_improved, edss_worsened
from sim.outputs import json_text
from sim.readouts import attacks_distribution, first_relapse_times, summarize_arm, who_grade
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
        "wbc_min_observed_10e9_per_l": np.full(n, np.nan), "anc_min_observed_10e9_per_l": np.full(n, np.nan),
        "infections": z, "serious_infections": z, "toxicity_max_grade": z, "discontinuation": np.array([""] * n, object),
        "cumulative_dose_mg_per_m2": z, "wbc_nadir_10e9_per_l": np.full(n, 5.0), "doses_given": z,
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
    first = [r for r in rows[1:] if r.split(",")[1] == "0"]
    assert len(first) == len(scn.arms) and all(r.split(",")[4] == "1" for r in first)
    comp = res.summary["comparison"]
    assert set(comp["logrank_to_reference"]) == {a.name for a in scn.arms} - {comp["reference_arm"]}
    assert comp["nb_rate_ratio_to_reference"]["method"]
