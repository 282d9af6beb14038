"""Engine cost as machine instructions (prints figures; not a test): deterministic where wall time is noisy.

    python benchmarks/count_instructions.py [--patients N] [--years Y] [--rows] [--code DIR]

Runs the engine on the mitoxantrone arm of scenarios/mitonmo.toml under valgrind's callgrind twice, once with the
setup only (imports, scenario, cohort) and once with setup and one engine run, and prints the difference: the
instructions the engine executed, and per patient-year. The count does not depend on the machine's load, so two
versions of the code compare exactly (--code points at another checkout's folder holding sim/ and scenarios/; both
use this Python). Needs valgrind (Debian: apt-get install valgrind); takes about 30 s per 1,000 patient-years.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_RUN = """
import sys
from pathlib import Path
import sim
from sim.chunking import run_arm
from sim.cohort import build_cohort
from sim.scenario import Mitoxantrone
scn = sim.load_scenario(Path(sys.argv[1]) / "scenarios" / "mitonmo.toml",
                        overrides=[f"run.patients={sys.argv[2]}", f"run.follow_up_days={sys.argv[3]}"])
arm = next(a for a in scn.arms if isinstance(a.regimen, Mitoxantrone))
cohort = build_cohort(scn)
if sys.argv[4] == "1":
    run_arm(scn, arm, cohort, render=sys.argv[5] == "1")
"""


def instructions(code: Path, patients: int, days: int, engine: bool, rows: bool = False) -> int:
    """Instructions (callgrind's Ir) of one Python process: setup, and the engine run when `engine` (with the event
    and lab rows and their text when `rows`)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "run.py"
        script.write_text(_RUN)
        env = dict(os.environ, PYTHONPATH=str(code))
        out = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out", sys.executable,
                              str(script), str(code), str(patients), str(days), "1" if engine else "0", "1" if rows else "0"],
                             env=env, capture_output=True, text=True, cwd=tmp)
        found = re.search(r"Collected : (\d+)", out.stderr)
        if out.returncode != 0 or not found:
            sys.exit(f"valgrind run failed:\n{out.stderr[-2000:]}")
        return int(found.group(1))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=2000)
    ap.add_argument("--years", type=float, default=2.0)
    ap.add_argument("--rows", action="store_true",
                    help="keep event and lab rows with their text, as a run that writes tables (default: readouts only, "
                         "as replicates and target checks run)")
    ap.add_argument("--code", type=Path, default=ROOT, help="folder with sim/ and scenarios/ (default: this checkout)")
    a = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")
    days = int(round(a.years * 365))
    setup = instructions(a.code, a.patients, days, False)
    total = instructions(a.code, a.patients, days, True, a.rows)
    engine = total - setup
    py = a.patients * days / 365.25
    print(f"code       : {a.code}")
    print(f"run        : mitonmo.toml, mitoxantrone arm, {a.patients} patients x {days} d = {py:,.0f} patient-years, "
          + ("with event and lab rows" if a.rows else "readouts only"))
    print(f"setup      : {setup / 1e9:8.3f} G instructions (imports, scenario, cohort)")
    print(f"engine     : {engine / 1e9:8.3f} G instructions   {engine / py / 1e6:8.3f} M per patient-year")


if __name__ == "__main__":
    main()
