"""Event details as records: a string, a (template, *values) record rendered with str.format only when a table is
written, or for a blood draw its lab row (patient, day, wbc, anc, alc, hb, context).

The engine keeps the values of frequent events (blood draws, EDSS visits, dose decisions) and formats them when rows
are written, so runs that keep only readouts (sweeps, replicate trials) never format text they do not keep.
"""
from __future__ import annotations

_DRAW = "WBC {:.2f}, ANC {:.2f}, ALC {:.2f} ({})"
_DRAW_HB = "WBC {:.2f}, ANC {:.2f}, ALC {:.2f}, Hb {:.1f} ({})"


def render(details) -> str:
    """The text of one event's details."""
    if details.__class__ is str:
        return details
    head = details[0]
    if head.__class__ is str:
        return head.format(*details[1:])
    _, _, wbc, anc, alc, hb, context = details        # a lab row
    return _DRAW.format(wbc, anc, alc, context) if hb != hb else _DRAW_HB.format(wbc, anc, alc, hb, context)


def rendered(events: list[tuple]) -> list[tuple]:
    """Event rows (patient, day, type, details) with their details as text."""
    return [(p, d, k, x if x.__class__ is str else render(x)) for p, d, k, x in events]
