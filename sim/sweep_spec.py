"""Sweep specifications: parse `--vary PATH=VALUES`, build design points, and validate each point as a scenario.

VALUES is one of
  * a list `6,9,12`: items in TOML syntax like `--set` (numbers, true/false, quoted strings, [arrays]);
    an item that is not TOML is taken as a bare string; `7` is a one-item list; repeated items are errors;
  * a range `start:stop:count`: `count` evenly spaced values including both ends (numpy.linspace), count an
    integer >= 1 (1 gives just start); start == stop with count > 1 is an error (identical points); start > stop
    runs downwards; when start and stop are written as integers and every step is whole, the values are ints;
  * bounds `low..high` (low < high) for the lhs and sobol designs.
In a `[sweep]` table, `vary` maps a path to such VALUES text or to a TOML array of values (`[4, 6]`, a list).
Paths are dotted like `--set`; digit segments are list indexes and are normalised (`arms.00` is `arms.0`).
Pure functions: nothing here runs a simulation.
"""
from __future__ import annotations

import itertools
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from scipy.stats import qmc

from .config import MAX_DESIGN_POINTS
from .scenario import Scenario, ScenarioError, load_scenario
from .overrides import is_index
from .toml_text import toml_value as _toml_value
from .unit_names import migrate_path

DESIGNS = ("grid", "lhs", "sobol")


class SweepError(ScenarioError):
    """A sweep specification is wrong; the message is one line naming the --vary text, path or point."""


@dataclass(frozen=True)
class Vary:
    """One varied path: a list or range of values (grid) or bounds (lhs, sobol)."""

    path: str
    kind: Literal["list", "range", "bounds"]
    values: tuple | None = None
    low: float | None = None
    high: float | None = None


# ---------------------------------------------------------------- parsing
def _toml(text: str) -> Any:
    """A TOML value, or the stripped text itself when it is not TOML (as `--set` does)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    except RecursionError:
        raise SweepError(f"a value nests too deeply: {text[:40]}...") from None


def _number(token: str, what: str, label: str) -> int | float:
    """A finite int or float from `token`, else a SweepError naming `what`."""
    t = token.strip()
    try:
        value = int(t) if t.lstrip("+-").isdigit() else float(t)
    except ValueError:
        raise SweepError(f"{label}: {what} '{t}' is not a number") from None
    if not math.isfinite(value):
        raise SweepError(f"{label}: {what} '{t}' is not a finite number")
    return value


def _path(path: str, label: str) -> str:
    """The normalised dotted path, or a SweepError for an empty path or segment."""
    if not path.strip():
        raise SweepError(f"{label}: empty path (expected PATH=VALUES, e.g. run.patients=50,100)")
    parts = migrate_path(path.strip(), label).split(".")
    if any(not p.strip() for p in parts):
        raise SweepError(f"{label}: empty segment in path '{path.strip()}'")
    return ".".join(str(int(p)) if is_index(p.strip()) else p.strip() for p in parts)


def _split(raw: str) -> list[str]:
    """Split at commas outside quotes, brackets and braces."""
    items, depth, quote, start, i = [], 0, "", 0, 0
    while i < len(raw):
        c = raw[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1                                 # skip the escaped character
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        else:
            depth += (c in "[{") - (c in "]}")
            if c == "," and depth == 0:
                items, start = items + [raw[start:i]], i + 1
        i += 1
    return items + [raw[start:]]


def _list(raw: str, label: str) -> tuple:
    """Items of a comma list, each a TOML value (or a bare string); empty or repeated items are errors."""
    tokens = [t.strip() for t in _split(raw)]
    if any(not t for t in tokens):
        raise SweepError(f"{label}: empty item in the list '{raw}'")
    items = [_toml(t) for t in tokens]
    for i, item in enumerate(items):
        if any(type(x) is type(item) and x == item for x in items[:i]):
            raise SweepError(f"{label}: value {item!r} is given twice")
    return tuple(items)


def _range(raw: str, label: str) -> tuple:
    """Values of `start:stop:count`, both ends included."""
    parts = raw.split(":")
    if len(parts) != 3:
        raise SweepError(f"{label}: a range is start:stop:count, e.g. 0.2:0.9:8 (got '{raw}')")
    start, stop = _number(parts[0], "range start", label), _number(parts[1], "range stop", label)
    count = _toml(parts[2].strip())
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_DESIGN_POINTS:
        raise SweepError(f"{label}: range count '{parts[2].strip()}' must be an integer from 1 to {MAX_DESIGN_POINTS:,}")
    if start == stop and count > 1:
        raise SweepError(f"{label}: empty range: start equals stop, so the {count} values would be identical "
                         "(give a single value instead)")
    if stop < start:
        raise SweepError(f"{label}: a range must increase (start {start} > stop {stop}); give start:stop:count "
                         "with start < stop")
    values = np.linspace(start, stop, count)
    if isinstance(start, int) and isinstance(stop, int) and all(float(v).is_integer() for v in values):
        return tuple(int(round(v)) for v in values)
    return tuple(float(v) for v in values)


def _bounds(raw: str, label: str) -> tuple[float, float]:
    """(low, high) of `low..high` with low < high."""
    parts = raw.split("..")
    if len(parts) != 2:
        raise SweepError(f"{label}: bounds are low..high, e.g. 0.2..0.9 (got '{raw}')")
    low, high = _number(parts[0], "lower bound", label), _number(parts[1], "upper bound", label)
    if not low < high:
        raise SweepError(f"{label}: bounds must have low < high (got {low}..{high})")
    return float(low), float(high)


def _parse(path: str, raw: str, label: str) -> Vary:
    """A Vary from a path and VALUES text; errors start with `label`."""
    path, raw = _path(path, label), raw.strip()
    if not raw:
        raise SweepError(f"{label}: no values (expected a list 6,9,12, a range 0.2:0.9:8 or bounds 0.2..0.9)")
    if '"' in raw or "'" in raw or "[" in raw or "{" in raw:
        return Vary(path, "list", values=_list(raw, label))
    if ".." in raw:
        low, high = _bounds(raw, label)
        return Vary(path, "bounds", low=low, high=high)
    if ":" in raw:
        return Vary(path, "range", values=_range(raw, label))
    return Vary(path, "list", values=_list(raw, label))


def parse_vary(text: str) -> Vary:
    """Parse one `--vary PATH=VALUES` option."""
    label = f"--vary {text}"
    if "=" not in text:
        raise SweepError(f"{label}: expected PATH=VALUES (a list 6,9,12, a range 0.2:0.9:8 or bounds 0.2..0.9)")
    path, raw = text.split("=", 1)
    return _parse(path, raw, label)


def check_distinct(varies: list[Vary], label: str = "--vary {path}") -> list[Vary]:
    """The varies unchanged, or a SweepError when a path is given twice (`label` names it)."""
    seen: set[str] = set()
    for v in varies:
        if v.path in seen:
            raise SweepError(f"{label.format(path=v.path)}: the path is varied twice (give all its values once)")
        seen.add(v.path)
    return varies


def parse_varies(texts: list[str]) -> list[Vary]:
    """Parse every `--vary` option, in order; a path given twice is an error."""
    return check_distinct([parse_vary(t) for t in texts])


def spec_from_file(scenario: Scenario, origin: str = "") -> list[Vary]:
    """The varies of the scenario's `[sweep]` table (none without one); errors name `[sweep] vary.<path>`."""
    if scenario.sweep is None:
        return []
    prefix = f"{origin}: " if origin else ""
    varies = [_parse(path, raw, f"{prefix}[sweep] vary.{path}") for path, raw in scenario.sweep.vary.items()]
    return check_distinct(varies, prefix + "[sweep] vary.{path}")


