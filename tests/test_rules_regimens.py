"""Pure rules of the belimumab (seed 004), baricitinib (Olumiant SmPC) and sequence (seed 002) regimens, tested at their edges."""
import pytest
from pydantic import ValidationError

from sim.regimen_config import Belimumab, LabThreshold, RenalBand, Sequence, Transition
from sim.regimens.baricitinib import lab_failures, renal_dose
from sim.regimens.belimumab import dose_days
from sim.regimens.sequence import PhaseFacts, next_transition

# ------------------------------------------------------------------ belimumab (seed 004, NCT05154734)
TRIAL_DAYS = [0, 14, 28, 56, 84, 112, 140, 168, 196, 224, 252, 280, 308, 336]


def test_rules_belimumab_trial_schedule_is_14_doses_to_week_48():
    """Seed 004: 10 mg/kg on days 0, 14, 28, then every 28 days until week 48 (day 336 given) = 14 doses."""
    days = dose_days([0, 14, 28], 28, 336)
    assert days == TRIAL_DAYS
    assert len(days) == 14


def test_rules_belimumab_config_defaults_give_the_trial_schedule():
    """Seed 004: the Belimumab config defaults (initial 0/14/28, ii 28, until 336) reproduce the trial schedule."""
    reg = Belimumab(drug="belimumab")
    assert dose_days(reg.initial_days, reg.ii_days, reg.until_days) == TRIAL_DAYS


def test_rules_belimumab_until_one_day_before_a_dose_day_drops_it():
    """Seed 004 edge: until_days 335 (one day before day 336) ends the schedule at day 308 (13 doses)."""
    days = dose_days([0, 14, 28], 28, 335)
    assert days == TRIAL_DAYS[:-1]
    assert days[-1] == 308


def test_rules_belimumab_until_below_an_initial_day_truncates_the_initial_doses():
    """Seed 004 edge: until_days below an initial day keeps only the initial days on or before it, and no q28 doses."""
    assert dose_days([0, 14, 28], 28, 20) == [0, 14]
    assert dose_days([0, 14, 28], 28, 14) == [0, 14]
    assert dose_days([0, 14, 28], 28, 13.9) == [0]
    assert dose_days([0, 14, 28], 28, 28) == [0, 14, 28]


# ------------------------------------------------------------------ baricitinib (Olumiant SmPC, clinical-parameters.md §8)
RENAL = [RenalBand(below_egfr_ml_per_min=60, amt_mg=2), RenalBand(below_egfr_ml_per_min=30, amt_mg=0)]


@pytest.mark.parametrize("egfr, dose", [(90.0, 4.0), (60.0, 4.0), (59.9, 2.0), (45.0, 2.0), (30.0, 2.0)])
def test_rules_baricitinib_renal_band_edges(egfr, dose):
    """Olumiant SmPC (clinical-parameters.md §8): CrCl >= 60 full 4 mg, 30 <= CrCl < 60 -> 2 mg."""
    amt, why = renal_dose(egfr, 4, RENAL)
    assert amt == dose
    assert "not started" not in why


@pytest.mark.parametrize("egfr", [29.9, 15.0, 0.5])
def test_rules_baricitinib_renal_below_30_is_not_started(egfr):
    """Olumiant SmPC (clinical-parameters.md §8): CrCl < 30 not recommended, so amt 0 = not started."""
    amt, why = renal_dose(egfr, 4, RENAL)
    assert amt == 0
    assert "not started" in why


def test_rules_baricitinib_renal_band_order_does_not_matter():
    """Olumiant SmPC (clinical-parameters.md §8): the lowest applicable band wins whatever order the bands are listed in."""
    rev = list(reversed(RENAL))
    for egfr, dose in [(60.0, 4.0), (59.9, 2.0), (30.0, 2.0), (29.9, 0.0)]:
        assert renal_dose(egfr, 4, rev)[0] == dose


@pytest.mark.parametrize("egfr", [60.0, 59.9, 30.0])
def test_rules_baricitinib_renal_2mg_prescription_stays_2mg(egfr):
    """Olumiant SmPC (clinical-parameters.md §8): a 2 mg prescription is never raised by the 30-60 band (dose = min)."""
    amt, _ = renal_dose(egfr, 2, RENAL)
    assert amt == 2


def test_rules_baricitinib_renal_band_never_raises_a_lower_prescription():
    """Olumiant SmPC (clinical-parameters.md §8): the band caps the dose (min of prescription and band), it never raises it."""
    assert renal_dose(45.0, 1, RENAL)[0] == 1
    assert renal_dose(90.0, 1, RENAL)[0] == 1


def test_rules_baricitinib_renal_2mg_prescription_below_30_not_started():
    """Olumiant SmPC (clinical-parameters.md §8): < 30 not recommended applies to a 2 mg prescription too."""
    assert renal_dose(29.9, 2, RENAL)[0] == 0


