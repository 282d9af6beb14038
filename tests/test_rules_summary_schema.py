"""summary.json keys are documented: every key a run writes appears in docs/summary.md (stable, named with units)."""
from pathlib import Path

import sim
from sim.bundled import bundled

DOC = (Path(__file__).resolve().parents[1] / "docs" / "summary.md").read_text(encoding="utf-8")


def test_rules_every_summary_key_is_documented():
    scn = sim.load_scenario(bundled()["compare-regimens"], overrides=["run.patients=12", "run.follow_up_days=200"])
    s = sim.run(scn).summary
    arm = next(iter(s["arms"].values()))
    keys = set(s) | set(arm) | set(arm["on_treatment"]) | set(arm["disability"]) | set(arm["safety"]) \
        | set(arm["treatment"]) | set(arm["time_to_first_relapse"]) | set(s["comparison"]) | set(arm["arr_change"])
    missing = sorted(k for k in keys if f"`{k}`" not in DOC and f"`.{k}`" not in DOC)
    assert not missing, f"undocumented summary keys: {missing}"
    assert s["schema_version"] == 1
