"""Death is absorbing and EDSS is reported on the Kurtzke scale, in large runs of every bundled scenario; confirmed
worsening and improvement against hand-computed trajectories."""
from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np
import pytest

import sim
from sim.bundled import bundled
from sim.edss_scale import confirmed_change_day, report_edss

KURTZKE = {0.0} | {x / 2 for x in range(2, 21)}          # 0, 1.0, 1.5, ..., 9.5, 10
EDSS_IN_TEXT = re.compile(r"EDSS (\d+(?:\.\d+)?)\b(?! acute| residual)")


@pytest.fixture(scope="module", params=sorted(bundled()))
def large_run(request):
    scn = sim.load_scenario(bundled()[request.param], ["run.patients=2000"])
    return request.param, scn, sim.run(scn)


def test_rules_death_is_absorbing_in_a_2000_patient_run(large_run):
    """After a patient's death nothing happens: no relapse, visit, draw, dose, infection or second death; the death is
    logged with its cause, nobody enters the study dead (EDSS 10 at baseline) and a dead patient ends at EDSS 10."""
    name, scn, res = large_run
    by_patient: dict[tuple, list] = defaultdict(list)
    for arm, p, day, kind, details in res.events:
        by_patient[(arm, p)].append((day, kind, details))
    deaths = 0
    for key, events in by_patient.items():
        died = [(d, s) for d, k, s in events if k == "death"]
        assert len(died) <= 1, (name, key, died)
        if not died:
            continue
        deaths += 1
        day, cause = died[0]
        assert cause.startswith("death: ") and len(cause) > len("death: ")
        after = [(d, k, s) for d, k, s in events if d > day + 1e-9]
        same_day_after = [(d, k, s) for d, k, s in events[events.index((day, "death", cause)) + 1:]
                          if k not in ("edss", "stop")]
        assert not after or all(k == "edss" and s.startswith("EDSS 10.0 (death)") for _, k, s in after), (name, key, after)
        assert not same_day_after, (name, key, same_day_after)
    p = res.patients
    edss_start = np.asarray(p["edss_start"], float)
    assert np.all(edss_start < 10.0), name                          # nobody enters the study dead
    death_day = np.asarray(p["death_day"], float)
    dead = np.isfinite(death_day)
    assert int(dead.sum()) == deaths
    if scn.disease.death is not None and scn.disease.death.rate_per_year > 0:
        assert deaths > 0, name                                     # the check saw deaths to check
    assert np.all(np.asarray(p["edss_end"], float)[dead] == 10.0)
    assert np.all(np.asarray(p["edss_end"], float)[~dead] <= 9.5)   # the ceiling below 10 for the living
    # follow-up of the dead ends at death
    assert np.allclose(np.asarray(p["follow_up_years"], float)[dead] * 365.25, death_day[dead], atol=1e-6)


def test_rules_reported_edss_is_on_kurtzke_steps(large_run):
    """Every EDSS a table or an event reports is 0, 1.0, 1.5, ..., 9.5 or 10 (the scale has no 0.5)."""
    name, _, res = large_run
    for col in ("edss_start", "edss_end"):
        values = set(np.asarray(res.patients[col], float).tolist())
        assert values <= KURTZKE, (name, col, sorted(values - KURTZKE))
    seen = set()
    for _, _, _, kind, details in res.events:
        if kind in ("edss", "relapse"):
            for x in EDSS_IN_TEXT.findall(details.split(";")[-1] if kind == "relapse" else details):
                seen.add(float(x))
    assert seen and seen <= KURTZKE, (name, sorted(seen - KURTZKE))


@pytest.mark.parametrize("value, reported", [(0.0, 0.0), (0.49, 0.0), (0.5, 1.0), (1.0, 1.0), (1.24, 1.0),
                                             (1.25, 1.5), (5.74, 5.5), (5.75, 6.0), (9.5, 9.5), (9.9, 10.0)])
