"""The structured columns of events.csv: one event (its type and its details record, before the record becomes text)
as a fixed set of typed values: drug, action, course, amounts in mg, mg/m2 and mg/kg, the rule or cause that fired,
the adverse-event fields, the attack's phenotype and EDSS steps, a measured value with its unit and context, and the
phase (docs/tables.md says which event types fill which column).

The values come from the records' arguments (sim/event_text.py), never from their text: a record keeps, after the
arguments its text uses, those that only the columns need (the course of an infusion or an echo, the WBC, rule and
WHO grade of a dose decision, the cause of a stop, the trigger of a transition); str.format ignores them, so the text
is the same. An event type or a record this module does not know raises ValueError rather than giving empty
columns: a new kind of event needs its entry in RECORDS or TEXTS (tests/test_rules_event_columns.py runs every
bundled regimen).
"""
from __future__ import annotations

import csv
import io
from typing import Callable

import numpy as np

from .chunk_events import DEATH, EDSS_DEATH, EDSS_END, EDSS_VISIT, INFECTION, RELAPSE
from .outputs import schema_columns
from .regimens import baricitinib, belimumab, courses, interferon, sequence
from .regimens.mitoxantrone_safety import AMENORRHOEA, ECHO, HEART_FAILURE_EVENT, TRAL_EVENT
from .regimens.outcome import STOP

#: the columns in file order (events.csv has them after `type`, before `details`) and their types: numbers are
#: int64 or float64 columns in Parquet and Results.frame("events"); None is an empty cell (null)
FIELD_TYPES: dict[str, type] = {
    "drug": str, "action": str, "course": int,
    "amount_mg": float, "amount_mg_per_m2": float, "amount_mg_per_kg": float,
    "rule": str,
    "term": str, "grade": int, "serious": int, "outcome": str,
    "phenotype": str, "attack": int, "edss_step_acute": float, "edss_step_residual": float,
    "value": float, "value_unit": str, "context": str,
    "phase": str,
}
EVENT_FIELDS = tuple(FIELD_TYPES)

COUNT_UNIT = "10^9/L"       # blood counts (as dosing.csv's UNIT)
EDSS_UNIT = "EDSS"          # points of the Kurtzke scale
MITOXANTRONE, BELIMUMAB, BARICITINIB = "mitoxantrone", "belimumab", "baricitinib"


class Arg(int):
    """In a column spec: the record's argument at this index (details[k]; details[0] is the template)."""


def columns(**spec) -> Callable[[tuple], tuple]:
    """The builder of one record format's columns: `spec` maps a column to Arg(k) (the record's k-th item) or to a
    constant; the other columns are None. Compiled into one tuple display (as collections.namedtuple compiles its
    __new__): it runs for every event of a written run."""
    unknown = set(spec) - set(EVENT_FIELDS)
    if unknown:
        raise ValueError(f"no event columns {sorted(unknown)}")
    ns, cells = {}, []
    for name in EVENT_FIELDS:
        v = spec.get(name)
        if isinstance(v, Arg):
            cells.append(f"d[{int(v)}]")
        elif v is None:
            cells.append("None")
        else:
            ns[f"c_{name}"] = v
            cells.append(f"c_{name}")
    return eval(f"lambda d: ({', '.join(cells)},)", ns)     # noqa: S307 - our own column names and indices


def constant(**spec) -> tuple:
    """The columns of a fixed details text (constants only)."""
    return columns(**spec)(())


# ------------------------------------------------------------------ what each record fills
_give = columns(drug=MITOXANTRONE, action="give", course=Arg(1), amount_mg_per_m2=Arg(2), rule=Arg(5), grade=Arg(6),
                value=Arg(4), value_unit=COUNT_UNIT)
_other = columns(drug=MITOXANTRONE, action=Arg(2), course=Arg(1), rule=Arg(5), grade=Arg(6), value=Arg(4),
                 value_unit=COUNT_UNIT)
_edss = {ctx: columns(value=Arg(1), value_unit=EDSS_UNIT, context=ctx)
         for ctx in ("visit", "death", "end of follow-up")}

