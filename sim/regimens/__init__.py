"""One module per drug (schedule, dose rules, PK/PD model, protocol process) and `sequence` for phases."""
from __future__ import annotations

import simpy

from . import baricitinib, belimumab, courses, interferon, mitoxantrone, sequence
from .outcome import Outcome

PROTOCOLS = {
    "mitoxantrone": courses.protocol,
    "baricitinib": baricitinib.protocol,
    "belimumab": belimumab.protocol,
    "interferon_beta": interferon.protocol,
    "azathioprine": interferon.protocol,
}


def leaf_protocol(sim, i: int, reg):
    """The protocol generator of one drug regimen (untreated: nothing happens)."""
    if reg.drug == "none":
        return Outcome("untreated", "no treatment", sim.env.now, sim.env.now)
    return (yield from PROTOCOLS[reg.drug](sim, i, reg))


def treat(sim, i: int, reg):
    """The patient's whole treatment as one simpy process: a drug regimen or a sequence; its end is logged as a stop.

    Death interrupts it (the engine has logged the stop)."""
    try:
        if reg.drug == "sequence":
            outcome = yield from sequence.driver(sim, i, reg, leaf_protocol)
        else:
            outcome = yield from leaf_protocol(sim, i, reg)
    except simpy.Interrupt:
        return
    if outcome is not None and reg.drug != "none":
        sim.stop(i, outcome)


def build_model(reg, cohort, dt: float, end_days: float):
    """The chunk's physiology model of one drug (None for no drug)."""
    if reg.drug == "mitoxantrone":
        return mitoxantrone.MitoxantroneModel(reg, cohort, dt)
    if reg.drug == "baricitinib":
        return baricitinib.BaricitinibModel(reg, cohort, dt, end_days)
    if reg.drug == "belimumab":
        return belimumab.BelimumabModel(reg, cohort, dt)
    if reg.drug in ("interferon_beta", "azathioprine"):
        return interferon.InterferonModel(reg, cohort, dt, end_days)
    return None
