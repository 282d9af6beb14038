"""Faults end in one line and lose nothing: operating-system errors, signals, kills, concurrent writers and leftovers.

Each case once ended in a traceback, a half-written folder or a lost run (the fault audit of issue 16). A disk that is
full or read-only is a real small tmpfs where the tests run as root and may mount one; elsewhere the same OSError is
injected into the writing code in-process.
"""
from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.folder_claim import Claim

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--set", "run.patients=4", "--set", "run.follow_up_days=60"]
TARGET = "mitonmo-seed20140101-"          # run folders of mitonmo with --set start so


def nmosim(*args, cwd: Path, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, **kw)


def one_line(r: subprocess.CompletedProcess, code: int, *needles: str) -> str:
    """The run failed with `code` and exactly one stderr line holding every needle, no traceback."""
    assert r.returncode == code, (r.returncode, r.stderr[-3000:])
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr[-3000:]
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) if folder.exists() else []


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "600k", read_only: bool = False):
    """A small tmpfs at `path` (None when this process may not mount one)."""
    path.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                                           capture_output=True).returncode != 0:
        yield None
        return
    try:
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True, capture_output=True)
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def in_process(monkeypatch, capsys, args: list[str]) -> tuple[int, str]:
    """nmosim's entry point in this process: (exit code, stderr)."""
    from sim import cli

    monkeypatch.setattr(sys, "argv", ["nmosim", *args])
    with pytest.raises(SystemExit) as ex:
        cli.main()
    return ex.value.code, capsys.readouterr().err


# ---------------------------------------------------------------- paths that cannot be used
def test_cli_faults_out_is_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    one_line(nmosim("run", "mitonmo", *TINY, "--out", "afile", "--quiet", cwd=tmp_path), 2, "afile", "file")
    one_line(nmosim("run", "mitonmo", *TINY, "--out", "afile/below", "--quiet", cwd=tmp_path), 2, "afile/below")
    assert (tmp_path / "afile").read_text() == "x"


def test_cli_faults_name_too_long_and_dangling_symlink(tmp_path):
    one_line(nmosim("run", "mitonmo", *TINY, "--name", "n" * 300, "--quiet", cwd=tmp_path), 2, "--name")
    out = tmp_path / "outputs"
    out.mkdir()
    (out / "linked").symlink_to(tmp_path / "nowhere")
    one_line(nmosim("run", "mitonmo", *TINY, "--name", "linked", "--quiet", cwd=tmp_path), 2, "already exists")
    r = nmosim("run", "mitonmo", *TINY, "--name", "linked", "--quiet", "--force", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (out / "linked").is_dir() and not (out / "linked").is_symlink() and not (tmp_path / "nowhere").exists()


def test_cli_faults_read_only_folder(tmp_path, monkeypatch, capsys):
    with tmpfs(tmp_path / "ro", read_only=True) as ro:
        if ro is not None:
            line = one_line(nmosim("run", "mitonmo", *TINY, "--out", ro, "--quiet", cwd=tmp_path), 2, str(ro))
            assert "read-only" in line
            return
    import sim.folder_claim as fc                      # no mount here: the same error, injected where files are made
    real = os.open

    def refuse(path, *a, **k):
        if str(path).startswith(str(tmp_path / "out")):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real(path, *a, **k)
    monkeypatch.setattr(fc.os, "open", refuse)
    code, err = in_process(monkeypatch, capsys, ["run", "mitonmo", *TINY, "--out", str(tmp_path / "out"), "--quiet"])
    assert code == 2 and err.count("\n") == 1 and "read-only" in err and "Traceback" not in err


def test_cli_faults_disk_full_removes_the_temporary_folder_and_the_next_run_works(tmp_path, monkeypatch, capsys):
    with tmpfs(tmp_path / "small", size="300k") as small:
        if small is not None:
            r = nmosim("run", "mitonmo", "--set", "run.patients=400", "--out", small, "--quiet", cwd=tmp_path)
            line = one_line(r, 3, "disk is full")
            assert list(small.iterdir()) == [], line        # nothing half-written, not even hidden
            r = nmosim("run", "mitonmo", *TINY, "--out", small, "--quiet", cwd=tmp_path)
            assert r.returncode in (0, 3), r.stderr          # the small run fits or not: one clean ending either way
            assert r.returncode == 0 or list(small.iterdir()) == []
            return
    from sim import outputs
    real = outputs.RunFolder.append
    calls = {"n": 0}

    def full(self, name, text):
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.tmp / name))
        return real(self, name, text)
    monkeypatch.setattr(outputs.RunFolder, "append", full)
    out = tmp_path / "out"
    code, err = in_process(monkeypatch, capsys, ["run", "mitonmo", *TINY, "--out", str(out), "--quiet"])
    assert code == 3 and "disk is full" in err and err.count("\n") == 1
    assert list(out.iterdir()) == []
    monkeypatch.setattr(outputs.RunFolder, "append", real)
    code, err = in_process(monkeypatch, capsys, ["run", "mitonmo", *TINY, "--out", str(out), "--quiet"])
    assert code == 0, err


