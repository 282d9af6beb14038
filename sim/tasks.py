"""The unit of parallel work: one chunk of one arm of one scenario, rebuilt from candidate keys, run, and reduced to
what the caller keeps (readout columns always; the CSV rows or the full records when asked)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .chunking import simulate_chunk
from .dosing_dataset import csv_lines, dosing_columns
from .event_columns import EVENT_FIELDS, csv_lines as event_lines, masked_columns
from .adverse_events import AE_COLUMNS, AE_TYPES
from .outputs import csv_rows, schema_columns
from .readouts.safety import tally_counts
from .scenario import Scenario
from .screening import cohort_of

#: Per-patient columns the readouts need (kept in memory for the whole run; everything else streams to disk).
READOUT_COLUMNS = (
    "patient", "relapses", "follow_up_years", "relapses_on_treatment", "on_treatment_years", "first_relapse_day",
    "treatment_end_day", "pre_study_arr", "edss_start", "edss_end", "wbc_min_observed_per_nl",
    "anc_min_observed_per_nl", "infections", "serious_infections", "toxicity_max_grade", "discontinuation",
    "lvef_confirmed_low_day", "heart_failure_day", "tral_day", "amenorrhoea", "cumulative_dose_mg_per_m2", "wbc_nadir_per_nl", "doses_given", "phases", "phase_start_days", "death_day", "death_cause",
    "on_treatment_population", "edss_worsening_day", "edss_worsening_confirmed_3m_day",
    "edss_worsening_confirmed_6m_day", "edss_improvement_confirmed_3m_day", "edss_improvement_confirmed_6m_day",
    "edss_last_visit_day",
)
TEXT_COLUMNS = ("arm", "discontinuation", "phases", "phase_start_days", "death_cause")
PATIENT_COLUMNS = (
    "patient", "arm", "candidate", "sex_female", "age_years", "height_cm", "weight_kg", "bsa_m2",
    "wbc_per_nl", "anc_per_nl", "alc_per_nl", "platelets_per_nl", "lvef_percent", "aqp4_positive",
    "untreated_arr", "pre_study_relapses", "pre_study_years", "pre_study_arr", "relapses", "follow_up_years", "arr",
    "first_relapse_day", "edss_start", "edss_end", "cumulative_dose_mg_per_m2", "courses", "wbc_nadir_per_nl",
    "wbc_nadir_day", "wbc_min_observed_per_nl", "anc_min_observed_per_nl", "wbc_min_scheduled_per_nl",
    "anc_min_scheduled_per_nl", "lvef_min_observed_percent", "lvef_confirmed_low_day", "heart_failure_day",
    "tral_day", "amenorrhoea", "memory_b_nadir_percent", "infections", "serious_infections", "toxicity_max_grade", "discontinuation", "stop_day", "hb_g_per_dl", "egfr_ml_per_min", "doses_given",
    "last_daily_dose_day", "treatment_end_day", "relapses_on_treatment", "on_treatment_years", "arr_on_treatment",
    "phases", "phase_start_days", "death_day", "death_cause", "on_treatment_population", "edss_worsening_day",
    "edss_worsening_confirmed_3m_day", "edss_worsening_confirmed_6m_day", "edss_improvement_confirmed_3m_day",
    "edss_improvement_confirmed_6m_day", "edss_last_visit_day",
)
#: events.csv: who and when, the event's type, its structured columns (sim/event_columns.py), its text
EVENT_COLUMNS = ("arm", "patient", "day", "type", *EVENT_FIELDS, "details")
LAB_COLUMNS = ("arm", "patient", "day", "wbc_per_nl", "anc_per_nl", "alc_per_nl", "hb_g_per_dl", "context")


@dataclass(frozen=True)
class ChunkTask:
    """Arm `arm` (index) of `scenario` for the patients with candidate `keys`, numbered from `first_id`.

    keep: "readouts" (columns for the readouts only), "text" (and the CSV rows of the three tables, as text),
    or "records" (and the full per-patient columns, events and labs, for the in-memory Results).
    """

    scenario: Scenario
    arm: int
    keys: np.ndarray
    first_id: int
    keep: str = "readouts"


@dataclass
class ChunkOutput:
    arm: str
    columns: dict[str, np.ndarray]
    tallies: dict
    text: dict[str, str] | None = None
    records: object | None = None       # the engine's ChunkResult (keep="records")


def typed_columns(patients: dict[str, list], names=None) -> dict[str, np.ndarray]:
    """Per-patient columns (all, or `names`) as arrays: text columns as object arrays, the rest as floats."""
    return {k: np.asarray(patients[k], dtype=object if k in TEXT_COLUMNS else float)
            for k in (patients if names is None else names)}


def readout_columns(patients: dict[str, list]) -> dict[str, np.ndarray]:
    """The readout columns of a chunk as arrays (text columns as object arrays)."""
    return typed_columns(patients, READOUT_COLUMNS)


def run_chunk(task: ChunkTask) -> ChunkOutput:
    """Simulate one chunk task (in any process)."""
    scn = task.scenario
    arm = scn.arms[task.arm]
    part = simulate_chunk(scn, arm, cohort_of(scn, task.keys), task.first_id, render=task.keep != "readouts")
    out = ChunkOutput(arm.name, readout_columns(part.patients), tally_counts(part.tallies))
    if task.keep == "records":
        out.records = part
    elif task.keep == "text":
        out.text = chunk_text(arm.name, part)
    return out


def chunk_text(arm: str, part) -> dict[str, str]:
    """The CSV rows (no header) of a chunk's patients, events, labs, adverse events and dosing records."""
    p = part.patients
    return {
        "patients.csv": csv_rows(zip(*(p[c] for c in PATIENT_COLUMNS))),
        "events.csv": event_lines(part.events, part.event_fields, arm),
        "labs.csv": csv_rows((arm, pid, f"{d:.3f}", w, a, lc, h, c) for pid, d, w, a, lc, h, c in part.labs),
        "adverse_events.csv": csv_rows((arm, *row) for row in part.adverse_events),
        "dosing.csv": csv_lines(part.dosing, arm),
    }


def chunk_columns(arm: str, part) -> dict[str, dict]:
    """The chunk's patients, events, labs and dosing records as columns (table -> column -> values), for columnar
    files; the events' structured columns typed (int64, float64, str) with their empty cells masked (null)."""
    ev = list(zip(*part.events)) or [[]] * 4
    lb = list(zip(*part.labs)) or [[]] * 7
    return {
        "patients": {c: list(part.patients[c]) for c in PATIENT_COLUMNS},
        "events": {"arm": [arm] * len(part.events), "patient": list(ev[0]), "day": list(ev[1]), "type": list(ev[2]),
                   **masked_columns(part.event_fields), "details": list(ev[3])},
        "labs": {"arm": [arm] * len(part.labs), "patient": list(lb[0]), "day": list(lb[1]),
                 **{c: list(lb[k]) for k, c in enumerate(LAB_COLUMNS[3:], start=2)}},
        "dosing": dosing_columns(arm, part.dosing),
        "adverse_events": schema_columns(AE_COLUMNS, AE_TYPES, [(arm, *row) for row in part.adverse_events]),
    }


def chunk_tasks(scn: Scenario, keys: np.ndarray, keep: str) -> list[ChunkTask]:
    """The chunk tasks of every arm, arm by arm, in patient order."""
    size = scn.run.chunk_size
    return [ChunkTask(scn, j, keys[start:start + size], start, keep)
            for j in range(len(scn.arms)) for start in range(0, len(keys), size)]
