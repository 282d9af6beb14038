"""dosing.csv, the NONMEM/mrgsolve-style dataset (docs/tables.md): its dose records reproduce patients.csv's cumulative
dose and the protocol's dose days, its observation records are the lab rows, its order is the documented one, and
the CSV, Results.frame("dosing"), the streamed run folder and Parquet hold the same rows."""
from __future__ import annotations

import io
import math
from collections import Counter, defaultdict

import pandas as pd
import pytest

import sim
from sim.dosing_dataset import DOSING_COLUMNS, csv_lines
from sim.outputs import csv_rows, csv_text
from sim.runner import run_to_folder

BELIMUMAB_DAYS = [0.0, 14.0] + [28.0 * k for k in range(1, 13)]   # NCT05154734: 0, 14, 28, then q28d through day 336


@pytest.fixture(scope="module")
def mitonmo():
    return sim.run(sim.load_scenario("mitonmo", overrides=["run.patients=60"]))


@pytest.fixture(scope="module")
def belimumab():
    return sim.run(sim.load_scenario("belimumab-nct05154734", overrides=["run.patients=40"]))


def _csv(res) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(res.tables()["dosing.csv"]))


def _doses(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["EVID"] == 1]


def test_rules_mitonmo_doses_sum_to_the_cumulative_dose_of_patients_csv(mitonmo):
    data = _csv(mitonmo)
    patients = pd.read_csv(io.StringIO(mitonmo.tables()["patients.csv"]))
    doses = _doses(data)
    assert set(doses["DRUG"]) == {"mitoxantrone"} and set(doses["DOSE_UNIT"]) == {"mg/m2"}
    assert set(doses["UNIT"]) == {"mg"} and (doses["CMT"] == 1).all() and (doses["MDV"] == 1).all()
    per_m2 = doses.groupby("ID")["DOSE"].sum()
    mg = doses.groupby("ID")["AMT"].sum()
    several = 0
    for pid, cumulative, bsa in zip(patients["patient"], patients["cumulative_dose_mg_per_m2"], patients["bsa_m2"]):
        given = per_m2.get(pid, 0.0)
        assert given == pytest.approx(cumulative, abs=1e-9), pid
        assert mg.get(pid, 0.0) == pytest.approx(cumulative * bsa, rel=1e-12, abs=1e-12), pid   # AMT is in mg
        several += cumulative > 12
    assert several > 30, "too few patients with more than one course for the check to mean much"
    infusions = Counter(p for _, p, _, kind, _ in mitonmo.events if kind == "infusion")
    assert doses.groupby("ID").size().to_dict() == dict(infusions)      # one dose record per infusion of events.csv


def _analytes(lab) -> list[tuple]:
    _, _, _, wbc, anc, alc, hb, _ = lab
    return [(dvid, v) for dvid, v in enumerate((wbc, anc, alc, hb), start=1) if not math.isnan(v)]


@pytest.mark.parametrize("which", ["mitonmo", "belimumab"])
def test_rules_every_lab_row_is_in_the_dataset_as_observations(which, request):
    res = request.getfixturevalue(which)
    want = Counter((lab[0], lab[1], float(lab[2]), dvid, v) for lab in res.labs for dvid, v in _analytes(lab))
    obs = [r for r in res.dosing if r[3] == 0]
    got = Counter((r[0], r[1], r[2], r[10], r[9]) for r in obs)
    assert len(want) > 40 and got == want
    assert {(r[10], r[13]) for r in obs} <= {(1, "10^9/L"), (2, "10^9/L"), (3, "10^9/L"), (4, "g/dL")}
    assert all(r[11] == 0 and r[4] == 0 and r[12] is None for r in obs)       # MDV 0, AMT 0, no drug
    assert len(obs) + len(_doses(res.frame("dosing"))) == len(res.dosing)   # nothing else in the table


