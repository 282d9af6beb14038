"""The terminal summary: the screening log, then one table with a column per arm, then arm comparisons."""
from __future__ import annotations


def _num(x, fmt: str = ".2f") -> str:
    return "-" if x is None else format(x, fmt)


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _tally(d: dict) -> str:
    return "none" if not d else "; ".join(f"{k}: {v}" for k, v in d.items())


def _ci(d: dict) -> str:
    return f"{_num(d['estimate'])} ({_limit(d['ci95_low'])}-{_limit(d['ci95_high'])})"


def _limit(x, fmt: str = ".2f") -> str:
    """A confidence limit; NR (not reached) where there is none, as in survival tables."""
    return "NR" if x is None else format(x, fmt)


def _reduction(x) -> str:
    return "-" if x is None else f"{x:.0f}%"


def _km(d: dict) -> str:
    if d["estimate"] is None:
        return "not reached" if "reached" in (d.get("note") or "") or d.get("note") is None else "-"
    return f"{d['estimate']:.0f} ({_limit(d['ci95_low'], '.0f')}-{_limit(d['ci95_high'], '.0f')})"


def _prob(d: dict) -> str:
    return "-" if d["estimate"] is None else f"{100 * d['estimate']:.0f}% ({_pct(d['ci95_low'])}-{_pct(d['ci95_high'])})"


def _attacks(d: dict) -> str:
    """Patients with 0 / 1 / 2 / 3 / 4 or more attacks."""
    counts = list(d.values())
    return " / ".join(str(v) for v in (counts[:4] + [0] * (4 - len(counts[:4])) + [sum(counts[4:])]))


def _grades(g: dict, n: int) -> str:
    return " / ".join(f"{g[str(k)]}" for k in range(1, 5)) + (f" ({100 * sum(g[str(k)] for k in range(1, 5)) / n:.0f}% any)"
                                                           if n else "")


def _deaths(d: dict) -> str:
    if not d["died"]:
        return "0"
    return f"{d['died']} ({_pct(d['share'])}); " + _tally(d["causes"])


