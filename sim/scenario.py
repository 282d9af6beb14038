"""Scenario files: frozen pydantic models of a TOML scenario, and `load_scenario`.

Configuration is data. Validation lives here; simulation logic does not.
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

PositiveFloat = Annotated[float, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Probability = Annotated[float, Field(ge=0, le=1)]


class Frozen(BaseModel):
    """Base of every scenario model: immutable, unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


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


# ---------------------------------------------------------------- cohort
COVARIATES = (
    "age_years", "sex_female", "height_cm", "weight_kg", "bsa_m2",
    "wbc_10e9_per_l", "anc_10e9_per_l", "alc_10e9_per_l", "platelets_10e9_per_l",
    "lvef_percent", "edss", "aqp4_positive", "prior_relapses",
)


class Criterion(Frozen):
    """One eligibility condition on a screening covariate; bounds are gt/ge/lt/le/eq; `any_of` passes if any sub-criterion passes."""

    name: str
    covariate: str | None = None
    window_days: PositiveFloat | None = None
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    eq: float | None = None
    any_of: list["Criterion"] | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _check(self) -> "Criterion":
        if self.any_of is not None:
            if self.covariate is not None:
                raise ValueError("give either covariate or any_of, not both")
            return self
        if self.covariate is None:
            raise ValueError("a criterion needs a covariate (or any_of)")
        if all(getattr(self, b) is None for b in ("gt", "ge", "lt", "le", "eq")):
            raise ValueError(f"criterion '{self.name}' needs a bound: gt, ge, lt, le or eq")
        if self.covariate == "prior_relapses" and self.window_days is None:
            raise ValueError("prior_relapses needs window_days")
        return self


class Cohort(Frozen):
    """Covariate distributions of the candidate population and the eligibility criteria that screen it."""

    female_fraction: Probability = 0.85
    age_years: Dist
    height_cm_female: Dist
    height_cm_male: Dist
    weight_kg_female: Dist
    weight_kg_male: Dist
    anc_10e9_per_l: Dist
    alc_10e9_per_l: Dist
    other_wbc_10e9_per_l: Dist
    platelets_10e9_per_l: Dist
    lvef_percent: Dist
    edss_chronic: Dist
    aqp4_positive_fraction: Probability = 0.8
    conditions: dict[str, Probability] = {}
    history_days: PositiveFloat = 730
    inclusion: list[Criterion] = []
    exclusion: list[Criterion] = []
    max_screened_per_enrolled: Annotated[int, Field(ge=1)] = 500

    @model_validator(mode="after")
    def _check(self) -> "Cohort":
        allowed = set(COVARIATES) | set(self.conditions)

        def walk(c: Criterion, where: str) -> None:
            if c.any_of is not None:
                for sub in c.any_of:
                    walk(sub, where)
                return
            if c.covariate not in allowed:
                raise ValueError(f"{where} '{c.name}': unknown covariate '{c.covariate}' "
                                 f"(allowed: {', '.join(sorted(allowed))})")
            if c.covariate == "prior_relapses" and c.window_days > self.history_days:
                raise ValueError(f"{where} '{c.name}': window_days {c.window_days} exceeds "
                                 f"cohort.history_days {self.history_days}")

        for c in self.inclusion:
            walk(c, "inclusion")
        for c in self.exclusion:
            walk(c, "exclusion")
        return self


# ---------------------------------------------------------------- disease and physiology
class Edss(Frozen):
    """EDSS per attack: acute step (mild or severe), residual fraction kept after recovery with time constant recovery_days."""

    severe_fraction: Probability = 0.35
    mild_step: Dist
    severe_step: Dist
    residual_fraction: Dist
    recovery_days: PositiveFloat = 30
    visit_interval_days: PositiveFloat = 90


class Disease(Frozen):
    """Untreated relapse process: rate mu per year with gamma frailty of variance k; attacks within attack_gap_days of the previous are not new."""

    untreated_arr: PositiveFloat
    frailty_k: NonNegFloat = 1.0
    attack_gap_days: NonNegFloat = 30
    edss: Edss


class AncBand(Frozen):
    """Infection hazard multiplier applying while true ANC is below `below_anc_10e9_per_l`."""

    below_anc_10e9_per_l: PositiveFloat
    multiplier: PositiveFloat


