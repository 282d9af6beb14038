"""The Python API as a modeller uses it in a notebook: load a bundled scenario by name, change a parameter in code,
run, get DataFrames with the documented columns, draw a Kaplan-Meier curve with matplotlib's own backend left as
the user set it, and a short repr."""
from __future__ import annotations

import subprocess
import sys

NOTEBOOK = r'''
import matplotlib
matplotlib.use("svg")                       # the user's backend (a notebook's would be inline)
import matplotlib.pyplot as plt
import sim
from sim.tasks import PATIENT_COLUMNS

scn = sim.load_scenario("mitonmo")
scn = sim.replace(scn, {"arms.mitoxantrone.regimen.amt_mg_per_m2": 6, "run.patients": 40})
assert scn.arms[0].regimen.amt_mg_per_m2 == 6 and scn.run.patients == 40
res = sim.run(scn)

patients = res.frame("patients")
assert list(patients.columns) == list(PATIENT_COLUMNS) and len(patients) == 40
assert patients["cumulative_dose_mg_per_m2"].max() <= 6 * 8 + 1e-9        # 8 courses of at most 6 mg/m2
events, labs, km = res.frame("events"), res.frame("labs"), res.frame("survival")
assert {"infusion", "dose_decision", "blood_draw"} <= set(events["type"])
assert labs["wbc_per_nl"].gt(0).all()

fig, ax = plt.subplots()
for arm, curve in km.groupby("arm"):
    ax.step(curve["day"], curve["relapse_free_probability"], where="post", label=arm)
ax.legend()
fig.savefig(OUT)
assert matplotlib.get_backend() == "svg"
text = repr(res)
assert len(text.encode()) < 2048 and "mitoxantrone" in text and "pooled ARR" in text, text
assert len(res._repr_html_().encode()) < 2048
print("ok")
'''


def test_cli_notebook_load_change_run_frames_km_and_short_repr(tmp_path):
    code = f"OUT = {str(tmp_path / 'km.svg')!r}\n" + NOTEBOOK
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert r.stdout.strip() == "ok", r.stderr[-3000:]
    assert (tmp_path / "km.svg").stat().st_size > 2000


def test_rules_replace_validates_and_names_what_is_wrong():
    import pytest

    import sim

    scn = sim.load_scenario("mitonmo")
    with pytest.raises(sim.ScenarioError, match="amt_mg_per_m2"):
        sim.replace(scn, {"arms.mitoxantrone.regimen.amt_mg_per_m2": -1})
    assert sim.replace(scn, {}) == scn
