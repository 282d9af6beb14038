"""Safety readouts of one arm: blood-count toxicity by WHO grade, infections, other adverse events, dose changes."""
from __future__ import annotations

from collections import Counter

import numpy as np

from .basic import WHO_NEUTROPENIA_EDGES, distribution, grade_counts, who_grade, who_leukopenia_grade


def tally_counts(tallies: list[tuple]) -> dict:
    """(patient, kind, cause) dose-rule records as counts: {"by_cause": {(kind, cause): n}, "patients": {kind: n}}."""
    by_cause = Counter((k, c) for _, k, c in tallies)
    patients = Counter(k for k, _ in {(k, pid) for pid, k, _ in tallies})
    return {"by_cause": by_cause, "patients": patients}


def merge_tally_counts(a: dict, b: dict) -> dict:
    """Counts of two groups of patients together (patients are in one group only)."""
    return {"by_cause": a["by_cause"] + b["by_cause"], "patients": a["patients"] + b["patients"]}


def tallies_by_reason(counts: dict, kind: str) -> dict[str, int]:
    """Count of records of one kind, by cause."""
    return dict(sorted((c, n) for (k, c), n in counts["by_cause"].items() if k == kind))


def pre_infusion_checks(by_key: dict[str, int]) -> dict:
    """Pre-infusion WBC checks ("course k: WBC [lo, hi)" -> count) as totals by band (count and share of all checks)
    and by course number (count per band)."""
    bands: Counter = Counter()
    courses: dict[int, Counter] = {}
    for key, n in by_key.items():
        course, band = key.split(": ", 1)
        bands[band] += n
        courses.setdefault(int(course.split()[1]), Counter())[band] += n
    total = sum(bands.values())
    order = sorted(bands, key=lambda b: -float(b[5:].split(",")[0]))      # highest band first
    return {
        "checks": total,
        "by_band": {b: {"checks": bands[b], "share": bands[b] / total} for b in order},
        "by_course": {str(c): {b: courses[c][b] for b in order if courses[c][b]} for c in sorted(courses)},
    }


def _finite(p: dict, column: str) -> np.ndarray:
    """Which patients have a finite value in `column` (none if the table lacks it)."""
    if column not in p:
        return np.zeros(len(p["patient"]), bool)
    return np.isfinite(np.asarray(p[column], float))


def heart_and_blood_cancer(p: dict) -> dict:
    """Patients with a confirmed LVEF below the stop threshold, heart failure, therapy-related acute leukaemia (and
    deaths from it), and persistent amenorrhoea among women treated before 45."""
    amen = np.asarray(p.get("amenorrhoea", [np.nan] * len(p["patient"])), float)
    tral_deaths = sum(1 for c in p.get("death_cause", []) if c == "therapy-related acute leukaemia")
    return {
        "lvef_confirmed_low_patients": int(_finite(p, "lvef_confirmed_low_day").sum()),
        "heart_failure_patients": int(_finite(p, "heart_failure_day").sum()),
        "tral_patients": int(_finite(p, "tral_day").sum()),
        "tral_deaths": tral_deaths,
        "amenorrhoea_patients": int(np.nansum(amen)),
        "amenorrhoea_women_at_risk": int(np.isfinite(amen).sum()),
    }


def safety(p: dict, tallies: list[tuple] | dict) -> dict:
    """Per-arm safety table: patients by WHO grade, infections, toxicity, infusion reactions, dose changes, stops."""
    n = len(p["patient"])
    infections = np.asarray(p["infections"], float)
    serious = np.asarray(p["serious_infections"], float)
    tox = np.asarray(p["toxicity_max_grade"], float).astype(int)
    if not isinstance(tallies, dict):
        tallies = tally_counts(tallies)
    reactions = tallies_by_reason(tallies, "infusion reaction")
    return {
        "leukopenia_who_grade_patients": grade_counts(who_leukopenia_grade(p["wbc_min_observed_per_nl"])),
        "neutropenia_who_grade_patients": grade_counts(who_grade(p["anc_min_observed_per_nl"], WHO_NEUTROPENIA_EDGES)),
        "infections": int(infections.sum()),
        "patients_with_infection": int(np.sum(infections > 0)),
        "serious_infections": int(serious.sum()),
        "patients_with_serious_infection": int(np.sum(serious > 0)),
        **heart_and_blood_cancer(p),
        "non_haematological_toxicity_max_grade_patients": grade_counts(tox),
        "toxicity_grade_2_3_patients": int(np.sum((tox >= 2) & (tox <= 3))),
        "infusion_reactions": sum(reactions.values()),
        "patients_with_infusion_reaction": tallies["patients"].get("infusion reaction", 0),
        "pre_infusion_checks": pre_infusion_checks(tallies_by_reason(tallies, "check")),
        "dose_reductions_by_reason": tallies_by_reason(tallies, "reduced"),
        "skipped_infusions_by_reason": tallies_by_reason(tallies, "skipped"),
        "lab_interruptions_by_reason": tallies_by_reason(tallies, "interrupted"),
        "discontinuations_by_reason": dict(sorted(Counter(r for r in p["discontinuation"] if r).items())),
        "cumulative_dose_mg_per_m2": distribution(p["cumulative_dose_mg_per_m2"]),
        "wbc_nadir_per_nl": distribution(p["wbc_nadir_per_nl"]),
        "wbc_min_observed_per_nl": distribution(p["wbc_min_observed_per_nl"]),
        "patients": n,
    }
