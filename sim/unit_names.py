"""Renamed unit suffixes: scenario keys and --set paths written with an old suffix still load, with a warning.

Blood counts were `..._10e9_per_l`, which reads as the float 10e9 (= 10^10) in Python and TOML; they are now
`..._per_nl` (per nanolitre: 10^9/L). An old key is renamed before validation and named once in a FutureWarning (the
command line prints it as a warning line); a table that holds both the old and the new key is an error.
"""
from __future__ import annotations

import re
import warnings
from typing import Any

RENAMED = (("_10e9_per_l", "_per_nl"),)        # (old suffix, new suffix)
NAME = re.compile(r"[a-z][a-z0-9_]*")           # a value that is a field's name (a criterion's covariate)


def new_name(key: str) -> str | None:
    """The key's current name, when it ends with an old suffix (else None)."""
    for old, new in RENAMED:
        if key.endswith(old):
            return key[: -len(old)] + new
    return None


def _warn(old: str, new: str, origin: str, seen: set | None = None) -> None:
    if seen is not None:
        if old in seen:
            return
        seen.add(old)
    warnings.warn(f"{origin}: '{old}' is now '{new}' (blood counts per nanolitre, i.e. 10^9/L); the old name will "
                  "stop loading in a later version", FutureWarning, stacklevel=4)


def migrate_keys(data: Any, origin: str, where: str = "", seen: set | None = None) -> list[str]:
    """Rename old-suffix keys of plain scenario data in place (warning once per name); returns the clashes: a table
    with both the old and the new key, as "path: both OLD and NEW" lines."""
    seen = set() if seen is None else seen
    clashes = []
    if isinstance(data, dict):
        for key in list(data):
            new = new_name(key) if isinstance(key, str) else None
            path = f"{where}.{key}" if where else str(key)
            if new is not None:
                if new in data:
                    clashes.append(f"{path}: both '{key}' and '{new}' are given (keep '{new}')")
                    continue
                data[new] = data.pop(key)
                _warn(key, new, origin, seen)
                key, path = new, f"{where}.{new}" if where else new
            value = data[key]
            renamed = new_name(value) if isinstance(value, str) and NAME.fullmatch(value) else None
            if renamed is not None:                 # a value naming a field (a criterion's covariate)
                data[key] = renamed
                _warn(value, renamed, origin, seen)
            clashes += migrate_keys(data[key], origin, path, seen)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            clashes += migrate_keys(item, origin, f"{where}.{i}", seen)
    return clashes


def migrate_path(path: str, origin: str) -> str:
    """A dotted --set/--vary path with its old-suffix segments renamed (warning once per name)."""
    parts = path.split(".")
    for i, part in enumerate(parts):
        new = new_name(part.strip())
        if new is not None:
            _warn(part.strip(), new, origin)
            parts[i] = new
    return ".".join(parts)
