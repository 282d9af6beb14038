"""Mitoxantrone (NCT02021825, Kim 2011): dose rules as pure functions and the PK/PD model (the course plans: courses.py)."""
from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..cohort import Cohort
from ..heart import LvefDecision
from ..physiology.pk import LinearCompartments, mammillary_matrix
from ..regimen_config import InfectionRule, Mitoxantrone, ToxicityRule, WbcBand


# ------------------------------------------------------------------ rules (pure)
@dataclass
class CourseHistory:
    """What the dose rules need to know about one patient's past courses."""

    cumulative_mg_per_m2: float = 0.0
    courses_given: int = 0
    last_course_start_day: float | None = None   # first infusion day of the last course given
    last_infusion_day: float | None = None       # last infusion day of that course
    toxicity_grades: list[int] = field(default_factory=list)
    infections: list[tuple[float, float]] = field(default_factory=list)   # (day, observed WBC), in time order
    rechecks: int = 0
    stop_pending: str | None = None   # a toxicity that ends treatment at the next decision (heart failure, leukaemia)


class DoseDecision(NamedTuple):
    """give (dose_mg_per_m2 > 0), recheck (WBC too low, look again later), skip (no infusion this course) or stop (end treatment).

    An immutable record (a NamedTuple: built once per course, so cheaper than a frozen dataclass).
    """

    action: str
    dose_mg_per_m2: float
    reasons: tuple[str, ...]
    final: bool = False
    causes: tuple[str, ...] = ()   # short keys of the rules that changed the dose, for tallies
    grade: int | None = None       # the WHO grade of the non-haematological toxicity that reduced or stopped the dose


def band_for(wbc_per_nl: float, bands: list[WbcBand]) -> WbcBand:
    """The band with low <= WBC < high."""
    for b in bands:
        if b.low_per_nl <= wbc_per_nl and (b.high_per_nl is None or wbc_per_nl < b.high_per_nl):
            return b
    raise ValueError(f"WBC {wbc_per_nl} is in no band")


def infection_cap(history: CourseHistory, rule: InfectionRule) -> tuple[float | None, str | None]:
    """Cap on the next dose from infections within rule.window_days of an infusion of the last course (from its first
    infusion to window_days after its last), by the lowest band their WBC falls in."""
    if history.last_infusion_day is None or not history.infections:
        return None, None
    first = history.last_infusion_day if history.last_course_start_day is None else history.last_course_start_day
    infections = history.infections           # in time order: only the last ones can fall in the window
    k = len(infections)
    while k and infections[k - 1][0] >= first:
        k -= 1
    cap, why = None, None
    for day, wbc in infections[k:]:
        if not day <= history.last_infusion_day + rule.window_days:
            continue
        when = ("during the course" if day <= history.last_infusion_day
                else f"{day - history.last_infusion_day:.0f} d after the last infusion")
        for b in rule.bands:     # decreasing thresholds: the last matching band is the lowest
            if wbc < b.below_wbc_per_nl and (cap is None or b.next_dose_mg_per_m2 < cap):
                cap = b.next_dose_mg_per_m2
                why = (f"infection on day {day:.1f} ({when}) with WBC {wbc:.2f} "
                       f"< {b.below_wbc_per_nl:g} -> {b.next_dose_mg_per_m2:g} mg/m2")
    return cap, why


def toxicity_base(history: CourseHistory, rule: ToxicityRule, amt: float) -> tuple[float, str | None]:
    """The course dose after non-haematological toxicity: reduced_dose once any grade in reduce_grades occurred."""
    if not history.toxicity_grades:
        return amt, None
    hit = [g for g in history.toxicity_grades if g in rule.reduce_grades]
    if hit:
        return min(amt, rule.reduced_dose_mg_per_m2), (f"non-haematological toxicity WHO grade {max(hit)} "
                                                       f"-> {rule.reduced_dose_mg_per_m2:g} mg/m2")
    return amt, None


@lru_cache(maxsize=256)
def _band_text(low: float, high: float | None) -> tuple[str, str]:
    """("WBC [low, high)", "[low, high)") of a band: formatted once per band, not at every decision."""
    span = f"[{low:g}, {'inf' if high is None else f'{high:g}'})"
    return f"WBC {span}", span


