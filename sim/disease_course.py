"""The disease course of a finished chunk as table columns: confirmed EDSS change days per patient and the attack rows
(pre-study and on study) that the validation metrics read. Pure functions of what the engine recorded."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .edss_scale import confirmed_change_day

if TYPE_CHECKING:
    from .engine import ChunkSim


def edss_course_columns(baseline: list[float], trajectories: list[list[tuple[float, float]]]) -> dict[str, list]:
    """Per patient: the first visit with worsening, confirmed worsening and improvement (3 and 6 months) onset days, and
    the last day EDSS was assessed; from the reported (day, EDSS) visits after baseline (death is the last, EDSS 10)."""
    out: dict[str, list] = {k: [] for k in ("edss_worsening_day", "edss_worsening_confirmed_3m_day",
                                            "edss_worsening_confirmed_6m_day", "edss_improvement_confirmed_3m_day",
                                            "edss_improvement_confirmed_6m_day", "edss_last_visit_day")}
    for b, seen in zip(baseline, trajectories):
        out["edss_worsening_day"].append(confirmed_change_day(b, seen, 0.0, "worse"))
        for months, days in (("3m", 90.0), ("6m", 180.0)):
            out[f"edss_worsening_confirmed_{months}_day"].append(confirmed_change_day(b, seen, days, "worse"))
            out[f"edss_improvement_confirmed_{months}_day"].append(confirmed_change_day(b, seen, days, "better"))
        out["edss_last_visit_day"].append(seen[-1][0] if seen else 0.0)
    return out


def attack_rows(sim: "ChunkSim") -> list[tuple]:
    """Every attack of the chunk's patients, pre-study (negative days) then on study, in patient and day order."""
    c, rows = sim.cohort, []
    for i, pid in enumerate(sim.ids):
        ok = ~np.isnan(c.hist_days[i])
        kinds = c.cov["hist_phenotype"][i][ok].tolist()
        for d, a, r, k in zip(c.hist_days[i][ok].tolist(), c.hist_acute[i][ok].tolist(),
                              c.hist_residual[i][ok].tolist(), kinds):
            rows.append((pid, d, sim.phenotypes[k], a, r, True))
        for (d, a, r), k in zip(sim.attacks[i], sim.attack_kinds[i]):
            rows.append((pid, d, sim.phenotypes[k], a, r, False))
    return rows
