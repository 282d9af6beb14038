"""`nmosim explain`: the narrative has one line per events.csv row of the patient, in order, and the timeline is an image."""
from __future__ import annotations

import re

import matplotlib.image as mpimg
import pytest

import sim
from sim.bundled import bundled
from sim.explain import courses, narrative, severity, simulate_patient

from .test_cli_errors import cli

EVENT_LINE = re.compile(r"^  day +([0-9.]+) \(week +[0-9.]+\)  (\S+) +(.*)$")


def event_lines(text: str) -> list[tuple[str, str, str]]:
    """(day, type, text) of every dated event line of a narrative."""
    return [m.groups() for line in text.splitlines() if (m := EVENT_LINE.match(line))]


def assert_lists_every_event(text: str, rows: list[tuple[float, str, str]]) -> None:
    """The narrative's event lines are the rows, one for one and in order: a dropped, repeated or reordered row fails.
    Only pre-infusion draws may add their band, and relapses their severity, after the row's own details."""
    lines = event_lines(text)
    assert len(lines) == len(rows)
    for (day, kind, shown), (d, k, details) in zip(lines, rows):
        assert (day, kind) == (f"{d:.1f}", k)
        extra = shown[len(details):]
        assert shown.startswith(details), (shown, details)
        if k == "blood_draw" and "(pre-infusion" in details:
            assert extra.startswith("; band ["), shown
        elif k == "relapse":
            assert extra == "" or re.fullmatch(r"; (mild|severe) attack \(.*\)", extra), shown
        else:
            assert extra == "", shown


def test_rules_explained_course_is_the_patients_course_in_a_full_run():
    """Patient 4 simulated alone has exactly its events.csv rows from a whole 9-patient run; the narrative lists them."""
    for name, arm in (("mitonmo", None), ("compare-regimens", "baricitinib")):
        scn = sim.load_scenario(bundled()[name], overrides=["run.patients=9", "run.follow_up_days=300"])
        res = sim.run(scn)
        arm = arm or scn.arms[0].name
        rows = [(d, k, s) for a, p, d, k, s in res.events if a == arm and p == 4]
        course = simulate_patient(scn, 4, arm)
        assert [(f"{d:.3f}", k, s) for d, k, s in course.events] == [(f"{d:.3f}", k, s) for d, k, s in rows]
        assert_lists_every_event("\n".join(narrative(course)), rows)
        assert len(rows) > 5


def test_rules_the_event_check_fails_when_a_repeated_line_is_dropped():
    """The check above is honest: a narrative missing one of five identical infusion lines fails it."""
    scn = sim.load_scenario(bundled()["mitonmo"], overrides=["run.patients=3", "run.follow_up_days=100"])
    course = simulate_patient(scn, 1)
    text = "\n".join(narrative(course))
    infusion = next(line for line in text.splitlines() if " infusion " in line)
    same = [d for d, k, s in course.events if k == "infusion" and infusion.endswith(s)]
    assert len(same) >= 5                                      # the five daily infusions of a course read alike
    dropped = text.replace(infusion + "\n", "", 1)
    with pytest.raises(AssertionError):
        assert_lists_every_event(dropped, course.events)
    assert_lists_every_event(text, course.events)


def test_rules_only_pre_infusion_draws_carry_a_band_and_each_course_has_a_nadir_line():
    scn = sim.load_scenario(bundled()["mitonmo"], overrides=["run.patients=3", "run.follow_up_days=400"])
    course = simulate_patient(scn, 0)
    text = "\n".join(narrative(course))
    draws = [t for _, k, t in event_lines(text) if k == "blood_draw"]
    assert any("(pre-infusion" in t for t in draws) and any("(pre-infusion" not in t for t in draws)
    assert all(("; band [" in t) == ("(pre-infusion" in t) for t in draws)
    given = [s for _, k, s in course.events if k == "dose_decision" and ": give " in s]
    nadirs = re.findall(r"^  course (\d+) \(day \d+, ([0-9.]+) mg/m2\): true WBC nadir ([0-9.]+)", text, re.M)
    assert len(nadirs) == len(given) == len(courses(course.events))
    for (_, total, nadir), decision in zip(nadirs, given):
        assert total == re.search(r"give ([0-9.]+) mg/m2", decision).group(1)
        assert float(nadir) < course.wbc[0]                 # the count falls after every course


def test_rules_courses_group_daily_infusions_and_severity_needs_separate_ranges():
    events = [(d, "infusion", "2.40 mg/m2 = 3.44 mg") for d in range(5)] + [(90.0, "blood_draw", "WBC 5.00")]
    events += [(90.0 + d, "infusion", "1.80 mg/m2 = 2.58 mg") for d in range(5)]
    events += [(120.0, "infusion", "belimumab 10 mg/kg = 600 mg (dose 1)")]
    got = [(c.day, c.last_day, round(c.total, 6), c.unit) for c in courses(events)]
    assert got == [(0, 4, 12.0, "mg/m2"), (90.0, 94.0, 9.0, "mg/m2"), (120.0, 120.0, 10.0, "mg/kg")]
    scn = sim.load_scenario(bundled()["mitonmo"])             # myelitis: mild 0.5-1.5, severe 2.0-4.0 EDSS steps
    assert severity(0.7, scn, "myelitis") == "mild" and severity(2.5, scn, "myelitis") == "severe"
    assert severity(1.0, scn, "optic_neuritis") == "mild"      # optic neuritis: mild 0-1, severe 2.0-3.5
    overlapping = sim.load_scenario(bundled()["mitonmo"],
                                    ['disease.edss.phenotypes.1.mild_step={kind="uniform", low=0.5, high=2.5}'])
    assert severity(0.7, overlapping, "myelitis") is None
    assert severity(0.7, overlapping, "optic_neuritis") == "mild"


def test_cli_explain_writes_narrative_and_timeline(tmp_path):
    r = cli("explain", "mitonmo", "--patient", "2", "--out", tmp_path, "--set", "run.patients=5",
            "--set", "run.follow_up_days=200")
    assert r.returncode == 0, r.stderr
    assert "Covariates:" in r.stdout and "dose_decision" in r.stdout and "band [" in r.stdout
    (folder,) = tmp_path.iterdir()
    png = folder / "timeline.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = mpimg.imread(png)
    assert img.ndim == 3 and img.shape[0] > 400 and img.shape[1] > 600
    assert img[..., :3].std() > 0.05                        # not a blank canvas
    svg = (folder / "timeline.svg").read_text()
    assert svg.lstrip().startswith(("<?xml", "<svg"))
    assert "course dose" in svg and "pre-infusion WBC" in svg and "up to 9 mg/m2" in svg
    assert (folder / "narrative.txt").read_text() in r.stdout


def test_cli_explain_bad_patient_or_arm_is_one_line_exit_2(tmp_path):
    for extra in (["--patient", "99"], ["--patient", "0", "--arm", "nosuch"]):
        r = cli("explain", "mitonmo", *extra, "--out", tmp_path, "--set", "run.patients=5")
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not any(tmp_path.iterdir())
