"""Per-patient random draws taken in blocks: one generator call per block instead of one per draw.

A patient's draws come from its own stream in blocks of `size` standard normals, used in order; uniforms are
Phi(z) of the next normal (exactly uniform), exponentials -ln(1 - u). A patient's values depend only on its own
stream and how many draws it has taken, whatever the other patients of the chunk do. The blocks are one array over
the chunk's patients, so a batch of patients (a clinic visit) takes its draws in one numpy pass.
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr


class DrawBlocks:
    """Standard normals, uniforms and exponentials per patient from `streams` (PatientStreams of one purpose).

    With source="random" the blocks hold the generator's own uniforms instead (Generator.random), taken with `take`:
    a patient's values are then exactly those of calling random() on its stream once per draw."""

    def __init__(self, streams, n: int, size: int = 32, source: str = "standard_normal"):
        self.streams, self.size, self.source = streams, size, source
        self._block = np.empty((n, size))
        self._pos = np.full(n, size)          # each patient's next unused draw (size: its block is used up)

    def _refill(self, i: int) -> None:
        self._block[i] = getattr(self.streams[i], self.source)(self.size)
        self._pos[i] = 0

    def normals(self, idx) -> np.ndarray:
        """The next standard normal of each of the distinct patients idx."""
        assert self.source == "standard_normal"
        return self.take(idx)

    def take(self, idx) -> np.ndarray:
        """The next value of each of the distinct patients idx, from its block."""
        idx = np.asarray(idx, dtype=np.intp)
        pos = self._pos[idx]
        empty = pos == self.size
        if empty.any():
            for i in idx[empty].tolist():
                self._refill(i)
            pos[empty] = 0
        self._pos[idx] = pos + 1
        return self._block[idx, pos]

    def uniforms(self, idx) -> np.ndarray:
        """The next uniform of each of the distinct patients idx: Phi of its next normal."""
        return ndtr(self.normals(idx))

    def exponentials(self, idx) -> np.ndarray:
        """The next Exp(1) of each of the distinct patients idx: -ln(1 - u) of its next uniform (as -ln Phi(-z))."""
        return -np.log(ndtr(-self.normals(idx)))

    def normal(self, i: int) -> float:
        return float(self.normals([i])[0])

    def uniform(self, i: int) -> float:
        return float(self.uniforms([i])[0])

    def exponential(self, i: int) -> float:
        return float(self.exponentials([i])[0])
