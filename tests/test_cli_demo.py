"""`nmosim demo`: the list, and every demonstration runs and writes valid, non-empty figures and its notes."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import matplotlib.image as mpimg
import pytest

from sim.demos import DEMOS

from .test_cli_errors import cli

EXPECTED = {"dose-rules": {"dose_rules"}, "regression-to-mean": {"regression_to_mean"},
            "compare-regimens": {"km", "arr"}, "trial-size": {"trial_size"}}


def test_cli_demo_lists_the_curated_demonstrations():
    r = cli("demo")
    assert r.returncode == 0
    assert [line.split()[0] for line in r.stdout.strip().splitlines()] == list(EXPECTED)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_rules_each_demo_writes_valid_figures_and_notes(name, tmp_path):
    notes = DEMOS[name][1](tmp_path, 3)
    assert "What to notice" in notes and len(notes.splitlines()) >= 4
    for stem in EXPECTED[name]:
        png, svg = tmp_path / f"{stem}.png", tmp_path / f"{stem}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        h, w, _ = mpimg.imread(png).shape
        assert h > 200 and w > 300
        assert ET.parse(svg).getroot().tag.endswith("svg") and svg.stat().st_size > 5000


def test_cli_demo_unknown_name_is_one_line_exit_2(tmp_path):
    r = cli("demo", "nonsense", "--out", tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "dose-rules" in r.stderr
    assert not any(tmp_path.iterdir())


def test_cli_demo_writes_its_folder(tmp_path):
    r = cli("demo", "regression-to-mean", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    folder = tmp_path / "demo-regression-to-mean"
    assert (folder / "notes.txt").read_text().strip() in r.stdout
    assert (folder / "regression_to_mean.png").exists()
