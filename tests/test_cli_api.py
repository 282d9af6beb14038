"""sim.replicates and sim.sweep from Python give the numbers the command line writes: the same rows as replicates.csv
and sweep.csv (read back), the same summary as summary.json, for a Scenario object, a file and a bundled name."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import sim
from sim.api import ReplicateResults, read_sweep_table, vary_text
from sim.outputs import json_text
from sim.sweep_spec import SweepError

from .test_cli_errors import cli

FAST = {"run.patients": 6, "run.follow_up_days": 400}
FAST_SET = [x for k, v in FAST.items() for x in ("--set", f"{k}={v}")]
DOSE = "arms.mitoxantrone.regimen.phases.0.regimen.amt_mg_per_m2"      # kim2011's induction dose


def read_csv(path) -> pd.DataFrame:
    """A CLI table read back with pandas itself: floats exactly, arm names as text, only empty cells missing."""
    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    return pd.read_csv(path, dtype={"arm": str}, keep_default_na=False, na_values=[""], **exact)


@pytest.fixture(scope="module")
def small_kim():
    return sim.replace(sim.load_scenario("kim2011"), FAST)


@pytest.fixture(scope="module")
def small_kim_file(tmp_path_factory):
    """A scenario file: kim2011 with FAST's values, extending the bundled scenario by name."""
    path = tmp_path_factory.mktemp("scn") / "small-kim.toml"
    path.write_text('extends = "kim2011"\n\n[run]\npatients = 6\nfollow_up_days = 400\n', encoding="utf-8")
    return path


# ---------------------------------------------------------------- replicates
def test_cli_api_replicates_rows_and_summary_equal_the_cli_files(tmp_path, small_kim):
    r = cli("run", "kim2011", "--replicates", "3", "--out", tmp_path, "--quiet", *FAST_SET)
    assert r.returncode == 0, r.stderr
    (folder,) = tmp_path.iterdir()
    result = sim.replicates(small_kim, 3)
    assert isinstance(result, ReplicateResults)
    assert_frame_equal(result.rows, read_csv(folder / "replicates.csv"))
    assert json.loads(json_text(result.summary)) == json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert list(result.rows["arm"][:3]) == ["mitoxantrone", "untreated", "null: untreated vs independent copy"]


def test_cli_api_replicates_same_rows_for_a_name_and_for_two_workers(small_kim_file, small_kim):
    one = sim.replicates(small_kim, 2)
    assert_frame_equal(sim.replicates(small_kim_file, 2, workers=2).rows, one.rows)
    assert_frame_equal(sim.replicates(str(small_kim_file), 2).rows, one.rows)


def test_cli_api_replicates_summary_parts_and_short_repr(small_kim):
    result = sim.replicates(small_kim, 2)
    s = result.summary
    power = result.power
    tests = ["negative_binomial", "logrank"]
    assert list(power["arm"]) == ["mitoxantrone", "mitoxantrone"] and list(power["test"]) == tests
    assert list(power["share"]) == [s["arms"]["mitoxantrone"]["power"][t]["share"] for t in tests]
    assert list(result.type_i_error["share"]) == [s["type_i_error"][t]["share"] for t in tests]
    spread = result.spread.set_index(["arm", "readout"])
    p50 = s["arms"]["untreated"]["arr_pooled_per_year"]["p50"]
    assert spread.loc[("untreated", "arr_pooled_per_year"), "p50"] == p50
    text = repr(result)
    assert len(text) < 600 and "kim2011" in text and "2 trials" in text and "power mitoxantrone" in text
    assert "type-I error" in text


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_cli_api_replicates_refuses_a_bad_count(small_kim, n):
    with pytest.raises(ValueError, match="replicate trials"):
        sim.replicates(small_kim, n)


# ---------------------------------------------------------------- sweeps
def test_cli_api_sweep_frame_equals_the_cli_sweep_csv_for_object_file_and_folder(tmp_path, small_kim, small_kim_file):
    out = tmp_path / "cli"
    r = cli("sweep", "kim2011", "--vary", f"{DOSE}=6,12", "--vary", "disease.frailty_k=0.5,2.0", "--replicates", "2",
            "--out", out, "--quiet", *FAST_SET)
    assert r.returncode == 0, r.stderr
    expected = read_csv(out / "sweep.csv")
    vary = {DOSE: [6, 12], "disease.frailty_k": [0.5, 2.0]}
    from_object = sim.sweep(small_kim, vary=vary, replicates=2)
    assert_frame_equal(from_object, expected)
    assert list(from_object.columns[:3]) == ["point", DOSE, "disease.frailty_k"]
    assert from_object[DOSE].dtype.kind == "i" and from_object["arr_pooled_per_year"].dtype.kind == "f"
    assert_frame_equal(sim.sweep(small_kim_file, vary=vary, replicates=2, workers=2), expected)
    mine = tmp_path / "mine"
    assert_frame_equal(sim.sweep(str(small_kim_file), vary=vary, replicates=2, folder=mine), expected)
    assert {"sweep.csv", "sweep.json", "points.journal.csv"} <= {p.name for p in mine.iterdir()}
    assert_frame_equal(read_sweep_table(mine / "sweep.csv"), expected)
    assert_frame_equal(sim.sweep(str(small_kim_file), vary=vary, replicates=2, folder=mine), expected)   # resumed


