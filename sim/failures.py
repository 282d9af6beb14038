"""How the program ends when something fails: exit codes, one line for an operating-system error, SIGTERM as Ctrl-C."""
from __future__ import annotations

import errno
import sys
import warnings

EXIT_INPUT = 2          # the input is wrong: scenario, option, or a path that cannot be used as given
EXIT_MACHINE = 3        # the machine failed: disk full, I/O error, out of memory (the same command may work later)
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM: the run's temporary folder is removed, nothing half-written stays

_HINTS = {
    errno.EACCES: "no permission: choose another --out", errno.EPERM: "no permission: choose another --out",
    errno.EROFS: "read-only file system: choose another --out",
    errno.ENOSPC: "the disk is full: free space or choose another --out",
    errno.EDQUOT: "the disk quota is used up: free space or choose another --out",
    errno.ENAMETOOLONG: "the name is too long for the file system: shorten --out, --name or run.name",
    errno.ENOTDIR: "a file is in the way where a folder is needed: choose another --out",
    errno.EEXIST: "a file is in the way where a folder is needed: choose another --out",
    errno.EISDIR: "a folder is in the way where a file is needed",
    errno.ENOENT: "no such file or folder", errno.ELOOP: "too many symbolic links (or a link where none may be)",
    errno.EMFILE: "too many open files", errno.EIO: "input/output error of the disk",
}
_MACHINE = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EMFILE}


def os_error_line(exc: OSError) -> tuple[str, int]:
    """One line for an operating-system error (the path, what happened, what to do) and its exit code."""
    path = exc.filename if exc.filename is not None else ""
    what = _HINTS.get(exc.errno, exc.strerror or type(exc).__name__)
    if exc.errno in _HINTS and exc.strerror and exc.errno not in (errno.ENOENT,):
        what = f"{exc.strerror.lower()} ({what})" if exc.strerror.lower() not in what else what
    line = f"error: {path}: {what}" if path else f"error: {what}"
    return line, EXIT_MACHINE if exc.errno in _MACHINE else EXIT_INPUT


def stop_on_sigterm() -> None:
    """SIGTERM ends the program as Ctrl-C does: context managers run, so temporary folders are removed."""
    import signal

    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def warnings_as_lines() -> None:
    """Python warnings (a renamed key's FutureWarning) as one `warning: ...` line each on stderr."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"warning: {message}", file=sys.stderr)

    warnings.showwarning = show