LABS = [LabThreshold(analyte="alc_per_nl", below=0.5),
        LabThreshold(analyte="anc_per_nl", below=1.0),
        LabThreshold(analyte="hb_g_per_dl", below=8.0)]
OK = (6.0, 3.0, 1.5, 13.0)                         # WBC, ANC, ALC, Hb


def _panel(**kw):
    idx = {"wbc": 0, "anc": 1, "alc": 2, "hb": 3}
    labs = list(OK)
    for k, v in kw.items():
        labs[idx[k]] = v
    return tuple(labs)


def test_rules_baricitinib_labs_normal_panel_has_no_failure():
    """Olumiant SmPC (clinical-parameters.md §8): a normal panel allows dosing."""
    assert lab_failures(OK, LABS) == []


@pytest.mark.parametrize("analyte, at", [("alc", 0.5), ("anc", 1.0), ("hb", 8.0)])
def test_rules_baricitinib_labs_exactly_at_threshold_is_no_failure(analyte, at):
    """Olumiant SmPC (clinical-parameters.md §8): interrupt only below ALC 0.5 / ANC 1.0 / Hb 8; at the threshold dosing goes on (or resumes)."""
    assert lab_failures(_panel(**{analyte: at}), LABS) == []


@pytest.mark.parametrize("analyte, below, name", [("alc", 0.49, "ALC"), ("anc", 0.99, "ANC"), ("hb", 7.9, "HB")])
def test_rules_baricitinib_labs_just_below_threshold_fails_naming_the_analyte(analyte, below, name):
    """Olumiant SmPC (clinical-parameters.md §8): ALC < 0.5, ANC < 1.0 or Hb < 8 g/dL interrupts, naming the analyte."""
    out = lab_failures(_panel(**{analyte: below}), LABS)
    assert len(out) == 1
    assert out[0].startswith(name + " ")
    assert f"{below:g}" in out[0]


def test_rules_baricitinib_labs_several_failures_at_once():
    """Olumiant SmPC (clinical-parameters.md §8): every analyte below its threshold is reported, in threshold order."""
    out = lab_failures(_panel(alc=0.3, anc=0.8, hb=7.0), LABS)
    assert [s.split(" ")[0] for s in out] == ["ALC", "ANC", "HB"]
    out = lab_failures(_panel(anc=0.99, hb=7.9), LABS)
    assert [s.split(" ")[0] for s in out] == ["ANC", "HB"]


def test_rules_baricitinib_labs_low_wbc_alone_is_not_a_failure_without_a_wbc_threshold():
    """Olumiant SmPC (clinical-parameters.md §8): the SmPC rule has no WBC threshold, so a low WBC alone does not interrupt."""
    assert lab_failures(_panel(wbc=1.0), LABS) == []


# ------------------------------------------------------------------ sequences (seed 002, Correale 2005)
def _facts(now=100.0, completed=False, doses=0, relapses=(), edss_start=None, edss_visit=None):
    return PhaseFacts(now, completed, doses, tuple(relapses), edss_start, edss_visit)


def test_rules_sequence_on_complete_fires_only_when_completed():
    """Seed 002: after 3 monthly mitoxantrone courses the phase completes and the patient returns to IFN-beta."""
    t = Transition(to="ifn", on_complete=True)
    assert next_transition([t], _facts(completed=False)) is None
    hit = next_transition([t], _facts(completed=True))
    assert hit is not None and hit[0] is t


def test_rules_sequence_on_complete_names_a_cap_reached():
    """A mitoxantrone phase that reached its cumulative cap ended as planned: on_complete follows, and says why."""
    t = Transition(to="aza", on_complete=True)
    facts = PhaseFacts(700.0, True, 10, (), None, None, None, "cumulative cap reached")
    hit = next_transition([t], facts)
    assert hit is not None and hit[1] == "phase ended as planned: cumulative cap reached"


@pytest.mark.parametrize("since, now, fires", [(None, 180.0, False), (90.0, 179.0, False), (90.0, 180.0, True),
                                               (90.0, 270.0, True)])
def test_rules_sequence_confirmed_worsening_needs_the_run_to_last(since, now, fires):
    """Correale's switch: an EDSS worsening (+1.0 from 3.0) fires only when it has held since a visit at least
    confirm_days (90) before this one; the first worsened visit itself (since None: it starts the run) does not."""
    t = Transition(to="rescue", on_edss_worsening=True, confirm_days=90)
    facts = PhaseFacts(now, False, 0, (), 3.0, 4.0, now if since is None else since)
    assert (next_transition([t], facts) is not None) == fires
    better = PhaseFacts(now, False, 0, (), 3.0, 3.5, since)           # not worse at this visit: never fires
    assert next_transition([t], better) is None


def test_rules_sequence_confirm_days_goes_with_edss_worsening():
    with pytest.raises(ValueError, match="confirm_days goes with on_edss_worsening"):
        Transition(to="x", on_relapse=True, confirm_days=90)


