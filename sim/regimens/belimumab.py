"""Belimumab IV (NCT05154734): the dose days as a pure function, two-compartment PK, the B-cell effect, and the protocol."""
from __future__ import annotations

import math

import numpy as np

from ..cohort import Cohort
from ..physiology.bcells import BCells
from ..physiology.pk import LinearCompartments, mammillary_matrix
from ..regimen_config import Belimumab
from .outcome import Outcome


# ------------------------------------------------------------------ rules (pure)
def dose_days(initial_days: list[float], ii_days: float, until_days: float) -> list[float]:
    """Days 0, 14, 28, then every ii_days after the last initial day, up to and including until_days."""
    days = [d for d in initial_days if d <= until_days]
    d = initial_days[-1] + ii_days
    while d <= until_days + 1e-9:
        days.append(d)
        d += ii_days
    return days


# ------------------------------------------------------------------ physiology
class BelimumabModel:
    """Two-compartment IV PK per patient (allometric on weight, CL IIV), B cells driven by concentration, RR from B-cell depletion."""

    daily = None

    def __init__(self, reg: Belimumab, cohort: Cohort, dt: float):
        pk, n = reg.pk, cohort.n
        w = cohort.cov["weight_kg"] / pk.weight_ref_kg
        s = math.sqrt(math.log1p(pk.cl_cv ** 2))
        cl = pk.cl_l_per_day * w ** pk.cl_weight_exponent * np.exp(s * cohort.cov["eta_belimumab_cl"] - 0.5 * s * s)
        v1, v2 = pk.v1_l * w ** pk.v_weight_exponent, pk.v2_l * w ** pk.v_weight_exponent
        q = pk.q_l_per_day * w ** pk.cl_weight_exponent
        self.pk = LinearCompartments(mammillary_matrix(cl, v1, [q], [v2]), np.stack([1.0 / v1, np.zeros(n)], axis=1), dt)
        b = reg.bcells
        self.bcells = BCells(n, b.imax, b.ic50_mg_per_l, b.turnover_half_life_days, dt)
        self.emax = reg.efficacy.emax

    def dose(self, idx: np.ndarray, mg: np.ndarray) -> None:
        self.pk.dose(idx, 0, mg)

    def step(self) -> tuple[float, float, np.ndarray]:
        b = self.bcells.step(self.pk.step())
        return 0.0, 0.0, 1.0 - self.emax * (1.0 - b)


# ------------------------------------------------------------------ protocol (simpy process)
# Event records, rendered when written (sim/event_columns.py reads their values)
_INFUSION = "belimumab {:g} mg/kg = {:.0f} mg (dose {})"     # (_INFUSION, mg/kg, mg, dose number)
REACTION = "infusion reaction at dose {}"                    # (REACTION, dose number)


def protocol(sim, i: int, reg: Belimumab):
    """Infusions of amt_mg_per_kg x weight on the dose days; each may bring an infusion reaction."""
    start = sim.env.now
    mg = reg.amt_mg_per_kg * float(sim.cohort.cov["weight_kg"][i])
    sim.set_infection_ratio(i, reg.infection_rate_ratio)
    given = 0
    for n, d in enumerate(dose_days(reg.initial_days, reg.ii_days, reg.until_days)):
        day = start + d
        if day >= sim.end:
            break
        if day > sim.env.now:
            yield sim.env.timeout(day - sim.env.now)
        sim.give(i, "belimumab", [sim.env.now], mg, (_INFUSION, reg.amt_mg_per_kg, mg, n + 1))
        given += 1
        if sim.protocol_draws.take([i])[0] < reg.infusion_reaction_probability:
            sim.log(i, "infusion_reaction", (REACTION, n + 1))
            sim.tally(i, "infusion reaction", ("infusion reaction",))
        sim.dosed(i)
    return Outcome("schedule completed", f"belimumab schedule completed: {given} infusions", sim.env.now,
                   start + reg.until_days + reg.ii_days, True)
