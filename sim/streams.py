"""Per-patient random streams keyed by (replicate, patient, purpose), independent of chunking and workers."""
from __future__ import annotations

import numpy as np

#: One stream per kind of draw. Never renumber: keys are part of reproducibility.
PURPOSES = {
    "covariates": 0,   # the candidate's fixed block: covariates, first thresholds, pre-study history
    "relapse": 1,      # per on-study attack: the next Exp(1) threshold, then its EDSS severity
    "infection": 2,    # per infection: serious or not, the next threshold
    "labs": 3,         # measurement error of blood counts
    "protocol": 4,     # per course: toxicity grade; LVEF measurement error
    "adherence": 5,    # missed oral doses
}


def patient_rng(seed: int, replicate: int, patient_key: int, purpose: str) -> np.random.Generator:
    """The generator of one patient's stream for one purpose: SeedSequence(seed, spawn_key=(replicate, patient, purpose))."""
    ss = np.random.SeedSequence(seed, spawn_key=(replicate, int(patient_key), PURPOSES[purpose]))
    return np.random.Generator(np.random.PCG64(ss))


class PatientStreams:
    """Lazily created per-patient generators of one purpose, for the patients of a chunk."""

    def __init__(self, seed: int, replicate: int, patient_keys: np.ndarray, purpose: str):
        self.seed = seed
        self.replicate = replicate
        self.keys = np.asarray(patient_keys)
        self.purpose = purpose
        self._rngs: dict[int, np.random.Generator] = {}

    def __getitem__(self, i: int) -> np.random.Generator:
        rng = self._rngs.get(i)
        if rng is None:
            rng = patient_rng(self.seed, self.replicate, int(self.keys[i]), self.purpose)
            self._rngs[i] = rng
        return rng
