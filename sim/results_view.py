"""A run's results for a notebook: tables as pandas DataFrames with the files' column names, and a short text and
HTML view (the arms' headline readouts) instead of the whole data."""
from __future__ import annotations

from html import escape

TABLES = ("patients", "events", "labs", "survival", "time_to_event", "readouts", "adverse_events", "dosing")


def frame(res, table: str):
    """One table of `res` (patients, events, labs or survival) as a pandas DataFrame; columns as in the CSV files
    (docs/summary.md, docs/tables.md and the README's table of run files describe them). The events' structured
    columns are typed: float64 (NaN where empty), nullable Int64 (<NA> where empty) and text (missing where empty)."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas comes with the notebook extra
        raise ImportError("Results.frame needs pandas: pip install 'nmosim[notebook]'") from None
    from .adverse_events import AE_COLUMNS
    from .dosing_dataset import DOSING_COLUMNS
    from .readouts.tables import READOUTS_COLUMNS, TTE_COLUMNS
    from .runner import SURVIVAL_COLUMNS
    from .tasks import EVENT_COLUMNS, LAB_COLUMNS, PATIENT_COLUMNS

    if table == "patients":
        return pd.DataFrame({c: res.patients[c] for c in PATIENT_COLUMNS})
    if table == "events":
        return _events(pd, res, EVENT_COLUMNS)
    rows = {"labs": LAB_COLUMNS, "survival": SURVIVAL_COLUMNS, "time_to_event": TTE_COLUMNS,     # Results attribute
            "readouts": READOUTS_COLUMNS, "adverse_events": AE_COLUMNS, "dosing": DOSING_COLUMNS}  # = table name
    if table in rows:
        return pd.DataFrame(getattr(res, table), columns=list(rows[table]))
    raise ValueError(f"no table {table!r} (tables: {', '.join(TABLES)})")


def _events(pd, res, columns):
    """events.csv as a DataFrame: who, when, type; the structured columns with their types; the details text."""
    from .event_columns import EVENT_FIELDS, FIELD_TYPES

    if len(res.events) != len(res.event_fields):
        raise ValueError(f"{len(res.events)} events but {len(res.event_fields)} rows of their columns")
    cols = list(zip(*res.events)) or [()] * 5
    fields = list(zip(*res.event_fields)) or [()] * len(EVENT_FIELDS)
    out = {c: list(v) for c, v in zip(("arm", "patient", "day", "type"), cols)}
    for name, values in zip(EVENT_FIELDS, fields):
        t = FIELD_TYPES[name]
        if t is float:
            out[name] = pd.array([float("nan") if v is None else v for v in values], dtype="float64")
        elif t is int:
            out[name] = pd.array(list(values), dtype="Int64")
        else:
            out[name] = list(values)                # text as pandas makes it of the other tables' text columns
    out["details"] = list(cols[4])
    return pd.DataFrame({c: out[c] for c in columns})


def arm_headlines(res) -> dict[str, list[tuple[str, str]]]:
    """Per arm: patients and the pooled ARR with its CI, as text."""
    out = {}
    for name, arm in res.summary.get("arms", {}).items():
        arr = arm.get("arr_pooled_per_year") or {}
        est, lo, hi = (arr.get(k) for k in ("estimate", "ci95_low", "ci95_high"))
        ci = "-" if est is None else f"{est:.2f} ({_limit(lo)}-{_limit(hi)})"
        out[name] = [("patients", str(arm.get("patients", "-"))), ("pooled ARR (95% CI)", ci)]
    return out


def _limit(x) -> str:
    return "NR" if x is None else f"{x:.2f}"


def text(res) -> str:
    """A few lines: scenario, size, tables, and each arm's headline readouts (well under 2 kB)."""
    scn = res.scenario
    lines = [f"Results({scn.run.name}: seed {scn.run.seed}, {len(scn.arms)} arm(s), "
             f"{len(res.patients.get('patient', []))} patient rows, {len(res.events):,} events, {len(res.labs):,} labs)"]
    for name, rows in arm_headlines(res).items():
        lines.append(f"  {name}: " + "; ".join(f"{k} {v}" for k, v in rows))
    lines.append("  tables: .frame('patients' | 'events' | 'labs' | 'survival' | 'time_to_event' | 'readouts'); readouts: .summary")
    return "\n".join(lines)


def html(res) -> str:
    """The same as a small HTML table, for Jupyter."""
    heads = arm_headlines(res)
    keys = [k for k, _ in next(iter(heads.values()), [])]
    rows = "".join(f"<tr><th>{escape(k)}</th>" + "".join(f"<td>{escape(dict(v)[k])}</td>" for v in heads.values())
                   + "</tr>" for k in keys)
    header = "".join(f"<th>{escape(a)}</th>" for a in heads)
    return (f"<div><b>{escape(res.scenario.run.name)}</b> (seed {res.scenario.run.seed}): "
            f"{len(res.events):,} events, {len(res.labs):,} labs"
            f"<table><tr><th></th>{header}</tr>{rows}</table>"
            f"<small>tables: .frame('patients' | 'events' | 'labs' | 'survival' | 'time_to_event' | 'readouts'); readouts: .summary</small></div>")
