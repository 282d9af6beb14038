"""A run or sweep folder from elsewhere is data, not instructions: tampered files end in one line, links are never
followed out of the folder, user text is escaped, edited sweep state is recomputed."""
from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

import sim
from sim.runner import run_to_folder

HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "javascript:alert(1)", "$\\frac{$",
           "{{7*7}}", "%s%n", "\u202eevil", "</pre><h1>x</h1>"]


def main(monkeypatch, capsys, *args) -> tuple[int, str]:
    from sim import cli

    monkeypatch.setattr(sys, "argv", ["nmosim", *map(str, args)])
    with pytest.raises(SystemExit) as ex:
        cli.main()
    return ex.value.code, capsys.readouterr().err


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("trust") / "run"
    sets = ("run.patients=6", "run.follow_up_days=120")
    path = sim.bundled.bundled()["mitonmo"]
    run_to_folder(sim.load_scenario(path, list(sets)), folder, str(path), sets)
    return folder


def _copy(run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(run, copy, symlinks=True)
    return copy


def _edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    data = change(data)
    path.write_text(json.dumps(data))


TAMPERED = {
    "summary not JSON": lambda c: (c / "summary.json").write_text("{not json"),
    "summary a list": lambda c: (c / "summary.json").write_text("[]"),
    "arms a list": lambda c: _edit_json(c / "summary.json", lambda d: {**d, "arms": []}),
    "an arm's numbers as text": lambda c: _edit_json(c / "summary.json", lambda d: {**d, "arms": {
        k: {**v, "patients": "many", "patient_years": "x"} for k, v in d["arms"].items()}}),
    "an arm without its readouts": lambda c: _edit_json(c / "summary.json", lambda d: {**d, "arms": {
        k: {"patients": 1} for k in d["arms"]}}),
    "comparison a list": lambda c: _edit_json(c / "summary.json", lambda d: {**d, "comparison": [1, 2]}),
    "screening text": lambda c: _edit_json(c / "summary.json", lambda d: {**d, "screening": "all"}),
    "manifest a list": lambda c: (c / "manifest.json").write_text("[1]"),
    "manifest scenario text": lambda c: _edit_json(c / "manifest.json", lambda d: {**d, "scenario": "x"}),
    "manifest versions a list": lambda c: _edit_json(c / "manifest.json", lambda d: {**d, "versions": [1]}),
    "survival.csv garbage": lambda c: (c / "survival.csv").write_text("a,b\n1,2,3\nx\n"),
    "patients.csv without columns": lambda c: (c / "patients.csv").write_text("patient\n1\n"),
    "labs.csv with text numbers": lambda c: (c / "labs.csv").write_text(
        (c / "labs.csv").read_text().replace(",", ",x", 3)),
    "summary.json a symlink": lambda c: ((c / "summary.json").unlink(), (c / "summary.json").symlink_to("/etc/hostname")),
    "figures a file": lambda c: (shutil.rmtree(c / "figures"), (c / "figures").write_text("x")),
}


@pytest.mark.parametrize("case", TAMPERED)
def test_cli_report_on_a_tampered_folder_is_one_line(case, run, tmp_path, monkeypatch, capsys):
    copy = _copy(run, tmp_path)
    if case not in ("figures a file",):
        shutil.rmtree(copy / "figures")                 # the report draws them again from the tampered tables
    TAMPERED[case](copy)
    code, err = main(monkeypatch, capsys, "report", copy)
    assert "Traceback" not in err and err.count("\n") <= 1, err
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("error: ") and str(copy) in err


def test_cli_report_never_writes_through_links(run, tmp_path, monkeypatch, capsys):
    copy = _copy(run, tmp_path)
    outside = tmp_path / "outside.html"
    outside.write_text("keep me")
    (copy / "report.html").symlink_to(outside)
    code, err = main(monkeypatch, capsys, "report", copy)
    assert code == 0, err
    assert outside.read_text() == "keep me" and not (copy / "report.html").is_symlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(copy / "figures")
    (copy / "figures").symlink_to(elsewhere)
    code, err = main(monkeypatch, capsys, "report", copy)
    assert code == 2 and "symbolic link" in err and list(elsewhere.iterdir()) == []


def test_cli_report_escapes_hostile_text_in_every_field(run, tmp_path, monkeypatch, capsys):
    copy = _copy(run, tmp_path)
    k = iter(range(10**6))

    def hostile(node):
        if isinstance(node, dict):
            return {key: hostile(v) for key, v in node.items()}
        if isinstance(node, list):
            return [hostile(v) for v in node]
        if isinstance(node, str):
            return HOSTILE[next(k) % len(HOSTILE)]
        return node
    _edit_json(copy / "manifest.json", hostile)
    _edit_json(copy / "summary.json", lambda d: {**d, "scenario": HOSTILE[0], "title": HOSTILE[1]})
    code, err = main(monkeypatch, capsys, "report", copy)
    assert code == 0, err
    text = (copy / "report.html").read_text(encoding="utf-8")
    ours = re.sub(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="[a-z_]+">', "", text)   # the figures
    assert "<script" not in ours.lower() and "<img" not in ours.lower() and "</pre><h1>" not in ours
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in ours                   # the text is there, escaped


# ---------------------------------------------------------------- sweeps
SWEEP = ["sweep", "mitonmo", "--set", "run.patients=4", "--set", "run.follow_up_days=60", "--vary", "run.seed=1,2,3",
         "--quiet"]


@pytest.fixture(scope="module")
def clean_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep") / "sw"
    import subprocess

    r = subprocess.run([sys.executable, "-m", "sim", *SWEEP, "--out", str(folder)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    return folder


def test_cli_sweep_journal_edits_and_links_are_not_trusted(clean_sweep, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "sw"
    shutil.copytree(clean_sweep, folder)
    want = (clean_sweep / "sweep.csv").read_text()
    journal = folder / "points.journal.csv"
    lines = journal.read_text().splitlines(keepends=True)
    cells = lines[1].split(",")
    cells[-3] = "999"                                     # a readout edited by hand
    journal.write_text(lines[0] + ",".join(cells) + "".join(lines[2:]))
    code, err = main(monkeypatch, capsys, *SWEEP, "--out", folder)
    assert code == 0 and "do not verify" in err
    assert (folder / "sweep.csv").read_text() == want
    outside = tmp_path / "outside.csv"
    outside.write_text("outside\n")
    journal.unlink()
    journal.symlink_to(outside)
    code, err = main(monkeypatch, capsys, *SWEEP, "--out", folder)
    assert code == 0, err
    assert outside.read_text() == "outside\n" and not journal.is_symlink()
    assert (folder / "sweep.csv").read_text() == want


def test_cli_sweep_over_titles_with_mathtext_draws_its_figure(tmp_path, monkeypatch, capsys):
    code, err = main(monkeypatch, capsys, "sweep", "mitonmo", "--set", "run.patients=4", "--set",
                     "run.follow_up_days=60", "--vary", 'title="$\\\\frac{$","a $x$ b"', "--quiet",
                     "--out", tmp_path / "sw")
    assert code == 0, err
    assert (tmp_path / "sw" / "sweep.png").is_file()
