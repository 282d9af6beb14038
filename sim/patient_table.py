"""The per-patient columns of a finished chunk (patients.csv): covariates, relapses, doses, safety, treatment window."""
from __future__ import annotations

import numpy as np

from .scenario import YEAR_DAYS


def patient_columns(sim, edss_end: list[float]) -> dict[str, list]:
    """Columns over the chunk's patients, in patient order, from a finished ChunkSim and the end-of-study EDSS."""
    scn, c = sim.scn, sim.cohort
    p: dict[str, list] = {}
    years = sim.end / YEAR_DAYS
    window = scn.readouts.pre_study_window_days
    pre = np.sum(c.hist_days >= -window, axis=1)
    rel = np.array([len(a) for a in sim.attacks])
    p["patient"] = list(sim.ids)
    p["arm"] = [sim.arm.name] * sim.n
    p["candidate"] = c.key.tolist()
    for col in ("sex_female", "age_years", "height_cm", "weight_kg", "bsa_m2", "wbc_per_nl", "anc_per_nl",
                "alc_per_nl", "platelets_per_nl", "lvef_percent", "aqp4_positive", "untreated_arr"):
        p[col] = c.cov[col].tolist()
    for col in ("hb_g_per_dl", "egfr_ml_per_min"):
        p[col] = c.cov[col].tolist()
    p["pre_study_relapses"] = pre.tolist()
    p["pre_study_years"] = [window / YEAR_DAYS] * sim.n
    p["pre_study_arr"] = (pre / (window / YEAR_DAYS)).tolist()
    p["relapses"] = rel.tolist()
    alive_years = np.where(np.isnan(sim.death_day), years, sim.death_day / YEAR_DAYS)   # exposure ends at death
    p["follow_up_years"] = alive_years.tolist()
    with np.errstate(divide="ignore", invalid="ignore"):
        p["arr"] = np.where(alive_years > 0, rel / alive_years, np.nan).tolist()
    p["death_day"] = sim.death_day.tolist()
    p["death_cause"] = list(sim.death_cause)
    p["first_relapse_day"] = [a[0][0] if a else np.nan for a in sim.attacks]
    p["edss_start"] = c.cov["edss"].tolist()
    p["edss_end"] = edss_end
    p["cumulative_dose_mg_per_m2"] = sim.cumulative.tolist()
    p["courses"] = sim.courses.tolist()
    p["wbc_nadir_per_nl"] = sim.wbc_nadir.tolist()
    p["wbc_nadir_day"] = sim.wbc_nadir_day.tolist()
    p["wbc_min_observed_per_nl"] = sim.lab.wbc_min.tolist()
    p["anc_min_observed_per_nl"] = sim.lab.anc_min.tolist()
    p["wbc_min_scheduled_per_nl"] = sim.wbc_min_scheduled.tolist()
    p["anc_min_scheduled_per_nl"] = sim.anc_min_scheduled.tolist()
    nan = np.full(sim.n, np.nan)
    w = sim.safety
    p["lvef_min_observed_percent"] = nan.tolist() if w is None else w.lvef_min_observed.tolist()
    p["lvef_confirmed_low_day"] = nan.tolist() if w is None else w.lvef_confirmed_low_day.tolist()
    p["heart_failure_day"] = nan.tolist() if w is None else w.heart_failure_day.tolist()
    p["tral_day"] = nan.tolist() if w is None else w.tral_day.tolist()
    p["amenorrhoea"] = list(sim.amenorrhoea)
    mx = sim.models.get("mitoxantrone")
    p["memory_b_nadir_percent"] = (nan if mx is None else 100.0 * mx.memory_b_nadir).tolist()
    p["infections"] = sim.n_infections.tolist()
    p["serious_infections"] = sim.n_serious.tolist()
    p["toxicity_max_grade"] = sim.toxicity_max.tolist()
    p["discontinuation"] = sim.stop_reason
    p["stop_day"] = sim.stop_day.tolist()
    daily = sum((m.daily.count for m in sim._daily), np.zeros(sim.n, int))
    p["doses_given"] = (np.asarray(sim.doses) + daily).tolist()
    last = np.full(sim.n, np.nan)
    for m in sim._daily:
        last = np.fmax(last, m.daily.last_day)
    p["last_daily_dose_day"] = last.tolist()
    t_end = np.where(sim.stopped, sim.covered_until, sim.end)
    on_rel = np.array([sum(1 for d, _, _ in a if d <= te) for a, te in zip(sim.attacks, t_end)])
    p["treatment_end_day"] = t_end.tolist()
    p["relapses_on_treatment"] = on_rel.tolist()
    p["on_treatment_years"] = (t_end / YEAR_DAYS).tolist()
    with np.errstate(divide="ignore", invalid="ignore"):
        p["arr_on_treatment"] = np.where(t_end > 0, on_rel / (t_end / YEAR_DAYS), np.nan).tolist()
    p["phases"] = sim.phase_path
    p["phase_start_days"] = [">".join(f"{d:g}" for d in days) for days in sim.phase_days]
    untreated = sim.arm.regimen.drug == "none"
    p["on_treatment_population"] = [1.0 if untreated or d > 0 else 0.0 for d in p["doses_given"]]
    return p
