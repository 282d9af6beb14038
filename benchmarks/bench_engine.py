"""Engine benchmark (prints figures; not a test).

    python benchmarks/bench_engine.py [--patients N] [--years Y] [--chunk-size C] [--trace-patients K] [--no-comparison]

On scenarios/mitonmo.toml (run.patients and run.follow_up_days overridden) it times cohort screening, the full engine on
the mitoxantrone arm, a "bare physiology stepper" (the same ChunkSim physiology stepped with no simpy and no protocol,
nominal doses queued up front), formatting the CSV tables (events' details are records in the engine and become text
with the tables, as in `nmosim run`), end to end, and reports peak memory. DESIGN target: full engine within 3x of the
bare stepper and >= 5,000 patient-years/s on one core.

Then the same for DESIGN's three-regimen comparison: every arm of scenarios/compare-regimens.toml (mitoxantrone,
baricitinib, belimumab and the untreated arm) on one cohort of N patients, engine and bare stepper (each regimen's
nominal doses) per arm, and the totals.
"""
from __future__ import annotations

import argparse
import gc
import platform
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

import sim
from sim.cohort import build_cohort
from sim.chunking import run_arm
from sim.engine import ChunkSim
from sim.event_text import rendered
from sim.runner import Results
from sim.regimens.belimumab import dose_days
from sim.scenario import Baricitinib, Belimumab, Mitoxantrone

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "mitonmo.toml"
COMPARISON = SCENARIO.with_name("compare-regimens.toml")


def rss_mib() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 2**20 if sys.platform == "darwin" else r / 1024   # bytes on macOS, KiB on Linux


def bare_stepper(scn, arm, cohort) -> tuple[float, float]:
    """(setup s, stepping s): per chunk a ChunkSim (its simpy env is never run) given the regimen's nominal doses."""
    end, size = float(scn.run.follow_up_days), scn.run.chunk_size
    setup = step = 0.0
    for start in range(0, cohort.n, size):
        t0 = time.perf_counter()
        cs = ChunkSim(scn, arm, cohort.take(slice(start, start + size)), start)
        switches = nominal_doses(cs, arm.regimen, end)
        t1 = time.perf_counter()
        for day, switch in switches:
            cs.advance_to(min(day, end))
            switch()
        cs.advance_to(end)
        t2 = time.perf_counter()
        setup, step = setup + t1 - t0, step + t2 - t1
        del cs
    return setup, step


def nominal_doses(cs, reg, end: float) -> list:
    """Every patient's nominal schedule, no rules: bolus doses pushed on the chunk's dose queue; daily oral dosing
    switched on for all (every dose taken). Returns [(day, switch)]: what to do when the stepper reaches day. Each
    queue entry has its own lists: a death removes the patient from the entries it is queued in."""
    everyone = list(range(cs.n))
    if isinstance(reg, Mitoxantrone):                      # amt every ii_days, split over split_days
        for course in range(reg.addl + 1):
            for k in range(reg.split_days):
                day = course * reg.ii_days + k
                if day < end:
                    cs._doses[cs._step_of(day)] = {"mitoxantrone": (list(everyone), [reg.amt_mg_per_m2 / reg.split_days] * cs.n)}
    elif isinstance(reg, Belimumab):
        mg = (reg.amt_mg_per_kg * cs.cohort.cov["weight_kg"]).tolist()
        for day in dose_days(reg.initial_days, reg.ii_days, reg.until_days):
            if day < end:
                cs._doses[cs._step_of(day)] = {"belimumab": (list(everyone), list(mg))}
    elif isinstance(reg, Baricitinib):                     # once daily until until_days
        daily = cs.models["baricitinib"].daily
        daily.on[:], daily.amt[:], daily.taken[:] = True, reg.amt_mg, True
        return [(reg.until_days, lambda: daily.on.fill(False))]
    elif reg.drug != "none":
        raise SystemExit(f"bench_engine: no nominal schedule for {reg.drug}")
    return []


