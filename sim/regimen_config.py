"""Regimen configuration: each drug's schedule, dose rules and PK/PD parameters as frozen data, and sequences of phases.

Units are in the names; dosing vocabulary follows pharmacometrics (amt, ii, addl, until). No simulation logic here.
"""
from __future__ import annotations

import math

from typing import Annotated, Literal, Union

from pydantic import Field, field_validator, model_validator

from .config import Dist, Frozen, NonNegFloat, PositiveFloat, Probability
from .heart import Amenorrhoea, EchoRule, HeartFailure, LvefPath, Tral


# ---------------------------------------------------------------- mitoxantrone
class WbcBand(Frozen):
    """Pre-infusion WBC band low <= WBC < high (high omitted = no upper bound): dose at most dose_mg_per_m2; 0 = no infusion."""

    low_10e9_per_l: NonNegFloat
    high_10e9_per_l: PositiveFloat | None = None
    dose_mg_per_m2: NonNegFloat


class InfectionBand(Frozen):
    """An infection within the window with observed WBC below `below_wbc_10e9_per_l` caps the next dose."""

    below_wbc_10e9_per_l: PositiveFloat
    next_dose_mg_per_m2: NonNegFloat


class InfectionRule(Frozen):
    window_days: NonNegFloat = 21
    bands: list[InfectionBand] = []

    @model_validator(mode="after")
    def _check(self) -> "InfectionRule":
        th = [b.below_wbc_10e9_per_l for b in self.bands]
        if th != sorted(th, reverse=True) or len(set(th)) != len(th):
            raise ValueError("infection bands must have strictly decreasing below_wbc_10e9_per_l")
        return self


class ToxicityRule(Frozen):
    """Non-haematological toxicity per course: probability of WHO grade 1..4; grades in reduce_grades set the dose to reduced_dose_mg_per_m2 from then on; stop_grade stops treatment."""

    grade_probabilities: Annotated[list[Probability], Field(min_length=4, max_length=4)] = [0.25, 0.05, 0.01, 0.0]
    reduce_grades: list[Annotated[int, Field(ge=1, le=4)]] = [2, 3]
    reduced_dose_mg_per_m2: NonNegFloat = 10
    stop_grade: Annotated[int, Field(ge=1, le=5)] = 4
    onset_days: NonNegFloat = 7

    @model_validator(mode="after")
    def _check(self) -> "ToxicityRule":
        if sum(self.grade_probabilities) > 1 + 1e-12:
            raise ValueError("grade_probabilities must sum to at most 1")
        return self


class MitoxantronePk(Frozen):
    """Three-compartment linear PK per m2 of BSA (central V1, peripheral V2, deep V3), clearance with log-normal IIV."""

    v1_l_per_m2: PositiveFloat = 12.2
    cl_l_per_h_per_m2: PositiveFloat = 25.0
    cl_cv: NonNegFloat = 0.5
    q2_l_per_h_per_m2: PositiveFloat = 3.4
    v2_l_per_m2: PositiveFloat = 5.1
    q3_l_per_h_per_m2: PositiveFloat = 55.6
    v3_l_per_m2: PositiveFloat = 1858.0


class MarrowEffect(Frozen):
    """Drug effect on marrow: linear slope on plasma concentration (L/mg) for neutrophil proliferation and lymphocyte
    kill rate, both scaled per course by a log-normal between-occasion factor (slope_bov_cv).

    Cumulative injury: a marrow reserve R (1 before any drug) falls at reserve_loss_per_effect_day x E x R while the
    drug inhibits proliferation by E, and recovers towards 1 with reserve_recovery_half_life_days; the neutrophil and
    lymphocyte counts return to R times their baselines, so courses leave the counts lower before the next one.
    """

    anc_slope_l_per_mg: NonNegFloat = 22.0
    anc_slope_cv: NonNegFloat = 0.43
    slope_bov_cv: NonNegFloat = 0.0
    alc_kill_l_per_mg_per_day: NonNegFloat = 22.0
    reserve_loss_per_effect_day: NonNegFloat = 0.0
    reserve_recovery_half_life_days: PositiveFloat = 365.0