def test_cli_api_sweep_sampled_design_and_values_text_equal_the_cli(tmp_path, small_kim):
    out = tmp_path / "cli"
    r = cli("sweep", "kim2011", "--vary", "disease.untreated_arr=1.0..2.0", "--design", "lhs", "--samples", "3",
            "--out", out, "--quiet", *FAST_SET)
    assert r.returncode == 0, r.stderr
    got = sim.sweep(small_kim, vary={"disease.untreated_arr": "1.0..2.0"}, design="lhs", samples=3)
    assert_frame_equal(got, read_csv(out / "sweep.csv"))
    ranged = sim.sweep(small_kim, vary={"disease.untreated_arr": "1.0:2.0:2"})
    listed = sim.sweep(small_kim, vary={"disease.untreated_arr": [1.0, 2.0]})
    assert_frame_equal(ranged, listed)


def test_cli_api_sweep_uses_the_scenario_sweep_table_and_leaves_no_temporary_folder(tmp_path, monkeypatch, small_kim):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    table = sim.replace(small_kim, {"sweep": {"vary": {"disease.frailty_k": "0.5,2.0"}, "replicates": 2}})
    got = sim.sweep(table)
    assert list(got["disease.frailty_k"].unique()) == [0.5, 2.0] and set(got["replicates"]) == {2}
    assert list(tmp_path.iterdir()) == []


def test_cli_api_vary_values_become_values_text():
    assert vary_text("a.b", [6, 9, 12]) == "a.b=6,9,12"
    assert vary_text("a.b", (0.1, 1e-05)) == "a.b=0.1,1e-05"
    assert vary_text("a.b", range(2, 4)) == "a.b=2,3"
    assert vary_text("a.b", ["x,y", 'q"t']) == 'a.b="x,y","q\\"t"'
    assert vary_text("a.b", [[1, 2], True]) == "a.b=[1, 2],true"
    assert vary_text("a.b", 7) == "a.b=7"
    assert vary_text("a.b", "0.2:0.9:8") == "a.b=0.2:0.9:8"
    with pytest.raises(SweepError, match="no values"):
        vary_text("a.b", [])
    with pytest.raises(SweepError, match="a.b"):
        vary_text("a.b", [object()])


def test_cli_api_sweep_errors_are_one_line_scenario_errors(small_kim):
    with pytest.raises(sim.ScenarioError, match="nothing to vary"):
        sim.sweep(small_kim)
    with pytest.raises(sim.ScenarioError, match="given twice"):
        sim.sweep(small_kim, vary={"disease.frailty_k": [1, 1]})
    with pytest.raises(sim.ScenarioError, match="frailty_k"):
        sim.sweep(small_kim, vary={"disease.frailty_k": [-1, 1]})


def test_cli_api_names_stay_callable_whichever_module_is_imported_first():
    """sim.sweep and sim.replicates are functions (sim/api.py), whatever the CLI's machinery (sim/sweep_run.py,
    sim/replicate_trials.py) imported first."""
    code = ("import sim.sweep_run, sim.replicate_trials\n"
            "import sim, inspect\n"
            "from sim.api import replicates as api_replicates, sweep as api_sweep\n"
            "assert sim.sweep is api_sweep and sim.replicates is api_replicates\n"
            "assert 'vary' in inspect.signature(sim.sweep).parameters\n"
            "assert list(inspect.signature(sim.replicates).parameters)[:2] == ['scenario', 'n']\n"
            "from sim import replicates\n"
            "s = sim.replace(sim.load_scenario('kim2011'), {'run.patients': 4, 'run.follow_up_days': 100})\n"
            "assert len(replicates(s, 1).rows) == 3\n"
            "print('ok')\n")
    for first in ("", "import sim\nsim.replicates, sim.sweep\n"):
        r = subprocess.run([sys.executable, "-c", first + code], capture_output=True, text=True, timeout=300)
        assert r.stdout.strip() == "ok", r.stderr[-2000:]
