"""Mitoxantrone courses of a chunk's patients, run as one clinic: everyone whose pre-infusion check falls due at the
same time is seen together (their blood draws in one numpy pass), then each patient's dose rules, infusions and checks.

A patient's course plan: at start + k * ii_days (k = 0..addl) a WBC draw, an LVEF reading and `decide_dose`; a WBC
below the lowest dosing band is re-checked after recheck_days (up to max_rechecks); the plan ends on a stop decision,
on reaching the cumulative cap, or when the schedule completes (the interval after the last course due has passed).
Its Outcome is the value of the patient's protocol process, as for every regimen.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import simpy

from ..draw_blocks import DrawBlocks
from ..heart import lvef_decision
from ..regimen_config import Mitoxantrone
from .mitoxantrone import CourseHistory, band_for, decide_dose, toxicity_grade
from .outcome import Outcome

# Event records (rendered when tables are written; sim/event_columns.py reads their values): the arguments after
# those the text uses are kept for the structured columns of events.csv.
_INFUSION = "{:.2f} mg/m2 = {:.2f} mg"        # (_INFUSION, mg/m2, mg, course)
_GIVE = "course {}: give {:g} mg/m2; {}"      # (_GIVE, course, mg/m2, reasons, WBC, rule, WHO grade)
_OTHER = "course {}: {}; {}"                  # (_OTHER, course, action, reasons, WBC, rule, WHO grade)
TOXICITY = "non-haematological WHO grade {}"  # (TOXICITY, WHO grade, course)


@dataclass
class _Plan:
    """One patient's current course plan."""

    reg: Mitoxantrone
    hist: CourseHistory
    start_day: float
    course: int                 # index of the course due next (0-based)
    done: simpy.Event           # succeeds with the plan's Outcome
    ending: Outcome | None = None   # the cap was reached: the plan ends with this after the course's last infusion
    low_echo: float | None = None   # a first LVEF reading below the threshold, awaiting its confirmatory echo


@lru_cache(maxsize=256)
def _pre_infusion(course: int) -> str:
    return f"pre-infusion, course {course + 1}"


@lru_cache(maxsize=512)
def _echo_context(course: int, confirmatory: bool) -> str:
    return f"{'confirmatory, course' if confirmatory else 'before course'} {course + 1}"


@lru_cache(maxsize=4096)
def _check_key(course: int, low: float, high: float | None) -> str:
    """The tally cause of a pre-infusion check: its course (1-based) and the WBC band its count fell in."""
    return f"course {course + 1}: WBC [{low:g}, {'inf' if high is None else f'{high:g}'})"


@lru_cache(maxsize=64)
def _unconfirmed(threshold: float) -> str:
    """The rule key of a first LVEF reading below the threshold (a confirmatory echo follows)."""
    return f"LVEF < {threshold:g}% (unconfirmed)"


@lru_cache(maxsize=1024)
def _after(days: float, course: int) -> str:
    return f"{days:g} d after course {course + 1}"


def _done_day(plan: _Plan, end_day: float) -> float:
    """When the plan's schedule completes: the interval after its last course due has passed (or follow-up ends)."""
    return min(plan.start_day + (plan.reg.addl + 1) * plan.reg.ii_days, end_day)


def protocol(sim, i: int, reg: Mitoxantrone):
    """Patient i's mitoxantrone course plan from now (a protocol generator): its Outcome when the plan ends."""
    clinic = sim.clinics.get("mitoxantrone")
    if clinic is None:
        clinic = sim.clinics["mitoxantrone"] = CourseClinic(sim)
    return (yield from clinic.attend(i, reg))


