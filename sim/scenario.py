"""Scenario files: frozen pydantic models of a TOML scenario, and `load_scenario`.

Configuration is data. Validation lives here; simulation logic does not.
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from .bundled import bundled_dirs, resolve
from .scenario_extends import resolve_extends
from .toml_text import vary_arrays_as_text
from .overrides import apply_override, is_index, parse_override, short  # noqa: F401 (parse_override: API)
from .unit_names import migrate_keys, migrate_path
from .config import (MAX_DESIGN_POINTS, MAX_FOLLOW_UP_DAYS, MAX_NAME, MAX_PATIENTS, MAX_REPLICATES, MAX_TITLE, Dist,
                     Frozen, NonNegFloat, PositiveFloat, Probability, ScenarioError)
from .scenario_disease import Activity, Death, Disease, Edss, Phenotype  # noqa: F401
from .regimen_config import (ALL_DRUGS, DRUG_MODELS, Baricitinib, Belimumab, Mitoxantrone, Regimen, Sequence,  # noqa: F401
                             Untreated, leaf_regimens)

# ---------------------------------------------------------------- cohort
COVARIATES = (
    "age_years", "sex_female", "height_cm", "weight_kg", "bsa_m2",
    "wbc_per_nl", "anc_per_nl", "alc_per_nl", "platelets_per_nl",
    "lvef_percent", "edss", "aqp4_positive", "prior_relapses", "hb_g_per_dl", "egfr_ml_per_min",
    "days_since_last_attack",
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


class PriorImmunosuppression(Frozen):
    """Counts lowered by the immunosuppressants a cohort has failed (azathioprine, mycophenolate, cyclophosphamide):
    each candidate's ANC and lymphocytes are the drawn counts times these ratios (before screening)."""

    anc_ratio: PositiveFloat = 1.0
    alc_ratio: PositiveFloat = 1.0
    source: str | None = None


class Cohort(Frozen):
    """Covariate distributions of the candidate population and the eligibility criteria that screen it."""

    female_fraction: Probability = 0.85
    age_years: Dist
    height_cm_female: Dist | None = None
    height_cm_male: Dist | None = None
    weight_kg_female: Dist | None = None
    weight_kg_male: Dist | None = None
    anc_per_nl: Dist
    alc_per_nl: Dist
    other_wbc_per_nl: Dist
    prior_immunosuppression: PriorImmunosuppression | None = None
    platelets_per_nl: Dist
    lvef_percent: Dist
    edss_chronic: Dist
    hb_g_per_dl: Dist | None = None
    egfr_ml_per_min: Dist | None = None
    aqp4_positive_fraction: Probability = 0.8
    conditions: dict[str, Probability] = {}
    history_days: PositiveFloat = 730
    inclusion: list[Criterion] = []
    exclusion: list[Criterion] = []
    max_screened_per_enrolled: Annotated[int, Field(ge=1)] = 500

    @model_validator(mode="after")
    def _check(self) -> "Cohort":
        allowed = set(COVARIATES) | set(self.conditions)
        for name in ("height_cm", "weight_kg"):
            given = [getattr(self, f"{name}_{sex}") is not None for sex in ("female", "male")]
            if any(given) and not all(given):
                raise ValueError(f"give both {name}_female and {name}_male, or neither")

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
class AncBand(Frozen):
    """Infection hazard multiplier applying while true ANC is below `below_anc_per_nl`."""

    below_anc_per_nl: PositiveFloat
    multiplier: PositiveFloat


class AlcBand(Frozen):
    """Infection hazard multiplier applying while the true lymphocyte count is below `below_alc_per_nl`."""

    below_alc_per_nl: PositiveFloat
    multiplier: PositiveFloat


class Infection(Frozen):
    """Infection hazard: base rate per year times the multiplier of the lowest ANC band the patient is in, times that
    of the lowest lymphocyte (ALC) band; each infection is serious with probability serious_fraction."""

    base_rate_per_year: NonNegFloat = 0.5
    anc_bands: list[AncBand] = []
    alc_bands: list[AlcBand] = []
    serious_fraction: Probability = 0.05

    @model_validator(mode="after")
    def _check(self) -> "Infection":
        for name, th in (("anc_bands", [b.below_anc_per_nl for b in self.anc_bands]),
                         ("alc_bands", [b.below_alc_per_nl for b in self.alc_bands])):
            if th != sorted(th, reverse=True) or len(set(th)) != len(th):
                raise ValueError(f"{name} must have strictly decreasing thresholds")
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


