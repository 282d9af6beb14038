"""The terminal summary: the screening log, then one table with a column per arm, then arm comparisons."""
from __future__ import annotations


def _num(x, fmt: str = ".2f") -> str:
    return "-" if x is None else format(x, fmt)


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _tally(d: dict) -> str:
    return "none" if not d else "; ".join(f"{k}: {v}" for k, v in d.items())


def _ci(d: dict) -> str:
    return f"{_num(d['estimate'])} ({_num(d['ci95_low'])}-{_num(d['ci95_high'])})"


def _reduction(x) -> str:
    return "-" if x is None else f"{x:.0f}%"


def arm_rows(a: dict) -> list[tuple[str, str]]:
    """Label and value of each readout of one arm."""
    arr, ch, n, on = a["arr_pooled_per_year"], a["arr_change"], a["patients"], a["on_treatment"]
    g = a["leukopenia_who_grade_patients"]
    cum = a["cumulative_dose_mg_per_m2"]
    return [
        ("patients", str(n)),
        ("patient-years", _num(a["patient_years"], ".1f")),
        ("relapses", str(a["relapses"])),
        ("pooled ARR (95% CI)", _ci(arr)),
        ("median ARR before / during", f"{_num(ch['median_pre_study'])} / {_num(ch['median_on_study'])}"),
        ("reduction of median ARR", _reduction(ch["median_reduction_percent"])),
        ("relapse-free", _pct(a["relapse_free_share"])),
        ("on treatment: patient-years", _num(on["patient_years"], ".1f")),
        ("on treatment: pooled ARR", _ci(on["arr_pooled_per_year"])),
        ("on treatment: median ARR reduction", _reduction(on["arr_change"]["median_reduction_percent"])),
        ("on treatment: relapse-free", _pct(on["relapse_free_share"])),
        ("doses given, median", _num(a["doses_given"]["median"], ".0f")),
        ("dose reductions", _tally(a["dose_reductions_by_reason"])),
        ("skipped infusions", _tally(a["skipped_infusions_by_reason"])),
        ("lab interruptions", _tally(a["lab_interruptions_by_reason"])),
        ("infusion reactions", str(a["infusion_reactions"])),
        ("leukopenia WHO 1/2/3/4, patients", " / ".join(f"{g[str(k)]}" for k in range(1, 5))
         + f" ({100 * sum(g[str(k)] for k in range(1, 5)) / n:.0f}% any)"),
        ("infections (patients; serious)", f"{a['infections']} ({a['patients_with_infection']}; {a['serious_infections']})"),
        ("non-haem. toxicity grade 2-3", f"{a['toxicity_grade_2_3_patients']} patients"),
        ("cumulative mitoxantrone mg/m2", "-" if not cum["max"] else
         f"{_num(cum['median'], '.0f')} ({_num(cum['min'], '.0f')}-{_num(cum['max'], '.0f')})"),
        ("EDSS median start / end", f"{_num(a['edss_start_median'], '.1f')} / {_num(a['edss_end_median'], '.1f')}"),
        ("phases", _tally(a["phase_paths"]) if a["phase_paths"] else "-"),
        ("treatment stops", _tally(a["discontinuations_by_reason"])),
    ]


def format_table(columns: dict[str, list[tuple[str, str]]], max_width: int = 44) -> list[str]:
    """Rows of label then one column per arm; long cells wrap within max_width."""
    names = list(columns)
    labels = [k for k, _ in columns[names[0]]]
    cells = {name: [v for _, v in rows] for name, rows in columns.items()}
    lw = max(len(x) for x in labels)
    widths = {name: min(max_width, max(len(name), *(len(v) for v in cells[name]))) for name in names}
    out = ["  " + "".ljust(lw) + "  " + "  ".join(name.ljust(widths[name]) for name in names)]
    for r, label in enumerate(labels):
        wrapped = {name: _wrap(cells[name][r], widths[name]) for name in names}
        height = max(len(w) for w in wrapped.values())
        for line in range(height):
            head = label if line == 0 else ""
            out.append(("  " + head.ljust(lw) + "  " + "  ".join(
                (wrapped[name][line] if line < len(wrapped[name]) else "").ljust(widths[name]) for name in names)).rstrip())
    return out


def _wrap(text: str, width: int) -> list[str]:
    parts, line = [], ""
    for word in text.split("; "):
        piece = word if not line else line + "; " + word
        if len(piece) <= width or not line:
            line = piece
        else:
            parts.append(line + ";")
            line = word
    return parts + [line]


def format_summary(s: dict) -> str:
    """The screening log, the per-arm table, and the comparisons with the reference arm."""
    sc = s["screening"]
    lines = [s.get("title") or s["scenario"], "",
             f"screened {sc['screened']}, enrolled {sc['enrolled']}"]
    for name, count in sc["failed_by_criterion"].items():
        lines.append(f"  failed {name}: {count}")
    lines.append("")
    lines += format_table({arm: arm_rows(a) for arm, a in s["arms"].items()})
    comp = s.get("comparison") or {}
    ratios = comp.get("arr_ratio_to_reference") or {}
    if ratios:
        lines += ["", f"pooled ARR ratio to '{comp['reference_arm']}' (exact conditional 95% CI, Poisson):"]
        for arm, r in ratios.items():
            lines.append(f"  {arm}: {_ci(r)}" + (f"  [{r['note']}]" if r.get("note") else ""))
    rtm = comp.get("regression_to_the_mean")
    if rtm:
        lines += ["", f"regression to the mean: with no drug ('{rtm['untreated_arm']}') the median ARR fell by "
                      f"{_reduction(rtm['untreated_median_arr_reduction_percent'])} from the pre-study year"]
        for arm, t in rtm["treated_arms"].items():
            lines.append(f"  {arm}: {_reduction(t['median_arr_reduction_percent'])} reduction, of which "
                         f"{_num(t['beyond_untreated_percentage_points'], '.0f')} percentage points beyond the untreated arm")
    return "\n".join(lines)
