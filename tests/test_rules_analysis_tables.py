"""time_to_event.csv and readouts.csv of a run folder: the first is the data of survival.csv's Kaplan-Meier curve
(checked with statsmodels' estimator, an independent implementation), the second is summary.json's estimates."""
from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from .test_cli_errors import cli


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("tables")
    r = cli("run", "compare-regimens", "--out", out, "--quiet", "--name", "r", "--set", "run.patients=60")
    assert r.returncode == 0, r.stderr
    return out / "r"


def _rows(path):
    return list(csv.DictReader(path.open(encoding="utf-8")))


def test_rules_time_to_event_rows_reproduce_the_kaplan_meier_curve(run_folder):
    from statsmodels.duration.survfunc import SurvfuncRight

    tte = _rows(run_folder / "time_to_event.csv")
    surv = _rows(run_folder / "survival.csv")
    arms = sorted({r["arm"] for r in surv})
    assert arms and {r["paramcd"] for r in tte} == {"TTFR", "TTDEATH"}
    for arm in arms:
        mine = [r for r in tte if r["arm"] == arm and r["paramcd"] == "TTFR"]
        days = np.array([float(r["aval_days"]) for r in mine])
        event = np.array([r["cnsr"] == "0" for r in mine])
        sf = SurvfuncRight(days, event.astype(int))
        curve = [r for r in surv if r["arm"] == arm and float(r["day"]) > 0]
        assert len(curve) == len(sf.surv_times)
        for row, t, s in zip(curve, sf.surv_times, sf.surv_prob):
            assert float(row["day"]) == pytest.approx(t, rel=1e-12)
            assert float(row["relapse_free_probability"]) == pytest.approx(s, rel=1e-12)
        start = next(r for r in surv if r["arm"] == arm and float(r["day"]) == 0)
        assert int(start["at_risk"]) == len(mine)
    deaths = [r for r in tte if r["paramcd"] == "TTDEATH"]
    assert len(deaths) == len(_rows(run_folder / "patients.csv"))


def _at(tree, path):
    for part in path.split("."):
        tree = tree[part]
    return tree


def test_rules_readouts_table_holds_summary_estimates_exactly(run_folder):
    summary = json.loads((run_folder / "summary.json").read_text(encoding="utf-8"))
    rows = _rows(run_folder / "readouts.csv")
    assert len(rows) > 20
    seen_arms = set()
    for r in rows:
        node = _at(summary, r["readout"]) if r["readout"].startswith("comparison.") else \
            _at(summary["arms"][r["arm"]], r["readout"])
        seen_arms.add(r["arm"])
        for key in ("estimate", "ci95_low", "ci95_high"):
            want, got = node.get(key), r[key]
            if want is None:
                assert got == ""
            else:
                assert float(got) == want or (math.isinf(want) and math.isinf(float(got))), (r, key)
    assert set(summary["arms"]) <= seen_arms
    pooled = [r for r in rows if r["readout"] == "arr_pooled_per_year"]
    assert {r["arm"] for r in pooled} == set(summary["arms"])


def test_rules_adverse_events_table_agrees_with_events_and_patient_counts(run_folder):
    """adverse_events.csv: one row per infection, toxicity, infusion reaction and adverse event of events.csv; per
    patient, its infections and serious infections are patients.csv's counts and its worst grade is the toxicity
    column."""
    from collections import Counter

    ae = _rows(run_folder / "adverse_events.csv")
    events = _rows(run_folder / "events.csv")
    kinds = {"infection", "toxicity", "adverse_event", "infusion_reaction"}
    assert len(ae) == sum(e["type"] in kinds for e in events) > 0
    infections = Counter((r["arm"], r["patient"]) for r in ae if r["term"] == "infection")
    serious = Counter((r["arm"], r["patient"]) for r in ae if r["term"] == "infection" and r["serious"] == "1")
    worst: dict = {}
    for r in ae:
        if r["term"] == "non-haematological toxicity":
            key = (r["arm"], r["patient"])
            worst[key] = max(worst.get(key, 0), int(r["who_grade"]))
    for p in _rows(run_folder / "patients.csv"):
        key = (p["arm"], p["patient"])
        assert infections[key] == int(p["infections"]) and serious[key] == int(p["serious_infections"])
        assert worst.get(key, 0) == int(p["toxicity_max_grade"])


def test_rules_censored_time_to_relapse_says_what_ended_it():
    """evntdesc of a censored TTFR row: death when the patient died then, else the end of treatment (on_treatment)
    or of follow-up."""
    from sim.readouts.tables import tte_rows

    cols = {"patient": [0, 1, 2, 3], "death_day": [300.0, float("nan"), float("nan"), 100.0],
            "follow_up_years": [2.0] * 4, "first_relapse_day": [float("nan"), float("nan"), 50.0, 120.0]}
    import unittest.mock as mock

    times = (np.array([300.0, 730.5, 50.0, 100.0]), np.array([False, False, True, False]))
    with mock.patch("sim.readouts.tables.first_relapse_times", return_value=times):
        rows = [r for r in tte_rows("a", cols, "follow_up") if r[2] == "TTFR"]
    assert [r[6] for r in rows] == ["death", "end of follow-up", "relapse", "death"]
    assert [r[5] for r in rows] == [1, 1, 0, 1]
