"""Writing a run folder atomically: temporary folder, then rename; never over an existing run without force."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
from pathlib import Path

import numpy as np

from .folder_claim import Claim, OutputExists, clear_leftovers, remove_tree, swap_in  # noqa: F401 (OutputExists: API)


def run_dir(out_root: str | Path, scn, overrides=(), kind: str = "") -> Path:
    """The run folder: <name>-seed<seed>[-<tag>][-<kind>]. With overrides, the tag is 8 hex digits of the resolved
    scenario's hash, so that runs of one file with different overrides never share a folder (and the same overrides
    find their earlier run)."""
    parts = [f"{scn.run.name}-seed{scn.run.seed}"]
    if overrides:
        parts.append(scenario_tag(scn))
    if kind:
        parts.append(kind)
    return Path(out_root) / "-".join(parts)


def scenario_tag(scn) -> str:
    """8 hex digits of the SHA-256 of the resolved scenario (its JSON with every default filled)."""
    return hashlib.sha256(scn.model_dump_json().encode()).hexdigest()[:8]


def check_target(target: Path, force: bool) -> None:
    """OutputExists when something is at `target` (a folder, a file or a symlink, dangling or not) and not force."""
    if os.path.lexists(target) and not force:
        raise OutputExists(f"{target}: already exists; use --force to replace it")
    if force and os.path.lexists(target) and not os.path.islink(target) and not os.path.isdir(target):
        raise OutputExists(f"{target}: is a file, not a run folder; --force replaces only folders (remove it yourself)")


def fmt(x) -> str:
    """A table cell: integers as is, floats in full (the shortest text that reads back as the same float), NaN/None
    empty."""
    if x is None:
        return ""
    if isinstance(x, (bool, np.bool_)):
        return str(int(x))
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if math.isnan(x):
            return ""
        return float.__repr__(x)          # numpy floats too: the digits, not 'np.float64(...)'
    return str(x)


def csv_text(header: list[str], rows) -> str:
    """A CSV table (header and rows) as text."""
    return csv_rows([header]) + csv_rows(rows)


def csv_rows(rows) -> str:
    """CSV lines of `rows` (cells formatted by `fmt`), no header."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    # the two commonest cell types inline (the same text as fmt gives them), the rest through fmt
    w.writerows([v if v.__class__ is str else ((repr(v) if v == v else "") if v.__class__ is float else fmt(v))
                 for v in r] for r in rows)
    return buf.getvalue()


def write_run(target: Path, files: dict[str, str], force: bool = False) -> Path:
    """Write `files` (name -> text) into a fresh folder at `target`, atomically (a RunFolder written at once)."""
    with RunFolder(target, force) as folder:
        for name, text in files.items():
            folder.append(name, text)
        return folder.commit()


def json_text(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, allow_nan=False) + "\n"


class RunFolder:
    """A run folder written in pieces: files grow in a temporary folder, which is renamed into place on `commit`.

    Used as a context manager: leaving it without `commit` (an error, Ctrl-C, SIGTERM) removes the temporary folder,
    so a run folder is either complete or absent. The folder is claimed for the whole time (a second process writing
    the same folder gets FolderBusy), leftovers of killed runs beside it are cleared first (sim/folder_claim.py), and
    a replaced run stays in place until the new one is complete.
    """

    def __init__(self, target: Path, force: bool = False):
        self.target, self.force = Path(target), force
        check_target(self.target, force)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.claim = Claim(self.target)
        try:
            clear_leftovers(self.target.parent, self.claim)
            check_target(self.target, force)          # again: another run may have finished it meanwhile
            self.tmp = self.target.parent / f".{self.target.name}.tmp-{os.getpid()}"
            self.tmp.mkdir()
        except BaseException:
            self.claim.release()
            raise
        self._files: dict[str, object] = {}
        self._done = False

    def append(self, name: str, text: str) -> None:
        """Add text at the end of file `name` (created on first use; never through a symlink)."""
        fh = self._files.get(name)
        if fh is None:
            fd = os.open(self.tmp / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            fh = self._files[name] = os.fdopen(fd, "w", encoding="utf-8", newline="")
        fh.write(text)

    def close_files(self) -> None:
        """Finish the files written so far (they can then be read back, e.g. to draw figures)."""
        files, self._files = self._files, {}
        for fh in files.values():
            fh.close()

    def commit(self) -> Path:
        """Close the files and move the folder into place (replacing an existing run only with force)."""
        self.close_files()
        check_target(self.target, self.force)
        swap_in(self.tmp, self.target)
        self._done = True
        self.claim.release()
        return self.target

    def __enter__(self) -> "RunFolder":
        return self

    def __exit__(self, *exc) -> None:
        if not self._done:
            for fh in self._files.values():
                try:
                    fh.close()
                except OSError:                 # a full disk fails the last flush: the folder goes anyway
                    pass
            remove_tree(self.tmp)
            self.claim.release()


def schema_columns(names: tuple[str, ...], types: tuple[type, ...],
                   rows: list[tuple]) -> dict[str, np.ma.MaskedArray]:
    """Rows as columns of one type each (str, int or float), None (and NaN) masked: the same schema in every chunk,
    even one without rows, for a columnar writer (pyarrow makes masked cells null)."""
    cols = list(zip(*rows)) or [()] * len(names)
    out = {}
    for name, t, values in zip(names, types, cols):
        mask = np.array([v is None or (t is float and v != v) for v in values], dtype=bool)
        dtype = str if t is str else np.int64 if t is int else np.float64
        fill = "" if t is str else 0
        out[name] = np.ma.masked_array(np.array([fill if m else v for v, m in zip(values, mask)], dtype=dtype),
                                       mask=mask)
    return out


class ParquetSink:
    """Tables written chunk by chunk as Parquet files (one row group per chunk); needs pyarrow."""

    def __init__(self, folder: Path):
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise RuntimeError("--parquet needs pyarrow: pip install 'nmosim[parquet]'") from None
        self.pa, self.pq, self.folder = pa, pq, Path(folder)
        self.writers: dict[str, tuple] = {}

    def write(self, name: str, columns: dict[str, list]) -> None:
        """Append a chunk's columns to `name`.parquet (the first chunk fixes the schema)."""
        table = self.pa.table(columns)
        if name not in self.writers:
            schema = table.schema
            self.writers[name] = (self.pq.ParquetWriter(self.folder / f"{name}.parquet", schema), schema)
        writer, schema = self.writers[name]
        writer.write_table(table.cast(schema))

    def close(self) -> None:
        for writer, _ in self.writers.values():
            writer.close()
