"""events.csv's structured columns (sim/event_columns.py, docs/tables.md): every event type of the bundled regimens
maps to typed columns, the columns say what the details text says, the amounts are dosing.csv's dose records and sum
to patients.csv's cumulative dose, the dose decisions' rules are the tallies' causes, unknown records raise, and the
CSV, Results.frame("events"), the streamed run folder and Parquet hold the same values."""
from __future__ import annotations

import io
import math
from collections import Counter, defaultdict

import pandas as pd
import pytest

import sim
from sim.chunking import simulate_chunk
from sim.event_columns import (EVENT_FIELDS, FIELD_TYPES, KINDS, RECORDS, TEXTS, csv_lines, event_field_rows,
                               event_fields)
from sim.event_text import render
from sim.outputs import csv_rows, csv_text
from sim.regimens import baricitinib, courses
from sim.regimens.mitoxantrone import band_for
from sim.regimens.mitoxantrone_safety import HEART_FAILURE, HEART_FAILURE_EVENT
from sim.regimens.sequence import TRIGGERS
from sim.runner import run_to_folder
from sim.scenario import Mitoxantrone, leaf_regimens
from sim.screening import cohort_of, screen_keys
from sim.tasks import EVENT_COLUMNS

SCENARIOS = ["mitonmo", "kim2011", "correale2005", "belimumab-nct05154734", "baricitinib-nct05792462"]
MITOXANTRONE_SCENARIOS = ["mitonmo", "kim2011", "correale2005"]


@pytest.fixture(scope="module")
def runs():
    return {name: sim.run(sim.load_scenario(name, overrides=["run.patients=40"])) for name in SCENARIOS}


def _rows(res) -> list[dict]:
    """The events of a run as dicts of events.csv's columns (values as the Results hold them)."""
    assert len(res.events) == len(res.event_fields)
    return [{"arm": a, "patient": p, "day": d, "type": k, **dict(zip(EVENT_FIELDS, f)), "details": s}
            for (a, p, d, k, s), f in zip(res.events, res.event_fields)]


def test_rules_every_event_type_maps_to_typed_columns(runs):
    """Every event type the module knows occurs in the five runs and maps; each value is None or of its column's
    type (int is int, never bool; floats finite); every event type fills a column and every column is filled."""
    assert set(EVENT_COLUMNS[4:-1]) == set(EVENT_FIELDS) and EVENT_COLUMNS[:4] == ("arm", "patient", "day", "type")
    assert EVENT_COLUMNS[-1] == "details" and EVENT_COLUMNS[4:-1] == EVENT_FIELDS
    kinds, filled_by_kind, filled = Counter(), defaultdict(set), set()
    for res in runs.values():
        for row in _rows(res):
            kinds[row["type"]] += 1
            for name in EVENT_FIELDS:
                v = row[name]
                if v is None:
                    continue
                assert type(v) is FIELD_TYPES[name], (name, v, row)
                assert not isinstance(v, float) or math.isfinite(v), (name, row)
                filled_by_kind[row["type"]].add(name)
                filled.add(name)
    assert set(kinds) == KINDS, set(kinds) ^ KINDS
    assert all(filled_by_kind[k] for k in KINDS), [k for k in KINDS if not filled_by_kind[k]]
    assert filled == set(EVENT_FIELDS), set(EVENT_FIELDS) - filled


def _check_mitoxantrone_decision(r: dict) -> None:
    s = r["details"]
    if r["action"] == "give":
        assert s.startswith(f"course {r['course']}: give {r['amount_mg_per_m2']:g} mg/m2; ")
    else:
        assert s.startswith(f"course {r['course']}: {r['action']}; ") and r["amount_mg_per_m2"] is None
    assert r["value_unit"] == "10^9/L" and r["value"] > 0
    rule = r["rule"] or ""
    if "WBC [" in rule:                                   # a WBC band fired: the text shows the count the rule read
        assert f"WBC {r['value']:.2f} in [" in s
    if "non-haematological toxicity" in rule:
        assert r["grade"] is not None
        assert (f"WHO grade {r['grade']} ->" in s) if r["action"] == "give" else ("WHO grade >=" in s)
    else:
        assert r["grade"] is None
    assert ("infection with low WBC" in rule) == ("infection on day" in s)
    assert ("cumulative cap" in rule) == ("cap" in s and "reaches the" not in s)
    if r["action"] == "confirm":
        assert rule == "LVEF < 50% (unconfirmed)" and "LVEF" in s and "repeat echo" in s
    if r["action"] == "give" and not rule:
        assert s.endswith(": full dose") or "reaches the" in s