class Arm(Frozen):
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME, pattern=r"^[A-Za-z0-9_.-]+$")]
    regimen: Regimen


# ---------------------------------------------------------------- run and scenario
class Run(Frozen):
    """How to run: seed, enrolled patients, follow-up, chunk size and physiology step."""

    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME, pattern=r"^[A-Za-z0-9_.-]+$")]
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)]
    patients: Annotated[int, Field(ge=1, le=MAX_PATIENTS)]
    follow_up_days: Annotated[float, Field(gt=0, le=MAX_FOLLOW_UP_DAYS)]
    chunk_size: Annotated[int, Field(ge=1, le=MAX_PATIENTS)] = 5000
    step_days: Annotated[float, Field(ge=0.01, le=1)] = 1.0
    replicate: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0


class Readouts(Frozen):
    """Readout settings: baseline window, reference arm (default: the first), estimand, and the test level."""

    pre_study_window_days: PositiveFloat = 365
    reference_arm: str | None = None
    estimand: Literal["follow_up", "on_treatment"] = "follow_up"   # relapses counted and censored at end of follow-up
    # (intention to treat) or at the end of treatment (the last dose's cover); rate ratios, KM and log-rank use it
    alpha: float = Field(0.05, gt=0.0, lt=0.5)                       # two-sided test level for power and type-I error
    phase_readout_day: PositiveFloat | None = None   # also report sequences' phase paths as entered before this day


class Sweep(Frozen):
    """A `[sweep]` table: vary maps a dotted path to VALUES text (list `6,9,12`, range `0.2:0.9:8` or bounds `0.2..0.9`), see sim/sweep_spec.py.

    The loader reads an array of values (`[6, 9, 12]`) as the equivalent list text (sim/toml_text.py)."""

    vary: dict[str, str]
    design: Literal["grid", "lhs", "sobol"] = "grid"
    samples: Annotated[int, Field(ge=1, le=MAX_DESIGN_POINTS)] | None = None
    replicates: Annotated[int, Field(ge=1, le=MAX_REPLICATES)] = 1
    workers: Annotated[int, Field(ge=1)] | None = None


class Scenario(Frozen):
    """A whole scenario file."""

    title: Annotated[str, Field(max_length=MAX_TITLE)] = ""
    run: Run
    cohort: Cohort
    disease: Disease
    infection: Infection = Infection()
    physiology: Physiology = Physiology()
    readouts: Readouts = Readouts()
    arms: Annotated[list[Arm], Field(min_length=1)]
    sweep: Sweep | None = None

    @model_validator(mode="after")
    def _check(self) -> "Scenario":
        names = [a.name for a in self.arms]
        if len(set(names)) != len(names):
            raise ValueError(f"arm names must be unique (got {names})")
        if self.readouts.pre_study_window_days > self.cohort.history_days:
            raise ValueError("readouts.pre_study_window_days exceeds cohort.history_days")
        if self.readouts.reference_arm is not None and self.readouts.reference_arm not in names:
            raise ValueError(f"readouts.reference_arm '{self.readouts.reference_arm}' is not an arm "
                             f"(arms: {', '.join(names)})")
        c = self.cohort
        for a, arm in enumerate(self.arms):
            for reg in leaf_regimens(arm.regimen):
                where = f"arms.{a}.regimen ({reg.drug})"
                if isinstance(reg, (Mitoxantrone, Belimumab)) and (c.weight_kg_female is None or c.height_cm_female is None):
                    need = "per m2 of body surface" if isinstance(reg, Mitoxantrone) else "per kg of body weight"
                    raise ValueError(f"{where}: the dose is {need}, but the cohort has no weight_kg_female/"
                                     "weight_kg_male and height_cm_female/height_cm_male distributions")
                if isinstance(reg, Baricitinib):
                    if reg.renal_bands and c.egfr_ml_per_min is None:
                        raise ValueError(f"{where}: renal_bands need cohort.egfr_ml_per_min")
                    if any(t.analyte == "hb_g_per_dl" for t in reg.interrupt_below) and c.hb_g_per_dl is None:
                        raise ValueError(f"{where}: interrupt_below on hb_g_per_dl needs cohort.hb_g_per_dl")
        return self