def assemble(scn, cohort, arm, out) -> Results:
    """The arm's records as a runner.Results (events' details rendered to text, the same reshaping as sim.runner.run, without the readouts)."""
    res = Results(scn, cohort)
    out.events = rendered(out.events)
    for k, v in out.patients.items():
        res.patients.setdefault(k, []).extend(v)
    res.events += [(arm.name, p, d, k, s) for p, d, k, s in out.events]
    res.labs += [(arm.name, *row) for row in out.labs]
    return res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=10000)
    ap.add_argument("--years", type=float, default=2.0)
    ap.add_argument("--chunk-size", type=int, default=None, help="default: run.chunk_size of the scenario")
    ap.add_argument("--no-comparison", action="store_true", help="skip the three-regimen comparison")
    ap.add_argument("--trace-patients", type=int, default=1000,
                    help="patients in the separate tracemalloc pass of the engine (0: skip)")
    a = ap.parse_args(argv)
    days = int(round(a.years * 365))
    sets = [f"run.patients={a.patients}", f"run.follow_up_days={days}"]
    if a.chunk_size:
        sets.append(f"run.chunk_size={a.chunk_size}")
    scn = sim.load_scenario(SCENARIO, overrides=sets)
    arm = next(x for x in scn.arms if isinstance(x.regimen, Mitoxantrone))
    n, fu = scn.run.patients, scn.run.follow_up_days
    py = n * fu / 365.25
    rate = lambda s: py / s if s > 0 else float("inf")  # noqa: E731

    print("command    :", " ".join([Path(sys.executable).name, *sys.argv]))
    print(f"machine    : {platform.platform()} | {platform.processor() or platform.machine()} | python "
          f"{platform.python_version()} | numpy {np.__version__}")
    print(f"scenario   : {SCENARIO.name} --set {' '.join(sets)}")
    print(f"run        : {n} patients x {fu} d = {py:,.0f} patient-years, chunk {scn.run.chunk_size}, "
          f"step {scn.run.step_days} d, arm '{arm.name}'")
    gc.collect()

    t0 = time.perf_counter()
    cohort = build_cohort(scn)
    t_cohort = time.perf_counter() - t0
    print(f"cohort     : {t_cohort:8.3f} s   screened {cohort.screened:,} for {cohort.n:,} "
          f"({cohort.screened / t_cohort:,.0f} candidates/s)   maxrss {rss_mib():.0f} MiB")

    t0, c0 = time.perf_counter(), time.process_time()
    out = run_arm(scn, arm, cohort, render=False)      # events as records; their text is made with the tables
    t_full, c_full = time.perf_counter() - t0, time.process_time() - c0
    print(f"full engine: {t_full:8.3f} s   {rate(t_full):9,.0f} patient-years/s   (cpu {c_full:.3f} s)   "
          f"{len(out.events):,} events, {len(out.labs):,} labs   maxrss {rss_mib():.0f} MiB")

    t0 = time.perf_counter()
    res = assemble(scn, cohort, arm, out)
    del out
    t_asm = time.perf_counter() - t0
    t0 = time.perf_counter()
    tables = res.tables()
    t_tab = time.perf_counter() - t0
    size = sum(len(v) for v in tables.values()) / 2**20
    parts = ", ".join(f"{k} {len(v) / 2**20:.1f}" for k, v in tables.items())
    print(f"tables     : {t_tab:8.3f} s   {size:.1f} MiB of CSV ({parts}); assembling Results {t_asm:.3f} s "
          f"(incl. events' text)   maxrss {rss_mib():.0f} MiB")
    t_all = t_full + t_asm + t_tab
    print(f"end to end : {t_all:8.3f} s   {rate(t_all):9,.0f} patient-years/s   (engine + events' text + CSV tables)")
    del tables, res
    gc.collect()

    c0 = time.process_time()
    setup, step = bare_stepper(scn, arm, cohort)
    c_bare = time.process_time() - c0
    print(f"bare step  : {step:8.3f} s   {rate(step):9,.0f} patient-years/s   (cpu {c_bare:.3f} s incl. setup; "
          f"+ {setup:.3f} s ChunkSim setup incl. simpy process creation, not counted)   maxrss {rss_mib():.0f} MiB")
    print(f"ratio      : full / bare = {t_full / step:.2f} (target <= 3);  full / (bare + setup) = "
          f"{t_full / (step + setup):.2f}" + ("   (wall >> cpu: descheduled by other load, figures unreliable)"
                                               if t_full > 1.2 * c_full or step + setup > 1.2 * c_bare else ""))
    print(f"targets    : >= 5,000 patient-years/s {'met' if rate(t_full) >= 5000 else 'NOT met'}; within 3x of bare "
          f"{'met' if t_full <= 3 * step else 'NOT met'}")

    k = min(a.trace_patients, cohort.n)
    if k > 0:   # tracemalloc slows Python-heavy code several-fold: a separate, smaller pass
        sub = cohort.take(slice(0, k))
        gc.collect()
        t0 = time.perf_counter()
        run_arm(scn, arm, sub)
        t_plain = time.perf_counter() - t0
        gc.collect()
        tracemalloc.start()
        t0 = time.perf_counter()
        run_arm(scn, arm, sub)
        t_traced = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"tracemalloc: engine on first {k} patients: peak {peak / 2**20:.1f} MiB ({peak / k / 1024:.1f} KiB/patient)"
              f", {t_traced:.2f} s traced vs {t_plain:.2f} s plain ({t_traced / t_plain:.1f}x slower)")
    else:
        print("tracemalloc: skipped (--trace-patients 0)")
    print(f"peak RSS   : {rss_mib():.0f} MiB (ru_maxrss, whole process)")
    if not a.no_comparison:
        comparison(sets)


