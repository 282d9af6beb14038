"""Schedules and transitions as they happen in whole simulated runs (seeds 002, 003, 004), read back from the tables."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

import sim

from .conftest import MITONMO
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1] / "scenarios"


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def baricitinib():
    return sim.run(load_scenario(ROOT / "baricitinib-nct05792462.toml", ["run.patients=150"])).tables()


def test_rules_belimumab_infusions_in_a_run_fall_exactly_on_the_trial_days():
    """Seed 004: 10 mg/kg on days 0, 14, 28, then every 28 days until week 48: 14 infusions per patient."""
    t = sim.run(load_scenario(ROOT / "belimumab-nct05154734.toml", ["run.patients=5"])).tables()
    expected = [0, 14, 28, 56, 84, 112, 140, 168, 196, 224, 252, 280, 308, 336]
    pats = rows(t["patients.csv"])
    for p in pats:
        days = [float(e["day"]) for e in rows(t["events.csv"]) if e["patient"] == p["patient"] and e["type"] == "infusion"]
        assert days == expected
        mg = 10 * float(p["weight_kg"])
        dose_texts = {e["details"] for e in rows(t["events.csv"]) if e["patient"] == p["patient"] and e["type"] == "infusion"}
        assert all(f"= {mg:.0f} mg" in d for d in dose_texts)


def test_rules_baricitinib_never_doses_on_or_after_week_48(baricitinib):
    """Seed 003: once daily until week 48 (day 336): the last daily dose of anyone is on day 335 or before."""
    last = [float(p["last_daily_dose_day"]) for p in rows(baricitinib["patients.csv"]) if p["last_daily_dose_day"] != "nan"]
    assert last and max(last) <= 335
    assert max(last) == 335          # someone is dosed to the end (adherence >= 0.85): the edge is reached


def test_rules_baricitinib_stops_on_the_day_of_the_first_attack(baricitinib):
    """Seed 003: until the disease relapses: no dose after the first attack; the stop is logged at the attack."""
    pats = [p for p in rows(baricitinib["patients.csv"]) if p["discontinuation"] == "relapse"]
    assert len(pats) >= 10
    stops = {(e["arm"], e["patient"]): float(e["day"]) for e in rows(baricitinib["events.csv"]) if e["type"] == "stop"}
    for p in pats:
        first = float(p["first_relapse_day"])
        assert float(p["last_daily_dose_day"]) <= first
        assert stops[(p["arm"], p["patient"])] == pytest.approx(first, abs=1e-3)
        assert float(p["stop_day"]) == pytest.approx(first, abs=1e-3)
    # follow-up goes on to week 52 after the stop (intention to treat)
    assert all(float(p["follow_up_years"]) == pytest.approx(364 / 365.25) for p in pats)


def test_rules_baricitinib_interruption_and_resumption_follow_the_monitoring_labs():
    """SmPC (ref §8): interrupt below ANC 1.0 / ALC 0.5 / Hb 8, resume at the first re-check at or above; no doses while off."""
    t = sim.run(load_scenario(ROOT / "baricitinib-nct05792462.toml",
                              ["run.patients=60", "cohort.alc_per_nl.median=0.6", "cohort.alc_per_nl.cv=0.4"])).tables()
    ev = rows(t["events.csv"])
    labs = {(e["arm"], e["patient"], e["day"]): e["details"] for e in ev if e["type"] == "blood_draw"}
    stopped = {(e["arm"], e["patient"]) for e in ev if e["type"] == "stop" and "relapse" in e["details"]}
    n_int = 0
    for e in ev:
        if e["type"] == "dose_decision" and "interrupted" in e["details"]:
            n_int += 1
            alc = float(labs[(e["arm"], e["patient"], e["day"])].split("ALC ")[1].split(",")[0])
            anc = float(labs[(e["arm"], e["patient"], e["day"])].split("ANC ")[1].split(",")[0])
            hb = float(labs[(e["arm"], e["patient"], e["day"])].split("Hb ")[1].split(" ")[0])
            assert alc < 0.5 or anc < 1.0 or hb < 8.0
        if e["type"] == "dose_decision" and "resumed" in e["details"]:
            d = labs[(e["arm"], e["patient"], e["day"])]
            assert float(d.split("ALC ")[1].split(",")[0]) >= 0.5 and float(d.split("ANC ")[1].split(",")[0]) >= 1.0
    assert n_int >= 5
    # a patient interrupted from day 0 who never resumes and never relapses takes no dose at all
    pats = {(p["arm"], p["patient"]): p for p in rows(t["patients.csv"])}
    for key, p in pats.items():
        kinds = [(e["day"], e["details"]) for e in ev if (e["arm"], e["patient"]) == key and e["type"] == "dose_decision"]
        if kinds and kinds[0][0] == "0.000" and "interrupted" in kinds[0][1] and len(kinds) == 1 and key not in stopped:
            assert p["doses_given"] == "0"     # the day-0 draw comes before the day-0 dose


def test_rules_sequence_transitions_fire_once_and_in_order():
    """Seed 002: induction (monthly x3) -> interferon beta -> rescue (3-monthly) on worsening; each step at most once, in order."""
    t = sim.run(load_scenario(ROOT / "correale2005.toml", ["run.patients=200"])).tables()
    ev = rows(t["events.csv"])
    paths = {}
    for e in ev:
        if e["type"] == "transition":
            paths.setdefault(e["patient"], []).append((float(e["day"]), e["details"].split(":")[0]))
    allowed = ["induction -> interferon", "interferon -> rescue"]
    switched = 0
    for pid, steps in paths.items():
        names = [s for _, s in steps]
        assert names == allowed[: len(names)]
        days = [d for d, _ in steps]
        assert days == sorted(days)
        assert days[0] == pytest.approx(90.0)            # 3 monthly courses: the induction schedule ends on day 90
        switched += len(names) == 2
    assert 0 < switched < len(paths)
    # every rescue patient's mitoxantrone courses after the switch keep the 90-day schedule (a course waits 14 days
    # for a confirmatory echo after a low LVEF reading, the schedule does not move)
    for pid, steps in paths.items():
        if len(steps) == 2:
            start = steps[1][0]
            days = [float(e["day"]) for e in ev if e["patient"] == pid and e["type"] == "infusion" and float(e["day"]) >= start]
            offsets = [(d - start) % 90.0 for d in days]
            assert all(min(o, 90.0 - o) < 1e-6 or abs(o - 14.0) < 1e-6 for o in offsets), (pid, start, days)
    pats = rows(t["patients.csv"])
    assert {p["phases"] for p in pats} <= {"induction", "induction>interferon", "induction>interferon>rescue"}


def test_rules_sequence_after_doses_counts_daily_doses_of_an_oral_phase():
    """after_doses in a daily-dosing phase (interferon beta, taken every day here) fires once the Nth daily dose is
    taken: 30 doses from day 90 (days 90-119) switch every patient in that phase at the stepper tick that ends day 119."""
    t = sim.run(load_scenario(ROOT / "correale2005.toml", [
        "run.patients=30", "run.follow_up_days=400",
        'arms.0.regimen.phases.1.transitions=[{ to = "rescue", after_doses = 30 }]'])).tables()
    ev = rows(t["events.csv"])
    entered = {e["patient"] for e in ev if e["type"] == "transition" and e["details"].startswith("induction -> interferon")}
    switched = {e["patient"]: (float(e["day"]), e["details"]) for e in ev
                if e["type"] == "transition" and e["details"].startswith("interferon -> rescue")}
    assert entered and set(switched) == entered
    for day, details in switched.values():
        assert details == "interferon -> rescue: 30 doses given"
        assert day == pytest.approx(120.0)


def test_rules_baricitinib_lymphocytes_rise_then_return_to_baseline():
    """ref §8 (Kay 2020, RA pool): ALC +0.30 x10^9/L, then back to baseline by week 12-24. In a 4 mg run the mean
    observed ALC rises from day 0 to day 28 and is back near baseline at day 168 and 252 (labs of patients still on
    the drug; SE of a difference of means over ~150 patients ~0.05 with the 8% lab CV and between-patient spread)."""
    t = sim.run(load_scenario(ROOT / "baricitinib-nct05792462.toml", [
        "run.patients=300", "arms.0.regimen.stop_on_relapse=false", "arms.1.regimen.stop_on_relapse=false"])).tables()
    labs = [r for r in rows(t["labs.csv"]) if r["arm"] == "baricitinib-4mg" and r["context"] == "baricitinib monitoring"]
    by_day = {}
    for r in labs:
        by_day.setdefault(float(r["day"]), {})[r["patient"]] = float(r["alc_per_nl"])
    base = by_day[0.0]

    def change(day):
        both = [p for p in by_day[day] if p in base]
        return np.mean([by_day[day][p] - base[p] for p in both])
    assert change(28.0) >= 0.15
    assert abs(change(168.0)) <= 0.12 and abs(change(252.0)) <= 0.12
    assert change(28.0) > change(168.0) + 0.1


def test_rules_lymphocyte_rise_shape_of_a_typical_patient():
    """The typical 4 mg patient (ALC 1.8) of baricitinib-nct05792462.toml: peak +0.25 to +0.35 between days 28 and 60,
    under +0.05 by week 24 (ref §8: +0.30, then baseline by week 12-24)."""
    from sim.physiology.marrow import Lymphocytes
    from sim.regimens.baricitinib import LymphocyteRiseModel
    reg = load_scenario(ROOT / "baricitinib-nct05792462.toml").arms[1].regimen
    assert reg.amt_mg == 4
    rise = LymphocyteRiseModel(reg.lymphocyte_rise, 1, 1.0)
    alc = Lymphocytes(np.array([1.8]), 14.0, 1.0)
    out = []
    for _ in range(336):
        rise.dose(np.array([0]), np.array([4.0]))
        alc.step(0.0, rise.step())
        out.append(alc.x[0] - 1.8)
    out = np.array(out)
    assert 0.25 <= out.max() <= 0.35 and 28 <= out.argmax() + 1 <= 60
    assert abs(out[167]) < 0.05


def test_rules_mitoxantrone_rechecks_in_a_run_follow_the_course_schedule():
    """A WBC below 2.0 with max_rechecks = 2: the same course is re-drawn recheck_days later, at most twice, and the
    next course is still due on its own day (start + k * ii_days); the run is the same for chunks of 1 and of 40."""
    sets = ["run.patients=40", "run.follow_up_days=400", "arms.0.regimen.max_rechecks=2", "arms.0.regimen.recheck_days=7",
            "arms.0.regimen.ii_days=12", "arms.0.regimen.marrow_effect.anc_slope_l_per_mg=300",   # next course near the nadir
            "arms.0.regimen.echo.check_before_each_course=false"]                              # no confirmatory echoes
    t = sim.run(load_scenario(ROOT / "mitonmo.toml", sets + ["run.chunk_size=40"])).tables()
    assert t == sim.run(load_scenario(ROOT / "mitonmo.toml", sets + ["run.chunk_size=1"])).tables()
    events = rows(t["events.csv"])
    rechecked = 0
    for pid in {e["patient"] for e in events}:
        mine = [e for e in events if e["patient"] == pid]
        draws = [(float(e["day"]), e["details"].split("(pre-infusion, course ")[1].rstrip(")"))
                 for e in mine if e["type"] == "blood_draw" and "(pre-infusion" in e["details"]]
        decisions = [e["details"] for e in mine if e["type"] == "dose_decision"]
        assert len(draws) == len(decisions)
        by_course: dict[int, list[float]] = {}
        for (day, course), decision in zip(draws, decisions):
            assert decision.startswith(f"course {course}:")
            by_course.setdefault(int(course), []).append(day)
        for course, days in by_course.items():
            due = (course - 1) * 12.0
            assert days[0] == due or (days[0] > due and course - 1 in by_course)   # late only behind an earlier course
            assert len(days) <= 3                                                # the check and at most 2 re-checks
            assert np.allclose(np.diff(days), 7.0)
            rechecked += len(days) - 1
        for (day, course), decision in zip(draws, decisions):
            if ": recheck;" in decision and day + 7 < 400:
                assert (day + 7, course) in draws
    assert rechecked >= 5                                                        # the rule did fire


def test_rules_pre_infusion_draws_carry_the_stepper_time_off_the_grid():
    """With a step that does not divide the course days (0.7 d), a pre-infusion draw is dated at the stepper time
    whose state it reads (as every other draw), while the dose decision keeps the course day; chunk 1 == chunk 30."""
    sets = ["run.patients=30", "run.follow_up_days=400", "run.step_days=0.7",
            "arms.0.regimen.echo.check_before_each_course=false"]       # no confirmatory echoes 14 days after a course
    t = sim.run(load_scenario(ROOT / "mitonmo.toml", sets + ["run.chunk_size=30"])).tables()
    assert t == sim.run(load_scenario(ROOT / "mitonmo.toml", sets + ["run.chunk_size=1"])).tables()
    pre = [float(r["day"]) for r in rows(t["labs.csv"]) if r["context"].startswith("pre-infusion")]
    assert pre and all(abs(d / 0.7 - round(d / 0.7)) < 0.002 for d in pre)          # on the 0.7-day grid
    assert any(d % 90 for d in pre)                                                  # course days 90, 180 are not on it
    decided = {float(e["day"]) for e in rows(t["events.csv"]) if e["type"] == "dose_decision"}
    assert decided <= {0.0, 90.0, 180.0, 270.0, 360.0}


def test_rules_cap_reached_in_a_split_course_stops_after_its_last_infusion():
    """With a 24 mg/m2 cap and 12 mg/m2 courses over five days, the second course reaches the cap: its stop row is
    dated on the course's last infusion day and comes after all five infusions (it was dated on the first day)."""
    scn = sim.load_scenario(MITONMO, ["run.patients=40", "arms.0.regimen.cap_mg_per_m2=24"])
    res = sim.run(scn)
    checked = 0
    by_patient: dict = {}
    for arm, p, day, kind, details in res.events:
        by_patient.setdefault(p, []).append((day, kind, details))
    for p, events in by_patient.items():
        stops = [(d, s) for d, k, s in events if k == "stop" and "cap" in s]
        if not stops:
            continue
        day = stops[0][0]
        infusions = [d for d, k, _ in events if k == "infusion"]
        assert day == max(infusions), (p, day, infusions)
        kinds = [k for _, k, _ in events]
        assert "infusion" not in kinds[kinds.index("stop"):]
        assert len(infusions) % 5 == 0 and len(infusions) >= 10     # whole five-day courses
        assert day - min(d for d in infusions if d > day - 5) == 4.0  # the stop is on the course's fifth day
        checked += 1
    assert checked >= 20


