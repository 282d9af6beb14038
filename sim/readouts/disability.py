"""Disability readouts of one arm: EDSS change from baseline to the end (a single visit), confirmed worsening and
improvement at 3 and 6 months (shares; Kaplan-Meier time to confirmed worsening), and deaths.

Columns the disease course adds (each optional, so tables without them still summarize): `edss_worsening_confirmed_3m_day`,
`edss_worsening_confirmed_6m_day`, `edss_improvement_confirmed_3m_day`, `edss_improvement_confirmed_6m_day` (onset day,
NaN if none; a death counts as confirmed worsening), `edss_last_visit_day` (censoring), `death_day` (NaN if alive),
`death_cause` ("" if alive). Missing: no confirmed events, nobody died, censoring at the end of follow-up.
A patient who died has EDSS 10 at the end: counted as worsened at that single visit (unless the baseline was 9.5).
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from ..edss_scale import edss_improved, edss_worsened
from ..stats import kaplan_meier, km_at
from .basic import median_iqr, optional_column, share
from .efficacy import YEAR_DAYS, km_summary

CONFIRMATION_MONTHS = (3, 6)


def edss_change(edss_start, edss_end) -> dict:
    """Reported EDSS at baseline and at the end; worsening +1.0 from <= 5.5 (+0.5 above), improvement the mirror."""
    start, end = np.asarray(edss_start, float), np.asarray(edss_end, float)
    worse = np.array([edss_worsened(a, b) for a, b in zip(start, end)], bool)
    better = np.array([edss_improved(a, b) for a, b in zip(start, end)], bool)
    return {
        "edss_start": median_iqr(start),
        "edss_end": median_iqr(end),
        "edss_change_from_baseline": median_iqr(end - start),
        "worsened_share": share(worse),
        "improved_share": share(better),
        "stable_share": share(~worse & ~better),
    }


def follow_up_end_days(p: dict) -> np.ndarray:
    """Each patient's end of follow-up in days."""
    return np.asarray(p["follow_up_years"], float) * YEAR_DAYS


def last_visit_days(p: dict) -> np.ndarray:
    """The last day EDSS was assessed (censoring for confirmed events): `edss_last_visit_day`, else the end of
    follow-up (also where the column has no value)."""
    end = follow_up_end_days(p)
    last = optional_column(p, "edss_last_visit_day", end.size, np.nan)
    return np.where(np.isfinite(last), last, end)


def confirmed_onsets(p: dict, kind: str, months: int, n: int) -> np.ndarray:
    """Onset day of the first confirmed `kind` ("worsening" or "improvement") at `months`; NaN where none."""
    return optional_column(p, f"edss_{kind}_confirmed_{months}m_day", n, np.nan)


def deaths(p: dict, alpha: float = 0.05) -> dict:
    """Patients who died, their share, the causes, and the Kaplan-Meier survival at the end of follow-up (alive
    patients censored there)."""
    end = follow_up_end_days(p)
    n = end.size
    day = optional_column(p, "death_day", n, np.nan)
    cause = optional_column(p, "death_cause", n, "", dtype=object)
    died = np.isfinite(day)
    causes = Counter(str(c) if c else "unspecified" for c, d in zip(cause, died) if d)
    km = kaplan_meier(np.where(died, day, end), died, alpha)
    t_end = float(end.max()) if n else 0.0
    at = km_at(km, t_end)
    return {"died": int(died.sum()), "share": share(died), "causes": dict(sorted(causes.items())),
            "survival_probability_end": {"day": t_end, "estimate": at["survival"], "ci95_low": at["ci95_low"],
                                         "ci95_high": at["ci95_high"]},
            "note": "a patient who died has EDSS 10 at the end (worsened at that visit), and death confirms a "
                    "worsening (confirmed-worsening onset on or before the death day)"}


def disability(p: dict, alpha: float = 0.05) -> dict:
    """The arm's disability block: single-visit EDSS change, confirmed worsening and improvement, deaths."""
    out = edss_change(p["edss_start"], p["edss_end"])
    n = len(p["edss_start"])
    last = last_visit_days(p)
    worse, better = {}, {}
    for m in CONFIRMATION_MONTHS:
        worse[m] = np.isfinite(confirmed_onsets(p, "worsening", m, n))
        better[m] = np.isfinite(confirmed_onsets(p, "improvement", m, n))
    for m in CONFIRMATION_MONTHS:
        out[f"worsened_confirmed_{m}m_share"] = share(worse[m])
    for m in CONFIRMATION_MONTHS:
        out[f"improved_confirmed_{m}m_share"] = share(better[m])
    out["stable_confirmed_share"] = share(~worse[6] & ~better[6])
    for m in CONFIRMATION_MONTHS:
        onset = confirmed_onsets(p, "worsening", m, n)
        out[f"time_to_confirmed_worsening_{m}m"] = km_summary(np.where(worse[m], onset, last), worse[m], alpha,
                                                              "worsening_free_probability")
    out["deaths"] = deaths(p, alpha)
    return out
