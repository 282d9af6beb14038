"""Natural-history calibration: the published placebo and cohort figures against large untreated cohorts of each design.

Runs each target scenario's untreated arm with many patients (so the simulated figure is its expectation, not one trial)
and prints the published value beside it. Disease parameters can be changed with --set (dotted paths, as nmosim run).

    python benchmarks/calibrate_natural_history.py --patients 3000
    python benchmarks/calibrate_natural_history.py --set disease.activity.active_rate_ratio=30
"""
from __future__ import annotations

import argparse
import time

from sim.validation.check import arm_data
from sim.validation.metrics import evaluate
from sim.validation.targets import load_targets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=3000)
    ap.add_argument("--set", action="append", default=[], dest="sets")
    ap.add_argument("--only", action="append", default=None)
    a = ap.parse_args()
    from sim.scenario import load_scenario

    targets = load_targets(only=a.only)
    by_scn: dict[str, list] = {}
    for t in targets:
        by_scn.setdefault(t.scenario_path, []).append(t)
    print(f"{'target':34s} {'published':>10s} {'simulated':>10s}")
    for path, ts in by_scn.items():
        t0 = time.perf_counter()
        scn = load_scenario(path, [f"run.patients={a.patients}", *a.sets])
        arm = next(x for x in scn.arms if x.name == ts[0].target.arm)
        cols, attacks = arm_data(scn, arm, 0)
        for t in ts:
            v = evaluate(t.target.metric, dict(t.target.metric_args), cols, attacks)
            print(f"{t.target.id:34s} {t.target.published:10.3f} {'-' if v is None else f'{v:10.3f}':>10s}")
        print(f"  ({path.split('/')[-1]}: {time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
