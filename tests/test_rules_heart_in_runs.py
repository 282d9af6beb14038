"""The heart and leukaemia rules as the engine runs them: an LVEF stop needs a confirmatory echo, heart failure and
leukaemia end treatment at the next decision, a fatal leukaemia kills death_after_days after onset, nothing follows a
death, and the safety table counts what the events show."""
from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

import sim

from .conftest import MITONMO

R = "arms.0.regimen."


def _by_patient(res):
    out = defaultdict(list)
    for _, p, day, kind, details in res.events:
        out[p].append((day, kind, details))
    return out


def test_rules_an_lvef_stop_needs_two_low_echoes_14_days_apart():
    """Patients starting near 50%: every LVEF stop follows a low reading and a low confirmatory one 14 days later; a
    low reading whose confirmation is not low lets the course go on."""
    scn = sim.load_scenario(MITONMO, ["run.patients=300", "cohort.lvef_percent.mean=53", "cohort.lvef_percent.sd=2",
                                      "cohort.exclusion=[]"])
    res = sim.run(scn)
    stops = confirms = 0
    for p, events in _by_patient(res).items():
        readings = [(d, float(re.match(r"LVEF ([\d.]+)%", s).group(1)), s) for d, k, s in events if k == "lvef"]
        for day, kind, details in events:
            if kind == "stop" and details.startswith("LVEF"):
                stops += 1
                conf = [r for r in readings if abs(r[0] - day) < 1e-9 and "confirmatory" in r[2]]
                first = [r for r in readings if abs(r[0] - (day - 14)) < 1e-9 and "confirmatory" not in r[2]]
                assert conf and conf[0][1] < 50 and first and first[0][1] < 50, (p, day, readings)
            if kind == "dose_decision" and ": confirm;" in details:
                confirms += 1
    assert stops > 10 and confirms > stops                   # some low readings were not confirmed
    assert res.summary["arms"]["mitoxantrone"]["safety"]["lvef_confirmed_low_patients"] == stops


def test_rules_leukaemia_ends_treatment_and_a_fatal_one_kills_after_its_delay():
    scn = sim.load_scenario(MITONMO, ["run.patients=300", R + "tral.risk_per_mg_per_m2=0.01",
                                      R + "tral.latency_median_days=60", R + "tral.fatal_fraction=0.5",
                                      R + "tral.death_after_days=100"])
    res = sim.run(scn)
    cases = deaths = 0
    for p, events in _by_patient(res).items():
        tral = [d for d, k, s in events if k == "adverse_event" and s.startswith("therapy-related")]
        if not tral:
            continue
        cases += 1
        assert len(tral) == 1
        onset = tral[0]
        fatal = next(s for d, k, s in events if k == "adverse_event" and s.startswith("therapy-related")).find("fatal") > 0
        decisions = [d for d, k, _ in events if k == "dose_decision" and d > onset]
        if decisions:        # the next decision stops treatment, and no infusion follows it
            stop = next(d for d, k, s in events if k == "stop")
            assert stop == decisions[0]
            assert not [d for d, k, _ in events if k == "infusion" and d > stop]
        died = [(d, s) for d, k, s in events if k == "death"]
        if fatal and onset + 100 < scn.run.follow_up_days and not (died and died[0][0] < onset + 100 - 1e-9):
            deaths += 1
            assert died and abs(died[0][0] - (onset + 100)) < 1e-6 and "leukaemia" in died[0][1], (p, onset, died)
        if not fatal:
            assert not died or "leukaemia" not in died[0][1]
    saf = res.summary["arms"]["mitoxantrone"]["safety"]
    assert cases > 30 and deaths > 5
    assert saf["tral_patients"] == cases and saf["tral_deaths"] == deaths


def test_rules_heart_failure_ends_treatment():
    scn = sim.load_scenario(MITONMO, ["run.patients=300", R + "heart_failure.knee_percent=70",
                                      R + "heart_failure.hazard_at_knee_per_day=0.002"])
    res = sim.run(scn)
    cases = 0
    for p, events in _by_patient(res).items():
        hf = [d for d, k, s in events if k == "adverse_event" and s.startswith("heart failure")]
        if not hf:
            continue
        cases += 1
        assert len(hf) == 1
        after = [(d, s) for d, k, s in events if k == "dose_decision" and d > hf[0]]
        if after:            # the next decision stops treatment for heart failure, and no infusion follows it
            assert ": stop;" in after[0][1] and "heart failure" in after[0][1], (p, hf, after[0])
            assert not [d for d, k, _ in events if k == "infusion" and d > after[0][0]]
    assert cases > 30
    assert res.summary["arms"]["mitoxantrone"]["safety"]["heart_failure_patients"] == cases
    col = np.asarray(res.patients["heart_failure_day"], float)
    assert int(np.isfinite(col).sum()) == cases
