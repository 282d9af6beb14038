"""Bundled scenarios from the CLI as a new user runs them; bad input in the new regimen fields fails cleanly."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ["mitonmo", "kim2011", "correale2005", "baricitinib-nct05792462", "belimumab-nct05154734", "compare-regimens"]


def cli(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_cli_scenarios_lists_every_bundled_scenario_on_one_line_each():
    """`nmosim scenarios`: one line per bundled file, name then description."""
    r = cli("scenarios")
    assert r.returncode == 0
    lines = r.stdout.strip().splitlines()
    assert sorted(line.split()[0] for line in lines) == sorted(BUNDLED)
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines)


@pytest.mark.parametrize("name", BUNDLED)
def test_cli_every_bundled_scenario_validates_and_runs_at_trial_size_within_a_minute(name, tmp_path):
    """Each bundled scenario, by name, at its trial's size: exit 0, all files written, under 60 s."""
    assert cli("validate", name).returncode == 0
    t0 = time.perf_counter()
    r = cli("run", name, "--out", tmp_path, "--quiet")
    took = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr
    assert took < 60
    (run,) = tmp_path.iterdir()
    assert {p.name for p in run.iterdir()} >= {"manifest.json", "patients.csv", "events.csv", "labs.csv", "summary.json"}


def _bad(tmp_path: Path, source: str, old: str, new: str) -> Path:
    text = (ROOT / "scenarios" / source).read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    p = tmp_path / "bad.toml"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p


@pytest.mark.parametrize("source, old, new, words", [
    ("belimumab-nct05154734.toml", 'drug = "belimumab"', 'drug = "rituximab"', ["unknown drug 'rituximab'", "belimumab"]),
    ("belimumab-nct05154734.toml", 'weight_kg_female = {', 'weight_kg_female_x = {', ["weight_kg_female_x"]),
    ("kim2011.toml", 'to = "maintenance"', 'to = "maintenence"', ["unknown phase 'maintenence'", "maintenance"]),
    ("baricitinib-nct05792462.toml", 'amt_mg = 2 ', 'amt_mg = -2 ', ["amt_mg", "greater than 0"]),
    ("correale2005.toml", 'relapses = 2, window_days = 365', 'relapses = 2', ["relapses and window_days"]),
    ("baricitinib-nct05792462.toml", 'tolerance_days = 28', 'tolerance_days = 5', ["lymphocyte_rise",
                                                                                     "tolerance_days must be longer"]),
])
def test_cli_bad_regimen_input_is_one_line_exit_2_no_folder(tmp_path, source, old, new, words):
    """Unknown drug, unknown key, transition to an unknown phase, negative dose, half a trigger: one line, exit 2."""
    bad = _bad(tmp_path, source, old, new)
    out = tmp_path / "out"
    r = cli("run", bad, "--out", out)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert str(bad) in lines[0]
    for w in words:
        assert w in lines[0]
    assert not out.exists()


def test_cli_weight_based_dose_without_weights_is_refused(tmp_path):
    """Belimumab is dosed per kg: a cohort without weight distributions is a one-line error naming the arm."""
    text = (ROOT / "scenarios" / "belimumab-nct05154734.toml").read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if not line.startswith(("weight_kg_", "height_cm_"))]
    bad = tmp_path / "noweight.toml"
    bad.write_text("\n".join(kept) + "\n", encoding="utf-8")
    r = cli("validate", bad)
    assert r.returncode == 2
    line = r.stderr.strip()
    assert "\n" not in line and "arms.0.regimen" in line and "per kg of body weight" in line
