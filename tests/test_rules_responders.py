"""Mitoxantrone responder mixture: who is a non-responder, what their Emax is, and how bad settings are refused.

A patient is a non-responder when its own uniform (cohort SLOT "mitoxantrone_responder") is below
efficacy.non_responder_fraction; a non-responder's Emax is efficacy.non_responder_emax instead of efficacy.emax.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from sim import load_scenario
from sim.cohort import BLOCK, COND_BASE, ETA_BASE, HIST_BASE, N_COND, N_ETA, SLOT, Cohort, build_cohort, draw_candidates
from sim.regimen_config import Efficacy
from sim.regimens.mitoxantrone import MitoxantroneModel

ROOT = Path(__file__).resolve().parents[1]
MITONMO = ROOT / "scenarios" / "mitonmo.toml"
EFF = "arms.0.regimen.efficacy"


def model(overrides: list[str], patients: int = 40) -> tuple[MitoxantroneModel, Cohort, Efficacy]:
    """The mitoxantrone model of arm 0 of mitonmo.toml for an enrolled cohort, with efficacy overrides."""
    scn = load_scenario(MITONMO, [f"run.patients={patients}", *overrides])
    cohort = build_cohort(scn)
    reg = scn.arms[0].regimen
    return MitoxantroneModel(reg, cohort, scn.run.step_days), cohort, reg.efficacy


def candidates_model(n: int, overrides: list[str]) -> tuple[MitoxantroneModel, Cohort]:
    """The model over n unscreened candidates 0..n-1 (no eligibility filter: the draw itself is under test)."""
    scn = load_scenario(MITONMO, overrides)
    c = draw_candidates(scn, np.arange(n))
    cohort = Cohort(c.key, c.cov, c.hist_days, c.hist_acute, c.hist_residual, screened=n)
    return MitoxantroneModel(scn.arms[0].regimen, cohort, scn.run.step_days), cohort


def test_rules_responder_slot_is_appended_and_collides_with_nothing():
    """The new uniform has its own slot in the covariate block, outside the eta, condition and history ranges."""
    slot = SLOT["mitoxantrone_responder"]
    others = [v for k, v in SLOT.items() if k != "mitoxantrone_responder"]
    assert slot not in others and slot > SLOT["screen_hb"]    # appended after the slots that existed before it
    assert len(set(SLOT.values())) == len(SLOT)                # and no later slot reuses it
    assert not ETA_BASE <= slot < ETA_BASE + N_ETA
    assert not COND_BASE <= slot < COND_BASE + N_COND
    assert slot < HIST_BASE < BLOCK


def test_rules_fraction_zero_gives_every_patient_the_configured_emax():
    """Default (fraction 0): no non-responders, every patient has efficacy.emax."""
    m, cohort, eff = model([f"{EFF}.emax=0.8", f"{EFF}.non_responder_emax=0.3"])
    assert eff.non_responder_fraction == 0.0
    assert m.emax.shape == (cohort.n,)
    assert not m.non_responder.any()
    assert np.all(m.emax == 0.8)


def test_rules_fraction_one_gives_every_patient_the_non_responder_emax():
    """Fraction 1: every patient is a non-responder with non_responder_emax."""
    m, cohort, _ = model([f"{EFF}.emax=0.8", f"{EFF}.non_responder_fraction=1", f"{EFF}.non_responder_emax=0.3"])
    assert m.non_responder.all()
    assert np.all(m.emax == 0.3)


def test_rules_drawn_non_responder_share_matches_the_fraction():
    """On 2000 candidates the non-responder share is the fraction within 4 binomial SDs; a larger fraction only adds patients."""
    n, frac = 2000, 0.3
    m, cohort = candidates_model(n, [f"{EFF}.non_responder_fraction={frac}", f"{EFF}.non_responder_emax=0.1"])
    share = m.non_responder.mean()
    assert abs(share - frac) <= 4 * np.sqrt(frac * (1 - frac) / n), share       # 4 * 0.0102
    assert np.array_equal(m.emax, np.where(m.non_responder, 0.1, 0.9))                # 0.9: the scenario's emax
    bigger, _ = candidates_model(n, [f"{EFF}.non_responder_fraction=0.5"])
    assert np.all(bigger.non_responder[m.non_responder])                          # nested: same uniform, higher threshold
    # the responder draw is its own: unrelated to the patient's latent relapse rate or EC50 draw
    u = cohort.cov["u_mitoxantrone_responder"]
    assert abs(np.corrcoef(u, cohort.cov["untreated_arr"])[0, 1]) < 0.1
    assert abs(np.corrcoef(u, cohort.cov["eta_mitoxantrone_ec50"])[0, 1]) < 0.1


def test_rules_non_responders_relapse_rate_ratio_uses_their_own_emax():
    """After a dose, a non-responder with non_responder_emax 0 keeps RR 1; responders' RR falls (per-patient Emax in step)."""
    m, cohort, _ = model([f"{EFF}.non_responder_fraction=0.5", f"{EFF}.non_responder_emax=0", f"{EFF}.depletion_50=0.05", f"{EFF}.hill=1"],
                         patients=60)
    assert 0 < m.non_responder.sum() < cohort.n
    m.dose(np.arange(cohort.n), np.full(cohort.n, 12.0))
    for _ in range(60):
        _, _, rr = m.step()
    assert np.all(rr[m.non_responder] == 1.0)
    assert np.all(rr[~m.non_responder] < 0.5)


@pytest.mark.parametrize("field, value, words", [
    ("non_responder_fraction", 1.5, ["less than or equal to 1"]),
    ("non_responder_fraction", -0.1, ["greater than or equal to 0"]),
    ("non_responder_emax", -0.2, ["greater than or equal to 0"]),
    ("non_responder_emax", 0.9, ["must not exceed emax"]),
])
def test_rules_invalid_responder_settings_are_rejected(field, value, words):
    """A fraction or Emax outside [0, 1], or a non-responder Emax above the responders' (0.85), fails validation."""
    with pytest.raises(ValidationError) as exc:
        Efficacy(**{field: value})
    text = str(exc.value)
    assert field in text
    assert all(w in text for w in words), text


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("line, path, words", [
    ("non_responder_fraction = 1.5", "non_responder_fraction", ["less than or equal to 1", "1.5"]),
    ("non_responder_fraction = -0.2", "non_responder_fraction", ["greater than or equal to 0", "-0.2"]),
    ("non_responder_emax = 0.95", "arms.0.regimen.efficacy", ["non_responder_emax", "must not exceed emax"]),
], ids=["fraction-above-1", "fraction-negative", "nr-emax-above-emax"])
def test_cli_invalid_responder_settings_are_one_line_exit_2(command, line, path, words, tmp_path):
    """Through the CLI (as tests/test_cli_errors.py): exit 2, one stderr line naming the file and field, no output folder."""
    text = MITONMO.read_text(encoding="utf-8")
    anchor = "[arms.regimen.efficacy]\n"
    assert text.count(anchor) == 1
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(anchor, anchor + line + "\n"), encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", bad, "--out", out, "--quiet"] if command == "run" else ["validate", bad]
    res = subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    err = res.stderr.strip()
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and err and "\n" not in err, res.stderr
    assert str(bad) in err and f"{EFF}" in err and path in err, err
    assert all(w in err for w in words), err
    assert not out.exists()
