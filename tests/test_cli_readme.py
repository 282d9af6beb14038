"""The README's commands as a new user types them: in order, on a fresh folder, each one succeeds.

The folder holds a copy of scenarios/ (the README runs from a clone's root); the first line's install part (venv,
pip) is the environment these tests already run in, and `python -m pytest` is this very run, so both are skipped.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    """The commands of the README's 'Start' and 'A short tour' code blocks, comments removed, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for section in ("## Start", "## A short tour"):
        body = text.split(section, 1)[1]
        block = re.search(r"```\n(.*?)```", body, re.S).group(1)
        for line in block.splitlines():
            cmd = line.split("  #", 1)[0].strip()
            if cmd:
                out.append(cmd)
    return out


def test_cli_readme_commands_are_found_as_the_user_reads_them():
    cmds = readme_commands()
    assert cmds[0].endswith("nmosim run scenarios/mitonmo.toml") and cmds[1] == "python -m pytest"
    assert len(cmds) >= 10 and any(c.startswith("nmosim targets") for c in cmds)


def test_cli_readme_commands_run_in_order_on_a_fresh_folder(tmp_path):
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    for cmd in readme_commands():
        if cmd == "python -m pytest":
            continue
        if "pip install" in cmd:
            cmd = cmd.rsplit("&&", 1)[1].strip()         # the environment is installed: run what follows it
        r = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, f"{cmd}\n{r.stderr[-2000:]}"
    assert (tmp_path / "outputs" / "mitonmo-seed20140101" / "summary.json").exists()
    assert (tmp_path / "runs" / "first-try" / "summary.json").exists()
