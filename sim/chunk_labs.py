"""Blood draws of a chunk's patients (a mixin of ChunkSim): observed counts now or on a later day, one by one or
a batch together, each kept as a lab row and a blood_draw event, with the lowest scheduled counts per patient."""
from __future__ import annotations

import numpy as np

from .chunk_events import WORK_UP

_BATCH_MIN = 8     # blood draws due together below this many are taken one by one (numpy's overhead)


class PatientLabs:
    """ChunkSim's blood draws; uses its lab bench, marrow, lymphocytes, clock and per-patient records."""

    def draw_labs(self, i: int, context: str) -> tuple[float, float, float, float]:
        """Observed (WBC, ANC, ALC in 10^9/L, Hb in g/dL) of patient i now; logged to events and labs."""
        self.sync()
        return self._draw_labs(i, self.t, context)

    def _draw_labs(self, i: int, day: float, context: str) -> tuple[float, float, float, float]:
        wbc, anc, alc, hb = self.lab.observe_one(i, self.marrow.count_of(i), float(self.lymph.x[i]))
        self._record_draw(i, day, context, wbc, anc, alc, hb)
        return wbc, anc, alc, hb

    def draw_labs_many(self, idx: list[int], days: list[float], contexts: list[str]) -> list[float]:
        """Blood draws of patients idx (distinct) on `days` with the state now, as _draw_labs of each: their WBCs."""
        if len(idx) < _BATCH_MIN:
            return [self._draw_labs(i, d, c)[0] for i, d, c in zip(idx, days, contexts)]
        ix = np.array(idx)
        obs = self.lab.observe(ix, self.marrow.count()[ix], self.lymph.x[ix])
        scheduled = np.array([c is not WORK_UP for c in contexts])
        if scheduled.any():                         # as _record_draw: the lowest scheduled counts
            at, (w, a) = ix[scheduled], (x[scheduled] for x in obs[:2])
            self.wbc_min_scheduled[at] = np.fmin(self.wbc_min_scheduled[at], w)
            self.anc_min_scheduled[at] = np.fmin(self.anc_min_scheduled[at], a)
        wbc, anc, alc, hb = (a.tolist() for a in obs)
        keep = self._keep_draw
        for i, day, context, w, a, l, h in zip(idx, days, contexts, wbc, anc, alc, hb):
            keep(i, day, context, w, a, l, h)
        return wbc

    def _record_draw(self, i: int, day: float, context: str, wbc: float, anc: float, alc: float, hb: float) -> None:
        if context is not WORK_UP:                  # scheduled checks (pre-infusion, after a course, protocol labs)
            if not wbc >= self.wbc_min_scheduled[i]:
                self.wbc_min_scheduled[i] = wbc
            if not anc >= self.anc_min_scheduled[i]:
                self.anc_min_scheduled[i] = anc
        self._keep_draw(i, day, context, wbc, anc, alc, hb)

    def _keep_draw(self, i: int, day: float, context: str, wbc: float, anc: float, alc: float, hb: float) -> None:
        lab = (self.ids[i], day, wbc, anc, alc, hb, context)
        self._labs[i].append(lab)
        self._events[i].append((lab[0], day, "blood_draw", lab))      # the lab row is the event's details record

    def schedule_labs(self, i: int, day: float, context: str) -> None:
        """A blood draw at a later day, taken by the stepper when it reaches that day."""
        if day < self.end:
            self._lab_queue.setdefault(self._step_of(day), []).append((day, i, context))

    def _draw_queued(self, queued: list[tuple[float, int, str]]) -> None:
        """The blood draws queued for this step, in queue order; together while no patient has two."""
        days, idx, contexts = zip(*queued)
        if len(set(idx)) == len(idx):
            self.draw_labs_many(list(idx), list(days), list(contexts))
        else:
            for day, i, context in queued:
                self._draw_labs(i, day, context)

