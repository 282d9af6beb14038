"""The notebook figure functions (sim.figures.km, arr, wbc, cumulative_dose, sweep_plot): given `ax=` they draw into
that Axes and return its figure, writing no file; without it they return a new, unsaved Figure; a Results and its
run folder give the same drawing; matplotlib's backend and rcParams are the same after every call."""
from __future__ import annotations

import os
import subprocess
import sys

import matplotlib
import pytest
from matplotlib.figure import Figure

import sim
import sim.figures
from sim.runner import run_to_folder

SMALL = {"run.patients": 12, "run.follow_up_days": 200}
RUN_FUNCTIONS = ("km", "arr", "cumulative_dose")


def settings() -> dict:
    """matplotlib's settings as stored, the backend entry included (read without resolving it)."""
    return {k: dict.__getitem__(matplotlib.rcParams, k) for k in matplotlib.rcParams}


def drawn(ax) -> int:
    return len(ax.lines) + len(ax.collections) + len(ax.patches)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """compare-regimens (four arms) in memory and as a run folder."""
    scn = sim.replace(sim.load_scenario("compare-regimens"), SMALL)
    folder = tmp_path_factory.mktemp("run") / "compare"
    run_to_folder(scn, folder, figures=False)
    return sim.run(scn), folder


@pytest.fixture(scope="module")
def table():
    scn = sim.replace(sim.load_scenario("mitonmo"), {"run.patients": 6, "run.follow_up_days": 150})
    return sim.sweep(scn, vary={"arms.mitoxantrone.regimen.amt_mg_per_m2": [6, 12], "disease.frailty_k": [0.5, 2.0]})


@pytest.fixture
def quiet_cwd(tmp_path, monkeypatch):
    """An empty working folder that must stay empty, and matplotlib's settings that must stay as they are."""
    monkeypatch.chdir(tmp_path)
    before = settings()
    yield tmp_path
    assert list(tmp_path.iterdir()) == [], "a figure function wrote a file"
    after = settings()
    assert after == before, [k for k in before if after[k] != before[k]]


@pytest.mark.parametrize("name", RUN_FUNCTIONS)
def test_rules_figures_ax_draws_into_the_given_axes_and_returns_its_figure(runs, quiet_cwd, name):
    res, folder = runs
    function = getattr(sim.figures, name)
    fig = Figure()
    ax, other = fig.subplots(1, 2)
    assert function(res, ax=ax) is fig
    assert drawn(ax) > 0 and drawn(other) == 0 and len(fig.axes) == 2
    again = Figure().subplots()
    assert function(folder, ax=again) is again.figure                    # a run folder draws the same
    assert [line.get_label() for line in again.lines] == [line.get_label() for line in ax.lines]
    assert ax.get_title() == again.get_title() and drawn(again) == drawn(ax)


@pytest.mark.parametrize("name", RUN_FUNCTIONS)
def test_rules_figures_without_ax_return_a_new_unsaved_figure(runs, quiet_cwd, name):
    res, _ = runs
    fig = getattr(sim.figures, name)(res)
    assert isinstance(fig, Figure) and len(fig.axes) == 1 and drawn(fig.axes[0]) > 0
    assert fig.canvas.manager is None                                      # not a pyplot figure


def test_rules_figures_km_has_a_curve_per_arm_and_the_run_title(runs, quiet_cwd):
    res, _ = runs
    ax = Figure().subplots()
    sim.figures.km(res, ax=ax)
    assert [line.get_label() for line in ax.lines] == list(res.summary["arms"])
    assert ax.get_title().startswith("compare-regimens: time to first relapse")


