"""Baricitinib once daily (NCT05792462, Olumiant SmPC): renal and laboratory rules as pure functions, the PK/PD model, the protocol.

Daily doses are not simpy events: the stepper doses the patients whose protocol has them "on" (adherence drawn per patient).
"""
from __future__ import annotations

import math

import numpy as np

from ..cohort import Cohort
from ..disease import dist_from_uniform
from ..physiology.exposure import DailyDosing, EffectSignal
from ..physiology.pk import LinearCompartments, chain_matrix
from .outcome import Outcome
from ..regimen_config import Baricitinib, LabThreshold, RenalBand

LAB_INDEX = {"wbc_per_nl": 0, "anc_per_nl": 1, "alc_per_nl": 2, "hb_g_per_dl": 3}


# ------------------------------------------------------------------ rules (pure)
def renal_band(egfr_ml_per_min: float, bands: list[RenalBand]) -> RenalBand | None:
    """The band that applies to an eGFR: the one with the lowest threshold above it (None: no band does)."""
    hits = [b for b in bands if egfr_ml_per_min < b.below_egfr_ml_per_min]
    return min(hits, key=lambda b: b.below_egfr_ml_per_min) if hits else None


def renal_dose(egfr_ml_per_min: float, amt_mg: float, bands: list[RenalBand]) -> tuple[float, str]:
    """Daily dose (mg) for an eGFR: the band with the lowest threshold above eGFR applies; 0 means do not start."""
    b = renal_band(egfr_ml_per_min, bands)
    if b is None:
        return amt_mg, f"{amt_mg:g} mg once daily"
    dose = min(amt_mg, b.amt_mg)
    if dose <= 0:
        return 0.0, f"eGFR {egfr_ml_per_min:g} < {b.below_egfr_ml_per_min:g} mL/min: not started"
    return dose, f"eGFR {egfr_ml_per_min:g} < {b.below_egfr_ml_per_min:g} mL/min -> {dose:g} mg once daily"


def lab_failures(labs: tuple[float, ...], thresholds: list[LabThreshold]) -> list[str]:
    """The thresholds an observed panel (WBC, ANC, ALC, Hb) falls below; empty means dosing may go on (or resume)."""
    out = []
    for t in thresholds:
        value = labs[LAB_INDEX[t.analyte]]
        if value < t.below:
            out.append(f"{t.analyte.split('_')[0].upper()} {value:g} < {t.below:g}")
    return out