#: event type -> {record template: (record length, builder)}
RECORDS: dict[str, dict[str, tuple[int, Callable]]] = {
    "lvef": {ECHO: (4, columns(course=Arg(3), value=Arg(1), value_unit="%", context=Arg(2)))},
    "edss": {EDSS_VISIT: (2, _edss["visit"]), EDSS_DEATH: (2, _edss["death"]),
             EDSS_END: (2, _edss["end of follow-up"])},
    "dose_decision": {courses._GIVE: (7, _give), courses._OTHER: (7, _other),
                      baricitinib.INTERRUPTED: (3, columns(drug=BARICITINIB, action="interrupt", rule=Arg(2)))},
    "infusion": {courses._INFUSION: (4, columns(drug=MITOXANTRONE, course=Arg(3), amount_mg=Arg(2),
                                                amount_mg_per_m2=Arg(1))),
                 belimumab._INFUSION: (4, columns(drug=BELIMUMAB, course=Arg(3), amount_mg=Arg(2),
                                                  amount_mg_per_kg=Arg(1)))},
    "toxicity": {courses.TOXICITY: (3, columns(drug=MITOXANTRONE, course=Arg(2), term="non-haematological toxicity",
                                               grade=Arg(1)))},
    "infusion_reaction": {belimumab.REACTION: (2, columns(drug=BELIMUMAB, course=Arg(1), term="infusion reaction"))},
    "adverse_event": {TRAL_EVENT: (3, columns(drug=MITOXANTRONE, term=Arg(1), serious=1, outcome=Arg(2))),
                      HEART_FAILURE_EVENT: (2, columns(drug=MITOXANTRONE, term=Arg(1), serious=1))},
    "relapse": {RELAPSE: (6, columns(phenotype=Arg(2), attack=Arg(1), edss_step_acute=Arg(3),
                                     edss_step_residual=Arg(4), value=Arg(5), value_unit=EDSS_UNIT))},
    "death": {DEATH: (2, columns(rule=Arg(1)))},
    "stop": {STOP: (3, columns(rule=Arg(2)))},
    "start": {interferon.START: (3, columns(drug=Arg(2))),
              baricitinib.START: (6, columns(drug=BARICITINIB, amount_mg=Arg(2), rule=Arg(3), value=Arg(4),
                                             value_unit=Arg(5)))},
    "phase": {sequence.PHASE: (4, columns(drug=Arg(2), value=Arg(3), value_unit=EDSS_UNIT, phase=Arg(1)))},
    "transition": {sequence.TRANSITION: (5, columns(rule=Arg(4), phase=Arg(1)))},
}
#: event type -> {details text: its columns}, for events whose details are a fixed text
TEXTS: dict[str, dict[str, tuple]] = {
    "infection": {INFECTION[True]: constant(term="infection", serious=1),
                  INFECTION[False]: constant(term="infection", serious=0)},
    "adverse_event": {AMENORRHOEA: constant(drug=MITOXANTRONE, term=AMENORRHOEA, serious=0)},
    "dose_decision": {baricitinib.RESUMED: constant(drug=BARICITINIB, action="resume")},
}
#: a blood draw's details are its lab row (patient, day, WBC, ANC, ALC, Hb, context): the WBC, as the rules read it
_blood_draw = columns(value=Arg(2), value_unit=COUNT_UNIT, context=Arg(6))
#: every event type the simulator logs
KINDS = frozenset(RECORDS) | frozenset(TEXTS) | {"blood_draw"}
_NONE: dict = {}


def event_fields(kind: str, details) -> tuple:
    """The EVENT_FIELDS values of one event from its type and its details record (before rendering); ValueError for
    an event type or a record this module does not know."""
    return event_field_rows([(None, None, kind, details)])[0]


def event_field_rows(events: list[tuple]) -> list[tuple]:
    """The EVENT_FIELDS values of each of `events` (patient, day, type, details as records), in their order.

    Events that share a record (the infusion days of a split course) share their columns' tuple."""
    records, texts, draw = RECORDS, TEXTS, _blood_draw
    out = []
    add = out.append
    last = last_kind = None
    for _, _, kind, d in events:
        if d is last and kind == last_kind:
            add(out[-1])
            continue
        last, last_kind = d, kind
        if kind == "blood_draw":
            if d.__class__ is str or len(d) != 7 or d[0].__class__ is str:
                raise _unknown(kind, d)
            add(draw(d))
        elif d.__class__ is str:
            known = texts.get(kind, _NONE).get(d)
            if known is None:
                raise _unknown(kind, d)
            add(known)
        else:
            entry = records.get(kind, _NONE).get(d[0]) if d and d[0].__class__ is str else None
            if entry is None or len(d) != entry[0]:
                raise _unknown(kind, d)
            add(entry[1](d))
    return out


def _unknown(kind: str, details) -> ValueError:
    return ValueError(f"events.csv columns: a {kind!r} event with details {details!r} of no known record "
                      "(add it to sim/event_columns.py)")


def masked_columns(rows: list[tuple]) -> dict[str, np.ma.MaskedArray]:
    """Rows of EVENT_FIELDS values as typed columns with None masked, of the same types in every chunk (even one
    without rows): int64, float64 or str; a columnar writer (pyarrow) makes the masked cells null (the fields are
    never NaN, so outputs.schema_columns's NaN masking changes nothing here)."""
    return schema_columns(EVENT_FIELDS, tuple(FIELD_TYPES[name] for name in EVENT_FIELDS), rows)


def csv_lines(events: list[tuple], fields: list[tuple], arm: str | None = None) -> str:
    """events.csv lines (no header): Results' (arm, patient, day, type, details) rows, or a chunk's (patient, day,
    type, details) rows with `arm`, each with its EVENT_FIELDS values between type and details; day to 3 decimals.

    The text sim/outputs.csv_rows writes (a test holds them equal), about three times faster: the cells are only
    str, int, float (never NaN) or None, which the csv module writes as csv_rows' fmt does (floats by repr, None
    empty), so the per-cell pass is left out."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if arm is None:
        w.writerows((a, p, f"{d:.3f}", k, *f, s) for (a, p, d, k, s), f in zip(events, fields, strict=True))
    else:
        w.writerows((arm, p, f"{d:.3f}", k, *f, s) for (p, d, k, s), f in zip(events, fields, strict=True))
    return buf.getvalue()