class Efficacy(Frozen):
    """Mitoxantrone's effect on the relapse hazard through memory B cells (CD27+CD19+, the cells Kim 2011 found
    preferentially depleted): their fraction M of baseline falls at memory_b_kill_l_per_mg_per_day x C x M while
    plasma holds C (mg/L) and repopulates towards 1 with memory_b_recovery_half_life_days; the depletion D = 1 - M acts
    through an effect compartment (mean delay onset_days) as RR = 1 - emax x D_e^h / (depletion_50^h + D_e^h) with
    h = hill, depletion_50 log-normal between patients (depletion_50_cv). Exposure varies between patients through clearance.

    Responder mixture (off by default): each patient is a non-responder with probability non_responder_fraction (drawn
    once, from the patient's own uniform), and a non-responder's emax is non_responder_emax (at most emax).
    """

    emax: Probability = 0.85
    depletion_50: Annotated[float, Field(gt=0.0, le=1.0)] = 0.3
    depletion_50_cv: NonNegFloat = 0.0
    hill: Annotated[float, Field(ge=0.5, le=10.0)] = 1.0
    onset_days: PositiveFloat = 14.0
    memory_b_kill_l_per_mg_per_day: NonNegFloat = 35.0
    memory_b_recovery_half_life_days: PositiveFloat = 120.0
    non_responder_fraction: Probability = 0.0
    non_responder_emax: Probability = 0.0

    @model_validator(mode="after")
    def _check(self) -> "Efficacy":
        if self.non_responder_emax > self.emax:
            raise ValueError(f"non_responder_emax ({self.non_responder_emax:g}) must not exceed emax ({self.emax:g}): "
                             "a non-responder responds less than a responder")
        return self


class Mitoxantrone(Frozen):
    """Mitoxantrone IV courses: amt every ii days, addl further courses, optional split over split_days, with the dose rules as data."""

    drug: Literal["mitoxantrone"]
    attack_severity_ratio: PositiveFloat = 1.0   # acute and residual EDSS steps of an attack while the drug acts
    amt_mg_per_m2: PositiveFloat = 12
    ii_days: PositiveFloat = 90
    addl: Annotated[int, Field(ge=0)] = 7
    split_days: Annotated[int, Field(ge=1, le=30)] = 1
    cap_mg_per_m2: PositiveFloat = 120
    wbc_bands: list[WbcBand]
    recheck_days: PositiveFloat = 7
    max_rechecks: Annotated[int, Field(ge=0)] = 0
    checks_after_course_days: list[PositiveFloat] = []
    infection_rule: InfectionRule = InfectionRule()
    toxicity: ToxicityRule = ToxicityRule()
    echo: EchoRule = EchoRule()
    lvef: LvefPath = LvefPath()
    heart_failure: HeartFailure = HeartFailure()
    tral: Tral = Tral()
    amenorrhoea: Amenorrhoea = Amenorrhoea()
    pk: MitoxantronePk = MitoxantronePk()
    marrow_effect: MarrowEffect = MarrowEffect()
    efficacy: Efficacy = Efficacy()

    @field_validator("wbc_bands")
    @classmethod
    def _check_bands(cls, bands: list[WbcBand]) -> list[WbcBand]:
        check_wbc_bands(bands)
        return bands


def check_wbc_bands(bands: list[WbcBand]) -> None:
    """Bands must tile [0, inf): sorted by low, each high equal to the next low, the first starting at 0, the last open."""
    if not bands:
        raise ValueError("wbc_bands must not be empty")
    ordered = sorted(bands, key=lambda b: b.low_10e9_per_l)
    if ordered[0].low_10e9_per_l != 0:
        raise ValueError("wbc_bands must start at low_10e9_per_l = 0")
    for a, b in zip(ordered, ordered[1:]):
        if a.high_10e9_per_l is None or a.high_10e9_per_l > b.low_10e9_per_l:
            raise ValueError(f"wbc_bands overlap: [{a.low_10e9_per_l}, {a.high_10e9_per_l or 'inf'}) "
                             f"and [{b.low_10e9_per_l}, {b.high_10e9_per_l or 'inf'})")
        if a.high_10e9_per_l < b.low_10e9_per_l:
            raise ValueError(f"wbc_bands leave a gap between {a.high_10e9_per_l} and {b.low_10e9_per_l}")
    for b in ordered:
        if b.high_10e9_per_l is not None and b.high_10e9_per_l <= b.low_10e9_per_l:
            raise ValueError(f"wbc band [{b.low_10e9_per_l}, {b.high_10e9_per_l}) is empty")
    if ordered[-1].high_10e9_per_l is not None:
        raise ValueError("the highest wbc band must have no high_10e9_per_l")


