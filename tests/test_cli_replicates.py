"""`nmosim run SCENARIO --replicates R` as a user meets it: a fresh folder with the replicate table and summary."""
from __future__ import annotations

import csv
import json

from .test_cli_errors import cli

FAST = ["--set", "run.patients=6", "--set", "run.follow_up_days=200"]


def test_cli_replicates_write_table_summary_and_refuse_to_overwrite(tmp_path):
    out = tmp_path / "out"
    r = cli("run", "kim2011", "--replicates", "3", "--out", out, *FAST)
    assert r.returncode == 0, r.stderr
    assert "power against 'untreated'" in r.stdout and "type-I error" in r.stdout
    (folder,) = out.iterdir()           # --set changed the scenario: its hash is in the name
    assert folder.name.startswith("kim2011-seed2011-") and folder.name.endswith("-replicates3")
    assert {p.name for p in folder.iterdir()} == {"replicates.csv", "summary.json", "manifest.json", "scenario.toml"}
    rows = list(csv.DictReader((folder / "replicates.csv").open()))
    assert len(rows) == 3 * 3 and {row["replicate"] for row in rows} == {"0", "1", "2"}
    s = json.loads((folder / "summary.json").read_text())
    assert s["replicates"] == 3 and s["arms"]["mitoxantrone"]["power"]["negative_binomial"]["replicates"] == 3
    again = cli("run", "kim2011", "--replicates", "3", "--out", out, *FAST)
    assert again.returncode == 2 and len(again.stderr.strip().splitlines()) == 1 and "--force" in again.stderr


def test_cli_replicates_negative_count_is_refused(tmp_path):
    r = cli("run", "kim2011", "--replicates", "-1", "--out", tmp_path)
    assert r.returncode == 2 and not any(tmp_path.iterdir())
