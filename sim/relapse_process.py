"""The untreated relapse process: a gamma frailty per patient times a rate modulated by active and quiescent spells.

Each patient alternates between a quiescent and an active spell (a two-state Markov chain with exponential spell
lengths, started from its stationary distribution); the rate in an active spell is `active_rate_ratio` times the
quiescent rate, and both are scaled so that the long-run mean rate is `untreated_arr` x the patient's frailty. An attack
starts a refractory time (`attack_gap_days`) in which no new attack counts. Without `activity` the rate is constant:
the stationary gamma-Poisson process.

A patient's spell path is drawn once from its covariates stream (uniforms for the initial state and each spell), from the
start of the simulated pre-study history to the end of follow-up, so the history (which entry rules read) and the
on-study course share one path: a cohort selected for recent attacks is selected in active spells, and the spells end.
"""
from __future__ import annotations

import numpy as np

from .scenario import YEAR_DAYS, Disease


def spell_rates(dis: Disease, frailty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(quiescent, active) relapse rates per day of each patient, whose long-run mean is untreated_arr x frailty."""
    mu = dis.untreated_arr * np.asarray(frailty, float) / YEAR_DAYS
    act = dis.activity
    if act is None:
        return mu, mu
    p_active = act.mean_active_days / (act.mean_active_days + act.mean_quiescent_days)
    quiet = mu / ((1.0 - p_active) + p_active * act.active_rate_ratio)
    return quiet, quiet * act.active_rate_ratio


def spell_path(dis: Disease, u_initial: np.ndarray, u_spells: np.ndarray, start_day: float) -> tuple[np.ndarray, np.ndarray]:
    """(active at start_day, switch days (n, S) ascending) from uniforms; without activity: never active, no switches.

    The first spell is drawn from the stationary distribution (its remaining length is exponential too); the path stays
    in its last state after S switches (S spells of the scenario's lengths outlast any follow-up by far)."""
    n, s = u_spells.shape
    act = dis.activity
    if act is None:
        return np.zeros(n, bool), np.full((n, s), np.inf)
    p_active = act.mean_active_days / (act.mean_active_days + act.mean_quiescent_days)
    active0 = np.asarray(u_initial) < p_active
    # spell j (0-based) is active when j is even and the path starts active, or odd and it starts quiescent
    j = np.arange(s)
    is_active = (j[None, :] % 2 == 0) == active0[:, None]
    mean = np.where(is_active, act.mean_active_days, act.mean_quiescent_days)
    lengths = -np.log1p(-np.asarray(u_spells)) * mean
    return active0, start_day + np.cumsum(lengths, axis=1)


def active_at(active0: np.ndarray, switches: np.ndarray, day: float) -> np.ndarray:
    """Whether each patient is in an active spell on `day` (switches on or before it have happened)."""
    flips = np.sum(switches <= day, axis=1)
    return active0 ^ (flips % 2 == 1)


def attack_days(rates: tuple[np.ndarray, np.ndarray], active0: np.ndarray, switches: np.ndarray, start_day: float,
                gap_days: float, exp_draws: np.ndarray, end_day: float = 0.0) -> np.ndarray:
    """Attack days (n, K) from start_day, NaN from end_day on: the k-th attack comes where the hazard accrued since the
    (k-1)-th attack's refractory time ended reaches the k-th Exp(1) draw.

    The hazard is piecewise linear in time (constant within a spell), so each attack is found by inverting it exactly."""
    quiet, active = (np.asarray(r, float) for r in rates)
    n, s = switches.shape
    bounds = np.hstack([np.full((n, 1), start_day), switches])                    # spell m spans bounds[m]..bounds[m+1]
    spell_active = (np.arange(s + 1)[None, :] % 2 == 0) == active0[:, None]
    rate = np.where(spell_active, active[:, None], quiet[:, None])                 # (n, S + 1)
    with np.errstate(invalid="ignore"):
        width = np.diff(np.hstack([bounds, np.full((n, 1), np.inf)]), axis=1)
        seg = np.where(np.isinf(width), np.inf, rate * width)
    cum = np.hstack([np.zeros((n, 1)), np.cumsum(seg, axis=1)[:, :-1]])           # hazard accrued at each spell start
    rows = np.arange(n)
    out = np.full(exp_draws.shape, np.nan)
    t = np.full(n, float(start_day))
    first = True
    for k in range(exp_draws.shape[1]):
        if not first:
            t = t + gap_days
        first = False
        h = _cumulative(t, bounds, cum, rate, rows) + exp_draws[:, k]
        m = np.maximum(np.sum(cum <= h[:, None], axis=1) - 1, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = bounds[rows, m] + (h - cum[rows, m]) / rate[rows, m]
        t = np.where(np.isfinite(t), t, np.inf)
        out[:, k] = np.where(t < end_day, t, np.nan)
        if not np.any(t < end_day):
            break
    return out


def _cumulative(t: np.ndarray, bounds: np.ndarray, cum: np.ndarray, rate: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Hazard accrued from the path's start to day t (per patient)."""
    m = np.maximum(np.sum(bounds <= t[:, None], axis=1) - 1, 0)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(t), np.inf, cum[rows, m] + rate[rows, m] * (t - bounds[rows, m]))


class SpellClock:
    """The on-study relapse rate of a chunk's patients: each patient's rate switches at its path's spell boundaries."""

    def __init__(self, rates: tuple[np.ndarray, np.ndarray], active0: np.ndarray, switches: np.ndarray):
        self.quiet, self.active_rate = rates
        self.switches = switches
        self.active = active_at(active0, switches, 0.0)
        self.next = np.sum(switches <= 0.0, axis=1)                   # index of each patient's next switch
        s = switches.shape[1]
        self.next_day = np.where(self.next < s, switches[np.arange(len(self.next)), np.minimum(self.next, s - 1)], np.inf)
        self.rate = np.where(self.active, self.active_rate, self.quiet)

    def mean_rate(self, t0: float, t1: float) -> np.ndarray:
        """Each patient's mean rate per day over (t0, t1]; the clock then stands at t1 (call once per step, in order)."""
        due = self.next_day <= t1
        if not np.count_nonzero(due):
            return self.rate
        out = self.rate.copy()
        dt = t1 - t0
        s = self.switches.shape[1]
        for i in np.flatnonzero(due).tolist():
            acc, t = 0.0, t0
            while self.next_day[i] <= t1:
                acc += self.rate[i] * (self.next_day[i] - t)
                t = self.next_day[i]
                self.active[i] = not self.active[i]
                self.rate[i] = self.active_rate[i] if self.active[i] else self.quiet[i]
                self.next[i] += 1
                self.next_day[i] = self.switches[i, self.next[i]] if self.next[i] < s else np.inf
            out[i] = (acc + self.rate[i] * (t1 - t)) / dt
        return out