class Infection(Frozen):
    """Infection hazard: base rate per year times the multiplier of the lowest ANC band the patient is in."""

    base_rate_per_year: NonNegFloat = 0.5
    anc_bands: list[AncBand] = []
    serious_fraction: Probability = 0.05

    @model_validator(mode="after")
    def _check(self) -> "Infection":
        th = [b.below_anc_10e9_per_l for b in self.anc_bands]
        if th != sorted(th, reverse=True) or len(set(th)) != len(th):
            raise ValueError("anc_bands must have strictly decreasing below_anc_10e9_per_l")
        return self


class Marrow(Frozen):
    """Friberg myelosuppression system parameters for neutrophils (drug potency lives with the drug)."""

    mtt_hours: PositiveFloat = 124
    mtt_cv: NonNegFloat = 0.17
    gamma: PositiveFloat = 0.24


class Lymphocytes(Frozen):
    """Lymphocyte turnover: return to baseline with half-life recovery_half_life_days."""

    recovery_half_life_days: PositiveFloat = 14


class Labs(Frozen):
    """Observed counts: true count times exp(N(0, cv)), reported to `decimals`."""

    cv: NonNegFloat = 0.08
    decimals: Annotated[int, Field(ge=0, le=6)] = 2


class Physiology(Frozen):
    marrow: Marrow = Marrow()
    lymphocytes: Lymphocytes = Lymphocytes()
    labs: Labs = Labs()


# ---------------------------------------------------------------- regimens
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


class Lvef(Frozen):
    """LVEF falls by decline_percent_per_mg_per_m2 (log-normal IIV) of cumulative dose; observed with sd; stop below stop_below_percent."""

    stop_below_percent: float = 50
    decline_percent_per_mg_per_m2: NonNegFloat = 0.03
    decline_cv: NonNegFloat = 1.0
    measurement_sd_percent: NonNegFloat = 2.0
    check_before_each_course: bool = True


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
    """Drug effect on marrow: linear slope on plasma concentration (L/mg) for neutrophil proliferation and lymphocyte kill rate."""

    anc_slope_l_per_mg: NonNegFloat = 22.0
    anc_slope_cv: NonNegFloat = 0.43
    alc_kill_l_per_mg_per_day: NonNegFloat = 22.0


class Efficacy(Frozen):
    """Effect on relapse hazard: RR = 1 - emax*E/(ec50+E); E is a dose memory (mg/m2) entering with mean onset_days and decaying with persistence_half_life_days."""

    emax: Probability = 0.85
    ec50_mg_per_m2: PositiveFloat = 6.0
    onset_days: PositiveFloat = 14.0
    persistence_half_life_days: PositiveFloat = 120.0


class Mitoxantrone(Frozen):
    """Mitoxantrone IV courses: amt every ii days, addl further courses, optional split over split_days, with the dose rules as data."""

    drug: Literal["mitoxantrone"]
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
    lvef: Lvef = Lvef()
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


class Untreated(Frozen):
    """No treatment: the natural course under the same follow-up."""

    drug: Literal["none"]


Regimen = Annotated[Union[Mitoxantrone, Untreated], Field(discriminator="drug")]


class Arm(Frozen):
    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    regimen: Regimen


