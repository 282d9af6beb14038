"""Claiming an output folder: one writer at a time, leftovers of killed runs cleared, an old folder replaced only once
the new one is complete.

A run (or sweep) writing `<parent>/<name>` holds an exclusive lock on `<parent>/.<name>.lock` (flock: the system
releases it when the process dies, however it dies; the file is removed when the claim ends normally, and a file
left by a killed process is simply locked again). Its temporary folder is `<parent>/.<name>.tmp-<pid>`; a `--force`
replace moves the old folder aside as `<parent>/.<name>.old-<pid>` for the moment of the swap. Such a folder whose
name's lock is free belongs to a process that is gone: the next run into the parent removes it (a half-written new
folder) or puts it back (an old folder whose place is empty).
"""
from __future__ import annotations

import fcntl
import os
import re
import shutil
from pathlib import Path

LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)$")


class OutputExists(Exception):
    """The output folder cannot be written as asked: it exists (and --force was not given), or it is in use."""


class FolderBusy(OutputExists):
    """Another process holds the folder's lock."""


class Claim:
    """An exclusive claim on `target`, held until `release` (or the process's end)."""

    def __init__(self, target: Path):
        self.target = Path(target)
        self.lock_path = self.target.parent / f".{self.target.name}.lock"
        while True:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise FolderBusy(f"{self.target}: another nmosim process is writing this folder now; wait for it to "
                                 "finish, or write elsewhere (--out, --name)") from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.lock_path, follow_symlinks=False))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)            # the holder removed the file as we opened it: lock the file that is there now
        self._fd: int | None = fd

    def release(self) -> None:
        """Drop the claim; the lock file goes too (removed while still locked, so no one can lock a stale copy)."""
        if self._fd is not None:
            try:
                os.unlink(self.lock_path)
            except OSError:
                pass
            os.close(self._fd)          # closing the descriptor drops the lock
            self._fd = None

    def __enter__(self) -> "Claim":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def remove_tree(path: Path) -> None:
    """Remove a folder we made (a symlink in its place: the link only, never what it points to)."""
    if os.path.islink(path):
        os.unlink(path)
    else:
        shutil.rmtree(path, ignore_errors=True)


def clear_leftovers(parent: Path, own: Claim | None = None) -> list[str]:
    """Remove the temporary folders that killed runs left in `parent`, or put back an old folder an interrupted
    replace had moved aside (when its place is empty). A leftover counts only when its name's lock is free (or is
    `own`). Returns the names handled."""
    handled = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return handled
    for entry in entries:
        m = LEFTOVER.match(entry.name)
        if not m or not entry.is_dir(follow_symlinks=False):
            continue
        target = Path(parent) / m["name"]
        claim = None
        if own is None or target != own.target:
            try:
                claim = Claim(target)
            except (FolderBusy, OSError):
                continue                                # a live process owns it (or it cannot be checked)
        try:
            if m["kind"] == "old" and not os.path.lexists(target):
                os.rename(entry.path, target)
            else:
                remove_tree(Path(entry.path))
            handled.append(entry.name)
        finally:
            if claim is not None:
                claim.release()
    return handled


def swap_in(tmp: Path, target: Path) -> None:
    """Move the complete folder `tmp` to `target`; an existing target (folder, or a symlink, dangling or not) is
    moved aside first and removed only after the swap, and put back if the swap fails."""
    if not os.path.lexists(target):
        os.rename(tmp, target)
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)
        raise
    remove_tree(old)


def replace_file(path: Path, data: str | bytes | None = None, write=None) -> Path:
    """Write a new file beside `path` and rename it over `path`: a reader never sees half a file, and a symlink at
    `path` is replaced, never written through. `data` (text is UTF-8), or write(file object) for binary content."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if os.path.lexists(tmp):
        os.unlink(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            if write is not None:
                write(fh)
            else:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    return path
