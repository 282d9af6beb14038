"""What happens to one patient of a chunk at an event: a relapse, an infection, death, a scheduled action, a toxicity
that ends treatment. A mixin of ChunkSim (sim/engine.py): the methods use the chunk's state and services."""
from __future__ import annotations

import numpy as np

from .disease import report_edss
from .regimens.outcome import Outcome

WORK_UP = "infection work-up"   # the context of a blood draw at an infection (unscheduled)

# Event records, rendered when written (sim/event_columns.py reads their values)
RELAPSE = "attack {} ({}): EDSS +{:.2f} acute, +{:.2f} residual; EDSS {:.1f}"   # (RELAPSE, n, phenotype, acute,
                                                                                 # residual, EDSS after)
DEATH = "death: {}"                                      # (DEATH, cause)
EDSS_VISIT = "EDSS {:.1f} (visit)"                       # (EDSS_*, reported EDSS): the engine's EDSS rows
EDSS_DEATH = "EDSS {:.1f} (death)"
EDSS_END = "EDSS {:.1f} (end of follow-up)"
INFECTION = {True: "serious", False: "non-serious"}      # an infection's details (text), by seriousness


class PatientEvents:
    """Event handlers of ChunkSim (see sim/engine.py for the state they read and write)."""

    def at_day(self, day: float, action) -> None:
        """Call `action()` on `day` (simpy time), unless the chunk has finished by then."""
        def fire(_):
            if not self._finished:
                action()
        self.env.timeout(max(day - self.env.now, 0.0)).callbacks.append(fire)

    def die_now(self, i: int, cause: str) -> None:
        """Patient i dies now of `cause` (a scheduled death: fatal leukaemia), if alive."""
        self.sync()
        if self.alive[i]:
            self._die(i, self.env.now, cause)

    def hold_treatment(self, i: int, cause: str) -> None:
        """A toxicity that ends treatment: the drug's next dose decision stops it (mitoxantrone's course history)."""
        h = self._histories.get((i, "mitoxantrone"))
        if h is not None and h.stop_pending is None:
            h.stop_pending = cause

    def _after_refractory(self, i: int, te: float, t0: float, t1: float) -> float:
        """The attack day of a crossing timed at te in [t0, t1]: the hazard accrues only after the refractory time
        ends, so in a step where it ends, te's place in the step is mapped into the part after it (strictly later)."""
        r = self.refractory_until[i]
        if r <= t0:
            return te
        return r + (t1 - r) * max((te - t0) / (t1 - t0), 1e-9)

    def _severity_ratio(self, i: int) -> float:
        """The product of attack_severity_ratio over the drugs acting on patient i now (rate ratio below 1)."""
        out = 1.0
        for drug, ratio in self._severity.items():
            r = self._rr_of.get(drug, 1.0)
            if (r if np.ndim(r) == 0 else r[i]) < 1.0 - 1e-9:
                out *= ratio
        return out

    def _relapse(self, i: int, day: float, t1: float, threshold: float, kind: int, acute: float,
                 residual: float) -> None:
        """Patient i's attack on `day` (phenotype and EDSS steps drawn by the caller from its relapse stream), with the
        next threshold."""
        dis = self.scn.disease
        self.attacks[i].append((day, acute, residual))
        self.attack_kinds[i].append(kind)
        self.refractory_until[i] = day + dis.attack_gap_days
        left = 0.0
        if dis.attack_gap_days == 0:   # no refractory time: keep the hazard accrued after the event in this step
            left = self.spells.rate[i] * (t1 - day)
        self.relapses.restart(i, threshold, left)
        edss = report_edss(self._edss(i, day + 1e-9))
        self.log(i, "relapse", (RELAPSE, len(self.attacks[i]), self.phenotypes[kind], acute, residual, edss), day=day)
        for hook in list(self.relapse_hooks[i].values()):
            hook(i, day)
        self.notify(i)

    def _die(self, i: int, day: float, cause: str) -> None:
        """Patient i dies on `day`: EDSS 10, treatment stops, and nothing more happens to the patient (doses and draws
        queued for later are dropped, the protocol process is interrupted)."""
        self.alive[i] = False
        self._alive_f[i] = 0.0
        self.death_day[i] = day
        self.death_cause[i] = cause
        self.log(i, "death", (DEATH, cause), day=day)
        for due in self._doses.values():
            for who, amt in due.values():
                while i in who:
                    j = who.index(i)
                    del who[j], amt[j]
        for k, queue in list(self._lab_queue.items()):
            self._lab_queue[k] = [q for q in queue if q[1] != i]
        proc = self._process.pop(i, None)
        if proc is not None and proc.is_alive:
            if not self.stopped[i]:
                self.stop(i, Outcome("death", f"death: {cause}", day, day))
            if self._env_done:
                pass                                     # the simulation is over (the last steps): nothing to interrupt
            elif self.env.active_process is proc:       # the patient's own process is running: interrupt it next
                self.env.timeout(0).callbacks.append(lambda _, p=proc: p.is_alive and p.interrupt("death"))
            else:
                proc.interrupt("death")
        for m in self._daily:
            m.daily.on[i] = False

    def _infections(self, hits: list[tuple[int, float]]) -> None:
        """Infections of distinct patients in this step (patient, day): serious or not and the next threshold from
        each patient's infection stream, then their work-up blood draws together (at the stepper's time)."""
        if not hits:
            return
        frac, streams, log = self.scn.infection.serious_fraction, self._streams["infection"], self.log
        idx = [i for i, _ in hits]
        serious, thresholds = [], []
        for i, day in hits:
            rng = streams[i]
            hit = rng.random() < frac
            thresholds.append(rng.standard_exponential())
            serious.append(hit)
            log(i, "infection", INFECTION[hit], day=day)
        ix = np.array(idx)
        self.infect.restart_many(ix, np.array(thresholds))
        self.n_infections[ix] += 1
        self.n_serious[ix] += np.array(serious)
        wbcs = self.draw_labs_many(idx, [self.t] * len(hits), [WORK_UP] * len(hits))
        for (i, day), wbc in zip(hits, wbcs):
            self.infections[i].append((day, wbc))

    def _drop_after_death(self, i: int) -> None:
        """Records dated after patient i's death (infusions of a course queued before it, checks booked for later)."""
        dd = self.death_day[i]
        self._events[i] = [e for e in self._events[i] if e[1] <= dd]
        self._labs[i] = [x for x in self._labs[i] if x[1] <= dd]
