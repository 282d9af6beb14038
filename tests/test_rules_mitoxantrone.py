"""Mitoxantrone dose rules of NCT02021825 (seed 000) and Kim 2011 (seed 001), tested at every edge, without a simulation."""
import pytest

from sim.heart import lvef_decision
from sim.regimens.mitoxantrone import CourseHistory, decide_dose, infection_cap, toxicity_grade
from sim.scenario import load_scenario

from .conftest import MITONMO

REG = load_scenario(MITONMO).arms[0].regimen


@pytest.mark.parametrize("wbc, dose", [
    (9.5, 12), (4.0, 12), (3.99, 9), (3.0, 9), (2.99, 6), (2.0, 6),
])
def test_rules_wbc_band_edges_give_the_band_dose(wbc, dose):
    d = decide_dose(wbc, CourseHistory(), REG)
    assert d.action == "give"
    assert d.dose_mg_per_m2 == dose


@pytest.mark.parametrize("wbc", [1.99, 1.0, 0.0])
def test_rules_wbc_below_2_gives_no_infusion(wbc):
    d = decide_dose(wbc, CourseHistory(), REG)
    assert d.action == "skip" and d.dose_mg_per_m2 == 0


def test_rules_wbc_below_2_rechecks_when_configured():
    reg = REG.model_copy(update={"max_rechecks": 2})
    h = CourseHistory()
    assert decide_dose(1.5, h, reg).action == "recheck"
    h.rechecks = 2
    assert decide_dose(1.5, h, reg).action == "skip"


def _after_infection(wbc_at_infection, day_after=10):
    return CourseHistory(cumulative_mg_per_m2=12, courses_given=1, last_infusion_day=4.0,
                         infections=[(4.0 + day_after, wbc_at_infection)])


@pytest.mark.parametrize("wbc_inf, dose", [(2.0, 12), (1.99, 10), (1.0, 10), (0.99, 8), (0.2, 8)])
def test_rules_infection_within_3_weeks_caps_next_dose(wbc_inf, dose):
    d = decide_dose(6.0, _after_infection(wbc_inf), REG)
    assert d.dose_mg_per_m2 == dose


@pytest.mark.parametrize("days, capped", [(0, True), (21, True), (21.5, False), (40, False)])
def test_rules_infection_window_edges(days, capped):
    cap, _ = infection_cap(_after_infection(1.5, days), REG.infection_rule)
    assert (cap == 10) if capped else (cap is None)


@pytest.mark.parametrize("day, capped", [(99.99, False), (100.0, True), (102.0, True), (104.0, True), (125.0, True),
                                         (125.01, False)])
def test_rules_infection_window_counts_from_the_course_s_first_infusion(day, capped):
    """A five-day course on days 100-104: an infection during it counts (it once did not, because the window started
    at the last infusion), as does one up to 21 days after the last infusion; one before the course does not."""
    h = CourseHistory(cumulative_mg_per_m2=24, courses_given=2, last_course_start_day=100.0, last_infusion_day=104.0,
                      infections=[(day, 1.16)])
    cap, why = infection_cap(h, REG.infection_rule)
    assert (cap == 10) if capped else (cap is None)
    if capped:
        assert ("during the course" in why) == (day <= 104.0)


def test_rules_infection_window_among_many_infections_lowest_cap_first_reason():
    """Of a patient's infections (in time order) those before the course do not count however low their WBC; of those
    in the window the lowest band wins, and the reason names the first infection that reached it."""
    h = CourseHistory(cumulative_mg_per_m2=24, courses_given=2, last_course_start_day=100.0, last_infusion_day=104.0,
                      infections=[(20.0, 0.3), (99.5, 0.4), (101.0, 1.5), (110.0, 0.8), (112.0, 0.7), (130.0, 0.1)])
    cap, why = infection_cap(h, REG.infection_rule)
    assert cap == 8
    assert "day 110.0" in why
    h.infections = [(20.0, 0.3), (99.5, 0.4)]
    assert infection_cap(h, REG.infection_rule) == (None, None)


