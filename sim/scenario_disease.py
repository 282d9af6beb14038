"""Scenario tables of the untreated disease: the relapse process (frailty, activity spells, attack gap), attack
phenotypes and EDSS, and death. Frozen pydantic models (configuration is data); sim/scenario.py re-exports them."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from .config import Dist, Frozen, NonNegFloat, PositiveFloat, Probability


class Phenotype(Frozen):
    """One kind of attack (optic neuritis, myelitis, ...): how often it occurs and its EDSS steps.

    The acute step is `severe_step` with probability `severe_fraction`, else `mild_step`; the residual kept after
    recovery is the acute step times `residual_fraction`; `fatality` is the probability that the attack kills."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_+-]+$")]
    weight: PositiveFloat
    severe_fraction: Probability
    mild_step: Dist
    severe_step: Dist
    residual_fraction: Dist
    fatality: Probability = 0.0
    source: str | None = None


class Edss(Frozen):
    """EDSS per attack and over time.

    Without `phenotypes`, every attack draws from severe_fraction/mild_step/severe_step/residual_fraction ("unspecified");
    with them, an attack's phenotype is drawn by weight and its steps from the phenotype. Each attack adds its acute step,
    which recovers to the residual with time constant recovery_days. The continuous EDSS stays within [0, ceiling]:
    only death reaches 10."""

    severe_fraction: Probability = 0.35
    mild_step: Dist | None = None
    severe_step: Dist | None = None
    residual_fraction: Dist | None = None
    phenotypes: list[Phenotype] = []
    recovery_days: PositiveFloat = 30
    visit_interval_days: PositiveFloat = 90
    drift_per_year: NonNegFloat = 0.0
    ceiling: Annotated[float, Field(ge=1.0, le=9.5)] = 9.5

    @model_validator(mode="after")
    def _steps(self) -> "Edss":
        if not self.phenotypes and None in (self.mild_step, self.severe_step, self.residual_fraction):
            raise ValueError("give mild_step, severe_step and residual_fraction, or a list of phenotypes")
        names = [p.name for p in self.phenotypes]
        if len(set(names)) != len(names):
            raise ValueError(f"phenotype names must be unique (got {names})")
        return self


class Activity(Frozen):
    """Disease activity that comes and goes: each patient alternates between quiescent and active spells
    (exponential durations with these means); the relapse rate in an active spell is active_rate_ratio times the
    quiescent rate. The rates are set so that the long-run mean stays disease.untreated_arr."""

    active_rate_ratio: Annotated[float, Field(ge=1.0, le=1000.0)]
    mean_active_days: PositiveFloat
    mean_quiescent_days: PositiveFloat


class Death(Frozen):
    """Death (EDSS 10, absorbing): a background hazard per year (all causes other than a fatal attack) scaled by age,
    and each attack's phenotype fatality."""

    rate_per_year: NonNegFloat = 0.0
    hazard_ratio_per_decade: PositiveFloat = 1.0   # per 10 years of age at entry above reference_age_years
    reference_age_years: float = 45.0
    source: str | None = None


class Disease(Frozen):
    """Untreated relapse process: long-run rate mu per year with gamma frailty of variance k, modulated by active and
    quiescent spells when `activity` is given; attacks within attack_gap_days of the previous one are not new."""

    untreated_arr: PositiveFloat
    frailty_k: NonNegFloat = 1.0
    attack_gap_days: NonNegFloat = 30
    activity: Activity | None = None
    death: Death = Death()
    edss: Edss