# ---------------------------------------------------------------- baricitinib
class OralPk(Frozen):
    """One-compartment oral PK with first-order absorption: F, ka, CL (log-normal IIV) and V."""

    f_bioavailability: Probability = 0.79
    ka_per_h: PositiveFloat = 2.0
    cl_l_per_h: PositiveFloat = 8.0
    cl_cv: NonNegFloat = 0.3
    v_l: PositiveFloat = 76.0


class LabThreshold(Frozen):
    """Interrupt while the observed `analyte` is below `below`; resume when every analyte is back at or above."""

    analyte: Literal["wbc_10e9_per_l", "anc_10e9_per_l", "alc_10e9_per_l", "hb_g_per_dl"]
    below: PositiveFloat


class RenalBand(Frozen):
    """Patients with eGFR below `below_egfr_ml_per_min` take amt_mg (0: not started); the lowest band that applies wins."""

    below_egfr_ml_per_min: PositiveFloat
    amt_mg: NonNegFloat


class DailyEfficacy(Frozen):
    """RR = 1 - emax*E/(ec50+E); E (mg/day) is the daily dose taken, entering with mean onset_days and fading with persistence_half_life_days."""

    emax: Probability = 0.58
    ec50_mg_per_day: PositiveFloat = 2.7
    onset_days: PositiveFloat = 28.0
    persistence_half_life_days: PositiveFloat = 7.0


class LymphocyteRise(Frozen):
    """A transient lymphocyte rise on a daily drug (baricitinib: ALC +0.30 then back to baseline, Kay 2020).

    The ALC level the count returns to is ALC0 * (1 + fraction_per_mg * (E_fast - E_slow)), where E_fast and E_slow are
    the daily dose taken (mg/day) delayed with mean onset_days and tolerance_days and fading with fade_half_life_days:
    on a steady dose they cancel, so the rise passes. fraction_per_mg 0 means no rise.
    """

    fraction_per_mg: NonNegFloat = 0.0
    onset_days: PositiveFloat = 7.0
    tolerance_days: PositiveFloat = 42.0
    fade_half_life_days: PositiveFloat = 7.0

    @model_validator(mode="after")
    def _check(self) -> "LymphocyteRise":
        if self.tolerance_days <= self.onset_days:
            raise ValueError("tolerance_days must be longer than onset_days (the rise comes before the tolerance)")
        fade = math.log(2.0) / self.fade_half_life_days
        for name in ("onset_days", "tolerance_days"):
            if abs(1.0 / getattr(self, name) - fade) <= 0.01 * fade:
                raise ValueError(f"{name}: its rate 1/{name} must differ from the fading rate ln2/fade_half_life_days")
        return self


class Baricitinib(Frozen):
    """Baricitinib amt_mg orally once daily from day 0 until until_days (no dose on or after), with lab interruptions, renal dose bands and adherence."""

    drug: Literal["baricitinib"]
    attack_severity_ratio: PositiveFloat = 1.0   # acute and residual EDSS steps of an attack while the drug acts
    amt_mg: PositiveFloat = 4
    until_days: PositiveFloat = 336
    stop_on_relapse: bool = True
    adherence: Dist = Dist(kind="fixed", value=1.0)
    lab_days: list[NonNegFloat] = [0, 28, 84, 168, 252]
    interrupt_below: list[LabThreshold] = []
    recheck_days: PositiveFloat = 14
    renal_bands: list[RenalBand] = []
    infection_rate_ratio: PositiveFloat = 1.0
    pk: OralPk = OralPk()
    marrow_effect: MarrowEffect = MarrowEffect(anc_slope_l_per_mg=0.0, anc_slope_cv=0.0, alc_kill_l_per_mg_per_day=0.0)
    lymphocyte_rise: LymphocyteRise = LymphocyteRise()
    efficacy: DailyEfficacy = DailyEfficacy()

    @model_validator(mode="after")
    def _check(self) -> "Baricitinib":
        if self.adherence.kind != "fixed" and (self.adherence.low is None or self.adherence.high is None
                                               or self.adherence.low < 0 or self.adherence.high > 1):
            raise ValueError("adherence must be a probability: give low >= 0 and high <= 1")
        if self.adherence.kind == "fixed" and not 0 <= self.adherence.value <= 1:
            raise ValueError("adherence must be a probability in [0, 1]")
        th = [b.below_egfr_ml_per_min for b in self.renal_bands]
        if len(set(th)) != len(th):
            raise ValueError("renal_bands must have distinct below_egfr_ml_per_min")
        return self


