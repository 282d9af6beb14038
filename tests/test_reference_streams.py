"""The vectorized stream seeding is numpy's own SeedSequence -> PCG64, number for number."""
import numpy as np
import pytest
from scipy import stats

from sim.draw_blocks import DrawBlocks
from sim.streams import PURPOSES, PatientStreams, patient_rng, patient_rngs, seed_words


@pytest.mark.parametrize("seed", [0, 1, 20140101, 2**32 - 1, 2**32, 2**70 + 12345])
@pytest.mark.parametrize("replicate", [0, 7, 2**33 + 1])
def test_reference_seed_words_equal_numpy_seedsequence(seed, replicate):
    """Reference: numpy.random.SeedSequence(seed, spawn_key=(replicate, key, purpose)).generate_state(4, uint64)."""
    keys = np.array([0, 1, 2, 99, 65535, 123456789, 2**32 - 1])
    for purpose, code in PURPOSES.items():
        ours = seed_words(seed, replicate, keys, purpose)
        ref = np.array([np.random.SeedSequence(seed, spawn_key=(replicate, int(k), code)).generate_state(4, np.uint64)
                        for k in keys])
        np.testing.assert_array_equal(ours, ref)


def test_reference_pre_seeded_generators_draw_numpys_numbers():
    """Reference: Generator(PCG64(SeedSequence(...))) built the documented way (patient_rng)."""
    keys = np.arange(0, 40, 3)
    fast = patient_rngs(42, 1, keys, "labs")
    lazy = PatientStreams(42, 1, keys, "labs")
    for j, k in enumerate(keys):
        ref = patient_rng(42, 1, int(k), "labs").standard_normal(6)
        np.testing.assert_array_equal(fast[j].standard_normal(6), ref)
        np.testing.assert_array_equal(lazy[j].standard_normal(6), ref)


def test_rules_stream_keys_out_of_range_are_refused():
    with pytest.raises(ValueError):
        seed_words(1, 0, np.array([-1]), "labs")
    with pytest.raises(ValueError):
        seed_words(1, 0, np.array([2**32]), "labs")
    assert seed_words(1, 0, np.array([], int), "labs").shape == (0, 4)


def test_reference_draw_blocks_are_each_patients_own_stream_in_order():
    """DrawBlocks: a patient's normals are its stream's standard normals in order across block refills, whatever the
    other patients draw; uniforms are Phi(z) and exponentials -ln(1 - u) of the next normal."""
    import math

    keys = np.arange(50, 53)
    blocks = DrawBlocks(PatientStreams(5, 0, keys, "heart"), 3, size=4)
    mine = [blocks.normal(1) for _ in range(3)]
    _ = [blocks.normal(0) for _ in range(9)]                        # another patient's draws change nothing
    mine += [blocks.normal(1) for _ in range(6)]
    want = PatientStreams(5, 0, keys, "heart")[1].standard_normal(12)
    assert mine == want[:9].tolist()                                 # blocks of 4: 3 refills, values in order
    u = blocks.uniform(1)
    assert u == pytest.approx(stats.norm.cdf(want[9]), rel=1e-12)
    e = blocks.exponential(1)
    assert e == pytest.approx(-math.log1p(-stats.norm.cdf(want[10])), rel=1e-12)
    many = DrawBlocks(PatientStreams(6, 0, np.arange(1), "heart"), 1, size=64)
    us = np.array([many.uniform(0) for _ in range(20_000)])
    assert stats.kstest(us, "uniform").pvalue > 1e-3


def test_reference_draw_blocks_batches_take_each_patients_next_draws():
    """A batch of patients (a clinic visit) takes, for each, the same value as its own next scalar draw: the order of
    a patient's draws, not the batch it came in, decides its values, across refills of its block."""
    keys = np.arange(10, 15)
    batched = DrawBlocks(PatientStreams(7, 0, keys, "heart"), 5, size=3)
    got = {i: [] for i in range(5)}
    rng = np.random.default_rng(0)
    for _ in range(12):
        idx = np.sort(rng.choice(5, size=rng.integers(1, 6), replace=False))
        for i, z in zip(idx.tolist(), batched.normals(idx).tolist()):
            got[i].append(z)
        one = int(rng.integers(5))
        got[one].append(batched.normal(one))
    streams = PatientStreams(7, 0, keys, "heart")
    for i in range(5):
        assert got[i] == streams[i].standard_normal(len(got[i])).tolist()
    u = DrawBlocks(PatientStreams(8, 0, keys, "heart"), 5, size=4)
    z = DrawBlocks(PatientStreams(8, 0, keys, "heart"), 5, size=4)
    np.testing.assert_allclose(u.uniforms([0, 3]), stats.norm.cdf(z.normals([0, 3])), rtol=1e-14)
    np.testing.assert_allclose(u.exponentials([3]), -np.log1p(-stats.norm.cdf(z.normals([3]))), rtol=1e-12)


def test_reference_draw_blocks_of_the_generators_uniforms_are_its_random_calls():
    """source="random": a patient's values are its stream's Generator.random() calls, one per draw, across refills and
    batches (the protocol stream's toxicity and infusion-reaction draws)."""
    keys = np.arange(3)
    blocks = DrawBlocks(PatientStreams(9, 0, keys, "protocol"), 3, size=5, source="random")
    got = [blocks.take([0, 2]).tolist() for _ in range(7)]
    ref = PatientStreams(9, 0, keys, "protocol")
    assert [g[0] for g in got] == [ref[0].random() for _ in range(7)]
    assert [g[1] for g in got] == [ref[2].random() for _ in range(7)]
