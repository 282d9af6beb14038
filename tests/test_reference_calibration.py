"""Calibration against published figures: kim2011.toml replicate cohorts vs Kim et al. 2011 (seed 001)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from calibrate_kim2011 import replicate_readouts  # noqa: E402

REPLICATES = 40                     # ~14 s
REDUCTION_BAND = (66.0, 90.0)       # published 75; calibrated model mean 80.8 (see the docstring)
RELAPSE_FREE_BAND = (0.42, 0.55)    # published 0.50; calibrated model mean 0.471
PUBLISHED_REDUCTION, PUBLISHED_RELAPSE_FREE = 75.0, 0.50   # Kim 2011 abstract (seed 001)
NEAR_REDUCTION, NEAR_RELAPSE_FREE = 10.0, 0.08             # half of one 20-patient cohort's sd (18.5 points, 0.10)


def test_reference_kim2011_replicates_land_near_the_published_figures():
    """Kim 2011 (Arch Neurol 68:473, seed 001): during treatment the median ARR fell by 75% and 50% were relapse free.

    The test runs 40 replicate 20-patient cohorts (replicates 0-39) and checks the mean over them. How the bands were set:
    - The model's own means, from 160 replicates (python benchmarks/calibrate_kim2011.py --replicates 40 --first 0,
      40, 80, 120): reduction of the median ARR 80.8% (sd over cohorts 18.5), relapse-free share 0.471 (sd 0.100).
      The sd of the reduction is large because a 20-patient median with about half the values at zero jumps between
      0 and a relapser's rate. The model cannot hit both figures at once (kim2011.toml header): these are the residual
      misses, +5.8 points and -0.029.
    - With R = 40 replicates the mean has SE = sd / sqrt(40): 2.9 points and 0.016.
    - Band = from 3 SE below the lower of (published, model mean) to 3 SE above the higher: reduction
      [75 - 8.8, 80.8 + 8.8] -> 66-90; relapse-free [0.471 - 0.047, 0.50 + 0.047] -> 0.42-0.55. A change that only
      reshuffles random numbers stays inside (about 1 in 700 per side); a model that drifts by more than ~3 SE fails.
      Limit: 40 replicates cannot tell this model from the earlier log-normal continuum (87.8% reduction, 0.47 relapse
      free over the same 40): the calibration itself rests on the 160-replicate means above.
    The untreated arm on the same cohort must show a smaller, positive reduction: regression to the mean (model mean
    29%, SE over 40 replicates 2.4).

    Near the published figures, read both ways: the seed's "median annualized relapse rate was reduced by 75%" (the
    cohort's median ARR before vs during treatment) and the issue's "median per-patient ARR reduction" (the median of
    each patient's own reduction) must each be within 10 points of 75%, and the relapse-free share within 0.08 of
    0.50. The published figures come from one 20-patient cohort, whose own sd is ~18.5 points and 0.10 in this model:
    a model mean within half a cohort's sd is as near as one cohort can tell.
    """
    out = replicate_readouts(REPLICATES, [])
    rf, red = np.mean(out["relapse_free"]), np.mean(out["median_reduction"])
    per_patient = np.mean(out["per_patient_reduction"])
    assert RELAPSE_FREE_BAND[0] <= rf <= RELAPSE_FREE_BAND[1], rf
    assert REDUCTION_BAND[0] <= red <= REDUCTION_BAND[1], red
    assert abs(red - PUBLISHED_REDUCTION) <= NEAR_REDUCTION, red
    assert abs(per_patient - PUBLISHED_REDUCTION) <= NEAR_REDUCTION, per_patient
    assert abs(rf - PUBLISHED_RELAPSE_FREE) <= NEAR_RELAPSE_FREE, rf
    rtm = np.mean(out["untreated_reduction"])
    assert 10 <= rtm < red - 20, rtm
