"""`nmosim run` draws the figures of every run, and `nmosim report RUN_DIR` writes one self-contained page."""
from __future__ import annotations

import re

from .test_cli_errors import MITONMO, cli


def test_cli_run_writes_figures_and_report_is_self_contained(tmp_path):
    r = cli("run", MITONMO, "--out", tmp_path, "--quiet", "--set", "run.patients=8", "--set", "run.follow_up_days=200")
    assert r.returncode == 0, r.stderr
    (run,) = tmp_path.iterdir()
    figs = {p.name for p in (run / "figures").iterdir()}
    assert {"km.png", "km.svg", "arr.png", "arr.svg", "wbc.png", "wbc.svg", "cumulative_dose.png"} <= figs
    rep = cli("report", run)
    assert rep.returncode == 0, rep.stderr
    html = (run / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"https?://", html) and "<link" not in html and "<script src" not in html
    assert html.count("data:image/png;base64,") == len([f for f in figs if f.endswith(".png")])
    assert "dose_mg_per_m2 = 12 },                          # [NCT02021825]: full dose" in html   # a TOML comment


def test_cli_report_on_a_folder_that_is_not_a_run_is_one_line_exit_2(tmp_path):
    r = cli("report", tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and str(tmp_path) in r.stderr
