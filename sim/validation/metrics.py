"""Metrics of published targets: small pure functions of one replicate's arm data.

Each metric takes `columns` (the per-patient table of one arm as numpy arrays, as `run_arm(...).patients` gives it,
sim/patient_table.py) and `attacks` (the arm's attack rows, `ChunkResult.attacks`: `(patient, day, phenotype, acute,
residual, pre_study)`, pre-study attacks on negative days), plus its keyword arguments (a target's `metric_args`),
and returns a float, or None when the metric is undefined for this replicate (no patients, no attacks, ...).

`METRICS` is the registry (name -> function); `check_args` validates a target's `metric_args` against a metric's
signature (names, required arguments, number types).
"""
from __future__ import annotations

import inspect
import math
from typing import Callable

import numpy as np

from ..edss_scale import edss_worsened
from ..readouts.basic import arr_reduction
from ..readouts.efficacy import counts_and_years, on_treatment_mask
from ..scenario import YEAR_DAYS
from ..stats import kaplan_meier, km_at

# attack row fields
PATIENT, DAY, PHENOTYPE, ACUTE, RESIDUAL, PRE_STUDY = range(6)


def _col(columns: dict, name: str) -> np.ndarray:
    return np.asarray(columns[name], dtype=float)


def _n(columns: dict) -> int:
    return len(columns["patient"]) if "patient" in columns else len(next(iter(columns.values()), []))


def _share(mask: np.ndarray) -> float | None:
    return float(np.mean(mask)) if mask.size else None


def _mean(x: np.ndarray) -> float | None:
    return float(np.mean(x)) if x.size else None


def _rate(events: float, years: float) -> float | None:
    return float(events / years) if years > 0 else None


def arr_pooled(columns: dict, attacks: list) -> float | None:
    """Relapses on study / patient-years of follow-up, over all patients."""
    return _rate(_col(columns, "relapses").sum(), _col(columns, "follow_up_years").sum())


def arr_to_first_relapse(columns: dict, attacks: list) -> float | None:
    """First relapses / patient-years at risk until the first relapse or the end of follow-up: the on-study ARR of a
    trial whose randomised period ends at a patient's first relapse (PREVENT), where no second relapse is counted."""
    first = _col(columns, "first_relapse_day")
    event = np.isfinite(first)
    years = np.where(event, first / YEAR_DAYS, _col(columns, "follow_up_years"))
    return _rate(float(event.sum()), float(years.sum()))


def _window_counts(columns: dict, attacks: list, until_day: float) -> tuple[np.ndarray, np.ndarray]:
    """On-study relapses before `until_day` and years at risk until then (or death), per on-treatment patient."""
    keep = on_treatment_mask(columns)
    ids = [int(x) for x in np.asarray(columns["patient"])]
    where = {pid: j for j, pid in enumerate(ids)}
    k = np.zeros(len(ids))
    for a in attacks:
        if not a[PRE_STUDY] and a[DAY] < until_day and a[PATIENT] in where:
            k[where[a[PATIENT]]] += 1
    years = np.minimum(_col(columns, "follow_up_years"), until_day / YEAR_DAYS)
    return k[keep], years[keep]


def relapse_free_on_treatment(columns: dict, attacks: list, *, until_day: float | None = None) -> float | None:
    """Share of the on-treatment population with no relapse until treatment ends (as `nmosim run` reports it under
    summary.json's on_treatment block), or with `until_day` before that day (a drug's period within a sequence)."""
    if until_day is None:
        k, _ = counts_and_years(columns, "on_treatment")
    else:
        k, _ = _window_counts(columns, attacks, until_day)
    return _share(k == 0)


def median_arr_reduction_on_treatment(columns: dict, attacks: list, *, until_day: float | None = None) -> float | None:
    """Reduction (%) of the median ARR from the pre-study window to the time on treatment, over the on-treatment
    population: 100 (1 - median on / median before), as single-arm series report it (summary.json's on_treatment
    arr_change.median_reduction_percent); with `until_day`, the time on treatment is the first until_day days."""
    keep = on_treatment_mask(columns)
    if until_day is None:
        k, years = counts_and_years(columns, "on_treatment")
    else:
        k, years = _window_counts(columns, attacks, until_day)
    with np.errstate(divide="ignore", invalid="ignore"):
        on = np.where(years > 0, k / np.where(years > 0, years, 1.0), 0.0)
    return arr_reduction(_col(columns, "pre_study_arr")[keep], on)["median_reduction_percent"]


def pre_study_arr_pooled(columns: dict, attacks: list, *, window_days: float | None = None) -> float | None:
    """Pre-study relapses / pre-study years: the table's pre_study_relapses / pre_study_years, or with `window_days`
    the pre-study attacks no more than window_days before baseline (from the attack rows) over n x window_days."""
    if window_days is None:
        return _rate(_col(columns, "pre_study_relapses").sum(), _col(columns, "pre_study_years").sum())
    count = sum(1 for a in attacks if a[PRE_STUDY] and a[DAY] >= -window_days)
    return _rate(count, _n(columns) * window_days / YEAR_DAYS)


