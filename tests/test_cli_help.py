"""The command line's own surface: --version, help text a user can read, and run folders that never collide."""
from __future__ import annotations

from importlib.metadata import version

from sim.summary_text import _attacks, _ci, _km

from .test_cli_errors import cli

FAST = ["--set", "run.patients=8", "--set", "run.follow_up_days=60", "--quiet"]


def test_cli_version_prints_the_installed_package_version():
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"nmosim {version('nmosim')}"


def test_cli_help_shows_flags_without_type_labels_and_keeps_square_brackets():
    run = cli("run", "-h")
    assert run.returncode == 0
    assert "<bool>" not in run.stdout and "--force " in run.stdout and "--name" in run.stdout
    assert "PATH=VALUE" in run.stdout
    sweep = cli("sweep", "--help")
    assert "Default: the [sweep] table." in " ".join(sweep.stdout.split())


def test_cli_runs_with_different_overrides_get_different_folders_and_the_same_meet_again(tmp_path):
    a = cli("run", "mitonmo", "--out", tmp_path, *FAST)
    b = cli("run", "mitonmo", "--out", tmp_path, *FAST, "--set", "run.seed=5")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and names[0].startswith("mitonmo-seed20140101-") and names[1].startswith("mitonmo-seed5-")
    again = cli("run", "mitonmo", "--out", tmp_path, *FAST)
    assert again.returncode == 2 and "already exists" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    named = cli("run", "mitonmo", "--out", tmp_path, *FAST, "--name", "trial-a")
    assert named.returncode == 0 and (tmp_path / "trial-a" / "summary.json").exists()
    bad = cli("run", "mitonmo", "--out", tmp_path, *FAST, "--name", "../escape")
    assert bad.returncode == 2 and "--name" in bad.stderr and not (tmp_path.parent / "escape").exists()


def test_cli_summary_text_prints_nr_for_a_missing_limit_and_counts_4_or_more_attacks():
    assert _ci({"estimate": 0.5, "ci95_low": 0.2, "ci95_high": None}) == "0.50 (0.20-NR)"
    assert _km({"estimate": 300.0, "ci95_low": 200.0, "ci95_high": None}) == "300 (200-NR)"
    assert _attacks({"0": 5, "1": 4, "2": 3, "3": 2, "4": 1, "5": 0, "6": 2}) == "5 / 4 / 3 / 2 / 3"
    assert _attacks({"0": 7, "1": 1}) == "7 / 1 / 0 / 0 / 0"
