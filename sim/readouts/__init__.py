"""Trial readouts from per-patient tables: pure functions over arrays, with no simulation imports.

`summarize_arm` gives one arm's table (efficacy over follow-up and, for the on-treatment population, on treatment;
disability and deaths; safety; treatment);
`compare_arms` the comparisons with the reference arm. docs/summary.md documents the keys.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from .basic import (arr_reduction, distribution, grade_counts, median_iqr, optional_column,  # noqa: F401
                    rate_ratio_exact, share, take, who_grade, who_leukopenia_grade)
from .compare import compare_arms, regression_to_the_mean  # noqa: F401
from .disability import deaths, disability, edss_change  # noqa: F401
from .efficacy import (attacks_distribution, counts_and_years, efficacy, first_relapse_times,  # noqa: F401
                       km_summary, km_table, on_treatment_mask, relapse_count_dispersion, time_to_first_relapse)
from .safety import safety


def phase_paths_at(p: dict, day: float) -> dict[str, int]:
    """Patients by the phases their sequence had entered before `day` (from phase_start_days)."""
    paths = Counter()
    for names, days in zip(p["phases"], p.get("phase_start_days", [""] * len(p["phases"]))):
        if not names:
            continue
        starts = [float(x) for x in str(days).split(">") if x not in ("", "nan")]
        kept = [n for n, d in zip(str(names).split(">"), starts) if d < day]
        paths[">".join(kept)] += 1
    return dict(sorted(paths.items()))


def summarize_arm(p: dict[str, np.ndarray], tallies: list[tuple[int, str, str]], alpha: float = 0.05,
                  phase_readout_day: float | None = None) -> dict:
    """One arm's readouts from per-patient columns and (patient, kind, cause) dose-rule tallies."""
    follow = efficacy(p, "follow_up", alpha)
    del follow["estimand"]
    on = efficacy(p, "on_treatment", alpha)
    del on["estimand"]
    return {
        "patients": len(p["patient"]),
        **follow,
        "on_treatment": on,
        "disability": disability(p, alpha),
        "safety": safety(p, tallies),
        "treatment": {"doses_given": distribution(p["doses_given"]),
                      "phase_paths": dict(sorted(Counter(x for x in p["phases"] if x).items())),
                      **({} if phase_readout_day is None else
                         {"phase_readout_day": phase_readout_day,
                          "phase_paths_at_readout_day": phase_paths_at(p, phase_readout_day)})},
    }
