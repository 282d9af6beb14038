"""Disability readouts of one arm: EDSS change from baseline, shares worsened, improved and stable."""
from __future__ import annotations

import numpy as np

from ..edss_scale import edss_improved, edss_worsened
from .basic import median_iqr, share


def disability(edss_start, edss_end) -> dict:
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
