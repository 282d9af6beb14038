"""Continuous exposures: interferon beta (Correale 2005's background therapy) and azathioprine maintenance (after
mitoxantrone in NMOSD): on/off per patient, a delayed rate ratio."""
from __future__ import annotations

import math

import numpy as np

from ..cohort import Cohort
from ..physiology.exposure import DailyDosing, EffectSignal
from ..regimen_config import Azathioprine, InterferonBeta
from .outcome import Outcome


class InterferonModel:
    """Exposure 1 per day while on; E = delayed exposure in [0, 1]; RR = 1 - (1 - rate_ratio) * E."""

    def __init__(self, reg: InterferonBeta | Azathioprine, cohort: Cohort, dt: float, end_days: float):
        n = cohort.n
        self.signal = EffectSignal(n, reg.onset_days, reg.offset_half_life_days, dt)
        self.reduction = 1.0 - reg.rate_ratio
        self.daily = DailyDosing(n, int(math.ceil(end_days)), np.ones(n))

    def dose(self, idx: np.ndarray, amount: np.ndarray) -> None:
        self.signal.dose(idx, amount)

    def step(self) -> tuple[float, float, np.ndarray]:
        return 0.0, 0.0, 1.0 - self.reduction * np.minimum(self.signal.step(), 1.0)


_NAMES = {"interferon_beta": "interferon beta", "azathioprine": "azathioprine"}
START = "{}"        # the start event's record: (START, name, drug); its text is the name


def protocol(sim, i: int, reg: InterferonBeta | Azathioprine):
    """On from now until until_days after the start (or the end of follow-up)."""
    model = sim.models[reg.drug]
    name = _NAMES[reg.drug]
    start = sim.env.now
    sim.sync()
    model.daily.start(i, 1.0, sim.rng(i, "adherence"))
    sim.log(i, "start", (START, name, reg.drug))
    until = sim.end if reg.until_days is None else min(sim.end, start + reg.until_days)
    if until > sim.env.now:
        yield sim.env.timeout(until - sim.env.now)
    sim.sync()
    model.daily.on[i] = False
    return Outcome("schedule completed", f"{name} course completed", sim.env.now, until, True)