def test_rules_figures_wbc_takes_one_axes_per_arm(runs, quiet_cwd):
    res, folder = runs
    fig = Figure()
    axes = fig.subplots(2, 2)
    assert sim.figures.wbc(res, ax=axes) is fig
    arms = list(res.summary["arms"])
    assert [a.get_title() for a in axes.ravel()] == [f"compare-regimens: {arm}" for arm in arms]
    one = Figure().subplots()
    assert sim.figures.wbc(folder, ax=one, arms="mitoxantrone") is one.figure
    assert any("12 mg/m2" in p.get_label() for p in one.patches)          # the dose bands are shaded
    with pytest.raises(ValueError, match="one Axes per arm"):
        sim.figures.wbc(res, ax=Figure().subplots())
    with pytest.raises(ValueError, match="no WBC draws in arm 'nope'"):
        sim.figures.wbc(res, arms=["nope"])
    assert len(sim.figures.wbc(res).axes) == len(arms)


def test_rules_figures_sweep_plot_draws_one_panel_into_an_axes(table, quiet_cwd):
    ax = Figure().subplots()
    assert sim.figures.sweep_plot(table, "arr_pooled_per_year", vary="disease.frailty_k", ax=ax) is ax.figure
    assert ax.get_xlabel() == "disease.frailty_k" and ax.lines
    with pytest.raises(ValueError, match="one Axes holds one panel"):
        sim.figures.sweep_plot(table, "arr_pooled_per_year", ax=Figure().subplots())      # two varied columns
    with pytest.raises(ValueError, match="no numeric readout 'nope'"):
        sim.figures.sweep_plot(table, "nope")
    whole = sim.figures.sweep_plot(table, ["arr_pooled_per_year", "relapse_free_share"])
    assert len(whole.axes) == 2 * 2                                          # readouts x varied parameters


def test_rules_figures_sweep_plot_of_a_table_matches_sweep_csv(table, tmp_path):
    path = tmp_path / "s" / "sweep.csv"
    path.parent.mkdir()
    table.to_csv(path, index=False)
    from_frame, from_file = sim.figures.sweep_plot(table), sim.figures.sweep_plot(path.parent)
    assert [a.get_title() for a in from_frame.axes] == [a.get_title() for a in from_file.axes]
    for a, b in zip(from_frame.axes, from_file.axes):
        assert [list(line.get_ydata()) for line in a.lines] == [list(line.get_ydata()) for line in b.lines]


def test_rules_figures_ax_refuses_what_is_not_an_axes(runs):
    res, _ = runs
    with pytest.raises(TypeError, match="Axes"):
        sim.figures.km(res, ax="left")
    with pytest.raises(TypeError, match="Results of sim.run or a run folder"):
        sim.figures.km(42)


def test_rules_figures_ax_leave_a_users_backend_and_settings_alone(tmp_path):
    """A fresh interpreter with a backend the user chose and pyplot figures: every notebook figure function, with and
    without ax=, leaves the backend and rcParams as they were and writes nothing."""
    code = (
        "import matplotlib; matplotlib.use('svg')\n"
        "import matplotlib.pyplot as plt\n"
        "before = dict(matplotlib.rcParams)\n"
        "import sim\n"
        "scn = sim.replace(sim.load_scenario('mitonmo'), {'run.patients': 8, 'run.follow_up_days': 120})\n"
        "res = sim.run(scn)\n"
        "table = sim.sweep(scn, vary={'arms.mitoxantrone.regimen.amt_mg_per_m2': [6, 12]})\n"
        "fig, axes = plt.subplots(2, 3)\n"
        "run_figures = (sim.figures.km, sim.figures.arr, sim.figures.wbc, sim.figures.cumulative_dose)\n"
        "for f, ax in zip(run_figures, axes.flat):\n"
        "    assert f(res, ax=ax) is fig\n"
        "    f(res)\n"
        "assert sim.figures.sweep_plot(table, 'relapse_free_share', ax=axes.flat[4]) is fig\n"
        "sim.figures.sweep_plot(table)\n"
        "fig.savefig('user.svg')\n"
        "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend()\n"
        "changed = [k for k in before if matplotlib.rcParams[k] != before[k]]\n"
        "assert not changed, changed\n"
        "assert plt.get_fignums() == [1]\n"
        "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.stdout.strip() == "ok", r.stderr[-3000:]
    assert sorted(os.listdir(tmp_path)) == ["user.svg"]
