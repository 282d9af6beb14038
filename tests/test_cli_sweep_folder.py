"""`nmosim sweep` and its --out folder: an edited scenario is another sweep, a folder holding other files is not
overwritten without --force, a file or an unreachable scheduler is a one-line error (exit 2), --keep-patients on a
finished sweep warns."""
from __future__ import annotations

import shutil
import socket

import pytest

from sim.executors import InlineExecutor
from sim.sweep_run import plan_sweep, run_sweep

from .test_cli_errors import cli, variant

VARY = ["--vary", "run.patients=4,6", "--set", "run.follow_up_days=200", "--quiet"]


def one_line_error(r, *words) -> str:
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"
    return lines[0]


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A scenario file (a copy of mitonmo) and a finished sweep of it; tests copy both."""
    where = tmp_path_factory.mktemp("finished")
    scenario = variant(where, "seed = 20140101", "seed = 20140101")
    out = where / "sweep"
    r = cli("sweep", scenario, *VARY, "--out", out)
    assert r.returncode == 0, r.stderr
    return scenario, out


def copies(finished, tmp_path):
    scenario, out = finished
    (tmp_path / "s").mkdir()
    shutil.copy(scenario, tmp_path / "s" / scenario.name)
    shutil.copytree(out, tmp_path / "sweep")
    return tmp_path / "s" / scenario.name, tmp_path / "sweep"


def test_cli_sweep_of_an_edited_scenario_file_is_refused_then_restarted_with_force(finished, tmp_path):
    scenario, out = copies(finished, tmp_path)
    old, before = (out / "sweep.csv").read_text(), snapshot(out)
    scenario.write_text(scenario.read_text().replace("seed = 20140101", "seed = 7"))
    r = cli("sweep", scenario, *VARY, "--out", out)
    one_line_error(r, str(out), "different sweep", "--force", "--out")
    assert snapshot(out) == before, "a refused sweep changes nothing"

    forced = cli("sweep", scenario, *VARY, "--out", out, "--force")
    assert forced.returncode == 0, forced.stderr
    new = (out / "sweep.csv").read_text()
    assert new != old, "the seed should change the readouts (else this test shows nothing)"
    plan = plan_sweep(str(scenario), [VARY[3]], [VARY[1]])                # the same sweep, in a fresh folder
    assert new == run_sweep(plan, tmp_path / "fresh", InlineExecutor()).read_text(), "no stale rows of the old seed"


def test_cli_sweep_refuses_a_folder_with_other_files_unless_forced(finished, tmp_path):
    scenario, _ = finished
    out = tmp_path / "mine"
    (out / "points" / "stale").mkdir(parents=True)
    (out / "sweep.csv").write_text("my own table\n")
    (out / "notes.txt").write_text("keep me\n")
    before = snapshot(out)
    r = cli("sweep", scenario, *VARY, "--out", out)
    one_line_error(r, str(out), "no sweep", "--force")
    assert snapshot(out) == before and (out / "points" / "stale").is_dir()

    forced = cli("sweep", scenario, *VARY, "--out", out, "--force")
    assert forced.returncode == 0, forced.stderr
    assert (out / "sweep.csv").read_text() == (finished[1] / "sweep.csv").read_text()
    assert not (out / "points").exists(), "--force removes the stale points/ folder"
    assert (out / "notes.txt").read_text() == "keep me\n", "files that are not the sweep's are left alone"


def test_cli_sweep_into_a_file_is_a_one_line_error(tmp_path):
    target = tmp_path / "afile"
    target.write_text("not a folder\n")
    one_line_error(cli("sweep", "mitonmo", *VARY, "--out", target), str(target), "not a folder")
    one_line_error(cli("sweep", "mitonmo", *VARY, "--out", target / "sub"), str(target / "sub"), "cannot create")
    assert target.read_text() == "not a folder\n"


def test_cli_sweep_with_an_unreachable_scheduler_is_a_one_line_error(tmp_path):
    with socket.socket() as s:                                         # a local port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    out = tmp_path / "sweep"
    r = cli("sweep", "mitonmo", *VARY, "--scheduler", address, "--out", out)
    one_line_error(r, f"--scheduler {address}", "could not reach")
    assert not out.exists()


def test_cli_keep_patients_on_a_finished_sweep_without_patients_warns_in_one_line(finished, tmp_path):
    scenario, out = copies(finished, tmp_path)
    r = cli("sweep", scenario, *VARY, "--out", out, "--keep-patients")
    assert r.returncode == 0, r.stderr
    warnings = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and warnings[0].startswith("warning: --keep-patients"), r.stderr
    assert "2 of 2 points" in warnings[0] and "--force" in warnings[0]
