"""`nmosim explain`: the patient's narrative lists every one of its events.csv rows, and the timeline is an image."""
from __future__ import annotations

import sim
from sim.bundled import bundled
from sim.explain import narrative, simulate_patient

from .test_cli_errors import cli


def test_rules_explained_course_is_the_patients_course_in_a_full_run():
    """Patient 4 simulated alone has exactly its events.csv rows from a whole 9-patient run; each is in the narrative."""
    for name, arm in (("mitonmo", None), ("compare-regimens", "baricitinib")):
        scn = sim.load_scenario(bundled()[name], overrides=["run.patients=9", "run.follow_up_days=300"])
        res = sim.run(scn)
        arm = arm or scn.arms[0].name
        rows = [(f"{d:.3f}", k, s) for a, p, d, k, s in res.events if a == arm and p == 4]
        course = simulate_patient(scn, 4, arm)
        assert [(f"{d:.3f}", k, s) for d, k, s in course.events] == rows
        text = "\n".join(narrative(course))
        for day, kind, details in rows:
            assert details in text and kind in text
        assert len(rows) > 5


def test_cli_explain_writes_narrative_and_timeline(tmp_path):
    r = cli("explain", "mitonmo", "--patient", "2", "--out", tmp_path, "--set", "run.patients=5",
            "--set", "run.follow_up_days=200")
    assert r.returncode == 0, r.stderr
    assert "Covariates:" in r.stdout and "dose_decision" in r.stdout and "band [" in r.stdout
    (folder,) = tmp_path.iterdir()
    assert (folder / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (folder / "timeline.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    assert (folder / "narrative.txt").read_text() in r.stdout


def test_cli_explain_bad_patient_or_arm_is_one_line_exit_2(tmp_path):
    for extra in (["--patient", "99"], ["--patient", "0", "--arm", "nosuch"]):
        r = cli("explain", "mitonmo", *extra, "--out", tmp_path, "--set", "run.patients=5")
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not any(tmp_path.iterdir())
