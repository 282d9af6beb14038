"""Runs that keep only readouts (replicates, target checks, sweeps) skip the event and lab rows and the decisions'
reasons text; everything they keep must be exactly what a full run gives."""
import pytest

import sim
from sim.chunking import run_arm
from sim.cohort import build_cohort

BUNDLED = ["mitonmo", "kim2011", "correale2005", "baricitinib-nct05792462", "belimumab-nct05154734"]


@pytest.mark.parametrize("name", BUNDLED)
def test_regression_runs_without_rows_keep_the_same_patients_tallies_and_attacks(name):
    scn = sim.load_scenario(name, overrides=["run.patients=150"])
    cohort = build_cohort(scn)
    for arm in scn.arms:
        full = run_arm(scn, arm, cohort, render=True)
        lean = run_arm(scn, arm, cohort, render=False)
        assert full.events and full.labs                       # the full run has rows ...
        assert not lean.events and not lean.labs               # ... the lean one none
        assert repr(lean.patients) == repr(full.patients)      # repr: NaN equals NaN, every float exact
        assert sorted(lean.tallies) == sorted(full.tallies)
        assert lean.attacks == full.attacks
