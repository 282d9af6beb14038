"""The scenario language's reference, generated from the pydantic models: every table and key with its type, default,
allowed values and the note written beside it in the model's source (docs/scenario-reference.md; `nmosim schema`
prints the JSON Schema for editors).
"""
from __future__ import annotations

import inspect
import re
import types
import typing
from typing import Any

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

_COMMENT = re.compile(r"^\s+(\w+)\s*:[^#]*#\s*(.*)$")


def field_notes(model: type[BaseModel]) -> dict[str, str]:
    """The comment written after each field in the model's source (assumptions, sources, units)."""
    try:
        source = inspect.getsource(model)
    except (OSError, TypeError):
        return {}
    notes = {}
    for line in source.splitlines():
        m = _COMMENT.match(line)
        if m and m.group(1) in model.model_fields:
            notes[m.group(1)] = m.group(2).strip()
    return notes


def _strip(annotation: Any) -> Any:
    """The annotation without Annotated metadata."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def type_text(annotation: Any) -> str:
    """A short readable type: float, int, list[float], Dist, one of 'a', 'b', ... ."""
    a = _strip(annotation)
    origin = typing.get_origin(a)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(x) for x in typing.get_args(a))
    if origin in (typing.Union, types.UnionType):
        parts = [type_text(x) for x in typing.get_args(a) if x is not type(None)]
        optional = type(None) in typing.get_args(a)
        return " or ".join(parts) + (" (optional)" if optional else "")
    if origin in (list, tuple, dict):
        return f"{origin.__name__}[{', '.join(type_text(x) for x in typing.get_args(a))}]"
    return getattr(a, "__name__", str(a))


def constraints(annotation: Any, field) -> str:
    """The bounds of a field: > 0, >= 1, <= 1, length >= 1."""
    metadata = list(field.metadata)
    if typing.get_origin(annotation) is typing.Annotated:
        metadata += list(typing.get_args(annotation)[1:])
    out = []
    for m in metadata:
        for cls, sign in ((Gt, ">"), (Ge, ">="), (Lt, "<"), (Le, "<=")):
            if isinstance(m, cls):
                out.append(f"{sign} {getattr(m, cls.__name__.lower())}")
        if isinstance(m, MinLen):
            out.append(f"length >= {m.min_length}")
        if isinstance(m, MaxLen):
            out.append(f"length <= {m.max_length}")
        for key in ("gt", "ge", "lt", "le"):
            value = getattr(m, key, None)
            if value is not None and not isinstance(m, (Gt, Ge, Lt, Le)):
                out.append(f"{dict(gt='>', ge='>=', lt='<', le='<=')[key]} {value}")
    return ", ".join(dict.fromkeys(out))


def _default(field) -> str:
    if field.is_required():
        return "required"
    value = field.default if field.default is not PydanticUndefined else field.default_factory()
    if isinstance(value, BaseModel):
        return "(table of defaults)"
    return f"`{value!r}`" if value not in ([], {}, None) else f"`{value!r}`"


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation holds (a model, a list of models, a union of them)."""
    a = _strip(annotation)
    if isinstance(a, type) and issubclass(a, BaseModel):
        return [a]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(a):
        out += models_in(arg)
    return list(dict.fromkeys(out))


def sections(model: type[BaseModel], path: str = "", _seen: set | None = None) -> list[tuple[str, type[BaseModel]]]:
    """(dotted path, model) of every table, depth first; a union of models (the regimens) lists each; a model met
    before is listed where it recurs but not opened again."""
    seen = set() if _seen is None else _seen
    out = [(path or "(top level)", model)]
    if model in seen:
        return out
    seen.add(model)
    for name, field in model.model_fields.items():
        sub = models_in(field.annotation)
        listy = typing.get_origin(_strip(field.annotation)) is list
        for m in sub:
            key = f"{path}.{name}" if path else name
            if listy:
                key += "[]"
            if len(sub) > 1:
                key += f" ({_tag(m)})"
            if m is not model:
                out += sections(m, key, seen)
    return out


def _tag(model: type[BaseModel]) -> str:
    """drug = 'x' for a regimen (its Literal tag), else the model's name."""
    tag = model.model_fields.get("drug")
    if tag is not None and typing.get_origin(_strip(tag.annotation)) is typing.Literal:
        return f"drug = {typing.get_args(_strip(tag.annotation))[0]!r}"
    return model.__name__


def reference_markdown(root: type[BaseModel]) -> str:
    """docs/scenario-reference.md: one table of keys per scenario table."""
    lines = ["# Scenario reference", "",
             "Generated from the scenario models (`python -m sim.scenario_reference > docs/scenario-reference.md`); "
             "`nmosim schema` prints the same as JSON Schema for editors. Every table forbids unknown keys. Units are "
             "in the key names (`_days`, `_mg_per_m2`, `_per_nl` = per nanolitre, i.e. x 10^9/L; the old `_10e9_per_l` names still load, with a warning, `_per_year`, `_percent`). "
             "A `[]` marks an array of tables (`[[arms]]`); `extends = \"file.toml\"` or a bundled name merges a base "
             "scenario first (tables key by key, `[[arms]]` by name).", ""]
    first: dict[type[BaseModel], str] = {}
    for path, model in sections(root):
        lines += [f"## `{path}`", ""]
        if model in first:
            lines += [f"The same table as `{first[model]}` above.", ""]
            continue
        first[model] = path
        own = model.__dict__.get("__doc__")          # the model's own docstring, not its base class's
        if own:
            lines += [inspect.cleandoc(own).splitlines()[0], ""]
        notes = field_notes(model)
        lines += ["| key | type | default | allowed | note |", "|---|---|---|---|---|"]
        for name, field in model.model_fields.items():
            cells = [f"`{name}`", type_text(field.annotation), _default(field), constraints(field.annotation, field),
                     notes.get(name, "")]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def json_schema(root: type[BaseModel]) -> dict:
    """The scenario's JSON Schema (for editor completion of TOML through a schema-aware plugin)."""
    return root.model_json_schema()


if __name__ == "__main__":
    from .scenario import Scenario

    print(reference_markdown(Scenario))
