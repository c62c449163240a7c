"""The command line: a thin typer layer over the library.

Each command parses its options, calls one library function and turns callcheck's errors into one
clear line on stderr. Exit codes: 0 all fine, 1 some calls failed, 2 bad usage/config, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

from callcheck import __version__
from callcheck.errors import CallcheckError, printable
from callcheck.types import Layout

if TYPE_CHECKING:
    from rich.progress import Progress

app = typer.Typer(
    name="callcheck",
    help="Quality analysis of recorded telephone-support calls: transcripts, voice and conversation "
    "measures, the eight phone-support mistakes, coaching reports. Works offline (German and English).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help and one-line usage errors ('Error: Invalid value for ...')
)


def _err(message: str) -> None:
    """One line on stderr; control characters of file names escaped (:func:`callcheck.errors.printable`)."""
    sys.stderr.write(f"error: {printable(message)}\n")
    sys.stderr.flush()


@app.command()
def analyze(
    inputs: List[str] = typer.Argument(None, help="Audio files and/or folders (searched recursively); also fsspec URLs (s3://bucket/prefix).", show_default=False),
    out: str = typer.Option(..., "--out", "-o", help="Output folder: calls/<call_id>.json, reports, cache; a path or an fsspec URL (s3://bucket/reports)."),
    layout: Layout = typer.Option(Layout.AUTO.value, case_sensitive=False, help="Who is where. auto: stereo → agent-left, mono → mono."),
    language: str = typer.Option("auto", help="auto (detected per call) or a language code: de, en, … (case and region ignored: DE, de-DE → de)."),
    model: Optional[str] = typer.Option(None, help="A CTranslate2 model folder, or a faster-whisper model name (e.g. small; downloaded into models/). Default: the embedded multilingual base model, offline."),
    manifest: Optional[Path] = typer.Option(None, help="CSV with columns path,agent (optional call_id,date,layout,language; delimiter , ; or tab; dates YYYY-MM-DD or DD.MM.YYYY); paths relative to the CSV."),
    config: Optional[Path] = typer.Option(None, help="callcheck.toml with settings (see `callcheck config`)."),
    workers: int = typer.Option(1, min=1, help="Calls analysed in parallel; CPU threads are divided among them. Ctrl-C: the first stops after the current calls, the second at once."),
    report: bool = typer.Option(True, "--report/--no-report", help="Render agent and team reports after the analysis."),
    engine: str = typer.Option("local", "--engine", help="local (worker processes on this machine) or dask (a Dask distributed cluster; pip install 'callcheck[dask]')."),
    address: Optional[str] = typer.Option(None, "--address", help="--engine dask: the scheduler, tcp://HOST:8786 or a scheduler file; omitted: a local cluster of --workers processes."),
    retries: int = typer.Option(2, "--retries", min=0, help="--engine dask: runs of a call again on another worker after its worker process died, before it is listed in failures.csv."),
) -> None:
    """Analyse recorded calls: one JSON per call in OUT/calls/, then the reports.

    Inputs, options, config and manifest are checked before the first call is analysed.
    Exit codes: 0 all calls analysed; 1 some failed (listed in OUT/failures.csv); 2 bad usage, config or model (nothing done); 130 interrupted (the same command resumes).
    """
    from callcheck.api import analyze_batch

    progress = _BatchProgress()
    try:
        summary = analyze_batch(
            inputs or [], out, config=config, manifest=manifest, layout=layout, language=language, model=model,
            workers=workers, report=report, on_start=progress.start, on_outcome=progress.outcome, on_notice=progress.say,
            engine=engine, address=address, retries=retries,
        )
    except CallcheckError as exc:
        progress.stop()
        _err(str(exc))
        raise typer.Exit(2) from None
    progress.stop()
    from callcheck.storage import is_url

    base = out.rstrip("/") if is_url(out) else Path(out)
    calls = f"{base}/calls"
    if summary.interrupted:
        _err(f"interrupted: {summary.analysed + summary.unchanged} of {len(summary.calls)} calls are in {calls} "
             f"({summary.analysed} analysed now, {summary.unchanged} unchanged); run the same command again to resume")
        raise typer.Exit(130)
    if summary.report_error:
        _err(summary.report_error)
    report_note = f"; reports in {base}/index.html" if summary.report is not None else ""
    typer.echo(printable(
        f"{summary.analysed} analysed, {summary.unchanged} unchanged (cached), {len(summary.failures)} failed "
        f"→ {calls}{report_note}" + (f"; failures listed in {base}/failures.csv" if summary.failures else "")
    ))
    raise typer.Exit(summary.exit_code)


class _BatchProgress:
    """The progress bar of ``analyze`` (calls done, audio hours, ETA) on stderr, and its messages."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.progress: Progress | None = None
        self.durations: dict[str, float] = {}
        self.done_s = 0.0

    def start(self, calls, durations_s) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.durations = dict(durations_s)
        self.total_s = sum(self.durations.values()) or 1.0
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("calls"),
            TextColumn("{task.fields[audio]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=self.console, transient=False,
        )
        self.task = self.progress.add_task("analysing", total=len(calls), audio=self._audio())
        self.progress.start()

    def _audio(self) -> str:
        return f"{self.done_s / 3600:.2f}/{self.total_s / 3600:.2f} h audio"

    def outcome(self, o) -> None:
        self.done_s += self.durations.get(o.info.call_id, 0.0)
        if o.status == "failed":
            self.say(f"error: {o.reason}")
        if self.progress is not None:
            self.progress.update(self.task, advance=1, audio=self._audio())

    def say(self, line: str) -> None:
        self.console.print(printable(line), markup=False, highlight=False, soft_wrap=True)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


