"""The `nmosim` command: a thin typer layer over the Python API."""
from __future__ import annotations

from pathlib import Path

import typer

from .bundled import bundled, describe, resolve
from .cohort import CohortError
from .config import MAX_DESIGN_POINTS, MAX_REPLICATES
from .failures import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_MACHINE, os_error_line, stop_on_sigterm, warnings_as_lines
from .outputs import OutputExists, check_target, run_dir, write_run
from .scenario import ScenarioError, load_scenario

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Simulate treatment courses in NMOSD and relapsing MS.")


def _warn(scenario, scn) -> None:
    """A valid scenario's suspicious settings, one warning line each on stderr (the run goes on)."""
    from .scenario_checks import scenario_warnings

    for line in scenario_warnings(scn):
        typer.echo(f"warning: {scenario}: {line}", err=True)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"nmosim {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Simulate treatment courses in NMOSD and relapsing MS."""

MAX_WORKERS = 256
SetOpt = typer.Option([], "--set", metavar="PATH=VALUE", help="Override a scenario field: dotted.path=value (TOML value syntax).")


def _fail(msg: str) -> None:
    """Exit 2 with each line of `msg` (one per problem) as an error line."""
    typer.echo("\n".join(f"error: {line}" for line in msg.splitlines()), err=True)
    raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the scenario files' JSON Schema (for an editor's TOML completion; docs/scenario-reference.md explains
    every key)."""
    import json

    from .scenario import Scenario
    from .scenario_reference import json_schema

    typer.echo(json.dumps(json_schema(Scenario), indent=2))


@app.command()
def validate(scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario TOML file or bundled scenario name."),
             overrides: list[str] = SetOpt) -> None:
    """Check a scenario file (and overrides) without running it."""
    try:
        scn = load_scenario(resolve(scenario), overrides)
    except ScenarioError as exc:
        _fail(str(exc))
    _warn(scenario, scn)
    typer.echo(f"{scenario}: valid ({scn.run.name}: {len(scn.arms)} arm(s), {scn.run.patients} patients, "
               f"{scn.run.follow_up_days:g} days)")


@app.command()
def run(
    scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario TOML file or bundled scenario name (see `nmosim scenarios`)."),
    overrides: list[str] = SetOpt,
    out: Path = typer.Option(Path("outputs"), "--out", help="Folder that receives the run folder."),
    force: bool = typer.Option(False, "--force", help="Replace an existing run folder."),
    quiet: bool = typer.Option(False, "--quiet", help="Do not print the summary."),
    workers: int = typer.Option(1, "--workers", min=1, max=MAX_WORKERS,
                                help="Local worker processes (chunks run in parallel)."),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:port) to run on."),
    parquet: bool = typer.Option(False, "--parquet", help="Also write every table as Parquet (needs pyarrow)."),
    replicates: int = typer.Option(0, "--replicates", min=0, max=MAX_REPLICATES, metavar="R",
                                   help="Run R independent replicate trials (parallel groups) and report the spread "
                                        "of each readout, power and type-I error; writes <name>-seed<seed>-replicates<R>/."),
    name: str = typer.Option(None, "--name", help="The run folder's name (default <name>-seed<seed>, with 8 hex "
                                                  "digits of the resolved scenario when --set changes it)."),
) -> None:
    """Run a scenario; print the summary and write outputs/<name>-seed<seed>/ (tables streamed chunk by chunk); with
    --set, outputs/<name>-seed<seed>-<hash>/, so that runs with different overrides never collide."""
    from .executors import open_executor
    from .runner import run_to_folder

    if name is not None and (not name.strip() or name in (".", "..") or any(c in name for c in "/\\")
                             or name.startswith(".") or len(name) > 100):
        _fail(f"--name: {name[:60]!r} is not allowed: give a folder name of at most 100 characters, not starting with "
              "'.', without '/' or '\\' (the folder goes under --out)")
    try:
        scenario = resolve(scenario)
        scn = load_scenario(scenario, overrides)
        _warn(scenario, scn)
        if replicates:
            return _run_replicates(scn, scenario, overrides, replicates, out, force, quiet, name)
        target = out / name if name else run_dir(out, scn, overrides)
        check_target(target, force)
        with open_executor(workers, scheduler) as ex:
            summary = run_to_folder(scn, target, str(scenario), tuple(overrides), force,
                                    ex if workers > 1 or scheduler else None, parquet)
    except (ScenarioError, CohortError, OutputExists, RuntimeError) as exc:
        _fail(str(exc))
    if not quiet:
        from .summary_text import print_summary

        print_summary(summary)
        typer.echo(f"\nwrote {target}/")


def _run_replicates(scn, scenario: Path, overrides: list[str], replicates: int, out: Path, force: bool,
                    quiet: bool, name: str | None) -> None:
    import sys

    from .outputs import csv_text, json_text
    from .replicate_trials import ROW_COLUMNS, run_replicates
    from .runner import SCENARIO_COPY, manifest, scenario_text
    from .summary_text import format_replicates

    target = out / name if name else run_dir(out, scn, overrides, f"replicates{replicates}")
    check_target(target, force)
    tty = sys.stderr.isatty() and not quiet
    show = (lambda k, n: print(f"\rreplicate {k}/{n}", end="" if k < n else "\n", file=sys.stderr)) if tty else None
    rows, summary = run_replicates(scn, replicates, show)
    text = scenario_text(str(scenario))
    files = {"replicates.csv": csv_text(ROW_COLUMNS, ([r.get(c) for c in ROW_COLUMNS] for r in rows)),
             "summary.json": json_text(summary),
             **({SCENARIO_COPY: text} if text is not None else {}),
             "manifest.json": json_text(manifest(scn, str(scenario), tuple(overrides), text) | {"replicates": replicates})}
    write_run(target, files, force=force)
    if not quiet:
        typer.echo(format_replicates(summary))
        typer.echo(f"\nwrote {target}/")


@app.command()
def sweep(
    scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario TOML file or bundled scenario name."),
    vary: list[str] = typer.Option([], "--vary", metavar="PATH=VALUES",
                                   help="A field to vary: a list 6,9,12, a range 0.2:0.9:8 (start:stop:count) or, "
                                        "for lhs/sobol, bounds 0.2..0.9. Repeatable. Default: the [sweep] table."),
    design: str = typer.Option(None, "--design", help="grid (default), lhs or sobol."),
    samples: int = typer.Option(None, "--samples", min=1, max=MAX_DESIGN_POINTS, help="Points of an lhs or sobol design."),
    replicates: int = typer.Option(None, "--replicates", min=1, max=MAX_REPLICATES,
                                   help="Replicate runs per point (default 1)."),
    workers: int = typer.Option(None, "--workers", min=1, max=MAX_WORKERS, help="Local worker processes (default 1)."),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:port)."),
    out: Path = typer.Option(None, "--out", help="Sweep folder (default outputs/<name>-sweep-seed<seed>)."),
    force: bool = typer.Option(False, "--force", help="Restart a sweep folder that holds another specification."),
    keep_patients: bool = typer.Option(False, "--keep-patients",
                                       help="Also write each point's patients.csv (points/point<p>-replicate<r>/)."),
    overrides: list[str] = SetOpt,
    quiet: bool = typer.Option(False, "--quiet", help="No progress lines."),
) -> None:
    """Run a scenario over a design of parameter values; resumable (rerun the same command to continue)."""
    from .executors import open_executor
    from .sweep_run import plan_sweep, run_sweep

    try:
        scenario = resolve(scenario)
        plan = plan_sweep(str(scenario), overrides, vary, design, samples, replicates)
        base = plan.scenarios[0]
        folder = out or Path("outputs") / f"{base.run.name}-sweep-seed{base.run.seed}"
        n_workers = workers or (base.sweep.workers if base.sweep and base.sweep.workers else 1)
        with open_executor(n_workers, scheduler) as ex, _progress(quiet) as show:
            table = run_sweep(plan, folder, ex, force, show, max_in_flight=2 * n_workers + 2, keep_patients=keep_patients)
    except (ScenarioError, CohortError, OutputExists, RuntimeError) as exc:
        _fail(str(exc))
    from .figures.sweep import sweep_figure

    figures = sweep_figure(table, plan.paths, folder / "sweep")
    typer.echo(f"wrote {table} ({len(plan.points)} points x {plan.replicates} replicate(s)) and "
               f"{', '.join(p.name for p in figures)}")


def _progress(quiet: bool):
    """A context giving on_point(done, total, point): a rich bar on a terminal, one line per point otherwise."""
    import contextlib
    import sys
    import time

    if quiet:
        return contextlib.nullcontext(None)
    if sys.stderr.isatty():
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                                   TimeRemainingColumn)
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task):
                return Text("-" if not task.speed else f"{task.speed * 60:.1f} points/min")

        @contextlib.contextmanager
        def bar():
            with Progress(TextColumn("points"), BarColumn(), MofNCompleteColumn(), Rate(), TimeRemainingColumn(),
                          transient=False) as prog:
                task = prog.add_task("sweep", total=None)
                yield lambda done, total, point: prog.update(task, completed=done, total=total)
        return bar()
    start = time.perf_counter()

    def line(done, total, point):
        if point is None:
            typer.echo(f"sweep: {done} of {total} points already done")
        else:
            typer.echo(f"point {point} done: {done}/{total}, {time.perf_counter() - start:.1f} s")
    return contextlib.nullcontext(line)


@app.command()
def explain(
    scenario: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario TOML file or bundled scenario name."),
    patient: int = typer.Option(..., "--patient", min=0, help="The patient, 0-based in enrolment order."),
    arm: str = typer.Option(None, "--arm", help="The arm (default: the first)."),
    overrides: list[str] = SetOpt,
    out: Path = typer.Option(Path("outputs"), "--out", help="Folder that receives the explanation folder."),
    force: bool = typer.Option(False, "--force", help="Replace an existing explanation folder."),
) -> None:
    """One patient's course as a dated narrative and a timeline figure (WBC with the dose bands, doses, relapses, EDSS)."""
    from .explain import narrative, simulate_patient, timeline_figure
    from .outputs import RunFolder

    try:
        scn = load_scenario(resolve(scenario), overrides)
        course = simulate_patient(scn, patient, arm)
        target = out / f"{scn.run.name}-seed{scn.run.seed}-patient{patient}-{course.arm}"
        with RunFolder(target, force) as folder:
            text = "\n".join(narrative(course)) + "\n"
            folder.append("narrative.txt", text)
            timeline_figure(course, folder.tmp / "timeline")
            folder.commit()
    except (ScenarioError, CohortError, OutputExists) as exc:
        _fail(str(exc))
    typer.echo(text + f"\nwrote {target}/ (narrative.txt, timeline.png, timeline.svg)")