# ---------------------------------------------------------------- belimumab
class BelimumabPk(Frozen):
    """Two-compartment IV PK for a 70-kg patient, scaled by (weight/70)^exponent; CL with log-normal IIV."""

    cl_l_per_day: PositiveFloat = 0.215
    cl_cv: NonNegFloat = 0.3
    v1_l: PositiveFloat = 3.0
    q_l_per_day: PositiveFloat = 0.40
    v2_l: PositiveFloat = 2.3
    weight_ref_kg: PositiveFloat = 70
    cl_weight_exponent: float = 0.75
    v_weight_exponent: float = 1.0


class BCellEffect(Frozen):
    """B cells (fraction of baseline) turn over with turnover_half_life_days; production inhibited by imax*C/(ic50+C)."""

    imax: Probability = 0.55
    ic50_mg_per_l: PositiveFloat = 10.0
    turnover_half_life_days: PositiveFloat = 60.0


class BCellEfficacy(Frozen):
    """RR = 1 - emax * (1 - B/B0): relapse hazard falls with B-cell depletion."""

    emax: Probability = 0.6


class Belimumab(Frozen):
    """Belimumab amt_mg_per_kg x weight IV on initial_days, then every ii_days until until_days (a dose on until_days is given)."""

    drug: Literal["belimumab"]
    attack_severity_ratio: PositiveFloat = 1.0   # acute and residual EDSS steps of an attack while the drug acts
    amt_mg_per_kg: PositiveFloat = 10
    initial_days: Annotated[list[NonNegFloat], Field(min_length=1)] = [0, 14, 28]
    ii_days: PositiveFloat = 28
    until_days: NonNegFloat = 336
    infusion_reaction_probability: Probability = 0.0
    infection_rate_ratio: PositiveFloat = 1.0
    pk: BelimumabPk = BelimumabPk()
    bcells: BCellEffect = BCellEffect()
    efficacy: BCellEfficacy = BCellEfficacy()

    @field_validator("initial_days")
    @classmethod
    def _increasing(cls, days: list[float]) -> list[float]:
        if any(b <= a for a, b in zip(days, days[1:])):
            raise ValueError("initial_days must be strictly increasing")
        return days


# ---------------------------------------------------------------- interferon beta
class InterferonBeta(Frozen):
    """Interferon beta as a continuous exposure: RR = 1 - (1 - rate_ratio) * E, E in [0, 1] rising with mean onset_days, fading with offset_half_life_days."""

    drug: Literal["interferon_beta"]
    attack_severity_ratio: PositiveFloat = 1.0   # acute and residual EDSS steps of an attack while the drug acts
    rate_ratio: Annotated[float, Field(gt=0, le=1)] = 0.7
    onset_days: PositiveFloat = 60
    offset_half_life_days: PositiveFloat = 30
    until_days: PositiveFloat | None = None


class Azathioprine(Frozen):
    """Oral azathioprine as maintenance immunosuppression, a continuous exposure like interferon beta:
    RR = 1 - (1 - rate_ratio) * E, E in [0, 1] rising with mean onset_days, fading with offset_half_life_days."""

    drug: Literal["azathioprine"]
    attack_severity_ratio: PositiveFloat = 1.0   # acute and residual EDSS steps of an attack while the drug acts
    rate_ratio: Annotated[float, Field(gt=0, le=1)] = 0.5
    onset_days: PositiveFloat = 120
    offset_half_life_days: PositiveFloat = 60
    until_days: PositiveFloat | None = None


