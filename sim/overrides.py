"""`--set` overrides: `dotted.path=value` parsed (the value in TOML syntax) and applied to plain scenario data, list
items addressed by index or by name."""
from __future__ import annotations

import tomllib
from typing import Any

from .config import ScenarioError
from .unit_names import migrate_path


def short(text: str, limit: int = 60) -> str:
    """Text for an error line, cut to `limit` characters."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def parse_override(text: str) -> tuple[list[str | int], Any]:
    """Parse `dotted.path=value`; value in TOML syntax, else taken as a string."""
    if "=" not in text:
        raise ScenarioError(f"--set {text}: expected dotted.path=value")
    path, raw = text.split("=", 1)
    path = migrate_path(path, f"--set {short(text)}")
    parts: list[str | int] = []
    for p in path.strip().split("."):
        if not p:
            raise ScenarioError(f"--set {text}: empty segment in path '{path}'")
        parts.append(int(p) if is_index(p) else p)
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    except RecursionError:
        raise ScenarioError(f"--set {path}=...: the value nests too deeply") from None
    return parts, value


def is_index(part: str) -> bool:
    """A path segment that is a list index: ASCII digits only ('²' and other Unicode digits are names)."""
    return part.isascii() and part.isdigit()


def apply_override(data: dict, parts: list[str | int], value: Any, text: str) -> None:
    """Set data[parts] = value; missing intermediate tables are created, bad list indexes are errors; a list item
    (an arm) is addressed by its index or by its name."""
    node: Any = data
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(str(x) for x in parts[: i + 1])
        if isinstance(node, list):
            if isinstance(p, str):              # a named table of the list: arms.mitoxantrone.regimen...
                names = [x.get("name") if isinstance(x, dict) else None for x in node]
                if p not in names:
                    have = ", ".join(str(x) for x in names if x is not None) or "none named"
                    raise ScenarioError(f"--set {text}: {where}: no item named '{p}' (have {have})")
                p = names.index(p)
            if not isinstance(p, int) or not 0 <= p < len(node):
                raise ScenarioError(f"--set {text}: {where}: no such list item (have {len(node)})")
            if last:
                node[p] = value
            else:
                node = node[p]
            continue
        if not isinstance(node, dict):
            raise ScenarioError(f"--set {text}: {where}: parent is a value, not a table")
        if isinstance(p, int):
            raise ScenarioError(f"--set {text}: {where}: not a list")
        if last:
            node[p] = value
        else:
            node = node.setdefault(p, {})