# ---------------------------------------------------------------- designs
def design_points(varies: list[Vary], design: str, samples: int | None, seed: int,
                  integers: set[str] | frozenset[str] = frozenset()) -> list[dict[str, object]]:
    """The ordered, deterministic points (path -> value) of a design; lhs/sobol values at `integers` paths are rounded."""
    if design not in DESIGNS:
        raise SweepError(f"--design {design}: unknown design (allowed: {', '.join(DESIGNS)})")
    if not varies:
        raise SweepError("sweep: nothing to vary (give at least one --vary PATH=VALUES)")
    check_distinct(varies)
    if samples is not None and samples > MAX_DESIGN_POINTS:
        raise SweepError(f"--samples {samples}: at most {MAX_DESIGN_POINTS:,} points")
    if design == "grid":
        size = math.prod(len(v.values) for v in varies if v.kind != "bounds")
        if size > MAX_DESIGN_POINTS:
            raise SweepError(f"--vary: the grid has {size:,} points (at most {MAX_DESIGN_POINTS:,}); vary fewer "
                             "values, or sample with --design lhs/sobol")
        return _grid(varies, samples)
    return _sampled(varies, design, samples, seed, integers)


def _grid(varies: list[Vary], samples: int | None) -> list[dict[str, object]]:
    """Cartesian product of the values, the first --vary varying slowest."""
    for v in varies:
        if v.kind == "bounds":
            raise SweepError(f"--vary {v.path}={v.low}..{v.high}: bounds are not allowed in a grid "
                             "(use a list or a range, or --design lhs/sobol)")
    if samples is not None:
        raise SweepError(f"--samples {samples}: only for --design lhs or sobol (a grid takes every combination)")
    paths = [v.path for v in varies]
    return [dict(zip(paths, combo)) for combo in itertools.product(*(v.values for v in varies))]


