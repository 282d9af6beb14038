"""Mitoxantrone's heart and blood-cancer toxicity in a chunk: each patient's true LVEF path, echo readings, heart
failure (a hazard below LVEF 50%), therapy-related acute leukaemia (TRAL) after a latency, and persistent amenorrhoea.

The rules and their calibration are sim/heart.py's; this module owns the patients' state and random draws (the
"heart" stream, in blocks (sim/draw_blocks.py): per echo one normal; per course a uniform for the LVEF path (and a
normal for the size of a dip, when there is one), a uniform for TRAL (and one for its latency, when it happens); at the first course an Exp(1) heart-failure threshold; per TRAL one uniform for its
outcome; per woman one uniform for amenorrhoea) and reports events to the chunk.
"""
from __future__ import annotations

import numpy as np

from ..draw_blocks import DrawBlocks
from ..heart import (LvefState, heart_failure_hazard_per_day, lvef_decision, persistent_amenorrhoea_probability,
                     tral_is_fatal, tral_onset_after_course)
from ..labs import round_like_python
from ..physiology.hazards import HazardClock
from ..regimen_config import Mitoxantrone

TRAL_CAUSE = "therapy-related acute leukaemia"
HEART_FAILURE = "heart failure"
AMENORRHOEA_BEFORE_AGE = 45.0
# Le Page 2011: persistent amenorrhoea counted in women treated before 45 (AMENORRHOEA_BEFORE_AGE)
# Event records (sim/event_columns.py reads their values); arguments after those the text uses are for the columns
ECHO = "LVEF {:.1f}% ({})"              # (ECHO, reading %, context, course or None)
TRAL_EVENT = "{} ({}, serious)"         # (TRAL_EVENT, TRAL_CAUSE, "fatal" or "remission")
HEART_FAILURE_EVENT = "{} (serious)"    # (HEART_FAILURE_EVENT, HEART_FAILURE)
AMENORRHOEA = "persistent amenorrhoea"  # the event's details (text)


