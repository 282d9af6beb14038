"""Curated teaching demonstrations: each runs a small simulation and writes its figures and a text of what to notice.

Every demo is a function `(DemoRun) -> notes` registered in DEMOS with a one-line description; the figures go into
run.out as PNG and SVG (docs/teaching.md builds lessons on them). run.out is a temporary folder that becomes
run.final when the demo is complete, so notes name run.final.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from scipy import stats

from .bundled import bundled
from .engine import ChunkSim
from .regimen_config import InterferonBeta, Untreated
from .scenario import Arm, Scenario, load_scenario
from .screening import cohort_of, screen_keys
from .tasks import typed_columns

DEMOS: dict[str, tuple[str, object]] = {}


@dataclass
class DemoRun:
    """Where a demo writes (out), where that folder ends up (final), its replicate count and a progress callback."""

    out: Path
    final: Path
    replicates: int = 100
    progress: Callable[[str], None] = lambda message: None


def demo(name: str, description: str):
    def register(fn):
        DEMOS[name] = (description, fn)
        return fn
    return register


# ---------------------------------------------------------------- dose-rules
DOSE_RULES_OTHERS = (4, 8)     # drawn beside the WBC-cut patients: toxicity-cut only, always the full dose
DOSE_RULES_DRAWN = 12          # WBC-cut patients drawn in the figure (all are named in the notes)


@demo("dose-rules", "the bundled MITONMO scenario: whose dose the pre-infusion WBC or an infection cut, and why")
def dose_rules(run: DemoRun) -> str:
    from .figures.dose_rules import dose_rules_figure

    scn = load_scenario(bundled()["mitonmo"])
    arm = scn.arms[0]
    screening = screen_keys(scn)
    sim = ChunkSim(scn, arm, cohort_of(scn, screening.keys, screening), 0, trace=True)
    res = sim.run()
    draws = pre_infusion_draws(res.events)
    bands = [(b.low_per_nl, b.high_per_nl, b.dose_mg_per_m2) for b in arm.regimen.wbc_bands]
    by_wbc = sorted({d.patient for d in draws if d.by_wbc})
    by_tox = sorted({d.patient for d in draws if d.by_toxicity} - set(by_wbc))
    full = sorted({d.patient for d in draws} - set(by_wbc) - set(by_tox))
    by_infection = sorted({p for p, _, k, s in res.events if k == "dose_decision" and "infection on day" in s})
    group = by_wbc[:DOSE_RULES_DRAWN] + by_tox[:DOSE_RULES_OTHERS[0]] + full[:DOSE_RULES_OTHERS[1]]
    days = np.array([t for t, _, _ in sim.trace])
    wbc = np.array([w for _, w, _ in sim.trace])
    dose_rules_figure(days, {p: wbc[:, p] for p in sorted(group)}, set(by_wbc), draws, bands, "MITONMO dose rules",
                      run.out / "dose_rules")
    cut = [d for d in draws if d.by_wbc]
    full_low = min(low for low, high, _ in bands if high is None)
    true_ok = sum(1 for d in cut if wbc[min(max(int(round(d.day)) - 1, 0), len(days) - 1), d.patient] >= full_low)
    lines = [f"MITONMO as bundled: {scn.run.patients} patients for {scn.run.follow_up_days:g} days (no overrides). "
             f"{len(draws)} courses began with a pre-infusion WBC draw:"]
    for low, high, dose in sorted(bands, reverse=True):
        inside = [d for d in draws if d.wbc_per_nl >= low and (high is None or d.wbc_per_nl < high)]
        given = [f"{g:g} mg/m2 x{n}" for g, n in sorted(Counter(d.dose_mg_per_m2 for d in inside if not d.stopped)
                                                        .items(), reverse=True)]
        stops = sum(d.stopped for d in inside)
        given += [f"treatment stopped x{stops} (LVEF or toxicity, not the WBC)"] if stops else []
        where = f">= {low:g}" if high is None else f"{low:g}-{high - 0.01:.2f}"
        rule = "no infusion" if dose <= 0 else f"at most {dose:g} mg/m2"
        lines.append(f"  WBC {where} ({rule}): {len(inside)} draws" + (f"; {', '.join(given)}" if given else ""))
    first = by_infection[0] if by_infection else None
    lines += ["", f"Doses cut by the WBC rule: {len(cut)} courses of {len(by_wbc)} patients: "
                  + (", ".join(str(p) for p in by_wbc) or "none") + ".",
              f"Doses capped by the infection rule (an infection within 3 weeks of a course with WBC < 2.0): "
              f"{len(by_infection)} patients" + (": " + ", ".join(str(p) for p in by_infection) if by_infection else "")
              + ".",
              f"Cut by non-haematological toxicity only (10 mg/m2): {len(by_tox)} patients; never cut: {len(full)} "
              "patients.",
              f"The figure draws {min(len(by_wbc), DOSE_RULES_DRAWN)} of the WBC-cut patients, "
              f"{min(len(by_tox), DOSE_RULES_OTHERS[0])} cut by toxicity only and "
              f"{min(len(full), DOSE_RULES_OTHERS[1])} never cut.",
              "", "Follow them draw by draw:",
              f"  nmosim explain mitonmo --patient {by_wbc[0] if by_wbc else 0}      (a WBC cut)"]
    if first is not None:
        lines.append(f"  nmosim explain mitonmo --patient {first}      (an infection cut)")
    lines += ["", "What to notice: the WBC dips about ten days after each five-day course, and the rule reads only the",
              "pre-infusion draw three months later (the markers), so the dip itself never changes a dose. A dose is cut",
              f"when that draw falls below {full_low:g}: these refractory patients start with counts lowered by the "
              "immunosuppressants",
              "they failed, each course leaves the marrow a little lower (its reserve recovers over about a year), and a",
              f"count can read low on the day (measurement error): in {true_ok} of the {len(cut)} cut courses the "
              f"model's true WBC that day was >= {full_low:g}.",
              "Non-haematological toxicity (grade 2-3 caps the remaining courses at 10 mg/m2) cuts doses too; the",
              "infection rule looks back at the WBC drawn when an infection came during or soon after a course."]
    low_bands = [f"{low:g}-{high:g}" for low, high, dose in bands if high is not None and dose < max(
        d for _, _, d in bands) and not any(low <= d.wbc_per_nl < high for d in draws)]
    if low_bands:
        lines.append(f"No pre-infusion draw fell in WBC {', '.join(low_bands)}: those bands never fired in this cohort.")
    return "\n".join(lines)


def pre_infusion_draws(events: list[tuple]) -> list:
    """Every pre-infusion draw with the decision that followed it (events in patient, day order, details as text)."""
    from .figures.dose_rules import Draw

    out, last = [], {}
    for pid, day, kind, details in events:
        if kind == "blood_draw" and "(pre-infusion" in details:
            last[pid] = (day, float(details.split()[1].rstrip(",")))
        elif kind == "dose_decision" and pid in last:
            day0, wbc = last.pop(pid)
            if re.match(r"course \d+: confirm", details):
                continue                    # a low echo: the course is decided after the confirmatory echo
            m = re.match(r"course \d+: give ([0-9.]+) mg/m2", details)
            out.append(Draw(pid, float(day0), wbc, float(m.group(1)) if m else 0.0,
                            bool(re.search(r"WBC [0-9.]+ in \[[^)]*\)( ->|: no infusion)", details)),
                            "non-haematological toxicity" in details, bool(re.match(r"course \d+: stop", details))))
    return out


def _styled(demo_function):
    """figures.common.styled, imported when the demo runs (matplotlib is loaded only by demos that draw)."""
    @functools.wraps(demo_function)
    def wrapper(*args, **kwargs):
        from .figures.common import styled

        return styled(demo_function)(*args, **kwargs)
    return wrapper


# ---------------------------------------------------------------- regression-to-mean
@demo("regression-to-mean", "an untreated arm under '>= 2 relapses in the last 12 months' shows an ARR 'reduction' with no drug")
@_styled
def regression_to_mean(run: DemoRun) -> str:
    from .figures.common import save, subplots
    from .runner import run as simulate

    scn = load_scenario(bundled()["kim2011"], ["run.patients=200"])
    res = simulate(scn)
    fig, axes = subplots(1, 2, figsize=(10, 4.6), layout="constrained")
    arms = list(res.summary["arms"])
    pre = [res.summary["arms"][a]["arr_change"]["median_pre_study"] for a in arms]
    on = [res.summary["arms"][a]["arr_change"]["median_on_study"] for a in arms]
    x = np.arange(len(arms))
    colours = ("tab:grey", "tab:blue")
    axes[0].bar(x - 0.2, pre, 0.4, label="year before entry", color=colours[0])
    bars = axes[0].bar(x + 0.2, on, 0.4, label="during the study", color=colours[1])
    for bar, a in zip(bars, arms):
        red = res.summary["arms"][a]["arr_change"]["median_reduction_percent"]
        axes[0].annotate(f"-{red:.0f}%", (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 3),
                         textcoords="offset points", ha="center", fontsize=10, fontweight="bold")
    axes[0].set(xticks=x, xticklabels=arms, ylabel="median ARR (relapses/year)", ylim=(0, max(pre + on) * 1.15),
                title="median ARR before and during")
    p = res.patients
    arm_col = np.asarray(p["arm"])
    for n, a in enumerate(arms):
        on_arr = np.asarray(p["arr"], float)[arm_col == a]
        pre_arr = np.asarray(p["pre_study_arr"], float)[arm_col == a]
        box = axes[1].boxplot([pre_arr, on_arr], positions=[3 * n, 3 * n + 1], widths=0.8, showfliers=False,
                              patch_artist=True, medianprops={"color": "black"})
        for patch, colour in zip(box["boxes"], colours):
            patch.set(facecolor=colour, alpha=0.75)
    axes[1].set(xticks=[3 * n + 0.5 for n in range(len(arms))], xticklabels=arms, ylabel="per-patient ARR (relapses/year)",
                title="per patient (box: quartiles; whiskers: 1.5 IQR)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncol=2, frameon=False)
    save(fig, run.out / "regression_to_mean")
    rtm = res.summary["comparison"]["regression_to_the_mean"]
    lines = ["kim2011 entry rule (>= 2 relapses in the year before), 200 patients per arm, same patients in both arms:"]
    for a in arms:
        ch = res.summary["arms"][a]["arr_change"]
        lines.append(f"  {a}: median ARR {ch['median_pre_study']:.2f} before, {ch['median_on_study']:.2f} during: "
                     f"{ch['median_reduction_percent']:.0f}% reduction")
    lines += ["", f"What to notice: with no drug at all the median ARR fell by "
                  f"{rtm['untreated_median_arr_reduction_percent']:.0f}% (PREVENT's placebo arm, under a similar entry",
              "rule: 1.99 relapses/year before, 0.35 on study, an 82% fall). The entry rule picks patients during an",
              "active spell of their disease; spells end, and the following years are quieter. A single-arm study",
              "reports the whole fall as the drug's effect; only the part beyond the untreated arm is the drug's:"]
    for a, t in rtm["treated_arms"].items():
        lines.append(f"  {a}: {t['beyond_untreated_percentage_points']:.0f} percentage points beyond no treatment")
    return "\n".join(lines)


# ---------------------------------------------------------------- compare-regimens
@demo("compare-regimens", "Kaplan-Meier curves and an ARR forest plot for the three NMOSD regimens and no treatment")
def compare_regimens(run: DemoRun) -> str:
    import shutil

    from .figures.run import run_figures
    from .runner import run_to_folder

    source, sets = bundled()["compare-regimens"], ["run.patients=200"]
    summary = run_to_folder(load_scenario(source, sets), run.out / "run", str(source), tuple(sets))
    for path in run_figures(run.out / "run"):
        if path.stem in ("km", "arr"):
            shutil.copy(path, run.out / path.name)
    lines = ["compare-regimens: 200 patients, each treated four ways (common random numbers), 2 years:"]
    nb = summary["comparison"]["nb_rate_ratio_to_reference"]["arms"]
    for a, s in summary["arms"].items():
        arr = s["arr_pooled_per_year"]
        rr = nb.get(a)
        lines.append(f"  {a}: ARR {arr['estimate']:.2f} ({arr['ci95_low']:.2f}-{arr['ci95_high']:.2f})"
                     + (f", rate ratio {rr['rate_ratio']:.2f} vs untreated" if rr and rr["rate_ratio"] else ""))
    lines += ["", "What to notice: the curves separate within months for mitoxantrone, later for belimumab (a slow",
              "B-cell effect); the forest plot shows how wide the intervals stay even with 200 patients per arm.",
              f"The full run with every table is in {run.final / 'run'} (`nmosim report {run.final / 'run'}` makes "
              "its HTML report)."]
    return "\n".join(lines)


# ---------------------------------------------------------------- trial-size
TRIAL_SIZE_EFFECTS = (1.0, 0.8, 0.6, 0.4, 0.2)


@demo("trial-size", "power of a 12- or 14-patient trial across effect sizes: single-arm before/after vs a control arm "
                    "(the default 100 replicates take about a minute; --replicates 20 about 10 s)")
@_styled
def trial_size(run: DemoRun) -> str:
    from .figures.common import legend_outside, save, subplots

    base = load_scenario(bundled()["compare-regimens"], ["run.follow_up_days=364"])
    effects, replicates = TRIAL_SIZE_EFFECTS, run.replicates
    curves = _power_curves(base, (12, 14), effects, replicates, run.progress)
    fig, ax = subplots(figsize=(7.5, 4.5))
    for n, style in ((12, "-"), (14, "--")):
        ax.plot(effects, [curves[(n, e)][0] for e in effects], style, marker="o", color="tab:red",
                label=f"{n} patients, single arm: before vs during\n(Wilcoxon, normal approx.)")
        ax.plot(effects, [curves[(n, e)][1] for e in effects], style, marker="s", color="tab:blue",
                label=f"{n} + {n} patients vs untreated control\n(negative binomial)")
    ax.axhline(0.05, color="black", lw=0.8, ls=":", label="5% (the false-positive rate\na valid test allows)")
    ax.set(xlabel="true relapse rate ratio of the drug (1.0 = no effect)", ylabel="share of trials with p < 0.05",
           ylim=(0, 1.02), title=f"trial size: {replicates} replicate trials per point, 52 weeks")
    ax.invert_xaxis()
    ax.grid(alpha=0.25)
    legend_outside(ax)
    save(fig, run.out / "trial_size")
    lines = [f"Share of {replicates} replicate 52-week trials with p < 0.05 (entry: >= 2 relapses in the year before):",
             f"  {'rate ratio':<16}" + "   ".join(f"{e:>4.1f}" for e in effects)]
    for n in (12, 14):
        lines.append(f"  {f'{n} single-arm':<16}" + "   ".join(f"{curves[(n, e)][0]:4.2f}" for e in effects))
        lines.append(f"  {f'{n} + {n} control':<16}" + "   ".join(f"{curves[(n, e)][1]:4.2f}" for e in effects))
    lines += ["", "What to notice: at a rate ratio of 1.0 (a drug that does nothing) the single-arm before/after test",
              "still 'succeeds' far more often than 5%: regression to the mean. With a concurrent control the false",
              "positives stay near 5%, but 12-14 patients per arm detect only large effects."]
    if replicates < 50:
        lines.append(f"With {replicates} replicates each share is uncertain by about +-{100 * 0.5 / replicates ** 0.5:.0f} "
                     "percentage points (the binomial SE at 50%); --replicates 100 or more for steadier curves.")
    return "\n".join(lines)


def _power_curves(base: Scenario, sizes: tuple[int, ...], effects: tuple[float, ...], replicates: int,
                  progress: Callable[[str], None] = lambda message: None) -> dict:
    """(n, rate ratio) -> (single-arm Wilcoxon power, controlled NB power). In replicate r the drug arm and the control
    arm enrol their own patients (stream keys 2r and 2r + 1); the smaller trials take the first patients of the larger
    (each patient's course is its own: a patient runs the same alone or in a chunk), and every effect size treats the
    same patients (common random numbers across the curve). progress gets a line per effect size."""
    import time

    from .stats import nb_rate_ratios

    start = time.perf_counter()
    control = Arm(name="control", regimen=Untreated(drug="none"))
    big = max(sizes)
    cohorts = []
    for r in range(replicates):
        pair = []
        for j in (0, 1):
            scn = base.model_copy(update={"run": base.run.model_copy(update={"patients": big, "replicate": 2 * r + j})})
            pair.append((scn, cohort_of(scn, screen_keys(scn).keys)))
        cohorts.append((pair[0], _columns(*pair[1], control, big)))
    progress(f"trial-size: {replicates} replicate cohorts and control arms ready, {time.perf_counter() - start:.0f} s")
    hits = {(n, e): [0, 0] for n in sizes for e in effects}
    for k, e in enumerate(effects):
        drug = Arm(name="drug", regimen=InterferonBeta(drug="interferon_beta", rate_ratio=e, onset_days=7,
                                                       offset_half_life_days=30))
        for treated, ctl_all in cohorts:
            d_all = _columns(*treated, drug, big)
            for n in sizes:
                d, ctl = ({c: v[:n] for c, v in cols.items()} for cols in (d_all, ctl_all))
                if np.any(d["arr"] != d["pre_study_arr"]) and stats.wilcoxon(d["arr"], d["pre_study_arr"], method="asymptotic").pvalue < 0.05:
                    hits[(n, e)][0] += 1
                p = nb_rate_ratios(np.concatenate([d["relapses"], ctl["relapses"]]),
                                   np.concatenate([d["follow_up_years"], ctl["follow_up_years"]]),
                                   ["drug"] * n + ["control"] * n, "control")["arms"]["drug"]["p_value"]
                hits[(n, e)][1] += p is not None and p < 0.05
        took = time.perf_counter() - start
        progress(f"trial-size: rate ratio {e:g} done ({k + 1}/{len(effects)}), {took:.0f} s"
                 + (f", about {took / (k + 1) * (len(effects) - k - 1):.0f} s left" if k + 1 < len(effects) else ""))
    return {k: (v[0] / replicates, v[1] / replicates) for k, v in hits.items()}


def _columns(scn: Scenario, cohort, arm: Arm, n: int) -> dict[str, np.ndarray]:
    """Per-patient columns of the first n patients of `cohort` on `arm`."""
    part = ChunkSim(scn, arm, cohort.take(slice(0, n)), 0).run().patients
    return typed_columns(part)
