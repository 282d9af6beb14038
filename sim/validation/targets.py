"""Published targets as data: `[[targets]]` TOML files, their pydantic models, loading and checking.

A targets file holds `[[targets]]` entries (and optionally a `title`); each names a metric from the registry
(sim/validation/metrics.py), the arm of a target scenario of the published design (a normal scenario file, path
relative to the targets file), and the published value. The bundled targets live in `scenarios/targets/` (beside
their scenarios), installed as `share/nmosim/scenarios/targets/`. Bad input raises `TargetError` with one line naming
the file, the field and what is allowed.
"""
from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..scenario import Scenario, ScenarioError, load_scenario
from .metrics import METRICS, check_args


class TargetError(Exception):
    """Targets could not be loaded; the message is one line naming the file and field."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Target(Frozen):
    """One published number and how to compute it from a simulated trial of the published design."""

    id: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    citation: Annotated[str, Field(min_length=1)]       # authors, title, journal year;vol:pages, doi/PMID
    population: Annotated[str, Field(min_length=1)]     # who, and the entry rule
    readout: Annotated[str, Field(min_length=1)]        # what was measured, in words
    metric: str                                         # a name from sim.validation.metrics.METRICS
    metric_args: dict[str, float | bool] = {}
    arm: Annotated[str, Field(min_length=1)]            # the arm of the scenario
    scenario: Annotated[str, Field(min_length=1)]       # scenario file of the published design, relative to this file
    published: float
    ci95: tuple[float, float] | None = None
    n: Annotated[int, Field(ge=1)] | None = None
    quick: bool = False                                 # in the quick (CI) subset
    note: str | None = None

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, v: str) -> str:
        if v not in METRICS:
            raise ValueError(f"unknown metric '{v}' (allowed: {', '.join(METRICS)})")
        return v

    @model_validator(mode="after")
    def _check(self) -> "Target":
        problem = check_args(self.metric, self.metric_args)
        if problem:
            raise ValueError(f"metric_args: {problem}")
        if self.ci95 is not None and not self.ci95[0] <= self.published <= self.ci95[1]:
            raise ValueError(f"ci95: {list(self.ci95)} must be [low, high] around published {self.published}")
        return self


class TargetsFile(Frozen):
    title: str = ""
    targets: Annotated[list[Target], Field(min_length=1)]


class LoadedTarget(BaseModel):
    """A target with its origin and its scenario (loaded and checked)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    target: Target
    origin: str                 # the targets file
    scenario_path: str          # the scenario file, resolved
    scenario: Scenario


def bundled_targets_dirs() -> list[Path]:
    """Folders of bundled targets: the source tree's scenarios/targets/ and the installed share/nmosim/scenarios/targets/."""
    return [d for d in (Path(__file__).resolve().parents[2] / "scenarios" / "targets",
                        Path(sys.prefix) / "share" / "nmosim" / "scenarios" / "targets") if d.is_dir()]


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetError(f"{path}: cannot read: {exc}") from None


def target_files(paths: list[Path] | None = None) -> list[Path]:
    """The targets files to use: each given file, or the files of each given folder (default: the bundled folder)
    that hold a top-level `targets` array (the folder's other TOML files are the target scenarios)."""
    if not paths:
        dirs = bundled_targets_dirs()
        if not dirs:
            raise TargetError("no bundled targets found (expected scenarios/targets/ next to the package or in "
                              "share/nmosim)")
        paths = dirs[:1]
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = [f for f in sorted(p.glob("*.toml")) if "targets" in _read(f)]
            if not found:
                raise TargetError(f"{p}: no targets files (TOML files with [[targets]]) in this folder")
            files += found
        elif p.is_file():
            files.append(p)
        else:
            raise TargetError(f"{p}: file not found")
    return files


def _format(err: ValidationError, origin: Path, data: dict) -> str:
    e = err.errors()[0]
    loc = [str(x) for x in e["loc"]]
    where = ".".join(loc) or "(top level)"
    if len(loc) >= 2 and loc[0] == "targets" and loc[1].isdigit():
        tid = (data.get("targets") or [{}])[int(loc[1])]
        if isinstance(tid, dict) and isinstance(tid.get("id"), str):
            where += f" (target '{tid['id']}')"
    if e["type"] == "extra_forbidden":
        model = Target if len(loc) == 3 and loc[0] == "targets" else TargetsFile
        msg = f"unknown field '{loc[-1]}' (allowed: {', '.join(model.model_fields)})"
    elif e["type"] == "missing":
        msg = "required field missing"
    else:
        msg = e["msg"].removeprefix("Value error, ")
        if "input" in e and not isinstance(e["input"], (dict, list)) and repr(e["input"]) not in msg:
            msg += f" (got {e['input']!r})"
    more = len(err.errors()) - 1
    tail = f" [and {more} more error{'s' if more > 1 else ''}]" if more else ""
    return f"{origin}: {where}: {msg}{tail}"


def load_targets_file(path: Path) -> list[LoadedTarget]:
    """One targets file, validated, each target's scenario loaded and its arm checked."""
    data = _read(path)
    try:
        spec = TargetsFile.model_validate(data)
    except ValidationError as exc:
        raise TargetError(_format(exc, path, data)) from None
    out, scenarios = [], {}
    for i, t in enumerate(spec.targets):
        where = f"{path}: targets.{i}.scenario (target '{t.id}')"
        scn_path = (path.parent / t.scenario).resolve()
        if scn_path not in scenarios:
            if not scn_path.is_file():
                raise TargetError(f"{where}: scenario file {t.scenario} not found (relative to {path.parent})")
            try:
                scenarios[scn_path] = load_scenario(scn_path)
            except ScenarioError as exc:
                raise TargetError(f"{where}: {exc}") from None
        scn = scenarios[scn_path]
        arms = [a.name for a in scn.arms]
        if t.arm not in arms:
            raise TargetError(f"{path}: targets.{i}.arm (target '{t.id}'): no arm '{t.arm}' in {t.scenario} "
                              f"(arms: {', '.join(arms)})")
        out.append(LoadedTarget(target=t, origin=str(path), scenario_path=str(scn_path), scenario=scn))
    return out


def load_targets(paths: list[Path] | None = None, quick: bool = False, only: list[str] | None = None) -> list[LoadedTarget]:
    """All targets of the given files/folders (default: bundled), optionally the quick subset and/or some ids."""
    targets: list[LoadedTarget] = []
    seen: dict[str, str] = {}
    for f in target_files(paths):
        for lt in load_targets_file(f):
            if lt.target.id in seen:
                raise TargetError(f"{f}: target id '{lt.target.id}' is also in {seen[lt.target.id]} (ids must be unique)")
            seen[lt.target.id] = str(f)
            targets.append(lt)
    if only:
        unknown = [i for i in only if i not in seen]
        if unknown:
            raise TargetError(f"--only {' '.join(unknown)}: no such target (targets: {', '.join(seen)})")
        targets = [lt for lt in targets if lt.target.id in only]
    if quick:
        targets = [lt for lt in targets if lt.target.quick]
    return targets
