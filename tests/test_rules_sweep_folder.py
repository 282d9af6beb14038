"""The sweep folder: what identifies a sweep on resume, which folders are refused, inputs written exactly, the
in-flight window, the --keep-patients warning."""
from __future__ import annotations

import csv
import json

import pytest

from sim.executors import InlineExecutor
from sim.sweep_run import SPEC, in_flight_window, open_folder, plan_sweep, run_sweep
from sim.sweep_spec import SweepError
from tests.conftest import MITONMO

BASE = ["run.patients=4", "run.follow_up_days=100"]
VARY = ["run.patients=4,6"]


def scenario(tmp_path, old="", new="", extra="", name="s.toml"):
    text = MITONMO.read_text(encoding="utf-8")
    if old:
        assert text.count(old) == 1
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text + extra, encoding="utf-8")
    return str(path)


def identity(path, overrides=BASE, vary=VARY, design=None, samples=None, replicates=None):
    return plan_sweep(path, overrides, vary, design, samples, replicates).identity()


def test_the_identity_is_the_resolved_sweep_not_how_it_is_written(tmp_path):
    a = scenario(tmp_path)
    same = identity(a)
    assert identity(scenario(tmp_path, name="moved.toml")) == same, "the file's path does not matter"
    assert identity(a, ["run.follow_up_days=100", "run.patients=4"]) == same, "nor the order of --set"
    assert identity(a, BASE, ["run.patients=4:6:2"]) == same, "a range giving the same values is the same sweep"
    assert identity(scenario(tmp_path, extra="\n[sweep]\nvary = { x = \"1\" }\nworkers = 2\n", name="w.toml")) == same
    assert identity(scenario(tmp_path, "seed = 20140101", "seed = 20140102", name="seed.toml")) != same
    assert identity(scenario(tmp_path, "follow_up_days = 730", "follow_up_days = 731", name="fu.toml")) == same, \
        "a value the --set replaces does not matter"
    assert identity(a, [*BASE, "run.chunk_size=3"]) == same, "chunks do not change results (tables byte-identical)"
    assert identity(a, [*BASE, "disease.untreated_arr=1.1"]) != same
    assert identity(a, replicates=2) != same
    assert identity(a, BASE, ["run.patients=4,7"]) != same


def test_a_folder_of_another_sweep_or_of_other_files_is_refused_and_left_as_it_was(tmp_path):
    plan = plan_sweep(scenario(tmp_path), BASE, VARY)
    other = plan_sweep(scenario(tmp_path, "seed = 20140101", "seed = 3", name="o.toml"), BASE, VARY)
    folder = tmp_path / "out"
    assert open_folder(plan, folder, force=False) == set()
    spec = (folder / SPEC).read_text()
    assert json.loads(spec)["identity"] == plan.identity()
    with pytest.raises(SweepError, match="holds a different sweep"):
        open_folder(other, folder, force=False)
    assert (folder / SPEC).read_text() == spec
    for broken in ("{not json", json.dumps({"scenario_file": "s.toml", "points": []})):   # unreadable, old format
        (folder / SPEC).write_text(broken)
        with pytest.raises(SweepError, match="different sweep"):
            open_folder(plan, folder, force=False)
        assert (folder / SPEC).read_text() == broken

    mine = tmp_path / "mine"
    (mine / "points").mkdir(parents=True)
    with pytest.raises(SweepError, match="no sweep"):
        open_folder(plan, mine, force=False)
    assert [p.name for p in mine.iterdir()] == ["points"]
    leftover = tmp_path / "killed"
    leftover.mkdir()
    (leftover / ".sweep.json.tmp-123").write_text("")                  # what a kill while writing leaves
    assert open_folder(plan, leftover, force=False) == set()


def test_the_same_sweep_resumes_and_force_restarts_it(tmp_path):
    plan = plan_sweep(scenario(tmp_path), BASE, VARY)
    folder = tmp_path / "out"
    table = run_sweep(plan, folder, InlineExecutor()).read_text()
    again = plan_sweep(scenario(tmp_path, name="copy.toml"), BASE, VARY)
    assert open_folder(again, folder, force=False) == {0, 1}
    assert open_folder(again, folder, force=True) == set()
    assert not (folder / "sweep.csv").exists() and not (folder / "points.journal.csv").exists()
    assert run_sweep(again, folder, InlineExecutor()).read_text() == table


def test_varied_floats_are_written_exactly(tmp_path):
    plan = plan_sweep(scenario(tmp_path), BASE, ["disease.untreated_arr=0.2..0.9", "run.patients=4..6"], "sobol", 3)
    rows = list(csv.DictReader(run_sweep(plan, tmp_path / "out", InlineExecutor()).open()))
    assert [float(r["disease.untreated_arr"]) for r in rows] == [p["disease.untreated_arr"] for p in plan.points]
    assert [r["run.patients"] for r in rows] == [str(p["run.patients"]) for p in plan.points]
    assert any(len(r["disease.untreated_arr"]) > 8 for r in rows), "more digits than 6 significant figures"
    exact = plan_sweep(scenario(tmp_path), BASE, ["disease.untreated_arr=0.30000000000000004,0.3"])
    written = run_sweep(exact, tmp_path / "x", InlineExecutor())
    cells = [r["disease.untreated_arr"] for r in csv.DictReader(written.open())]
    assert cells == ["0.30000000000000004", "0.3"]


def test_the_window_is_the_requested_one_off_dask_and_does_not_change_the_table(tmp_path):
    plan = plan_sweep(scenario(tmp_path), BASE, ["run.patients=4,5,6"], replicates=2)
    assert in_flight_window(InlineExecutor(), 3) == 3
    tables = {run_sweep(plan, tmp_path / f"w{w}", InlineExecutor(), max_in_flight=w).read_text() for w in (1, 50)}
    assert len(tables) == 1


def test_keep_patients_warns_only_when_finished_points_have_none(tmp_path, capsys):
    plan = plan_sweep(scenario(tmp_path), BASE, VARY)
    folder = tmp_path / "out"
    run_sweep(plan, folder, InlineExecutor())
    capsys.readouterr()
    run_sweep(plan, folder, InlineExecutor(), keep_patients=True)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("warning: --keep-patients: 2 of 2 points") and "--force" in err[0]
    run_sweep(plan, folder, InlineExecutor(), force=True, keep_patients=True)
    run_sweep(plan, folder, InlineExecutor(), keep_patients=True)
    assert capsys.readouterr().err == ""