def _check(r: dict) -> None:
    """The columns of one event against its details text (numbers rounded as the text rounds them)."""
    kind, s = r["type"], r["details"]
    if kind == "blood_draw":
        assert s.startswith(f"WBC {r['value']:.2f}, ") and s.endswith(f"({r['context']})")
    elif kind == "lvef":
        assert s == f"LVEF {r['value']:.1f}% ({r['context']})" and r["value_unit"] == "%"
        assert r["course"] is None if r["context"].endswith("surveillance") else r["context"].endswith(
            f"course {r['course']}")
    elif kind == "edss":
        assert s == f"EDSS {r['value']:.1f} ({r['context']})" and r["value_unit"] == "EDSS"
    elif kind == "dose_decision" and r["drug"] == "mitoxantrone":
        _check_mitoxantrone_decision(r)
    elif kind == "dose_decision":
        assert r["drug"] == "baricitinib" and r["action"] in ("interrupt", "resume")
        if r["action"] == "resume":
            assert s == "baricitinib resumed: counts recovered" and r["rule"] is None
        else:
            low = s.removeprefix("baricitinib interrupted: ").split("; ")
            assert r["rule"] == "; ".join(x.split(" ")[0] + " low" for x in low)
    elif kind == "infusion" and r["drug"] == "mitoxantrone":
        assert s == f"{r['amount_mg_per_m2']:.2f} mg/m2 = {r['amount_mg']:.2f} mg" and r["course"] >= 1
    elif kind == "infusion":
        assert r["drug"] == "belimumab"
        assert s == f"belimumab {r['amount_mg_per_kg']:g} mg/kg = {r['amount_mg']:.0f} mg (dose {r['course']})"
    elif kind == "toxicity":
        assert s == f"non-haematological WHO grade {r['grade']}" and r["course"] >= 1
    elif kind == "infusion_reaction":
        assert s == f"infusion reaction at dose {r['course']}" and r["drug"] == "belimumab"
    elif kind == "relapse":
        assert s == (f"attack {r['attack']} ({r['phenotype']}): EDSS +{r['edss_step_acute']:.2f} acute, "
                     f"+{r['edss_step_residual']:.2f} residual; EDSS {r['value']:.1f}")
    elif kind == "death":
        assert s == f"death: {r['rule']}"
    elif kind == "stop":
        assert r["rule"]                                  # the cause: test_rules_stop_rule_is_the_discontinuation
    elif kind == "start" and r["drug"] == "baricitinib":
        if r["rule"] is None:
            assert s == f"baricitinib {r['amount_mg']:g} mg once daily" and r["value"] is None
        else:
            below = r["rule"].removeprefix("eGFR < ").removesuffix(" mL/min")
            assert s == f"baricitinib eGFR {r['value']:g} < {below} mL/min -> {r['amount_mg']:g} mg once daily"
            assert r["value_unit"] == "mL/min"
    elif kind == "start":
        assert s == {"interferon_beta": "interferon beta", "azathioprine": "azathioprine"}[r["drug"]]
    elif kind == "phase":
        assert s == f"phase {r['phase']} ({r['drug']}) starts; EDSS {r['value']:.1f}"
    elif kind == "transition":
        assert s.startswith(f"{r['phase']} -> ") and r["rule"] in TRIGGERS
        why = s.split(": ", 1)[1]
        assert {"on_complete": why.startswith(("phase schedule completed", "phase ended as planned")),
                "after_doses": why.endswith("doses given"), "on_relapse": why.startswith("relapse on day"),
                "relapses": " relapses within " in why, "on_edss_worsening": why.startswith("EDSS ")}[r["rule"]], r
    elif kind == "infection":
        assert s == ("serious" if r["serious"] else "non-serious") and r["term"] == "infection"
    elif kind == "adverse_event":
        assert s.startswith(r["term"]) and r["serious"] == int("serious" in s)
        assert r["outcome"] is None or f"({r['outcome']}, serious)" in s
    else:
        raise AssertionError(f"no check for {kind}")


