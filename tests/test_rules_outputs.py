"""Table cells: csv_rows formats every cell as fmt does (its fast path for str and float must not change the text);
floats in full precision (the shortest text that reads back as the same float)."""
import csv
import io

import numpy as np

from sim.event_text import render, rendered
from sim.outputs import csv_rows, fmt


def test_rules_csv_rows_cells_are_fmt_of_each_value():
    rows = [(1, 2.5, "a,b", float("nan"), None, True, np.float64(1 / 3), np.int64(4), 1e-300, -0.0, 123456789.0, 'x"y'),
            (np.float64("nan"), np.bool_(False), 0.1 + 0.2, "", 7)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for r in rows:
        w.writerow([fmt(v) for v in r])
    assert csv_rows(rows) == buf.getvalue()
    assert csv_rows(rows).splitlines()[0] == '1,2.5,"a,b",,,1,0.3333333333333333,4,1e-300,-0.0,123456789.0,"x""y"'
    assert csv_rows(rows).splitlines()[1] == ',0,0.30000000000000004,,7'


def test_rules_event_details_render_as_the_eager_text():
    wbc, anc, alc, hb = 3.999, 2.0, 1.25, 12.34
    assert render(("WBC {:.2f}, ANC {:.2f}, ALC {:.2f}, Hb {:.1f} ({})", wbc, anc, alc, hb, "pre-infusion")) == \
        f"WBC {wbc:.2f}, ANC {anc:.2f}, ALC {alc:.2f}, Hb {hb:.1f} (pre-infusion)"
    assert render("plain text") == "plain text"
    assert rendered([(1, 2.0, "lvef", ("LVEF {:.1f}%", 55.25))]) == [(1, 2.0, "lvef", "LVEF 55.2%")]
    # a blood draw's details are its lab row (patient, day, wbc, anc, alc, hb, context); Hb left out when not measured
    assert render((7, 90.0, wbc, anc, alc, hb, "pre-infusion, course 2")) == \
        "WBC 4.00, ANC 2.00, ALC 1.25, Hb 12.3 (pre-infusion, course 2)"
    assert render((7, 90.0, wbc, anc, alc, float("nan"), "infection work-up")) == \
        "WBC 4.00, ANC 2.00, ALC 1.25 (infection work-up)"


def test_rules_tables_carry_full_precision_so_readouts_recompute_to_1e12(tmp_path):
    """patients.csv floats are the shortest text that reads back as the same float: the pooled ARR recomputed from
    the table (relapses / follow-up years, per arm) agrees with summary.json to 1e-12."""
    import csv as _csv
    import json as _json

    from .test_cli_errors import cli

    r = cli("run", "compare-regimens", "--out", tmp_path, "--quiet", "--name", "r", "--set", "run.patients=40")
    assert r.returncode == 0, r.stderr
    rows = list(_csv.DictReader((tmp_path / "r" / "patients.csv").open()))
    summary = _json.loads((tmp_path / "r" / "summary.json").read_text())
    for arm, s in summary["arms"].items():
        mine = [x for x in rows if x["arm"] == arm]
        k = sum(float(x["relapses"]) for x in mine)
        years = sum(float(x["follow_up_years"]) for x in mine)
        want = s["arr_pooled_per_year"]["estimate"]
        assert abs(k / years - want) <= 1e-12 * max(1.0, abs(want)), arm
    assert any(len(x["follow_up_years"]) > 8 for x in rows)          # more than the 6 digits of old