# ---------------------------------------------------------------- loading
def _loc(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p not in ALL_DRUGS) or "(top level)"


def _fields_at(loc: tuple) -> list[str] | None:
    """Allowed field names of the model holding the last key of `loc`, for unknown-key errors."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if part in ALL_DRUGS:
            model = {**DRUG_MODELS, "sequence": Sequence}[part]
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
    """Every error of the validation, one line each: origin, field path, what is wrong (and what is allowed)."""
    return "\n".join(f"{origin}: {_loc(tuple(e['loc']))}: {_error_text(e)}" for e in err.errors())


def _error_text(e: dict) -> str:
    loc = tuple(e["loc"])
    if e["type"] == "extra_forbidden":
        allowed = _fields_at(loc)
        return f"unknown field '{loc[-1]}'" + (f" (allowed: {', '.join(allowed)})" if allowed else "")
    if e["type"] == "union_tag_invalid":
        tags = (e.get("ctx") or {}).get("expected_tags") or ", ".join(ALL_DRUGS)
        tag = (e.get("ctx") or {}).get("tag", e.get("input"))
        return f"unknown drug {tag!r} (allowed: {tags})"
    msg = e["msg"].removeprefix("Value error, ")
    if "input" in e and not isinstance(e["input"], (dict, list)):
        msg += f" (got {short(repr(e['input']))})"
    return msg


def read_toml(path: str | Path) -> dict:
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{path}: file not found")
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: tables or arrays nest too deeply to read") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None


def _current_names(data: dict, origin: str) -> None:
    """Old unit suffixes renamed in place (sim/unit_names.py); both names in one table is an error."""
    clashes = migrate_keys(data, origin)
    if clashes:
        raise ScenarioError("\n".join(f"{origin}: {c}" for c in clashes))


def read_current_toml(path: str | Path) -> dict:
    """read_toml with old key names renamed (a warning each)."""
    data = read_toml(path)
    _current_names(data, str(path))
    return data


def scenario_from_dict(data: dict, origin: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, origin)) from None


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """Load and validate a scenario file, then apply `dotted.path=value` overrides and validate again.

    `[sweep] vary` values given as TOML arrays (or single numbers) are read as the equivalent VALUES list text;
    `extends` bases are merged in first (sim/scenario_extends.py). `path` may also name a bundled scenario
    ("mitonmo"), as on the command line."""
    path = resolve(path)
    data = resolve_extends(read_current_toml(path), Path(path), read_current_toml, ScenarioError,
                           tuple(bundled_dirs()))
    try:
        vary_arrays_as_text(data, str(path))
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
    scenario = scenario_from_dict(data, str(path))
    if not overrides:
        return scenario
    origin = f"{path} (with --set {' '.join(short(o) for o in overrides)})"
    try:
        for text in overrides:
            parts, value = parse_override(text)
            apply_override(data, parts, value, text)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    _current_names(data, origin)                  # a table given by --set may use old key names too
    return scenario_from_dict(data, origin)


def replace(scenario: Scenario, changes: dict[str, Any]) -> Scenario:
    """A copy of `scenario` with each dotted path set to its value (as `--set`: arms by name or index), validated
    again: `replace(scn, {"arms.mitoxantrone.regimen.amt_mg_per_m2": 6, "run.patients": 50})`."""
    data = scenario.model_dump(mode="json")
    for path, value in changes.items():
        path = migrate_path(path, f"replace({path!r})")
        text = f"{path}={value!r}"
        parts = [int(p) if is_index(p) else p for p in path.split(".")]
        apply_override(data, parts, value, text)
    return scenario_from_dict(data, f"{scenario.run.name} (replace {', '.join(changes)})")


def resolved_dict(scenario: Scenario) -> dict:
    """The fully resolved scenario as plain data (defaults filled), for manifests."""
    return scenario.model_dump(mode="json")


def days_to_years(days: float) -> float:
    return days / 365.25


YEAR_DAYS = 365.25
