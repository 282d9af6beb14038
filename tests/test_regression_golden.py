"""Exact outputs for a fixed seed: discrete readouts of the bundled scenarios (40 patients) must not drift.

A change that alters these on purpose (a model or rule change) updates the expected values here, and says so in its
commit. Only discrete results are pinned (counts, doses, event types), so last-bit differences of floating-point
maths between CPUs do not fail the test; byte-identity across chunk sizes is in test_regression_reproducibility.py.
"""
import hashlib
from collections import Counter

import pytest

import sim
from sim.bundled import bundled

EXPECTED = {
    "mitonmo": "077ba3e4889dfade",
    "compare-regimens": "a806236f105aa3cf",
    "correale2005": "f823ec1000d2fcd0",
}


def fingerprint(name: str) -> str:
    scn = sim.load_scenario(bundled()[name], overrides=["run.patients=40"])
    res = sim.run(scn)
    p = res.patients
    rows = [p["arm"], p["candidate"], p["relapses"], p["courses"], p["doses_given"], p["discontinuation"],
            [f"{x:.2f}" for x in p["cumulative_dose_mg_per_m2"]], p["edss_end"], p["infections"]]
    kinds = sorted(Counter((a, k) for a, _, _, k, _ in res.events).items())
    return hashlib.sha256(repr((rows, kinds)).encode()).hexdigest()[:16]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_regression_fixed_seed_discrete_outputs(name):
    assert fingerprint(name) == EXPECTED[name]
