"""Parameter sweeps: points x replicates x patient chunks as tasks on one executor, resumable point by point.

The sweep folder holds `sweep.json` (the specification and its identity), `points.journal.csv` (the rows of each
finished point, appended as it finishes), and at the end `sweep.csv` (one row per point and arm, sorted) and
`sweep.png`/`.svg`. Rerunning the same command skips the points already in the journal; a point whose rows are
incomplete (a kill in the middle of a write) is run again. The identity is a hash of every point's fully resolved
scenario plus the design, points and replicates: a folder holding another sweep (an edited scenario file, other
values) is refused without --force, and so is a folder that holds files but no sweep.json. Each (point, replicate)
uses its own scenario with `run.replicate` = replicate, so the rows are the ones `nmosim run` gives with the same
`--set` values, whatever the executor.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass
from pathlib import Path

from .executors import DaskExecutor
from .folder_claim import Claim, replace_file
from .outputs import csv_rows
from .replicate_trials import READOUTS, _get, rejection
from .runner import ArmCollector, summarize
from .scenario import Scenario
from .screening import Screening, screen_keys
from .sweep_spec import (SweepError, Vary, design_points, integer_paths, load_scenario, parse_varies,
                         point_overrides, spec_from_file, toml_value, validate_points)
from .tasks import PATIENT_COLUMNS, chunk_tasks, run_chunk

JOURNAL = "points.journal.csv"
SPEC = "sweep.json"
FORMAT = 3                                     # of sweep.json; folders of another format are other sweeps
SEAL_HEX = 16                                  # hex digits of a journal row's seal
OUTPUTS = (JOURNAL, "sweep.csv", "sweep.png", "sweep.svg")    # removed (with points/) when a sweep restarts
COMPARISONS = ("rate_ratio_nb", "p_value_nb", "p_value_logrank")


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: the points (path -> value) and, per point, its scenario."""

    scenario_path: str
    base_overrides: tuple[str, ...]
    varies: tuple[Vary, ...]
    design: str
    samples: int | None
    replicates: int
    points: tuple[dict, ...]
    scenarios: tuple[Scenario, ...]

    def identity(self) -> dict:
        """What identifies the sweep (compared on resume): a hash of every point's fully resolved scenario (without
        its [sweep] table and run.chunk_size: workers and chunks do not change results), the design, the points and
        the replicates."""
        resolved = [s.model_dump(mode="json", exclude={"sweep": True, "run": {"chunk_size"}}) for s in self.scenarios]
        canonical = json.dumps(resolved, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return {"format": FORMAT, "scenarios_sha256": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
                "design": self.design, "samples": self.samples, "replicates": self.replicates,
                "points": [point_overrides(p) for p in self.points]}

    def spec(self) -> dict:
        """sweep.json: the identity, and for people how the sweep was asked for (not compared)."""
        return {"identity": self.identity(), "scenario_file": self.scenario_path,
                "overrides": list(self.base_overrides),
                "vary": [{"path": v.path, "kind": v.kind, "values": None if v.values is None else list(v.values),
                          "low": v.low, "high": v.high} for v in self.varies]}

    @property
    def paths(self) -> list[str]:
        return [v.path for v in self.varies]


def plan_sweep(scenario_path: str, base_overrides: list[str], vary: list[str], design: str | None = None,
               samples: int | None = None, replicates: int | None = None) -> SweepPlan:
    """Parse and validate a sweep (CLI options first, then the scenario's [sweep] table) before any work starts."""
    base = load_scenario(scenario_path, base_overrides)
    table = base.sweep
    varies = parse_varies(vary) if vary else (spec_from_file(base, str(scenario_path)) if table else [])
    if not varies:
        raise SweepError(f"{scenario_path}: nothing to vary: give --vary PATH=VALUES or a [sweep] table")
    design = design or (table.design if table else "grid")
    samples = samples if samples is not None else (table.samples if table else None)
    replicates = replicates or (table.replicates if table else 1)
    points = design_points(varies, design, samples, base.run.seed, integer_paths(base, varies))
    scenarios = validate_points(scenario_path, base_overrides, points)
    return SweepPlan(str(scenario_path), tuple(base_overrides), tuple(varies), design, samples, replicates,
                     tuple(points), tuple(scenarios))


def header(plan: SweepPlan) -> list[str]:
    return ["point", *plan.paths, "arm", "replicates", *READOUTS, *COMPARISONS, "power_nb", "power_logrank"]


def point_rows(plan: SweepPlan, p: int, summaries: list[dict]) -> str:
    """CSV lines of point p: per arm, each readout (the mean over replicates) and the power over replicates."""
    scn = plan.scenarios[p]
    alpha, ref = scn.readouts.alpha, scn.readouts.reference_arm or scn.arms[0].name
    lines = []
    for arm in scn.arms:
        per_rep = [_arm_values(s, arm.name, ref) for s in summaries]
        means = {k: _mean([v[k] for v in per_rep]) for k in (*READOUTS, *COMPARISONS)}
        power = [None, None]
        if arm.name != ref:
            power = [rejection([v[k] for v in per_rep], alpha)["share"] for k in ("p_value_nb", "p_value_logrank")]
        lines.append([p, *map(input_cell, plan.points[p].values()), arm.name, len(summaries), *means.values(), *power])
    return csv_rows(lines)


def input_cell(value) -> str:
    """A varied input as written in sweep.csv: exactly the point's value (floats by repr, as in its --set text), so
    the row identifies the point; strings as they are."""
    return value if isinstance(value, str) else toml_value(value)


def _arm_values(summary: dict, arm: str, ref: str) -> dict:
    s = summary["arms"][arm]
    out = {k: (s["safety"]["patients_with_infection"] / s["patients"]) if path is None else _get(s, path)
           for k, path in READOUTS.items()}
    comp = summary["comparison"]
    nb = ((comp.get("nb_rate_ratio_to_reference") or {}).get("arms") or {}).get(arm, {})
    lr = comp["logrank_to_reference"].get(arm, {})
    out.update({"rate_ratio_nb": nb.get("rate_ratio"), "p_value_nb": nb.get("p_value"),
                "p_value_logrank": lr.get("p_value")})
    return out


def _mean(values: list) -> float | None:
    x = [v for v in values if v is not None]
    return sum(x) / len(x) if x else None


# ---------------------------------------------------------------- the folder: spec, journal, resume
def open_folder(plan: SweepPlan, folder: Path, force: bool) -> set[int]:
    """Create or reopen the sweep folder; the points already finished.

    Refused without force (a one-line SweepError, nothing changed): a path that is not a folder, a folder holding
    another sweep (sweep.json with another identity, or unreadable), a folder that holds files but no sweep.json.
    A new sweep (or --force) removes the sweep's own old outputs (journal, sweep.csv, figures, points/) first.
    """
    if folder.exists() and not folder.is_dir():
        raise SweepError(f"--out {folder}: exists and is not a folder (give a new or empty folder, or a sweep folder)")
    spec_file = folder / SPEC
    if folder.is_dir() and not force:
        if spec_file.exists():
            if _stored_identity(spec_file) != plan.identity():
                raise SweepError(f"--out {folder}: holds a different sweep (the resolved scenario, design, points or "
                                 "replicates differ); use --force to restart it there or --out for another folder")
            return _finished_points(plan, folder / JOURNAL)
        if _holds_files(folder):
            raise SweepError(f"--out {folder}: the folder holds files but no sweep ({SPEC}); use --force to write the "
                             "sweep there or --out for a new or empty folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SweepError(f"--out {folder}: cannot create the folder ({exc.strerror or exc})") from None
    spec_file.unlink(missing_ok=True)                  # first: old outputs never pair with the new specification
    for name in OUTPUTS:
        _remove(folder / name)
    _remove(folder / "points")
    _atomic_write(spec_file, json.dumps(plan.spec(), indent=2) + "\n")
    return set()


def _stored_identity(spec_file: Path):
    try:
        stored = json.loads(spec_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return stored.get("identity") if isinstance(stored, dict) else None


def _holds_files(folder: Path) -> bool:
    """Anything in the folder but temporary files this module leaves when killed (.<name>.tmp-<pid>)."""
    return any(not (entry.name.startswith(".") and ".tmp-" in entry.name) for entry in folder.iterdir())


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _finished_points(plan: SweepPlan, journal: Path) -> set[int]:
    """Points whose rows are all in the journal; the journal is rewritten without partial points or lines."""
    if os.path.islink(journal) or (os.path.lexists(journal) and not journal.is_file()):
        print(f"warning: {journal}: not a regular file (a link?); removed, every point runs again", file=sys.stderr)
        os.unlink(journal) if os.path.islink(journal) else _remove(journal)
        return set()
    if not journal.exists():
        return set()
    text = journal.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines = lines[:-1]                             # a line cut by a kill
    by_point: dict[int, list[str]] = {}
    bad = set()
    for line in lines:
        first = line.split(",", 1)[0]
        if not (first.isascii() and first.isdigit() and int(first) < len(plan.points)):
            continue
        p = int(first)
        row, _, got = line.rstrip("\n").rpartition(",")
        if got != seal(plan, p, row):
            bad.add(p)
            continue
        by_point.setdefault(p, []).append(line)
    if bad:
        print(f"warning: {journal}: {len(bad)} point(s) with rows that do not verify (edited or damaged); "
              "they run again", file=sys.stderr)
    done = {p for p, rows in by_point.items() if p not in bad and len(rows) == len(plan.scenarios[p].arms)}
    kept = "".join(line for p in sorted(done) for line in by_point[p])
    if kept != text:
        _atomic_write(journal, kept)
    return done


def seal(plan: SweepPlan, p: int, row: str) -> str:
    """A journal row's seal: hex digits of the SHA-256 of the point's resolved scenario and the row's text, so that a
    row edited or copied from another sweep does not verify (an integrity check, not a signature)."""
    scn = plan.scenarios[p].model_dump_json(exclude={"sweep": True, "run": {"chunk_size"}})
    return hashlib.sha256(f"{scn}\n{row}".encode("utf-8")).hexdigest()[:SEAL_HEX]


def sealed(plan: SweepPlan, p: int, rows: str) -> str:
    """Journal lines of point p: each CSV line of `rows` with its seal as a last field."""
    return "".join(f"{line},{seal(plan, p, line)}\n" for line in rows.splitlines())


def unsealed(line: str) -> str:
    """A journal line as sweep.csv shows it: without its seal."""
    return line.rstrip("\n").rsplit(",", 1)[0] + "\n"


def _append(journal: Path, text: str) -> None:
    """Append to the journal, never through a symlink."""
    fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _atomic_write(path: Path, text: str) -> None:
    """Write a new file and rename it over `path` (a symlink at `path` is replaced, never written through)."""
    replace_file(path, text)


def finish(plan: SweepPlan, folder: Path) -> Path:
    """sweep.csv from the journal: the header, then the points in order (each point's rows as written)."""
    lines = [unsealed(line) for line in (folder / JOURNAL).read_text(encoding="utf-8").splitlines(keepends=True)]
    lines.sort(key=lambda line: int(line.split(",", 1)[0]))     # stable: a point's rows keep their order
    target = folder / "sweep.csv"
    _atomic_write(target, csv_rows([header(plan)]) + "".join(lines))
    return target


# ---------------------------------------------------------------- execution
def _screen(scn: Scenario) -> Screening:
    return screen_keys(scn)


def run_sweep(plan: SweepPlan, folder: Path, executor: Executor, force: bool = False, on_point=None,
              max_in_flight: int = 8, keep_patients: bool = False) -> Path:
    """Run the unfinished points; append each to the journal when all its replicates are done; write sweep.csv.

    With keep_patients, each (point, replicate) also writes points/point<p>-replicate<r>/patients.csv (finished points
    run without it are not rerun: a one-line warning on stderr says so). A new (point, replicate) starts only while
    fewer than `max_in_flight` tasks are pending (on a Dask cluster at least two per thread of the cluster, plus two);
    the table does not depend on it. The folder is claimed while the sweep runs: a second sweep into it at the same
    time gets FolderBusy (sim/folder_claim.py).
    """
    folder = Path(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SweepError(f"--out {folder}: cannot create the folder ({exc.strerror or exc})") from None
    with Claim(folder):
        return _run_sweep(plan, folder, executor, force, on_point, max_in_flight, keep_patients)


def _run_sweep(plan: SweepPlan, folder: Path, executor: Executor, force: bool, on_point, max_in_flight: int,
               keep_patients: bool) -> Path:
    done = open_folder(plan, folder, force)
    if keep_patients and done:
        _warn_missing_patients(plan, folder, done)
    max_in_flight = in_flight_window(executor, max_in_flight)
    todo = [p for p in range(len(plan.points)) if p not in done]
    if on_point is not None:
        on_point(len(done), len(plan.points), None)
    jobs = [(p, r) for p in todo for r in range(plan.replicates)]
    runs: dict[tuple[int, int], dict] = {}
    summaries: dict[int, dict[int, dict]] = {}
    pending: dict = {}
    queue = list(reversed(jobs))

    def start_next() -> None:
        while queue and len(pending) < max_in_flight:
            p, r = queue.pop()
            scn = _replicate(plan.scenarios[p], r)
            pending[executor.submit(_screen, scn)] = ("screen", p, r, scn)

    start_next()
    while pending:
        finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for fut in finished:
            kind, p, r, payload = pending.pop(fut)
            if kind == "screen":
                scn, screening = payload, fut.result()
                tasks = chunk_tasks(scn, screening.keys, "text" if keep_patients else "readouts")
                runs[(p, r)] = {"scn": scn, "screening": screening, "parts": [None] * len(tasks), "left": len(tasks)}
                for j, task in enumerate(tasks):
                    pending[executor.submit(run_chunk, task)] = ("chunk", p, r, j)
            else:
                job = runs[(p, r)]
                job["parts"][payload] = fut.result()
                job["left"] -= 1
                if job["left"] == 0:
                    if keep_patients:
                        _write_patients(folder / "points" / f"point{p}-replicate{r}", job["parts"])
                    summaries.setdefault(p, {})[r] = _summary(runs.pop((p, r)))
                    if len(summaries[p]) == plan.replicates:
                        reps = summaries.pop(p)
                        _append(folder / JOURNAL, sealed(plan, p, point_rows(plan, p, [reps[k] for k in sorted(reps)])))
                        done.add(p)
                        if on_point is not None:
                            on_point(len(done), len(plan.points), p)
        start_next()
    return finish(plan, folder)


def in_flight_window(executor: Executor, requested: int) -> int:
    """The pending tasks below which a new (point, replicate) starts: `requested`, or on a Dask cluster at least two
    per thread of the whole cluster (plus two), since the local --workers says nothing about its size."""
    if isinstance(executor, DaskExecutor):
        return max(requested, 2 * executor.threads + 2)
    return requested


def _warn_missing_patients(plan: SweepPlan, folder: Path, done: set[int]) -> None:
    """One line on stderr when finished points have no patients.csv (they were run without --keep-patients)."""
    missing = {p for p in done for r in range(plan.replicates)
               if not (folder / "points" / f"point{p}-replicate{r}" / "patients.csv").is_file()}
    if not missing:
        return
    rest = ("no point is left to run" if len(done) == len(plan.points)
            else "only the points still to run get one")
    print(f"warning: --keep-patients: {len(missing)} of {len(plan.points)} points were finished without it and have no "
          f"patients.csv ({rest}); use --force to rerun the sweep with patients", file=sys.stderr)


def _write_patients(where: Path, parts: list) -> None:
    """The per-patient table of one (point, replicate), written atomically."""
    where.mkdir(parents=True, exist_ok=True)
    _atomic_write(where / "patients.csv", csv_rows([PATIENT_COLUMNS]) + "".join(o.text["patients.csv"] for o in parts))


def _replicate(scn: Scenario, r: int) -> Scenario:
    return scn.model_copy(update={"run": scn.run.model_copy(update={"replicate": r})})


def _summary(job: dict) -> dict:
    scn = job["scn"]
    arms = {a.name: ArmCollector(len(job["screening"].keys)) for a in scn.arms}
    for out in job["parts"]:
        arms[out.arm].add(out)
    return summarize(scn, job["screening"], {name: (c.columns(), c.tallies) for name, c in arms.items()})[0]
