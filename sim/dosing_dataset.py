"""The doses and blood draws of a chunk as a pharmacometric dataset (NONMEM / mrgsolve convention): one dose record
(EVID 1) per infusion given and one observation record (EVID 0) per analyte of each blood draw, taken from the event
records before their details become text (docs/tables.md describes the columns and the conventions).

Doses: mitoxantrone and belimumab infusions, AMT in mg (the absolute dose), into the central compartment (CMT 1), as
boluses (DUR 0: the simulator's PK models add each dose to the central compartment at once), one record per dose
given (II 0, ADDL 0: what was given, never a schedule to expand). DOSE keeps the dose as prescribed, mg/m2
(mitoxantrone, by body surface area) or mg/kg (belimumab, by weight). Baricitinib's oral daily doses are not events
and the days taken are not kept in the chunk's records, so the dataset holds none of them.

Observations: WBC, ANC, ALC and Hb of each draw (DVID 1-4), DV the observed value, CMT 0 (the default observation
compartment); an analyte the draw did not measure (Hb is NaN) has no record.

Rows are in (ID, TIME, EVID) order: at equal times the observations (EVID 0) come before the doses (EVID 1), as the
blood is drawn before the infusion (pre-infusion checks); records of one time and kind keep the order of the draws
and doses.
"""
from __future__ import annotations

import csv
import io
from operator import itemgetter

import numpy as np

from .regimens.belimumab import _INFUSION as _BELIMUMAB
from .regimens.courses import _INFUSION as _MITOXANTRONE

DOSING_COLUMNS = ("ARM", "ID", "TIME", "EVID", "AMT", "CMT", "DUR", "II", "ADDL", "DV", "DVID", "MDV", "DRUG", "UNIT",
                  "DOSE", "DOSE_UNIT")
#: DVID -> (analyte, unit) of the observation records; the lab row's value at index DVID + 1
ANALYTES = {1: ("WBC", "10^9/L"), 2: ("ANC", "10^9/L"), 3: ("ALC", "10^9/L"), 4: ("Hb", "g/dL")}
#: infusion record template -> (drug, unit of the prescribed dose); the record is (template, per-size dose, mg, ...)
INFUSIONS = {_MITOXANTRONE: ("mitoxantrone", "mg/m2"), _BELIMUMAB: ("belimumab", "mg/kg")}

_order = itemgetter(0, 1, 2)
_FLOATS = frozenset({"TIME", "AMT", "DUR", "II", "DV", "DOSE"})
_TEXT = frozenset({"ARM", "DRUG", "UNIT", "DOSE_UNIT"})


def dose_rows(events: list[tuple]) -> list[tuple]:
    """Dose records (ID, TIME, 1, AMT mg, CMT 1, DUR 0, II 0, ADDL 0, DV 0, DVID 0, MDV 1, drug, "mg", DOSE,
    DOSE_UNIT) of the infusions among `events` (patient, day, type, details as records), in their order."""
    out = []
    for pid, day, kind, details in events:
        if kind != "infusion":
            continue
        drug = INFUSIONS.get(details[0])
        if drug is None:
            raise ValueError(f"dosing dataset: infusion record {details!r} of no known drug (sim/dosing_dataset.py)")
        out.append((pid, float(day), 1, float(details[2]), 1, 0.0, 0.0, 0, 0.0, 0, 1, drug[0], "mg",
                    float(details[1]), drug[1]))
    return out


def observation_rows(labs: list[tuple]) -> list[tuple]:
    """Observation records (ID, TIME, 0, AMT 0, CMT 0, DUR 0, II 0, ADDL 0, DV, DVID, MDV 0, None, unit, None, None):
    one per analyte measured in each lab row (patient, day, wbc, anc, alc, hb, context), in their order."""
    (_, count), (_, hb_unit) = ANALYTES[1], ANALYTES[4]
    out = []
    add = out.append
    for pid, day, wbc, anc, alc, hb, _ in labs:
        day = float(day)
        for dvid, v, unit in ((1, wbc, count), (2, anc, count), (3, alc, count), (4, hb, hb_unit)):
            if v == v:                              # NaN: not measured
                add((pid, day, 0, 0.0, 0, 0.0, 0.0, 0, float(v), dvid, 0, None, unit, None, None))
    return out


def dosing_rows(events: list[tuple], labs: list[tuple]) -> list[tuple]:
    """The chunk's dataset rows (DOSING_COLUMNS without ARM), sorted by ID, TIME, EVID (observations first at equal
    times; otherwise the records' order)."""
    rows = observation_rows(labs) + dose_rows(events)
    rows.sort(key=_order)
    return rows


def csv_lines(rows, arm: str | None = None) -> str:
    """CSV lines (no header) of dataset rows: full rows (DOSING_COLUMNS), or a chunk's rows without ARM with `arm`.

    The same text as sim/outputs.csv_rows writes (floats by repr, None empty; a test holds them equal), about six
    times faster: the cells that dose_rows and observation_rows fix are written as constants, and only ARM can need
    quoting."""
    out = []
    add = out.append
    if arm is not None:
        q = _cell(arm)
        for pid, t, evid, amt, _, _, _, _, dv, dvid, _, drug, unit, dose, dose_unit in rows:
            if evid:
                add(f"{q},{pid},{t!r},1,{amt!r},1,0.0,0.0,0,0.0,0,1,{drug},{unit},{dose!r},{dose_unit}\n")
            else:
                add(f"{q},{pid},{t!r},0,0.0,0,0.0,0.0,0,{dv!r},{dvid},0,,{unit},,\n")
        return "".join(out)
    last, q = None, ""
    for a, pid, t, evid, amt, _, _, _, _, dv, dvid, _, drug, unit, dose, dose_unit in rows:
        if a is not last:
            last, q = a, _cell(a)
        if evid:
            add(f"{q},{pid},{t!r},1,{amt!r},1,0.0,0.0,0,0.0,0,1,{drug},{unit},{dose!r},{dose_unit}\n")
        else:
            add(f"{q},{pid},{t!r},0,0.0,0,0.0,0.0,0,{dv!r},{dvid},0,,{unit},,\n")
    return "".join(out)


def _cell(text: str) -> str:
    """A text cell as the csv module writes it (quoted when it holds a comma, a quote or a line break)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([text, "x"])     # not alone in its row: "" stays empty
    return buf.getvalue()[:-3]


def dosing_columns(arm: str, rows: list[tuple]) -> dict[str, np.ndarray]:
    """A chunk's rows (DOSING_COLUMNS without ARM) as columns for a columnar file, typed alike in every chunk, even
    one without rows (the Parquet schema is the first chunk's): numbers as float64 or int64, text as str with the
    CSV's empty cell for None (None is NaN in a number column)."""
    cols = [(arm,) * len(rows), *(list(zip(*rows)) or [()] * (len(DOSING_COLUMNS) - 1))]
    out = {}
    for name, values in zip(DOSING_COLUMNS, cols):
        if name in _TEXT:
            out[name] = np.array(["" if v is None else v for v in values], dtype=str)
        else:
            out[name] = np.array(values, dtype=np.float64 if name in _FLOATS else np.int64)
    return out
