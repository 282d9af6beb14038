"""The predictive-check table as text and as a markdown page with its figure (written atomically)."""
from __future__ import annotations

import datetime as _dt
import os
import tempfile
from pathlib import Path

from .check import INTERVAL, CheckRun, TargetResult

COLOURS = {"inside": "#1a9850", "miss (above)": "#d73027", "miss (below)": "#d73027", "undefined": "#999999"}
HEADER = ("target", "readout", "published", "simulated median [p5, p95]", "verdict")

EXPLANATION = (
    "These are **predictive checks**, not fits: for each published number, the simulator runs many trials of the "
    "published design (the same entry rule, the published arm size, follow-up and readout window) and asks whether a "
    "trial like the published one, run in the simulator, would plausibly have reported that number. The simulated "
    "median and 90% predictive interval (5th-95th percentile over replicate trials) include the chance variation of a "
    "trial of that size; the verdict is `inside` when the published value lies in the interval, `miss (above)` when it "
    "lies above it (the model reports too little) and `miss (below)` when it lies below (the model reports too much). "
    "A target whose note says the model was fitted to it is a calibration check, not an independent prediction; "
    "the others are checked, not fitted.")


def fmt(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.3g}" if abs(x) >= 0.001 or x == 0 else f"{x:.2e}"


def published_text(r: TargetResult) -> str:
    t = r.target
    extra = []
    if t.ci95 is not None:
        extra.append(f"95% CI {fmt(t.ci95[0])}-{fmt(t.ci95[1])}")
    if t.n is not None:
        extra.append(f"n={t.n}")
    return fmt(t.published) + (f" ({'; '.join(extra)})" if extra else "")


def simulated_text(r: TargetResult) -> str:
    if r.median is None:
        return f"undefined in all {r.replicates}"
    text = f"{fmt(r.median)} [{fmt(r.p5)}, {fmt(r.p95)}]"
    return text + (f" ({r.undefined} undefined)" if r.undefined else "")


def rows(run: CheckRun) -> list[tuple[str, ...]]:
    return [(r.target.id, r.target.readout, published_text(r), simulated_text(r), r.verdict) for r in run.results]


def text_table(run: CheckRun) -> str:
    """The table for the terminal, one line per target, then a line of counts."""
    body = rows(run)
    widths = [max(len(h), *(len(row[i]) for row in body)) if body else len(h) for i, h in enumerate(HEADER)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(HEADER), line(tuple("-" * w for w in widths)), *(line(row) for row in body)]
    inside = sum(r.verdict == "inside" for r in run.results)
    out.append(f"\n{inside} of {len(run.results)} published values inside the simulated 90% predictive interval "
               f"({run.replicates} replicate trials per scenario, {run.seconds:.1f} s)")
    return "\n".join(out)


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|")


def markdown(run: CheckRun, command: str, figure_name: str, when: _dt.date | None = None) -> str:
    """The page: title, date and command line, what a predictive check is, the table, the figure, each target's sources."""
    when = when or _dt.datetime.now(_dt.timezone.utc).date()
    lines = ["# Validation: predictive checks against published targets", "",
             f"Generated {when.isoformat()} with:", "", "```", command, "```", "", EXPLANATION, "",
             f"{run.replicates} replicate trials per target scenario; interval = {INTERVAL[0]:g}th-{INTERVAL[1]:g}th "
             "percentile.", "",
             "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows(run)]
    inside = sum(r.verdict == "inside" for r in run.results)
    lines += ["", f"{inside} of {len(run.results)} published values lie inside the simulated interval.", "",
              f"![Per target: the simulated 90% predictive interval (bar, coloured by verdict), its median (white dot) "
              f"and the published value (black diamond, with its 95% CI when given)]({figure_name})", "",
              "## Targets", ""]
    for r in run.results:
        t = r.target
        args = ", ".join(f"{k} = {v}" for k, v in t.metric_args.items())
        lines += [f"### {t.id}", "",
                  f"- **Readout**: {t.readout}: published {published_text(r)}; simulated {simulated_text(r)}: "
                  f"**{r.verdict}**",
                  f"- **Citation**: {t.citation}",
                  f"- **Population**: {t.population}",
                  f"- **Simulated as**: metric `{t.metric}`{f' ({args})' if args else ''} on arm `{t.arm}` of "
                  f"`{Path(r.scenario_path).name}`",
                  *([f"- **Note**: {t.note}"] if t.note else []), ""]
    return "\n".join(lines)


def figure(run: CheckRun):
    """Per target a row: the p5-p95 interval coloured by verdict, the median, the published value (and its CI)."""
    from matplotlib.figure import Figure      # no pyplot: no backend is chosen or changed
    from matplotlib.lines import Line2D

    n = len(run.results)
    fig = Figure(figsize=(8.5, 0.75 * n + 1.3), layout="constrained")
    axes = fig.subplots(max(n, 1), 1, squeeze=False)[:, 0]
    for ax, r in zip(axes, run.results):
        t, colour = r.target, COLOURS.get(r.verdict, "#999999")
        xs = [t.published, *(t.ci95 or ())] + ([r.p5, r.p95] if r.p5 is not None else [])
        if r.p5 is not None:
            ax.hlines(0, r.p5, r.p95, color=colour, lw=7, alpha=0.85)
            ax.plot([r.median], [0], "o", ms=6, mfc="white", mec="black", zorder=3)
        if t.ci95 is not None:
            ax.errorbar([t.published], [0], xerr=[[t.published - t.ci95[0]], [t.ci95[1] - t.published]], fmt="none",
                        ecolor="black", elinewidth=1.2, capsize=4, zorder=4)
        ax.plot([t.published], [0], "D", ms=7, color="black", zorder=5)
        lo, hi = min(xs), max(xs)
        pad = 0.08 * (hi - lo) if hi > lo else max(abs(hi) * 0.1, 0.05)
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
        ax.set_ylabel(t.id, rotation=0, ha="right", va="center", fontsize=9)
        ax.set_title(f"{t.readout} - {r.verdict}", fontsize=8, loc="left", color=colour if r.verdict != "inside"
                     else "black")
        ax.tick_params(axis="x", labelsize=8)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    handles = [Line2D([], [], color=COLOURS["inside"], lw=6, label="90% predictive interval: published inside"),
               Line2D([], [], color=COLOURS["miss (above)"], lw=6, label="... published outside (miss)"),
               Line2D([], [], ls="", marker="o", mfc="white", mec="black", label="simulated median"),
               Line2D([], [], ls="", marker="D", color="black", label="published (bar: its 95% CI)")]
    fig.legend(handles=handles, loc="outside upper center", ncols=2, fontsize=8, frameon=False)
    return fig


def _replace(path: Path, write) -> None:
    """write(tmp_path) into a temporary file beside `path`, then rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)       # mkstemp makes the file private; give it an ordinary file's mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_markdown(run: CheckRun, path: Path, command: str) -> tuple[Path, Path]:
    """Write the page at `path` and its figure validation.png beside it, each atomically; returns both paths."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    png = path.parent / "validation.png"
    fig = figure(run)
    _replace(png, lambda tmp: fig.savefig(tmp, format="png", dpi=120))
    text = markdown(run, command, png.name)
    _replace(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
    return path, png
