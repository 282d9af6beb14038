"""Per-patient random draws taken in blocks: one generator call per block instead of one per draw.

A patient's draws come from its own stream in blocks of `size` standard normals, used in order; uniforms are
Phi(z) of the next normal (exactly uniform), exponentials -ln(1 - u). A patient's values depend only on its own
stream and how many draws it has taken, whatever the other patients of the chunk do.
"""
from __future__ import annotations

import math

_INV_SQRT2 = 1.0 / math.sqrt(2.0)


class DrawBlocks:
    """Standard normals, uniforms and exponentials per patient from `streams` (PatientStreams of one purpose)."""

    def __init__(self, streams, n: int, size: int = 32):
        self.streams, self.size = streams, size
        self._left: list[list[float] | None] = [None] * n     # the unused rest of each patient's block, last first

    def normal(self, i: int) -> float:
        left = self._left[i]
        if not left:
            left = self._left[i] = self.streams[i].standard_normal(self.size).tolist()[::-1]
        return left.pop()

    def uniform(self, i: int) -> float:
        return 0.5 * math.erfc(-self.normal(i) * _INV_SQRT2)

    def exponential(self, i: int) -> float:
        return -math.log1p(-self.uniform(i))
