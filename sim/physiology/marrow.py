"""Friberg 2002 myelosuppression model over patients (proliferating, 3 transit, circulating), classic RK4, time in days.

States are normalised to each patient's baseline (1.0 at steady state); the circulating count is circ0 * y[4].
dProl = ktr*Prol*((1 - E)*(1/Circ)^gamma - 1); dT1..dT3, dCirc = ktr*(previous - this); ktr = 4 / MTT.
"""
from __future__ import annotations

import numpy as np


class Friberg:
    """Neutrophil (or WBC) marrow model for n patients; `step(effect)` advances by dt with drug effect E held constant."""

    def __init__(self, circ0: np.ndarray, mtt_days: np.ndarray, gamma: float, dt: float):
        self.circ0 = np.asarray(circ0, float)
        n = self.circ0.shape[0]
        self.ktr = np.broadcast_to(4.0 / np.asarray(mtt_days, float), (n,)).copy()
        self.gamma = float(gamma)
        self._neg_gamma = -self.gamma
        self.dt = dt
        self.y = np.ones((5, n))

    def _deriv(self, y: np.ndarray, one_minus_e: np.ndarray) -> np.ndarray:
        d = np.empty_like(y)
        fb = np.power(y[4], self._neg_gamma)
        fb *= one_minus_e
        fb -= 1.0
        np.multiply(y[0], fb, out=d[0])
        np.subtract(y[:4], y[1:], out=d[1:])
        d *= self.ktr
        return d

    def step(self, effect: np.ndarray | float) -> None:
        """Advance by dt with drug effect E on proliferation (fraction of inhibition) constant over the step."""
        h = self.dt
        ome = 1.0 - np.asarray(effect, float)
        y = self.y
        k1 = self._deriv(y, ome)
        k2 = self._deriv(y + (0.5 * h) * k1, ome)
        k3 = self._deriv(y + (0.5 * h) * k2, ome)
        k4 = self._deriv(y + h * k3, ome)
        k2 += k3
        k1 += k4
        k1 += 2.0 * k2
        k1 *= h / 6.0
        y += k1

    def count(self) -> np.ndarray:
        """Circulating count (10^9/L) now."""
        return self.circ0 * self.y[4]

    def count_of(self, i: int) -> float:
        """Circulating count (10^9/L) of patient i now."""
        return float(self.circ0[i] * self.y[4, i])


class Lymphocytes:
    """Lymphocyte count per patient: dL/dt = kout*(L0 - L) - kill*C*L, stepped exactly for C constant over the step."""

    def __init__(self, alc0: np.ndarray, recovery_half_life_days: float, dt: float):
        self.alc0 = np.asarray(alc0, float)
        self.kout = np.log(2.0) / recovery_half_life_days
        self.dt = dt
        self.x = self.alc0.copy()
        self._rest = np.exp(-self.kout * dt)

    def step(self, kill_per_day: np.ndarray | float) -> None:
        """Advance by dt with kill rate (per day) constant over the step."""
        k = self.kout + np.asarray(kill_per_day, float)
        ss = self.kout * self.alc0 / k
        self.x = ss + (self.x - ss) * np.exp(-k * self.dt)

    def count(self) -> np.ndarray:
        return self.x
