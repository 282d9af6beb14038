"""The streamed run folder equals the in-memory tables byte for byte, with 1 worker and with 2 worker processes,
and a failed run leaves nothing behind."""
import pytest

import sim
from sim.bundled import bundled
from sim.executors import InlineExecutor, open_executor, ordered_map
from sim.outputs import json_text
from sim.runner import run_to_folder


@pytest.fixture(scope="module")
def memory():
    scn = sim.load_scenario(bundled()["compare-regimens"], overrides=["run.patients=30", "run.chunk_size=7",
                                                                     "run.follow_up_days=300"])
    return scn, sim.run(scn)


@pytest.mark.parametrize("workers", [1, 2])
def test_regression_streamed_folder_equals_memory_tables(memory, tmp_path, workers):
    scn, res = memory
    with open_executor(workers) as ex:
        summary = run_to_folder(scn, tmp_path / "run", executor=ex)
    for name, text in res.tables().items():
        assert (tmp_path / "run" / name).read_text(encoding="utf-8") == text, name
    assert json_text(summary) == json_text(res.summary)


def test_rules_failed_streamed_run_leaves_no_folder(tmp_path, monkeypatch):
    scn = sim.load_scenario(bundled()["mitonmo"], overrides=["run.patients=10"])

    def boom(task):
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.runner.run_chunk", boom)
    with pytest.raises(KeyboardInterrupt):
        run_to_folder(scn, tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_rules_ordered_map_keeps_task_order_and_bounds_the_window():
    submitted = []

    class Recording(InlineExecutor):
        def submit(self, fn, *args):
            submitted.append(args[0])
            return super().submit(fn, *args)

    it = ordered_map(Recording(), lambda x: x * x, range(10), window=3)
    assert next(it) == 0 and len(submitted) == 3
    assert list(it) == [x * x for x in range(1, 10)]


def test_regression_parquet_tables_hold_the_same_rows_as_the_csv(memory, tmp_path):
    """With --parquet the three tables are also written as Parquet, chunk by chunk, with the CSV's rows."""
    pq = pytest.importorskip("pyarrow.parquet")
    import csv
    import io

    scn, res = memory
    run_to_folder(scn, tmp_path / "run", parquet=True)
    tables = res.tables()
    for name in ("patients", "events", "labs"):
        t = pq.read_table(tmp_path / "run" / f"{name}.parquet")
        rows = list(csv.reader(io.StringIO(tables[f"{name}.csv"])))
        assert t.num_rows == len(rows) - 1 and t.column_names == rows[0]
        assert (tmp_path / "run" / f"{name}.csv").read_text(encoding="utf-8") == tables[f"{name}.csv"]
    ev = pq.read_table(tmp_path / "run" / "events.parquet").to_pydict()
    assert ev["details"] == [s for _, _, _, _, s in res.events]


def test_regression_parquet_holds_every_table_of_the_folder(tmp_path):
    """--parquet writes each table of the run folder also as Parquet, typed, with the CSV's rows (null where the CSV
    cell is empty)."""
    pq = pytest.importorskip("pyarrow.parquet")
    pd = pytest.importorskip("pandas")
    scn = sim.load_scenario("mitonmo", ["run.patients=40", "run.chunk_size=15"])
    run_to_folder(scn, tmp_path / "run", parquet=True, figures=False)
    for name in ("adverse_events", "survival", "time_to_event", "readouts"):
        csv = pd.read_csv(tmp_path / "run" / f"{name}.csv", keep_default_na=False, na_values=[""])
        table = pq.read_table(tmp_path / "run" / f"{name}.parquet").to_pandas()
        assert list(table.columns) == list(csv.columns), name
        assert len(table) == len(csv) > 0, name
        for col in csv.columns:
            a, b = csv[col].tolist(), table[col].tolist()
            same = [(x == y) or (pd.isna(x) and pd.isna(y)) or (x == "" and y is None) for x, y in zip(a, b)]
            assert all(same), (name, col)
