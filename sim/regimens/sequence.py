"""Sequences of phases (Correale 2005's rescue course): the transition rule as a pure function and the driver process."""
from __future__ import annotations

from dataclasses import dataclass

import simpy

from ..disease import edss_worsened, report_edss
from ..regimen_config import Sequence, Transition


@dataclass(frozen=True)
class PhaseFacts:
    """What the transition rules see about the current phase at a check."""

    now_day: float
    completed: bool                    # the phase's schedule has finished
    doses: int                         # doses or courses given in the phase (daily oral doses taken count one each)
    relapse_days: tuple[float, ...]    # attacks since the phase started
    edss_start: float | None           # reported EDSS at phase start
    edss_visit: float | None           # reported EDSS at this check, when the check is an EDSS visit
    worse_since_day: float | None = None   # first visit of the current unbroken run of worsened visits (this one included)
    end_cause: str = ""                    # why the phase's protocol ended, when it has (its Outcome's cause)


# Event records, rendered when written (sim/event_columns.py reads their values)
PHASE = "phase {} ({}) starts; EDSS {:.1f}"     # (PHASE, phase, drug, EDSS at the start)
TRANSITION = "{} -> {}: {}"                     # (TRANSITION, phase left, phase entered, why, trigger)
TRIGGERS = ("on_complete", "after_doses", "on_relapse", "relapses", "on_edss_worsening")


def trigger_of(t: Transition) -> str:
    """The name of a transition's one trigger (its field in the scenario file)."""
    if t.on_complete:
        return "on_complete"
    if t.after_doses is not None:
        return "after_doses"
    if t.on_relapse:
        return "on_relapse"
    if t.relapses is not None:
        return "relapses"
    return "on_edss_worsening"


def next_transition(transitions: list[Transition], facts: PhaseFacts) -> tuple[Transition, str] | None:
    """The first transition (in listed order) whose trigger holds, with the reason; None if none does."""
    for t in transitions:
        if t.on_complete and facts.completed:
            return t, ("phase schedule completed" if facts.end_cause in ("", "schedule completed")
                       else f"phase ended as planned: {facts.end_cause}")
        if t.after_doses is not None and facts.doses >= t.after_doses:
            return t, f"{facts.doses} doses given"
        if t.on_relapse and facts.relapse_days:
            return t, f"relapse on day {facts.relapse_days[-1]:.1f}"
        if t.relapses is not None:
            recent = [d for d in facts.relapse_days if d > facts.now_day - t.window_days]
            if len(recent) >= t.relapses:
                return t, f"{len(recent)} relapses within {t.window_days:g} days"
        if t.on_edss_worsening and facts.edss_visit is not None and facts.edss_start is not None \
                and edss_worsened(facts.edss_start, facts.edss_visit):
            if t.confirm_days is None:
                return t, f"EDSS {facts.edss_start:.1f} -> {facts.edss_visit:.1f} at a visit"
            since = facts.now_day if facts.worse_since_day is None else facts.worse_since_day
            if facts.now_day - since >= t.confirm_days - 1e-9:
                return t, (f"EDSS {facts.edss_start:.1f} -> {facts.edss_visit:.1f}, worse since day {since:.0f} "
                           f"(confirmed over {t.confirm_days:g} days)")
    return None


def driver(sim, i: int, seq: Sequence, leaf):
    """Run phase after phase: each phase's protocol is a sub-process, interrupted when a transition fires.

    `leaf(sim, i, regimen)` is the protocol generator of a drug regimen. Returns the Outcome of the last phase.
    """
    env = sim.env
    phases = {p.name: p for p in seq.phases}
    phase = seq.phases[0]
    visit = sim.scn.disease.edss.visit_interval_days
    path = []
    while True:
        path.append(phase.name)
        sim.phase_path[i] = ">".join(path)
        start, doses0, attacks0 = env.now, sim.doses_of(i), len(sim.attacks[i])
        sim.phase_days[i].append(start)
        worse_since = None
        edss_start = report_edss(sim.edss_now(i))
        sim.log(i, "phase", (PHASE, phase.name, phase.regimen.drug, edss_start))
        proc = sim.spawn(_guarded(leaf(sim, i, phase.regimen)))
        watch_edss = any(t.on_edss_worsening for t in phase.transitions)
        dose_targets = [t.after_doses for t in phase.transitions if t.after_doses is not None]
        fired, outcome = None, None
        while fired is None:
            wake = sim.watch(i)
            if dose_targets:               # daily doses are counted by the stepper: it wakes the driver at the count
                sim.alarm_at_doses(i, doses0 + min(dose_targets))
            events = [proc, wake]
            next_visit = (int(env.now / visit + 1e-9) + 1) * visit
            if watch_edss and next_visit < sim.end:
                events.append(env.timeout(next_visit - env.now))
            try:
                yield env.any_of(events)
            except simpy.Interrupt:            # death: the phase's protocol ends with the driver
                sim.unwatch(i)
                if proc.is_alive:
                    proc.interrupt("death")
                raise
            sim.unwatch(i)
            completed = not proc.is_alive
            if completed:
                outcome = proc.value
            at_visit = watch_edss and abs(env.now - next_visit) < 1e-9
            visit_edss = report_edss(sim.edss_now(i)) if at_visit else None
            if visit_edss is not None:     # the run of worsened visits goes on, or is broken by a visit that is not
                worse_since = (worse_since if worse_since is not None else env.now) \
                    if edss_worsened(edss_start, visit_edss) else None
            facts = PhaseFacts(env.now, completed and outcome is not None and outcome.completed, sim.doses_of(i) - doses0,
                               tuple(d for d, _, _ in sim.attacks[i][attacks0:]), edss_start, visit_edss, worse_since,
                               outcome.cause if completed and outcome is not None else "")
            hit = next_transition(phase.transitions, facts)
            if hit is not None:
                fired = hit
            elif completed:
                return outcome                     # stopped, or completed with no transition: treatment ends
        t, why = fired
        if proc.is_alive:
            proc.interrupt("transition")
        sim.leave_phase(i)
        sim.log(i, "transition", (TRANSITION, phase.name, t.to, why, trigger_of(t)))
        phase = phases[t.to]
        if start == env.now and len(path) > 4 * len(phases):
            raise RuntimeError(f"patient {i}: phases cycle without time passing ({sim.phase_path[i]})")


def _guarded(gen):
    """A phase protocol that ends quietly when the driver interrupts it."""
    try:
        return (yield from gen)
    except simpy.Interrupt:
        return None
