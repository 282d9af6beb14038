"""Per-patient random streams keyed by (replicate, patient, purpose), independent of chunking and workers.

Each stream is numpy's `PCG64(SeedSequence(seed, spawn_key=(replicate, patient, purpose)))`. Building a SeedSequence
costs ~15 us a patient; `seed_words` computes the same seeding words for a whole array of patients at once (numpy's
SeedSequence hash, vectorized), and PCG64 takes them through a pre-computed seed sequence, so the streams are the
very same numbers at about a twentieth of the cost (tests/test_reference_streams.py checks equality with numpy).
"""
from __future__ import annotations

import numpy as np
from numpy.random.bit_generator import ISeedSequence

#: One stream per kind of draw. Never renumber: keys are part of reproducibility.
PURPOSES = {
    "covariates": 0,   # the candidate's fixed block: covariates, first thresholds, pre-study history
    "relapse": 1,      # per on-study attack: the next Exp(1) threshold, then its EDSS severity
    "infection": 2,    # per infection: serious or not, the next threshold
    "labs": 3,         # measurement error of blood counts
    "protocol": 4,     # per course: toxicity grade; LVEF measurement error
    "adherence": 5,    # missed oral doses
    "marrow": 6,       # per course: the marrow's between-occasion sensitivity
    "heart": 7,        # echo errors, LVEF path and TRAL per course, heart-failure threshold, amenorrhoea
}

# numpy/random/bit_generator.pyx (SeedSequence): pool of 4 uint32 words and its hash constants
_POOL = 4
_INIT_A, _MULT_A = np.uint32(0x43B0D7E5), np.uint32(0x931E8875)
_INIT_B, _MULT_B = np.uint32(0x8B51F9DD), np.uint32(0x58F38DED)
_MIX_L, _MIX_R = np.uint32(0xCA01F9DD), np.uint32(0x4973F715)
_SHIFT = np.uint32(16)


def _words32(value: int) -> list[int]:
    """A non-negative int as little-endian uint32 words (numpy's _coerce_to_uint32_array; 0 -> [0])."""
    if value < 0:
        raise ValueError("seeds and keys must be non-negative")
    out = [value & 0xFFFFFFFF]
    value >>= 32
    while value:
        out.append(value & 0xFFFFFFFF)
        value >>= 32
    return out


def seed_words(seed: int, replicate: int, keys: np.ndarray, purpose: str) -> np.ndarray:
    """(n, 4) uint64: SeedSequence(seed, spawn_key=(replicate, key, purpose)).generate_state(4, uint64) for each key."""
    keys = np.asarray(keys, dtype=np.int64)
    if keys.size and (keys.min() < 0 or keys.max() >= 2**32):
        raise ValueError("patient keys must be in [0, 2**32)")
    run = _words32(int(seed))
    run += [0] * max(0, _POOL - len(run))                  # padded to the pool size when a spawn key is present
    n = keys.shape[0]
    cols = [np.full(n, w, np.uint32) for w in run + _words32(int(replicate))]
    cols += [keys.astype(np.uint32), *[np.full(n, w, np.uint32) for w in _words32(PURPOSES[purpose])]]
    with np.errstate(over="ignore"):
        pool = _mix_entropy(cols, n)
        return _generate_state(pool, 8).view(np.uint64) if n else np.zeros((0, 4), np.uint64)


def _mix_entropy(entropy: list[np.ndarray], n: int) -> list[np.ndarray]:
    hash_const = [_INIT_A]

    def hashmix(value):
        value = value ^ hash_const[0]
        hash_const[0] = hash_const[0] * _MULT_A
        value = value * hash_const[0]
        return value ^ (value >> _SHIFT)

    def mix(x, y):
        r = _MIX_L * x - _MIX_R * y
        return r ^ (r >> _SHIFT)

    zero = np.zeros(n, np.uint32)
    pool = [hashmix(entropy[i] if i < len(entropy) else zero) for i in range(_POOL)]
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(_POOL, len(entropy)):
        for dst in range(_POOL):
            pool[dst] = mix(pool[dst], hashmix(entropy[src]))
    return pool


def _generate_state(pool: list[np.ndarray], n_words: int) -> np.ndarray:
    """(n, n_words) uint32, little-endian word order as numpy's generate_state."""
    hash_const = _INIT_B
    out = np.empty((pool[0].shape[0], n_words), np.dtype("<u4"))
    for j in range(n_words):
        v = pool[j % _POOL] ^ hash_const
        hash_const = hash_const * _MULT_B
        v = v * hash_const
        out[:, j] = v ^ (v >> _SHIFT)
    return out


class _Preseeded(ISeedSequence):
    """A seed sequence whose PCG64 seeding words were computed in advance (by `seed_words`)."""

    __slots__ = ("words",)

    def __init__(self, words: np.ndarray):
        self.words = words

    def generate_state(self, n_words, dtype=np.uint32):
        if n_words != 4 or np.dtype(dtype) != np.uint64:
            raise ValueError("pre-seeded sequences serve PCG64 only")
        return self.words


def patient_rng(seed: int, replicate: int, patient_key: int, purpose: str) -> np.random.Generator:
    """The generator of one patient's stream for one purpose: PCG64(SeedSequence(seed, spawn_key=(replicate, patient, purpose)))."""
    ss = np.random.SeedSequence(seed, spawn_key=(replicate, int(patient_key), PURPOSES[purpose]))
    return np.random.Generator(np.random.PCG64(ss))


def patient_rngs(seed: int, replicate: int, keys: np.ndarray, purpose: str) -> list[np.random.Generator]:
    """`patient_rng` for each key, built in one vectorized pass (the same streams)."""
    words = seed_words(seed, replicate, keys, purpose)
    return [np.random.Generator(np.random.PCG64(_Preseeded(w))) for w in words]


class PatientStreams:
    """Lazily created per-patient generators of one purpose, for the patients of a chunk."""

    def __init__(self, seed: int, replicate: int, patient_keys: np.ndarray, purpose: str):
        self.purpose = purpose
        self._words = seed_words(seed, replicate, patient_keys, purpose)
        self._rngs: dict[int, np.random.Generator] = {}

    def __getitem__(self, i: int) -> np.random.Generator:
        rng = self._rngs.get(i)
        if rng is None:
            rng = self._rngs[i] = np.random.Generator(np.random.PCG64(_Preseeded(self._words[i])))
        return rng
