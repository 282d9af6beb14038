"""One patient's course told and drawn: a dated narrative of every recorded event and a timeline figure.

The patient is simulated alone (its chunk of one): every draw comes from its own streams, so the course is the one
the same patient has in a full run of the scenario (tests/test_cli_explain.py checks against events.csv). The
narrative has one line per event row, in order; only the pre-infusion draws (the ones that set a dose) carry their
WBC band, and relapses say mild or severe when the scenario's step ranges tell them apart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .disease import report_edss
from .engine import ChunkSim
from .regimen_config import Mitoxantrone, leaf_regimens
from .scenario import Dist, Scenario, ScenarioError
from .screening import cohort_of, screen_keys

COVARIATES = (("age_years", "age", "{:.0f} y"), ("sex_female", "female", "{:.0f} (1 = yes)"),
              ("weight_kg", "weight", "{:.1f} kg"), ("bsa_m2", "BSA", "{:.2f} m2"),
              ("wbc_per_nl", "screening WBC", "{:.2f} x10^9/L"), ("anc_per_nl", "screening ANC", "{:.2f} x10^9/L"),
              ("lvef_percent", "LVEF", "{:.1f}%"), ("edss", "baseline EDSS", "{:.1f}"),
              ("aqp4_positive", "AQP4-IgG positive", "{:.0f} (1 = yes)"),
              ("untreated_arr", "untreated relapse rate", "{:.2f} /year"))


@dataclass
class Course:
    """A patient's simulated course: identity, covariates, event rows, daily true counts and EDSS."""

    scenario: Scenario
    arm: str
    patient: int
    candidate: int
    covariates: dict[str, float]
    events: list[tuple[float, str, str]]            # (day, type, details), in order
    labs: list[tuple[float, float, float]]          # (day, observed WBC, observed ANC)
    days: np.ndarray
    wbc: np.ndarray                                 # true WBC, 10^9/L, at the end of each step
    anc: np.ndarray
    edss: np.ndarray                                # reported EDSS on `days`
    bands: list = field(default_factory=list)       # mitoxantrone WBC bands of the arm
    acute_steps: list[float] = field(default_factory=list)   # exact acute EDSS step of each on-study attack


@dataclass(frozen=True)
class Dosing:
    """One course of a drug: consecutive daily infusions (or a single one), their total and unit."""

    day: float
    last_day: float
    total: float
    unit: str


def simulate_patient(scn: Scenario, patient: int, arm: str | None = None) -> Course:
    """Screen the cohort, then run patient `patient` (0-based, in enrolment order) of `arm` (default: the first)."""
    names = [a.name for a in scn.arms]
    the_arm = scn.arms[0] if arm is None else next((a for a in scn.arms if a.name == arm), None)
    if the_arm is None:
        raise ScenarioError(f"--arm {arm}: no such arm (arms: {', '.join(names)})")
    screening = screen_keys(scn)
    if not 0 <= patient < len(screening.keys):
        raise ScenarioError(f"--patient {patient}: out of range (the cohort has patients 0-{len(screening.keys) - 1})")
    cohort = cohort_of(scn, screening.keys[patient:patient + 1], screening)
    sim = ChunkSim(scn, the_arm, cohort, patient, trace=True)
    res = sim.run()
    days = np.array([t for t, _, _ in sim.trace])
    visit = np.arange(0.0, scn.run.follow_up_days + 1e-9, 1.0)
    edss = np.array([report_edss(x) for x in sim.edss.of(0, (visit + 1e-9).tolist())])
    cov = {k: float(v[0]) for k, v in cohort.cov.items() if np.ndim(v) == 1 and np.issubdtype(np.asarray(v).dtype, np.number)}
    bands = next((list(r.wbc_bands) for r in leaf_regimens(the_arm.regimen) if isinstance(r, Mitoxantrone)), [])
    attacks = getattr(sim, "attacks", [[]])[0]
    return Course(scn, the_arm.name, patient, int(cohort.key[0]), cov,
                  [(d, k, s) for _, d, k, s in res.events], [(d, w, a) for _, d, w, a, *_ in res.labs],
                  days, np.array([w[0] for _, w, _ in sim.trace]), np.array([a[0] for _, _, a in sim.trace]), edss,
                  bands, [float(a[1]) for a in attacks])


def band_of(wbc: float, bands):
    """The mitoxantrone WBC band a value falls in (None without bands)."""
    return next((b for b in bands if b.low_per_nl <= wbc and (b.high_per_nl is None or wbc < b.high_per_nl)),
                None)


def band_label(wbc: float, bands) -> str:
    """The mitoxantrone WBC band a value falls in, as text ('' without bands)."""
    b = band_of(wbc, bands)
    if b is None:
        return ""
    hi = "inf" if b.high_per_nl is None else f"{b.high_per_nl:g}"
    rule = "no infusion" if b.dose_mg_per_m2 <= 0 else f"dose up to {b.dose_mg_per_m2:g} mg/m2"
    return f"band [{b.low_per_nl:g}, {hi}): {rule}"


def pre_infusion_wbc(kind: str, details: str) -> float | None:
    """The WBC of a pre-infusion blood draw (the draw a dose rule reads), None for any other event."""
    if kind != "blood_draw" or "(pre-infusion" not in details:
        return None
    m = re.match(r"WBC ([0-9.]+)", details)
    return float(m.group(1)) if m else None


