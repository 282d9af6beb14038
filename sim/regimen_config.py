"""Regimen configuration: each drug's schedule, dose rules and PK/PD parameters as frozen data, and sequences of phases.

Units are in the names; dosing vocabulary follows pharmacometrics (amt, ii, addl, until). No simulation logic here.
"""
from __future__ import annotations

import math

from typing import Annotated, Literal, Union

from pydantic import Field, field_validator, model_validator

from .config import MAX_NAME, Dist, Frozen, NonNegFloat, PositiveFloat, Probability
from .mitoxantrone_config import (Efficacy, InfectionBand, InfectionRule, MarrowEffect, Mitoxantrone,  # noqa: F401
                                  MitoxantronePk, ToxicityRule, WbcBand, check_wbc_bands)


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

    analyte: Literal["wbc_per_nl", "anc_per_nl", "alc_per_nl", "hb_g_per_dl"]
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
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME, pattern=r"^[A-Za-z0-9_.-]+$")]
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
