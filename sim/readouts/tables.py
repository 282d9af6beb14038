"""Analysis-ready tables of a run beside its summary: time-to-event rows per patient and estimand (ADTTE-like:
parameter, analysis value in days, censoring flag) and the readouts as a flat table (arm, readout, estimate, CI).

The time-to-first-relapse rows are the data of survival.csv's Kaplan-Meier curve (the same function makes both);
readouts.csv holds every figure of summary.json that has an estimate, under its dotted path there."""
from __future__ import annotations

import numpy as np

from .efficacy import YEAR_DAYS, first_relapse_times, on_treatment_mask

TTE_COLUMNS = ("arm", "patient", "paramcd", "param", "aval_days", "cnsr", "evntdesc")
READOUTS_COLUMNS = ("arm", "readout", "estimate", "ci95_low", "ci95_high")


def tte_rows(arm: str, cols: dict, estimand: str) -> list[tuple]:
    """Per patient: time to first relapse under the estimand (the on-treatment population only, censored at the end
    of treatment, for on_treatment), and time to death over the whole follow-up (censored at its end)."""
    ids = np.asarray(cols["patient"])
    keep = on_treatment_mask(cols, ids.size) if estimand == "on_treatment" else np.ones(ids.size, bool)
    days, event = first_relapse_times(cols, estimand)
    label = "time to first relapse" + (" (on treatment)" if estimand == "on_treatment" else "")
    death = np.asarray(cols["death_day"], float)
    end = np.asarray(cols["follow_up_years"], float) * YEAR_DAYS

    def why(d: float, dd: float, e: float) -> str:
        """What ended a censored time: death, the end of treatment (on_treatment) or the end of follow-up."""
        if dd == dd and abs(d - dd) < 1e-6:
            return "death"
        return "end of treatment" if estimand == "on_treatment" and d < e - 1e-6 else "end of follow-up"
    rows = [(arm, int(p), "TTFR", label, float(d), 0 if ev else 1, "relapse" if ev else why(d, dd, e))
            for p, d, ev, dd, e in zip(ids[keep].tolist(), days.tolist(), event.tolist(), death[keep].tolist(),
                                       end[keep].tolist())]
    for p, dd, e in zip(ids.tolist(), death.tolist(), end.tolist()):
        died = dd == dd
        rows.append((arm, int(p), "TTDEATH", "time to death (any cause)", dd if died else e, 0 if died else 1,
                     "death" if died else "end of follow-up"))
    return rows


def readout_rows(summary: dict) -> list[tuple]:
    """Every block of the summary with an "estimate" (and its CI where it has one), one row each: an arm's readouts
    by their path inside the arm's block (the arm in its own column), the comparisons as comparison.<path> (arm is the
    compared arm where the path names one, else empty). Blocks without an "estimate" (the negative binomial rate
    ratios, the log-rank tests) are not rows: they stay in summary.json."""
    rows: list[tuple] = []
    arms = list(summary.get("arms", {}))
    for arm, block in summary.get("arms", {}).items():
        _walk(block, "", lambda path, d, arm=arm: rows.append(_row(arm, path, d)))

    def comparison(path: str, d: dict) -> None:
        parts = path.split(".")
        arm = next((p for p in parts if p in arms), "")
        rows.append(_row(arm, "comparison." + path, d))
    _walk(summary.get("comparison") or {}, "", comparison)
    return rows


def _row(arm: str, path: str, d: dict) -> tuple:
    return (arm, path, d.get("estimate"), d.get("ci95_low"), d.get("ci95_high"))


def _walk(node, path: str, emit) -> None:
    if isinstance(node, dict):
        if "estimate" in node and not isinstance(node["estimate"], (dict, list)):
            emit(path, node)
        for k, v in node.items():
            _walk(v, f"{path}.{k}" if path else str(k), emit)
