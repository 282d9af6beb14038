"""`nmosim sweep` as a user meets it: bad specifications fail before any work, a finished sweep has its table and
figure, a folder holding another sweep is not overwritten without --force, and the [sweep] table works."""
from __future__ import annotations

import csv

import pytest

from .test_cli_errors import MITONMO, cli

FAST = ["--set", "run.patients=5", "--set", "run.follow_up_days=150"]


@pytest.mark.parametrize("vary, extra, words", [
    ("arms.0.regimen.nonsense=1,2", [], "nonsense"),
    ("run.patients=abc,def", [], "run.patients"),
    ("arms.0.regimen.amt_mg_per_m2=1:2:0", [], "count"),
    ("arms.0.regimen.amt_mg_per_m2=9..3", ["--design", "lhs", "--samples", "4"], "9..3"),
    ("arms.0.regimen.amt_mg_per_m2=-6,6", [], "amt_mg_per_m2"),
    ("arms.0.regimen.amt_mg_per_m2=3..9", [], "grid"),
    ("run.follow_up_days=true,false", [], "run.follow_up_days: true is not a number"),
])
def test_cli_bad_sweep_specification_is_one_line_exit_2_and_nothing_written(tmp_path, vary, extra, words):
    out = tmp_path / "sweep"
    r = cli("sweep", MITONMO, "--vary", vary, *extra, "--out", out, *FAST)
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0], r.stderr
    assert not out.exists()


def test_cli_sweep_writes_table_and_figure_and_guards_the_folder(tmp_path):
    out = tmp_path / "sweep"
    r = cli("sweep", MITONMO, "--vary", "arms.0.regimen.amt_mg_per_m2=6,12", "--out", out, *FAST)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader((out / "sweep.csv").open()))
    assert [row["arms.0.regimen.amt_mg_per_m2"] for row in rows] == ["6", "12"]
    for fig in ("sweep.png", "sweep.svg"):
        assert (out / fig).stat().st_size > 1000
    assert (out / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    other = cli("sweep", MITONMO, "--vary", "arms.0.regimen.amt_mg_per_m2=6,9", "--out", out, *FAST)
    assert other.returncode == 2 and "--force" in other.stderr and len(other.stderr.strip().splitlines()) == 1
    again = cli("sweep", MITONMO, "--vary", "arms.0.regimen.amt_mg_per_m2=6,9", "--out", out, "--force", *FAST)
    assert again.returncode == 0, again.stderr
    assert [row["arms.0.regimen.amt_mg_per_m2"] for row in csv.DictReader((out / "sweep.csv").open())] == ["6", "9"]


@pytest.mark.parametrize("values", ['"4,6"', "[4, 6]"])
def test_cli_sweep_table_in_the_scenario_file(tmp_path, values):
    scenario = tmp_path / "swept.toml"
    scenario.write_text(MITONMO.read_text(encoding="utf-8") + f'\n[sweep]\nvary = {{ "run.patients" = {values} }}\n'
                        'replicates = 2\n', encoding="utf-8")
    out = tmp_path / "sweep"
    r = cli("sweep", scenario, "--out", out, "--set", "run.follow_up_days=120")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader((out / "sweep.csv").open()))
    assert [(row["run.patients"], row["replicates"]) for row in rows] == [("4", "2"), ("6", "2")]