def test_rules_infection_before_any_infusion_does_not_count():
    h = CourseHistory(infections=[(3.0, 0.5)])
    assert decide_dose(6.0, h, REG).dose_mg_per_m2 == 12


def test_rules_lowest_of_band_infection_and_toxicity_wins():
    h = _after_infection(0.8)            # infection cap 8
    h.toxicity_grades = [2]              # toxicity base 10
    assert decide_dose(3.5, h, REG).dose_mg_per_m2 == 8      # band 9, tox 10, infection 8
    assert decide_dose(2.5, h, REG).dose_mg_per_m2 == 6      # band 6 is lowest


@pytest.mark.parametrize("grade, dose", [(1, 12), (2, 10), (3, 10)])
def test_rules_non_haematological_toxicity_grade_2_3_gives_10(grade, dose):
    h = CourseHistory(cumulative_mg_per_m2=12, courses_given=1, last_infusion_day=0, toxicity_grades=[grade])
    assert decide_dose(6.0, h, REG).dose_mg_per_m2 == dose


def test_rules_toxicity_grade_4_stops():
    h = CourseHistory(cumulative_mg_per_m2=12, courses_given=1, last_infusion_day=0, toxicity_grades=[4])
    assert decide_dose(6.0, h, REG).action == "stop"


def test_rules_cap_reached_exactly_is_the_final_course():
    h = CourseHistory(cumulative_mg_per_m2=108, courses_given=9, last_infusion_day=0)
    d = decide_dose(6.0, h, REG)
    assert d.action == "give" and d.dose_mg_per_m2 == 12 and d.final


def test_rules_dose_overshooting_cap_is_cut_to_the_remainder():
    h = CourseHistory(cumulative_mg_per_m2=115, courses_given=10, last_infusion_day=0)
    d = decide_dose(6.0, h, REG)
    assert d.action == "give" and d.dose_mg_per_m2 == pytest.approx(5.0) and d.final
    assert "cumulative cap" in d.causes


def test_rules_below_cap_is_not_final_and_at_cap_stops():
    assert not decide_dose(6.0, CourseHistory(cumulative_mg_per_m2=107.9), REG).final
    assert decide_dose(6.0, CourseHistory(cumulative_mg_per_m2=120), REG).action == "stop"


@pytest.mark.parametrize("first, confirm, action", [(50.0, None, "give"), (49.9, 49.9, "stop"), (49.9, 50.0, "give")])
def test_rules_lvef_below_50_stops_only_when_confirmed(first, confirm, action):
    """A first reading below 50% asks for a confirmatory echo; treatment stops only if that one is below 50% too."""
    echo = lvef_decision(first, confirm, REG.echo)
    assert decide_dose(6.0, CourseHistory(), REG, echo).action == action
    if confirm is None:
        assert lvef_decision(49.9, None, REG.echo).action == "confirm"


def test_rules_heart_failure_or_leukaemia_stops_at_the_next_decision():
    d = decide_dose(6.0, CourseHistory(stop_pending="heart failure"), REG)
    assert d.action == "stop" and d.causes == ("heart failure",)


def test_rules_every_decision_has_a_reason():
    for wbc in (6.0, 3.5, 2.5, 1.5):
        assert decide_dose(wbc, CourseHistory(), REG).reasons


@pytest.mark.parametrize("u, grade", [(0.0, 3), (0.0099, 3), (0.0101, 2), (0.0599, 2), (0.0601, 1), (0.3099, 1), (0.3101, 0)])
def test_rules_toxicity_grade_from_uniform(u, grade):
    """P(grade 1..4) = 0.25, 0.05, 0.01, 0: grade 3 takes u in [0, 0.01), 2 [0.01, 0.06), 1 [0.06, 0.31), else 0."""
    assert toxicity_grade(u, [0.25, 0.05, 0.01, 0.0]) == grade