class Untreated(Frozen):
    """No treatment: the natural course under the same follow-up."""

    drug: Literal["none"]


Drug = Annotated[Union[Mitoxantrone, Baricitinib, Belimumab, InterferonBeta, Azathioprine, Untreated],
                 Field(discriminator="drug")]
DRUGS = ("mitoxantrone", "baricitinib", "belimumab", "interferon_beta", "azathioprine", "none")
DRUG_MODELS = {"mitoxantrone": Mitoxantrone, "baricitinib": Baricitinib, "belimumab": Belimumab,
               "interferon_beta": InterferonBeta, "azathioprine": Azathioprine, "none": Untreated}


# ---------------------------------------------------------------- sequences
class Transition(Frozen):
    """Leave the phase for phase `to` when its one trigger fires (checked in listed order; the first that fires wins).

    Triggers: on_complete (the phase's schedule finished), after_doses (doses or courses given in the phase), on_relapse,
    relapses within window_days, on_edss_worsening (at an EDSS visit, vs the EDSS at phase start: +1.0 from <= 5.5, +0.5 above;
    with confirm_days, the worsening must still hold at a visit at least confirm_days after the visit that first showed it).
    """

    to: Annotated[str, Field(min_length=1)]
    on_complete: bool = False
    after_doses: Annotated[int, Field(ge=1)] | None = None
    on_relapse: bool = False
    relapses: Annotated[int, Field(ge=1)] | None = None
    window_days: PositiveFloat | None = None
    on_edss_worsening: bool = False
    confirm_days: PositiveFloat | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _check(self) -> "Transition":
        kinds = [self.on_complete, self.after_doses is not None, self.on_relapse, self.relapses is not None,
                 self.on_edss_worsening]
        if sum(kinds) != 1:
            raise ValueError("a transition needs exactly one trigger: on_complete, after_doses, on_relapse, "
                             "relapses (with window_days) or on_edss_worsening")
        if (self.relapses is None) != (self.window_days is None):
            raise ValueError("relapses and window_days go together")
        if self.confirm_days is not None and not self.on_edss_worsening:
            raise ValueError("confirm_days goes with on_edss_worsening")
        return self


class Phase(Frozen):
    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    regimen: Drug
    transitions: list[Transition] = []


class Sequence(Frozen):
    """A regimen of phases: the first phase starts on day 0; transitions move a patient to another phase."""

    drug: Literal["sequence"]
    phases: Annotated[list[Phase], Field(min_length=1)]

    @model_validator(mode="after")
    def _check(self) -> "Sequence":
        names = [p.name for p in self.phases]
        if len(set(names)) != len(names):
            raise ValueError(f"phase names must be unique (got {names})")
        for p in self.phases:
            for t in p.transitions:
                if t.to not in names:
                    raise ValueError(f"phase '{p.name}': transition to unknown phase '{t.to}' "
                                     f"(phases: {', '.join(names)})")
        physiology = {}
        for p in self.phases:
            r = p.regimen
            fixed = {k: getattr(r, k) for k in ("pk", "marrow_effect", "lymphocyte_rise", "efficacy", "bcells")
                     if hasattr(r, k)}
            if r.drug in physiology and physiology[r.drug] != fixed:
                raise ValueError(f"phase '{p.name}': {r.drug} must have the same pk, marrow_effect and efficacy "
                                 "in every phase (one drug, one body)")
            physiology.setdefault(r.drug, fixed)
        return self


Regimen = Annotated[Union[Mitoxantrone, Baricitinib, Belimumab, InterferonBeta, Untreated, Sequence],
                    Field(discriminator="drug")]
ALL_DRUGS = DRUGS + ("sequence",)


def leaf_regimens(reg) -> list:
    """The drug regimens of a regimen: itself, or each phase's for a sequence."""
    return [p.regimen for p in reg.phases] if reg.drug == "sequence" else [reg]
