"""Mitoxantrone safety as pure, vectorisable rules: echo LVEF with confirmation, the true LVEF path (persistent and
transient declines), heart failure, therapy-related acute leukaemia (TRAL) and persistent amenorrhoea.

The engine's use of them: sim/regimens/mitoxantrone_safety.py. Every random input is passed in (uniforms u, standard
normals z), so each function is deterministic and the caller owns the streams. Sources and calibration of every default: docs/evidence-mitoxantrone-safety.md.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import ndtri

from .config import Frozen, NonNegFloat, PositiveFloat, Probability

MONTH_DAYS = 365.25 / 12


# ------------------------------------------------------------------ configuration
class EchoRule(Frozen):
    """Echo LVEF = true + N(0, echo_sd_percent); a reading below stop_below_percent needs a confirmatory echo
    confirm_after_days later, also below it, before treatment stops."""

    check_before_each_course: bool = True     # Novantrone USPI: LVEF before each dose
    echo_sd_percent: NonNegFloat = 4.0        # 2D echo, single reading; Thavendiranathan 2013 (derived, see docs)
    stop_below_percent: float = 50.0          # Novantrone USPI: do not give if LVEF < 50%
    confirm_after_days: NonNegFloat = 14.0    # ASE/EACVI 2014: confirm with repeat imaging 2-3 weeks later
    follow_up_days: list[PositiveFloat] = []  # surveillance echoes, days from the first course (also after treatment)


class LvefPath(Frozen):
    """True LVEF = baseline - slope x cumulative mg/m2 - transient dips. The slope is log-normal between patients
    (median decline_median_percent_per_mg_per_m2, coefficient of variation decline_cv). After each course, with
    transient_probability_per_course, a dip (log-normal: median transient_dip_median_percent, cv transient_dip_cv)
    starts and recovers exponentially with transient_half_life_days. Defaults fitted to Le Page 2011 on its own design
    (monthly x 6, echoes at the end of treatment and yearly for 5 years; scenarios/targets/le-page-2011.toml)."""

    decline_median_percent_per_mg_per_m2: NonNegFloat = 0.012  # fitted (with decline_cv) to Le Page: 11/794 persistent
    decline_cv: NonNegFloat = 1.8
    transient_probability_per_course: Probability = 0.025      # fitted (with the dip) to Le Page: 27/794 transient
    transient_dip_median_percent: NonNegFloat = 10.0
    transient_dip_cv: NonNegFloat = 0.5                         # assumption
    transient_half_life_days: PositiveFloat = 120.0             # assumption: recovered by the yearly follow-up echoes
    floor_percent: NonNegFloat = 10.0                           # assumption: true LVEF never computed below this


class HeartFailure(Frozen):
    """Hazard of clinical heart failure: 0 at true LVEF >= knee_percent, below it
    hazard_at_knee_per_day x exp(log_slope_per_percent x (knee - LVEF))."""

    knee_percent: float = 50.0                     # assumption: no drug-related heart failure at LVEF >= 50%
    hazard_at_knee_per_day: NonNegFloat = 7.0e-5   # fitted: 0.22% heart failure in 5 y on 8 x 12 mg/m2
    log_slope_per_percent: NonNegFloat = 0.08      # fitted: at LVEF 28%, 0.15/y (SOLVD-Prevention death or HF, 0.157/y)


class Tral(Frozen):
    """Each mg/m2 adds risk_per_mg_per_m2 of hazard, times relative_risk_above for the mg/m2 beyond a cumulative
    rr_above_mg_per_m2; onset a log-normal latency (median latency_median_days, log-sd latency_log_sd) after the course."""

    risk_per_mg_per_m2: NonNegFloat = 4.482e-5          # fitted: 96 mg/m2 gives 0.5%
    rr_above_mg_per_m2: NonNegFloat = 60.0              # Ellis 2009/2015 threshold
    relative_risk_above: PositiveFloat = 1.44           # Ellis 2009 (2015: 1.85), read as a per-mg multiplier
    latency_median_days: PositiveFloat = 20 * MONTH_DAYS   # Ellis 2009 18.5 mo, Ellis 2015 22 mo, Le Page 20 mo
    latency_log_sd: NonNegFloat = 0.69                  # ln(60/4)/(2 x 1.96): Ellis 2009 range 4-60 mo as a 95% range
    fatal_fraction: Probability = 0.24                  # Ellis 2009: 6 of 25 with known outcome died
    death_after_days: PositiveFloat = 180.0             # assumption: a fatal TRAL kills about 6 months after onset


class Amenorrhoea(Frozen):
    """Persistent amenorrhoea in women treated before 45: logistic in age and cumulative dose, odds ratios per year
    and per mg/m2 (FEMIMS, Cocco 2008), anchored at probability_at_reference (Le Page 2011: 17.3%)."""

    probability_at_reference: Probability = 0.173
    reference_age_years: PositiveFloat = 35.0                # assumption (mean age of Le Page women <45: gap)
    reference_cumulative_mg_per_m2: PositiveFloat = 72.0     # assumption (6 x 12 mg/m2; Le Page doses: gap)
    odds_ratio_per_year: PositiveFloat = 1.18
    odds_ratio_per_mg_per_m2: PositiveFloat = 1.02


class MitoxantroneSafety(Frozen):
    """All of the above, for one regimen."""

    echo: EchoRule = EchoRule()
    lvef: LvefPath = LvefPath()
    heart_failure: HeartFailure = HeartFailure()
    tral: Tral = Tral()
    amenorrhoea: Amenorrhoea = Amenorrhoea()


# ------------------------------------------------------------------ echo rules (pure)
class LvefDecision(NamedTuple):
    """continue (treat), confirm (repeat the echo after confirm_after_days, no infusion yet) or stop (end treatment)."""

    action: str
    reading_percent: float
    reasons: tuple[str, ...]


def observed_lvef(true_percent, z, rule: EchoRule):
    """An echo reading: the true LVEF plus echo_sd_percent x z (z standard normal; scalars or arrays)."""
    out = np.asarray(true_percent, dtype=float) + rule.echo_sd_percent * np.asarray(z, dtype=float)
    return float(out) if np.ndim(out) == 0 else out


def lvef_decision(first_reading_percent: float, confirm_reading_percent: float | None, rule: EchoRule,
                  explain: bool = True) -> LvefDecision:
    """Stop only when two readings confirm_after_days apart are both below stop_below_percent; a reading exactly at the
    threshold is not below it. A first low reading without a confirmation yet asks for one.

    explain=False leaves the reasons of a normal first reading ("continue") empty: for runs that keep no event text."""
    t = rule.stop_below_percent
    if not first_reading_percent < t:
        return LvefDecision("continue", first_reading_percent,
                            (f"LVEF {first_reading_percent:.1f}% >= {t:g}%",) if explain else ())
    if confirm_reading_percent is None:
        return LvefDecision("confirm", first_reading_percent,
                            (f"LVEF {first_reading_percent:.1f}% < {t:g}%: repeat echo in {rule.confirm_after_days:g} d",))
    if confirm_reading_percent < t:
        return LvefDecision("stop", confirm_reading_percent,
                            (f"LVEF {first_reading_percent:.1f}% then {confirm_reading_percent:.1f}% < {t:g}% (confirmed)",))
    return LvefDecision("continue", confirm_reading_percent,
                        (f"LVEF {first_reading_percent:.1f}% < {t:g}% not confirmed ({confirm_reading_percent:.1f}%)",))


# ------------------------------------------------------------------ LVEF path (vectorised)
def true_baseline_sd_percent(measured_sd_percent: float, rule: EchoRule) -> float:
    """Between-patient SD of the true baseline when measured baselines (one echo each) have measured_sd_percent:
    the echo error removed, sqrt(measured^2 - echo_sd^2) (0 if the echo error alone explains the spread)."""
    return math.sqrt(max(measured_sd_percent ** 2 - rule.echo_sd_percent ** 2, 0.0))


def _log_sd(cv: float) -> float:
    """Log-normal sigma for a coefficient of variation."""
    return math.sqrt(math.log1p(cv * cv))


def decline_slope(eta, rule: LvefPath) -> np.ndarray:
    """Per-patient persistent decline, % LVEF per mg/m2: the median times exp(sigma x eta), eta standard normal."""
    return rule.decline_median_percent_per_mg_per_m2 * np.exp(_log_sd(rule.decline_cv) * np.asarray(eta, dtype=float))


def transient_dip_percent(u, z, rule: LvefPath) -> np.ndarray:
    """The dip a course starts: 0 unless u < transient_probability_per_course, else log-normal (median, cv) from z."""
    u, z = np.asarray(u, dtype=float), np.asarray(z, dtype=float)
    size = rule.transient_dip_median_percent * np.exp(_log_sd(rule.transient_dip_cv) * z)
    return np.where(u < rule.transient_probability_per_course, size, 0.0)


class LvefState:
    """True LVEF of n patients: baseline, a persistent decline with cumulative dose and one exponentially recovering
    transient dip (dips of later courses add to what is left of earlier ones; one half-life, so the sum stays one
    exponential). Call true_lvef only at days on or after each patient's last course."""

    def __init__(self, baseline_percent, eta_decline, rule: LvefPath):
        self.rule = rule
        self.baseline = np.asarray(baseline_percent, dtype=float).copy()
        self.slope = decline_slope(eta_decline, rule)
        n = self.baseline.size
        self.cumulative_mg_per_m2 = np.zeros(n)
        self.dip_percent = np.zeros(n)          # dip size at dip_day
        self.dip_day = np.zeros(n)
        self._k = math.log(2) / rule.transient_half_life_days
        self._dip_sd = _log_sd(rule.transient_dip_cv)
        self._persistent = self._persistent_from_dose(slice(None))

    def add_course(self, idx, day, dose_mg_per_m2, u_transient, z_dip) -> np.ndarray:
        """Courses on `day` (scalar or per idx) for patients idx (distinct): cumulative decline, maybe a new dip.
        Returns the new dips (0 where none)."""
        idx = np.asarray(idx)
        day = np.broadcast_to(np.asarray(day, dtype=float), idx.shape)
        self.cumulative_mg_per_m2[idx] += dose_mg_per_m2
        self._persistent[idx] = self._persistent_from_dose(idx)
        left = self.dip_percent[idx] * np.exp(-self._k * (day - self.dip_day[idx]))
        new = transient_dip_percent(u_transient, z_dip, self.rule)
        self.dip_percent[idx] = left + new
        self.dip_day[idx] = day
        return new

    def persistent_lvef(self, idx=slice(None)) -> np.ndarray:
        """Baseline minus the persistent decline: where true LVEF returns once every dip has recovered (kept from the
        last course: the heart-failure hazard reads it every step)."""
        return self._persistent[idx]

    def _persistent_from_dose(self, idx) -> np.ndarray:
        return np.maximum(self.baseline[idx] - self.slope[idx] * self.cumulative_mg_per_m2[idx], self.rule.floor_percent)

    def true_lvef(self, day, idx=slice(None)) -> np.ndarray:
        """True LVEF (%) on `day` (scalar or per patient of idx)."""
        return lvef_with_dip(self.persistent_lvef(idx), self.dip_percent[idx], self.dip_day[idx], day, self._k,
                             self.rule.floor_percent)


