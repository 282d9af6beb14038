"""How a regimen's protocol ended: the record a protocol process returns."""
from __future__ import annotations

from dataclasses import dataclass


STOP = "{}"     # the stop event's record: (STOP, details, cause); its text is the details (sim/event_columns.py)


@dataclass(frozen=True)
class Outcome:
    """Why treatment (or a phase) ended, on which day, until when its last dose covers, and whether it ended as planned
    (the schedule completed, or mitoxantrone's cumulative cap reached): a phase's on_complete transition follows it."""

    cause: str
    details: str
    day: float
    covered_until_day: float
    completed: bool = False

    def record(self) -> tuple:
        """The stop event's details record: the text, with the cause kept for events.csv's `rule` column."""
        return (STOP, self.details, self.cause)
