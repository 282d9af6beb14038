"""Running a scenario: screen the cohort once, simulate each arm on it, collect tables and the summary."""
from __future__ import annotations

import hashlib
import platform
from collections import Counter
from concurrent.futures import Executor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from . import readouts
from .adverse_events import AE_COLUMNS
from .cohort import Cohort
from .dosing_dataset import DOSING_COLUMNS, csv_lines
from .event_columns import csv_lines as event_lines
from .executors import ordered_map
from .outputs import ParquetSink, RunFolder, csv_rows, csv_text, json_text, schema_columns
from .readouts.safety import merge_tally_counts
from .readouts.tables import READOUTS_COLUMNS, TTE_COLUMNS, readout_rows, tte_rows
from .scenario import Scenario, resolved_dict
from .screening import Screening, cohort_of, screen_keys
from .tasks import (EVENT_COLUMNS, LAB_COLUMNS, PATIENT_COLUMNS, ChunkOutput, chunk_columns, chunk_tasks, chunk_text,
                    run_chunk)

SURVIVAL_COLUMNS = ("arm", "day", "at_risk", "events", "relapse_free_probability", "ci95_low", "ci95_high")

@dataclass
class Results:
    """A finished run: the scenario, its cohort, per-patient rows (all arms), event and lab records, and the summary."""

    scenario: Scenario
    cohort: Cohort
    patients: dict[str, list] = field(default_factory=dict)
    events: list[tuple] = field(default_factory=list)     # (arm, patient, day, type, details)
    event_fields: list[tuple] = field(default_factory=list)   # per event (same order): its EVENT_FIELDS values
                                                              # (sim/event_columns.py)
    labs: list[tuple] = field(default_factory=list)       # (arm, patient, day, wbc, anc, alc, hb, context)
    survival: list[tuple] = field(default_factory=list)   # Kaplan-Meier rows (arm, day, at_risk, events, S, lo, hi)
    time_to_event: list[tuple] = field(default_factory=list)   # TTE_COLUMNS rows (sim/readouts/tables.py)
    readouts: list[tuple] = field(default_factory=list)   # READOUTS_COLUMNS rows: summary.json's estimates, flat
    adverse_events: list[tuple] = field(default_factory=list)   # AE_COLUMNS rows (sim/adverse_events.py)
    dosing: list[tuple] = field(default_factory=list)   # DOSING_COLUMNS rows (sim/dosing_dataset.py)
    summary: dict = field(default_factory=dict)

    def tables(self) -> dict[str, str]:
        """The CSV files of the run, as text."""
        cols = [self.patients[c] for c in PATIENT_COLUMNS]
        return {
            "patients.csv": csv_text(list(PATIENT_COLUMNS), zip(*cols)),
            "events.csv": csv_rows([EVENT_COLUMNS]) + event_lines(self.events, self.event_fields),
            "labs.csv": csv_text(list(LAB_COLUMNS),
                                 ((a, p, f"{d:.3f}", w, n, lc, h, c) for a, p, d, w, n, lc, h, c in self.labs)),
            "survival.csv": csv_text(list(SURVIVAL_COLUMNS), self.survival),
            "time_to_event.csv": csv_text(list(TTE_COLUMNS), self.time_to_event),
            "readouts.csv": csv_text(list(READOUTS_COLUMNS), self.readouts),
            "adverse_events.csv": csv_text(list(AE_COLUMNS), self.adverse_events),
            "dosing.csv": csv_rows([DOSING_COLUMNS]) + csv_lines(self.dosing),
        }

    def frame(self, table: str):
        """One table (patients, events, labs, survival) as a pandas DataFrame with the CSV file's columns."""
        from .results_view import frame

        return frame(self, table)

    def __repr__(self) -> str:
        from .results_view import text

        return text(self)

    def _repr_html_(self) -> str:
        from .results_view import html

        return html(self)

    def files(self, source: str = "", overrides: tuple[str, ...] = ()) -> dict[str, str]:
        """Every file of the run folder, as text."""
        out = self.tables()
        out["summary.json"] = json_text(self.summary)
        text = scenario_text(source)
        if text is not None:
            out[SCENARIO_COPY] = text
        out["manifest.json"] = json_text(manifest(self.scenario, source, overrides, text))
        return out


