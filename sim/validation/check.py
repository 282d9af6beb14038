"""The predictive check: would a trial like the published one, run in the simulator, plausibly report that number?

For each distinct target scenario, R replicate trials of the published size: in replicate r, arm j enrols its own
patients with stream key `replicate = r * (n_arms + 1) + j`, exactly as sim/replicate_trials.py does, and every target on
that scenario is evaluated on the same replicate trials. Per target: the published value against the simulated median
and 90% predictive interval (5th-95th percentile over replicates, numpy's default linear interpolation = R type 7).
Tasks are (scenario, replicate) pairs run on an executor and collected in order, so the results are the same whatever
runs them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..chunking import run_arm
from ..cohort import build_cohort
from ..scenario import Arm, Scenario
from .metrics import evaluate
from .targets import LoadedTarget, Target

DEFAULT_REPLICATES = 200
QUICK_REPLICATES = 60
INTERVAL = (5.0, 95.0)          # the predictive interval's percentiles


@dataclass(frozen=True)
class TargetResult:
    target: Target
    origin: str                  # the targets file
    scenario_path: str
    values: tuple                # the metric per replicate (None where undefined)
    median: float | None
    p5: float | None
    p95: float | None
    undefined: int
    verdict: str                 # inside / miss (above) / miss (below) / undefined: where the published value lies

    @property
    def replicates(self) -> int:
        return len(self.values)

    def distance(self) -> float | None:
        """How far the published value lies outside the interval (0 inside), in the metric's units."""
        if self.p5 is None:
            return None
        p = self.target.published
        return max(self.p5 - p, p - self.p95, 0.0)


@dataclass
class CheckRun:
    results: list[TargetResult]
    replicates: int
    seconds: float
    scenario_seconds: dict[str, float] = field(default_factory=dict)


def verdict(published: float, p5: float | None, p95: float | None) -> str:
    """`inside` if published lies in [p5, p95], `miss (above)` if above p95, `miss (below)` if below p5."""
    if p5 is None or p95 is None:
        return "undefined"
    if published > p95:
        return "miss (above)"
    if published < p5:
        return "miss (below)"
    return "inside"


def summarize(values, published: float) -> dict:
    """Median, p5, p95 of the defined values, how many were undefined, and the verdict."""
    x = np.array([v for v in values if v is not None], float)
    if x.size == 0:
        return {"median": None, "p5": None, "p95": None, "undefined": len(values), "verdict": "undefined"}
    p5, med, p95 = (float(q) for q in np.percentile(x, [INTERVAL[0], 50.0, INTERVAL[1]]))
    return {"median": med, "p5": p5, "p95": p95, "undefined": len(values) - int(x.size),
            "verdict": verdict(published, p5, p95)}


def _columns(patients: dict) -> dict:
    cols = {}
    for k, v in patients.items():
        try:
            cols[k] = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            cols[k] = np.asarray(v, dtype=object)
    return cols


def arm_data(scn: Scenario, arm: Arm, key: int) -> tuple[dict, list]:
    """One arm on its own cohort with stream key `key`: (per-patient columns as arrays, attack rows)."""
    s = scn.model_copy(update={"run": scn.run.model_copy(update={"replicate": key})})
    out = run_arm(s, arm, build_cohort(s), render=False)
    return _columns(out.patients), out.attacks


def replicate_values(task: tuple) -> list[float | None]:
    """Task (scenario, [(arm name, metric, args)], r): each metric on replicate trial r (a picklable top-level function)."""
    scn, specs, r = task
    n_arms = len(scn.arms)
    data = {}
    for j, arm in enumerate(scn.arms):
        if any(name == arm.name for name, _, _ in specs):
            data[arm.name] = arm_data(scn, arm, r * (n_arms + 1) + j)
    return [evaluate(metric, dict(args), *data[name]) for name, metric, args in specs]


def run_check(targets: list[LoadedTarget], replicates: int = DEFAULT_REPLICATES, executor=None,
              progress: Callable[[str, int, int], None] | None = None) -> CheckRun:
    """Every target against `replicates` simulated trials of its scenario (each scenario run once for all its targets)."""
    from ..executors import InlineExecutor, ordered_map

    if replicates < 1:
        raise ValueError("replicates must be >= 1")
    ex = executor or InlineExecutor()
    window = 2 * max(1, getattr(ex, "_max_workers", 1)) + 2
    groups: dict[str, list[int]] = {}
    for i, lt in enumerate(targets):
        groups.setdefault(lt.scenario_path, []).append(i)
    values: dict[int, list] = {}
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    for path, idx in groups.items():
        t0 = time.perf_counter()
        scn = targets[idx[0]].scenario
        specs = [(targets[i].target.arm, targets[i].target.metric, tuple(sorted(targets[i].target.metric_args.items())))
                 for i in idx]
        per_rep = []
        for r, vals in enumerate(ordered_map(ex, replicate_values, ((scn, specs, r) for r in range(replicates)), window)):
            per_rep.append(vals)
            if progress is not None:
                progress(scn.run.name, r + 1, replicates)
        for k, i in enumerate(idx):
            values[i] = [row[k] for row in per_rep]
        seconds[path] = time.perf_counter() - t0
    results = []
    for i, lt in enumerate(targets):
        s = summarize(values[i], lt.target.published)
        results.append(TargetResult(lt.target, lt.origin, lt.scenario_path, tuple(values[i]), s["median"], s["p5"],
                                    s["p95"], s["undefined"], s["verdict"]))
    return CheckRun(results, replicates, time.perf_counter() - start, seconds)
