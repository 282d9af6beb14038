"""Fuzz: seeded random scenario files and --set/--vary values never end in a traceback or a file outside the output
folder; every outcome is exit 0 (valid) or 2 (one error line)."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MITONMO = (ROOT / "scenarios" / "mitonmo.toml").read_text(encoding="utf-8")
VALUES = ["inf", "-inf", "nan", "true", "false", '"12"', '""', "0", "-1", "1e308", "-1e308", "1e-320", "2e9",
          "99999999999999999999", "[]", "{}", "[1, 2]", '{ x = 1 }', '"\u00e9\u00b2\u202e"', '"' + "x" * 400 + '"',
          "0.5", "12", "1", "-0.0", '"$\\\\frac{$"', '"<script>"', "[" * 40 + "]" * 40, "1979-05-27", "'a'"]
PATHS = ["run.patients", "run.follow_up_days", "run.seed", "run.step_days", "run.chunk_size", "run.name", "title",
         "arms.0.regimen.amt_mg_per_m2", "arms.mitoxantrone.regimen.ii_days", "arms.0.regimen.cap_mg_per_m2",
         "arms.0.regimen.wbc_bands.0.dose_mg_per_m2", "arms.0.name", "arms.9.name", "arms.\u00b2.name",
         "cohort.age_years.mean", "cohort.age_years.kind", "disease.untreated_arr", "infection.base_rate_per_year",
         "infection.anc_bands.0.multiplier", "readouts.alpha", "readouts.reference_arm", "physiology.marrow.gamma",
         "nonexistent.key", "run", "arms", "arms.0", "..", "run..seed", "RUN.SEED"]
VARY_TEXT = ["1,2", "0.2:0.9:3", "30:10:3", "1:2:0", "0.2..0.9", "9..1", "a,b", "inf,1", "nan", "1e9:2e9:1000000",
             "", ",", "1,,2", '"x","y"', "[1,2]", "true,false", "1:2:3:4", "..", "0.1..0.1"]


def _mutated_scenario(rng: random.Random) -> str:
    lines = MITONMO.splitlines()
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        op = rng.choice(["value", "value", "delete", "unknown", "garble", "dup"])
        if op == "value" and "=" in lines[i] and not lines[i].lstrip().startswith("#"):
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {rng.choice(VALUES)}"
        elif op == "delete":
            del lines[i]
        elif op == "unknown":
            lines.insert(i, f"surprise_{rng.randint(0, 99)} = 1")
        elif op == "garble":
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        else:
            lines.insert(i, lines[i])
    return "\n".join(lines) + "\n"


def _cases(seed: int, n: int) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        kind = rng.choice(["file", "set", "set", "vary"])
        if kind == "file":
            out.append(["file", _mutated_scenario(rng)])
        elif kind == "set":
            out.append(["set", *(f"{rng.choice(PATHS)}={rng.choice(VALUES)}" for _ in range(rng.randint(1, 3)))])
        else:
            out.append(["vary", f"{rng.choice(PATHS)}={rng.choice(VARY_TEXT)}"])
    return out


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _main(monkeypatch, capsys, args) -> tuple[int, str]:
    from sim import cli

    monkeypatch.setattr(sys, "argv", ["nmosim", *map(str, args)])
    with pytest.raises(SystemExit) as ex:
        cli.main()
    captured = capsys.readouterr()
    return ex.value.code, captured.err


TINY = ["--set", "run.patients=3", "--set", "run.follow_up_days=40"]


@pytest.mark.parametrize("chunk", range(4))
def test_cli_fuzz_scenarios_and_values_exit_0_or_2_in_one_line(chunk, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    before = _tree(tmp_path)
    codes = []
    for j, case in enumerate(_cases(1000 + chunk, 25)):
        kind, rest = case[0], case[1:]
        if kind == "file":
            path = tmp_path / f"fuzz{j}.toml"
            path.write_text(rest[0], encoding="utf-8")
            before.add(path.name)
            command = ["run", path, *TINY, "--out", out, "--quiet"] if j % 3 == 0 else ["validate", path]
        elif kind == "set":
            sets = [x for s in rest for x in ("--set", s)]
            command = (["run", "mitonmo", *sets, *TINY, "--out", out, "--quiet"] if j % 4 == 0
                       else ["validate", "mitonmo", *sets])
        else:
            command = ["sweep", "mitonmo", "--vary", rest[0], *TINY, "--out", out / f"sw{j}", "--quiet"]
        code, err = _main(monkeypatch, capsys, command)
        codes.append(code)
        assert "Traceback" not in err, (case, err)
        assert code in (0, 2), (case, code, err)
        if code == 2:
            errors = [line for line in err.splitlines() if not line.startswith("warning: ")]
            assert errors and all(line.startswith("error: ") for line in errors), (case, err)
        written = {p for p in _tree(tmp_path) - before if not (p == "out" or p.startswith("out/"))}
        assert not written, (case, written)                  # nothing outside the output folder
    assert codes.count(2) >= 5 and codes.count(0) >= 1, codes       # the fuzz reaches both outcomes
