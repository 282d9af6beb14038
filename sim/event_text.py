"""Event details as records: a string, or (template, *values) rendered with str.format only when a table is written.

The engine keeps the values of frequent events (blood draws, EDSS visits, dose decisions) and formats them when rows
are written, so runs that keep only readouts (sweeps, replicate trials) never format text they do not keep.
"""
from __future__ import annotations


def render(details) -> str:
    """The text of one event's details."""
    return details if details.__class__ is str else details[0].format(*details[1:])


def rendered(events: list[tuple]) -> list[tuple]:
    """Event rows (patient, day, seq, type, details) with their details as text."""
    return [(p, d, s, k, x if x.__class__ is str else x[0].format(*x[1:])) for p, d, s, k, x in events]