def _sampled(varies: list[Vary], design: str, samples: int | None, seed: int,
             integers: set[str] | frozenset[str]) -> list[dict[str, object]]:
    """Latin hypercube or scrambled Sobol points scaled to the bounds."""
    for v in varies:
        if v.kind != "bounds":
            raise SweepError(f"--vary {v.path}: --design {design} needs bounds low..high, not a {v.kind} "
                             "(or use --design grid)")
    if samples is None or samples < 1:
        raise SweepError(f"--design {design}: needs --samples N with N >= 1 (got {samples})")
    unit = _unit_points(len(varies), design, samples, seed)
    scaled = qmc.scale(unit, [v.low for v in varies], [v.high for v in varies])
    return [{v.path: round(float(x)) if v.path in integers else float(x) for v, x in zip(varies, row)} for row in scaled]


def _unit_points(d: int, design: str, n: int, seed: int) -> np.ndarray:
    """n points in [0, 1)^d; Sobol draws the next power of two (random_base2) and keeps the first n."""
    if design == "lhs":
        return qmc.LatinHypercube(d, rng=seed).random(n)
    m = max(0, math.ceil(math.log2(n)))
    return qmc.Sobol(d, scramble=True, rng=seed).random_base2(m)[:n]


def _at(data: Any, path: str) -> Any:
    """The value at a dotted path in plain data, or None when the path does not exist."""
    node = data
    for part in path.split("."):
        if isinstance(node, list) and is_index(part) and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def integer_paths(base: Scenario | dict, varies: list[Vary]) -> set[str]:
    """Varied paths whose current value in the resolved base scenario is an int (missing paths are left to validation)."""
    data = base.model_dump() if isinstance(base, Scenario) else base
    return {v.path for v in varies if isinstance(_at(data, v.path), int) and not isinstance(_at(data, v.path), bool)}


# ---------------------------------------------------------------- overrides and validation
def toml_value(value: Any) -> str:
    """`value` in TOML syntax (sim/toml_text.py); a value with no TOML form is a SweepError."""
    try:
        return _toml_value(value)
    except ValueError as exc:
        raise SweepError(str(exc)) from None


def point_overrides(point: dict[str, object]) -> list[str]:
    """The point as `--set` override strings, `path=value` in TOML syntax."""
    return [f"{path}={toml_value(value)}" for path, value in point.items()]


def validate_points(scenario_path: str | Path, base_overrides: list[str] | tuple[str, ...],
                    points: list[dict[str, object]]) -> list[Scenario]:
    """Load every point as a scenario; the first that fails raises a one-line SweepError naming the point and field.

    A boolean or a string given for a field whose base value is a number is refused first with the sweep's own
    message (the scenario's strict validation would refuse it too, less plainly).
    """
    if not points:
        raise SweepError(f"{scenario_path}: the sweep design has no points")
    base = load_scenario(scenario_path, base_overrides).model_dump()   # base errors are reported as they are
    scenarios = []
    for i, point in enumerate(points):
        overrides = [*base_overrides, *point_overrides(point)]
        where = f"{scenario_path}: sweep point {i} ({' '.join(point_overrides(point))})"
        _check_numbers(point, base, where)             # true/false or text for a number in the base
        try:
            scn = load_scenario(scenario_path, overrides)
        except ScenarioError as exc:
            detail = str(exc)
            for prefix in (f"{scenario_path} (with --set {' '.join(overrides)}): ", f"{scenario_path}: "):
                detail = detail.removeprefix(prefix)
            raise SweepError(f"{where}: {detail}") from None
        scenarios.append(scn)
    return scenarios


def _check_numbers(point: dict[str, object], data: dict, where: str, kinds: tuple = (bool, str)) -> None:
    for path, value in point.items():
        bad = _not_a_number(value, _at(data, path), kinds)
        if bad is not None:
            raise SweepError(f"{where}: {path}: {toml_value(bad)} is not a number (the field is numeric; "
                             "give numbers, not true/false or quoted text)")


def _not_a_number(given: Any, resolved: Any, kinds: tuple = (bool, str)) -> Any:
    """The value of type `kinds` (booleans, strings) in `given` where `resolved` holds a number (None if none)."""
    given = given.item() if isinstance(given, np.generic) else given
    if isinstance(given, kinds):
        number = isinstance(resolved, (int, float)) and not isinstance(resolved, bool)
        return given if number else None
    if isinstance(given, (list, tuple)) and isinstance(resolved, (list, tuple)) and resolved:
        for k, g in enumerate(given):                  # items past the end are compared with the last one
            bad = _not_a_number(g, resolved[min(k, len(resolved) - 1)], kinds)
            if bad is not None:
                return bad
    if isinstance(given, dict) and isinstance(resolved, dict):
        for k, g in given.items():
            bad = _not_a_number(g, resolved.get(k), kinds)
            if bad is not None:
                return bad
    return None
