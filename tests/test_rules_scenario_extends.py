"""`extends`: a scenario merged over shared base files (sim/scenario_extends.py)."""
from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

import sim
from sim.bundled import bundled
from sim.scenario import ScenarioError, load_scenario
from sim.scenario_extends import merge, resolve_extends

from .test_cli_errors import cli

ROOT = Path(__file__).resolve().parents[1]


def _read(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _resolve(path: Path, search: tuple[Path, ...] = ()) -> dict:
    return resolve_extends(_read(path), path, _read, ScenarioError, search)


def test_rules_merge_tables_key_by_key_and_replaces_everything_else():
    base = {"a": {"x": 1, "y": {"p": 1, "q": 2}}, "arr": [1, 2], "tables": [{"n": 1}], "s": "base"}
    top = {"a": {"y": {"q": 3}, "z": 4}, "arr": [9], "tables": [{"n": 2}]}
    out = merge(base, top)
    assert out == {"a": {"x": 1, "y": {"p": 1, "q": 3}, "z": 4}, "arr": [9], "tables": [{"n": 2}], "s": "base"}
    assert base["a"]["y"] == {"p": 1, "q": 2}                      # inputs unchanged


def test_rules_extends_list_in_order_nested_bases_and_own_values_last(tmp_path):
    (tmp_path / "b1.toml").write_text('[d]\nx = 1\ny = 1\n')
    (tmp_path / "b2.toml").write_text('extends = "b1.toml"\n[d]\ny = 2\nz = 2\n')
    (tmp_path / "b3.toml").write_text('[d]\nz = 3\n')
    (tmp_path / "s.toml").write_text('extends = ["b2.toml", "b3.toml"]\n[d]\nw = 4\n')
    assert _resolve(tmp_path / "s.toml") == {"d": {"x": 1, "y": 2, "z": 3, "w": 4}}


def test_rules_extends_cycle_and_missing_base_are_one_line_errors(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="a cycle"):
        _resolve(tmp_path / "a.toml")
    (tmp_path / "m.toml").write_text('extends = "common/none.toml"\n')
    with pytest.raises(ScenarioError) as err:
        _resolve(tmp_path / "m.toml", (ROOT / "scenarios",))
    msg = str(err.value)
    assert "\n" not in msg and "'common/none.toml' not found" in msg
    assert str(tmp_path / "common/none.toml") in msg and str(ROOT / "scenarios" / "common/none.toml") in msg
    (tmp_path / "bad.toml").write_text('extends = 3\n')
    with pytest.raises(ScenarioError, match="expected a file name"):
        _resolve(tmp_path / "bad.toml")


def test_rules_a_copied_bundled_scenario_finds_the_shared_tables_it_extends(tmp_path):
    """A bundled scenario copied out of the package resolves its extends from the bundled folders: the same scenario."""
    copy = tmp_path / "my-kim.toml"
    shutil.copy(bundled()["kim2011"], copy)
    assert load_scenario(copy) == load_scenario(bundled()["kim2011"])
    # a base file beside the copy wins over the bundled one
    (tmp_path / "common").mkdir()
    local = (ROOT / "scenarios" / "common" / "nmosd-disease.toml").read_text().replace(
        "untreated_arr = 0.5 ", "untreated_arr = 0.9 ")
    (tmp_path / "common" / "nmosd-disease.toml").write_text(local)
    assert load_scenario(copy).disease.untreated_arr == 0.9


def test_cli_missing_extends_base_is_one_line_exit_2_nothing_written(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text((ROOT / "scenarios" / "kim2011.toml").read_text().replace(
        'extends = "common/nmosd-disease.toml"', 'extends = "common/no-such-disease.toml"'))
    out = tmp_path / "out"
    r = cli("run", bad, "--out", out)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    (line,) = r.stderr.strip().splitlines()
    assert str(bad) in line and "extends" in line and "no-such-disease.toml" in line
    assert not out.exists()
    assert sim.load_scenario(bundled()["kim2011"]).run.name == "kim2011"


def test_rules_merge_named_tables_by_name_drop_unlisted_and_add_new():
    base = {"arms": [{"name": "a", "x": 1, "r": {"p": 1, "q": 2}}, {"name": "b", "x": 2}]}
    top = {"arms": [{"name": "a", "r": {"q": 9}}, {"name": "c", "x": 3}]}
    assert merge(base, top) == {"arms": [{"name": "a", "x": 1, "r": {"p": 1, "q": 9}}, {"name": "c", "x": 3}]}


TEN_LINES = '''# MITONMO at a lower starting dose, in a smaller trial
extends = "mitonmo"

[run]
name = "mitonmo-low-dose"
patients = 60

[[arms]]
name = "mitoxantrone"
regimen = { amt_mg_per_m2 = 10 }
'''


def test_rules_ten_line_scenario_extends_a_bundled_one_by_name_and_runs(tmp_path):
    path = tmp_path / "low-dose.toml"
    path.write_text(TEN_LINES)
    assert len(TEN_LINES.splitlines()) == 10
    scn = load_scenario(path)
    base = load_scenario(bundled()["mitonmo"])
    reg = scn.arms[0].regimen
    assert (scn.run.name, scn.run.patients, reg.amt_mg_per_m2) == ("mitonmo-low-dose", 60, 10)
    assert reg.model_copy(update={"amt_mg_per_m2": base.arms[0].regimen.amt_mg_per_m2}) == base.arms[0].regimen
    assert scn.cohort == base.cohort and scn.disease == base.disease
    r = cli("run", path, "--out", tmp_path / "out", "--quiet", "--set", "run.patients=12")
    assert r.returncode == 0, r.stderr


def test_rules_three_mistakes_give_three_one_line_errors(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('extends = "mitonmo"\n[run]\npatients = -5\nseed = "x"\ncolour = 3\n')
    r = cli("validate", path)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 3
    assert all(line.startswith(f"error: {path}: run.") for line in lines)
    assert any("run.patients" in x for x in lines) and any("run.seed" in x for x in lines)
    assert any("unknown field 'colour'" in x and "allowed:" in x for x in lines)
