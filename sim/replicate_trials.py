"""Replicate trials: R independent trials of the scenario's size, the distribution of each readout, power and type-I error.

In replicate trial r every arm enrols its own patients (a parallel-group trial, unlike a single run where the arms share
one cohort): arm j of trial r screens candidates with stream key `replicate = r * (arms + 1) + j`. The null comparison
(type-I error) runs the untreated arm's regimen (or, without one, the reference arm's) once more on a further
independent cohort, key `r * (arms + 1) + arms`, and compares the two with the same tests as the arms.
"""
from __future__ import annotations

import numpy as np

from . import readouts
from .cohort import build_cohort
from .chunking import run_arm
from .scenario import Arm, Scenario
from .tasks import typed_columns

#: Per replicate and arm, the readouts kept (name -> path into the arm summary).
READOUTS = {
    "patients": ("patients",),
    "relapses": ("relapses",),
    "patient_years": ("patient_years",),
    "arr_pooled_per_year": ("arr_pooled_per_year", "estimate"),
    "median_arr_reduction_percent": ("arr_change", "median_reduction_percent"),
    "relapse_free_share": ("relapse_free_share",),
    "relapse_free_probability_week_52": ("time_to_first_relapse", "relapse_free_probability", "week_52", "estimate"),
    "on_treatment_arr_pooled_per_year": ("on_treatment", "arr_pooled_per_year", "estimate"),
    "on_treatment_relapse_free_share": ("on_treatment", "relapse_free_share"),
    "on_treatment_patients": ("on_treatment", "patients"),
    "edss_worsened_share": ("disability", "worsened_share"),
    "edss_worsened_confirmed_6m_share": ("disability", "worsened_confirmed_6m_share"),
    "death_share": ("disability", "deaths", "share"),
    "patients_with_infection_share": None,     # computed below
}


#: Per-patient columns holding text (kept as object arrays); the rest are numbers.


def _get(d: dict, path: tuple):
    for k in path:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def null_arm(scn: Scenario) -> Arm:
    """The arm whose copy on an independent cohort gives the type-I error check: untreated if any, else the reference."""
    untreated = [a for a in scn.arms if a.regimen.drug == "none"]
    if untreated:
        return untreated[0]
    ref = scn.readouts.reference_arm or scn.arms[0].name
    return next(a for a in scn.arms if a.name == ref)


def _run_one(scn: Scenario, arm: Arm, key: int) -> dict:
    """Per-patient columns of one arm on its own cohort (stream key `key`)."""
    s = scn.model_copy(update={"run": scn.run.model_copy(update={"replicate": key})})
    out = run_arm(s, arm, build_cohort(s), render=False)
    cols = typed_columns(out.patients)
    return {"columns": cols, "tallies": out.tallies}


def replicate_trial(scn: Scenario, r: int) -> list[dict]:
    """Trial r: one row per arm (readouts, and the tests against the reference arm), plus the null comparison row."""
    ro, n_arms = scn.readouts, len(scn.arms)
    ref = ro.reference_arm or scn.arms[0].name
    runs = {arm.name: _run_one(scn, arm, r * (n_arms + 1) + j) for j, arm in enumerate(scn.arms)}
    summaries = {name: readouts.summarize_arm(x["columns"], x["tallies"], ro.alpha, ro.phase_readout_day)
                 for name, x in runs.items()}
    comp = readouts.compare_arms(summaries, {k: x["columns"] for k, x in runs.items()}, ref, [], ro.estimand, ro.alpha)
    rows = []
    for name, s in summaries.items():
        row = {"replicate": r, "arm": name}
        for key, path in READOUTS.items():
            row[key] = (s["safety"]["patients_with_infection"] / s["patients"]) if path is None else _get(s, path)
        nb = (comp["nb_rate_ratio_to_reference"] or {}).get("arms", {}).get(name, {})
        lr = comp["logrank_to_reference"].get(name, {})
        row.update({"rate_ratio_nb": nb.get("rate_ratio"), "p_value_nb": nb.get("p_value"),
                    "p_value_logrank": lr.get("p_value")})
        rows.append(row)
    null = null_arm(scn)
    twin = _run_one(scn, null, r * (n_arms + 1) + n_arms)
    pair = {null.name: runs[null.name]["columns"], f"{null.name} (independent copy)": twin["columns"]}
    pair_s = {k: readouts.summarize_arm(v, [], ro.alpha) for k, v in pair.items()}
    nc = readouts.compare_arms(pair_s, pair, null.name, [], ro.estimand, ro.alpha)
    copy = f"{null.name} (independent copy)"
    rows.append({"replicate": r, "arm": f"null: {null.name} vs independent copy",
                 "rate_ratio_nb": nc["nb_rate_ratio_to_reference"]["arms"][copy]["rate_ratio"],
                 "p_value_nb": nc["nb_rate_ratio_to_reference"]["arms"][copy]["p_value"],
                 "p_value_logrank": nc["logrank_to_reference"][copy]["p_value"]})
    return rows