@app.command()
def demo(
    name: str = typer.Argument(None, metavar="NAME", help="The demonstration to run (omit to list them)."),
    out: Path = typer.Option(Path("outputs"), "--out", help="Folder that receives demo-<name>/."),
    replicates: int = typer.Option(100, "--replicates", min=1,
                                   help="Replicate trials per point (trial-size only; ~0.5 s each, 20 for a quick run)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing demo folder."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress lines on stderr."),
) -> None:
    """Curated teaching demonstrations: list them, or run one (figures and a text of what to notice)."""
    from .demos import DEMOS, DemoRun
    from .outputs import RunFolder

    if name is None:
        width = max(len(n) for n in DEMOS)
        for n, (description, _) in DEMOS.items():
            typer.echo(f"{n.ljust(width)}  {description}")
        return
    if name not in DEMOS:
        _fail(f"demo {name}: no such demo (demos: {', '.join(DEMOS)})")
    target = out / f"demo-{name}"
    progress = (lambda message: None) if quiet else (lambda message: typer.echo(message, err=True))
    try:
        with RunFolder(target, force) as folder:
            notes = DEMOS[name][1](DemoRun(folder.tmp, target, replicates, progress))
            folder.append("notes.txt", notes + "\n")
            folder.commit()
    except (ScenarioError, CohortError, OutputExists) as exc:
        _fail(str(exc))
    typer.echo(notes + f"\n\nwrote {target}/")


@app.command()
def report(run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="A run folder written by `nmosim run`.")) -> None:
    """Write RUN_DIR/report.html: one self-contained page (figures inline, tables, the scenario and its sources)."""
    from .report import write_report

    try:
        path = write_report(run_dir)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(f"wrote {path}")


