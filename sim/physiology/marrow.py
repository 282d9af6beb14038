"""Friberg 2002 myelosuppression model over patients (proliferating, 3 transit, circulating), classic RK4, time in days.

States are normalised to each patient's baseline (1.0 at steady state); the circulating count is circ0 * y[4].
dProl = ktr*Prol*((1 - E)*(S/Circ)^gamma - 1); dT1..dT3, dCirc = ktr*(previous - this); ktr = 4 / MTT; the setpoint S
is 1 (Friberg 2002) or a depleted marrow reserve.
"""
from __future__ import annotations

import numpy as np


_FLOOR = 1e-100    # states are amounts relative to baseline: kept positive (a guard, far below any real nadir)


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
        self.at_rest = True       # every state still exactly at baseline: with no effect, a step changes nothing

    def _growth(self, circ: np.ndarray, ome: np.ndarray, setpoint: np.ndarray | None) -> np.ndarray:
        """(1 - E)*(setpoint/Circ)^gamma - 1 (setpoint 1 when None): the proliferation's net growth factor."""
        if setpoint is None:
            growth = np.power(np.maximum(circ, _FLOOR), self._neg_gamma)
        else:
            growth = np.power(setpoint / np.maximum(circ, _FLOOR), self.gamma)
        growth *= ome
        growth -= 1.0
        return growth

    def _deriv(self, y: np.ndarray, ome: np.ndarray, ktr: np.ndarray, out: np.ndarray, setpoint: np.ndarray | None,
               growth: np.ndarray | None = None) -> np.ndarray:
        """dy/dt into `out`; `growth` at y is computed here unless given."""
        if growth is None:
            growth = self._growth(y[4], ome, setpoint)
        np.multiply(y[0], growth, out=out[0])
        np.subtract(y[:4], y[1:], out=out[1:])
        out *= ktr
        return out

    def _rk4(self, y: np.ndarray, ome: np.ndarray, ktr: np.ndarray, h: float, setpoint: np.ndarray | None,
             growth: np.ndarray | None = None) -> None:
        """One classic RK4 step of length h, in place (`growth` at y, if known)."""
        k1, k2, k3, k4 = (np.empty_like(y) for _ in range(4))
        tmp = np.empty_like(y)
        self._deriv(y, ome, ktr, k1, setpoint, growth)
        np.multiply(k1, 0.5 * h, out=tmp)
        tmp += y
        self._deriv(tmp, ome, ktr, k2, setpoint)
        np.multiply(k2, 0.5 * h, out=tmp)
        tmp += y
        self._deriv(tmp, ome, ktr, k3, setpoint)
        np.multiply(k3, h, out=tmp)
        tmp += y
        self._deriv(tmp, ome, ktr, k4, setpoint)
        k2 += k3
        k1 += k4
        k2 *= 2.0
        k1 += k2
        k1 *= h / 6.0
        y += k1

    def step(self, effect: np.ndarray | float, setpoint: np.ndarray | None = None) -> None:
        """Advance by dt with drug effect E on proliferation (fraction of inhibition) constant over the step; with a
        setpoint (per patient, relative to baseline: a depleted marrow reserve) counts return to setpoint x baseline,
        the feedback being (setpoint/Circ)^gamma.

        A patient's step is split into m equal RK4 sub-steps where it is fast, m = rate * dt rounded up to a power of two: the proliferation rate
        ktr*|(1-E)*fb - 1| times dt beyond 1 (a strong effect or a rebound), or the transit rate ktr*dt beyond 2 (RK4 is
        stable to 2.78 on the real axis; the 1-day step's error there is the effect's, not RK4's); elsewhere one step.
        """
        if self.at_rest and effect.__class__ is float and effect == 0.0 and setpoint is None:
            return                # at steady state the derivatives are exactly 0: the step would leave y as it is
        self.at_rest = False
        n = self.y.shape[1]
        if effect.__class__ is not np.ndarray or effect.shape != (n,):
            effect = np.broadcast_to(np.asarray(effect, float), (n,))
        ome = 1.0 - effect
        growth = self._growth(self.y[4], ome, setpoint)
        stiff = np.maximum(np.abs(growth), 0.5)
        stiff *= self.ktr
        stiff *= self.dt
        idx = (stiff > 1.0).nonzero()[0]
        start = self.y[:, idx]
        with np.errstate(over="ignore", invalid="ignore"):     # the fast patients' one-step values are replaced below
            self._rk4(self.y, ome, self.ktr, self.dt, setpoint, growth)
        if not idx.size:
            return
        # each patient's own sub-step count (none depends on the others), rounded up to a power of two so that the
        # patients fall into few groups (one vectorised RK4 pass per group and sub-step) from the step's start
        subs = np.exp2(np.ceil(np.log2(stiff[idx]))).astype(int)
        for m in np.unique(subs).tolist():
            pick = subs == m
            sel = idx[pick]
            y = start[:, pick]
            point = None if setpoint is None else setpoint[sel]
            for _ in range(m):
                self._rk4(y, ome[sel], self.ktr[sel], self.dt / m, point)
            np.maximum(y, _FLOOR, out=y)
            self.y[:, sel] = y

    def count(self) -> np.ndarray:
        """Circulating count (10^9/L) now."""
        return self.circ0 * self.y[4]

    def count_of(self, i: int) -> float:
        """Circulating count (10^9/L) of patient i now."""
        return float(self.circ0[i] * self.y[4, i])


class Lymphocytes:
    """Lymphocyte count per patient: dL/dt = kout*(L0*(1 + r) - L) - kill*C*L, stepped exactly for C and r constant over the step.

    r is a drug's fractional rise of the level the count returns to (0 without one)."""

    def __init__(self, alc0: np.ndarray, recovery_half_life_days: float, dt: float):
        self.alc0 = np.asarray(alc0, float)
        self.kout = np.log(2.0) / recovery_half_life_days
        self.dt = dt
        self.x = self.alc0.copy()
        self._rest = np.exp(-self.kout * dt)
        self.at_rest = True       # x still exactly alc0: with no kill and no rise, a step changes nothing

    def step(self, kill_per_day: np.ndarray | float, rise: np.ndarray | None = None) -> None:
        """Advance by dt with kill rate (per day) and fractional rise of the level constant over the step."""
        if self.at_rest and rise is None and kill_per_day.__class__ is float and kill_per_day == 0.0:
            return                # x = alc0 = the steady state: the exact step returns it unchanged
        self.at_rest = False
        k = self.kout + np.asarray(kill_per_day, float)
        ss = self.kout * (self.alc0 if rise is None else self.alc0 * (1.0 + rise)) / k
        self.x = ss + (self.x - ss) * np.exp(-k * self.dt)

    def count(self) -> np.ndarray:
        return self.x