# ---------------------------------------------------------------- run and scenario
class Run(Frozen):
    """How to run: seed, enrolled patients, follow-up, chunk size and physiology step."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    seed: Annotated[int, Field(ge=0)]
    patients: Annotated[int, Field(ge=1)]
    follow_up_days: PositiveFloat
    chunk_size: Annotated[int, Field(ge=1)] = 2000
    step_days: Annotated[float, Field(gt=0, le=1)] = 0.5
    replicate: Annotated[int, Field(ge=0)] = 0


class Readouts(Frozen):
    pre_study_window_days: PositiveFloat = 365


class Scenario(Frozen):
    """A whole scenario file."""

    title: str = ""
    run: Run
    cohort: Cohort
    disease: Disease
    infection: Infection = Infection()
    physiology: Physiology = Physiology()
    readouts: Readouts = Readouts()
    arms: Annotated[list[Arm], Field(min_length=1)]

    @model_validator(mode="after")
    def _check(self) -> "Scenario":
        names = [a.name for a in self.arms]
        if len(set(names)) != len(names):
            raise ValueError(f"arm names must be unique (got {names})")
        if self.readouts.pre_study_window_days > self.cohort.history_days:
            raise ValueError("readouts.pre_study_window_days exceeds cohort.history_days")
        return self


# ---------------------------------------------------------------- loading
class ScenarioError(Exception):
    """A scenario could not be loaded; the message is one line naming the file and field."""


def _loc(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p not in ("mitoxantrone", "none")) or "(top level)"


def _fields_at(loc: tuple) -> list[str] | None:
    """Allowed field names of the model holding the last key of `loc`, for unknown-key errors."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if part in ("mitoxantrone", "none"):
            model = {"mitoxantrone": Mitoxantrone, "none": Untreated}[part]
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return None
        model = _model_of(field.annotation)
        if model is None:
            return None
    return sorted(getattr(model, "model_fields", {}))


def _model_of(annotation: Any) -> Any:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        m = _model_of(arg)
        if m is not None:
            return m
    return None


def format_validation_error(err: ValidationError, origin: str) -> str:
    """One line: origin, field path, what is wrong (first error; the count of others)."""
    e = err.errors()[0]
    loc = tuple(e["loc"])
    if e["type"] == "extra_forbidden":
        allowed = _fields_at(loc)
        msg = f"unknown field '{loc[-1]}'" + (f" (allowed: {', '.join(allowed)})" if allowed else "")
    elif e["type"] == "union_tag_invalid":
        msg = f"unknown drug {e.get('input')!r} (allowed: mitoxantrone, none)"
    else:
        msg = e["msg"].removeprefix("Value error, ")
        if "input" in e and not isinstance(e["input"], (dict, list)):
            msg += f" (got {e['input']!r})"
    more = len(err.errors()) - 1
    tail = f" [and {more} more error{'s' if more > 1 else ''}]" if more else ""
    return f"{origin}: {_loc(loc)}: {msg}{tail}"


def parse_override(text: str) -> tuple[list[str | int], Any]:
    """Parse `dotted.path=value`; value in TOML syntax, else taken as a string."""
    if "=" not in text:
        raise ScenarioError(f"--set {text}: expected dotted.path=value")
    path, raw = text.split("=", 1)
    parts: list[str | int] = []
    for p in path.strip().split("."):
        if not p:
            raise ScenarioError(f"--set {text}: empty segment in path '{path}'")
        parts.append(int(p) if p.isdigit() else p)
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return parts, value


def apply_override(data: dict, parts: list[str | int], value: Any, text: str) -> None:
    """Set data[parts] = value; missing intermediate tables are created, bad list indexes are errors."""
    node: Any = data
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(str(x) for x in parts[: i + 1])
        if isinstance(node, list):
            if not isinstance(p, int) or not 0 <= p < len(node):
                raise ScenarioError(f"--set {text}: {where}: no such list item (have {len(node)})")
            if last:
                node[p] = value
            else:
                node = node[p]
            continue
        if not isinstance(node, dict):
            raise ScenarioError(f"--set {text}: {where}: parent is a value, not a table")
        if isinstance(p, int):
            raise ScenarioError(f"--set {text}: {where}: not a list")
        if last:
            node[p] = value
        else:
            node = node.setdefault(p, {})


def read_toml(path: str | Path) -> dict:
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{path}: file not found")
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None


def scenario_from_dict(data: dict, origin: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, origin)) from None


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Load and validate a scenario file, then apply `dotted.path=value` overrides and validate again."""
    data = read_toml(path)
    scenario = scenario_from_dict(data, str(path))
    if not overrides:
        return scenario
    try:
        for text in overrides:
            parts, value = parse_override(text)
            apply_override(data, parts, value, text)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return scenario_from_dict(data, f"{path} (with --set {' '.join(overrides)})")


def resolved_dict(scenario: Scenario) -> dict:
    """The fully resolved scenario as plain data (defaults filled), for manifests."""
    return scenario.model_dump(mode="json")


def days_to_years(days: float) -> float:
    return days / 365.25


YEAR_DAYS = 365.25
