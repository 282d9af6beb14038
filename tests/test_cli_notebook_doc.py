"""docs/walkthrough.ipynb runs: every code cell, in order, in one namespace, without an error.

nbclient/nbconvert and a Jupyter kernel are not dependencies of the test extra, so this is their equivalent: the test
reads the notebook's JSON (nbformat 4) and, in a fresh Python process, compiles and exec's each code cell in turn in
one namespace, as a kernel would run them (a cell's last expression is evaluated but not displayed). matplotlib's
backend is set to Agg by this test's driver, never by the notebook or the package; at the end the backend is still
Agg. The process works in an empty folder, which must still be empty afterwards (the notebook writes no files: the
sweep's temporary folder is removed). A cell that raises fails the test with its number and the traceback.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "walkthrough.ipynb"

DRIVER = r'''
import json, sys, traceback
import matplotlib
matplotlib.use("Agg")                          # the test's choice, as a notebook's kernel would choose inline
import matplotlib.pyplot as plt

nb = json.load(open(sys.argv[1], encoding="utf-8"))
namespace = {"__name__": "__main__"}
cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
for i, cell in enumerate(cells):
    source = "".join(cell["source"])
    try:
        exec(compile(source, f"<walkthrough code cell {i}>", "exec"), namespace)
    except BaseException:
        print(f"code cell {i} raised:\n{source}\n", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
    plt.close("all")
assert matplotlib.get_backend().lower() == "agg", matplotlib.get_backend()
print(f"ran {len(cells)} code cells")
'''


def notebook() -> dict:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_cli_notebook_doc_is_an_nbformat_4_notebook_of_plain_python_cells():
    nb = notebook()
    assert nb["nbformat"] == 4 and nb["nbformat_minor"] >= 5
    assert nb["metadata"]["kernelspec"]["language"] == "python"
    ids = [c["id"] for c in nb["cells"]]
    assert len(set(ids)) == len(ids)
    for cell in nb["cells"]:
        assert cell["cell_type"] in ("markdown", "code") and isinstance(cell["source"], list)
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None      # committed without outputs
            magics = [line for line in "".join(cell["source"]).splitlines() if line.lstrip()[:1] in ("%", "!")]
            assert not magics, f"IPython magics do not run outside IPython: {magics}"


def test_cli_notebook_doc_walks_load_change_run_tables_km_compare_power():
    text = "\n".join(code_cells(notebook()))
    steps = ['sim.load_scenario("mitonmo")', "sim.replace(", "sim.run(", '.frame("patients")', "plt.subplots(",
             "sim.figures.km(res, ax=", "compare-regimens", "sim.replicates(", "sim.sweep("]
    positions = [text.find(s) for s in steps]
    assert all(p >= 0 for p in positions), [s for s, p in zip(steps, positions) if p < 0]
    assert positions == sorted(positions), "the steps appear in the walkthrough's order"
    assert "matplotlib.use" not in text and "rcParams" not in text


def test_cli_notebook_doc_runs_every_code_cell(tmp_path):
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", DRIVER, str(NOTEBOOK)], capture_output=True, text=True, timeout=600,
                       cwd=tmp_path)
    elapsed = time.perf_counter() - start
    assert r.returncode == 0, r.stderr[-4000:]
    assert r.stdout.strip().endswith(f"ran {len(code_cells(notebook()))} code cells"), r.stdout[-2000:]
    assert list(tmp_path.iterdir()) == [], "the notebook writes no files"
    print(f"walkthrough: {elapsed:.1f} s")
