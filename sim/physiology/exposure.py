"""Daily dosing by the stepper (on/off per patient, adherence per dose) and the delayed effect signal of a dose history."""
from __future__ import annotations

import math

import numpy as np

from .pk import LinearCompartments, chain_matrix


class DailyDosing:
    """Once-daily doses for n patients: `on`, amt per patient, and each patient's taken/missed days drawn when first started."""

    def __init__(self, n: int, days: int, adherence: np.ndarray):
        self.on = np.zeros(n, bool)
        self.amt = np.zeros(n)
        self.adherence = np.clip(np.asarray(adherence, float), 0.0, 1.0)
        self.taken = np.zeros((n, days + 1), bool)
        self.started = np.zeros(n, bool)
        self.count = np.zeros(n, int)
        self.last_day = np.full(n, np.nan)

    def start(self, i: int, amt: float, rng: np.random.Generator) -> None:
        """Patient i takes amt from now on; the first start draws which days are taken (one uniform per day)."""
        if not self.started[i]:
            self.taken[i] = rng.random(self.taken.shape[1]) < self.adherence[i]
            self.started[i] = True
        self.amt[i] = amt
        self.on[i] = True

    def due(self, day: int) -> np.ndarray:
        """Patients dosed on integer day `day` (on, and not a missed day); their counts are updated."""
        if day >= self.taken.shape[1]:
            return np.zeros(0, dtype=np.intp)
        idx = np.flatnonzero(self.on & self.taken[:, day])
        self.count[idx] += 1
        self.last_day[idx] = day
        return idx


class EffectSignal:
    """Delayed signal of a dose history: doses enter a transit compartment (mean onset_days) feeding one that fades with half-life.

    `step()` returns the step-mean signal as a dose rate (dose units per day): at steady state on a daily dose it equals that dose.
    """

    def __init__(self, n: int, onset_days: float, half_life_days: float, dt: float):
        kout = math.log(2.0) / half_life_days
        self.chain = LinearCompartments(chain_matrix([1.0 / onset_days, kout], n), np.array([0.0, kout]), dt)

    def dose(self, idx: np.ndarray, amount: np.ndarray | float) -> None:
        self.chain.dose(idx, 0, amount)

    def step(self) -> np.ndarray:
        return self.chain.step()
