"""Running a scenario: screen the cohort once, simulate each arm on it, collect tables and the summary."""
from __future__ import annotations

import platform
from dataclasses import dataclass, field
from importlib import metadata

import numpy as np

from . import readouts
from .cohort import Cohort, build_cohort
from .engine import run_arm
from .outputs import csv_text, json_text
from .scenario import Scenario, resolved_dict

PATIENT_COLUMNS = (
    "patient", "arm", "candidate", "sex_female", "age_years", "height_cm", "weight_kg", "bsa_m2",
    "wbc_10e9_per_l", "anc_10e9_per_l", "alc_10e9_per_l", "platelets_10e9_per_l", "lvef_percent", "aqp4_positive",
    "untreated_arr", "pre_study_relapses", "pre_study_years", "pre_study_arr", "relapses", "follow_up_years", "arr",
    "first_relapse_day", "edss_start", "edss_end", "cumulative_dose_mg_per_m2", "courses", "wbc_nadir_10e9_per_l",
    "wbc_min_observed_10e9_per_l", "anc_min_observed_10e9_per_l", "infections", "serious_infections", "toxicity_max_grade", "discontinuation",
    "stop_day", "hb_g_per_dl", "egfr_ml_per_min", "doses_given", "last_daily_dose_day", "treatment_end_day",
    "relapses_on_treatment", "on_treatment_years", "arr_on_treatment", "phases",
)


@dataclass
class Results:
    """A finished run: the scenario, its cohort, per-patient rows (all arms), event and lab records, and the summary."""

    scenario: Scenario
    cohort: Cohort
    patients: dict[str, list] = field(default_factory=dict)
    events: list[tuple] = field(default_factory=list)     # (arm, patient, day, type, details)
    labs: list[tuple] = field(default_factory=list)       # (arm, patient, day, wbc, anc, alc, context)
    survival: list[tuple] = field(default_factory=list)   # Kaplan-Meier rows (arm, day, at_risk, events, S, lo, hi)
    summary: dict = field(default_factory=dict)

    def tables(self) -> dict[str, str]:
        """The CSV files of the run, as text."""
        cols = [self.patients[c] for c in PATIENT_COLUMNS]
        return {
            "patients.csv": csv_text(list(PATIENT_COLUMNS), zip(*cols)),
            "events.csv": csv_text(["arm", "patient", "day", "type", "details"],
                                   ((a, p, f"{d:.3f}", k, s) for a, p, d, k, s in self.events)),
            "labs.csv": csv_text(["arm", "patient", "day", "wbc_10e9_per_l", "anc_10e9_per_l", "alc_10e9_per_l",
                                  "hb_g_per_dl", "context"],
                                 ((a, p, f"{d:.3f}", w, n, l, h, c) for a, p, d, w, n, l, h, c in self.labs)),
            "survival.csv": csv_text(["arm", "day", "at_risk", "events", "relapse_free_probability", "ci95_low",
                                      "ci95_high"], self.survival),
        }

    def files(self, source: str = "", overrides: tuple[str, ...] = ()) -> dict[str, str]:
        """Every file of the run folder, as text."""
        out = self.tables()
        out["summary.json"] = json_text(self.summary)
        out["manifest.json"] = json_text(manifest(self.scenario, source, overrides))
        return out


def versions() -> dict[str, str]:
    v = {"python": platform.python_version()}
    for pkg in ("nmosim", "numpy", "scipy", "simpy", "pydantic", "typer"):
        try:
            v[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            v[pkg] = "not installed"
    return v


def manifest(scn: Scenario, source: str, overrides: tuple[str, ...]) -> dict:
    return {
        "scenario_file": source,
        "overrides": list(overrides),
        "seed": scn.run.seed,
        "replicate": scn.run.replicate,
        "bit_generator": "PCG64 via SeedSequence(seed, spawn_key=(replicate, candidate, purpose))",
        "versions": versions(),
        "scenario": resolved_dict(scn),
    }


def run(scn: Scenario) -> Results:
    """Simulate every arm of the scenario on one screened cohort (common random numbers across arms)."""
    cohort = build_cohort(scn)
    res = Results(scn, cohort)
    arms, columns = {}, {}
    ro = scn.readouts
    for arm in scn.arms:
        out = run_arm(scn, arm, cohort)
        for k, v in out.patients.items():
            res.patients.setdefault(k, []).extend(v)
        res.events += [(arm.name, p, d, k, s) for p, d, _, k, s in out.events]
        res.labs += [(arm.name, p, d, w, a, l, h, c) for p, d, _, w, a, l, h, c in out.labs]
        cols = {k: np.asarray(v, dtype=object if k in ("arm", "discontinuation", "phases") else float)
                for k, v in out.patients.items()}
        arms[arm.name] = readouts.summarize_arm(cols, out.tallies, ro.alpha)
        columns[arm.name] = cols
        res.survival += readouts.km_table(arm.name, *readouts.first_relapse_times(cols, ro.estimand), ro.alpha)
    res.summary = {
        "schema_version": 1,
        "scenario": scn.run.name,
        "title": scn.title,
        "seed": scn.run.seed,
        "follow_up_days": scn.run.follow_up_days,
        "screening": {"screened": cohort.screened, "enrolled": cohort.n, "failed_by_criterion": cohort.failed},
        "arms": arms,
        "comparison": readouts.compare_arms(arms, columns, ro.reference_arm or scn.arms[0].name,
                                            [a.name for a in scn.arms if a.regimen.drug == "none"], ro.estimand, ro.alpha),
    }
    return res