def spread(values) -> dict:
    """Mean and 2.5/50/97.5 percentiles of the defined values; how many were undefined."""
    x = np.array([v for v in values if v is not None], float)
    out = {"replicates": int(x.size), "undefined": len(values) - int(x.size)}
    if x.size == 0:
        return out | {"mean": None, "p2_5": None, "p50": None, "p97_5": None}
    q = np.percentile(x, [2.5, 50, 97.5])
    return out | {"mean": float(x.mean()), "p2_5": float(q[0]), "p50": float(q[1]), "p97_5": float(q[2])}


def rejection(pvalues, alpha: float) -> dict:
    """Share of replicates with p < alpha (an undefined p counts as no rejection), with its Wilson 95% interval."""
    n = len(pvalues)
    k = sum(1 for p in pvalues if p is not None and p < alpha)
    if n == 0:
        return {"share": None, "ci95_low": None, "ci95_high": None, "replicates": 0}
    z = 1.959963984540054
    c, h = (k + z * z / 2) / (n + z * z), z * np.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
    return {"share": k / n, "ci95_low": float(max(0.0, c - h)), "ci95_high": float(min(1.0, c + h)), "replicates": n,
            "rejections": k}


def aggregate(scn: Scenario, rows: list[dict]) -> dict:
    """The replicate summary: per arm the spread of each readout, power against the reference, and the type-I error."""
    ro = scn.readouts
    ref = ro.reference_arm or scn.arms[0].name
    arms = {}
    for arm in scn.arms:
        mine = [x for x in rows if x["arm"] == arm.name]
        block = {key: spread([x[key] for x in mine]) for key in READOUTS}
        if arm.name != ref:
            block["rate_ratio_nb"] = spread([x["rate_ratio_nb"] for x in mine])
            block["power"] = {"negative_binomial": rejection([x["p_value_nb"] for x in mine], ro.alpha),
                              "logrank": rejection([x["p_value_logrank"] for x in mine], ro.alpha)}
        arms[arm.name] = block
    null = [x for x in rows if x["arm"].startswith("null: ")]
    return {
        "schema_version": 1,
        "scenario": scn.run.name,
        "seed": scn.run.seed,
        "replicates": len({x["replicate"] for x in rows}),
        "patients_per_arm": scn.run.patients,
        "design": "parallel groups: each arm enrols its own patients in every replicate trial",
        "reference_arm": ref,
        "estimand": ro.estimand,
        "alpha": ro.alpha,
        "arms": arms,
        "type_i_error": {"arm": null_arm(scn).name,
                         "note": "the arm against an independent copy of itself: the share of replicates that reject "
                                 "should be about alpha",
                         "negative_binomial": rejection([x["p_value_nb"] for x in null], ro.alpha),
                         "logrank": rejection([x["p_value_logrank"] for x in null], ro.alpha)},
    }


def run_replicates(scn: Scenario, replicates: int, progress=None) -> tuple[list[dict], dict]:
    """R replicate trials in order: (rows for replicates.csv, summary)."""
    rows = []
    for r in range(replicates):
        rows += replicate_trial(scn, r)
        if progress is not None:
            progress(r + 1, replicates)
    return rows, aggregate(scn, rows)


ROW_COLUMNS = ["replicate", "arm", *READOUTS, "rate_ratio_nb", "p_value_nb", "p_value_logrank"]
