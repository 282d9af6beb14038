"""Trial readouts from per-patient tables: pure functions over arrays, with no simulation imports.

`summarize_arm` gives one arm's table (efficacy over follow-up and on treatment, disability, safety, treatment);
`compare_arms` the comparisons with the reference arm. docs/summary.md documents the keys.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from .basic import (arr_reduction, distribution, grade_counts, median_iqr, rate_ratio_exact, share,  # noqa: F401
                    who_grade, who_leukopenia_grade)
from .compare import compare_arms, regression_to_the_mean  # noqa: F401
from .disability import disability
from .efficacy import (attacks_distribution, counts_and_years, efficacy, first_relapse_times,  # noqa: F401
                       km_table, time_to_first_relapse)
from .safety import safety


def summarize_arm(p: dict[str, np.ndarray], tallies: list[tuple[int, str, str]], alpha: float = 0.05) -> dict:
    """One arm's readouts from per-patient columns and (patient, kind, cause) dose-rule tallies."""
    follow = efficacy(p, "follow_up", alpha)
    del follow["estimand"]
    on = efficacy(p, "on_treatment", alpha)
    del on["estimand"]
    return {
        "patients": len(p["patient"]),
        **follow,
        "on_treatment": on,
        "disability": disability(p["edss_start"], p["edss_end"]),
        "safety": safety(p, tallies),
        "treatment": {"doses_given": distribution(p["doses_given"]),
                      "phase_paths": dict(sorted(Counter(x for x in p["phases"] if x).items()))},
    }
