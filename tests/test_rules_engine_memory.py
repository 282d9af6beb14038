"""Memory grows with the chunk, not the cohort: a finished chunk is freed by reference counting alone."""
import gc
import weakref

import pytest

import sim
from sim.bundled import bundled
from sim.cohort import build_cohort
from sim.engine import ChunkSim


@pytest.mark.parametrize("path", sorted(bundled().values()), ids=lambda p: p.stem)
def test_rules_finished_chunk_is_freed_without_the_cyclic_collector(path):
    """Every regimen of every bundled scenario: after run(), dropping the chunk frees it with the collector off."""
    scn = sim.load_scenario(path, overrides=["run.patients=30"])
    cohort = build_cohort(scn)
    was = gc.isenabled()
    gc.disable()
    try:
        for arm in scn.arms:
            chunk = ChunkSim(scn, arm, cohort, 0)
            ref = weakref.ref(chunk)
            chunk.run()
            del chunk
            assert ref() is None, f"{path.stem}/{arm.name}: a reference cycle keeps the chunk alive"
    finally:
        if was:
            gc.enable()
