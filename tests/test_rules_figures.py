"""The figures of a run folder: which are written, and that each PNG and SVG is a real, readable image."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

import sim
from sim.bundled import bundled
from sim.figures.run import find_key, read_labs, run_figures
from sim.runner import run_to_folder

SMALL = ["run.patients=12", "run.follow_up_days=200"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_run(root: Path, name: str) -> Path:
    target = root / name
    run_to_folder(sim.load_scenario(bundled()[name], SMALL), target)
    return target


@pytest.fixture(scope="module")
def compare(tmp_path_factory) -> tuple[Path, list[Path]]:
    run = make_run(tmp_path_factory.mktemp("figs"), "compare-regimens")
    return run, run_figures(run)


def assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[2] in (3, 4)
    assert 200 <= img.shape[0] <= 6000 and 200 <= img.shape[1] <= 6000
    assert img[..., :3].std() > 0.01                       # not a blank canvas


def assert_svg(path: Path) -> None:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 20


def test_rules_figures_compare_regimens_writes_every_figure_as_png_and_svg(compare):
    run, paths = compare
    expected = {f"{stem}.{ext}" for stem in ("km", "arr", "wbc", "cumulative_dose") for ext in ("png", "svg")}
    assert {p.name for p in paths} == expected
    assert {p.name for p in (run / "figures").iterdir()} == expected
    for p in paths:
        assert p.parent == run / "figures" and p.stat().st_size > 1000
        (assert_png if p.suffix == ".png" else assert_svg)(p)


def test_rules_figures_km_has_a_curve_per_arm_and_axis_units(compare):
    run, _ = compare
    svg = (run / "figures" / "km.svg").read_text(encoding="utf-8")
    for arm in json.loads((run / "summary.json").read_text())["arms"]:
        assert arm in svg                                   # legend entry per arm (SVG keeps each text as a comment)
    assert "weeks" in svg and "relapse-free probability" in svg


def test_rules_figures_mitonmo_wbc_has_the_dose_bands(tmp_path):
    run = make_run(tmp_path, "mitonmo")
    names = {p.name for p in run_figures(run)}
    assert {"wbc.png", "wbc.svg", "cumulative_dose.png", "cumulative_dose.svg"} <= names
    assert_png(run / "figures" / "wbc.png")
    svg = (run / "figures" / "wbc.svg").read_text(encoding="utf-8")
    manifest = json.loads((run / "manifest.json").read_text())
    bands = find_key(manifest["scenario"]["arms"][0]["regimen"], "wbc_bands")
    assert bands and len(bands[0]) == 4
    assert "12 mg/m2" in svg and "9 mg/m2" in svg and "0 mg/m2" in svg and "WBC 4" in svg


def test_rules_figures_wbc_bands_are_found_inside_sequence_phases():
    regimen = {"drug": "sequence", "phases": [{"name": "a", "regimen": {"drug": "mitoxantrone", "wbc_bands": [1]}},
                                              {"name": "b", "regimen": {"drug": "mitoxantrone", "wbc_bands": [1]}},
                                              {"name": "c", "regimen": {"drug": "interferon_beta"}}]}
    assert find_key(regimen, "wbc_bands") == [[1]]
    assert find_key({"drug": "none"}, "wbc_bands") == []


def test_rules_figures_without_mitoxantrone_there_is_no_cumulative_dose_figure(tmp_path):
    run = make_run(tmp_path, "belimumab-nct05154734")
    paths = run_figures(run)
    names = {p.name for p in paths}
    assert {"km.png", "km.svg", "arr.png", "arr.svg"} <= names
    assert not any(n.startswith("cumulative_dose") for n in names)
    assert not (run / "figures" / "cumulative_dose.png").exists()
    for p in paths:
        (assert_png if p.suffix == ".png" else assert_svg)(p)


def test_rules_figures_labs_are_streamed_with_at_most_the_limit_per_arm(tmp_path):
    lines = ["arm,patient,day,wbc_per_nl,anc_per_nl,alc_per_nl,hb_g_per_dl,context"]
    lines += [f"a,{p},{d},5.0,3,1,13,x" for d in (0, 30) for p in range(50)] + ["b,0,1,6.0,3,1,13,x", "b,1,2,,,,,x"]
    path = tmp_path / "labs.csv"
    path.write_text("\n".join(lines) + "\n")
    labs = read_labs(path, limit=40)
    assert len(labs["a"]) == 40 and all(len(v) == 2 for v in labs["a"].values())   # later rows of kept patients kept
    assert list(labs["b"]) == ["0"]                                                 # a row without WBC is skipped


def test_rules_figures_refuse_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(ValueError, match="summary.json"):
        run_figures(tmp_path)


def test_rules_figures_band_colours_are_the_same_in_wbc_timeline_and_dose_rules(tmp_path):
    """A band has one colour in a run's wbc.png, the explain timeline and the dose-rules demo (each 12/9/6/0 band)."""
    from sim.explain import simulate_patient, timeline_figure
    from sim.figures.common import NO_INFUSION_COLOUR, band_colour
    from sim.figures.dose_rules import Draw, dose_rules_figure

    doses = (12, 9, 6, 0)
    colours = [band_colour(d, doses) for d in doses]
    assert len(set(colours)) == 4 and colours[-1] == NO_INFUSION_COLOUR
    run = make_run(tmp_path, "mitonmo")
    run_figures(run)
    scn = sim.load_scenario(bundled()["mitonmo"], SMALL)
    timeline_figure(simulate_patient(scn, 0), tmp_path / "timeline")
    bands = [(b.low_per_nl, b.high_per_nl, b.dose_mg_per_m2) for b in scn.arms[0].regimen.wbc_bands]
    days = np.arange(1.0, 100.0)
    dose_rules_figure(days, {0: 5 + np.sin(days / 10)}, {0}, [Draw(0, 0.0, 3.5, 9.0, True, False),
                                                              Draw(1, 0.0, 6.0, 12.0, False, False)],
                      bands, "t", tmp_path / "dose_rules")
    for svg in (run / "figures" / "wbc.svg", tmp_path / "timeline.svg", tmp_path / "dose_rules.svg"):
        text = svg.read_text(encoding="utf-8")
        for c in colours:
            assert f"fill: {c}" in text, (svg.name, c)
        assert_png(svg.with_suffix(".png"))