@app.command()
def targets(
    quick: bool = typer.Option(False, "--quick", help="Only the quick subset (targets marked quick = true)."),
    replicates: int = typer.Option(None, "--replicates", min=1, metavar="R",
                                   help="Replicate trials per target scenario (default 200; 60 with --quick)."),
    markdown: Path = typer.Option(None, "--markdown", metavar="PATH",
                                  help="Also write a markdown page (and validation.png beside it), e.g. docs/validation.md."),
    workers: int = typer.Option(1, "--workers", min=1, max=MAX_WORKERS, help="Local worker processes (same results for any number)."),
    only: list[str] = typer.Option([], "--only", metavar="ID", help="Only this target (repeatable)."),
    files: list[Path] = typer.Option([], "--targets", metavar="PATH",
                                     help="A targets file or folder (repeatable; default: the bundled scenarios/targets/)."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress lines on stderr."),
) -> None:
    """Predictive checks: simulate trials of each published design and report where the published value falls."""
    import shlex
    import sys

    from .executors import open_executor
    from .validation import DEFAULT_REPLICATES, QUICK_REPLICATES, TargetError, load_targets, run_check, text_table
    from .validation.report import write_markdown

    try:
        chosen = load_targets(list(files), quick, list(only))
    except TargetError as exc:
        _fail(str(exc))
    if not chosen:
        _fail("targets: no targets selected" + (" (none is marked quick = true)" if quick else ""))
    reps = replicates or (QUICK_REPLICATES if quick else DEFAULT_REPLICATES)
    tty = sys.stderr.isatty() and not quiet
    show = (lambda name, k, n: print(f"\r{name}: replicate {k}/{n}", end="" if k < n else "\n", file=sys.stderr)) \
        if tty else None
    try:
        with open_executor(workers) as ex:
            result = run_check(chosen, reps, ex, show)
    except (CohortError, RuntimeError) as exc:
        _fail(str(exc))
    typer.echo(text_table(result))
    if markdown is not None:
        command = " ".join(["nmosim", *map(shlex.quote, sys.argv[1:])])
        page, png = write_markdown(result, markdown, command)
        typer.echo(f"wrote {page} and {png}")


@app.command()
def scenarios() -> None:
    """List the bundled scenarios, one line each; run one with `nmosim run NAME`."""
    found = bundled()
    if not found:
        _fail("no bundled scenarios found (expected a scenarios/ folder next to the package or in share/nmosim)")
    width = max(len(n) for n in found)
    for name, path in found.items():
        typer.echo(f"{name.ljust(width)}  {describe(path)}")


def main() -> None:
    """Entry point: usage errors (unknown option, bad value) as one line on stderr with exit code 2, like bad scenarios;
    operating-system errors and exhausted memory as one line (exit 2 when the path given cannot be used, 3 when the
    machine failed); Ctrl-C and SIGTERM exit 130 after removing the run's temporary folder."""
    import sys

    try:                                   # typer >= 0.22 vendors click; older typer depends on it
        from typer._click.exceptions import NoArgsIsHelpError, UsageError
    except ImportError:                    # pragma: no cover - depends on the installed typer
        from click.exceptions import UsageError
        NoArgsIsHelpError = getattr(__import__("click.exceptions", fromlist=["x"]), "NoArgsIsHelpError", ())

    stop_on_sigterm()
    warnings_as_lines()
    try:
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        code = 0
    except UsageError as exc:
        typer.echo(f"error: {exc.format_message()}".replace("\n", " "), err=True)
        code = EXIT_INPUT
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("interrupted: nothing was left half-written", err=True)
        code = EXIT_INTERRUPTED
    except OSError as exc:
        line, code = os_error_line(exc)
        typer.echo(line, err=True)
    except MemoryError:
        typer.echo("error: out of memory: run fewer patients at a time (run.chunk_size) or fewer workers", err=True)
        code = EXIT_MACHINE
    sys.exit(code if isinstance(code, int) else 0)
