"""Sweeps: the same table with 1 worker, 2 worker processes and a Dask cluster; an interrupted sweep resumes to the
same table as an uninterrupted one."""
import pytest

from sim.bundled import bundled
from sim.executors import InlineExecutor, open_executor
from sim.sweep_run import JOURNAL, in_flight_window, plan_sweep, run_sweep

MITONMO = str(bundled()["mitonmo"])
BASE = ["run.patients=9", "run.follow_up_days=200", "run.chunk_size=4"]
VARY = ["arms.0.regimen.amt_mg_per_m2=6,12", "disease.untreated_arr=1.5:2.5:3"]


@pytest.fixture(scope="module")
def plan():
    return plan_sweep(MITONMO, BASE, VARY, "grid", None, 2)


@pytest.fixture(scope="module")
def reference(plan, tmp_path_factory):
    folder = tmp_path_factory.mktemp("one")
    return run_sweep(plan, folder, InlineExecutor()).read_text(encoding="utf-8")


def test_regression_sweep_plan_is_the_grid(plan, reference):
    assert len(plan.points) == 6 and plan.points[0] == {"arms.0.regimen.amt_mg_per_m2": 6, "disease.untreated_arr": 1.5}
    lines = reference.splitlines()
    assert lines[0].startswith("point,arms.0.regimen.amt_mg_per_m2,disease.untreated_arr,arm,replicates")
    assert [line.split(",")[0] for line in lines[1:]] == [str(p) for p in range(6)]


@pytest.mark.parametrize("window", [1, 8])
def test_regression_sweep_two_workers_equal_one(plan, reference, tmp_path, window):
    with open_executor(2) as ex:
        table = run_sweep(plan, tmp_path, ex, max_in_flight=window)
    assert table.read_text(encoding="utf-8") == reference


def test_regression_sweep_on_dask_local_cluster_equals_one_worker(plan, reference, tmp_path):
    """Worker processes (the package is installed, so they import sim): the tasks are pickled as on a real cluster."""
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with open_executor(scheduler=cluster.scheduler_address) as ex:
            assert ex.threads == 2
            assert in_flight_window(ex, 4) == 2 * 2 + 2 and in_flight_window(ex, 10) == 10   # the cluster's size
            table = run_sweep(plan, tmp_path, ex, max_in_flight=1)
    assert table.read_text(encoding="utf-8") == reference


def test_regression_interrupted_sweep_resumes_to_the_same_table(plan, reference, tmp_path):
    class Stop(Exception):
        pass

    def stop_after_two(done, total, point):
        if point is not None and done == 2:
            raise Stop

    with pytest.raises(Stop):
        run_sweep(plan, tmp_path, InlineExecutor(), on_point=stop_after_two)
    assert not (tmp_path / "sweep.csv").exists()
    journal = tmp_path / JOURNAL
    assert len(journal.read_text().splitlines()) == 2           # two points of one arm each, nothing else
    with journal.open("a") as fh:
        fh.write("5,12,2.5,mitoxan")                            # a line cut by a kill
    seen = []
    table = run_sweep(plan, tmp_path, InlineExecutor(), on_point=lambda d, t, p: seen.append(p))
    assert table.read_text(encoding="utf-8") == reference
    assert seen[0] is None and len(seen) == 1 + 4                # the two finished points were skipped


def test_regression_sweep_keeps_patients_when_asked_and_they_match_a_single_run(plan, reference, tmp_path):
    """--keep-patients: each (point, replicate) has the patients.csv that `nmosim run` gives with the same values."""
    import sim
    from sim.sweep_spec import point_overrides

    table = run_sweep(plan, tmp_path, InlineExecutor(), keep_patients=True)
    assert table.read_text(encoding="utf-8") == reference
    files = sorted((tmp_path / "points").glob("*/patients.csv"))
    assert len(files) == len(plan.points) * plan.replicates
    scn = sim.load_scenario(MITONMO, BASE + point_overrides(plan.points[4]) + ["run.replicate=1"])
    assert (tmp_path / "points" / "point4-replicate1" / "patients.csv").read_text() == sim.run(scn).tables()["patients.csv"]
