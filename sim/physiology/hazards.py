"""Hazard-threshold events: each patient accumulates hazard against an Exp(1) threshold; crossings are timed by interpolation."""
from __future__ import annotations

import numpy as np


class HazardClock:
    """Cumulative hazard per patient since its last event, and the Exp(1) threshold of its next event."""

    def __init__(self, threshold: np.ndarray):
        self.threshold = np.asarray(threshold, float).copy()
        self.cum = np.zeros_like(self.threshold)

    def advance(self, rate_per_day: np.ndarray, t0: float, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Add rate*dt; return (patient indices, event times) of thresholds crossed in (t0, t0+dt], linearly interpolated."""
        inc = rate_per_day * dt
        new = self.cum + inc
        hit = (new >= self.threshold) & (inc > 0)     # a paused patient (rate 0: dead, refractory) fires when it resumes
        idx = hit.nonzero()[0]
        if not idx.size:
            self.cum = new
            return _EMPTY_I, _EMPTY_F
        frac = (self.threshold[idx] - self.cum[idx]) / inc[idx]
        self.cum = new
        return idx, t0 + clip01(frac) * dt

    def advance_among(self, idx: np.ndarray, rate_per_day: np.ndarray, t0: float,
                      dt: float) -> tuple[np.ndarray, np.ndarray]:
        """`advance` for patients idx only (distinct; rate_per_day over idx): everyone else's hazard is held."""
        inc = rate_per_day * dt
        cum = self.cum[idx]
        new = cum + inc
        self.cum[idx] = new
        hit = (new >= self.threshold[idx]) & (inc > 0)
        j = hit.nonzero()[0]
        if not j.size:
            return _EMPTY_I, _EMPTY_F
        frac = (self.threshold[idx[j]] - cum[j]) / inc[j]
        return idx[j], t0 + clip01(frac) * dt

    def restart_many(self, idx: np.ndarray, thresholds: np.ndarray) -> None:
        """`restart` of distinct patients idx with new thresholds (nothing accrued after their events)."""
        self.threshold[idx] = thresholds
        self.cum[idx] = 0.0

    def restart(self, i: int, threshold: float, remaining: float = 0.0) -> None:
        """After patient i's event: a new threshold, and the hazard accrued after the event within the step."""
        self.threshold[i] = threshold
        self.cum[i] = remaining


class BelowBands:
    """Hazard multiplier from bands "multiplier while x < below", the last band in list order that holds winning
    (1 where none holds), as the bands' np.where chain gives it, by one table lookup per call."""

    def __init__(self, below: list[float], multiplier: list[float]):
        self.edges = np.array(sorted(set(below)), dtype=float)
        table = []
        for upper in [*self.edges.tolist(), None]:    # x in [previous edge, upper): the bands with below >= upper hold
            m = 1.0
            for b, f in zip(below, multiplier):
                if upper is not None and b >= upper:
                    m = float(f)
            table.append(m)
        self.table = np.array(table)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.table[self.edges.searchsorted(x, side="right")]     # NaN sorts last: no band holds


def clip01(x: np.ndarray) -> np.ndarray:
    """x clipped to [0, 1] (np.clip's values, without its Python-level dispatch)."""
    return np.minimum(np.maximum(x, 0.0), 1.0)


_EMPTY_I = np.zeros(0, dtype=np.intp)
_EMPTY_F = np.zeros(0)
