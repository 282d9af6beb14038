"""Disability readouts of the disease course against hand computations: confirmed worsening and improvement shares,
Kaplan-Meier time to confirmed worsening censored at the last EDSS visit, deaths, and tables without the columns."""
import json

import numpy as np
import pytest
from scipy import stats

from sim.outputs import json_text
from sim.readouts import disability, summarize_arm
from tests.test_rules_readouts import _columns

NAN = np.nan
Z = stats.norm.ppf(0.975)


def _course():
    """Five patients over 2 years (730.5 days):
    p0 worsens from day 100, confirmed at 3 and 6 months;
    p1 worsens from day 200, confirmed at 3 months only;
    p2 worsens from day 250 and dies on day 300 of a relapse (death confirms; last visit day 300; EDSS 10 at the end);
    p3 improves from day 150, confirmed at 3 and 6 months;
    p4 improves from day 150, confirmed at 3 months only, and is last assessed on day 200 (censored there).
    """
    p = _columns(5, [0] * 5)
    p.update(edss_start=np.array([3.0, 3.0, 6.0, 4.0, 4.0]), edss_end=np.array([4.0, 4.5, 10.0, 3.0, 3.0]),
             edss_worsening_day=np.array([100.0, 200.0, 250.0, NAN, NAN]),
             edss_worsening_confirmed_3m_day=np.array([100.0, 200.0, 250.0, NAN, NAN]),
             edss_worsening_confirmed_6m_day=np.array([100.0, NAN, 250.0, NAN, NAN]),
             edss_improvement_confirmed_3m_day=np.array([NAN, NAN, NAN, 150.0, 150.0]),
             edss_improvement_confirmed_6m_day=np.array([NAN, NAN, NAN, 150.0, NAN]),
             edss_last_visit_day=np.array([730.5, 730.5, 300.0, 730.5, 200.0]),
             death_day=np.array([NAN, NAN, 300.0, NAN, NAN]),
             death_cause=np.array(["", "", "relapse", "", ""], object),
             on_treatment_population=np.ones(5))
    return p


def _loglog(s: float, greenwood: float) -> tuple[float, float]:
    w = Z * np.sqrt(greenwood) / np.log(s)
    return s ** np.exp(-w), s ** np.exp(w)


def test_rules_single_visit_change_keeps_edss_10_of_the_patient_who_died():
    d = disability(_course())
    assert d["edss_end"]["median"] == 4.0 and d["edss_end"]["q3"] == 4.5
    assert d["worsened_share"] == 0.6 and d["improved_share"] == 0.4 and d["stable_share"] == 0.0


def test_rules_confirmed_shares():
    """Worsening 3m: p0, p1, p2 (3/5); 6m: p0, p2 (2/5). Improvement 3m: p3, p4; 6m: p3. Stable (confirmed): neither
    at 6 months: p1, p4."""
    d = disability(_course())
    assert d["worsened_confirmed_3m_share"] == 0.6 and d["worsened_confirmed_6m_share"] == 0.4
    assert d["improved_confirmed_3m_share"] == 0.4 and d["improved_confirmed_6m_share"] == 0.2
    assert d["stable_confirmed_share"] == 0.4


def test_rules_time_to_confirmed_worsening_3m_by_hand():
    """Times 100 E, 200 E, 250 E, 730.5 C, 200 C (p4 censored at its last visit; at risk at 200 with the event there).
    S: 100 -> 4/5 = 0.8; 200 -> 0.8 * 3/4 = 0.6 (4 at risk); 250 -> 0.6 * 1/2 = 0.3 (2 at risk). Median 250.
    Greenwood sum at 250: 1/(5*4) + 1/(4*3) + 1/(2*1)."""
    k = disability(_course())["time_to_confirmed_worsening_3m"]
    assert k["patients"] == 5 and k["events"] == 3
    assert k["median_days"]["estimate"] == 250.0
    for name in ("week_52", "year_2"):
        d = k["worsening_free_probability"][name]
        lo, hi = _loglog(0.3, 1 / 20 + 1 / 12 + 1 / 2)
        assert d["estimate"] == pytest.approx(0.3)
        assert d["ci95_low"] == pytest.approx(lo) and d["ci95_high"] == pytest.approx(hi)


def test_rules_time_to_confirmed_worsening_6m_by_hand():
    """Times 100 E, 730.5 C, 250 E, 730.5 C, 200 C. S: 100 -> 0.8; 250 -> 0.8 * 2/3 (p1, p2, p3 at risk). Median not
    reached. Greenwood sum 1/(5*4) + 1/(3*2)."""
    k = disability(_course())["time_to_confirmed_worsening_6m"]
    assert k["events"] == 2 and k["median_days"]["estimate"] is None
    d = k["worsening_free_probability"]["week_52"]
    lo, hi = _loglog(0.8 * 2 / 3, 1 / 20 + 1 / 6)
    assert d["estimate"] == pytest.approx(0.8 * 2 / 3)
    assert d["ci95_low"] == pytest.approx(lo) and d["ci95_high"] == pytest.approx(hi)


def test_rules_time_to_confirmed_worsening_matches_statsmodels_km():
    from statsmodels.duration.survfunc import SurvfuncRight

    k = disability(_course())["time_to_confirmed_worsening_3m"]
    sf = SurvfuncRight(np.array([100.0, 200.0, 250.0, 730.5, 200.0]), np.array([1, 1, 1, 0, 0]))
    assert k["worsening_free_probability"]["week_52"]["estimate"] == pytest.approx(sf.surv_prob[-1])


def test_rules_deaths_count_share_causes_and_survival():
    """One death of five (day 300, 5 at risk): survival 0.8 at the end of follow-up, Greenwood sum 1/(5*4)."""
    d = disability(_course())["deaths"]
    assert d["died"] == 1 and d["share"] == 0.2 and d["causes"] == {"relapse": 1}
    s = d["survival_probability_end"]
    lo, hi = _loglog(0.8, 1 / 20)
    assert s["day"] == 730.5 and s["estimate"] == pytest.approx(0.8)
    assert s["ci95_low"] == pytest.approx(lo) and s["ci95_high"] == pytest.approx(hi)


def test_rules_death_without_a_cause_is_unspecified():
    p = _course()
    p["death_cause"] = np.array(["", "", "", "", ""], object)
    assert disability(p)["deaths"]["causes"] == {"unspecified": 1}


def test_rules_table_without_the_disease_course_columns():
    """No columns: nobody died, no confirmed events (all stable), censoring at the end of follow-up."""
    d = disability(_columns(3, [0, 1, 2]))
    assert d["worsened_confirmed_3m_share"] == 0.0 and d["worsened_confirmed_6m_share"] == 0.0
    assert d["improved_confirmed_6m_share"] == 0.0 and d["stable_confirmed_share"] == 1.0
    k = d["time_to_confirmed_worsening_6m"]
    assert k["events"] == 0 and k["worsening_free_probability"]["year_2"]["estimate"] == 1.0
    assert d["deaths"]["died"] == 0 and d["deaths"]["causes"] == {}
    assert d["deaths"]["survival_probability_end"]["estimate"] == 1.0


def test_rules_whole_arm_summary_with_the_disease_course_columns_is_valid_json():
    s = summarize_arm(_course(), [])
    json.loads(json_text(s))
    assert s["disability"]["deaths"]["died"] == 1 and s["on_treatment"]["patients"] == 5