@pytest.mark.parametrize("name", SCENARIOS)
def test_rules_columns_say_what_the_details_text_says(runs, name):
    rows = _rows(runs[name])
    for r in rows:
        _check(r)
    decisions = [r for r in rows if r["type"] == "dose_decision"]
    if name in MITOXANTRONE_SCENARIOS:      # the rules that fired in these runs: bands, toxicity, infection, echo
        rules = {part for r in decisions for part in (r["rule"] or "").split("; ")}
        assert {"non-haematological toxicity", "LVEF < 50% (unconfirmed)"} <= rules and any("WBC [" in x for x in rules)


def test_rules_infusion_amounts_are_the_dosing_csv_dose_records(runs):
    """Each infusion event is a dose record of dosing.csv: same arm, patient, day, drug, mg and prescribed dose."""
    for name in ("mitonmo", "kim2011", "correale2005", "belimumab-nct05154734"):
        res = runs[name]
        infusions = [(r["arm"], r["patient"], r["day"], r["drug"], r["amount_mg"],
                      r["amount_mg_per_m2"] if r["drug"] == "mitoxantrone" else r["amount_mg_per_kg"])
                     for r in _rows(res) if r["type"] == "infusion"]
        doses = [(row[0], row[1], row[2], row[12], row[4], row[14]) for row in res.dosing if row[3] == 1]
        assert len(infusions) > 100 and len(infusions) == len(doses)
        for got, want in zip(sorted(infusions), sorted(doses)):
            assert got[:4] == want[:4]
            assert got[4] == pytest.approx(want[4], abs=1e-9) and got[5] == pytest.approx(want[5], abs=1e-9)


@pytest.mark.parametrize("name", MITOXANTRONE_SCENARIOS)
def test_rules_mitoxantrone_infusions_sum_to_the_cumulative_dose(runs, name):
    """Sum of amount_mg_per_m2 over a patient's mitoxantrone infusions = patients.csv's cumulative dose (to 1e-9);
    amount_mg sums to it x bsa_m2."""
    res = runs[name]
    per_m2, mg = Counter(), Counter()
    for r in _rows(res):
        if r["type"] == "infusion" and r["drug"] == "mitoxantrone":
            per_m2[r["arm"], r["patient"]] += r["amount_mg_per_m2"]
            mg[r["arm"], r["patient"]] += r["amount_mg"]
    p = res.patients
    several = 0
    for arm, pid, cumulative, bsa in zip(p["arm"], p["patient"], p["cumulative_dose_mg_per_m2"], p["bsa_m2"]):
        assert per_m2.get((arm, pid), 0.0) == pytest.approx(cumulative, abs=1e-9), (arm, pid)
        assert mg.get((arm, pid), 0.0) == pytest.approx(cumulative * bsa, rel=1e-12, abs=1e-12), (arm, pid)
        several += cumulative > 12
    assert several > 10


def _chunks(name: str, overrides: list[str]):
    """(scenario, arm, chunk result with events as text, tallies and event columns) of each arm, 40 patients."""
    scn = sim.load_scenario(name, overrides=["run.patients=40", *overrides])
    keys = screen_keys(scn).keys
    for arm in scn.arms:
        yield scn, arm, simulate_chunk(scn, arm, cohort_of(scn, keys), 0)


