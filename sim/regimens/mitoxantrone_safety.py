"""Mitoxantrone's heart and blood-cancer toxicity in a chunk: each patient's true LVEF path, echo readings, heart
failure (a hazard below LVEF 50%), therapy-related acute leukaemia (TRAL) after a latency, and persistent amenorrhoea.

The rules and their calibration are sim/heart.py's; this module owns the patients' state and random draws (the
"heart" stream, in blocks (sim/draw_blocks.py): per echo one normal; per course a uniform for the LVEF path (and a
normal for the size of a dip, when there is one), a uniform for TRAL (and one for its latency, when it happens); at the first course an Exp(1) heart-failure threshold; per TRAL one uniform for its
outcome; per woman one uniform for amenorrhoea) and reports events to the chunk.
"""
from __future__ import annotations

import math

import numpy as np

from ..heart import (LvefPatients, heart_failure_hazard_per_day, lvef_decision, lvef_with_dip,
                     persistent_amenorrhoea_probability, tral_is_fatal, tral_onset_after_course)
from ..draw_blocks import DrawBlocks
from ..physiology.hazards import HazardClock
from ..regimen_config import Mitoxantrone

TRAL_CAUSE = "therapy-related acute leukaemia"
HEART_FAILURE = "heart failure"
AMENORRHOEA_BEFORE_AGE = 45.0
_ECHO = "LVEF {:.1f}% ({})"     # Le Page 2011: persistent amenorrhoea counted in women treated before 45


