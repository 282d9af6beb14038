"""TOML text of plain values (floats by repr, so they read back exactly), and `[sweep] vary` arrays as VALUES text.

Used by the scenario loader (a `[sweep]` table may give `vary` values as TOML arrays) and by sweeps (points as
`--set` overrides).
"""
from __future__ import annotations

from typing import Any

import numpy as np

_ESCAPES = {ord('"'): '\\"', ord("\\"): "\\\\", **{c: f"\\u{c:04x}" for c in [*range(0x20), 0x7F]}}  # TOML basic string


def toml_value(value: Any) -> str:
    """`value` in TOML syntax; floats by repr so they round-trip exactly."""
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)   # TOML reads repr's 0.1, 1e-05, 1e+300, inf, nan back exactly
    if isinstance(value, str):
        return '"' + value.translate(_ESCAPES) + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_value(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise ValueError(f"sweep: cannot write {value!r} as a TOML value")


def vary_arrays_as_text(data: dict, origin: str) -> None:
    """In the raw TOML of a scenario, turn `[sweep] vary` arrays (and single numbers) into VALUES list text."""
    table = data.get("sweep")
    vary = table.get("vary") if isinstance(table, dict) else None
    if not isinstance(vary, dict):
        return                                         # missing or not a table: left to the scenario's validation
    for path, raw in vary.items():
        if isinstance(raw, str):
            continue
        label = f"{origin}: [sweep] vary.{path}"
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            raw = [raw]
        if not isinstance(raw, list):
            raise ValueError(f"{label}: expected VALUES text (\"6,9,12\", \"0.2:0.9:8\", \"0.2..0.9\") or an array of "
                             f"values ([6, 9, 12]), got a {type(raw).__name__}")
        if not raw:
            raise ValueError(f"{label}: the array of values is empty")
        try:
            vary[path] = ",".join(toml_value(v) for v in raw)
        except ValueError:
            raise ValueError(f"{label}: the array holds a value that is not a number, boolean, string, array or "
                             "table") from None