def lvef_with_dip(persistent_percent, dip_percent, dip_day, day, decay_per_day: float, floor_percent: float):
    """True LVEF (arrays): the persistent level less what is left on `day` of the dip that started on dip_day."""
    dip = dip_percent * np.exp(-decay_per_day * (np.asarray(day, dtype=float) - dip_day))
    return np.maximum(persistent_percent - dip, floor_percent)


def heart_failure_hazard_per_day(true_lvef_percent, rule: HeartFailure) -> np.ndarray:
    """Heart-failure hazard per day: 0 at or above the knee, log-linear in the LVEF deficit below it."""
    gap = rule.knee_percent - np.asarray(true_lvef_percent, dtype=float)
    return np.where(gap > 0, rule.hazard_at_knee_per_day * np.exp(rule.log_slope_per_percent * np.maximum(gap, 0)), 0.0)


# ------------------------------------------------------------------ TRAL (pure)
def tral_weighted_dose_mg_per_m2(dose_mg_per_m2: float, cumulative_before_mg_per_m2: float, rule: Tral) -> float:
    """The course's mg/m2 with those beyond rr_above_mg_per_m2 (cumulative) counted relative_risk_above times."""
    edge = rule.rr_above_mg_per_m2
    below = min(max(edge - cumulative_before_mg_per_m2, 0.0), dose_mg_per_m2)
    return below + rule.relative_risk_above * (dose_mg_per_m2 - below)


