"""Observed blood counts of a chunk's patients, as an analyser with a differential reports them, rounded.

The total WBC carries a log-normal error; the differential splits the observed total in the proportions of the true
neutrophil, lymphocyte and other counts, the first two perturbed by their own log-normal errors, so the reported ANC and
ALC are shares of the reported WBC (ANC + ALC < WBC, as in any differential count). Hb has its own error.

Each patient's errors come from its own labs stream, drawn in blocks of `BLOCK`; a draw takes 4 (WBC, ANC, ALC, Hb), so
a patient's values depend only on its own stream and how many draws it had, whether drawn alone or with others.
"""
from __future__ import annotations

import numpy as np

BLOCK = 64   # errors drawn per patient at a time (a multiple of 4: one draw takes 4)


def round_like_python(x: np.ndarray, decimals: int) -> np.ndarray:
    """`round(v, decimals)` of every element, exactly as Python rounds floats (correctly rounded, ties to even).

    numpy's round scales by 10**decimals first, which can move a value that lies within rounding error of a tie to
    the other side; those few are rounded by Python itself.
    """
    out = x.round(decimals)
    s = x * 10.0 ** decimals
    s -= np.floor(s)
    s -= 0.5
    near_tie = np.abs(s, out=s) < 1e-6
    if np.count_nonzero(near_tie):
        out[near_tie] = [round(v, decimals) for v in x[near_tie].tolist()]
    return out


class LabErrors:
    """Per-patient blocks of multiplicative lab errors exp(cv*z), z standard normal from the patient's labs stream."""

    def __init__(self, streams, n: int, cv: float):
        self.streams, self.cv = streams, cv
        self.values = np.empty((n, BLOCK))
        self.pos = np.full(n, BLOCK)             # next unused error per patient (BLOCK: the block is used up)

    def _refill(self, i: int) -> None:
        self.values[i] = np.exp(self.cv * self.streams[i].standard_normal(BLOCK))
        self.pos[i] = 0

    def next4_of(self, i: int) -> list[float]:
        """The next four errors of patient i."""
        c = int(self.pos[i])
        if c == BLOCK:
            self._refill(i)
            c = 0
        self.pos[i] = c + 4
        return self.values[i, c:c + 4].tolist()

    def next4(self, idx: np.ndarray) -> np.ndarray:
        """(len(idx), 4) next errors of distinct patients idx, the same values as next4_of for each in turn."""
        c = self.pos[idx]
        empty = c == BLOCK
        if empty.any():
            for i in idx[empty].tolist():
                self._refill(i)
            c[empty] = 0
        self.pos[idx] = c + 4
        return self.values[idx[:, None], c[:, None] + np.arange(4)]


class LabBench:
    """Observes patients' counts (10^9/L, Hb g/dL) with lab error and keeps each patient's lowest observed WBC and ANC."""

    def __init__(self, streams, n: int, cv: float, decimals: int, other_per_nl: np.ndarray, hb_g_per_dl: np.ndarray):
        self.errors = LabErrors(streams, n, cv)
        self.decimals = decimals
        self.other, self.hb = np.asarray(other_per_nl, float), np.asarray(hb_g_per_dl, float)
        self._other, self._hb = self.other.tolist(), self.hb.tolist()
        self.wbc_min = np.full(n, np.nan)   # lowest observed WBC per patient (NaN: none yet)
        self.anc_min = np.full(n, np.nan)   # lowest observed ANC per patient

    def observe_one(self, i: int, anc: float, alc: float) -> tuple[float, float, float, float]:
        """Observed (WBC, ANC, ALC, Hb) of patient i with true ANC and ALC."""
        e = self.errors.next4_of(i)
        dec = self.decimals
        w_n, w_l, other = anc * e[1], alc * e[2], self._other[i]
        total = (anc + alc + other) * e[0]
        share = total / (w_n + w_l + other)
        wbc = round(total, dec)
        anc_o = round(w_n * share, dec)
        alc_o = min(round(w_l * share, dec), round(wbc - anc_o, dec))    # rounding never makes ANC + ALC exceed WBC
        hb = round(self._hb[i] * e[3], 1)
        if not wbc >= self.wbc_min[i]:
            self.wbc_min[i] = wbc
        if not anc_o >= self.anc_min[i]:
            self.anc_min[i] = anc_o
        return wbc, anc_o, alc_o, hb

    def observe(self, idx: np.ndarray, anc: np.ndarray, alc: np.ndarray) -> tuple[np.ndarray, ...]:
        """Observed (WBC, ANC, ALC, Hb) arrays of distinct patients idx: the values observe_one gives each."""
        e = self.errors.next4(idx)
        dec = self.decimals
        other = self.other[idx]
        w_n, w_l = anc * e[:, 1], alc * e[:, 2]
        total = (anc + alc + other) * e[:, 0]
        share = total / (w_n + w_l + other)
        wbc = round_like_python(total, dec)
        anc_o = round_like_python(w_n * share, dec)
        alc_o = np.minimum(round_like_python(w_l * share, dec), round_like_python(wbc - anc_o, dec))
        hb = round_like_python(self.hb[idx] * e[:, 3], 1)
        self.wbc_min[idx] = np.fmin(self.wbc_min[idx], wbc)
        self.anc_min[idx] = np.fmin(self.anc_min[idx], anc_o)
        return wbc, anc_o, alc_o, hb
