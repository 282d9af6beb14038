"""Batched blood draws equal one-by-one draws: the vectorized rounding is Python's, and a patient's errors follow its stream."""
import numpy as np

from sim.labs import BLOCK, LabBench, round_like_python
from sim.streams import PatientStreams


def test_reference_round_like_python_equals_builtin_round_including_ties():
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.lognormal(0.0, 1.0, 200_000),          # ordinary values
                        rng.integers(0, 200_000, 50_000) / 200.0,   # exact and inexact ties at 2 decimals (k + 0.5) / 100
                        rng.integers(0, 20_000, 20_000) / 20.0,     # ties at 1 decimal
                        np.array([0.125, 2.675, 1.005, 0.0, 1e-12, 12345.675])])
    for dec in (0, 1, 2, 3):
        expected = np.array([round(v, dec) for v in x.tolist()])
        assert np.array_equal(round_like_python(x, dec), expected), dec
    # numpy's own round differs on some of these: the patch is doing work
    assert not np.array_equal(np.round(x, 2), np.array([round(v, 2) for v in x.tolist()]))


def _bench(n: int) -> LabBench:
    streams = PatientStreams(11, 0, np.arange(100, 100 + n), "labs")
    rng = np.random.default_rng(3)
    return LabBench(streams, n, 0.08, 2, rng.uniform(0.1, 0.4, n), rng.uniform(11, 15, n))


def test_reference_batched_draws_equal_single_draws_across_block_refills():
    n = 30
    one, many = _bench(n), _bench(n)
    rng = np.random.default_rng(5)
    draws_per_patient = np.zeros(n, int)
    for _ in range(100):                          # past two block refills for the patients drawn most
        idx = np.sort(rng.choice(n, size=rng.integers(1, n), replace=False))
        anc, alc = rng.uniform(0.2, 6.0, idx.size), rng.uniform(0.3, 3.0, idx.size)
        got = many.observe(idx, anc, alc)
        for j, i in enumerate(idx.tolist()):
            want = one.observe_one(i, float(anc[j]), float(alc[j]))
            assert tuple(float(a[j]) for a in got) == want
        draws_per_patient[idx] += 1
    assert draws_per_patient.max() * 4 > 2 * BLOCK
    assert np.array_equal(one.wbc_min, many.wbc_min) and np.array_equal(one.anc_min, many.anc_min)
    assert not np.isnan(many.wbc_min[draws_per_patient > 0]).any()
    assert np.isnan(many.wbc_min[draws_per_patient == 0]).all()


def test_reference_lab_errors_are_the_patients_own_stream_in_order():
    b = _bench(3)
    first = [b.errors.next4_of(1) for _ in range(BLOCK // 4 + 1)]
    z = PatientStreams(11, 0, np.arange(100, 103), "labs")[1].standard_normal(2 * BLOCK)
    expected = np.exp(0.08 * z)
    assert np.array_equal(np.concatenate(first), expected[:BLOCK + 4])


def test_reference_differential_never_exceeds_the_total_and_tracks_the_true_counts():
    """ANC and ALC are shares of the reported WBC (once, in 11% of lab rows, ANC + ALC exceeded it); each still follows
    its true count: log error mean within 4 standard errors of the small-noise value, spread near the total's cv."""
    n = 20_000
    b = _bench(n)
    rng = np.random.default_rng(9)
    anc, alc = rng.lognormal(np.log(2.0), 0.8, n), rng.lognormal(np.log(1.0), 0.6, n)
    idx = np.arange(n)
    wbc, anc_o, alc_o, _ = b.observe(idx, anc, alc)
    assert np.all(anc_o + alc_o <= wbc + 1e-12)
    keep = anc > 0.5                                    # away from rounding to 0.01
    err = np.log(anc_o[keep] / anc[keep])
    assert abs(err.mean()) < 4 * err.std() / np.sqrt(keep.sum()) + 0.01
    assert 0.07 < err.std() < 0.12