def comparison(sets: list[str]) -> None:
    """Engine and bare stepper on every arm of compare-regimens.toml, and the totals over the treated arms and all."""
    scn = sim.load_scenario(COMPARISON, overrides=sets)
    cohort = build_cohort(scn)
    py = cohort.n * scn.run.follow_up_days / 365.25
    print(f"comparison : {COMPARISON.name} --set {' '.join(sets)}: {len(scn.arms)} arms x {cohort.n:,} patients, "
          f"chunk {scn.run.chunk_size}")
    totals = {"treated": [0.0, 0.0, 0.0], "all arms": [0.0, 0.0, 0.0]}
    for arm in scn.arms:
        gc.collect()
        t0 = time.perf_counter()
        out = run_arm(scn, arm, cohort, render=False)
        full = time.perf_counter() - t0
        events = len(out.events)
        del out
        gc.collect()
        step = bare_stepper(scn, arm, cohort)[1]
        print(f"  {arm.name:13s}: engine {full:6.2f} s {py / full:8,.0f} patient-years/s   bare {step:6.2f} s "
              f"{py / step:8,.0f} patient-years/s   ratio {full / step:4.2f}   {events:,} events")
        for key in (("treated", "all arms") if arm.regimen.drug != "none" else ("all arms",)):
            t = totals[key]
            t[0], t[1], t[2] = t[0] + full, t[1] + step, t[2] + py
    for key, (full, step, pys) in totals.items():
        print(f"  {key:13s}: engine {full:6.2f} s {pys / full:8,.0f} patient-years/s   bare {step:6.2f} s "
              f"{pys / step:8,.0f} patient-years/s   ratio {full / step:4.2f}")
    full, step, pys = totals["treated"]
    print(f"targets    : three regimens >= 5,000 patient-years/s {'met' if pys / full >= 5000 else 'NOT met'}; "
          f"within 3x of bare {'met' if full <= 3 * step else 'NOT met'}   peak RSS {rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
