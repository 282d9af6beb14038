"""`nmosim targets` on bad input: one line on stderr naming the file and the field, exit 2, nothing written.

The targets files here are small variants written to tmp_path (`--targets PATH`); their scenario is the bundled
PREVENT placebo scenario, by absolute path. The CLI runs in a subprocess so the real exit code and stderr are seen.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PREVENT = ROOT / "scenarios" / "targets" / "prevent-placebo.toml"

GOOD = f'''
[[targets]]
id = "t1"
citation = "Someone A. A paper. J 2020;1:1-2. doi:10/x"
population = "everyone"
readout = "ARR"
metric = "arr_pooled"
arm = "placebo"
scenario = "{PREVENT.as_posix()}"
published = 0.35
quick = true
'''


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", "targets", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def targets_file(tmp_path: Path, old: str = "", new: str = "") -> Path:
    text = GOOD
    if old:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "my-targets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def assert_one_line_exit_2(res: subprocess.CompletedProcess, *needles: str) -> str:
    err = res.stderr
    assert res.returncode == 2, f"exit {res.returncode}; stderr: {err!r}; stdout: {res.stdout[-500:]!r}"
    assert "Traceback" not in err and "Traceback" not in res.stdout, err
    assert err.strip() and err.strip().count("\n") == 0, f"stderr is not one line: {err!r}"
    for needle in needles:
        assert needle in err, f"{needle!r} not in stderr: {err!r}"
    return err.strip()


@pytest.mark.parametrize("old,new,needles", [
    ('quick = true', 'quick = true\nquik = false', ["targets.0.quik", "unknown field 'quik'", "allowed:", "published"]),
    ('metric = "arr_pooled"', 'metric = "arr_pooledd"', ["targets.0.metric", "unknown metric 'arr_pooledd'",
                                                          "allowed:", "relapse_free_km"]),
    ('arm = "placebo"', 'arm = "eculizumab"', ["targets.0.arm", "no arm 'eculizumab'", "arms: placebo"]),
    ('metric = "arr_pooled"', 'metric = "relapse_free_km"', ["targets.0", "metric_args", "needs day"]),
    ('metric = "arr_pooled"', 'metric = "relapse_free_km"\nmetric_args = { day = 196, dya = 1 }',
     ["metric_args", "unknown argument 'dya'", "allowed: day (required)"]),
    ('published = 0.35', 'published = "high"', ["targets.0.published", "valid number"]),
    ('published = 0.35', 'published = 0.35\nci95 = [0.5, 0.9]', ["ci95", "must be [low, high] around published"]),
    (f'scenario = "{PREVENT.as_posix()}"', 'scenario = "nowhere.toml"', ["targets.0.scenario", "nowhere.toml not found"]),
    ('id = "t1"\n', '', ["targets.0.id", "required field missing"]),
])
def test_cli_targets_bad_file_is_one_line_exit_2(tmp_path, old, new, needles):
    path = targets_file(tmp_path, old, new)
    md = tmp_path / "docs" / "validation.md"
    line = assert_one_line_exit_2(cli("--targets", path, "--replicates", 2, "--markdown", md), str(path), *needles)
    assert "(target 't1')" in line or "id" in line
    assert not (tmp_path / "docs").exists(), "nothing may be written on bad input"


def test_cli_targets_bad_scenario_behind_a_target_names_both_files(tmp_path):
    scn = tmp_path / "scn.toml"
    text = PREVENT.read_text(encoding="utf-8").replace("patients = 47", "patients = -1")
    common = (PREVENT.parent / "../common/nmosd-disease.toml").resolve().as_posix()
    scn.write_text(text.replace('"../common/nmosd-disease.toml"', f'"{common}"'), encoding="utf-8")
    path = targets_file(tmp_path, f'scenario = "{PREVENT.as_posix()}"', 'scenario = "scn.toml"')
    assert_one_line_exit_2(cli("--targets", path, "--replicates", 2), str(path), "targets.0.scenario", "scn.toml",
                           "run.patients")


def test_cli_targets_not_toml_missing_file_unknown_only_and_duplicate_ids(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[targets]\n", encoding="utf-8")
    assert_one_line_exit_2(cli("--targets", bad), str(bad), "not valid TOML")
    assert_one_line_exit_2(cli("--targets", tmp_path / "none.toml"), "none.toml", "file not found")
    good = targets_file(tmp_path)
    assert_one_line_exit_2(cli("--targets", good, "--only", "t2"), "--only t2", "no such target", "t1")
    twin = tmp_path / "twin.toml"
    twin.write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    assert_one_line_exit_2(cli("--targets", good, "--targets", twin), "'t1'", "ids must be unique")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_exit_2(cli("--targets", empty), "no targets files")
    assert_one_line_exit_2(cli("--replicates", 0), "--replicates")


def test_cli_targets_runs_a_custom_file_and_reports_misses_with_exit_0(tmp_path):
    path = targets_file(tmp_path, "published = 0.35", "published = 99.0")
    res = cli("--targets", path, "--replicates", 3)
    assert res.returncode == 0, res.stderr
    assert "t1" in res.stdout and "miss (above)" in res.stdout and "99 " in res.stdout
    assert "0 of 1 published values inside" in res.stdout