def test_rules_report_edss_rounds_to_kurtzke_steps_at_the_edges(value, reported):
    assert report_edss(value) == reported


# A hand-computed trajectory: baseline 3.0 (a worsening needs +1.0), visits every 90 days.
VISITS = [(90, 3.5), (180, 4.0), (270, 3.5), (360, 4.0), (450, 4.5), (540, 4.0), (630, 5.0)]


@pytest.mark.parametrize("confirm_days, expected", [
    (0, 180),        # first single-visit worsening (4.0 >= 3.0 + 1.0)
    (90, 360),       # 180 is not confirmed (270 falls back to 3.5); 360 holds at 450 (90 d later)
    (180, 360),      # 360 holds at 450 and 540 (180 d later)
    (270, 360),      # and at 630 (270 d later)
    (360, math.nan), # no assessment 360 d after 360 or later onsets: censored
])
def test_rules_confirmed_worsening_against_a_hand_trajectory(confirm_days, expected):
    got = confirmed_change_day(3.0, VISITS, confirm_days, "worse")
    assert (math.isnan(got) and math.isnan(expected)) or got == expected


def test_rules_confirmed_worsening_above_5_5_needs_half_a_point_and_death_confirms_at_once():
    visits = [(90, 6.5), (180, 6.0), (270, 6.5), (300, 10.0)]
    assert confirmed_change_day(6.0, visits, 0, "worse") == 90
    assert confirmed_change_day(6.0, visits, 90, "worse") == 270       # 90 falls back; 270 is confirmed by the death
    assert confirmed_change_day(6.0, [(90, 10.0)], 180, "worse") == 90
    assert math.isnan(confirmed_change_day(6.0, [(90, 6.0), (180, 6.0)], 90, "worse"))


def test_rules_confirmed_improvement_against_a_hand_trajectory():
    """Baseline 5.0: an improvement needs -1.0 (to 4.0 or less), sustained the same way."""
    visits = [(90, 4.0), (180, 4.5), (270, 3.5), (360, 4.0), (450, 4.0)]
    assert confirmed_change_day(5.0, visits, 0, "better") == 90
    assert confirmed_change_day(5.0, visits, 90, "better") == 270
    assert confirmed_change_day(5.0, visits, 180, "better") == 270
    assert math.isnan(confirmed_change_day(5.0, visits, 270, "better"))


def test_rules_records_stay_inside_follow_up_and_attacks_are_more_than_the_gap_apart(large_run):
    """No record after the end of follow-up (correale2005 once logged toxicity after it), and each attack comes more
    than attack_gap_days after the previous one (the seeds: "> 30 days"; 67 attacks once came at exactly 30.000)."""
    name, scn, res = large_run
    end, gap = float(scn.run.follow_up_days), scn.disease.attack_gap_days
    assert max(day for _, _, day, _, _ in res.events) <= end + 1e-9, name
    last: dict[tuple, float] = {}
    n = 0
    for arm, p, day, kind, _ in res.events:
        if kind != "relapse":
            continue
        if (arm, p) in last:
            assert day - last[(arm, p)] > gap, (name, arm, p, last[(arm, p)], day)
            n += 1
        last[(arm, p)] = day
    assert n > 50, name                                   # the check saw repeat attacks to check


def test_rules_no_infusion_after_a_stop(large_run):
    """Once a stop is logged, no infusion follows (a cap reached in a five-day course once logged its stop on the
    first day, then four infusions)."""
    name, scn, res = large_run
    stopped: dict[tuple, float] = {}
    for arm, p, day, kind, details in res.events:      # per patient in day order, same-day events as logged
        if kind == "stop":
            stopped[(arm, p)] = day
        elif kind == "infusion":
            assert (arm, p) not in stopped, (name, arm, p, stopped.get((arm, p)), day, details)
        elif kind == "phase" and (arm, p) in stopped:
            del stopped[(arm, p)]
