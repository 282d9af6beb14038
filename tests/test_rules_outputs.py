"""Table cells: csv_rows formats every cell as fmt does (its fast path for str and float must not change the text)."""
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
    assert csv_rows(rows).splitlines()[0] == '1,2.5,"a,b",,,1,0.333333,4,1e-300,-0,1.23457e+08,"x""y"'


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