# ------------------------------------------------------------------ physiology
class BaricitinibModel:
    """Oral one-compartment PK with absorption, marrow effects on the step-mean concentration, and the delayed relapse-rate ratio."""

    def __init__(self, reg: Baricitinib, cohort: Cohort, dt: float, end_days: float):
        pk, n = reg.pk, cohort.n
        s = _sd(pk.cl_cv)
        cl = pk.cl_l_per_h * 24 * np.exp(s * cohort.cov["eta_baricitinib_cl"] - 0.5 * s * s)
        ka = np.full(n, pk.ka_per_h * 24)
        A = chain_matrix([1.0, 1.0], n)                       # depot -> central -> out, rates set per patient below
        A[:, 0, 0], A[:, 1, 0], A[:, 1, 1] = -ka, ka, -cl / pk.v_l
        self.pk = LinearCompartments(A, np.array([0.0, 1.0 / pk.v_l]), dt)
        self.f = pk.f_bioavailability
        self.signal = EffectSignal(n, reg.efficacy.onset_days, reg.efficacy.persistence_half_life_days, dt)
        self.emax, self.ec50 = reg.efficacy.emax, reg.efficacy.ec50_mg_per_day
        me = reg.marrow_effect
        s = _sd(me.anc_slope_cv)
        self.anc_slope = me.anc_slope_l_per_mg * np.exp(s * cohort.cov["eta_baricitinib_anc_slope"] - 0.5 * s * s)
        self.alc_kill = me.alc_kill_l_per_mg_per_day
        rise = reg.lymphocyte_rise
        self.alc_rise = None if rise.fraction_per_mg == 0 else LymphocyteRiseModel(rise, n, dt)
        adherence = dist_from_uniform(cohort.cov["u_adherence"], reg.adherence)
        self.daily = DailyDosing(n, int(math.ceil(end_days)), adherence)

    def dose(self, idx: np.ndarray, mg: np.ndarray) -> None:
        """Oral doses now (mg taken) for patients idx."""
        self.pk.dose(idx, 0, self.f * mg)
        self.signal.dose(idx, mg)
        if self.alc_rise is not None:
            self.alc_rise.dose(idx, mg)

    def step(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        c = self.pk.step()
        e = self.signal.step()
        return self.anc_slope * c, self.alc_kill * c, 1.0 - self.emax * e / (self.ec50 + e)


class LymphocyteRiseModel:
    """The fractional rise of the lymphocyte level, fraction_per_mg * (E_fast - E_slow), over patients (regimen_config.LymphocyteRise)."""

    def __init__(self, rise, n: int, dt: float):
        self.fraction_per_mg = rise.fraction_per_mg
        self.fast = EffectSignal(n, rise.onset_days, rise.fade_half_life_days, dt)
        self.slow = EffectSignal(n, rise.tolerance_days, rise.fade_half_life_days, dt)

    def dose(self, idx: np.ndarray, mg: np.ndarray) -> None:
        self.fast.dose(idx, mg)
        self.slow.dose(idx, mg)

    def step(self) -> np.ndarray:
        """The step-mean fractional rise (dimensionless) of each patient's lymphocyte level."""
        return self.fraction_per_mg * (self.fast.step() - self.slow.step())


def _sd(cv: float) -> float:
    return math.sqrt(math.log1p(cv * cv))


# ------------------------------------------------------------------ protocol (simpy process)
# Event records, rendered when written (sim/event_columns.py reads their values)
START = "baricitinib {}"     # (START, text, daily mg, renal rule, eGFR, "mL/min"; None when no renal band applied)
INTERRUPTED = "baricitinib interrupted: {}"  # (INTERRUPTED, text, rule: the tallies' causes joined by "; ")
RESUMED = "baricitinib resumed: counts recovered"   # the event's details (text)


def protocol(sim, i: int, reg: Baricitinib):
    """Start at the renal dose; labs on lab_days interrupt below thresholds and re-check until recovery; stop at until_days or the first relapse."""
    model = sim.models["baricitinib"]
    start = sim.env.now
    band, egfr = None, None
    if reg.renal_bands:
        egfr = float(sim.cohort.cov["egfr_ml_per_min"][i])
        amt, why = renal_dose(egfr, reg.amt_mg, reg.renal_bands)
        band = renal_band(egfr, reg.renal_bands)
    else:
        amt, why = reg.amt_mg, f"{reg.amt_mg:g} mg once daily"
    if amt <= 0:
        return Outcome("not started: renal function", why, start, start)
    until = start + reg.until_days
    relapse: list[float] = []
    if reg.stop_on_relapse:
        def on_relapse(j: int, day: float) -> None:      # called by the stepper at the attack: no dose after it
            if not relapse:
                model.daily.on[j] = False
                relapse.append(day)
        sim.relapse_hooks[i]["baricitinib"] = on_relapse
    sim.sync()
    model.daily.start(i, amt, sim.rng(i, "adherence"))
    sim.set_infection_ratio(i, reg.infection_rate_ratio)
    sim.log(i, "start", (START, why, float(amt), None, None, None) if band is None else
            (START, why, float(amt), f"eGFR < {band.below_egfr_ml_per_min:g} mL/min", egfr, "mL/min"))
    checks = sorted(start + d for d in reg.lab_days if start + d < until)
    interrupted, k = False, 0
    while True:
        nxt = checks[k] if k < len(checks) else math.inf
        if interrupted:
            nxt = min(nxt, sim.env.now + reg.recheck_days)
        nxt = min(nxt, until, sim.end)
        if nxt > sim.env.now:
            yield sim.env.timeout(nxt - sim.env.now)
        if relapse:
            return Outcome("relapse", f"baricitinib stopped: first relapse on day {relapse[0]:.1f}", relapse[0], relapse[0])
        if sim.env.now >= until - 1e-9 or sim.env.now >= sim.end - 1e-9:
            break
        while k < len(checks) and checks[k] <= sim.env.now + 1e-9:
            k += 1
        labs = sim.draw_labs(i, "baricitinib monitoring" + (" (re-check)" if interrupted else ""))
        low = lab_failures(labs, reg.interrupt_below)
        if low and not interrupted:
            model.daily.on[i], interrupted = False, True
            causes = tuple(x.split(" ")[0] + " low" for x in low)
            sim.log(i, "dose_decision", (INTERRUPTED, "; ".join(low), "; ".join(causes)))
            sim.tally(i, "interrupted", causes)
        elif not low and interrupted:
            model.daily.on[i], interrupted = True, False
            sim.log(i, "dose_decision", RESUMED)
    sim.sync()
    model.daily.on[i] = False
    return Outcome("schedule completed", f"baricitinib until day {reg.until_days:g} completed", sim.env.now, until, True)
