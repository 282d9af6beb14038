"""The EDSS scale as reported and the worsening/improvement rules (pure; used by the simulation and the readouts)."""
from __future__ import annotations

import math


def report_edss(value: float) -> float:
    """EDSS as reported: the nearest step of the Kurtzke scale (0, 1.0, 1.5, ..., 9.5, 10; halves rounded up).

    The scale has no 0.5: a value below 0.5 reports 0, from 0.5 up to 1.25 it reports 1.0."""
    r = min(max(math.floor(value * 2 + 0.5 + 1e-9) / 2, 0.0), 10.0)
    if r == 0.5:
        return 1.0 if value >= 0.5 - 1e-9 else 0.0
    return r


def edss_step_needed(baseline: float) -> float:
    """The change that counts as worsening (or improvement) from a baseline: 1.0 from <= 5.5, 0.5 above 5.5."""
    return 1.0 if baseline <= 5.5 else 0.5


def edss_worsened(baseline: float, later: float) -> bool:
    """Worsening rule on reported EDSS: +1.0 from a baseline <= 5.5, +0.5 above 5.5."""
    return later - baseline >= edss_step_needed(baseline) - 1e-9


def edss_improved(baseline: float, later: float) -> bool:
    """Improvement rule on reported EDSS, the mirror of worsening: -1.0 from a baseline <= 5.5, -0.5 above 5.5."""
    return baseline - later >= edss_step_needed(baseline) - 1e-9


def confirmed_change_day(baseline: float, visits: list[tuple[float, float]], confirm_days: float,
                         direction: str = "worse") -> float:
    """Onset day of the first confirmed worsening (or improvement) from `baseline`, NaN if none.

    `visits` are the reported (day, EDSS) assessments after baseline in time order. A change at visit j is confirmed
    when every assessment from j up to and including the first one at least `confirm_days` later still shows it
    (confirm_days 0: the change at a single visit). A death (EDSS 10) confirms a worsening at once; a change with no
    assessment late enough to confirm it is not confirmed (censored)."""
    changed = edss_worsened if direction == "worse" else edss_improved
    n = len(visits)
    for j in range(n):
        day, value = visits[j]
        if not changed(baseline, value):
            continue
        if confirm_days <= 0 or (direction == "worse" and value >= 10.0):
            return day
        for k in range(j + 1, n):
            d, v = visits[k]
            if direction == "worse" and v >= 10.0:
                return day
            if not changed(baseline, v):
                break
            if d >= day + confirm_days - 1e-9:
                return day
    return math.nan