def courses(events: list[tuple[float, str, str]]) -> list[Dosing]:
    """Infusions grouped into courses: same unit, each within 1.5 days of the previous one."""
    out: list[Dosing] = []
    for day, kind, details in events:
        if kind != "infusion":
            continue
        m = re.search(r"([0-9.]+) (mg/m2|mg/kg|mg)\b", details)
        amount, unit = (float(m.group(1)), m.group(2)) if m else (1.0, "dose")
        if out and out[-1].unit == unit and day - out[-1].last_day <= 1.5:
            last = out.pop()
            out.append(Dosing(last.day, day, last.total + amount, unit))
        else:
            out.append(Dosing(day, day, amount, unit))
    return out


def _support(d: Dist | None) -> tuple[float, float] | None:
    if d is None:
        return None
    if d.kind == "fixed":
        return d.value, d.value
    return (d.low, d.high) if d.low is not None and d.high is not None else None


def _steps(scn: Scenario, phenotype: str | None) -> tuple[Dist | None, Dist | None]:
    """The mild and severe acute-step distributions of an attack: its phenotype's when the scenario has phenotypes."""
    edss = scn.disease.edss
    for ph in edss.phenotypes or []:
        if ph.name == phenotype:
            return ph.mild_step, ph.severe_step
    return edss.mild_step, edss.severe_step


def severity(acute: float, scn: Scenario, phenotype: str | None = None) -> str | None:
    """'mild' or 'severe' when the mild and severe EDSS step ranges (of the attack's phenotype) do not overlap."""
    mild, severe = (_support(d) for d in _steps(scn, phenotype))
    if mild is None or severe is None or not mild[1] <= severe[0]:
        return None
    return "mild" if acute < severe[0] else "severe" if acute > mild[1] else None


def _relapse_note(c: Course, k: int, details: str) -> str:
    m = re.search(r"\+([0-9.]+) acute", details)
    acute = c.acute_steps[k] if k < len(c.acute_steps) else float(m.group(1)) if m else None
    ph = re.match(r"attack \d+ \(([^)]+)\)", details)
    phenotype = ph.group(1) if ph else None
    sev = None if acute is None else severity(acute, c.scenario, phenotype)
    if sev is None:
        return details
    mild, severe = _steps(c.scenario, phenotype)
    lo, hi = _support(mild if sev == "mild" else severe)
    return f"{details}; {sev} attack (acute step in the {sev} range {lo:g}-{hi:g})"


def narrative(c: Course) -> list[str]:
    """The course as dated lines: covariates, then every event (pre-infusion draws with their band), nadirs, a summary."""
    lines = [f"Patient {c.patient} (candidate {c.candidate}) of arm '{c.arm}' in {c.scenario.run.name} "
             f"(seed {c.scenario.run.seed}), followed {c.scenario.run.follow_up_days:g} days", "", "Covariates:"]
    for key, label, fmt in COVARIATES:
        if key in c.covariates and not np.isnan(c.covariates[key]):
            lines.append(f"  {label}: {fmt.format(c.covariates[key])}")
    lines += ["", "Course (every recorded event; the band is shown for the pre-infusion draws, which set the dose):"]
    attack = 0
    for day, kind, details in c.events:
        text = details
        wbc = pre_infusion_wbc(kind, details)
        if wbc is not None and c.bands:
            text = f"{details}; {band_label(wbc, c.bands)}"
        elif kind == "relapse":
            text = _relapse_note(c, attack, details)
            attack += 1
        lines.append(f"  day {day:7.1f} (week {day / 7:5.1f})  {kind:<16} {text}")
    lines += [""] + nadir_lines(c)
    relapses = sum(1 for _, k, _ in c.events if k == "relapse")
    lines.append(f"Relapses: {relapses}; EDSS {c.edss[0]:.1f} at baseline, {c.edss[-1]:.1f} at the end")
    return lines


def nadir_lines(c: Course) -> list[str]:
    """The lowest true WBC after each mitoxantrone course (until the next course or the end of follow-up), and overall."""
    if not c.wbc.size:
        return []
    out = []
    given = [g for g in courses(c.events) if g.unit == "mg/m2"] if c.bands else []
    for n, dose in enumerate(given):
        end = given[n + 1].day if n + 1 < len(given) else np.inf
        sel = np.flatnonzero((c.days > dose.day) & (c.days <= end))
        if sel.size:
            k = sel[int(np.argmin(c.wbc[sel]))]
            out.append(f"  course {n + 1} (day {dose.day:.0f}, {dose.total:.3g} {dose.unit}): true WBC nadir "
                       f"{c.wbc[k]:.2f} x10^9/L on day {c.days[k]:.0f} ({c.days[k] - dose.day:.0f} d after the start"
                       + ("; follow-up ends first)" if k == c.days.size - 1 else ")"))
    k = int(np.argmin(c.wbc))
    head = ["WBC nadir after each course:"] if out else []
    return head + out + [f"True WBC nadir: {c.wbc[k]:.2f} x10^9/L on day {c.days[k]:.0f}; "
                         f"lowest observed: {min((w for _, w, _ in c.labs), default=float('nan')):.2f}"]


def timeline_figure(c: Course, base: Path) -> list[Path]:
    """The patient's timeline figure (sim/figures/timeline.py), as base.png and base.svg."""
    from .figures.timeline import timeline_figure as draw

    return draw(c, base)