def tral_course_probability(dose_mg_per_m2: float, cumulative_before_mg_per_m2: float, rule: Tral) -> float:
    """Probability that this course causes a TRAL: 1 - exp(-risk_per_mg_per_m2 x weighted dose)."""
    return -math.expm1(-rule.risk_per_mg_per_m2 * tral_weighted_dose_mg_per_m2(dose_mg_per_m2,
                                                                                 cumulative_before_mg_per_m2, rule))


def tral_risk(cumulative_mg_per_m2: float, rule: Tral) -> float:
    """Closed-form overall TRAL risk after a cumulative dose (any split into courses gives the same)."""
    return tral_course_probability(cumulative_mg_per_m2, 0.0, rule)


def tral_latency_days(u_latency, rule: Tral):
    """Log-normal latency (days) from a uniform: median x exp(log_sd x Phi^-1(u))."""
    z = ndtri(np.clip(np.asarray(u_latency, dtype=float), 1e-15, 1 - 1e-15))
    out = rule.latency_median_days * np.exp(rule.latency_log_sd * z)
    return float(out) if np.ndim(out) == 0 else out


def tral_onset_after_course(u_event: float, u_latency: float, dose_mg_per_m2: float,
                            cumulative_before_mg_per_m2: float, rule: Tral) -> float | None:
    """Days from this course to TRAL onset, or None when this course causes none (u_event >= its probability)."""
    if not u_event < tral_course_probability(dose_mg_per_m2, cumulative_before_mg_per_m2, rule):
        return None
    return tral_latency_days(u_latency, rule)


def tral_is_fatal(u: float, rule: Tral) -> bool:
    """Whether a TRAL is fatal: u < fatal_fraction."""
    return u < rule.fatal_fraction


# ------------------------------------------------------------------ amenorrhoea (pure)
def persistent_amenorrhoea_probability(age_years, cumulative_mg_per_m2, rule: Amenorrhoea):
    """Probability of persistent amenorrhoea (women < 45): logit = logit(p_ref) + ln(OR_age)(age - ref)
    + ln(OR_dose)(cumulative - ref)."""
    p = rule.probability_at_reference
    logit = (math.log(p / (1 - p)) + math.log(rule.odds_ratio_per_year) * (np.asarray(age_years) - rule.reference_age_years)
             + math.log(rule.odds_ratio_per_mg_per_m2) * (np.asarray(cumulative_mg_per_m2) - rule.reference_cumulative_mg_per_m2))
    out = 1.0 / (1.0 + np.exp(-logit))
    return float(out) if np.ndim(out) == 0 else out
