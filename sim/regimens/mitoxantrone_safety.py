"""Mitoxantrone's heart and blood-cancer toxicity in a chunk: each patient's true LVEF path, echo readings, heart
failure (a hazard below LVEF 50%), therapy-related acute leukaemia (TRAL) after a latency, and persistent amenorrhoea.

The rules and their calibration are sim/heart.py's; this module owns the patients' state and random draws (the
"heart" stream: per echo one normal; per course two uniforms and a normal for the LVEF path, two uniforms for TRAL;
at the first course an Exp(1) heart-failure threshold; per TRAL one uniform for its outcome; per woman one uniform
for amenorrhoea) and reports events to the chunk.
"""
from __future__ import annotations

import math

import numpy as np

from ..heart import (LvefState, heart_failure_hazard_per_day, lvef_decision, observed_lvef,
                     persistent_amenorrhoea_probability, tral_is_fatal, tral_onset_after_course)
from ..physiology.hazards import HazardClock
from ..regimen_config import Mitoxantrone

TRAL_CAUSE = "therapy-related acute leukaemia"
HEART_FAILURE = "heart failure"
AMENORRHOEA_BEFORE_AGE = 45.0     # Le Page 2011: persistent amenorrhoea counted in women treated before 45


class SafetyWatch:
    """Heart and leukaemia state of a chunk's patients on mitoxantrone (one regimen's rules: the first mitoxantrone
    regimen of the arm)."""

    def __init__(self, sim, reg: Mitoxantrone):
        self.sim, self.reg = sim, reg
        cov, n = sim.cohort.cov, sim.n
        self.state = LvefState(cov["lvef_percent"], cov["eta_lvef_decline"], reg.lvef)
        self.hf_clock = HazardClock(np.full(n, np.inf))      # a patient's threshold is drawn at its first course
        self.armed = np.zeros(n, bool)
        self.any_armed = False
        self.lvef_min_observed = np.full(n, np.nan)
        self.lvef_confirmed_low_day = np.full(n, np.nan)
        self.heart_failure_day = np.full(n, np.nan)
        self.tral_day = np.full(n, np.nan)
        self.tral_fatal = np.zeros(n, bool)
        self.last_course_day = np.full(n, np.nan)

    def _rng(self, i: int):
        return self.sim.rng(i, "heart")

    # ------------------------------------------------------------ echo
    def echo(self, i: int, day: float, context: str) -> float:
        """An echo reading of patient i on `day` (rounded to 0.1%), logged and kept as the lowest seen."""
        true = float(self.state.true_lvef(day, np.array([i]))[0])
        reading = round(float(observed_lvef(true, self._rng(i).standard_normal(), self.reg.echo)), 1)
        if not reading >= self.lvef_min_observed[i]:
            self.lvef_min_observed[i] = reading
        self.sim.log(i, "lvef", ("LVEF {:.1f}% ({})", reading, context), day)
        return reading

    def _surveillance(self, i: int, day: float, low: float | None) -> None:
        """A surveillance echo (a confirmatory one when `low` holds the first low reading): a confirmed low LVEF is
        recorded; treatment, if still going, stops at its next decision."""
        if not self.sim.alive[i]:
            return
        self.sim.sync()
        reading = self.echo(i, day, "surveillance" if low is None else "confirmatory, surveillance")
        decision = lvef_decision(reading if low is None else low, None if low is None else reading, self.reg.echo)
        if decision.action == "confirm":
            again = day + self.reg.echo.confirm_after_days
            if again < self.sim.end:
                self.sim.at_day(again, lambda: self._surveillance(i, again, reading))
        elif decision.action == "stop":
            self.confirmed_low(i, day)
            self.sim.hold_treatment(i, f"LVEF < {self.reg.echo.stop_below_percent:g}% (confirmed)")

    def confirmed_low(self, i: int, day: float) -> None:
        if math.isnan(self.lvef_confirmed_low_day[i]):
            self.lvef_confirmed_low_day[i] = day

    # ------------------------------------------------------------ after a course
    def after_course(self, i: int, day: float, dose_mg_per_m2: float, cumulative_before_mg_per_m2: float,
                     last_infusion_day: float) -> None:
        """A course given from `day`: the LVEF path moves, TRAL may be seeded (onset after its latency)."""
        g = self._rng(i)
        if not self.armed[i]:
            self.armed[i] = self.any_armed = True
            self.hf_clock.restart(i, float(g.standard_exponential()))
            for after in self.reg.echo.follow_up_days:
                if day + after < self.sim.end:
                    self.sim.at_day(day + after, lambda i=i, d=day + after: self._surveillance(i, d, None))
        u_transient, z_dip = g.random(), g.standard_normal()
        self.state.add_course(np.array([i]), day, dose_mg_per_m2, np.array([u_transient]), np.array([z_dip]))
        u_event, u_latency = g.random(), g.random()
        self.last_course_day[i] = last_infusion_day
        delay = tral_onset_after_course(u_event, u_latency, dose_mg_per_m2, cumulative_before_mg_per_m2, self.reg.tral)
        if delay is not None and math.isnan(self.tral_day[i]):
            onset = last_infusion_day + delay
            if onset < self.sim.end:
                self.sim.at_day(onset, lambda: self._tral(i, onset))

    def _tral(self, i: int, day: float) -> None:
        sim = self.sim
        if not sim.alive[i] or not math.isnan(self.tral_day[i]):
            return
        self.tral_day[i] = day
        fatal = tral_is_fatal(self._rng(i).random(), self.reg.tral)
        self.tral_fatal[i] = fatal
        sim.log(i, "adverse_event", ("{} ({}, serious)", TRAL_CAUSE, "fatal" if fatal else "remission"), day)
        sim.hold_treatment(i, TRAL_CAUSE)
        if fatal:
            death = day + self.reg.tral.death_after_days
            if death < sim.end:
                sim.at_day(death, lambda: sim.die_now(i, TRAL_CAUSE))

    # ------------------------------------------------------------ each step
    def step(self, t0: float, dt: float, alive: np.ndarray) -> None:
        """Heart failure in (t0, t0 + dt] from the true LVEF at the step's middle (armed, living patients)."""
        if not self.any_armed:
            return
        idx = np.flatnonzero(self.armed & alive & np.isnan(self.heart_failure_day))
        if not idx.size:
            return
        rate = np.zeros(self.sim.n)
        mid = np.maximum(t0 + 0.5 * dt, self.state.dip_day[idx])
        rate[idx] = heart_failure_hazard_per_day(self.state.true_lvef(mid, idx), self.reg.heart_failure)
        hit, times = self.hf_clock.advance(rate, t0, dt)
        for i, te in zip(hit.tolist(), times.tolist()):
            self.heart_failure_day[i] = te
            self.hf_clock.restart(i, np.inf)
            self.sim.log(i, "adverse_event", ("{} (serious)", HEART_FAILURE), te)
            self.sim.hold_treatment(i, HEART_FAILURE)

    # ------------------------------------------------------------ at the end
    def amenorrhoea(self) -> list[float]:
        """Per patient: 1 (persistent amenorrhoea), 0 (none) for women treated before 45, NaN for everyone else; each
        case logged on the day of the woman's last course."""
        cov, sim = self.sim.cohort.cov, self.sim
        out = [math.nan] * sim.n
        for i in range(sim.n):
            if cov["sex_female"][i] != 1.0 or not cov["age_years"][i] < AMENORRHOEA_BEFORE_AGE \
                    or sim.cumulative[i] <= 0 or not (sim.alive[i] or sim.death_day[i] > self.last_course_day[i]):
                continue
            p = persistent_amenorrhoea_probability(float(cov["age_years"][i]), float(sim.cumulative[i]),
                                                   self.reg.amenorrhoea)
            hit = self._rng(i).random() < p
            out[i] = 1.0 if hit else 0.0
            if hit:
                sim.log(i, "adverse_event", "persistent amenorrhoea", float(self.last_course_day[i]))
        return out
