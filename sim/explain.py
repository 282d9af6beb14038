"""One patient's course told and drawn: a dated narrative of every recorded event and a timeline figure.

The patient is simulated alone (its chunk of one): every draw comes from its own streams, so the course is the one
the same patient has in a full run of the scenario (tests/test_cli_explain.py checks against events.csv).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .disease import report_edss
from .engine import ChunkSim
from .regimen_config import Mitoxantrone, leaf_regimens
from .scenario import Scenario, ScenarioError
from .screening import cohort_of, screen_keys

COVARIATES = (("age_years", "age", "{:.0f} y"), ("sex_female", "female", "{:.0f} (1 = yes)"),
              ("weight_kg", "weight", "{:.1f} kg"), ("bsa_m2", "BSA", "{:.2f} m2"),
              ("wbc_10e9_per_l", "screening WBC", "{:.2f} x10^9/L"), ("anc_10e9_per_l", "screening ANC", "{:.2f} x10^9/L"),
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
    edss = np.array([report_edss(x) for x in sim._edss_on(0, (visit + 1e-9).tolist())])
    cov = {k: float(v[0]) for k, v in cohort.cov.items() if np.ndim(v) == 1 and np.issubdtype(np.asarray(v).dtype, np.number)}
    bands = next((list(r.wbc_bands) for r in leaf_regimens(the_arm.regimen) if isinstance(r, Mitoxantrone)), [])
    return Course(scn, the_arm.name, patient, int(cohort.key[0]), cov,
                  [(d, k, s) for _, d, _, k, s in res.events], [(d, w, a) for _, d, _, w, a, *_ in res.labs],
                  days, np.array([w[0] for _, w, _ in sim.trace]), np.array([a[0] for _, _, a in sim.trace]), edss,
                  bands)


def band_label(wbc: float, bands) -> str:
    """The mitoxantrone WBC band a value falls in, as text ('' without bands)."""
    for b in bands:
        if b.low_10e9_per_l <= wbc and (b.high_10e9_per_l is None or wbc < b.high_10e9_per_l):
            hi = "inf" if b.high_10e9_per_l is None else f"{b.high_10e9_per_l:g}"
            rule = "no infusion" if b.dose_mg_per_m2 <= 0 else f"dose up to {b.dose_mg_per_m2:g} mg/m2"
            return f"band [{b.low_10e9_per_l:g}, {hi}): {rule}"
    return ""


def narrative(c: Course) -> list[str]:
    """The course as dated lines: covariates, then every event (blood draws with their band), nadirs, a summary."""
    lines = [f"Patient {c.patient} (candidate {c.candidate}) of arm '{c.arm}' in {c.scenario.run.name} "
             f"(seed {c.scenario.run.seed}), followed {c.scenario.run.follow_up_days:g} days", "", "Covariates:"]
    for key, label, fmt in COVARIATES:
        if key in c.covariates and not np.isnan(c.covariates[key]):
            lines.append(f"  {label}: {fmt.format(c.covariates[key])}")
    lines += ["", "Course:"]
    for day, kind, details in c.events:
        text = details
        if kind == "blood_draw" and c.bands:
            m = re.match(r"WBC ([0-9.]+)", details)
            if m:
                text = f"{details}; {band_label(float(m.group(1)), c.bands)}"
        lines.append(f"  day {day:7.1f} (week {day / 7:5.1f})  {kind:<16} {text}")
    if c.wbc.size:
        k = int(np.argmin(c.wbc))
        lines += ["", f"True WBC nadir: {c.wbc[k]:.2f} x10^9/L on day {c.days[k]:.0f}; "
                      f"lowest observed: {min((w for _, w, _ in c.labs), default=float('nan')):.2f}"]
    relapses = sum(1 for _, k, _ in c.events if k == "relapse")
    lines.append(f"Relapses: {relapses}; EDSS {c.edss[0]:.1f} at baseline, {c.edss[-1]:.1f} at the end")
    return lines


def timeline_figure(c: Course, base: Path) -> list[Path]:
    """WBC and ANC (true lines, observed points) with the dose bands shaded and dose markers; relapses and EDSS below."""
    from .figures.common import plt, save

    fig, (ax, bx) = plt.subplots(2, 1, figsize=(9, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    top = max(8.0, float(np.nanmax(c.wbc)) * 1.15 if c.wbc.size else 8.0)
    colours = ["#d73027", "#fc8d59", "#fee08b", "#ffffff"]
    for n, b in enumerate(sorted(c.bands, key=lambda b: b.low_10e9_per_l)):
        hi = top if b.high_10e9_per_l is None else b.high_10e9_per_l
        ax.axhspan(b.low_10e9_per_l, hi, color=colours[min(n, 3)], alpha=0.25, lw=0,
                   label=f"WBC [{b.low_10e9_per_l:g}, {'inf' if b.high_10e9_per_l is None else f'{hi:g}'}): "
                         + ("no infusion" if b.dose_mg_per_m2 <= 0 else f"<= {b.dose_mg_per_m2:g} mg/m2"))
    ax.plot(c.days, c.wbc, color="black", lw=1.2, label="WBC (true)")
    ax.plot(c.days, c.anc, color="tab:blue", lw=1, label="ANC (true)")
    if c.labs:
        d, w, a = zip(*c.labs)
        ax.scatter(d, w, s=14, color="black", zorder=3, label="WBC (observed)")
        ax.scatter(d, a, s=10, color="tab:blue", zorder=3, label="ANC (observed)")
    doses = [(d, _amount(s)) for d, k, s in c.events if k == "infusion"]
    if doses:
        dd, amt = zip(*doses)
        size = 15 + 60 * np.asarray(amt) / max(max(amt), 1e-9)
        ax.scatter(dd, [top * 0.95] * len(dd), s=size, marker="v", color="tab:purple", zorder=4, label="infusion (size = dose)")
    ax.set_ylim(0, top)
    ax.set_ylabel("count (10^9/L)")
    ax.legend(fontsize=7, loc="lower right", ncol=2)
    ax.set_title(f"{c.scenario.run.name}: patient {c.patient}, arm {c.arm}")
    bx.step(np.arange(c.edss.size), c.edss, where="post", color="tab:green", label="EDSS (reported)")
    for d, k, _ in c.events:
        if k == "relapse":
            bx.axvline(d, color="tab:red", lw=1)
    bx.plot([], [], color="tab:red", lw=1, label="relapse")
    bx.set_ylabel("EDSS")
    bx.set_xlabel("day since the first dose")
    bx.set_ylim(0, 10)
    bx.legend(fontsize=7, loc="upper left")
    return save(fig, base)


def _amount(details: str) -> float:
    m = re.match(r"([0-9.]+)", details)
    return float(m.group(1)) if m else 1.0
