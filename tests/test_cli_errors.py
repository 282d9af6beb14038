"""The `nmosim` CLI as a new user meets it: bad input fails cleanly, and no run is ever lost.

Every bad input must exit 2 with exactly one line on stderr that names the file and the field,
and must create no output folder. The CLI runs in a subprocess so the real exit code and stderr are seen.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MITONMO = ROOT / "scenarios" / "mitonmo.toml"
FAST = ["--set", "run.patients=5", "--set", "run.follow_up_days=120"]
RUN_FILES = {"manifest.json", "patients.csv", "events.csv", "labs.csv", "survival.csv", "time_to_event.csv",
             "readouts.csv", "adverse_events.csv", "dosing.csv", "scenario.toml", "summary.json", "figures"}
COMMANDS = ["run", "validate"]


def cli(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def invoke(command: str, scenario: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    """`nmosim run` (into `out`) or `nmosim validate` on `scenario` with extra arguments."""
    if command == "run":
        return cli("run", scenario, "--out", out, "--quiet", *extra)
    return cli("validate", scenario, *extra)


def variant(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of mitonmo.toml with `old` (which must occur exactly once) replaced by `new`."""
    text = MITONMO.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {MITONMO.name}"
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def assert_clean_failure(res: subprocess.CompletedProcess, out: Path, *needles: str) -> str:
    """Exit 2, one stderr line containing every needle, no traceback, no output folder; returns the line."""
    err = res.stderr
    assert res.returncode == 2, f"exit {res.returncode}; stderr: {err!r}"
    assert "Traceback" not in err and "Traceback" not in res.stdout, err
    assert err.strip() and err.strip().count("\n") == 0, f"stderr is not one line: {err!r}"
    for needle in needles:
        assert needle in err, f"{needle!r} not in stderr: {err!r}"
    assert not out.exists(), f"an output folder was created: {list(out.rglob('*'))}"
    return err.strip()


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))
            if p.is_file()}


def assert_no_temp_folders(out: Path) -> None:
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert hidden == [], f"temporary folders left in {out}: {hidden}"


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_wrong_type_is_one_line_error(command, tmp_path):
    """A string where an integer belongs (run.patients = "many") is a clean one-line error."""
    bad = variant(tmp_path, "patients = 50 ", 'patients = "many" ')
    res = invoke(command, bad, tmp_path / "out", "--set", "run.follow_up_days=120")
    assert_clean_failure(res, tmp_path / "out", str(bad), "run.patients", "many")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("old, new, path, allowed", [
    ("[run]\n", "[run]\ncolour = 1\n", "run.colour", "follow_up_days"),
    ('drug = "mitoxantrone"\n', 'drug = "mitoxantrone"\ncolour = 1\n', "arms.0.regimen.colour", "amt_mg_per_m2"),
], ids=["run", "regimen"])
def test_cli_unknown_key_names_key_and_allowed_fields(command, old, new, path, allowed, tmp_path):
    """An unknown key is named with its path, and the allowed fields of that table are listed."""
    bad = variant(tmp_path, old, new)
    res = invoke(command, bad, tmp_path / "out", *FAST)
    line = assert_clean_failure(res, tmp_path / "out", str(bad), path, "'colour'", "allowed")
    assert allowed in line.split("allowed", 1)[1]


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_negative_dose_is_rejected(command, tmp_path):
    """A negative dose (amt_mg_per_m2 = -12) is rejected with the regimen field's path."""
    bad = variant(tmp_path, "amt_mg_per_m2 = 12 ", "amt_mg_per_m2 = -12 ")
    res = invoke(command, bad, tmp_path / "out", *FAST)
    assert_clean_failure(res, tmp_path / "out", str(bad), "arms.0.regimen.amt_mg_per_m2", "-12")


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_overlapping_wbc_bands_are_rejected(command, tmp_path):
    """WBC bands that overlap ([3.0, 4.5) and [4.0, inf)) are rejected, naming the regimen and wbc_bands."""
    bad = variant(tmp_path, "high_per_nl = 4.0, dose_mg_per_m2 = 9", "high_per_nl = 4.5, dose_mg_per_m2 = 9")
    res = invoke(command, bad, tmp_path / "out", *FAST)
    assert_clean_failure(res, tmp_path / "out", str(bad), "arms.0.regimen", "wbc_bands", "overlap")


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_missing_file_is_one_line_error(command, tmp_path):
    """A scenario file that does not exist is named in a one-line error."""
    missing = tmp_path / "no-such-scenario.toml"
    res = invoke(command, missing, tmp_path / "out", *FAST)
    assert_clean_failure(res, tmp_path / "out", str(missing), "not found")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("override, path", [
    ("run.nonexistent=3", "run.nonexistent"),
    ("arms.5.regimen.amt_mg_per_m2=3", "arms.5"),
    ("run.patients=abc", "run.patients"),
], ids=["unknown-key", "no-list-item", "bad-value"])
def test_cli_bad_set_override_is_one_line_error(command, override, path, tmp_path):
    """A bad --set (unknown key, missing list item, wrong value type) names the file, the override and the path."""
    res = invoke(command, MITONMO, tmp_path / "out", *FAST, "--set", override)
    assert_clean_failure(res, tmp_path / "out", str(MITONMO), override, path)


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_invalid_toml_is_one_line_error(command, tmp_path):
    """A TOML syntax error names the file and the line, in one line."""
    bad = variant(tmp_path, "[run]\n", "[run\n")
    res = invoke(command, bad, tmp_path / "out", *FAST)
    assert_clean_failure(res, tmp_path / "out", str(bad), "TOML", "line")


