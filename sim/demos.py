"""Curated teaching demonstrations: each runs a small simulation and writes its figures and a text of what to notice.

Every demo is a function `(out_dir, replicates) -> notes` registered in DEMOS with a one-line description; the
figures go into out_dir as PNG and SVG (docs/teaching.md builds lessons on them).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import stats

from .bundled import bundled
from .engine import ChunkSim
from .regimen_config import InterferonBeta, Untreated
from .scenario import Arm, Scenario, load_scenario
from .screening import cohort_of, screen_keys

DEMOS: dict[str, tuple[str, object]] = {}


def demo(name: str, description: str):
    def register(fn):
        DEMOS[name] = (description, fn)
        return fn
    return register


# ---------------------------------------------------------------- dose-rules
@demo("dose-rules", "WBC of 30 mitoxantrone patients against the dose bands: who got reduced doses and why")
def dose_rules(out: Path, replicates: int) -> str:
    from .figures.common import plt, save

    scn = load_scenario(bundled()["mitonmo"], ["run.patients=30", "run.follow_up_days=365"])
    screening = screen_keys(scn)
    sim = ChunkSim(scn, scn.arms[0], cohort_of(scn, screening.keys, screening), 0, trace=True)
    res = sim.run()
    reduced = {pid for pid, kind, _ in res.tallies if kind in ("reduced", "skipped")}
    reasons: dict[str, list[int]] = {}
    for pid, kind, cause in res.tallies:
        reasons.setdefault(f"{kind}: {cause}", []).append(pid)
    days = np.array([t for t, _, _ in sim.trace])
    wbc = np.array([w for _, w, _ in sim.trace])
    fig, ax = plt.subplots(figsize=(9, 5))
    bands = sorted(scn.arms[0].regimen.wbc_bands, key=lambda b: b.low_10e9_per_l)
    for n, b in enumerate(bands):
        hi = 12 if b.high_10e9_per_l is None else b.high_10e9_per_l
        ax.axhspan(b.low_10e9_per_l, hi, color=["#d73027", "#fc8d59", "#fee08b", "#ffffff"][min(n, 3)], alpha=0.3, lw=0,
                   label=("no infusion" if b.dose_mg_per_m2 <= 0 else f"<= {b.dose_mg_per_m2:g} mg/m2")
                   + f" (WBC {b.low_10e9_per_l:g}-{'' if b.high_10e9_per_l is None else f'{hi:g}'})")
    for i in range(sim.n):
        hit = i in reduced
        ax.plot(days, wbc[:, i], lw=1.4 if hit else 0.6, color="tab:red" if hit else "grey", alpha=0.9 if hit else 0.5)
    ax.plot([], [], color="tab:red", label="had a reduced or skipped dose")
    ax.plot([], [], color="grey", label="always the full dose")
    pre = [(d, float(s.split()[1].rstrip(","))) for _, d, _, k, s in res.events if k == "blood_draw" and "pre-infusion" in s]
    ax.scatter(*zip(*pre), s=8, color="black", zorder=3, label="pre-infusion WBC (observed)")
    ax.set(xlabel="day", ylabel="WBC (10^9/L)", ylim=(0, 12), title="MITONMO dose rules: true WBC of 30 patients, 1 year")
    ax.legend(fontsize=7, loc="upper right", ncol=2)
    save(fig, out / "dose_rules")
    lines = [f"{len(reduced)} of {sim.n} patients had at least one reduced or skipped course. Decisions by rule:"]
    lines += [f"  {why}: {len(p)} courses ({len(set(p))} patients)" for why, p in sorted(reasons.items())]
    top = max(reasons, key=lambda k: len(reasons[k])) if reasons else "none"
    lines += ["", "What to notice: the WBC dips about ten days after each course and is back before the next one;",
              "a WBC rule fires only when the pre-infusion draw falls in a lower band - a patient whose marrow is slow",
              "to recover, or a noisy count on the day. Non-haematological toxicity (grade 2-3) caps the remaining",
              f"courses at 10 mg/m2 whatever the WBC. The commonest reason here: {top}."]
    return "\n".join(lines)


# ---------------------------------------------------------------- regression-to-mean
@demo("regression-to-mean", "an untreated arm under '>= 2 relapses in the last 12 months' shows an ARR 'reduction' with no drug")
def regression_to_mean(out: Path, replicates: int) -> str:
    from .figures.common import plt, save
    from .runner import run

    scn = load_scenario(bundled()["kim2011"], ["run.patients=200"])
    res = run(scn)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    arms = list(res.summary["arms"])
    pre = [res.summary["arms"][a]["arr_change"]["median_pre_study"] for a in arms]
    on = [res.summary["arms"][a]["arr_change"]["median_on_study"] for a in arms]
    x = np.arange(len(arms))
    axes[0].bar(x - 0.2, pre, 0.4, label="year before entry", color="tab:grey")
    axes[0].bar(x + 0.2, on, 0.4, label="during the study", color="tab:blue")
    axes[0].set(xticks=x, xticklabels=arms, ylabel="median ARR (relapses/year)", title="median ARR before and during")
    axes[0].legend(fontsize=8)
    p = res.patients
    arm_col = np.asarray(p["arm"])
    for n, a in enumerate(arms):
        on_arr = np.asarray(p["arr"], float)[arm_col == a]
        pre_arr = np.asarray(p["pre_study_arr"], float)[arm_col == a]
        axes[1].boxplot([pre_arr, on_arr], positions=[3 * n, 3 * n + 1], widths=0.8, showfliers=False)
    axes[1].set(xticks=[3 * n + 0.5 for n in range(len(arms))], xticklabels=arms, ylabel="per-patient ARR",
                title="per patient: before (left) and during (right)")
    save(fig, out / "regression_to_mean")
    rtm = res.summary["comparison"]["regression_to_the_mean"]
    lines = [f"kim2011 entry rule (>= 2 relapses in the year before), 200 patients per arm, same patients in both arms:"]
    for a in arms:
        ch = res.summary["arms"][a]["arr_change"]
        lines.append(f"  {a}: median ARR {ch['median_pre_study']:.2f} before, {ch['median_on_study']:.2f} during: "
                     f"{ch['median_reduction_percent']:.0f}% reduction")
    lines += ["", f"What to notice: with no drug at all the median ARR fell by "
                  f"{rtm['untreated_median_arr_reduction_percent']:.0f}%. The entry rule picks patients in a bad spell;",
              "their next year is closer to their usual rate. A single-arm study reports the whole fall as the drug's",
              "effect; only the part beyond the untreated arm is the drug's:"]
    for a, t in rtm["treated_arms"].items():
        lines.append(f"  {a}: {t['beyond_untreated_percentage_points']:.0f} percentage points beyond no treatment")
    return "\n".join(lines)


# ---------------------------------------------------------------- compare-regimens
@demo("compare-regimens", "Kaplan-Meier curves and an ARR forest plot for the three NMOSD regimens and no treatment")
def compare_regimens(out: Path, replicates: int) -> str:
    import shutil

    from .figures.run import run_figures
    from .runner import run_to_folder

    scn = load_scenario(bundled()["compare-regimens"], ["run.patients=200"])
    run_dir = out / "run"
    summary = run_to_folder(scn, run_dir)
    for path in run_figures(run_dir):
        if path.stem in ("km", "arr"):
            shutil.copy(path, out / path.name)
    lines = ["compare-regimens: 200 patients, each treated four ways (common random numbers), 2 years:"]
    nb = summary["comparison"]["nb_rate_ratio_to_reference"]["arms"]
    for a, s in summary["arms"].items():
        arr = s["arr_pooled_per_year"]
        rr = nb.get(a)
        lines.append(f"  {a}: ARR {arr['estimate']:.2f} ({arr['ci95_low']:.2f}-{arr['ci95_high']:.2f})"
                     + (f", rate ratio {rr['rate_ratio']:.2f} vs untreated" if rr and rr["rate_ratio"] else ""))
    lines += ["", "What to notice: the curves separate within months for mitoxantrone, later for belimumab (a slow",
              "B-cell effect); the forest plot shows how wide the intervals stay even with 200 patients per arm.",
              f"The full run with every table is in {run_dir}."]
    return "\n".join(lines)


# ---------------------------------------------------------------- trial-size
@demo("trial-size", "power of a 12- or 14-patient trial across effect sizes: single-arm before/after vs a control arm")
def trial_size(out: Path, replicates: int) -> str:
    from .figures.common import plt, save

    base = load_scenario(bundled()["compare-regimens"], ["run.follow_up_days=364"])
    effects = (1.0, 0.8, 0.6, 0.4, 0.2)
    curves = _power_curves(base, (12, 14), effects, replicates)
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for n, style in ((12, "-"), (14, "--")):
        ax.plot(effects, [curves[(n, e)][0] for e in effects], style, marker="o", color="tab:red",
                label=f"{n} patients, single arm: before vs during (Wilcoxon, normal approx.)")
        ax.plot(effects, [curves[(n, e)][1] for e in effects], style, marker="s", color="tab:blue",
                label=f"{n} + {n} patients vs untreated control (negative binomial)")
    ax.axhline(0.05, color="black", lw=0.8, ls=":")
    ax.set(xlabel="true relapse rate ratio of the drug (1.0 = no effect)", ylabel="share of trials with p < 0.05",
           ylim=(0, 1), title=f"trial size: {replicates} replicate trials per point, 52 weeks")
    ax.invert_xaxis()
    ax.legend(fontsize=7)
    save(fig, out / "trial_size")
    lines = [f"Share of {replicates} replicate 52-week trials with p < 0.05 (entry: >= 2 relapses in the year before):",
             "  rate ratio   " + "   ".join(f"{e:>4.1f}" for e in effects)]
    for n in (12, 14):
        lines.append(f"  {n} single-arm " + "   ".join(f"{curves[(n, e)][0]:4.2f}" for e in effects))
        lines.append(f"  {n} + control " + "   ".join(f"{curves[(n, e)][1]:4.2f}" for e in effects))
    lines += ["", "What to notice: at a rate ratio of 1.0 (a drug that does nothing) the single-arm before/after test",
              "still 'succeeds' far more often than 5%: regression to the mean. With a concurrent control the false",
              "positives stay near 5%, but 12-14 patients per arm detect only large effects."]
    return "\n".join(lines)


def _power_curves(base: Scenario, sizes: tuple[int, ...], effects: tuple[float, ...], replicates: int) -> dict:
    """(n, rate ratio) -> (single-arm Wilcoxon power, controlled NB power). In replicate r the drug arm and the control
    arm enrol their own patients (stream keys 2r and 2r + 1); the smaller trials take the first patients of the larger,
    and every effect size treats the same patients (common random numbers across the curve)."""
    from .stats import nb_rate_ratios

    control = Arm(name="control", regimen=Untreated(drug="none"))
    hits = {(n, e): [0, 0] for n in sizes for e in effects}
    big = max(sizes)
    for r in range(replicates):
        cohorts = []
        for j in (0, 1):
            scn = base.model_copy(update={"run": base.run.model_copy(update={"patients": big, "replicate": 2 * r + j})})
            cohorts.append((scn, cohort_of(scn, screen_keys(scn).keys)))
        for n in sizes:
            ctl = _columns(*cohorts[1], control, n)
            for e in effects:
                drug = Arm(name="drug", regimen=InterferonBeta(drug="interferon_beta", rate_ratio=e, onset_days=7,
                                                               offset_half_life_days=30))
                d = _columns(*cohorts[0], drug, n)
                if np.any(d["arr"] != d["pre_study_arr"]) and stats.wilcoxon(d["arr"], d["pre_study_arr"], method="asymptotic").pvalue < 0.05:
                    hits[(n, e)][0] += 1
                p = nb_rate_ratios(np.concatenate([d["relapses"], ctl["relapses"]]),
                                   np.concatenate([d["follow_up_years"], ctl["follow_up_years"]]),
                                   ["drug"] * n + ["control"] * n, "control")["arms"]["drug"]["p_value"]
                hits[(n, e)][1] += p is not None and p < 0.05
    return {k: (v[0] / replicates, v[1] / replicates) for k, v in hits.items()}


def _columns(scn: Scenario, cohort, arm: Arm, n: int) -> dict[str, np.ndarray]:
    """Per-patient columns of the first n patients of `cohort` on `arm`."""
    part = ChunkSim(scn, arm, cohort.take(slice(0, n)), 0).run().patients
    return {k: np.asarray(v, dtype=object if k in ("arm", "discontinuation", "phases") else float) for k, v in part.items()}
