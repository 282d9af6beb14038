"""summary.json keys are documented: every key a run writes appears in docs/summary.md (stable, named with units)."""
from pathlib import Path

import sim
from sim.bundled import bundled
from sim.readouts import summarize_arm

DOC = (Path(__file__).resolve().parents[1] / "docs" / "summary.md").read_text(encoding="utf-8")


def _undocumented(keys) -> list[str]:
    return sorted(k for k in keys if f"`{k}`" not in DOC and f"`.{k}`" not in DOC)


def _arm_keys(arm: dict) -> set[str]:
    dis = arm["disability"]
    ttw = dis["time_to_confirmed_worsening_6m"]
    return (set(arm) | set(arm["on_treatment"]) | set(dis) | set(arm["safety"]) | set(arm["treatment"])
            | set(arm["time_to_first_relapse"]) | set(arm["arr_change"]) | set(arm["relapse_count_dispersion"])
            | set(dis["deaths"]) | set(dis["deaths"]["survival_probability_end"]) | set(ttw)
            | set(ttw["worsening_free_probability"]))


def test_rules_every_summary_key_is_documented():
    scn = sim.load_scenario(bundled()["compare-regimens"], overrides=["run.patients=12", "run.follow_up_days=200"])
    s = sim.run(scn).summary
    keys = set(s) | set(s["comparison"])
    for arm in s["arms"].values():
        keys |= _arm_keys(arm)
    rtm = s["comparison"]["regression_to_the_mean"]
    keys |= set(rtm) | set(next(iter(rtm["treated_arms"].values())))
    assert not _undocumented(keys), f"undocumented summary keys: {_undocumented(keys)}"
    assert s["schema_version"] == 1


def test_rules_phase_readout_keys_are_documented_and_count_the_phases_by_that_day():
    """correale2005 reads its phases at day 570: the keys are documented, and the paths by that day cover every
    patient, each a prefix of the patient's final path (a switch after the day is not counted)."""
    scn = sim.load_scenario(bundled()["correale2005"], overrides=["run.patients=60"])
    res = sim.run(scn)
    tr = res.summary["arms"]["rescue"]["treatment"]
    assert tr["phase_readout_day"] == 570.0
    assert not _undocumented({"phase_readout_day", "phase_paths_at_readout_day"})
    assert sum(tr["phase_paths_at_readout_day"].values()) == 60
    final = res.patients["phases"]
    starts = res.patients["phase_start_days"]
    want = {}
    for names, days in zip(final, starts):
        kept = [n for n, d in zip(names.split(">"), days.split(">")) if float(d) < 570]
        want[">".join(kept)] = want.get(">".join(kept), 0) + 1
    assert tr["phase_paths_at_readout_day"] == dict(sorted(want.items()))
    assert sum(v for k, v in tr["phase_paths"].items() if k.endswith("rescue")) >= \
        sum(v for k, v in tr["phase_paths_at_readout_day"].items() if k.endswith("rescue"))


def test_rules_disease_course_readout_keys_are_documented():
    """An arm with every disease-course column (deaths, confirmed EDSS events, the on-treatment population)."""
    from tests.test_rules_readouts_disability import _course

    keys = _arm_keys(summarize_arm(_course(), []))
    assert not _undocumented(keys), f"undocumented summary keys: {_undocumented(keys)}"


def test_rules_every_replicate_readout_is_documented():
    from sim.replicate_trials import READOUTS

    assert not _undocumented(READOUTS), f"undocumented replicate readouts: {_undocumented(READOUTS)}"
