"""The quick subset of the published targets (`quick = true`): every published value must lie inside the simulated
90% predictive interval of trials of the published design. This is the yardstick model changes are held to; a
failure here means the model does not reproduce a published number (it is not a flaky test: the replicate streams
are fixed). Also: the results do not depend on the worker count, and `nmosim targets` writes its table, page and
figure.
"""
from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from sim.validation import QUICK_REPLICATES, load_targets, run_check

ROOT = Path(__file__).resolve().parents[1]
QUICK = load_targets(quick=True)


def test_targets_quick_subset_is_small_and_named():
    assert 3 <= len(QUICK) <= 5, [q.target.id for q in QUICK]
    assert len(load_targets()) > len(QUICK)


@pytest.fixture(scope="module")
def quick_check():
    return run_check(QUICK, QUICK_REPLICATES)


@pytest.mark.parametrize("target_id", [q.target.id for q in QUICK])
def test_targets_quick_published_value_inside_the_simulated_interval(quick_check, target_id):
    r = next(x for x in quick_check.results if x.target.id == target_id)
    assert r.undefined < r.replicates, f"{target_id}: the metric is undefined in every replicate"
    assert r.verdict == "inside", (
        f"{target_id} ({r.target.readout}): published {r.target.published:g} lies outside the simulated 90% "
        f"predictive interval [{r.p5:.3g}, {r.p95:.3g}] (median {r.median:.3g}, {r.replicates} replicate trials "
        f"of {Path(r.scenario_path).name}): {r.verdict}")


def test_targets_results_do_not_depend_on_the_workers():
    inline = run_check(QUICK, 4)
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = run_check(QUICK, 4, pool)
    assert [r.values for r in inline.results] == [r.values for r in pooled.results]


def test_targets_replicate_streams_are_those_of_replicate_trials():
    """Replicate r, arm j uses stream key r * (n_arms + 1) + j, as `nmosim run --replicates` (sim/replicate_trials.py)."""
    from sim.replicate_trials import _run_one
    from sim.validation.check import arm_data

    lt = next(q for q in QUICK if q.target.metric in ("relapsed_share", "arr_pooled", "relapse_free_km"))
    scn = lt.scenario
    j = [a.name for a in scn.arms].index(lt.target.arm)
    key = 3 * (len(scn.arms) + 1) + j
    cols, _ = arm_data(scn, scn.arms[j], key)
    ref = _run_one(scn, scn.arms[j], key)["columns"]
    assert cols["relapses"].tolist() == ref["relapses"].tolist()
    assert cols["candidate"].tolist() == ref["candidate"].tolist()


def test_targets_cli_prints_the_table_and_writes_the_page_and_figure(tmp_path):
    md = tmp_path / "docs" / "validation.md"
    res = subprocess.run([sys.executable, "-m", "sim", "targets", "--quick", "--replicates", "3", "--markdown", str(md)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr          # misses are reported, not errors
    out = res.stdout
    assert "published" in out and "simulated median [p5, p95]" in out and "verdict" in out
    for q in QUICK:
        line = next((ln for ln in out.splitlines() if ln.startswith(q.target.id + " ")), None)
        assert line is not None, f"{q.target.id} not in the table:\n{out}"
        assert q.target.readout in line
        assert any(v in line for v in ("inside", "miss (above)", "miss (below)"))
    assert f"of {len(QUICK)} published values inside" in out
    page = md.read_text(encoding="utf-8")
    assert page.startswith("# Validation: predictive checks")
    assert "nmosim targets --quick --replicates 3 --markdown" in page
    assert "predictive checks" in page and "would plausibly have reported that number" in page.replace("\n", " ")
    assert "](validation.png)" in page
    for q in QUICK:
        assert f"### {q.target.id}" in page and q.target.citation in page and q.target.population in page
        if q.target.note:
            assert q.target.note in page
    png = md.parent / "validation.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert sorted(p.name for p in md.parent.iterdir()) == ["validation.md", "validation.png"], "temporary files left"
