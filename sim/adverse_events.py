"""The adverse events of a chunk as an analysis table (ADAE-like): one row per event with its term, grade,
seriousness and outcome as fields, taken from the event records before their details become text."""
from __future__ import annotations

from .regimens.mitoxantrone_safety import HEART_FAILURE, TRAL_CAUSE

AE_COLUMNS = ("arm", "patient", "day", "term", "who_grade", "serious", "outcome")
AE_TYPES = (str, int, float, str, int, int, str)       # the columns' types in columnar files
AE_KINDS = frozenset({"infection", "toxicity", "adverse_event", "infusion_reaction"})


def adverse_event_rows(events: list[tuple]) -> list[tuple]:
    """(patient, day, term, who_grade, serious, outcome) of each adverse event among `events` (patient, day, type,
    details as records); who_grade, serious (1/0) and outcome are None where the model does not say."""
    kinds = AE_KINDS
    return [(e[0], e[1], *_fields(e[2], e[3])) for e in [e for e in events if e[2] in kinds]]


def _fields(kind: str, details) -> tuple:
    if kind == "infection":
        return "infection", None, int(details == "serious"), None
    if kind == "toxicity":                                  # ("non-haematological WHO grade {}", grade)
        return "non-haematological toxicity", int(details[1]), None, None
    if kind == "infusion_reaction":
        return "infusion reaction", None, None, None
    if isinstance(details, tuple) and details[1] == HEART_FAILURE:
        return HEART_FAILURE, None, 1, None
    if isinstance(details, tuple) and details[1] == TRAL_CAUSE:
        return TRAL_CAUSE, None, 1, details[2]               # fatal or remission
    return str(details), None, 0, None                       # persistent amenorrhoea
