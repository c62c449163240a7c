"""The command line: a thin typer layer over the library.

Each command parses its options, calls one library function and turns callcheck's errors into one
clear line on stderr. Exit codes: 0 all fine, 1 some calls failed, 2 bad usage/config, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from callcheck import __version__
from callcheck.errors import CallcheckError

app = typer.Typer(
    name="callcheck",
    help="Quality analysis of recorded telephone-support calls: transcripts, voice and conversation "
    "measures, the eight phone-support mistakes, coaching reports. Works offline (German and English).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _err(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()


@app.command()
def analyze(
    inputs: List[Path] = typer.Argument(None, help="Audio files and/or folders (searched recursively).", show_default=False),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder: calls/<call_id>.json, reports, cache."),
    layout: str = typer.Option("auto", help="Who is where: auto | agent-left | agent-right | mono | agent-only. auto: stereo → agent-left, mono → mono."),
    language: str = typer.Option("auto", help="auto (detected per call) or an ISO 639-1 code: de, en, …"),
    model: Optional[str] = typer.Option(None, help="A CTranslate2 model folder, or a faster-whisper model name (e.g. small; downloaded into models/). Default: the embedded multilingual base model, offline."),
    manifest: Optional[Path] = typer.Option(None, help="CSV with columns path,agent (optional call_id,date,layout,language); paths relative to the CSV."),
    config: Optional[Path] = typer.Option(None, help="callcheck.toml with settings (see `callcheck config`)."),
    workers: int = typer.Option(1, min=1, help="Calls analysed in parallel; CPU threads are divided among them."),
    report: bool = typer.Option(True, "--report/--no-report", help="Render agent and team reports after the analysis."),
) -> None:
    """Analyse recorded calls: one JSON per call in OUT/calls/, then the reports."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from callcheck.audio.io import probe_duration_s
    from callcheck.batch import Failure, discover, run_batch, write_failures
    from callcheck.config import load_config

    try:
        cfg = load_config(config)
        calls, listing_failures = discover(inputs or [], manifest=manifest, config=cfg, layout=layout, language=language)
    except CallcheckError as exc:
        _err(str(exc))
        raise typer.Exit(2)
    if not calls and not listing_failures:
        _err("no input: give audio files, folders or --manifest CSV")
        raise typer.Exit(2)

    console = Console(stderr=True)
    for f in listing_failures:
        console.print(f"error: {f.line}", markup=False, highlight=False, soft_wrap=True)
    durations = {c.call_id: (probe_duration_s(c.path) or 0.0) for c in calls}
    total_audio = sum(durations.values()) or 1.0
    failures = list(listing_failures)
    counts = {"done": 0, "cached": 0, "failed": 0}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("calls"),
        TextColumn("{task.fields[audio]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("analysing", total=len(calls), audio=f"0.00/{total_audio / 3600:.2f} h audio")
        audio_done = [0.0]

        def on_outcome(o) -> None:
            counts[o.status] += 1
            audio_done[0] += durations.get(o.info.call_id, 0.0)
            if o.status == "failed":
                progress.console.print(f"error: {o.reason}", markup=False, highlight=False, soft_wrap=True)
            progress.update(task, advance=1, audio=f"{audio_done[0] / 3600:.2f}/{total_audio / 3600:.2f} h audio")

        try:
            summary = run_batch(calls, out, config=cfg, model=model, workers=workers, on_outcome=on_outcome)
        except CallcheckError as exc:  # e.g. the model cannot be found or loaded
            progress.stop()
            _err(str(exc))
            raise typer.Exit(2)
    failures.extend(summary.failures)
    out.mkdir(parents=True, exist_ok=True)
    write_failures(out, failures)
    if summary.interrupted:
        _err(f"interrupted after {counts['done'] + counts['cached']} of {len(calls)} calls; run the same command again to resume")
        raise typer.Exit(130)
    report_note = ""
    if report and any((out / "calls").glob("*.json")):
        from callcheck.report import render_reports

        try:
            render_reports(out, config=cfg)
            report_note = f"; reports in {out / 'index.html'}"
        except Exception as exc:  # the analysis results stand; say in one line why the pages did not
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            _err(f"{out}: reports could not be rendered ({first}); the call results are complete")
            failures.append(Failure(str(out), f"reports could not be rendered ({first})"))
    typer.echo(
        f"{counts['done']} analysed, {counts['cached']} unchanged (cached), {len(failures)} failed "
        f"→ {out / 'calls'}{report_note}"
        + (f"; failures listed in {out / 'failures.csv'}" if failures else "")
    )
    raise typer.Exit(1 if failures else 0)


@app.command()
def report(
    out: Path = typer.Argument(..., help="An output folder of `callcheck analyze`."),
    language: Optional[str] = typer.Option(None, help="Report language: de or en (default: the language of most of an agent's calls)."),
    config: Optional[Path] = typer.Option(None, help="callcheck.toml"),
) -> None:
    """Re-render the agent and team reports from OUT/calls/*.json (no re-analysis)."""
    from callcheck.cli_report import report_command

    raise typer.Exit(report_command(out, language, config))


@app.command()
def rules(
    language: str = typer.Option("en", help="de or en"),
    config: Optional[Path] = typer.Option(None, help="callcheck.toml"),
) -> None:
    """List the rules (one per mistake) with their thresholds and the article text they come from."""
    from callcheck.cli_report import rules_command

    raise typer.Exit(rules_command(config, language))


@app.command()
def clips(
    out: Path = typer.Argument(..., help="An output folder of `callcheck analyze`."),
    to: Path = typer.Option(..., "--to", help="Folder for the clips and the coaching-session outline."),
    per_mistake: int = typer.Option(3, min=1, help="Clips per mistake (the clearest examples)."),
    config: Optional[Path] = typer.Option(None, help="callcheck.toml"),
) -> None:
    """Export the clearest examples of each mistake and of good practice as short audio clips for trainers."""
    from callcheck.cli_report import clips_command

    raise typer.Exit(clips_command(out, to, per_mistake, config))


@app.command("config")
def show_config(
    config: Optional[Path] = typer.Option(None, help="callcheck.toml to check and show merged with the defaults."),
) -> None:
    """Show every setting with its value and where its default comes from (TOML-ready)."""
    from callcheck.config import iter_documented, load_config

    try:
        cfg = load_config(config)
    except CallcheckError as exc:
        _err(str(exc))
        raise typer.Exit(2)
    section = None
    for key, value, doc in iter_documented(cfg):
        sec, _, name = key.rpartition(".")
        if sec != section:
            typer.echo(f"\n[{sec}]")
            section = sec
        typer.echo(f"# {doc}")
        typer.echo(f"{name} = {_toml_value(value)}")


def _toml_value(v) -> str:
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return json.dumps(list(v), ensure_ascii=False)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return repr(v)


@app.command()
def version() -> None:
    """Print the callcheck version."""
    typer.echo(f"callcheck {__version__}")


def main() -> None:
    os.environ.setdefault("KMP_WARNINGS", "0")
    try:
        app()
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()


# --- callcheck serve (issue 12): serve, users, export — defined in callcheck/serve/cli.py -----------
from callcheck.serve.cli import register as _register_serve  # noqa: E402

_register_serve(app)
