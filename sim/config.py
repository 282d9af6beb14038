"""Base of the scenario models: frozen pydantic models with unknown keys forbidden, number types, distributions."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Sizes a scenario may ask for: checked by validation before anything is allocated (each a one-line error)
MAX_NAME = 64                    # run, arm and phase names (folder names carry them)
MAX_TITLE = 500                  # characters of a scenario's title
MAX_PATIENTS = 10_000_000        # enrolled patients per arm (a streamed run holds one chunk at a time)
MAX_FOLLOW_UP_DAYS = 36_525      # 100 years
MAX_DESIGN_POINTS = 100_000      # points of a sweep's design
MAX_REPLICATES = 100_000         # replicate trials of a run or sweep point

PositiveFloat = Annotated[float, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(ge=0, le=1)]


class ScenarioError(Exception):
    """A scenario could not be loaded; the message is one line naming the file and field."""


class Frozen(BaseModel):
    """Base of every scenario model: immutable, unknown keys are errors, numbers must be finite numbers (not inf or
    nan, not true/false, not quoted text: strict validation)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, strict=True)


# ---------------------------------------------------------------- distributions
class Dist(Frozen):
    """A covariate distribution: normal(mean, sd), lognormal(median, cv), uniform(low, high) or fixed(value); normal and lognormal may be truncated to [low, high]."""

    kind: Literal["normal", "lognormal", "uniform", "fixed"]
    mean: float | None = None
    sd: NonNegFloat | None = None
    median: PositiveFloat | None = None
    cv: NonNegFloat | None = None
    low: float | None = None
    high: float | None = None
    value: float | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _check(self) -> "Dist":
        need = {"normal": ("mean", "sd"), "lognormal": ("median", "cv"),
                "uniform": ("low", "high"), "fixed": ("value",)}[self.kind]
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"{self.kind} distribution needs {', '.join(missing)}")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self
