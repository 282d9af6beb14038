"""Sweep and scale benchmark (prints figures; not a test).

    python benchmarks/bench_sweep.py [--points 8] [--patients 1000] [--chunk-size 500] [--sizes 100000,300000,1000000] [--days 180]

1. Speed-up of a sweep on 2 worker processes over 1: `nmosim sweep`'s engine (plan_sweep + run_sweep) on
   scenarios/mitonmo.toml, a grid of --points doses, --patients patients each, one year. DESIGN target: >= 1.8x.
2. Peak memory of single-arm runs streamed to disk (`nmosim run`'s run_to_folder), each size in a fresh process,
   mitonmo's arm over --days days. DESIGN target: under 2 GB at 1,000,000 patients and flat in cohort size.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "mitonmo.toml"

CHILD = r"""
import resource, sys, time, pathlib
import sim
from sim.runner import run_to_folder
n, days, out = int(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
scn = sim.load_scenario(sys.argv[4], [f"run.patients={n}", f"run.follow_up_days={days}"])
t = time.perf_counter()
run_to_folder(scn, out)
wall = time.perf_counter() - t
size = sum(p.stat().st_size for p in out.rglob('*') if p.is_file())
print(wall, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, size / 2**20)
"""


def sweep_speedup(points: int, patients: int, chunk: int) -> None:
    from sim.executors import open_executor
    from sim.sweep_run import plan_sweep, run_sweep

    doses = ",".join(f"{x:g}" for x in np.linspace(6, 13, points))
    plan = plan_sweep(str(SCENARIO), [f"run.patients={patients}", "run.follow_up_days=365", f"run.chunk_size={chunk}"],
                      [f"arms.0.regimen.amt_mg_per_m2={doses}"], "grid", None, 1)
    times, tables = {}, {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp, open_executor(workers) as ex:
            t0 = time.perf_counter()
            table = run_sweep(plan, Path(tmp), ex, max_in_flight=2 * workers + 2)
            times[workers] = time.perf_counter() - t0
            tables[workers] = table.read_text()
    py = points * patients
    print(f"sweep      : {points} points x {patients} patients x 1 y ({py:,} patient-years), chunk {chunk}")
    for w, t in times.items():
        print(f"  {w} worker{'s' if w > 1 else ' '}: {t:7.2f} s   {py / t:8,.0f} patient-years/s")
    print(f"  speed-up 2 over 1: {times[1] / times[2]:.2f}x (target >= 1.8)   tables identical: {tables[1] == tables[2]}")


def memory(sizes: list[int], days: str) -> None:
    print(f"memory     : single-arm runs streamed to disk (mitonmo arm, {days} days), each in a fresh process")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([sys.executable, "-c", CHILD, str(n), days, str(Path(tmp) / "run"), str(SCENARIO)],
                               capture_output=True, text=True)
            if r.returncode:
                print(f"  {n:>9,} patients: failed: {r.stderr.strip().splitlines()[-1]}")
                continue
            wall, rss, mib = map(float, r.stdout.split())
        print(f"  {n:>9,} patients: peak RSS {rss:7.0f} MiB   {wall:7.1f} s   {mib:8.0f} MiB written "
              f"({n * float(days) / 365.25 / wall:,.0f} patient-years/s)")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=8)
    ap.add_argument("--patients", type=int, default=1000)
    ap.add_argument("--chunk-size", type=int, default=500)
    ap.add_argument("--sizes", default="100000,300000,1000000")
    ap.add_argument("--days", default="180")
    ap.add_argument("--skip-memory", action="store_true")
    a = ap.parse_args(argv)
    print("command    :", " ".join([Path(sys.executable).name, *sys.argv]))
    print(f"machine    : {platform.platform()} | {os.cpu_count()} cpus | python {platform.python_version()}")
    sweep_speedup(a.points, a.patients, a.chunk_size)
    if not a.skip_memory:
        memory([int(x) for x in a.sizes.split(",")], a.days)


if __name__ == "__main__":
    main()