@pytest.mark.parametrize("doses, fires", [(0, False), (2, False), (3, True), (4, True)])
def test_rules_sequence_after_doses_fires_at_n_not_n_minus_1(doses, fires):
    """Seed 002: the switch after 3 courses fires at 3 doses given, not at 2."""
    t = Transition(to="ifn", after_doses=3)
    hit = next_transition([t], _facts(doses=doses))
    assert (hit is not None) == fires
    if fires:
        assert hit[0] is t


def test_rules_sequence_on_relapse_fires_on_any_relapse_in_phase():
    """Seed 002: a relapse on IFN-beta can move the patient to rescue mitoxantrone."""
    t = Transition(to="mx", on_relapse=True)
    assert next_transition([t], _facts(relapses=())) is None
    hit = next_transition([t], _facts(relapses=(42.0,)))
    assert hit is not None and hit[0] is t and "42.0" in hit[1]


def test_rules_sequence_relapses_within_window_edges():
    """Seed 002: N relapses within window_days count only if d > now - window (a relapse exactly window_days ago is outside)."""
    t = Transition(to="mx", relapses=2, window_days=30)
    now = 100.0
    assert next_transition([t], _facts(now=now, relapses=(70.0, 90.0))) is None          # 70 == now - window: outside
    assert next_transition([t], _facts(now=now, relapses=(70.5, 90.0))) is not None      # just inside
    assert next_transition([t], _facts(now=now, relapses=(90.0,))) is None               # only one
    hit = next_transition([t], _facts(now=now, relapses=(10.0, 75.0, 99.0)))             # old one ignored, two recent
    assert hit is not None and hit[0] is t and hit[1].startswith("2 relapses")


@pytest.mark.parametrize("start, visit, fires", [
    (5.5, 6.5, True), (5.5, 6.0, False), (6.0, 6.5, True), (6.0, 6.0, False),
    (3.0, 4.0, True), (3.0, 3.5, False), (5.0, 6.0, True),
])
def test_rules_sequence_edss_worsening_thresholds(start, visit, fires):
    """Seed 002: EDSS worsening vs phase start needs +1.0 from <= 5.5 and +0.5 above 5.5."""
    t = Transition(to="mx", on_edss_worsening=True)
    hit = next_transition([t], _facts(edss_start=start, edss_visit=visit))
    assert (hit is not None) == fires


def test_rules_sequence_edss_worsening_needs_a_visit():
    """Seed 002: EDSS worsening is judged only at an EDSS visit (edss_visit None never fires)."""
    t = Transition(to="mx", on_edss_worsening=True)
    assert next_transition([t], _facts(edss_start=2.0, edss_visit=None)) is None


def test_rules_sequence_first_listed_transition_wins():
    """Seed 002: when two transitions hold, the first in listed order fires."""
    a = Transition(to="ifn", on_complete=True)
    b = Transition(to="mx", on_relapse=True)
    f = _facts(completed=True, relapses=(50.0,))
    assert next_transition([a, b], f)[0] is a
    assert next_transition([b, a], f)[0] is b


def test_rules_sequence_transition_skipped_when_false_lets_a_later_one_fire():
    """Seed 002: a listed transition that does not hold does not block a later one that does."""
    a = Transition(to="ifn", after_doses=3)
    b = Transition(to="mx", on_relapse=True)
    assert next_transition([a, b], _facts(doses=1, relapses=(50.0,)))[0] is b


# ------------------------------------------------------------------ config validation (seed 002)
@pytest.mark.parametrize("kw", [
    {},
    {"on_complete": True, "on_relapse": True},
    {"after_doses": 3, "on_edss_worsening": True},
    {"on_relapse": True, "relapses": 2, "window_days": 30},
])
def test_rules_transition_needs_exactly_one_trigger(kw):
    """Seed 002: a transition with no trigger or with two triggers is a config error."""
    with pytest.raises(ValidationError, match="exactly one trigger"):
        Transition(to="x", **kw)


def test_rules_transition_relapses_and_window_go_together():
    """Seed 002: a relapse-count trigger needs its window_days (and a window needs a count)."""
    with pytest.raises(ValidationError):
        Transition(to="x", relapses=2)
    with pytest.raises(ValidationError):
        Transition(to="x", on_relapse=True, window_days=30)
    Transition(to="x", relapses=2, window_days=30)       # valid: both given


def _seq(to):
    return {"drug": "sequence", "phases": [
        {"name": "ifn", "regimen": {"drug": "interferon_beta"}, "transitions": [{"to": to, "on_relapse": True}]},
        {"name": "mx", "regimen": {"drug": "none"}},
    ]}


def test_rules_sequence_transition_to_unknown_phase_is_rejected():
    """Seed 002: a transition naming a phase that does not exist is a config error mentioning 'unknown phase'."""
    Sequence.model_validate(_seq("mx"))                  # the same sequence with a known target is valid
    with pytest.raises(ValidationError, match="unknown phase"):
        Sequence.model_validate(_seq("nowhere"))
