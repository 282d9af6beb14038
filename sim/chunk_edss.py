"""EDSS of a chunk's patients over time, from their pre-study attacks (the cohort's history) and on-study attacks."""
from __future__ import annotations

import numpy as np

from .cohort import Cohort
from .disease import edss_at, edss_on_days
from .scenario import YEAR_DAYS


class ChunkEdss:
    """Continuous EDSS of each patient of a chunk; `attacks` is the chunk's live list of on-study (day, acute, residual)."""

    def __init__(self, cohort: Cohort, attacks: list[list[tuple[float, float, float]]], edss_params):
        self.cohort, self.attacks, self.params = cohort, attacks, edss_params
        self.chronic = cohort.cov["edss_chronic"].tolist()
        self.drift_per_day = edss_params.drift_per_year / YEAR_DAYS
        self._hist: dict[int, list[tuple[float, float, float]]] = {}     # pre-study attacks, built on first use

    def of(self, i: int, days) -> list[float]:
        """Continuous EDSS of patient i on each of `days`."""
        hist = self._hist.get(i)
        if hist is None:
            c = self.cohort
            ok = ~np.isnan(c.hist_days[i])
            hist = self._hist[i] = list(zip(c.hist_days[i][ok].tolist(), c.hist_acute[i][ok].tolist(),
                                            c.hist_residual[i][ok].tolist()))
        both = hist + self.attacks[i]
        at, acute, resid = zip(*both) if both else ((), (), ())
        chronic, rec, drift = self.chronic[i], self.params.recovery_days, self.drift_per_day
        top = self.params.ceiling
        return [edss_at(day, chronic, at, acute, resid, rec, drift, top) for day in days]

    def on_days(self, days: list[float]) -> np.ndarray:
        """(n, len(days)) continuous EDSS of every patient on `days`."""
        c = self.cohort
        k = max((len(a) for a in self.attacks), default=0)
        on = np.full((3, c.n, k), np.nan)
        for i, a in enumerate(self.attacks):
            if a:
                on[:, i, :len(a)] = np.array(a).T
        return edss_on_days(days, np.asarray(self.chronic), np.hstack([c.hist_days, on[0]]),
                            np.hstack([c.hist_acute, on[1]]), np.hstack([c.hist_residual, on[2]]),
                            self.params.recovery_days, self.drift_per_day, self.params.ceiling)
