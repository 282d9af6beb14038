"""Writing a run folder atomically: temporary folder, then rename; never over an existing run without force."""
from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
from pathlib import Path


class OutputExists(Exception):
    """The run folder exists and --force was not given."""


def run_dir(out_root: str | Path, name: str, seed: int) -> Path:
    return Path(out_root) / f"{name}-seed{seed}"


def check_target(target: Path, force: bool) -> None:
    if target.exists() and not force:
        raise OutputExists(f"{target}: already exists; use --force to replace it")


def fmt(x) -> str:
    """A table cell: integers as is, floats to 6 significant digits, NaN/None empty."""
    if x is None:
        return ""
    if isinstance(x, bool):
        return str(int(x))
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if math.isnan(x):
            return ""
        return f"{x:.6g}"
    return str(x)


def csv_text(header: list[str], rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([fmt(v) for v in r])
    return buf.getvalue()


def write_run(target: Path, files: dict[str, str], force: bool = False) -> Path:
    """Write `files` (name -> text) into a fresh folder at `target`, atomically."""
    check_target(target, force)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def json_text(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, allow_nan=False) + "\n"
