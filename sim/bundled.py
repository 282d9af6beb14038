"""The scenarios shipped with nmosim: where they are, their one-line descriptions, and resolving a name to a file."""
from __future__ import annotations

import sys
import tomllib
from pathlib import Path


def bundled_dirs() -> list[Path]:
    """Folders holding bundled scenarios: the source tree's scenarios/ and the installed share/nmosim/scenarios/."""
    return [d for d in (Path(__file__).resolve().parents[1] / "scenarios",
                        Path(sys.prefix) / "share" / "nmosim" / "scenarios") if d.is_dir()]


def describe(path: Path) -> str:
    """A scenario's one-line description: its `title`, else its first comment line."""
    try:
        with path.open("rb") as fh:
            title = tomllib.load(fh).get("title")
    except (OSError, tomllib.TOMLDecodeError):
        title = None
    if isinstance(title, str) and title:
        return title
    with path.open(encoding="utf-8") as fh:
        first = fh.readline()
    return first.lstrip("#").strip() if first.startswith("#") else ""


def bundled() -> dict[str, Path]:
    """Name (file stem) -> path of each bundled scenario, in name order; the first folder wins on duplicates."""
    found: dict[str, Path] = {}
    for d in bundled_dirs():
        for p in sorted(d.glob("*.toml")):
            found.setdefault(p.stem, p)
    return dict(sorted(found.items()))


def resolve(arg: str | Path) -> Path:
    """A scenario argument as a file: an existing path, else a bundled scenario's name (with or without .toml)."""
    p = Path(arg)
    if p.exists():
        return p
    name = p.name.removesuffix(".toml")
    if p.parent == Path(".") and name in bundled():
        return bundled()[name]
    return p
