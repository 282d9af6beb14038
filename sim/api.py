"""The notebook API beside `sim.run`: replicate trials and parameter sweeps, returning pandas DataFrames.

`sim.replicates(scenario, n)` runs n independent replicate trials (sim/replicate_trials.py, as `nmosim run --replicates`)
and gives the per-trial rows (replicates.csv's columns) and the summary (power, type-I error, percentiles).
`sim.sweep(scenario, vary={...})` plans and runs a sweep with the sweep machinery of `nmosim sweep` (sim/sweep_run.py)
and gives sweep.csv as a DataFrame. A scenario is a Scenario object, a scenario file or a bundled scenario's name.
pandas comes with the `notebook` extra.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .scenario import Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:
    import pandas as pd

SWEEP_FILE = "scenario.toml"          # a Scenario object swept is written here (in a temporary folder) first


def _pandas():
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas comes with the notebook extra
        raise ImportError("sim.replicates and sim.sweep need pandas: pip install 'nmosim[notebook]'") from None
    return pd


def _scenario(scenario: Scenario | str | Path) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def _workers(workers: int) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers={workers!r}: give a whole number of local worker processes, at least 1")
    return workers


# ---------------------------------------------------------------- replicates
@dataclass(frozen=True, eq=False)
class ReplicateResults:
    """Replicate trials of a scenario: `rows`, one row per trial and arm plus the null comparison row of each trial
    (replicates.csv's columns), and `summary`, the replicate summary (summary.json of `nmosim run --replicates`:
    per arm the spread of each readout, power against the reference arm, and the type-I error).
    `power`, `type_i_error` and `spread` give parts of the summary as small DataFrames."""

    rows: pd.DataFrame
    summary: dict

    @property
    def power(self):
        """Per arm compared with the reference and per test (negative binomial, log-rank): the share of trials
        rejecting at the scenario's alpha, with its Wilson 95% interval."""
        pd = _pandas()
        out = [{"arm": arm, "test": test, **share}
               for arm, block in self.summary["arms"].items() if "power" in block
               for test, share in block["power"].items()]
        return pd.DataFrame(out, columns=["arm", "test", "share", "ci95_low", "ci95_high", "rejections", "replicates"])

    @property
    def type_i_error(self):
        """Per test: the share of trials in which the null arm rejects against an independent copy of itself."""
        pd = _pandas()
        t1 = self.summary["type_i_error"]
        out = [{"arm": t1["arm"], "test": test, **t1[test]} for test in ("negative_binomial", "logrank")]
        return pd.DataFrame(out, columns=["arm", "test", "share", "ci95_low", "ci95_high", "rejections", "replicates"])

    @property
    def spread(self):
        """Per arm and readout: mean and 2.5/50/97.5 percentiles over the trials (how many trials left it undefined)."""
        pd = _pandas()
        out = [{"arm": arm, "readout": key, **values}
               for arm, block in self.summary["arms"].items()
               for key, values in block.items() if key != "power"]
        return pd.DataFrame(out, columns=["arm", "readout", "mean", "p2_5", "p50", "p97_5", "replicates", "undefined"])

    def __repr__(self) -> str:
        s = self.summary
        parts = []
        for arm, block in s["arms"].items():
            nb = (block.get("power") or {}).get("negative_binomial")
            if nb and nb.get("share") is not None:
                parts.append(f"power {arm} vs {s['reference_arm']} {_share(nb)}")
        t1 = s["type_i_error"]["negative_binomial"]
        parts.append(f"type-I error {_share(t1)}")
        return (f"ReplicateResults({s['scenario']}: seed {s['seed']}, {s['replicates']} trials x "
                f"{len(s['arms'])} arm(s) of {s['patients_per_arm']} patients, alpha {s['alpha']:g}; "
                f"negative binomial test: {'; '.join(parts)}; .rows, .summary, .power, .type_i_error, .spread)")


def _share(block: dict) -> str:
    if block.get("share") is None:
        return "-"
    return f"{block['share']:.2f} ({block['ci95_low']:.2f}-{block['ci95_high']:.2f})"


def replicates(scenario: Scenario | str | Path, n: int, workers: int = 1) -> ReplicateResults:
    """Run `n` independent replicate trials of the scenario (parallel groups: each arm enrols its own patients in
    every trial) and return their rows and summary, the same numbers as `nmosim run SCENARIO --replicates n` writes
    (replicates.csv, summary.json), whatever `workers` (local processes; trial r always uses the same streams)."""
    from .config import MAX_REPLICATES
    from .executors import open_executor, ordered_map
    from .replicate_trials import ROW_COLUMNS, aggregate, replicate_trial

    scn = _scenario(scenario)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_REPLICATES:
        raise ValueError(f"n={n!r}: give a whole number of replicate trials from 1 to {MAX_REPLICATES:,}")
    workers = _workers(workers)
    rows: list[dict] = []
    with open_executor(workers) as ex:
        for trial in ordered_map(ex, partial(replicate_trial, scn), range(n), window=2 * workers):
            rows += trial
    summary = aggregate(scn, rows)
    return ReplicateResults(_replicate_frame(rows, ROW_COLUMNS), summary)


