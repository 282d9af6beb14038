"""B cells as a fraction of baseline (1.0): turnover dB/dt = kout*((1 - I) - B), production inhibited by I = imax*C/(ic50 + C)."""
from __future__ import annotations

import math

import numpy as np


class BCells:
    """B-cell fraction per patient, stepped exactly for the inhibition held constant over each step (time in days)."""

    def __init__(self, n: int, imax: float, ic50_mg_per_l: float, turnover_half_life_days: float, dt: float):
        self.b = np.ones(n)
        self.imax, self.ic50 = imax, ic50_mg_per_l
        self._decay = math.exp(-math.log(2.0) / turnover_half_life_days * dt)

    def inhibition(self, conc_mg_per_l: np.ndarray) -> np.ndarray:
        """Fraction of B-cell production inhibited at concentration C (mg/L)."""
        return self.imax * conc_mg_per_l / (self.ic50 + conc_mg_per_l)

    def step(self, conc_mg_per_l: np.ndarray) -> np.ndarray:
        """Advance by dt with concentration C (the step mean); return the fraction of baseline now."""
        ss = 1.0 - self.inhibition(conc_mg_per_l)
        self.b = ss + (self.b - ss) * self._decay
        return self.b