@pytest.mark.parametrize("which", ["mitonmo", "belimumab"])
def test_rules_rows_sorted_by_id_time_evid_observations_before_doses(which, request):
    res = request.getfixturevalue(which)
    arms = [a.name for a in res.scenario.arms]
    rows = res.dosing
    keys = [(arms.index(r[0]), r[1], r[2], r[3]) for r in rows]     # arms in the scenario's order, then ID, TIME, EVID
    assert len(keys) > 100 and keys == sorted(keys)
    for prev, r in zip(rows, rows[1:]):     # a draw's analytes together, in DVID order
        if r[3] == 0:
            same_time = prev[3] == 0 and prev[:3] == r[:3]
            assert r[10] == 1 or (same_time and r[10] == prev[10] + 1), r
    at = defaultdict(list)      # (arm, ID, TIME) -> EVIDs in file order
    for r in rows:
        at[r[:3]].append(r[3])
    both = [evids for evids in at.values() if len(set(evids)) == 2]
    if which == "mitonmo":      # each course's pre-infusion WBC draw on the day of its first infusion: listed first
        assert len(both) > 100
    assert all(evids[0] == 0 and evids == sorted(evids) for evids in both)


def test_rules_belimumab_doses_on_protocol_days_for_patients_on_treatment(belimumab):
    data = _csv(belimumab)
    patients = pd.read_csv(io.StringIO(belimumab.tables()["patients.csv"]))
    days = defaultdict(list)
    for pid, t, amt, dose in _doses(data)[["ID", "TIME", "AMT", "DOSE"]].itertuples(index=False):
        days[pid].append(t)
        weight = patients.loc[patients["patient"] == pid, "weight_kg"].item()
        assert dose == 10.0 and amt == pytest.approx(10.0 * weight, rel=1e-12)
    completed = patients[patients["death_day"].isna() & (patients["discontinuation"] == "schedule completed")]
    assert len(completed) > 20
    for pid in completed["patient"]:
        assert days[pid] == BELIMUMAB_DAYS, pid
    for pid in patients.loc[patients["death_day"].notna(), "patient"]:     # a death ends the doses: a prefix
        assert days[pid] == BELIMUMAB_DAYS[:len(days[pid])]


def test_rules_csv_and_frame_agree(mitonmo, belimumab):
    for res in (mitonmo, belimumab):
        frame = res.frame("dosing")
        assert list(frame.columns) == list(DOSING_COLUMNS)
        assert len(frame) == len(res.dosing) > 0
        pd.testing.assert_frame_equal(_csv(res), frame)
        # the table's own writer gives the text the generic one (sim/outputs.py) gives, arm names quoted as needed
        assert res.tables()["dosing.csv"] == csv_text(list(DOSING_COLUMNS), res.dosing)
        some = [r[1:] for r in res.dosing[:200]] + [r[1:] for r in res.dosing if r[3] == 1][:50]
        for arm in ('a,b', 'say "x"', ""):
            assert csv_lines(some, arm) == csv_rows((arm, *r) for r in some)


def test_rules_streamed_folder_and_parquet_hold_the_same_dosing_rows(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    scn = sim.load_scenario("belimumab-nct05154734", overrides=["run.patients=12", "run.chunk_size=5"])
    res = sim.run(scn)
    run_to_folder(scn, tmp_path / "run", parquet=True, figures=False)
    text = res.tables()["dosing.csv"]
    assert (tmp_path / "run" / "dosing.csv").read_text(encoding="utf-8") == text
    table = pq.read_table(tmp_path / "run" / "dosing.parquet").to_pandas()
    frame = res.frame("dosing")
    assert list(table.columns) == list(DOSING_COLUMNS) and len(table) == len(frame)
    for c in DOSING_COLUMNS:
        want = frame[c].fillna("") if c in ("DRUG", "DOSE_UNIT") else frame[c]
        assert _cells(table[c]) == _cells(want), c


def _cells(column) -> list:
    """Values with NaN as None (NaN != NaN)."""
    return [None if isinstance(v, float) and math.isnan(v) else v for v in column.tolist()]
