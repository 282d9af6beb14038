"""The terminal summary: a plain-text table per arm from summary.json's data."""
from __future__ import annotations


def _num(x, fmt: str = ".2f") -> str:
    return "-" if x is None else format(x, fmt)


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _tally(d: dict) -> str:
    return "none" if not d else "; ".join(f"{k}: {v}" for k, v in d.items())


def format_summary(s: dict) -> str:
    """Rows of label and value for each arm, after the screening log."""
    sc = s["screening"]
    lines = [s.get("title") or s["scenario"], "",
             f"screened {sc['screened']}, enrolled {sc['enrolled']}"]
    for name, count in sc["failed_by_criterion"].items():
        lines.append(f"  failed {name}: {count}")
    for arm, a in s["arms"].items():
        arr, ch, n = a["arr_pooled_per_year"], a["arr_change"], a["patients"]
        g = a["leukopenia_who_grade_patients"]
        rows = [
            ("patients", str(n)),
            ("patient-years", _num(a["patient_years"], ".1f")),
            ("relapses", str(a["relapses"])),
            ("pooled ARR (95% CI)", f"{_num(arr['estimate'])} ({_num(arr['ci95_low'])}-{_num(arr['ci95_high'])})"),
            ("median ARR before / during", f"{_num(ch['median_pre_study'])} / {_num(ch['median_on_study'])}"),
            ("reduction of median ARR", "-" if ch["median_reduction_percent"] is None else f"{ch['median_reduction_percent']:.0f}%"),
            ("relapse-free", _pct(a["relapse_free_share"])),
            ("dose reductions", _tally(a["dose_reductions_by_reason"])),
            ("skipped infusions", _tally(a["skipped_infusions_by_reason"])),
            ("leukopenia, WHO grade 1/2/3/4", " / ".join(f"{g[str(k)]} ({100 * g[str(k)] / n:.0f}%)" for k in range(1, 5))),
            ("infections (patients; serious)", f"{a['infections']} ({a['patients_with_infection']}; {a['serious_infections']})"),
            ("non-haem. toxicity grade 2-3", f"{a['toxicity_grade_2_3_patients']} patients"),
            ("cumulative dose mg/m2 median (range)", f"{_num(a['cumulative_dose_mg_per_m2']['median'], '.0f')} "
             f"({_num(a['cumulative_dose_mg_per_m2']['min'], '.0f')}-{_num(a['cumulative_dose_mg_per_m2']['max'], '.0f')})"),
            ("EDSS median start / end", f"{_num(a['edss_start_median'], '.1f')} / {_num(a['edss_end_median'], '.1f')}"),
            ("treatment stops", _tally(a["discontinuations_by_reason"])),
        ]
        width = max(len(r[0]) for r in rows)
        lines += ["", f"arm {arm}"] + [f"  {k.ljust(width)}  {v}" for k, v in rows]
    return "\n".join(lines)