class SafetyWatch:
    """Heart and leukaemia state of a chunk's patients on mitoxantrone (one regimen's rules: the first mitoxantrone
    regimen of the arm), as arrays over the patients: a clinic visit's echoes and courses are handled in one pass."""

    def __init__(self, sim, reg: Mitoxantrone):
        self.sim, self.reg = sim, reg
        cov, n = sim.cohort.cov, sim.n
        self.draws = DrawBlocks(sim._streams["heart"], n)
        self.state = LvefState(cov["lvef_percent"], cov["eta_lvef_decline"], reg.lvef)
        self.hf_clock = HazardClock(np.full(n, np.inf))      # a patient's threshold is drawn at its first course
        self.armed = np.zeros(n, dtype=bool)
        self.lvef_min_observed = np.full(n, np.nan)
        self.lvef_confirmed_low_day = np.full(n, np.nan)
        self.heart_failure_day = np.full(n, np.nan)
        self.tral_day = np.full(n, np.nan)
        self.last_course_day = np.full(n, np.nan)
        # who can be below the heart-failure knee: LVEF only recovers between courses (dips fade), so after a course it
        # never falls below its value just after it; the hazard is computed for these patients only
        self.at_risk = np.zeros(n, dtype=bool)
        self._risk_idx = np.zeros(0, dtype=np.intp)
        self._knee = reg.heart_failure.knee_percent
        self._tral_bound = reg.tral.risk_per_mg_per_m2 * max(1.0, reg.tral.relative_risk_above)   # >= p per mg/m2

    # ------------------------------------------------------------ echo
    def echoes(self, idx: list[int], day: float, contexts: list[str], courses: list[int] | None = None) -> list[float]:
        """Echo readings of distinct patients idx on `day` (rounded to 0.1%), each logged and kept as the lowest seen;
        `courses`: the course (1-based) each echo is for (None: surveillance echoes)."""
        ix = np.asarray(idx, dtype=np.intp)
        true = self.state.true_lvef(day, ix)
        readings = round_like_python(true + self.reg.echo.echo_sd_percent * self.draws.normals(ix), 1)
        self.lvef_min_observed[ix] = np.fmin(self.lvef_min_observed[ix], readings)
        out = readings.tolist()
        log = self.sim.log
        for i, reading, context, course in zip(idx, out, contexts, courses or [None] * len(idx)):
            log(i, "lvef", (ECHO, reading, context, course), day)
        return out

    def _surveillance(self, i: int, day: float, low: float | None) -> None:
        """A surveillance echo (a confirmatory one when `low` holds the first low reading): a confirmed low LVEF is
        recorded; treatment, if still going, stops at its next decision."""
        if not self.sim.alive[i]:
            return
        self.sim.sync()
        reading = self.echoes([i], day, ["surveillance" if low is None else "confirmatory, surveillance"])[0]
        decision = lvef_decision(reading if low is None else low, None if low is None else reading, self.reg.echo)
        if decision.action == "confirm":
            again = day + self.reg.echo.confirm_after_days
            if again < self.sim.end:
                self.sim.at_day(again, lambda: self._surveillance(i, again, reading))
        elif decision.action == "stop":
            self.confirmed_low(i, day)
            self.sim.hold_treatment(i, f"LVEF < {self.reg.echo.stop_below_percent:g}% (confirmed)")

    def confirmed_low(self, i: int, day: float) -> None:
        if np.isnan(self.lvef_confirmed_low_day[i]):       # the first one
            self.lvef_confirmed_low_day[i] = day

    # ------------------------------------------------------------ courses
    def arm(self, i: int, day: float) -> None:
        """Patient i's first course starts on `day`: its surveillance echoes are booked (its heart-failure threshold
        is drawn with the course, in after_courses)."""
        for after in self.reg.echo.follow_up_days:
            if day + after < self.sim.end:
                self.sim.at_day(day + after, lambda i=i, d=day + after: self._surveillance(i, d, None))

    def after_courses(self, idx: list[int], day: float, doses_mg_per_m2: list[float],
                      cumulative_before_mg_per_m2: list[float], last_infusion_day: float) -> None:
        """Courses of distinct patients idx given from `day`: the LVEF paths move, TRAL may be seeded (onset after its
        latency). Each patient's draws, in order: at its first course an Exp(1) heart-failure threshold; a uniform for
        a dip (and a normal for its size, when there is one); a uniform for TRAL (and one for its latency, when the
        uniform is below the largest possible course risk)."""
        ix = np.asarray(idx, dtype=np.intp)
        dose = np.asarray(doses_mg_per_m2, dtype=float)
        g = self.draws
        first = ix[~self.armed[ix]]
        if first.size:
            self.armed[first] = True
            self.hf_clock.threshold[first] = g.exponentials(first)
            self.hf_clock.cum[first] = 0.0
        u_dip = g.uniforms(ix)
        dipped = u_dip < self.reg.lvef.transient_probability_per_course     # the dip's size is drawn only for a dip
        z_dip = np.zeros(ix.size)
        if dipped.any():
            z_dip[dipped] = g.normals(ix[dipped])
        self.state.add_course(ix, day, dose, u_dip, z_dip)
        self._track_risk(ix, day)
        self.last_course_day[ix] = last_infusion_day
        u_event = g.uniforms(ix)
        maybe = np.flatnonzero(u_event < self._tral_bound * dose)          # p <= risk x dose x RR
        if not maybe.size:
            return
        u_latency = g.uniforms(ix[maybe]).tolist()
        for j, u_lat in zip(maybe.tolist(), u_latency):
            i = int(ix[j])
            delay = tral_onset_after_course(float(u_event[j]), u_lat, float(dose[j]),
                                            float(cumulative_before_mg_per_m2[j]), self.reg.tral)
            if delay is not None and np.isnan(self.tral_day[i]):
                onset = last_infusion_day + delay
                if onset < self.sim.end:
                    self.sim.at_day(onset, lambda i=i, onset=onset: self._tral(i, onset))

    def _tral(self, i: int, day: float) -> None:
        sim = self.sim
        if not sim.alive[i] or not np.isnan(self.tral_day[i]):
            return
        self.tral_day[i] = day
        fatal = tral_is_fatal(self.draws.uniform(i), self.reg.tral)
        sim.log(i, "adverse_event", (TRAL_EVENT, TRAL_CAUSE, "fatal" if fatal else "remission"), day)
        sim.hold_treatment(i, TRAL_CAUSE)
        if fatal:
            death = day + self.reg.tral.death_after_days
            if death < sim.end:
                sim.at_day(death, lambda: sim.die_now(i, TRAL_CAUSE))

    def _track_risk(self, idx: np.ndarray, day: float) -> None:
        """After courses of patients idx: those whose LVEF is now below the heart-failure knee join the patients at
        risk (LVEF only recovers between courses, as dips fade, so a patient above the knee just after a course stays
        above it until the next one; once at risk, a patient stays in the set)."""
        new = idx[~self.at_risk[idx]]
        new = new[self.state.true_lvef(day, new) < self._knee]
        if new.size:
            self.at_risk[new] = True
            self._risk_idx = np.flatnonzero(self.at_risk)

    # ------------------------------------------------------------ each step
    def step(self, t0: float, dt: float, alive: np.ndarray) -> None:
        """Heart failure in (t0, t0 + dt] from the true LVEF at the step's middle (patients at risk, living)."""
        idx = self._risk_idx
        if not idx.size:
            return
        st = self.state
        lvef = st.true_lvef(np.maximum(t0 + 0.5 * dt, st.dip_day[idx]), idx)
        rate = heart_failure_hazard_per_day(lvef, self.reg.heart_failure) * alive[idx]
        hit, times = self.hf_clock.advance_among(idx, rate, t0, dt)
        for i, te in zip(hit.tolist(), times.tolist()):
            self.heart_failure_day[i] = te
            self.hf_clock.restart(i, np.inf)
            self.sim.log(i, "adverse_event", (HEART_FAILURE_EVENT, HEART_FAILURE), te)
            self.sim.hold_treatment(i, HEART_FAILURE)

    # ------------------------------------------------------------ at the end
    def amenorrhoea(self) -> list[float]:
        """Per patient: 1 (persistent amenorrhoea), 0 (none) for women treated before 45, NaN for everyone else; each
        case logged on the day of the woman's last course."""
        cov, sim = self.sim.cohort.cov, self.sim
        seen = sim.alive | (sim.death_day > self.last_course_day)       # alive, or died after the last course
        women = np.flatnonzero((cov["sex_female"] == 1.0) & (cov["age_years"] < AMENORRHOEA_BEFORE_AGE)
                               & (sim.cumulative > 0) & seen)
        out = np.full(sim.n, np.nan)
        if women.size:
            p = persistent_amenorrhoea_probability(cov["age_years"][women], sim.cumulative[women], self.reg.amenorrhoea)
            hit = self.draws.uniforms(women) < p
            out[women] = hit
            for i in women[hit].tolist():
                sim.log(i, "adverse_event", AMENORRHOEA, float(self.last_course_day[i]))
        return out.tolist()