@pytest.mark.parametrize("name, overrides", [
    ("mitonmo", ["arms.mitoxantrone.regimen.max_rechecks=1",          # courses every 3 weeks: low counts, rechecks
                 "arms.mitoxantrone.regimen.ii_days=21"]),             # and skips after them
    ("correale2005", []),
    ("kim2011", []),
    ("baricitinib-nct05792462", [f"arms.{k}.regimen.interrupt_below.0.below=3.5" for k in (0, 1)]),   # ANC < 3.5
    ("belimumab-nct05154734", []),
])
def test_rules_dose_decision_rules_are_the_tallies_causes(name, overrides):
    """Per patient: the causes of reduced doses are the `rule`s of the doses given, split at "; "; the skipped ones
    those of the skips plus rechecks that fell after follow-up; lab interruptions those of baricitinib's
    interruptions; each pre-infusion check is a decision whose course and WBC (`value`) give the check's band; each
    infusion reaction tally an infusion_reaction event."""
    seen = Counter()
    for scn, arm, part in _chunks(name, overrides):
        tallies = defaultdict(Counter)
        for pid, kind, cause in part.tallies:
            tallies[kind][pid, cause] += 1
        rules = defaultdict(Counter)
        regs = [r for r in leaf_regimens(arm.regimen) if isinstance(r, Mitoxantrone)]
        assert all(r.wbc_bands == regs[0].wbc_bands for r in regs)
        for (pid, day, kind, _), f in zip(part.events, part.event_fields, strict=True):
            c = dict(zip(EVENT_FIELDS, f))
            if kind == "infusion_reaction":
                rules["infusion reaction"][pid, "infusion reaction"] += 1
            if kind != "dose_decision":
                continue
            seen[c["action"]] += 1
            if c["drug"] == "mitoxantrone":
                b = band_for(c["value"], regs[0].wbc_bands)
                hi = "inf" if b.high_per_nl is None else f"{b.high_per_nl:g}"
                rules["check"][pid, f"course {c['course']}: WBC [{b.low_per_nl:g}, {hi})"] += 1
            causes = [] if c["rule"] is None else c["rule"].split("; ")
            into = {"give": "reduced", "skip": "skipped", "interrupt": "interrupted"}.get(c["action"])
            if c["action"] == "recheck" and day + regs[0].recheck_days >= scn.run.follow_up_days:
                into = "skipped"              # a re-check that would fall after follow-up: the course is skipped
            for cause in causes if into else ():
                rules[into][pid, cause] += 1
        for kind in ("reduced", "skipped", "interrupted", "check", "infusion reaction"):
            assert tallies[kind] == rules[kind], (arm.name, kind)
        seen.update({k: sum(v.values()) for k, v in tallies.items()})
    want = {"mitonmo": {"recheck", "skipped", "reduced"}, "correale2005": {"reduced", "check"},
            "kim2011": {"reduced", "stop"}, "baricitinib-nct05792462": {"interrupt", "resume", "interrupted"},
            "belimumab-nct05154734": {"infusion reaction"}}[name]
    assert want <= {k for k, n in seen.items() if n}, seen


def test_rules_stop_rule_is_the_discontinuation_and_death_rule_the_cause(runs):
    for res in runs.values():
        p = res.patients
        cause = {(a, pid): c for a, pid, c in zip(p["arm"], p["patient"], p["discontinuation"])}
        death = {(a, pid): c for a, pid, c in zip(p["arm"], p["patient"], p["death_cause"])}
        stops = [r for r in _rows(res) if r["type"] == "stop"]
        assert stops and all(r["rule"] == cause[r["arm"], r["patient"]] for r in stops)
        assert all(r["rule"] == death[r["arm"], r["patient"]] for r in _rows(res) if r["type"] == "death")