def decide_dose(wbc_per_nl: float, history: CourseHistory, rule: Mitoxantrone,
                echo: LvefDecision | None = None, explain: bool = True) -> DoseDecision:
    """The course dose from the pre-infusion WBC, past toxicity and infections, the echo decision (a confirmed LVEF
    below the threshold stops), a toxicity that ends treatment, and the cumulative cap.

    explain=False leaves the reasons of a dose given or withheld by the WBC band empty (the causes, which tallies
    count, are the same): for runs that keep no event text."""
    if history.cumulative_mg_per_m2 >= rule.cap_mg_per_m2 - 1e-9:
        return DoseDecision("stop", 0.0, (f"cumulative cap {rule.cap_mg_per_m2:g} mg/m2 reached",),
                            causes=("cumulative cap reached",))
    if history.stop_pending is not None:
        return DoseDecision("stop", 0.0, (f"{history.stop_pending}: treatment ends",), causes=(history.stop_pending,))
    if echo is not None and echo.action == "stop":
        return DoseDecision("stop", 0.0, echo.reasons, causes=(f"LVEF < {rule.echo.stop_below_percent:g}% (confirmed)",))
    if history.toxicity_grades and max(history.toxicity_grades) >= rule.toxicity.stop_grade:
        return DoseDecision("stop", 0.0, (f"non-haematological toxicity WHO grade >= {rule.toxicity.stop_grade}",),
                            causes=(f"non-haematological toxicity grade >= {rule.toxicity.stop_grade}",),
                            grade=max(history.toxicity_grades))
    band = band_for(wbc_per_nl, rule.wbc_bands)
    key, span = _band_text(band.low_per_nl, band.high_per_nl)
    where = f"WBC {wbc_per_nl:.2f} in {span}" if explain else ""
    if band.dose_mg_per_m2 <= 0:
        if history.rechecks < rule.max_rechecks:
            return DoseDecision("recheck", 0.0, (f"{where}: no infusion, re-check in {rule.recheck_days:g} d",)
                                if explain else (), causes=(key,))
        return DoseDecision("skip", 0.0, (f"{where}: no infusion",) if explain else (), causes=(key,))
    dose, reasons, causes, grade = rule.amt_mg_per_m2, [], [], None
    base, why = toxicity_base(history, rule.toxicity, rule.amt_mg_per_m2)
    if why:
        dose, reasons, causes = base, [why], ["non-haematological toxicity"]
        grade = max(g for g in history.toxicity_grades if g in rule.toxicity.reduce_grades)   # as toxicity_base says
    if band.dose_mg_per_m2 < dose:
        dose = band.dose_mg_per_m2
        if explain:
            reasons.append(f"{where} -> {band.dose_mg_per_m2:g} mg/m2")
        causes.append(key)
    cap, why = infection_cap(history, rule.infection_rule)
    if cap is not None and cap < dose:
        dose = cap
        reasons.append(why)
        causes.append("infection with low WBC")
    if dose <= 0:
        return DoseDecision("skip", 0.0, tuple(reasons) or ("dose 0",), causes=tuple(causes), grade=grade)
    final = False
    left = rule.cap_mg_per_m2 - history.cumulative_mg_per_m2
    if dose >= left - 1e-9:
        final = True
        if dose > left + 1e-9:
            reasons.append(f"cut to {left:g} mg/m2 to stay within the {rule.cap_mg_per_m2:g} mg/m2 cap")
            causes.append("cumulative cap")
            dose = left
        else:
            reasons.append(f"reaches the {rule.cap_mg_per_m2:g} mg/m2 cap")
    if not reasons and explain:
        reasons.append(f"{where}: full dose")
    return DoseDecision("give", float(dose), tuple(reasons), final, tuple(causes), grade)


def toxicity_grade(u: float, probabilities: list[float]) -> int:
    """WHO grade 0-4 from a uniform u and per-course probabilities of grades 1..4 (grade 4 taken first)."""
    edge = 0.0
    for grade in (4, 3, 2, 1):
        edge += probabilities[grade - 1]
        if u < edge:
            return grade
    return 0