def relapsed_share(columns: dict, attacks: list, *, by_day: float | None = None) -> float | None:
    """Share of patients with >= 1 relapse on study (with `by_day`: a first relapse before that day)."""
    if by_day is None:
        return _share(_col(columns, "relapses") >= 1)
    first = _col(columns, "first_relapse_day")
    return _share(np.isfinite(first) & (first < by_day))


def relapse_free_km(columns: dict, attacks: list, *, day: float) -> float | None:
    """Kaplan-Meier relapse-free probability at `day`: time to first relapse, censored at the end of follow-up."""
    first = _col(columns, "first_relapse_day")
    if first.size == 0:
        return None
    event = np.isfinite(first)
    time = np.where(event, first, _col(columns, "follow_up_years") * YEAR_DAYS)
    return km_at(kaplan_meier(time, event), day)["survival"]


def share_gaps_within_days(columns: dict, attacks: list, *, days: float) -> float | None:
    """Of consecutive attack pairs of the same patient (pre-study and on study together), the share whose gap
    (days from one attack to the next) is <= `days`; None without any pair."""
    by_patient: dict = {}
    for a in attacks:
        by_patient.setdefault(a[PATIENT], []).append(a[DAY])
    gaps = np.concatenate([np.diff(np.sort(d)) for d in by_patient.values()]) if by_patient else np.empty(0)
    return _share(gaps <= days)


def _acute_residual(attacks: list, on_study_only: bool, field: int) -> np.ndarray:
    return np.array([a[field] for a in attacks if not (on_study_only and a[PRE_STUDY])], dtype=float)


def severe_attack_share(columns: dict, attacks: list, *, min_step: float = 2.0,
                        on_study_only: bool = True) -> float | None:
    """Share of attacks whose acute EDSS step is >= `min_step` (on study only unless on_study_only = false)."""
    return _share(_acute_residual(attacks, on_study_only, ACUTE) >= min_step)


def mean_residual_per_attack(columns: dict, attacks: list, *, on_study_only: bool = True) -> float | None:
    """Mean residual EDSS step (kept after recovery) per attack (on study only unless on_study_only = false)."""
    return _mean(_acute_residual(attacks, on_study_only, RESIDUAL))



def edss_slope_per_attack(columns: dict, attacks: list, *, on_study_only: bool = False) -> float | None:
    """Least-squares slope of edss_end (as reported) on each patient's number of attacks (pre-study and on study
    unless on_study_only): a cross-sectional estimate of the EDSS kept per attack, with the estimation noise a cohort
    study's regression has (baseline disability and the reporting scale vary between patients). None when every
    patient has the same number of attacks."""
    ids = np.asarray(columns["patient"], dtype=float)
    index = {pid: i for i, pid in enumerate(ids.tolist())}
    count = np.zeros(ids.size)
    for a in attacks:
        if not (on_study_only and a[PRE_STUDY]) and a[PATIENT] in index:
            count[index[a[PATIENT]]] += 1
    if ids.size < 3 or np.ptp(count) == 0:
        return None
    y = _col(columns, "edss_end")
    x = count - count.mean()
    return float(np.dot(x, y - y.mean()) / np.dot(x, x))

def edss_change_mean(columns: dict, attacks: list) -> float | None:
    """Mean of edss_end - edss_start over patients."""
    return _mean(_col(columns, "edss_end") - _col(columns, "edss_start"))


def death_share(columns: dict, attacks: list) -> float | None:
    """Share of patients with a finite death_day; None when the table has no death_day column."""
    if "death_day" not in columns:
        return None
    return _share(np.isfinite(_col(columns, "death_day")))


def edss_worsened_share(columns: dict, attacks: list) -> float | None:
    """Share of patients worsened from edss_start to edss_end (+1.0 from <= 5.5, +0.5 above; sim/edss_scale.py)."""
    start, end = _col(columns, "edss_start"), _col(columns, "edss_end")
    return _share(np.array([edss_worsened(s, e) for s, e in zip(start.tolist(), end.tolist())], dtype=bool))


def _treated(columns: dict) -> np.ndarray:
    """Patients who received a dose (all patients when the table has no doses_given column)."""
    if "doses_given" not in columns:
        return np.ones(_n(columns), bool)
    return _col(columns, "doses_given") > 0


def scheduled_wbc_below_share(columns: dict, attacks: list, *, below: float) -> float | None:
    """Share of dosed patients whose lowest WBC at a scheduled check (pre-infusion and post-course draws, not
    infection work-ups) was below `below` (x 10^9/L)."""
    keep = _treated(columns)
    return _share(_col(columns, "wbc_min_scheduled_per_nl")[keep] < below)