def test_rules_adverse_event_columns_are_the_adverse_events_table(runs):
    """The infection, toxicity, infusion reaction and adverse event rows: term, grade, serious and outcome as in
    adverse_events.csv, row for row."""
    for res in runs.values():
        kinds = {"infection", "toxicity", "adverse_event", "infusion_reaction"}
        mine = [(r["arm"], r["patient"], r["day"], r["term"], r["grade"], r["serious"], r["outcome"])
                for r in _rows(res) if r["type"] in kinds]
        assert mine == [tuple(row) for row in res.adverse_events]


def test_rules_blood_draw_value_is_the_labs_wbc(runs):
    for res in runs.values():
        draws = [(r["arm"], r["patient"], r["day"], r["value"], r["context"]) for r in _rows(res)
                 if r["type"] == "blood_draw"]
        assert len(draws) > 20 and Counter(draws) == Counter((a, p, d, w, c) for a, p, d, w, _, _, _, c in res.labs)


def test_rules_unknown_records_raise_and_rare_records_map():
    """A record the module does not know raises (no silent empty columns); the records these runs rarely make
    (heart failure, baricitinib interruptions, re-checks) map as their text says."""
    bad = [("relapse", "relapse"), ("no_such_type", ("EDSS {:.1f} (visit)", 3.0)),
           ("edss", ("EDSS {:.2f} (visit)", 3.0)), ("edss", ("EDSS {:.1f} (visit)", 3.0, "extra")),
           ("infusion", (courses._INFUSION, 2.4, 3.6)), ("infection", "mild"), ("blood_draw", "WBC 4.00"), ("stop", "schedule completed"),
           ("dose_decision", (0, 1.0, 4.0, 2.0, 1.0, 12.0, "x"))]
    for kind, details in bad:
        with pytest.raises(ValueError, match="no known record"):
            event_fields(kind, details)
    with pytest.raises(ValueError, match="no known record"):
        event_field_rows([(0, 1.0, "edss", ("EDSS {:.1f} (visit)", 3.0)), (0, 2.0, "death", "death")])
    hf = event_fields("adverse_event", (HEART_FAILURE_EVENT, HEART_FAILURE))
    assert dict(zip(EVENT_FIELDS, hf)) == {**dict.fromkeys(EVENT_FIELDS), "drug": "mitoxantrone",
                                           "term": HEART_FAILURE, "serious": 1}
    rec = (courses._OTHER, 3, "recheck", "WBC 1.50 in [0, 2): no infusion, re-check in 7 d", 1.5, "WBC [0, 2)", None)
    c = dict(zip(EVENT_FIELDS, event_fields("dose_decision", rec)))
    assert render(rec) == "course 3: recheck; WBC 1.50 in [0, 2): no infusion, re-check in 7 d"
    assert (c["action"], c["course"], c["rule"], c["value"]) == ("recheck", 3, "WBC [0, 2)", 1.5)
    assert c["amount_mg_per_m2"] is None and c["drug"] == "mitoxantrone"
    rec = (baricitinib.INTERRUPTED, "ANC 0.9 < 1; HB 7.9 < 8", "ANC low; HB low")
    c = dict(zip(EVENT_FIELDS, event_fields("dose_decision", rec)))
    assert render(rec) == "baricitinib interrupted: ANC 0.9 < 1; HB 7.9 < 8"
    assert (c["drug"], c["action"], c["rule"]) == ("baricitinib", "interrupt", "ANC low; HB low")
    c = dict(zip(EVENT_FIELDS, event_fields("dose_decision", baricitinib.RESUMED)))
    assert (c["drug"], c["action"], c["rule"]) == ("baricitinib", "resume", None)
    for kind, templates in RECORDS.items():          # a record's template and length select its columns
        assert kind in KINDS and all(isinstance(t, str) and n >= 2 for t, (n, _) in templates.items())
    assert all(kind in KINDS for kind in TEXTS)


