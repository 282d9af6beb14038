"""The vectorized stream seeding is numpy's own SeedSequence -> PCG64, number for number."""
import numpy as np
import pytest

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