def test_rules_long_kaplan_meier_curves_are_drawn_from_their_daily_values():
    """A curve with more rows than MAX_KM_STEPS is drawn from its value at the start of each day: the last step at or
    before that day (a 1,000,000-patient cohort has a step per relapse)."""
    from sim.figures.run import daily_steps
    rows = [(0.0, 1.0, 1.0, 1.0), (0.5, 0.9, 0.8, 0.95), (0.7, 0.8, 0.7, 0.9), (2.0, 0.7, 0.6, 0.8)]
    assert daily_steps(rows, 3.5) == [(0.0, 1.0, 1.0, 1.0), (1.0, 0.8, 0.7, 0.9), (2.0, 0.7, 0.6, 0.8),
                                      (3.0, 0.7, 0.6, 0.8)]


def test_rules_figures_leave_matplotlibs_backend_and_settings_alone(tmp_path):
    """In a fresh interpreter whose backend was chosen by the user, importing and using the figure code changes
    neither the backend nor rcParams (a notebook's inline plots keep working)."""
    import subprocess
    import sys

    code = (
        "import matplotlib; matplotlib.use('svg'); import matplotlib as m\n"
        "before = dict(m.rcParams)\n"
        "import sim.figures.run as r, sim.figures.timeline, sim.figures.sweep, sim.figures.dose_rules\n"
        "from pathlib import Path\n"
        f"r.dose_figure({{'a': [12.0, 24.0]}}, {{}}, 't', Path({str(tmp_path / 'dose')!r}))\n"
        "assert m.get_backend() == 'svg', m.get_backend()\n"
        "changed = [k for k in before if m.rcParams[k] != before[k]]\n"
        "assert not changed, changed\n"
        "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.strip() == "ok", r.stderr
    assert (tmp_path / "dose.png").stat().st_size > 1000
