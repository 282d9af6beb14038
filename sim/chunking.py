"""Running chunks: one chunk of one arm with the cyclic collector off, and all chunks of an arm in patient order."""
from __future__ import annotations

import gc
import weakref

from .cohort import Cohort
from .engine import ChunkResult, ChunkSim
from .scenario import Arm, Scenario


def simulate_chunk(scn: Scenario, arm: Arm, cohort: Cohort, first_id: int, render: bool = True) -> ChunkResult:
    """One chunk of patients (ids first_id, first_id + 1, ...) on one arm; labs and events in (patient, day) order.

    render=False keeps no event or lab rows (the patients, tallies and attacks are the same), for callers that keep
    only readouts."""
    was_enabled = gc.isenabled()
    gc.disable()      # a chunk's records only grow while it runs: collecting them is wasted work
    try:
        chunk = ChunkSim(scn, arm, cohort, first_id, rows=render)
        alive = weakref.ref(chunk)
        part = chunk.run(render)
        del chunk
    finally:
        if was_enabled:
            gc.enable()
    if alive() is not None:   # a reference cycle survived ChunkSim._release: let the collector free the chunk
        gc.collect()
    return part


def run_arm(scn: Scenario, arm: Arm, cohort: Cohort, render: bool = True) -> ChunkResult:
    """All chunks of one arm, combined in patient order (events' details as text and their fields unless
    render=False)."""
    out = ChunkResult()
    size = scn.run.chunk_size
    for start in range(0, cohort.n, size):
        part = simulate_chunk(scn, arm, cohort.take(slice(start, start + size)), start, render)
        gc.freeze()           # finished records are kept to the end: stop the collector re-scanning them
        out.events += part.events
        out.event_fields += part.event_fields
        out.labs += part.labs
        out.tallies += part.tallies
        out.attacks += part.attacks
        out.adverse_events += part.adverse_events
        out.dosing += part.dosing
        for k, v in part.patients.items():
            out.patients.setdefault(k, []).extend(v)
    gc.unfreeze()
    return out


