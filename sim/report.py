"""The HTML report of one run folder: one self-contained file (figures inlined, no external resources)."""
from __future__ import annotations

import base64
import hashlib
import html
import json
from pathlib import Path

from .figures.run import check_run_dir, read_json, run_figures
from .folder_claim import replace_file
from .runner import SCENARIO_COPY

SOURCE_KEYS = ("source", "sources", "citation", "citations", "comment", "comments", "reference", "references", "ref")
FIGURE_ORDER = ("km", "arr", "wbc", "cumulative_dose")
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.num { text-align: right; }
pre { background: #f7f7f7; padding: 1em; overflow-x: auto; font-size: 0.8em; }
figure { margin: 1em 0; } img { max-width: 100%; } figcaption { font-size: 0.85em; color: #555; }
.note { color: #666; font-size: 0.85em; }
"""


def esc(value) -> str:
    """Text escaped for HTML; '://' written with character references so no URL appears in the file."""
    return html.escape(str(value)).replace("://", ":&#47;&#47;")


def _num(x, fmt: str = ".2f") -> str:
    return "-" if x is None else format(x, fmt)


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _percent(percent) -> str:
    return "-" if percent is None else f"{percent:.0f}%"


def _ci(d: dict | None, fmt: str = ".2f", scale: float = 1.0) -> str:
    """'estimate (low-high)', or '-' with the note when there is no estimate."""
    if not d or d.get("estimate") is None:
        return "-" + (f" ({d['note']})" if d and d.get("note") else "")
    low, high = (None if d.get(k) is None else scale * d[k] for k in ("ci95_low", "ci95_high"))
    return f"{format(scale * d['estimate'], fmt)} ({_num(low, fmt)}-{_num(high, fmt)})"


def _p(x) -> str:
    return "-" if x is None else ("< 0.0001" if x < 1e-4 else f"{x:.4f}")


def _table(header: list[str], rows: list[list[str]], num_from: int = 1) -> str:
    """An HTML table from plain-text cells (escaped here); columns from num_from on are right-aligned."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    cell = lambda j, c: f"<td{' class=num' if j >= num_from else ''}>{esc(c)}</td>"  # noqa: E731
    body = "".join("<tr>" + "".join(cell(j, c) for j, c in enumerate(r)) + "</tr>\n" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>\n"


def _any_grade(grades: dict, n: int) -> str:
    k = sum(v for g, v in grades.items() if g != "0")
    return f"{k} ({100 * k / n:.0f}%)" if n else str(k)


def readout_rows(arm: dict, level: str) -> list[tuple[str, str]]:
    """Label and value of the main readouts of one arm block of summary.json."""
    ttf, saf = arm["time_to_first_relapse"], arm["safety"]
    cum = saf.get("cumulative_dose_mg_per_m2") or {}
    return [
        ("patients", str(arm["patients"])),
        ("patient-years", _num(arm["patient_years"], ".1f")),
        ("relapses", str(arm["relapses"])),
        (f"pooled ARR /year ({level} CI)", _ci(arm["arr_pooled_per_year"])),
        ("reduction of median ARR (pre-study to study)", _percent(arm["arr_change"]["median_reduction_percent"])),
        ("relapse-free share", _pct(arm["relapse_free_share"])),
        (f"KM relapse-free at week 52 ({level} CI), %", _ci(ttf["relapse_free_probability"]["week_52"], ".0f", 100)),
        ("EDSS worsened share", _pct(arm["disability"]["worsened_share"])),
        ("leukopenia any WHO grade, patients", _any_grade(saf["leukopenia_who_grade_patients"], arm["patients"])),
        ("infections (patients with; serious)",
         f"{saf['infections']} ({saf['patients_with_infection']}; {saf['serious_infections']})"),
        ("cumulative mitoxantrone mg/m2, median (min-max)",
         "-" if not cum.get("max") else f"{cum['median']:.0f} ({cum['min']:.0f}-{cum['max']:.0f})"),
    ]


def readouts_html(summary: dict) -> str:
    """The readout table: a row per readout, a column per arm."""
    level = f"{100 * (1 - summary.get('comparison', {}).get('alpha', 0.05)):g}%"
    arms = summary["arms"]
    cols = {name: readout_rows(a, level) for name, a in arms.items()}
    labels = [label for label, _ in next(iter(cols.values()))] if cols else []
    rows = [[label] + [cols[a][i][1] for a in arms] for i, label in enumerate(labels)]
    return _table(["readout"] + list(arms), rows)


def comparison_html(comp: dict) -> str:
    """The arm comparisons against the reference arm: NB rate ratio, exact Poisson ratio, log-rank tests."""
    if not comp:
        return "<p>No comparison block in summary.json.</p>\n"
    nb = comp.get("nb_rate_ratio_to_reference") or {}
    ratio, logrank = comp.get("arr_ratio_to_reference") or {}, comp.get("logrank_to_reference") or {}
    others = list(dict.fromkeys([*nb.get("arms", {}), *ratio, *logrank]))
    out = (f"<p>Reference arm: <b>{esc(comp.get('reference_arm'))}</b>; estimand: {esc(comp.get('estimand'))}; "
           f"alpha: {esc(comp.get('alpha'))}.</p>\n")
    if not others:
        return out + "<p>No comparison: the run has a single arm.</p>\n"
    rows = []
    for a in others:
        n, r, lr = nb.get("arms", {}).get(a, {}), ratio.get(a) or {}, logrank.get(a) or {}
        nb_ci = f"{_num(n.get('rate_ratio'))} ({_num(n.get('ci95_low'))}-{_num(n.get('ci95_high'))})" if n else "-"
        rows.append([a, nb_ci, _p(n.get("p_value")), _ci(r), _p(lr.get("p_value"))])
    level = f"{100 * (1 - comp.get('alpha', 0.05)):g}%"
    out += _table(["arm vs reference", f"NB rate ratio ({level} CI)", "NB p", f"exact Poisson ARR ratio ({level} CI)",
                   "log-rank p"], rows)
    if nb:
        disp = _num(nb.get("dispersion_alpha"), ".3f")
        out += (f"<p class=note>NB: {esc(nb.get('method'))}; dispersion alpha {esc(disp)}"
                + (f"; {esc(nb['note'])}" if nb.get("note") else "") + ".</p>\n")
    if comp.get("logrank_all_arms"):
        lra = comp["logrank_all_arms"]
        text = f"chi2 {_num(lra.get('chi2'))}, df {lra.get('df')}, p {_p(lra.get('p_value'))}"
        out += f"<p>Log-rank test, all arms: {esc(text)}.</p>\n"
    rtm = comp.get("regression_to_the_mean")
    if rtm:
        out += regression_html(rtm)
    return out


def regression_html(rtm: dict) -> str:
    """The untreated arm's fall of the median ARR (regression to the mean) and each treated arm's fall beyond it."""
    text = (f"with no drug (arm '{rtm.get('untreated_arm')}') the median ARR fell by "
            f"{_percent(rtm.get('untreated_median_arr_reduction_percent'))} from the pre-study year")
    note = (rtm.get("note") or "").split(": ", 1)[-1]       # the note restates the figure before its ': '
    why = f" Why: {note}." if note else ""
    out = f"<h3>Regression to the mean</h3>\n<p>{esc(text[:1].upper() + text[1:])}.{esc(why)}</p>\n"
    rows = [[a, _percent(t.get("median_arr_reduction_percent")), _num(t.get("beyond_untreated_percentage_points"), ".0f")]
            for a, t in (rtm.get("treated_arms") or {}).items()]
    return out + (_table(["treated arm", "reduction of the median ARR", "percentage points beyond the untreated arm"],
                         rows) if rows else "")


def screening_html(scr: dict) -> str:
    """The screening log: screened, enrolled, and candidates failing each criterion."""
    rows = [[k, str(v)] for k, v in (scr.get("failed_by_criterion") or {}).items()]
    return (f"<p>Screened {esc(scr.get('screened'))}, enrolled {esc(scr.get('enrolled'))} "
            "(a candidate can fail several criteria).</p>\n" + _table(["criterion", "candidates failing"], rows))


def figures_html(fig_dir: Path) -> str:
    """Every PNG of the figures folder, inlined as a base64 data URI."""
    out = []
    order = {name: i for i, name in enumerate(FIGURE_ORDER)}
    pngs = [p for p in fig_dir.glob("*.png") if not p.is_symlink() and p.is_file()]     # the folder's own files only
    for png in sorted(pngs, key=lambda p: (order.get(p.stem, len(order)), p.stem)):
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        out.append(f'<figure><img src="data:image/png;base64,{data}" alt="{esc(png.stem)}">'
                   f"<figcaption>{esc(png.name)}</figcaption></figure>\n")
    return "".join(out) or "<p>No figures.</p>\n"


def find_sources(obj, path: str = "scenario") -> list[tuple[str, str]]:
    """(where, text) of every source-like string in the resolved scenario; list items named by their `name`."""
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in SOURCE_KEYS and isinstance(v, str) and v:
                found.append((path, v))
            elif k in SOURCE_KEYS and isinstance(v, list) and all(isinstance(x, str) for x in v):
                found += [(path, x) for x in v if x]
            else:
                found += find_sources(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            name = v.get("name") if isinstance(v, dict) else None
            found += find_sources(v, f"{path}[{name if isinstance(name, str) else i}]")
    return found


def scenario_file_text(run_dir: Path, manifest: dict) -> tuple[str | None, str]:
    """The scenario's TOML text (comments kept: most citations are comments) and a note on where it came from.

    The text is the copy the run wrote into its own folder (SCENARIO_COPY), shown when its SHA-256 matches the one
    the manifest recorded; nothing outside the run folder is read (a manifest naming another file changes nothing)."""
    copy = run_dir / SCENARIO_COPY
    if copy.is_symlink() or not copy.is_file():
        return None, (f"The run folder holds no copy of its scenario file ({SCENARIO_COPY}), so its comments "
                      "(citations) cannot be shown; the resolved scenario below is complete.")
    try:
        data = copy.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{SCENARIO_COPY} could not be read ({exc})."
    if hashlib.sha256(data).hexdigest() != manifest.get("scenario_file_sha256"):
        return None, (f"{SCENARIO_COPY} does not match the SHA-256 the run recorded in manifest.json (changed since "
                      "the run), so it is not shown; the resolved scenario below is the run's.")
    return text, (f"{manifest.get('scenario_file') or 'the scenario file'} as the run read it (the copy in the run "
                  f"folder, {SCENARIO_COPY}).")


def scenario_html(run_dir: Path, manifest: dict) -> str:
    """The sources cited in the resolved scenario, the scenario file with its comments, then the resolved scenario."""
    sources = find_sources(manifest.get("scenario", {}))
    out = (f"<h3>Sources in the scenario's fields ({len(sources)})</h3>\n"
           + _table(["where", "source"], [list(s) for s in sources], num_from=2)
           if sources else "<p>No sources recorded in the scenario's fields.</p>\n")
    toml, note = scenario_file_text(run_dir, manifest)
    out += f"<h3>Scenario file, with its comments</h3>\n<p class=note>{esc(note)}</p>\n"
    if toml is not None:
        out += f"<pre class=toml>{esc(toml)}</pre>\n"
    text = json.dumps(manifest.get("scenario", {}), indent=2, ensure_ascii=False)
    return out + f"<h3>Resolved scenario (defaults filled)</h3>\n<pre>{esc(text)}</pre>\n"


def header_html(summary: dict, manifest: dict, run_dir: Path) -> str:
    """Title, scenario file, seed, overrides and versions."""
    title = summary.get("title") or manifest.get("scenario", {}).get("title") or summary.get("scenario")
    versions = ", ".join(f"{k} {v}" for k, v in (manifest.get("versions") or {}).items())
    rows = [["scenario", summary.get("scenario", "-")],
            ["scenario file", manifest.get("scenario_file") or "(not recorded)"],
            ["overrides", " ".join(manifest.get("overrides") or []) or "none"], ["seed", summary.get("seed")],
            ["replicate", manifest.get("replicate", "-")], ["follow-up (days)", summary.get("follow_up_days")],
            ["run folder", run_dir.name], ["versions", versions or "-"]]
    table = _table(["run", ""], [[k, str(v)] for k, v in rows], num_from=2)
    return f"<h1>nmosim run report</h1>\n<h2>{esc(title)}</h2>\n" + table


def write_report(run_dir: Path) -> Path:
    """Write run_dir/report.html (figures made first when run_dir/figures/ holds none); return its path."""
    run_dir = check_run_dir(run_dir)
    summary, manifest = read_json(run_dir / "summary.json"), read_json(run_dir / "manifest.json")
    if not isinstance(manifest, dict):
        raise ValueError(f"{run_dir / 'manifest.json'}: not as nmosim writes it (not a JSON object)")
    if not isinstance(summary, dict) or not isinstance(summary.get("arms"), dict):
        raise ValueError(f"{run_dir}: not a single-run folder (summary.json has no arms)")
    fig_dir = run_dir / "figures"
    if fig_dir.is_symlink():
        raise ValueError(f"{fig_dir}: is a symbolic link; nmosim reads and writes only inside the run folder")
    try:
        if not fig_dir.is_dir() or not any(fig_dir.glob("*.png")):
            run_figures(run_dir)
        parts = [header_html(summary, manifest, run_dir),
                 "<h2>Readouts per arm</h2>\n", readouts_html(summary),
                 "<h2>Comparison with the reference arm</h2>\n", comparison_html(summary.get("comparison") or {}),
                 "<h2>Figures</h2>\n", figures_html(fig_dir),
                 "<h2>Screening log</h2>\n", screening_html(summary.get("screening") or {}),
                 "<h2>Scenario</h2>\n", scenario_html(run_dir, manifest)]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, UnicodeDecodeError) as exc:
        if isinstance(exc, ValueError) and str(exc).startswith(str(run_dir)):
            raise                                   # already one line naming the file
        detail = " ".join(str(exc).split())[:120]
        raise ValueError(f"{run_dir}: its summary.json, manifest.json or tables are not as nmosim writes them "
                         f"({type(exc).__name__}: {detail}); run the scenario again for a fresh folder") from None
    doc = ("<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
           f"<title>{esc(summary.get('scenario', 'run'))} - nmosim report</title>\n<style>{STYLE}</style>\n</head>\n"
           f"<body>\n{''.join(parts)}</body>\n</html>\n")
    return replace_file(run_dir / "report.html", doc)