def scheduled_anc_below_share(columns: dict, attacks: list, *, below: float) -> float | None:
    """Share of dosed patients whose lowest ANC at a scheduled check was below `below` (x 10^9/L)."""
    keep = _treated(columns)
    return _share(_col(columns, "anc_min_scheduled_per_nl")[keep] < below)


def infected_share(columns: dict, attacks: list, *, serious_only: bool = False) -> float | None:
    """Share of patients with at least one infection (serious_only: at least one serious infection)."""
    return _share(_col(columns, "serious_infections" if serious_only else "infections") > 0)


def median_wbc_nadir_day(columns: dict, attacks: list) -> float | None:
    """Median day of each dosed patient's lowest true WBC (from the first dose on day 0)."""
    keep = _treated(columns)
    days = _col(columns, "wbc_nadir_day")[keep]
    return float(np.median(days)) if days.size else None


def phase_reached_share(columns: dict, attacks: list, *, phase_number: float, by_day: float) -> float | None:
    """Share of patients whose sequence reached its phase_number-th phase (1 = the first) before `by_day` (from the
    phase_start_days column: a switch read at a paper's window)."""
    k = int(phase_number) - 1
    reached = []
    for days in columns["phase_start_days"]:
        starts = [float(x) for x in str(days).split(">") if x not in ("", "nan")]
        reached.append(len(starts) > k and starts[k] < by_day)
    return _share(np.array(reached, dtype=bool))


def _finite_share_treated(columns: dict, column: str) -> float | None:
    keep = _treated(columns)
    if column not in columns:
        return None
    return _share(np.isfinite(_col(columns, column)[keep]))


def lvef_confirmed_low_share(columns: dict, attacks: list) -> float | None:
    """Share of dosed patients with an LVEF below the stop threshold confirmed by a second echo."""
    return _finite_share_treated(columns, "lvef_confirmed_low_day")


def heart_failure_share(columns: dict, attacks: list) -> float | None:
    """Share of dosed patients with heart failure."""
    return _finite_share_treated(columns, "heart_failure_day")


def tral_share(columns: dict, attacks: list) -> float | None:
    """Share of dosed patients with therapy-related acute leukaemia."""
    return _finite_share_treated(columns, "tral_day")


def amenorrhoea_share(columns: dict, attacks: list) -> float | None:
    """Share with persistent amenorrhoea among women treated before 45 (None without such women)."""
    if "amenorrhoea" not in columns:
        return None
    a = _col(columns, "amenorrhoea")
    a = a[np.isfinite(a)]
    return _share(a == 1.0)


METRICS: dict[str, Callable[..., float | None]] = {f.__name__: f for f in (
    arr_pooled, arr_to_first_relapse, relapse_free_on_treatment, median_arr_reduction_on_treatment, pre_study_arr_pooled, relapsed_share, relapse_free_km, share_gaps_within_days, severe_attack_share,
    mean_residual_per_attack, edss_slope_per_attack, edss_change_mean, death_share, edss_worsened_share,
    scheduled_wbc_below_share, scheduled_anc_below_share, infected_share, median_wbc_nadir_day,
    lvef_confirmed_low_share, heart_failure_share, tral_share, amenorrhoea_share, phase_reached_share)}


def metric_params(name: str) -> dict[str, inspect.Parameter]:
    """The keyword arguments a metric takes (its `metric_args`)."""
    return {k: p for k, p in inspect.signature(METRICS[name]).parameters.items() if p.kind is p.KEYWORD_ONLY}


def describe_args(name: str) -> str:
    """'days (required)', 'min_step = 2.0, on_study_only = True', or 'none'."""
    parts = [k + (" (required)" if p.default is p.empty else f" = {p.default!r}")
             for k, p in metric_params(name).items()]
    return ", ".join(parts) or "none"


def check_args(name: str, args: dict) -> str | None:
    """None if `args` suit metric `name`, else what is wrong (one phrase naming the allowed arguments)."""
    params = metric_params(name)
    for k, v in args.items():
        if k not in params:
            return f"unknown argument '{k}' of metric {name} (allowed: {describe_args(name)})"
        want = params[k].annotation.replace(" | None", "")
        if want == "bool" and not isinstance(v, bool):
            return f"argument '{k}' of metric {name} must be true or false (got {v!r})"
        if want == "float" and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)):
            return f"argument '{k}' of metric {name} must be a number (got {v!r})"
    missing = [k for k, p in params.items() if p.default is p.empty and k not in args]
    if missing:
        return f"metric {name} needs {', '.join(missing)} in metric_args (arguments: {describe_args(name)})"
    return None


def evaluate(name: str, args: dict, columns: dict, attacks: list) -> float | None:
    """Metric `name` with `args` on one replicate's arm; NaN results count as undefined (None)."""
    value = METRICS[name](columns, attacks, **args)
    if value is None or not math.isfinite(value):
        return None
    return float(value)
