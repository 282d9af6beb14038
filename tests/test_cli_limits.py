"""Sizes and values nmosim cannot honour are refused by validation, before anything is allocated or written: exit 2,
one line naming the field, no traceback, no output folder (each case once crashed, hung or allocated without end)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CASES = {
    "patients beyond the limit": (["run", "mitonmo", "--set", "run.patients=1000000000000"], "run.patients"),
    "a step that would never end": (["run", "mitonmo", "--set", "run.step_days=1e-9"], "run.step_days"),
    "follow-up of a thousand years": (["run", "mitonmo", "--set", "run.follow_up_days=365250"], "run.follow_up_days"),
    "a run name too long for a folder": (["run", "mitonmo", "--set", "run.name=" + "a" * 300], "run.name"),
    "an arm name of 300 characters": (["run", "mitonmo", "--set", "arms.0.name=" + "b" * 300], "arms.0.name"),
    "a title of 100,000 characters": (["validate", "mitonmo", "--set", 'title="' + "t" * 100_000 + '"'], "title"),
    "a Unicode digit as a list index": (["validate", "mitonmo", "--set", "arms.\u00b2.name=x"], "arms.\u00b2"),
    "an inverted range": (["sweep", "mitonmo", "--vary", "run.patients=30:10:3"], "must increase"),
    "a range of 1e8 points": (["sweep", "mitonmo", "--vary", "run.patients=1:100000000:100000000"], "range count"),
    "a grid over the limit": (["sweep", "mitonmo", "--vary", "run.patients=" + ",".join(map(str, range(1, 401))),
                               "--vary", "run.seed=" + ",".join(map(str, range(400)))], "grid has 160,000 points"),
    "1e9 samples": (["sweep", "mitonmo", "--design", "lhs", "--samples", "1000000000",
                     "--vary", "arms.0.regimen.amt_mg_per_m2=6..12"], "--samples"),
    "1e9 replicates": (["run", "mitonmo", "--replicates", "1000000000"], "--replicates"),
}


@pytest.mark.parametrize("case", CASES)
def test_cli_limits_refuse_with_one_line(case, tmp_path):
    args, field = CASES[case]
    out = tmp_path / "out"
    extra = ["--out", str(out)] if args[0] in ("run", "sweep") else []
    r = subprocess.run([sys.executable, "-m", "sim", *args, *extra], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2, r.stderr[-2000:]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in r.stderr
    assert field in lines[0]
    assert len(lines[0]) < 400                           # a long value is cut in the message, not echoed whole
    assert not out.exists() and not (tmp_path / "outputs").exists()


def test_cli_limits_deeply_nested_toml_names_the_file(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text('title = "x"\nz = ' + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "sim", "validate", str(deep)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: {deep}: tables or arrays nest too deeply to read"