def arm_rows(a: dict) -> list[tuple[str, str]]:
    """Label and value of each readout of one arm."""
    arr, ch, n, on = a["arr_pooled_per_year"], a["arr_change"], a["patients"], a["on_treatment"]
    ttf, dis, saf, tr = a["time_to_first_relapse"], a["disability"], a["safety"], a["treatment"]
    cum = saf["cumulative_dose_mg_per_m2"]
    ppa = a["arr_per_patient_per_year"]
    return [
        ("patients", str(n)),
        ("patient-years", _num(a["patient_years"], ".1f")),
        ("relapses", str(a["relapses"])),
        ("pooled ARR (95% CI)", _ci(arr)),
        ("ARR per patient, median (IQR)", f"{_num(ppa['median'])} ({_num(ppa['q1'])}-{_num(ppa['q3'])})"),
        ("median ARR before / during", f"{_num(ch['median_pre_study'])} / {_num(ch['median_on_study'])}"),
        ("reduction of median ARR", _reduction(ch["median_reduction_percent"])),
        ("patients with 0/1/2/3/4+ attacks", _attacks(a["attacks_per_patient"])),
        ("relapse-free", _pct(a["relapse_free_share"])),
        ("first relapse: median days (CI)", _km(ttf["median_days"])),
        ("relapse-free at week 52 (KM)", _prob(ttf["relapse_free_probability"]["week_52"])),
        ("relapse-free at 2 years (KM)", _prob(ttf["relapse_free_probability"]["year_2"])),
        ("on treatment: patients (dosed)", f"{on['patients']} of {n}"),
        ("on treatment: patient-years", _num(on["patient_years"], ".1f")),
        ("on treatment: pooled ARR", _ci(on["arr_pooled_per_year"])),
        ("on treatment: median ARR reduction", _reduction(on["arr_change"]["median_reduction_percent"])),
        ("on treatment: relapse-free", _pct(on["relapse_free_share"])),
        ("EDSS median start / end", f"{_num(dis['edss_start']['median'], '.1f')} / {_num(dis['edss_end']['median'], '.1f')}"),
        ("EDSS worsened / improved", f"{_pct(dis['worsened_share'])} / {_pct(dis['improved_share'])}"),
        ("EDSS confirmed worsening 3m / 6m",
         f"{_pct(dis['worsened_confirmed_3m_share'])} / {_pct(dis['worsened_confirmed_6m_share'])}"),
        ("deaths", _deaths(dis["deaths"])),
        ("doses given, median", _num(tr["doses_given"]["median"], ".0f")),
        ("pre-infusion WBC checks", _checks(saf["pre_infusion_checks"])),
        ("dose reductions", _tally(saf["dose_reductions_by_reason"])),
        ("skipped infusions", _tally(saf["skipped_infusions_by_reason"])),
        ("lab interruptions", _tally(saf["lab_interruptions_by_reason"])),
        ("infusion reactions (patients)", f"{saf['infusion_reactions']} ({saf['patients_with_infusion_reaction']})"),
        ("leukopenia WHO 1/2/3/4, patients", _grades(saf["leukopenia_who_grade_patients"], n)),
        ("neutropenia WHO 1/2/3/4, patients", _grades(saf["neutropenia_who_grade_patients"], n)),
        ("infections (patients; serious)", f"{saf['infections']} ({saf['patients_with_infection']}; {saf['serious_infections']})"),
        ("LVEF < 50% confirmed; heart failure", f"{saf['lvef_confirmed_low_patients']}; {saf['heart_failure_patients']}"),
        ("leukaemia (TRAL; fatal)", f"{saf['tral_patients']}; {saf['tral_deaths']}"),
        ("persistent amenorrhoea", f"{saf['amenorrhoea_patients']} of {saf['amenorrhoea_women_at_risk']} women < 45"),
        ("non-haem. toxicity grade 2-3", f"{saf['toxicity_grade_2_3_patients']} patients"),
        ("cumulative mitoxantrone mg/m2", "-" if not cum["max"] else
         f"{_num(cum['median'], '.0f')} ({_num(cum['min'], '.0f')}-{_num(cum['max'], '.0f')})"),
        ("phases", _tally(tr["phase_paths"]) if tr["phase_paths"] else "-"),
        *([(f"phases by day {tr['phase_readout_day']:g}", _tally(tr["phase_paths_at_readout_day"]))]
          if "phase_readout_day" in tr else []),
        ("treatment stops", _tally(saf["discontinuations_by_reason"])),
    ]


def _checks(checks: dict) -> str:
    """'[4, inf) 65.0%, [3, 4) 15.6%, ... of 7,670' (bands as checked; '-' without checks)."""
    if not checks["checks"]:
        return "-"
    parts = [f"{band[4:]} {v['share'] * 100:.1f}%" for band, v in checks["by_band"].items()]
    return ", ".join(parts) + f" of {checks['checks']:,}"


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
    lines += comparison_lines(s.get("comparison") or {})
    return "\n".join(lines)


def comparison_lines(comp: dict) -> list[str]:
    """Rate ratios, log-rank tests and regression to the mean, as text lines."""
    lines = []
    ratios = comp.get("arr_ratio_to_reference") or {}
    est = "on treatment" if comp.get("estimand") == "on_treatment" else "whole follow-up"
    if ratios:
        lines += ["", f"compared with '{comp['reference_arm']}' ({est}):"]
        nb = comp.get("nb_rate_ratio_to_reference") or {}
        for arm, r in ratios.items():
            lines.append(f"  {arm}: pooled ARR ratio {_ci(r)} (exact conditional, Poisson)"
                         + (f"  [{r['note']}]" if r.get("note") else ""))
            b = (nb.get("arms") or {}).get(arm)
            if b is not None:
                p = "-" if b["p_value"] is None else f"{b['p_value']:.3g}"
                lines.append(f"  {' ' * len(arm)}  rate ratio {_num(b['rate_ratio'])} ({_num(b['ci95_low'])}-"
                             f"{_num(b['ci95_high'])}), p = {p} ({nb.get('method')})" + (f"  [{b['note']}]" if b.get("note") else ""))
            lr = (comp.get("logrank_to_reference") or {}).get(arm)
            if lr is not None and lr.get("chi2") is not None:
                lines.append(f"  {' ' * len(arm)}  time to first relapse: log-rank chi2 {lr['chi2']:.2f}, "
                             f"p = {lr['p_value']:.3g}")
        if nb.get("note"):
            lines.append(f"  note: {nb['note']}")
        lines.append("  (the arms share one screened cohort and its random streams: these p-values compare the arms'"
                     " courses, not trials of different patients; --replicates gives trial power)")
    rtm = comp.get("regression_to_the_mean")
    if rtm:
        lines += ["", f"regression to the mean: with no drug ('{rtm['untreated_arm']}') the median ARR fell by "
                      f"{_reduction(rtm['untreated_median_arr_reduction_percent'])} from the pre-study year"]
        for arm, t in rtm["treated_arms"].items():
            lines.append(f"  {arm}: {_reduction(t['median_arr_reduction_percent'])} reduction, of which "
                         f"{_num(t['beyond_untreated_percentage_points'], '.0f')} percentage points beyond the untreated arm")
    return lines