def test_cli_validate_shipped_scenario_succeeds():
    """`nmosim validate scenarios/mitonmo.toml` exits 0 and says the file is valid."""
    res = cli("validate", "scenarios/mitonmo.toml")
    assert res.returncode == 0, res.stderr
    assert "valid" in res.stdout and res.stderr == ""


def test_cli_second_run_without_force_keeps_first_run(tmp_path):
    """A second run into the same folder without --force exits 2 in one line and touches nothing."""
    out = tmp_path / "out"
    first = cli("run", MITONMO, "--out", out, "--quiet", *FAST)
    assert first.returncode == 0, first.stderr
    (run_folder,) = out.iterdir()
    assert {p.name for p in run_folder.iterdir()} == RUN_FILES
    before = snapshot(run_folder)

    again = cli("run", MITONMO, "--out", out, "--quiet", *FAST)
    assert again.returncode == 2, again.stderr
    err = again.stderr.strip()
    assert "Traceback" not in again.stderr and err.count("\n") == 0, again.stderr
    assert str(run_folder) in err and "--force" in err
    assert snapshot(run_folder) == before, "the first run's files changed"
    assert [p.name for p in out.iterdir()] == [run_folder.name]


def test_cli_force_replaces_run_with_complete_one(tmp_path):
    """With --force the run folder is replaced by a complete new run, and no temporary folders remain."""
    out = tmp_path / "out"
    first = cli("run", MITONMO, "--out", out, "--quiet", "--name", "r", *FAST)
    assert first.returncode == 0, first.stderr
    (run_folder,) = out.iterdir()

    forced = cli("run", MITONMO, "--out", out, "--quiet", "--force", "--name", "r", *FAST,
                 "--set", "run.follow_up_days=100")
    assert forced.returncode == 0, forced.stderr
    assert [p.name for p in out.iterdir()] == [run_folder.name]
    assert {p.name for p in run_folder.iterdir()} == RUN_FILES
    manifest = json.loads((run_folder / "manifest.json").read_text(encoding="utf-8"))
    assert "run.follow_up_days=100" in manifest["overrides"], "the folder still holds the first run"
    json.loads((run_folder / "summary.json").read_text(encoding="utf-8"))
    for table in RUN_FILES - {"manifest.json", "summary.json", "figures"}:
        assert (run_folder / table).read_text(encoding="utf-8").strip(), f"{table} is empty"
    assert_no_temp_folders(out)
