"""The EDSS scale as reported and the worsening/improvement rules (pure; used by the simulation and the readouts)."""
from __future__ import annotations

import math


def report_edss(value: float) -> float:
    """EDSS as reported: nearest 0.5 step (halves rounded up), within 0-10."""
    return min(max(math.floor(value * 2 + 0.5 + 1e-9) / 2, 0.0), 10.0)


def edss_step_needed(baseline: float) -> float:
    """The change that counts as worsening (or improvement) from a baseline: 1.0 from <= 5.5, 0.5 above 5.5."""
    return 1.0 if baseline <= 5.5 else 0.5


def edss_worsened(baseline: float, later: float) -> bool:
    """Worsening rule on reported EDSS: +1.0 from a baseline <= 5.5, +0.5 above 5.5."""
    return later - baseline >= edss_step_needed(baseline) - 1e-9


def edss_improved(baseline: float, later: float) -> bool:
    """Improvement rule on reported EDSS, the mirror of worsening: -1.0 from a baseline <= 5.5, -0.5 above 5.5."""
    return baseline - later >= edss_step_needed(baseline) - 1e-9