@app.command()
def report(
    out: Path = typer.Argument(..., help="An output folder of `callcheck analyze`."),
    language: Optional[str] = typer.Option(None, help="Report language: de or en (default: the language of most of an agent's calls)."),
    config: Optional[Path] = typer.Option(None, help="callcheck.toml"),
    audio: Optional[bool] = typer.Option(None, "--audio/--no-audio", help="Write the moments' audio snippets (OUT/audio/*.opus) for the pages (default: report.audio)."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Processes that read, judge and render the calls when there are 400 or more to read, judge or render (default: one per usable CPU, at most 8)."),
) -> None:
    """Judge OUT/calls/*.json and render the agent, call and team pages (no re-analysis; only what changed)."""
    from callcheck.cli_report import report_command

    raise typer.Exit(report_command(out, language, config, audio=audio, workers=workers))


@app.command()
def rules(
    language: str = typer.Option("en", help="de or en"),
    config: Optional[Path] = typer.Option(None, help="callcheck.toml"),
    dir: Optional[Path] = typer.Option(None, "--dir", help="A results folder served by `callcheck serve`: also print each rule's agreement (confirmed / judged reviews, 90 % interval) from its database."),
) -> None:
    """List the rules (one per mistake) with their thresholds and the article text they come from."""
    from callcheck.cli_report import rules_command

    code = rules_command(config, language)
    if code == 0 and dir is not None:
        from callcheck.serve.cli import print_agreement

        code = print_agreement(dir, language)
    raise typer.Exit(code)


@app.command()
def clips(
    out: Path = typer.Argument(..., help="An output folder of `callcheck analyze`."),
    to: Path = typer.Option(..., "--to", help="Folder for the clips and the coaching-session outline."),
    per_mistake: int = typer.Option(3, min=1, help="Clips per mistake (the clearest examples)."),
    agent: Optional[List[str]] = typer.Option(None, "--agent", help="Only this agent's calls (repeatable)."),
    language: Optional[str] = typer.Option(None, "--language", help="de or en: only calls in this language (default: one set of folders per language)."),
    mistake: Optional[List[str]] = typer.Option(None, "--mistake", help="Only this mistake: 1-8 or a rule id such as M3_IMPATIENT (repeatable)."),
    config: Optional[Path] = typer.Option(None, help="callcheck.toml"),
) -> None:
    """Export the clearest moments of each mistake and of good practice as clips with a coaching-session outline, per language."""
    from callcheck.cli_report import clips_command

    raise typer.Exit(clips_command(out, to, per_mistake, config, agents=agent or (), language=language, mistakes=mistake or ()))


@app.command("config")
def show_config(
    config: Optional[Path] = typer.Option(None, help="callcheck.toml to check and show merged with the defaults."),
) -> None:
    """Show every setting with its value and where its default comes from (TOML-ready)."""
    from callcheck.config import allowed, iter_documented, load_config

    try:
        cfg = load_config(config)
    except CallcheckError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    section = None
    for key, value, doc in iter_documented(cfg):
        sec, _, name = key.rpartition(".")
        if sec != section:
            typer.echo(f"\n[{sec}]")
            section = sec
        typer.echo(f"# {doc}")
        if allowed(key):
            typer.echo(f"# allowed: {allowed(key)}")
        typer.echo(f"{name} = {_toml_value(value)}")


def _toml_value(v) -> str:
    import dataclasses
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple) and v and dataclasses.is_dataclass(v[0]):  # an array of tables, as inline tables
        return "[" + ", ".join("{" + ", ".join(f"{f.name} = {_toml_value(getattr(t, f.name))}" for f in dataclasses.fields(t))
                               + "}" for t in v) + "]"
    if isinstance(v, tuple):
        return json.dumps(list(v), ensure_ascii=False)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return repr(v)


@app.command()
def version() -> None:
    """Print the callcheck version."""
    typer.echo(f"callcheck {__version__}")


# serve, users, export: defined in callcheck/serve/cli.py (its web dependencies load lazily)
from callcheck.serve.cli import register as _register_serve  # noqa: E402

_register_serve(app)

from callcheck.privacy.cli import register as _register_forget  # noqa: E402

_register_forget(app)


def main() -> None:
    os.environ.setdefault("KMP_WARNINGS", "0")
    try:
        app()
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()