def _replicate_frame(rows: list[dict], columns: list[str]):
    """The rows as replicates.csv holds them: `arm` text, every other column numeric (NaN where a row has no value)."""
    pd = _pandas()
    frame = pd.DataFrame([[r.get(c) for c in columns] for r in rows], columns=columns)
    for c in columns:
        if c != "arm":
            frame[c] = pd.to_numeric(frame[c])
    return frame


# ---------------------------------------------------------------- sweeps
def vary_text(path: str, values: Any) -> str:
    """One `--vary PATH=VALUES` text from a path and its values: a list (or tuple, range, numpy array) of values is
    written as a VALUES list in TOML syntax (`6,9,12`, `"a","b"`); a string is taken as VALUES text as it is (a range
    `0.2:0.9:8` or bounds `0.2..0.9`); a single number or boolean is a one-value list."""
    from .sweep_spec import SweepError
    from .toml_text import toml_value

    if isinstance(values, str):
        return f"{path}={values}"
    if isinstance(values, (int, float)):
        values = [values]
    try:
        items = list(values)
    except TypeError:
        raise SweepError(f"vary[{path!r}]: expected a list of values or VALUES text, "
                         f"got {type(values).__name__}") from None
    if not items:
        raise SweepError(f"vary[{path!r}]: no values")
    try:
        return f"{path}=" + ",".join(toml_value(v) for v in items)
    except ValueError as exc:
        raise SweepError(f"vary[{path!r}]: {exc}") from None


def scenario_toml(scn: Scenario) -> str:
    """A scenario as a TOML file that loads back as the same scenario (each top-level table inline; fields left at
    None are left out, which gives them back as their default, checked by the caller)."""
    from .toml_text import toml_value

    data = scn.model_dump(mode="json", exclude_none=True)
    return "".join(f"{key} = {toml_value(value)}\n" for key, value in data.items())


def _write_scenario(scn: Scenario, where: Path) -> Path:
    """The scenario written to where/scenario.toml, checked to load back as the same scenario."""
    path = where / SWEEP_FILE
    path.write_text(scenario_toml(scn), encoding="utf-8")
    if load_scenario(path) != scn:                   # pragma: no cover - a field whose default is not None was None
        raise ScenarioError(f"{scn.run.name}: this scenario cannot be written as a TOML file for the sweep; "
                            "give the sweep a scenario file instead")
    return path


def sweep(scenario: Scenario | str | Path, vary: Mapping[str, Any] | None = None, design: str | None = None,
          samples: int | None = None, replicates: int | None = None, workers: int = 1,
          folder: str | Path | None = None, force: bool = False) -> pd.DataFrame:
    """Run the scenario over a design of parameter values and return sweep.csv as a DataFrame: one row per point
    and arm; the varied values, the arm, and each readout's mean over the point's replicates with the power.

    vary: dotted path -> values, e.g. {"arms.mitoxantrone.regimen.amt_mg_per_m2": [6, 9, 12]} (a list of values,
    or VALUES text as `--vary` takes it: "0.2:0.9:8" for a range, "0.2..0.9" bounds for lhs/sobol); None uses the
    scenario's [sweep] table. design ("grid", "lhs" or "sobol"), samples and replicates default, as for
    `nmosim sweep`, to the [sweep] table's, else grid and 1. The points, streams and rows are those of
    `nmosim sweep` with the same values (sim/sweep_run.py does the work); workers are local processes.

    folder: the sweep folder (sweep.json, the journal and sweep.csv; no figures: draw them with
    sim.figures.sweep_plot), resumable as on the command line; None runs in a temporary folder, removed afterwards.
    A Scenario object is swept from a TOML copy of it in a temporary folder (the copy sweep.json names).
    """
    from .bundled import resolve
    from .executors import open_executor
    from .sweep_run import plan_sweep, run_sweep

    pd = _pandas()
    workers = _workers(workers)
    texts = [vary_text(path, values) for path, values in (vary or {}).items()]
    with tempfile.TemporaryDirectory(prefix="nmosim-sweep-") as tmp:
        if isinstance(scenario, Scenario):
            source = str(_write_scenario(scenario, Path(tmp)))
        else:
            source = str(resolve(scenario))
        plan = plan_sweep(source, [], texts, design, samples, replicates)
        target = Path(folder) if folder is not None else Path(tmp) / "sweep"
        with open_executor(workers) as ex:
            table = run_sweep(plan, target, ex, force, max_in_flight=2 * workers + 2)
        return read_sweep_table(table, pd)


def read_sweep_table(path: str | Path, pd=None) -> pd.DataFrame:
    """sweep.csv as a DataFrame: numbers typed, floats read back exactly, only empty cells missing (an arm or a varied
    text value such as "NA" stays text)."""
    pd = pd or _pandas()
    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}   # 3: the default
    return pd.read_csv(path, dtype={"arm": str}, keep_default_na=False, na_values=[""], **exact)
