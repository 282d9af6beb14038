"""The simpy wiring: per chunk of patients one Environment holding the patients' protocol processes and one physiology stepper.

The stepper advances every patient's continuous state together (PK, marrow, hazards) at a fixed step. Protocol processes
call `sync()` before reading state, so the state they see is always at their own time. Hazard events (relapse, infection)
are timed by interpolating the cumulative-hazard crossing inside a step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np
import simpy

from .cohort import Cohort
from .adverse_events import adverse_event_rows
from .dosing_dataset import dosing_rows
from .chunk_edss import ChunkEdss
from .chunk_events import EDSS_DEATH, EDSS_END, EDSS_VISIT, PatientEvents
from .chunk_labs import PatientLabs
from .draw_blocks import DrawBlocks
from .disease import attack_steps, phenotype_names, report_edss_array
from .disease_course import attack_rows, edss_course_columns
from .event_columns import event_field_rows
from .event_text import rendered
from .labs import LabBench
from .physiology.hazards import BelowBands, HazardClock, clip01
from .relapse_process import SpellClock, spell_rates
from .physiology.marrow import Friberg, Lymphocytes
from .regimens import build_model, treat
from .regimens.mitoxantrone_safety import SafetyWatch
from .regimens.outcome import Outcome
from .scenario import YEAR_DAYS, Arm, Mitoxantrone, Scenario, leaf_regimens
from .patient_table import patient_columns
from .streams import PatientStreams, PURPOSES

CLOCK_DAYS = 1.0   # how often the stepper process wakes in simpy time (it steps at run.step_days inside)
_day = itemgetter(1)


@dataclass
class ChunkResult:
    """Records of one chunk: events and labs rows, and per-patient outcome columns."""

    events: list[tuple] = field(default_factory=list)     # (patient, day, type, details), in (patient, day) order
    labs: list[tuple] = field(default_factory=list)       # (patient, day, wbc, anc, alc, hb, context), (patient, day) order
    patients: dict[str, list] = field(default_factory=dict)
    tallies: list[tuple] = field(default_factory=list)    # (patient, kind, cause)
    attacks: list[tuple] = field(default_factory=list)    # (patient, day, phenotype, acute, residual, pre_study), by patient
    adverse_events: list[tuple] = field(default_factory=list)   # (patient, day, term, who_grade, serious, outcome),
                                                                # made with the events' text (run(render=True))
    dosing: list[tuple] = field(default_factory=list)   # NONMEM-style dose and observation rows (sim/dosing_dataset.py),
                                                        # made with the events' text (run(render=True))
    event_fields: list[tuple] = field(default_factory=list)   # per event (same order): its EVENT_FIELDS values
                                                              # (sim/event_columns.py), made with the events' text


class ChunkSim(PatientEvents, PatientLabs):
    """A chunk of patients on one arm: state arrays over patients, event records, and the simpy environment."""

    def __init__(self, scn: Scenario, arm: Arm, cohort: Cohort, first_id: int, trace: bool = False, rows: bool = True):
        """rows=False keeps no event or lab rows (nor the decisions' reasons text): for runs that keep only per-patient
        columns, tallies and attacks, which are the same either way."""
        self.scn, self.arm, self.cohort = scn, arm, cohort
        self.rows = rows
        if not rows:
            self.log = self._keep_draw = _discard
        self.trace: list[tuple[float, np.ndarray, np.ndarray]] | None = [] if trace else None   # (day, WBC, ANC) per step
        self.ids = list(range(first_id, first_id + cohort.n))
        n, dt = cohort.n, scn.run.step_days
        self.n, self.dt = n, dt
        self.end = float(scn.run.follow_up_days)
        self.env = simpy.Environment()
        self.t = 0.0
        self.k = 0                        # steps done; self.t = k * dt
        self.res = ChunkResult()
        self._streams = {p: PatientStreams(scn.run.seed, scn.run.replicate, cohort.key, p) for p in PURPOSES}
        cov = cohort.cov
        # physiology
        phys = scn.physiology
        mtt = phys.marrow.mtt_hours / 24.0 * np.exp(_sd(phys.marrow.mtt_cv) * cov["eta_marrow_mtt"])
        self.marrow = Friberg(cov["true_anc_per_nl"], mtt, phys.marrow.gamma, dt)
        self.lymph = Lymphocytes(cov["true_alc_per_nl"], phys.lymphocytes.recovery_half_life_days, dt)
        self.other = cov["true_other_per_nl"]
        self.wbc_nadir = self.marrow.count() + self.lymph.count() + self.other
        self.wbc_nadir_day = np.zeros(n)              # day of the lowest true WBC (0: never below baseline)
        self.wbc_min_scheduled = np.full(n, np.nan)    # lowest observed WBC / ANC at scheduled checks (not work-ups)
        self.anc_min_scheduled = np.full(n, np.nan)
        self.lab = LabBench(self._streams["labs"], n, phys.labs.cv, phys.labs.decimals, self.other,
                            cov["true_hb_g_per_dl"])
        self._events: list[list[tuple]] = [[] for _ in range(n)]    # per patient: (patient, day, type, details)
        self._labs: list[list[tuple]] = [[] for _ in range(n)]      # per patient: (patient, day, wbc, anc, alc, hb, context)
        self.models = {}                                             # drug -> its physiology model for this chunk
        for reg in leaf_regimens(arm.regimen):
            if reg.drug not in self.models and reg.drug != "none":
                self.models[reg.drug] = build_model(reg, cohort, dt, self.end)
        self._daily = [m for m in self.models.values() if m.daily is not None]
        self._alc_rises = [m.alc_rise for m in self.models.values() if getattr(m, "alc_rise", None) is not None]
        self._reserves = [m for m in self.models.values() if getattr(m, "reserve", None) is not None]
        self._doses: dict[int, dict[str, tuple[list, list]]] = {}   # step index -> drug -> ([patient], [amount])
        self.relapse_hooks: list[dict] = [{} for _ in range(n)]     # per patient: owner -> f(patient, day)
        self._wake: dict[int, simpy.Event] = {}                     # patients whose sequence driver waits for news
        self._dose_alarm: dict[int, int] = {}                       # patient -> doses_of() at which to wake its driver
        self._histories: dict[tuple[int, str], object] = {}
        self.doses = [0] * n                                        # doses or courses given (bolus protocols)
        self.phase_path = [""] * n
        self.phase_days: list[list[float]] = [[] for _ in range(n)]   # start day of each phase of a sequence
        self.infection_ratio = np.ones(n)
        self.stopped = np.zeros(n, bool)
        self.covered_until = np.full(n, np.nan)
        self._lab_queue: dict[int, list[tuple[float, int, str]]] = {}  # step index -> [(day, patient, context)]
        # relapses: rate per day by activity spell, refractory after the last attack (pre-study attacks count)
        dis = scn.disease
        self.spells = SpellClock(spell_rates(dis, cov["untreated_arr"] / dis.untreated_arr), cov["spell_active0"],
                                 cov["spell_switches"])
        last = np.nanmax(np.where(np.isnan(cohort.hist_days), -np.inf, cohort.hist_days), axis=1)
        self.refractory_until = last + dis.attack_gap_days
        self.relapses = HazardClock(cov["relapse_threshold"])
        self.phenotypes = phenotype_names(dis.edss)
        self.attack_kinds: list[list[int]] = [[] for _ in range(n)]                  # phenotype index per attack
        self._severity = {r.drug: r.attack_severity_ratio for r in leaf_regimens(arm.regimen)
                          if getattr(r, "attack_severity_ratio", 1.0) != 1.0}
        self._rr_of: dict[str, object] = {}                                          # drug -> its rate ratio now
        # death: absorbing; a background hazard (age-scaled) and fatal attacks
        self.alive = np.ones(n, bool)
        self._alive_f = np.ones(n)
        self.death_day = np.full(n, np.nan)
        self.death_cause = [""] * n
        self._deaths: list[tuple[int, float, str]] = []
        d = dis.death
        self.death_rate = (d.rate_per_year / YEAR_DAYS
                           * d.hazard_ratio_per_decade ** ((cov["age_years"] - d.reference_age_years) / 10.0))
        self.death_clock = HazardClock(cov["death_threshold"]) if d.rate_per_year > 0 else None
        self._process: dict[int, simpy.Process] = {}
        self.infect = HazardClock(cov["infection_threshold"])
        inf = scn.infection
        self.inf_rate = inf.base_rate_per_year / YEAR_DAYS
        self._by_anc = BelowBands([b.below_anc_per_nl for b in inf.anc_bands], [b.multiplier for b in inf.anc_bands])
        self._by_alc = (BelowBands([b.below_alc_per_nl for b in inf.alc_bands], [b.multiplier for b in inf.alc_bands])
                        if inf.alc_bands else None)
        self.attacks: list[list[tuple[float, float, float]]] = [[] for _ in range(n)]   # (day, acute, residual)
        self.edss = ChunkEdss(cohort, self.attacks, dis.edss)
        self.infections: list[list[tuple[float, float]]] = [[] for _ in range(n)]      # (day, observed WBC)
        self.n_infections = np.zeros(n, int)
        self.n_serious = np.zeros(n, int)
        self.cumulative = np.zeros(n)
        self.courses = np.zeros(n, int)
        self.toxicity_max = np.zeros(n, int)
        self.stop_reason = [""] * n
        self.stop_day = np.full(n, np.nan)
        mitox = next((r for r in leaf_regimens(arm.regimen) if isinstance(r, Mitoxantrone)), None)
        self.safety = SafetyWatch(self, mitox) if mitox is not None else None   # heart, leukaemia, amenorrhoea
        self._finished = False
        self._env_done = False            # simpy has run to the end of follow-up (only the last steps remain)
        self._generators: list = []                                 # every process's generator, closed at the end
        self.protocol_draws = DrawBlocks(self._streams["protocol"], n, 16, source="random")   # as rng(i, "protocol")
        self.clinics: dict[str, object] = {}                        # drug -> its batched protocol (regimens/courses.py)
        self.spawn(self._clock())
        if arm.regimen.drug != "none":
            for i in range(n):
                self._process[i] = self.spawn(treat(self, i, arm.regimen))

    # ---------------------------------------------------------------- services for protocol processes
    def spawn(self, generator) -> simpy.Process:
        """A simpy process of this chunk (its generator is closed when the chunk ends)."""
        self._generators.append(generator)
        return self.env.process(generator)

    def rng(self, i: int, purpose: str) -> np.random.Generator:
        return self._streams[purpose][i]

    def log(self, i: int, kind: str, details, day: float | None = None) -> None:
        """An event of patient i (now, or on `day`); its details text or a record (event_text.py).

        A patient's events are kept in the order logged: a stable sort by day at the end orders events of one day so."""
        self._events[i].append((self.ids[i], self.env.now if day is None else day, kind, details))

    def sync(self) -> None:
        """Bring the physiology up to the current simulation time."""
        self.advance_to(self.env.now)

    def give(self, i: int, drug: str, days: list[float], amount: float, text) -> None:
        """Bolus doses of `amount` (the drug model's dose unit) on each of `days`, applied by the stepper at those times."""
        self.give_many([i], self.dose_queues(drug, days), [amount], [text])

    def dose_queues(self, drug: str, days: list[float]) -> list[tuple[float, list, list]]:
        """(day, patients, amounts) lists of the steps that hold `days` (those before the end): where give_many queues doses."""
        out = []
        for day in days:
            if day < self.end:
                due = self._doses.setdefault(self._step_of(day), {})
                who, amt = due.get(drug) or due.setdefault(drug, ([], []))
                out.append((day, who, amt))
        return out

    def give_many(self, idx: list[int], queues: list[tuple[float, list, list]], amounts: list[float],
                  texts: list) -> None:
        """Doses of distinct patients idx, amounts[j] and texts[j] each, into `queues` (from dose_queues, valid until
        the stepper moves), each logged (texts unused in a chunk that keeps no rows)."""
        for day, who, amt in queues:
            who.extend(idx)
            amt.extend(amounts)
        if not self.rows:
            return
        ids, events = self.ids, self._events
        days = [day for day, _, _ in queues]
        for i, text in zip(idx, texts):
            pid = ids[i]
            events[i].extend([(pid, day, "infusion", text) for day in days])

    def dosed(self, i: int) -> None:
        """A dose or course was given: counted, and a waiting sequence driver is told."""
        self.doses[i] += 1
        self.notify(i)

    def doses_of(self, i: int) -> int:
        """Doses given to patient i so far: bolus doses and courses, and the daily oral doses taken."""
        return self.doses[i] + sum(int(m.daily.count[i]) for m in self._daily)

    def alarm_at_doses(self, i: int, total: int) -> None:
        """Wake patient i's waiting driver once doses_of(i) reaches `total` (daily doses are counted by the stepper)."""
        self._dose_alarm[i] = total

    def stop(self, i: int, outcome: Outcome) -> None:
        """Treatment ends for patient i (follow-up goes on), with the outcome's cause, day and cover."""
        self.stop_reason[i] = outcome.cause
        self.stop_day[i] = outcome.day
        self.covered_until[i] = min(outcome.covered_until_day, self.end)
        self.stopped[i] = True
        self.log(i, "stop", outcome.record(), day=outcome.day)
        self.leave_phase(i)

    def leave_phase(self, i: int) -> None:
        """Daily dosing of patient i ends, relapse hooks are dropped, the infection ratio is reset."""
        self.sync()
        for m in self._daily:
            m.daily.on[i] = False
        self.relapse_hooks[i].clear()
        self.infection_ratio[i] = 1.0

    def set_infection_ratio(self, i: int, ratio: float) -> None:
        self.sync()
        self.infection_ratio[i] = ratio

    def history(self, i: int, drug: str, make):
        """Patient i's record for a drug's rules (made on first use), kept across the phases of a sequence."""
        h = self._histories.get((i, drug))
        if h is None:
            h = self._histories[(i, drug)] = make()
        return h

    def watch(self, i: int) -> simpy.Event:
        """An event that fires at patient i's next relapse or dose."""
        ev = self._wake[i] = self.env.event()
        return ev

    def unwatch(self, i: int) -> None:
        self._wake.pop(i, None)
        self._dose_alarm.pop(i, None)

    def notify(self, i: int) -> None:
        ev = self._wake.pop(i, None)
        if ev is not None and not ev.triggered:
            ev.succeed()

    def edss_now(self, i: int) -> float:
        """Continuous EDSS of patient i now."""
        self.sync()
        return self._edss(i, self.env.now + 1e-9)

    def tally(self, i: int, kind: str, causes: tuple[str, ...]) -> None:
        for c in causes:
            self.res.tallies.append((self.ids[i], kind, c))

    def tally_many(self, idx: list[int], kind: str, causes: list[str]) -> None:
        """One record of `kind` for each patient of idx, with its cause."""
        ids = self.ids
        self.res.tallies.extend([(ids[i], kind, c) for i, c in zip(idx, causes)])

    # ---------------------------------------------------------------- the stepper
    def _clock(self):
        while self.env.now < self.end:
            yield self.env.timeout(min(CLOCK_DAYS, self.end - self.env.now))
            self.advance_to(self.env.now)

    def _step_of(self, day: float) -> int:
        """Index of the step [k*dt, (k+1)*dt) that contains `day` (never in the past): doses and draws act at its start."""
        k = int(day / self.dt + 1e-9)
        return k if k > self.k else self.k

    def advance_to(self, t: float) -> None:
        while (self.k + 1) * self.dt <= t + 1e-9:
            self._step()

    def _step(self) -> None:
        dt = self.dt
        t0, t1 = self.k * dt, (self.k + 1) * dt
        doses = self._doses.pop(self.k, None)
        if doses:
            for drug, (idx, amt) in doses.items():
                self.models[drug].dose(np.array(idx), np.array(amt))
        if self._daily:
            day = math.ceil(t0 - 1e-9)
            if day < t1 - 1e-9:                     # an integer day starts in this step: daily doses
                for m in self._daily:
                    idx = m.daily.due(day)
                    if idx.size:
                        m.dose(idx, m.daily.amt[idx])
                for i, total in list(self._dose_alarm.items()):
                    if self.doses_of(i) >= total:
                        del self._dose_alarm[i]
                        self.notify(i)
        queued = self._lab_queue.pop(self.k, None)
        if queued:
            self._draw_queued(queued)
        effect, kill, rr = 0.0, 0.0, 1.0
        for drug, m in self.models.items():
            e, k, r = m.step()
            effect, kill, rr = effect + e, kill + k, rr * r
            self._rr_of[drug] = r
        rise = None
        for r in self._alc_rises:
            rise = r.step() if rise is None else rise + r.step()
        reserve = None
        if self._reserves:         # counts return to reserve x baseline: (1 - E) (R / Circ)^gamma in the Friberg feedback
            reserve = self._reserves[0].reserve
            for m in self._reserves[1:]:
                reserve = reserve * m.reserve
            rise = reserve - 1.0 if rise is None else (1.0 + rise) * reserve - 1.0
        self.marrow.step(effect, reserve)
        self.lymph.step(kill, rise)
        # relapses
        active = clip01((t1 - self.refractory_until) / dt)
        idx, times = self.relapses.advance(self.spells.mean_rate(t0, t1) * rr * active * self._alive_f, t0, dt)
        if idx.size:
            draws = [self.rng(i, "relapse") for i in idx.tolist()]
            thresholds = [float(g.standard_exponential()) for g in draws]
            u = np.array([g.random(5) for g in draws])
            kind, acute, residual, fatal = attack_steps(u[:, 0], u[:, 1], u[:, 2], u[:, 3], self.scn.disease.edss)
            for j, (i, te) in enumerate(zip(idx.tolist(), times.tolist())):
                ratio = self._severity_ratio(i) if self._severity else 1.0
                day = self._after_refractory(i, te, t0, t1)
                self._relapse(i, day, t1, thresholds[j], int(kind[j]), float(acute[j]) * ratio,
                              float(residual[j]) * ratio)
                if u[j, 4] < fatal[j]:
                    self._deaths.append((i, day, f"fatal {self.phenotypes[int(kind[j])]} attack"))
        if self.death_clock is not None:
            idx, times = self.death_clock.advance(self.death_rate * self._alive_f, t0, dt)
            for i, te in zip(idx.tolist(), times.tolist()):
                self._deaths.append((i, te, "death from other causes"))
                self.death_clock.restart(i, np.inf)        # one death per patient: the clock never fires again
        # infections
        anc = self.marrow.count()
        mult = self._by_anc(anc)
        if self._by_alc is not None:
            mult *= self._by_alc(self.lymph.x)
        idx, times = self.infect.advance(self.inf_rate * mult * self.infection_ratio * self._alive_f, t0, dt)
        self.k += 1
        self.t = t1
        if self._deaths:
            deaths, self._deaths = self._deaths, []
            for i, te, cause in sorted(deaths, key=_day):
                if self.alive[i]:
                    self._die(i, te, cause)
        if idx.size:
            self._infections([(i, te) for i, te in zip(idx.tolist(), times.tolist())
                              if self.alive[i] or te <= self.death_day[i]])
        if self.safety is not None:
            self.safety.step(t0, dt, self.alive)
        wbc = anc + self.lymph.count() + self.other
        lower = wbc < self.wbc_nadir
        if np.count_nonzero(lower):
            self.wbc_nadir[lower] = wbc[lower]
            self.wbc_nadir_day[lower] = t1
        if self.trace is not None:
            self.trace.append((t1, wbc.copy(), anc.copy()))

    def _edss(self, i: int, day: float) -> float:
        """Continuous EDSS of patient i on `day`, from its pre-study and on-study attacks."""
        return self.edss.of(i, (day,))[0]

    # ---------------------------------------------------------------- run and collect
    def run(self, render: bool = True) -> ChunkResult:
        """Simulate the chunk to the end of follow-up; events' details as text (render) or as records (event_text.py)."""
        self.env.run(until=self.end)
        self._env_done = True
        self.advance_to(self.end)
        self._finished = True
        self._finish()
        self._release()
        if render:        # tables wanted: adverse-event and dosing rows, events' columns from the records, then text
            self.res.adverse_events = adverse_event_rows(self.res.events)
            self.res.dosing = dosing_rows(self.res.events, self.res.labs)
            self.res.event_fields = event_field_rows(self.res.events)
            self.res.events = rendered(self.res.events)
        return self.res

    def _release(self) -> None:
        """Break the chunk's reference cycles, so that it is freed by reference counting, without the cyclic GC.

        Suspended generators hold the chunk in their frames: they are closed, and the events still queued then meet
        closed generators and drain. Relapse hooks are closures over the chunk.
        """
        for g in self._generators:
            g.close()
        self._generators.clear()
        for c in self.clinics.values():
            c.close()
        self.env.run()
        self.clinics.clear()
        if self.safety is not None:
            self.safety.sim = None          # the watch points back at the chunk
        self.relapse_hooks = []
        self._wake.clear()

    def _finish(self) -> None:
        scn = self.scn
        self.amenorrhoea = self.safety.amenorrhoea() if self.safety is not None else [math.nan] * self.n
        visit = scn.disease.edss.visit_interval_days
        days = (np.arange(1, math.ceil(self.end / visit - 1e-9)) * visit).tolist() + [self.end]
        reported = report_edss_array(self.edss.on_days(days)).tolist()
        visit_days = days[:-1]
        rows = self.rows
        dead = np.flatnonzero(~self.alive).tolist()
        for i in dead:
            self._drop_after_death(i)
        death_day = self.death_day.tolist()
        ends, trajectories = [], []
        for i, row in enumerate(reported):
            dd = death_day[i]
            if dd == dd:                                 # died: visits before death, then EDSS 10 on the day
                seen = [(d, e) for d, e in zip(visit_days, row) if d < dd]
                if rows:
                    for d, e in seen:
                        self.log(i, "edss", (EDSS_VISIT, e), day=d)
                    self.log(i, "edss", (EDSS_DEATH, 10.0), day=dd)
                seen.append((dd, 10.0))
                ends.append(10.0)
            else:
                if rows:
                    for d, e in zip(visit_days, row):
                        self.log(i, "edss", (EDSS_VISIT, e), day=d)
                    self.log(i, "edss", (EDSS_END, row[-1]), day=self.end)
                seen = list(zip(days, row))
                ends.append(row[-1])
            trajectories.append(seen)
            if not rows:
                continue
            mine = self._events[i]
            mine.sort(key=_day)         # stable: events of one day stay in the order logged
            self.res.events += mine
            mine = self._labs[i]
            mine.sort(key=_day)
            self.res.labs += mine
        self._events = self._labs = []
        self.res.attacks = attack_rows(self)
        self.res.patients.update(patient_columns(self, ends))
        self.res.patients.update(edss_course_columns(self.cohort.cov["edss"].tolist(), trajectories))

def _discard(*args, **kwargs) -> None:
    """What log and the lab rows do in a chunk that keeps no rows."""


def _sd(cv: float) -> float:
    return float(np.sqrt(np.log1p(cv * cv)))