# ------------------------------------------------------------------ physiology
class MitoxantroneModel:
    """PK (3 compartments per patient), the drug's marrow effects and its relapse-rate ratio, for a chunk of patients."""

    def __init__(self, reg: Mitoxantrone, cohort: Cohort, dt: float):
        pk, n = reg.pk, cohort.n
        bsa = cohort.cov["bsa_m2"]
        cl = pk.cl_l_per_h_per_m2 * 24 * bsa * np.exp(_sd(pk.cl_cv) * cohort.cov["eta_mitoxantrone_cl"])
        A = mammillary_matrix(cl, pk.v1_l_per_m2 * bsa,
                              [pk.q2_l_per_h_per_m2 * 24 * bsa, pk.q3_l_per_h_per_m2 * 24 * bsa],
                              [pk.v2_l_per_m2 * bsa, pk.v3_l_per_m2 * bsa])
        w = np.zeros((n, 3))
        w[:, 0] = 1.0 / (pk.v1_l_per_m2 * bsa)           # mg/L in plasma
        self.pk = LinearCompartments(A, w, dt)
        eff = reg.efficacy
        self.memory_b = np.ones(n)                         # memory B cells, fraction of baseline
        self.memory_b_nadir = np.ones(n)
        self.depletion_effect = np.zeros(n)                # the depletion as it acts (effect compartment)
        self._b_kill = eff.memory_b_kill_l_per_mg_per_day
        self._b_recover = math.log(2) / eff.memory_b_recovery_half_life_days
        self._onset_decay = math.exp(-dt / eff.onset_days)
        me = reg.marrow_effect
        s = _sd(me.anc_slope_cv)                           # log-normal IIV around the mean slope
        self.anc_slope = me.anc_slope_l_per_mg * np.exp(s * cohort.cov["eta_mitoxantrone_anc_slope"] - 0.5 * s * s)
        self.alc_kill = me.alc_kill_l_per_mg_per_day
        self.occasion = np.ones(n)                         # this course's between-occasion factor on both marrow effects
        self.bov_sd = _sd(me.slope_bov_cv)
        self.reserve = np.ones(n)                          # marrow reserve: counts return to reserve x baseline
        self._loss = me.reserve_loss_per_effect_day
        self._recover = math.log(2) / me.reserve_recovery_half_life_days
        self.dt = dt
        s = _sd(eff.depletion_50_cv)                       # sensitive and less sensitive patients: log-normal
        self.d50 = eff.depletion_50 * np.exp(s * cohort.cov["eta_mitoxantrone_ec50"] - 0.5 * s * s)
        self._hill = eff.hill
        self.d50h = self.d50 ** eff.hill
        # responder mixture: a patient whose own uniform falls below the fraction is a non-responder (per-patient emax)
        self.non_responder = cohort.cov["u_mitoxantrone_responder"] < eff.non_responder_fraction
        self.emax = np.where(self.non_responder, eff.non_responder_emax, eff.emax)
        self.bsa = bsa

    daily = None

    def start_courses(self, idx: list[int], z: np.ndarray) -> None:
        """New courses of patients idx (distinct): each one's marrow sensitivity for this occasion (log-normal, mean 1)
        from a standard normal z (the patient's marrow stream)."""
        if self.bov_sd > 0:
            self.occasion[idx] = np.exp(self.bov_sd * np.asarray(z) - 0.5 * self.bov_sd ** 2)

    def dose(self, idx: np.ndarray, mg_per_m2: np.ndarray) -> None:
        """Infusions now for patients idx (distinct), mg_per_m2 each."""
        self.pk.dose(idx, 0, mg_per_m2 * self.bsa[idx])

    def step(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Advance one step: (ANC proliferation inhibition, lymphocyte kill per day, relapse rate ratio), each over
        patients; the marrow reserve moves with the step's inhibition (exactly, for E constant over the step)."""
        c = self.pk.step()                                 # mean plasma mg/L over the step
        self._step_memory_b(c)
        c = c * self.occasion
        effect = self.anc_slope * c                        # linear (Friberg 2002); E > 1 means net kill
        if self._loss > 0:
            k = self._recover + self._loss * effect        # dR/dt = recover (1 - R) - loss E R
            ss = self._recover / k
            self.reserve = ss + (self.reserve - ss) * np.exp(-k * self.dt)
        e = _power(self.depletion_effect, self._hill)
        rr = 1.0 - self.emax * e / (self.d50h + e)
        return effect, self.alc_kill * c, rr

    def _step_memory_b(self, c: np.ndarray) -> None:
        """Memory B cells and the effect compartment over one step, exactly for C and the depletion held."""
        k = self._b_recover + self._b_kill * c
        ss = self._b_recover / k
        self.memory_b = ss + (self.memory_b - ss) * np.exp(-k * self.dt)
        np.minimum(self.memory_b_nadir, self.memory_b, out=self.memory_b_nadir)
        d = 1.0 - self.memory_b
        self.depletion_effect = d + (self.depletion_effect - d) * self._onset_decay


def _power(x: np.ndarray, p: float) -> np.ndarray:
    """x**p, by multiplication for the small whole powers a Hill coefficient usually is (pow costs far more)."""
    if p == 1.0:
        return x
    if p == 2.0:
        return x * x
    if p == 3.0:
        return x * x * x
    return np.power(x, p)


def _sd(cv: float) -> float:
    """Log-normal sigma for a coefficient of variation."""
    return math.sqrt(math.log1p(cv * cv))
