"""The mitoxantrone marrow's cumulative and between-course parts against their theory: the reserve's exact step, its
recovery half-life, counts settling at reserve x baseline, and the occasion factor's log-normal moments."""
from __future__ import annotations

import math

import numpy as np

import sim
from sim.cohort import build_cohort
from sim.physiology.marrow import Friberg, Lymphocytes
from sim.regimens.mitoxantrone import MitoxantroneModel

from .conftest import MITONMO


def _model(n: int = 50, **marrow):
    scn = sim.load_scenario(MITONMO, [f"run.patients={n}"])
    reg = scn.arms[0].regimen
    reg = reg.model_copy(update={"marrow_effect": reg.marrow_effect.model_copy(update=marrow)})
    return MitoxantroneModel(reg, build_cohort(scn), 1.0), reg


def test_theory_reserve_step_is_the_exact_solution_for_constant_inhibition():
    """dR/dt = r (1 - R) - l E R with E held: R(t) = ss + (R0 - ss) exp(-(r + l E) t), ss = r / (r + l E)."""
    m, reg = _model(reserve_loss_per_effect_day=0.05, reserve_recovery_half_life_days=200.0)
    r, loss = math.log(2) / 200.0, 0.05
    e = np.linspace(0.0, 3.0, m.reserve.size)
    m.pk.step = lambda: e / (m.anc_slope * m.occasion)      # a held concentration giving inhibition e exactly
    for _ in range(30):
        m.step()
    k = r + loss * e
    ss = r / k
    want = ss + (1.0 - ss) * np.exp(-k * 30.0)
    assert np.allclose(m.reserve, want, rtol=1e-12, atol=1e-14)
    assert np.all(m.reserve[e > 0] < 1.0) and m.reserve[0] == 1.0


def test_theory_reserve_recovers_with_its_half_life():
    m, _ = _model(reserve_loss_per_effect_day=0.05, reserve_recovery_half_life_days=365.0)
    m.reserve[:] = 0.6
    m.pk.step = lambda: np.zeros(m.reserve.size)
    for _ in range(365):
        m.step()
    assert np.allclose(1.0 - m.reserve, 0.2, rtol=1e-9)          # the deficit 0.4 halves in 365 days


def test_theory_counts_settle_at_reserve_times_baseline():
    """With the reserve R as the Friberg feedback's setpoint, (1 - E) (R / Circ)^gamma, the circulating count's steady
    state is R x baseline; lymphocytes with rise R - 1 settle at R x baseline too. The setpoint is the same feedback as
    an inhibition 1 - R^gamma (the form it replaced), to rounding."""
    n, gamma, reserve = 4, 0.24, np.array([1.0, 0.9, 0.7, 0.5])
    f = Friberg(np.full(n, 4.0), np.full(n, 124 / 24), gamma, 1.0)
    g = Friberg(np.full(n, 4.0), np.full(n, 124 / 24), gamma, 1.0)
    lym = Lymphocytes(np.full(n, 1.5), 14.0, 1.0)
    for k in range(2000):
        f.step(0.0, reserve)
        g.step(1.0 - reserve ** gamma)
        lym.step(0.0, reserve - 1.0)
        if k in (5, 50):
            np.testing.assert_allclose(f.y, g.y, rtol=1e-12)
    assert np.allclose(f.count(), 4.0 * reserve, rtol=1e-6)
    assert np.allclose(lym.count(), 1.5 * reserve, rtol=1e-9)


def test_theory_occasion_factor_is_lognormal_with_mean_one():
    """exp(s z - s^2/2) with s^2 = ln(1 + cv^2): mean 1 and cv as set, within 4 standard errors of 40,000 draws."""
    m, _ = _model(n=40_000, slope_bov_cv=0.3)
    rng = np.random.default_rng(1)
    m.start_courses(np.arange(40_000), rng.standard_normal(40_000))
    draws = m.occasion.copy()
    se = draws.std() / math.sqrt(draws.size)
    assert abs(draws.mean() - 1.0) < 4 * se
    s = math.sqrt(math.log1p(0.09))
    assert abs(np.log(draws).std() - s) < 4 * s / math.sqrt(2 * draws.size)
    m0, _ = _model(n=1, slope_bov_cv=0.0)
    m0.start_courses([0], rng.standard_normal(1))
    assert m0.occasion[0] == 1.0