def _normal(v):
    """A cell as a comparable value: missing (None, NaN, <NA>) as None, numbers as float."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


@pytest.fixture(scope="module")
def small():
    """Four arms (mitoxantrone, baricitinib, belimumab, untreated) in chunks of 5: chunks without some columns."""
    scn = sim.load_scenario("compare-regimens", overrides=["run.patients=12", "run.chunk_size=5",
                                                          "run.follow_up_days=400"])
    return scn, sim.run(scn)


def test_rules_csv_frame_and_streamed_folder_agree(small, tmp_path):
    scn, res = small
    text = res.tables()["events.csv"]
    # the fast writer gives the generic writer's text (sim/outputs.py: floats by repr, None empty, quoting)
    generic = csv_text(list(EVENT_COLUMNS), ((a, p, f"{d:.3f}", k, *f, s) for (a, p, d, k, s), f
                                             in zip(res.events, res.event_fields)))
    assert text == generic
    some = [(p, d, k, s) for _, p, d, k, s in res.events[:300]]
    for arm in ('a,b', 'say "x"', "plain"):
        assert csv_lines(some, res.event_fields[:300], arm) == csv_rows(
            (arm, p, f"{d:.3f}", k, *f, s) for (p, d, k, s), f in zip(some, res.event_fields))
    frame = res.frame("events")
    assert list(frame.columns) == list(EVENT_COLUMNS) and len(frame) == len(res.events) > 100
    for name, t in FIELD_TYPES.items():
        if t is float:
            assert frame[name].dtype == "float64", name
        elif t is int:
            assert str(frame[name].dtype) == "Int64", name
    assert list(frame["details"]) == [s for *_, s in res.events]
    read = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""], dtype={"patient": int})
    assert list(read.columns) == list(EVENT_COLUMNS)
    for name in EVENT_COLUMNS:
        got = [_normal(v) for v in read[name].tolist()]
        want = [_normal(v) for v in frame[name].tolist()]
        if name == "day":
            want = [round(v, 3) for v in want]
        assert got == want, name
    run_to_folder(scn, tmp_path / "run", figures=False)
    assert (tmp_path / "run" / "events.csv").read_text(encoding="utf-8") == text


def test_rules_parquet_events_are_typed_with_nulls(small, tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    scn, res = small
    run_to_folder(scn, tmp_path / "run", parquet=True, figures=False)
    table = pq.read_table(tmp_path / "run" / "events.parquet")
    assert table.column_names == list(EVENT_COLUMNS) and table.num_rows == len(res.events)
    arrow = {int: pa.int64(), float: pa.float64(), str: pa.string()}
    for name, t in FIELD_TYPES.items():
        assert table.schema.field(name).type == arrow[t], name
    data = table.to_pydict()
    for j, name in enumerate(EVENT_FIELDS):
        assert data[name] == [f[j] for f in res.event_fields], name      # None is null, numbers exact
    assert data["details"] == [s for *_, s in res.events]
    assert (tmp_path / "run" / "events.csv").read_text(encoding="utf-8") == res.tables()["events.csv"]


def test_rules_details_text_is_the_render_of_the_records():
    """The records that carry extra arguments for the columns still render the text they did: the arguments the
    template does not use are ignored, and the columns are made from the same records the text is."""
    for rec, text in [((courses._INFUSION, 2.4, 3.6590061846028936, 1), "2.40 mg/m2 = 3.66 mg"),
                      ((courses._GIVE, 4, 10.0, "non-haematological toxicity WHO grade 2 -> 10 mg/m2", 5.2,
                        "non-haematological toxicity", 2), "course 4: give 10 mg/m2; non-haematological toxicity "
                                                           "WHO grade 2 -> 10 mg/m2"),
                      ((courses.TOXICITY, 2, 3), "non-haematological WHO grade 2")]:
        assert render(rec) == text


def test_rules_run_arm_keeps_each_events_fields_beside_it():
    """run_arm (the engine's per-arm entry, used by explain and the benchmarks) carries the fields with the events."""
    from sim.chunking import run_arm
    from sim.cohort import build_cohort

    scn = sim.load_scenario("mitonmo", overrides=["run.patients=12", "run.chunk_size=5"])
    out = run_arm(scn, scn.arms[0], build_cohort(scn))
    assert len(out.event_fields) == len(out.events) > 0
