"""Screening as keys: which candidates are enrolled (and the screening log), then any slice of them as a Cohort.

A patient's covariates depend only on its candidate key, so a chunk of the cohort is rebuilt from its keys anywhere
(another process, a Dask worker) and is the same as in `build_cohort`; only the keys travel.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .cohort import BATCH_MAX, Cohort, CohortError, draw_candidates, screen
from .scenario import Scenario


@dataclass(frozen=True)
class Screening:
    """The enrolled candidates' keys in order, how many candidates were screened, and failures per criterion."""

    keys: np.ndarray
    screened: int
    failed: dict[str, int]


def screen_keys(scn: Scenario) -> Screening:
    """Screen candidates 0, 1, 2, ... in order until run.patients are eligible (the log stops at the last enrolled)."""
    need = scn.run.patients
    limit = need * scn.cohort.max_screened_per_enrolled
    kept: list[np.ndarray] = []
    fails: dict[str, int] = {}
    start, got = 0, 0
    while got < need and start < limit:
        rate = max(got / start, 1.0 / scn.cohort.max_screened_per_enrolled) if start else 0.25
        batch = int(min(max(64, math.ceil(1.2 * (need - got) / rate)), BATCH_MAX, limit - start))
        cand = draw_candidates(scn, np.arange(start, start + batch))
        ok, fail = screen(scn, cand)
        rows = np.flatnonzero(ok)[: need - got]
        end = int(rows[-1]) + 1 if got + len(rows) == need else batch
        for name, mask in fail.items():
            fails[name] = fails.get(name, 0) + int(mask[:end].sum())
        kept.append(cand.key[rows])
        got += len(rows)
        start += end
    if got < need:
        raise CohortError(f"cohort: only {got} of {need} patients eligible after screening {start} candidates "
                          f"(cohort.max_screened_per_enrolled = {scn.cohort.max_screened_per_enrolled}); "
                          "loosen the criteria or the covariate distributions")
    return Screening(np.concatenate(kept), start, fails)


def cohort_of(scn: Scenario, keys: np.ndarray, screening: Screening | None = None) -> Cohort:
    """The patients with candidate `keys` (drawn again from their own streams), as a Cohort."""
    c = draw_candidates(scn, np.asarray(keys))
    return Cohort(c.key, c.cov, c.hist_days, c.hist_acute, c.hist_residual,
                  screened=screening.screened if screening else 0, failed=dict(screening.failed) if screening else {})
