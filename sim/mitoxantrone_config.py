"""Mitoxantrone's regimen as data: courses (amt, ii, addl, split), the dose rules (WBC bands, infection and toxicity
rules, cap), heart and leukaemia rules (sim/heart.py), PK, marrow effect and efficacy. Re-exported by
sim/regimen_config.py; no logic beyond validation."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from .config import Frozen, NonNegFloat, PositiveFloat, Probability
from .heart import Amenorrhoea, EchoRule, HeartFailure, LvefPath, Tral


class WbcBand(Frozen):
    """Pre-infusion WBC band low <= WBC < high (high omitted = no upper bound): dose at most dose_mg_per_m2; 0 = no infusion."""

    low_per_nl: NonNegFloat
    high_per_nl: PositiveFloat | None = None
    dose_mg_per_m2: NonNegFloat


class InfectionBand(Frozen):
    """An infection within the window with observed WBC below `below_wbc_per_nl` caps the next dose."""

    below_wbc_per_nl: PositiveFloat
    next_dose_mg_per_m2: NonNegFloat


class InfectionRule(Frozen):
    window_days: NonNegFloat = 21
    bands: list[InfectionBand] = []

    @model_validator(mode="after")
    def _check(self) -> "InfectionRule":
        th = [b.below_wbc_per_nl for b in self.bands]
        if th != sorted(th, reverse=True) or len(set(th)) != len(th):
            raise ValueError("infection bands must have strictly decreasing below_wbc_per_nl")
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
    ordered = sorted(bands, key=lambda b: b.low_per_nl)
    if ordered[0].low_per_nl != 0:
        raise ValueError("wbc_bands must start at low_per_nl = 0")
    for a, b in zip(ordered, ordered[1:]):
        if a.high_per_nl is None or a.high_per_nl > b.low_per_nl:
            raise ValueError(f"wbc_bands overlap: [{a.low_per_nl}, {a.high_per_nl or 'inf'}) "
                             f"and [{b.low_per_nl}, {b.high_per_nl or 'inf'})")
        if a.high_per_nl < b.low_per_nl:
            raise ValueError(f"wbc_bands leave a gap between {a.high_per_nl} and {b.low_per_nl}")
    for b in ordered:
        if b.high_per_nl is not None and b.high_per_nl <= b.low_per_nl:
            raise ValueError(f"wbc band [{b.low_per_nl}, {b.high_per_nl}) is empty")
    if ordered[-1].high_per_nl is not None:
        raise ValueError("the highest wbc band must have no high_per_nl")