def test_rules_mitonmo_bands_and_infection_rule_fire_and_checks_are_tallied():
    """In the bundled MITONMO scenario (600 patients) the 9 and 6 mg/m2 bands and the infection rule change doses
    (they once almost never did: 99.4% full dose, 0 infection cuts); the tallied checks add up by band and by course
    and agree with the WBC written in each dose decision."""
    scn = sim.load_scenario(MITONMO, ["run.patients=600"])
    res = sim.run(scn)
    saf = res.summary["arms"]["mitoxantrone"]["safety"]
    checks = saf["pre_infusion_checks"]
    red = saf["dose_reductions_by_reason"]
    assert red.get("WBC [3, 4)", 0) > 100 and red.get("WBC [2, 3)", 0) > 0
    assert red.get("infection with low WBC", 0) > 10
    assert abs(sum(v["share"] for v in checks["by_band"].values()) - 1.0) < 1e-12
    assert sum(sum(c.values()) for c in checks["by_course"].values()) == checks["checks"]
    decisions = [d for _, _, _, k, d in res.events if k == "dose_decision"]
    assert len(decisions) == checks["checks"]
    in_band = sum(1 for d in decisions if "in [3, 4)" in d)
    assert in_band <= checks["by_band"]["WBC [3, 4)"]["checks"]
    assert checks["by_band"]["WBC [4, inf)"]["share"] < 0.95