class SafetyWatch:
    """Heart and leukaemia state of a chunk's patients on mitoxantrone (one regimen's rules: the first mitoxantrone
    regimen of the arm). Per-patient state is kept in Python lists: it is read and written one patient at a time."""

    def __init__(self, sim, reg: Mitoxantrone):
        self.sim, self.reg = sim, reg
        cov, n = sim.cohort.cov, sim.n
        self.draws = DrawBlocks(sim._streams["heart"], n)
        self.state = LvefPatients(cov["lvef_percent"], cov["eta_lvef_decline"], reg.lvef)
        self.hf_clock = HazardClock(np.full(n, np.inf))      # a patient's threshold is drawn at its first course
        self.armed = [False] * n
        nan = math.nan
        self.lvef_min_observed = [nan] * n
        self.lvef_confirmed_low_day = [nan] * n
        self.heart_failure_day = [nan] * n
        self.tral_day = [nan] * n
        self.last_course_day = [nan] * n
        # who can be below the heart-failure knee: LVEF only recovers between courses (dips fade), so after a course it
        # never falls below its value just after it; the hazard is computed for these patients only
        self._risk_pos: dict[int, int] = {}          # patient -> its place in the arrays below
        self._risk_idx = np.zeros(0, dtype=np.intp)
        self._risk_persistent = np.zeros(0)           # their LVEF once dips recover, their dip and its day
        self._risk_dip = np.zeros(0)
        self._risk_dip_day = np.zeros(0)
        self._knee = reg.heart_failure.knee_percent
        self._tral_bound = reg.tral.risk_per_mg_per_m2 * max(1.0, reg.tral.relative_risk_above)   # >= p per mg/m2

    # ------------------------------------------------------------ echo
    def echo(self, i: int, day: float, context: str) -> float:
        """An echo reading of patient i on `day` (rounded to 0.1%), logged and kept as the lowest seen."""
        reading = round(self.state.true_lvef(i, day) + self.reg.echo.echo_sd_percent * self.draws.normal(i), 1)
        if not reading >= self.lvef_min_observed[i]:
            self.lvef_min_observed[i] = reading
        self.sim.log(i, "lvef", (_ECHO, reading, context), day)
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
        if self.lvef_confirmed_low_day[i] != self.lvef_confirmed_low_day[i]:       # NaN: the first one
            self.lvef_confirmed_low_day[i] = day

    # ------------------------------------------------------------ after a course
    def after_course(self, i: int, day: float, dose_mg_per_m2: float, cumulative_before_mg_per_m2: float,
                     last_infusion_day: float) -> None:
        """A course given from `day`: the LVEF path moves, TRAL may be seeded (onset after its latency)."""
        g = self.draws
        if not self.armed[i]:
            self.armed[i] = True
            self.hf_clock.restart(i, g.exponential(i))
            for after in self.reg.echo.follow_up_days:
                if day + after < self.sim.end:
                    self.sim.at_day(day + after, lambda i=i, d=day + after: self._surveillance(i, d, None))
        u_dip = g.uniform(i)               # the dip's size is drawn only when there is one
        z_dip = g.normal(i) if u_dip < self.reg.lvef.transient_probability_per_course else 0.0
        self.state.add_course(i, day, dose_mg_per_m2, u_dip, z_dip)
        self._track_risk(i, day)
        self.last_course_day[i] = last_infusion_day
        u_event = g.uniform(i)             # TRAL: the latency is drawn only for an event (p <= risk x dose x RR)
        if u_event >= self._tral_bound * dose_mg_per_m2:
            return
        delay = tral_onset_after_course(u_event, g.uniform(i), dose_mg_per_m2, cumulative_before_mg_per_m2, self.reg.tral)
        if delay is not None and self.tral_day[i] != self.tral_day[i]:
            onset = last_infusion_day + delay
            if onset < self.sim.end:
                self.sim.at_day(onset, lambda: self._tral(i, onset))

    def _tral(self, i: int, day: float) -> None:
        sim = self.sim
        if not sim.alive[i] or self.tral_day[i] == self.tral_day[i]:
            return
        self.tral_day[i] = day
        fatal = tral_is_fatal(self.draws.uniform(i), self.reg.tral)
        sim.log(i, "adverse_event", ("{} ({}, serious)", TRAL_CAUSE, "fatal" if fatal else "remission"), day)
        sim.hold_treatment(i, TRAL_CAUSE)
        if fatal:
            death = day + self.reg.tral.death_after_days
            if death < sim.end:
                sim.at_day(death, lambda: sim.die_now(i, TRAL_CAUSE))

    def _track_risk(self, i: int, day: float) -> None:
        """After patient i's course: if its LVEF is now below the heart-failure knee, or it was already at risk, its
        path goes into the at-risk arrays (LVEF only recovers between courses, as dips fade, so a patient above the
        knee just after a course stays above it until the next one)."""
        st = self.state
        pos = self._risk_pos.get(i)
        if pos is None:
            if not st.true_lvef(i, day) < self._knee:
                return
            pos = self._risk_pos[i] = self._risk_idx.size
            self._risk_idx = np.append(self._risk_idx, i)
            self._risk_persistent = np.append(self._risk_persistent, 0.0)
            self._risk_dip = np.append(self._risk_dip, 0.0)
            self._risk_dip_day = np.append(self._risk_dip_day, 0.0)
        self._risk_persistent[pos] = st.persistent_lvef(i)
        self._risk_dip[pos] = st.dip_percent[i]
        self._risk_dip_day[pos] = st.dip_day[i]

    # ------------------------------------------------------------ each step
    def step(self, t0: float, dt: float, alive: np.ndarray) -> None:
        """Heart failure in (t0, t0 + dt] from the true LVEF at the step's middle (patients at risk, living; the
        same formulas as LvefPatients.true_lvef, over the at-risk arrays)."""
        idx = self._risk_idx
        if not idx.size:
            return
        st = self.state
        mid = np.maximum(t0 + 0.5 * dt, self._risk_dip_day)
        lvef = lvef_with_dip(self._risk_persistent, self._risk_dip, self._risk_dip_day, mid, st.decay_per_day,
                             st.rule.floor_percent)
        rate = np.zeros(self.sim.n)
        rate[idx] = heart_failure_hazard_per_day(lvef, self.reg.heart_failure) * alive[idx]
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
            hit = self.draws.uniform(i) < p
            out[i] = 1.0 if hit else 0.0
            if hit:
                sim.log(i, "adverse_event", "persistent amenorrhoea", self.last_course_day[i])
        return out