def versions() -> dict[str, str]:
    v = {"python": platform.python_version()}
    for pkg in ("nmosim", "numpy", "scipy", "simpy", "pydantic", "typer"):
        try:
            v[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            v[pkg] = "not installed"
    return v


SCENARIO_COPY = "scenario.toml"     # the scenario file's text as the run read it; the report shows this copy


def scenario_text(source: str) -> str | None:
    """The scenario file's text now (None without a readable file), copied into the run folder with its SHA-256 in
    the manifest, so that the report never has to read a path outside the run folder."""
    if not source:
        return None
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def manifest(scn: Scenario, source: str, overrides: tuple[str, ...], text: str | None = None) -> dict:
    return {
        "scenario_file": source,
        "scenario_file_sha256": None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "overrides": list(overrides),
        "seed": scn.run.seed,
        "replicate": scn.run.replicate,
        "bit_generator": "PCG64 via SeedSequence(seed, spawn_key=(replicate, candidate, purpose))",
        "versions": versions(),
        "scenario": resolved_dict(scn),
    }


def simulate(scn: Scenario, screening: Screening, keep: str, executor: Executor | None = None):
    """The chunk outputs of every arm, arm by arm, in patient order (computed on `executor`, or here)."""
    tasks = chunk_tasks(scn, screening.keys, keep)
    if executor is None:
        return map(run_chunk, tasks)
    return ordered_map(executor, run_chunk, tasks, window=2 * max(1, getattr(executor, "_max_workers", 2) or 2))


class ArmCollector:
    """Readout columns and dose-rule tallies of one arm, filled chunk by chunk into arrays of the arm's size
    (allocated once: no growing lists of small arrays, so memory does not fragment over many chunks)."""

    def __init__(self, n: int):
        self.n, self.filled = n, 0
        self.cols: dict[str, np.ndarray] = {}
        self.tallies = {"by_cause": Counter(), "patients": Counter()}

    def add(self, out: ChunkOutput) -> None:
        k = len(out.columns["patient"])
        for name, values in out.columns.items():
            if name not in self.cols:
                self.cols[name] = np.empty(self.n, dtype=values.dtype)
            self.cols[name][self.filled:self.filled + k] = values
        self.filled += k
        self.tallies = merge_tally_counts(self.tallies, out.tallies)

    def columns(self) -> dict[str, np.ndarray]:
        return {k: v[:self.filled] for k, v in self.cols.items()}


def collect(scn: Scenario, screening: Screening, outputs, on_chunk=None) -> tuple[dict, list[tuple]]:
    """Consume chunk outputs in order (calling on_chunk on each); return the summary and the Kaplan-Meier rows."""
    arms = {a.name: ArmCollector(len(screening.keys)) for a in scn.arms}
    for out in outputs:
        arms[out.arm].add(out)
        if on_chunk is not None:
            on_chunk(out)
    return summarize(scn, screening, {name: (c.columns(), c.tallies) for name, c in arms.items()})


def summarize(scn: Scenario, screening: Screening, arms_data: dict[str, tuple[dict, dict]]) -> tuple[dict, list[tuple]]:
    """The run summary and the survival table from each arm's readout columns and tally counts."""
    ro = scn.readouts
    arms, columns, survival, tte = {}, {}, [], []
    for name, (cols, tallies) in arms_data.items():
        arms[name] = readouts.summarize_arm(cols, tallies, ro.alpha, ro.phase_readout_day)
        for block in (arms[name], arms[name]["on_treatment"]):    # the parameter beside what the counts show
            block["relapse_count_dispersion"]["scenario_frailty_k"] = scn.disease.frailty_k
        columns[name] = cols
        survival += readouts.km_table(name, *readouts.first_relapse_times(cols, ro.estimand), ro.alpha)
        tte += tte_rows(name, cols, ro.estimand)
    summary = {
        "schema_version": 1,
        "scenario": scn.run.name,
        "title": scn.title,
        "seed": scn.run.seed,
        "follow_up_days": scn.run.follow_up_days,
        "screening": {"screened": screening.screened, "enrolled": int(len(screening.keys)),
                      "failed_by_criterion": dict(screening.failed)},
        "arms": arms,
        "comparison": readouts.compare_arms(arms, columns, ro.reference_arm or scn.arms[0].name,
                                            [a.name for a in scn.arms if a.regimen.drug == "none"], ro.estimand, ro.alpha),
    }
    return summary, {"survival": survival, "time_to_event": tte, "readouts": readout_rows(summary)}


def run(scn: Scenario, executor: Executor | None = None) -> Results:
    """Simulate every arm of the scenario on one screened cohort (common random numbers across arms), in memory."""
    screening = screen_keys(scn)
    res = Results(scn, cohort_of(scn, screening.keys, screening))

    def keep(out: ChunkOutput) -> None:
        part = out.records
        for k, v in part.patients.items():
            res.patients.setdefault(k, []).extend(v)
        res.events.extend((out.arm, p, d, k, s) for p, d, k, s in part.events)
        res.event_fields.extend(part.event_fields)
        res.labs.extend((out.arm, *row) for row in part.labs)
        res.adverse_events.extend((out.arm, *row) for row in part.adverse_events)
        res.dosing.extend((out.arm, *row) for row in part.dosing)

    res.summary, extra = collect(scn, screening, simulate(scn, screening, "records", executor), keep)
    res.survival, res.time_to_event, res.readouts = extra["survival"], extra["time_to_event"], extra["readouts"]
    return res


# the tables made at the end of a run, with their column types for Parquet
END_TABLES = (("survival", SURVIVAL_COLUMNS, (str, float, int, int, float, float, float)),
              ("time_to_event", TTE_COLUMNS, (str, int, str, str, float, int, str)),
              ("readouts", READOUTS_COLUMNS, (str, str, float, float, float)))


def run_to_folder(scn: Scenario, target: Path, source: str = "", overrides: tuple[str, ...] = (), force: bool = False,
                  executor: Executor | None = None, parquet: bool = False, figures: bool = True) -> dict:
    """Simulate the scenario and stream its tables into a fresh run folder chunk by chunk (memory follows the chunk,
    plus the readout columns); with parquet, every table also as .parquet (but the text of summary.json). The folder appears complete,
    atomically, with figures/ (Kaplan-Meier, ARR, WBC, cumulative dose) unless figures=False. Returns the summary."""
    with RunFolder(target, force) as folder:
        sink = ParquetSink(folder.tmp) if parquet else None
        screening = screen_keys(scn)
        folder.append("patients.csv", csv_rows([PATIENT_COLUMNS]))
        folder.append("events.csv", csv_rows([EVENT_COLUMNS]))
        folder.append("labs.csv", csv_rows([LAB_COLUMNS]))
        folder.append("adverse_events.csv", csv_rows([AE_COLUMNS]))
        folder.append("dosing.csv", csv_rows([DOSING_COLUMNS]))

        def write(out: ChunkOutput) -> None:
            text = out.text
            if sink is not None:
                text = chunk_text(out.arm, out.records)
                for name, columns in chunk_columns(out.arm, out.records).items():
                    sink.write(name, columns)
            for name, body in text.items():
                folder.append(name, body)

        keep = "records" if parquet else "text"
        summary, extra = collect(scn, screening, simulate(scn, screening, keep, executor), write)
        if sink is not None:
            for name, header, types in END_TABLES:
                sink.write(name, schema_columns(header, types, extra[name]))
            sink.close()
        folder.append("survival.csv", csv_text(list(SURVIVAL_COLUMNS), extra["survival"]))
        folder.append("time_to_event.csv", csv_text(list(TTE_COLUMNS), extra["time_to_event"]))
        folder.append("readouts.csv", csv_text(list(READOUTS_COLUMNS), extra["readouts"]))
        folder.append("summary.json", json_text(summary))
        text = scenario_text(source)
        if text is not None:
            folder.append(SCENARIO_COPY, text)
        folder.append("manifest.json", json_text(manifest(scn, source, overrides, text)))
        if figures:
            from .figures.run import run_figures

            folder.close_files()
            run_figures(folder.tmp)
        folder.commit()
    return summary
