"""The sweep figure: one panel per numeric readout column of sweep.csv and varied parameter; written atomically."""
from __future__ import annotations

import csv

import matplotlib.pyplot as plt
import pytest

import sim.figures.sweep as sweep_fig
from sim.bundled import bundled
from sim.executors import InlineExecutor
from sim.sweep_run import plan_sweep, run_sweep

KIM = str(bundled()["kim2011"])                  # two arms: comparisons and power are filled for the treated arm
BASE = ["run.patients=6", "run.follow_up_days=400"]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    plan = plan_sweep(KIM, BASE, ["disease.untreated_arr=1.2,1.6", "disease.frailty_k=0.5,2"], replicates=2)
    return run_sweep(plan, tmp_path_factory.mktemp("kim"), InlineExecutor()), plan.paths


def numeric_readouts(path):
    """The readout columns (after `replicates`) with a value, every value a number: computed here independently."""
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    out = []
    for k, name in enumerate(header[header.index("replicates") + 1:], start=header.index("replicates") + 1):
        cells = [r[k] for r in body if r[k] != ""]
        try:
            if cells and [float(c) for c in cells]:
                out.append(name)
        except ValueError:
            pass
    return out


def drawn(fig):
    """(title, x label) of every panel that has data on it."""
    return [(ax.get_title(), ax.get_xlabel()) for ax in fig.axes if ax.lines or ax.collections]


def test_every_numeric_readout_has_a_panel_per_varied_parameter(table):
    path, paths = table
    expected = numeric_readouts(path)
    assert {"arr_pooled_per_year", "edss_worsened_share", "p_value_logrank", "power_nb", "power_logrank",
            "rate_ratio_nb"} <= set(expected), expected
    fig, readouts = sweep_fig.build_figure(path, paths)
    try:
        assert readouts == expected
        panels = drawn(fig)
        assert len(fig.axes) == len(panels) == len(expected) * len(paths)      # a readouts x parameters grid
        want = {(sweep_fig.LABELS.get(k, k), p) for k in expected for p in paths}
        assert set(panels) == want
    finally:
        plt.close(fig)


def test_one_parameter_wraps_the_readouts_into_a_grid(table, tmp_path):
    path, paths = table
    one = tmp_path / "sweep.csv"
    one.write_text(path.read_text())
    fig, readouts = sweep_fig.build_figure(one, paths[:1])
    try:
        assert len(drawn(fig)) == len(fig.axes) == len(readouts) == len(numeric_readouts(path))
        rows = {round(ax.get_position().y0, 3) for ax in fig.axes}
        cols = {round(ax.get_position().x0, 3) for ax in fig.axes}
        assert len(cols) == sweep_fig.COLUMNS and len(rows) == -(-len(readouts) // sweep_fig.COLUMNS)
    finally:
        plt.close(fig)


def test_an_empty_or_text_column_gets_no_panel(tmp_path):
    src = tmp_path / "sweep.csv"
    src.write_text("point,x,arm,replicates,a,b,c\n0,1,arm1,1,0.5,,n/a\n1,2,arm1,1,0.7,,n/a\n")
    fig, readouts = sweep_fig.build_figure(src, ["x"])
    try:
        assert readouts == ["a"] and len(drawn(fig)) == len(fig.axes) == 1
    finally:
        plt.close(fig)


def test_figures_are_replaced_atomically_and_no_temporary_file_is_left(tmp_path, monkeypatch):
    path, paths = tmp_path / "table" / "sweep.csv", ["x"]
    path.parent.mkdir()
    path.write_text("point,x,arm,replicates,a\n0,1,arm1,1,0.5\n1,2,arm1,1,0.7\n")
    base = tmp_path / "sweep"
    written = sweep_fig.sweep_figure(path, paths, base)
    assert [p.name for p in written] == ["sweep.png", "sweep.svg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.png", "sweep.svg", "table"]
    old = {p.name: p.read_bytes() for p in written} | {"table": None}

    def broken(fig, where):                       # the PNG is drawn, then the SVG fails
        fig.savefig(where.with_suffix(".png"))
        raise OSError("disk full")

    monkeypatch.setattr(sweep_fig, "save", broken)
    with pytest.raises(OSError):
        sweep_fig.sweep_figure(path, paths, base)
    now = {p.name: None if p.is_dir() else p.read_bytes() for p in tmp_path.iterdir()}
    assert now == old, "old figures intact, no temporary file"