# ---------------------------------------------------------------- concurrent writers, leftovers, replace
def test_cli_faults_a_folder_being_written_is_refused(tmp_path):
    out = tmp_path / "outputs"
    out.mkdir()
    with Claim(out / "busy"):
        one_line(nmosim("run", "mitonmo", *TINY, "--name", "busy", "--quiet", cwd=tmp_path), 2, "another nmosim")
        one_line(nmosim("sweep", "mitonmo", *TINY, "--vary", "run.seed=1,2", "--out", out / "busy", "--quiet",
                        cwd=tmp_path), 2, "another nmosim")
    assert not (out / "busy").exists()
    assert nmosim("run", "mitonmo", *TINY, "--name", "busy", "--quiet", cwd=tmp_path).returncode == 0
    assert hidden(out) == []                           # the lock file goes with the claim


def test_cli_faults_two_identical_sweeps_at_once_one_wins(tmp_path):
    args = ["sweep", "mitonmo", *TINY, "--vary", "run.seed=1,2,3,4", "--out", tmp_path / "sw", "--quiet"]
    procs = [subprocess.Popen([sys.executable, "-m", "sim", *map(str, args)], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(c for c, _ in results)
    assert codes in ([0, 0], [0, 2]), results        # the second either found the sweep finished or was refused
    rows = (tmp_path / "sw" / "sweep.csv").read_text().splitlines()
    assert len(rows) == 1 + 4                          # every point once
    assert all("another nmosim" in e for c, e in results if c == 2)


def test_cli_faults_leftovers_of_killed_runs_are_cleared_or_put_back(tmp_path):
    out = tmp_path / "outputs"
    out.mkdir()
    (out / ".gone-seed1.tmp-999999").mkdir()                     # a killed run's half-written folder
    (out / ".gone-seed1.tmp-999999" / "patients.csv").write_text("half")
    (out / ".kept-seed1.old-999999").mkdir()                     # a replace killed between its two renames
    (out / ".kept-seed1.old-999999" / "summary.json").write_text("{}")
    (out / ".live-seed1.tmp-1").mkdir()                          # a run still writing (its lock held)
    (out / ".mine").mkdir()                                       # not nmosim's: never touched
    with Claim(out / "live-seed1"):
        assert nmosim("run", "mitonmo", *TINY, "--quiet", cwd=tmp_path).returncode == 0
        left = hidden(out)
    assert left == [".live-seed1.lock", ".live-seed1.tmp-1", ".mine"]
    assert (out / "kept-seed1" / "summary.json").read_text() == "{}"


def test_cli_faults_force_keeps_the_old_run_when_the_swap_fails(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    base = ["run", "mitonmo", *TINY, "--out", str(out), "--quiet", "--name", "r"]
    code, _ = in_process(monkeypatch, capsys, base)
    assert code == 0
    before = (out / "r" / "patients.csv").read_bytes()
    import sim.folder_claim as fc
    real = fc.os.rename

    def fail_second(src, dst):
        if ".tmp-" in str(src):
            raise OSError(errno.EIO, "Input/output error", str(src))
        return real(src, dst)
    monkeypatch.setattr(fc.os, "rename", fail_second)
    code, err = in_process(monkeypatch, capsys, base + ["--force", "--set", "run.seed=5"])
    assert code == 3 and err.count("\n") == 1
    assert (out / "r" / "patients.csv").read_bytes() == before          # the old run is back in place
    assert [p.name for p in out.iterdir()] == ["r"]


# ---------------------------------------------------------------- signals and killed parents
def _wait_for(cond, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_faults_sigterm_and_ctrl_c_leave_nothing_and_the_rerun_needs_no_force(tmp_path, sig):
    out = tmp_path / "outputs"
    args = ["run", "mitonmo", "--set", "run.patients=3000", "--out", out, "--quiet", "--name", "big"]
    # a shell's background job starts with SIGINT ignored (and Python then keeps it so): the run gets a terminal's
    # Ctrl-C handler back first (in the child itself: a preexec_fn can deadlock a threaded parent)
    boot = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "sys.argv = ['nmosim', *sys.argv[1:]]; runpy.run_module('sim', run_name='__main__')")
    p = subprocess.Popen([sys.executable, "-c", boot, *map(str, args)], cwd=tmp_path, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert _wait_for(lambda: any(".tmp-" in n for n in hidden(out)))
    time.sleep(0.5)
    p.send_signal(sig)
    code = p.wait(timeout=120)
    assert code == 130, p.stderr.read()
    assert not out.exists() or list(out.iterdir()) == []
    r = nmosim("run", "mitonmo", *TINY, "--out", out, "--quiet", "--name", "big", cwd=tmp_path)
    assert r.returncode == 0, r.stderr


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find the workers")
def test_cli_faults_killing_the_parent_stops_its_workers(tmp_path):
    args = ["run", "mitonmo", "--set", "run.patients=6000", "--set", "run.chunk_size=500", "--workers", "2",
            "--out", tmp_path / "o", "--quiet"]
    p = subprocess.Popen([sys.executable, "-m", "sim", *map(str, args)], cwd=tmp_path, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    assert _wait_for(lambda: len(_children(p.pid)) >= 2)
    workers = _children(p.pid)
    time.sleep(1.0)
    p.kill()
    p.wait(timeout=30)
    assert _wait_for(lambda: not any(_alive(w) for w in workers), timeout=20), [w for w in workers if _alive(w)]


def _killed_at(args: list, cwd: Path, after_s: float) -> int | None:
    """Start nmosim, SIGKILL it `after_s` seconds later (None if it finished first: its exit code then)."""
    p = subprocess.Popen([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        return p.wait(timeout=after_s)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return None


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix in (".csv", ".json")}


def test_cli_faults_kill_9_at_random_moments_then_resume_to_identical_tables(tmp_path):
    import random

    rng = random.Random(16)
    run = ["run", "mitonmo", "--set", "run.patients=600", "--quiet", "--name", "r"]
    clean = tmp_path / "clean"
    assert nmosim(*run, "--out", clean, cwd=tmp_path).returncode == 0
    out = tmp_path / "killed"
    for _ in range(3):
        _killed_at([*run, "--out", out], tmp_path, rng.uniform(0.3, 2.5))
        assert not (out / "r").exists() or _folder_bytes(out / "r") == _folder_bytes(clean / "r")
    r = nmosim(*run, "--out", out, cwd=tmp_path) if not (out / "r").exists() else None
    assert r is None or r.returncode == 0, r.stderr
    assert _folder_bytes(out / "r") == _folder_bytes(clean / "r")
    assert hidden(out) == []                                       # leftovers of the kills cleared
    sweep = ["sweep", "mitonmo", "--set", "run.patients=40", "--set", "run.follow_up_days=200",
             "--vary", "run.seed=1,2,3,4,5,6", "--quiet"]
    assert nmosim(*sweep, "--out", tmp_path / "sw-clean", cwd=tmp_path).returncode == 0
    for _ in range(4):
        _killed_at([*sweep, "--out", tmp_path / "sw"], tmp_path, rng.uniform(0.5, 3.0))
    assert nmosim(*sweep, "--out", tmp_path / "sw", cwd=tmp_path).returncode == 0
    assert (tmp_path / "sw" / "sweep.csv").read_bytes() == (tmp_path / "sw-clean" / "sweep.csv").read_bytes()
