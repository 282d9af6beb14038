"""Arm comparisons on one cohort: rate ratios to the reference arm (exact Poisson, negative binomial), log-rank, and
regression to the mean read off an untreated arm."""
from __future__ import annotations

import numpy as np

from ..stats import logrank, nb_rate_ratios
from .basic import rate_ratio_exact
from .efficacy import counts_and_years, first_relapse_times


def compare_arms(arms: dict[str, dict], columns: dict[str, dict], reference: str, untreated: list[str],
                 estimand: str = "follow_up", alpha: float = 0.05) -> dict:
    """Each arm against the reference arm under the estimand; `arms` are summaries, `columns` per-patient columns."""
    out: dict = {"reference_arm": reference, "estimand": estimand, "alpha": alpha,
                 "arr_ratio_to_reference": {}, "nb_rate_ratio_to_reference": None, "logrank_to_reference": {},
                 "logrank_all_arms": None}
    ref = _block(arms[reference], estimand)
    for name, a in arms.items():
        if name != reference:
            b = _block(a, estimand)
            out["arr_ratio_to_reference"][name] = rate_ratio_exact(b["relapses"], b["patient_years"],
                                                                   ref["relapses"], ref["patient_years"], alpha)
    if len(arms) > 1:
        k, t, lab = _stack(columns, estimand, counts_and_years)
        out["nb_rate_ratio_to_reference"] = nb_rate_ratios(k, t, lab, reference, alpha)
        days, ev, lab = _stack(columns, estimand, first_relapse_times)
        for name in arms:
            if name != reference:
                pick = (lab == name) | (lab == reference)
                out["logrank_to_reference"][name] = logrank(days[pick], ev[pick], lab[pick])
        if len(arms) > 2:
            out["logrank_all_arms"] = logrank(days, ev, lab)
    if untreated:
        out["regression_to_the_mean"] = regression_to_the_mean(arms, untreated[0], estimand)
    return out


def _block(summary: dict, estimand: str) -> dict:
    return summary["on_treatment"] if estimand == "on_treatment" else summary


def _stack(columns: dict[str, dict], estimand: str, pick) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two per-patient arrays from `pick(columns, estimand)` over all arms, and the arm label of each patient."""
    a, b, labels = [], [], []
    for name, p in columns.items():
        x, y = pick(p, estimand)
        a.append(np.asarray(x))
        b.append(np.asarray(y))
        labels += [name] * len(x)
    return np.concatenate(a), np.concatenate(b), np.array(labels, dtype=object)


def regression_to_the_mean(arms: dict[str, dict], untreated: str, estimand: str = "follow_up") -> dict:
    """The untreated arm's fall of the median ARR from the pre-study year, and each treated arm's fall beyond it, under
    the estimand: the ARR over the whole follow-up, or on treatment (the `arr_change` of the on-treatment block)."""
    rtm = _block(arms[untreated], estimand)["arr_change"]["median_reduction_percent"]
    treated = {}
    for name, a in arms.items():
        if name != untreated:
            red = _block(a, estimand)["arr_change"]["median_reduction_percent"]
            treated[name] = {"median_arr_reduction_percent": red,
                             "beyond_untreated_percentage_points": None if rtm is None or red is None else red - rtm}
    return {"untreated_arm": untreated, "estimand": estimand, "untreated_median_arr_reduction_percent": rtm,
            "note": "reduction of the median ARR from the pre-study year with no drug: the entry rule selects patients "
                    "in a high-relapse spell (regression to the mean)",
            "treated_arms": treated}
