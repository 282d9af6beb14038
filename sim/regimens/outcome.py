"""How a regimen's protocol ended: the record a protocol process returns."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """Why treatment (or a phase) ended, on which day, until when its last dose covers, and whether the schedule completed."""

    cause: str
    details: str
    day: float
    covered_until_day: float
    completed: bool = False
