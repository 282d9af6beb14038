"""`extends`: a scenario file may start from other TOML files (shared disease or cohort tables) and change what it needs.

`extends = "common/nmosd-disease.toml"` (or a list, applied in order) names files relative to the extending file; a
name not found there is looked up in the bundled scenario folders, so a copy of a bundled scenario edited elsewhere
still finds the shared tables it extends. The
bases are read first, then the file's own tables are merged on top: tables merge key by key; an array of named
tables ([[arms]] with `name`) lists the arms the scenario has, each merged over the base's arm of that name (a new
name is a new arm, an arm not listed is dropped); every other value (numbers, strings, arrays, unnamed arrays of
tables) replaces the base's. A base may extend further files, and a bundled scenario is named as is:
`extends = "mitonmo"`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable


def merge(base: dict, top: dict) -> dict:
    """`top` merged over `base`: tables recursively; arrays of named tables ([[arms]]) by name; everything else
    replaced (new dicts; inputs unchanged)."""
    out = dict(base)
    for k, v in top.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        elif _named_tables(v) and _named_tables(out.get(k)):
            by_name = {t["name"]: t for t in out[k]}
            out[k] = [merge(by_name[t["name"]], t) if t["name"] in by_name else t for t in v]
        else:
            out[k] = v
    return out


def _named_tables(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(t, dict) and isinstance(t.get("name"), str) for t in v)


def resolve_extends(data: dict, path: Path, read: Callable[[Path], dict], error: Callable[[str], Exception],
                    search: tuple[Path, ...] = (), _seen: tuple[Path, ...] = ()) -> dict:
    """The scenario data of `path` with its `extends` bases merged in (the key itself removed)."""
    ext: Any = data.get("extends")
    if ext is None:
        return data
    names = [ext] if isinstance(ext, str) else ext
    if not isinstance(names, list) or not names or not all(isinstance(x, str) and x for x in names):
        raise error(f"{path}: extends: expected a file name or a list of file names (got {ext!r})")
    here = path.resolve()
    seen = _seen + (here,)
    merged: dict = {}
    for name in names:
        bases = [name] if name.endswith(".toml") else [name, f"{name}.toml"]       # "mitonmo": the bundled file
        candidates = [d / b for d in (path.parent, *search) for b in bases]
        base_path = next((c for c in candidates if c.is_file()), candidates[0])
        if base_path.resolve() in seen:
            raise error(f"{path}: extends: '{name}' extends itself (a cycle)")
        if not base_path.is_file():
            looked = ", ".join(str(c) for c in candidates)
            raise error(f"{path}: extends: '{name}' not found (looked for {looked})")
        base = resolve_extends(read(base_path), base_path, read, error, search, seen)
        merged = merge(merged, base)
    own = {k: v for k, v in data.items() if k != "extends"}
    return merge(merged, own)