def print_summary(s: dict, file=None) -> None:
    """Print the summary: a rich table on a terminal, the plain text otherwise (pipes, files, CI logs)."""
    import sys

    out = file or sys.stdout
    if not out.isatty():
        print(format_summary(s), file=out)
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=out, highlight=False)
    sc = s["screening"]
    console.print(Text(s.get("title") or s["scenario"], style="bold"))
    console.print(Text(f"screened {sc['screened']}, enrolled {sc['enrolled']}"))
    for name, count in sc["failed_by_criterion"].items():
        console.print(Text(f"  failed {name}: {count}"))
    columns = {arm: arm_rows(a) for arm, a in s["arms"].items()}
    table = Table(show_header=True, header_style="bold", show_lines=False)
    table.add_column("readout")
    for arm in columns:
        table.add_column(Text(arm), overflow="fold")
    labels = [k for k, _ in next(iter(columns.values()))]
    for r, label in enumerate(labels):
        table.add_row(Text(label), *(Text(columns[arm][r][1]) for arm in columns))
    console.print(table)
    for line in comparison_lines(s.get("comparison") or {}):
        console.print(Text(line))


def format_replicates(s: dict) -> str:
    """The replicate summary: per arm, each readout's mean and 2.5-97.5 percentiles; power; type-I error."""
    lines = [f"{s['scenario']}: {s['replicates']} replicate trials of {s['patients_per_arm']} patients per arm "
             f"({s['design']}); estimand {s['estimand']}, alpha {s['alpha']:g}", ""]
    names = list(s["arms"])
    keys = [k for k in s["arms"][names[0]] if k != "power"]
    for n in names[1:]:
        keys += [k for k in s["arms"][n] if k not in keys and k != "power"]
    columns = {}
    for arm in names:
        rows = []
        for k in keys:
            d = s["arms"][arm].get(k)
            rows.append((k, "-" if not d or d["mean"] is None else
                         f"{d['mean']:.3g} ({d['p2_5']:.3g}-{d['p97_5']:.3g})"))
        columns[arm] = rows
    lines += format_table(columns)
    lines += ["", f"power against '{s['reference_arm']}' (share of replicates with p < {s['alpha']:g}, Wilson 95% CI):"]
    for arm, a in s["arms"].items():
        if "power" in a:
            for test, r in a["power"].items():
                lines.append(f"  {arm}, {test}: {_pct(r['share'])} ({_pct(r['ci95_low'])}-{_pct(r['ci95_high'])})")
    if not any("power" in a for a in s["arms"].values()):
        lines.append("  none: the scenario has a single arm (add an untreated or comparator arm to compare)")
    t = s["type_i_error"]
    lines += ["", f"type-I error ('{t['arm']}' against an independent copy of itself):"]
    for test in ("negative_binomial", "logrank"):
        r = t[test]
        lines.append(f"  {test}: {_pct(r['share'])} ({_pct(r['ci95_low'])}-{_pct(r['ci95_high'])}); "
                     f"expected about {100 * s['alpha']:.0f}%")
    return "\n".join(lines)