class CourseClinic:
    """The chunk's mitoxantrone plans and a calendar of when each is next due: time -> [(patient, plan, kind)]."""

    def __init__(self, sim):
        self.sim = sim
        self._plans: dict[int, _Plan] = {}
        self._calendar: dict[float, list[tuple[int, _Plan, str]]] = {}
        self._bsa = sim.cohort.cov["bsa_m2"].tolist()
        self._marrow_draws = DrawBlocks(sim._streams["marrow"], sim.n, 16)
        self._given: list[tuple] = []      # this visit's courses: patient, plan, dose, cumulative dose before it,
                                           # course index, first course of the patient
        self.now = 0.0            # the time being handled: a visit's calendar time (not the booker-rounded env.now)
        self.closed = False

    def attend(self, i: int, reg: Mitoxantrone):
        sim = self.sim
        hist = sim.history(i, "mitoxantrone", lambda: CourseHistory(infections=sim.infections[i]))
        self.now = sim.env.now
        plan = self._plans[i] = _Plan(reg, hist, self.now, 0, sim.env.event())
        self._schedule_course(i, plan)
        try:
            return (yield plan.done)
        except simpy.Interrupt:             # a sequence moves on: the plan is dropped
            if self._plans.get(i) is plan:
                del self._plans[i]
            raise

    def close(self) -> None:
        """The chunk has ended: calendar entries still queued in simpy do nothing, and the clinic lets go of the chunk."""
        self.closed = True
        self._plans.clear()
        self._calendar.clear()

    # ------------------------------------------------------------ calendar
    def _at(self, day: float, i: int, plan: _Plan, kind: str) -> None:
        now = self.sim.env.now
        day = max(day, now)
        due = self._calendar.get(day)
        if due is None:
            due = self._calendar[day] = []
            self.sim.env.timeout(day - now).callbacks.append(lambda _, day=day: self._visit(day))
        due.append((i, plan, kind))

    def _schedule_course(self, i: int, plan: _Plan) -> None:
        """The next course of the plan, or its end when the schedule is through or the next course is past follow-up."""
        reg, sim = plan.reg, self.sim
        if plan.course <= reg.addl:
            day = plan.start_day + plan.course * reg.ii_days
            if day < sim.end:
                self._at(day, i, plan, "course")
                return
        if _done_day(plan, sim.end) > self.now:
            self._at(_done_day(plan, sim.end), i, plan, "done")
        else:
            self._completed(i, plan)

    def _visit(self, day: float) -> None:
        """Everyone due now: the plans that ended, then one batch of pre-infusion draws and each patient's decision."""
        entries = self._calendar.pop(day, ())
        if self.closed:
            return
        self.now = day            # everyone booked for `day` is seen on `day`, whoever booked it first
        self.sim.sync()
        checks = []
        alive = self.sim.alive
        for i, plan, kind in entries:
            if self._plans.get(i) is not plan or not alive[i]:
                continue                    # withdrawn, replaced or dead since it was booked
            if kind == "done":
                self._completed(i, plan)
                continue
            if kind == "capped":
                self._end(i, plan, plan.ending)
                continue
            if kind == "course":
                plan.hist.rechecks = 0
                plan.low_echo = None
            checks.append((i, plan))
        if not checks:
            return
        sim = self.sim            # draws carry the stepper's time, where the state they read is (as draw_labs)
        wbcs = sim.draw_labs_many([i for i, _ in checks], [sim.t] * len(checks),
                                       [_pre_infusion(plan.course) for _, plan in checks])
        bands = [band_for(wbc, plan.reg.wbc_bands) for (_, plan), wbc in zip(checks, wbcs)]
        sim.tally_many([i for i, _ in checks], "check", [_check_key(plan.course, b.low_per_nl, b.high_per_nl)
                                                         for (_, plan), b in zip(checks, bands)])
        echoes = self._echoes(checks)
        self._given = []
        for (i, plan), wbc, echo in zip(checks, wbcs, echoes):
            self._decide(i, plan, wbc, echo)
        if self._given:
            self._after_courses()

    def _echoes(self, checks: list[tuple[int, _Plan]]) -> list:
        """The echo decision of each check (None without an echo): the visit's readings in one pass, a first reading
        before a course or the confirmatory one after a low first reading."""
        out = [None] * len(checks)
        due = [j for j, (_, plan) in enumerate(checks)
               if plan.reg.echo.check_before_each_course and plan.hist.stop_pending is None]
        if not due:
            return out
        contexts = [_echo_context(checks[j][1].course, checks[j][1].low_echo is not None) for j in due]
        readings = self.sim.safety.echoes([checks[j][0] for j in due], self.now, contexts,
                                          [checks[j][1].course + 1 for j in due])
        for j, reading in zip(due, readings):
            i, plan = checks[j]
            rule = plan.reg.echo
            if plan.low_echo is None:
                decision = lvef_decision(reading, None, rule, self.sim.rows)
                if decision.action == "confirm":
                    plan.low_echo = reading
            else:
                decision = lvef_decision(plan.low_echo, reading, rule)
                plan.low_echo = None
                if decision.action == "stop":
                    self.sim.safety.confirmed_low(i, self.now)
            out[j] = decision
        return out

    def _after_courses(self) -> None:
        """The courses started at this visit, together: their infusions, each patient's marrow sensitivity for the
        occasion, its heart and leukaemia draws (sim/regimens/mitoxantrone_safety.py), its toxicity draw and the blood
        checks after the course. Per course length (split_days) among the visit's plans, one group."""
        given, self._given = self._given, []
        groups: dict[int, list] = {}
        for g in given:
            groups.setdefault(g[1].reg.split_days, []).append(g)
        for split, group in sorted(groups.items()):
            self._give(split, group)

    def _give(self, split: int, group: list) -> None:
        sim, now = self.sim, self.now
        idx = [g[0] for g in group]
        ix = np.array(idx)
        per_day = [g[2] / split for g in group]
        sim.give_many(idx, sim.dose_queues("mitoxantrone", [now + k for k in range(split)]), per_day,
                      [(_INFUSION, d, d * self._bsa[g[0]], g[4] + 1) for g, d in zip(group, per_day)] if sim.rows else [])
        sim.cumulative[ix] = [g[1].hist.cumulative_mg_per_m2 for g in group]
        sim.courses[ix] = [g[1].hist.courses_given for g in group]
        for g in group:
            if g[5]:
                sim.safety.arm(g[0], now)
        sim.models["mitoxantrone"].start_courses(idx, self._marrow_draws.normals(ix))
        sim.safety.after_courses(idx, now, [g[2] for g in group], [g[3] for g in group], now + split - 1)
        u_toxicity = sim.protocol_draws.take(ix).tolist()
        for (i, plan, _, _, course, _), u in zip(group, u_toxicity):
            reg, hist = plan.reg, plan.hist
            grade = toxicity_grade(u, reg.toxicity.grade_probabilities)
            if grade and now + reg.toxicity.onset_days < sim.end:    # toxicity after follow-up is not seen
                hist.toxicity_grades.append(grade)
                sim.log(i, "toxicity", (TOXICITY, grade, course + 1), day=now + reg.toxicity.onset_days)
                sim.toxicity_max[i] = max(sim.toxicity_max[i], grade)
            for after in reg.checks_after_course_days:
                sim.schedule_labs(i, now + after, _after(after, course))
            sim.dosed(i)

    # ------------------------------------------------------------ one patient's course
    def _decide(self, i: int, plan: _Plan, wbc: float, echo) -> None:
        sim, reg, hist = self.sim, plan.reg, plan.hist
        now, course = self.now, plan.course
        if echo is not None and echo.action == "confirm":
            sim.log(i, "dose_decision", (_OTHER, course + 1, "confirm", echo.reasons[0], wbc,
                                         _unconfirmed(reg.echo.stop_below_percent), None), now)
            if now + reg.echo.confirm_after_days < sim.end:
                self._at(now + reg.echo.confirm_after_days, i, plan, "confirm")
            return
        decision = decide_dose(wbc, hist, reg, echo, sim.rows)
        action = decision.action
        if sim.rows:                        # a run that keeps no rows skips building the record
            rule = "; ".join(decision.causes) or None
            if action == "give":
                sim.log(i, "dose_decision", (_GIVE, course + 1, decision.dose_mg_per_m2, "; ".join(decision.reasons),
                                             wbc, rule, decision.grade), now)
            else:
                sim.log(i, "dose_decision", (_OTHER, course + 1, action, "; ".join(decision.reasons), wbc, rule,
                                             decision.grade), now)
        if action == "recheck" and now + reg.recheck_days < sim.end:
            hist.rechecks += 1
            self._at(now + reg.recheck_days, i, plan, "recheck")
            return
        if action == "stop":
            self._end(i, plan, Outcome(decision.causes[0], decision.reasons[0], now, now))
            return
        if action != "give":                # skip, or a re-check that would fall after follow-up
            sim.tally(i, "skipped", decision.causes)
            plan.course += 1
            self._schedule_course(i, plan)
            return
        if decision.causes:
            sim.tally(i, "reduced", decision.causes)
        self._infuse(i, plan, decision.dose_mg_per_m2)
        if decision.final:          # treatment stops once the course's last infusion is given (not before it)
            last = hist.last_infusion_day
            plan.ending = Outcome("cumulative cap reached", f"cumulative dose {hist.cumulative_mg_per_m2:g} mg/m2 "
                                  f"reached the {reg.cap_mg_per_m2:g} mg/m2 cap", last, last + reg.ii_days, True)
            if last > now:
                self._at(last, i, plan, "capped")
            else:
                self._end(i, plan, plan.ending)
            return
        plan.course += 1
        self._schedule_course(i, plan)

    def _infuse(self, i: int, plan: _Plan, dose_mg_per_m2: float) -> None:
        """A course from now: the patient's history now (the next decision reads it); the infusions, draws and checks
        with the visit's other courses (_after_courses)."""
        hist = plan.hist
        self._given.append((i, plan, dose_mg_per_m2, hist.cumulative_mg_per_m2, plan.course, not hist.courses_given))
        hist.cumulative_mg_per_m2 += dose_mg_per_m2
        hist.courses_given += 1
        hist.last_course_start_day = self.now
        hist.last_infusion_day = self.now + plan.reg.split_days - 1

    def _completed(self, i: int, plan: _Plan) -> None:
        hist, now, done = plan.hist, self.now, _done_day(plan, self.sim.end)
        self._end(i, plan, Outcome("schedule completed", f"schedule completed: {hist.courses_given} courses, "
                                   f"{hist.cumulative_mg_per_m2:g} mg/m2", now, done, True))

    def _end(self, i: int, plan: _Plan, outcome: Outcome) -> None:
        del self._plans[i]
        plan.done.succeed(outcome)
