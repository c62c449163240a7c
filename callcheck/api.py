"""callcheck's public Python API: analyse one call, or a batch into a results folder.

>>> import callcheck
>>> record = callcheck.analyze_call("samples/sonja/de01_good_practice.wav")   # doctest: +SKIP
>>> record["speakers"]["agent"]["speech_rate_wpm"], [f["rule_id"] for f in record["findings"]]   # doctest: +SKIP

>>> summary = callcheck.analyze_batch(["samples"], "reports", workers=2)   # doctest: +SKIP
>>> summary.analysed, summary.unchanged, len(summary.failures), summary.exit_code   # doctest: +SKIP

The command line (``callcheck analyze``) is a thin layer over :func:`analyze_batch`. Every usage
problem (a bad layout, language, config value, input path or manifest row, an unknown model) raises a
:class:`~callcheck.errors.CallcheckError` subclass with one line naming the value and the fix before
any call is analysed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from callcheck.discover import BatchPlan, agent_from_path, discover, parse_date, parse_layout, safe_id
from callcheck.calljob import Failure, Outcome, TranscriberFactory, TranscriptCache, WhisperFactory, analyse
from callcheck.batch import OutLock, remove_superseded, run_batch, write_failures
from callcheck.storage import file_sha256
from callcheck.config import Config, TranscribeConfig, as_config
from callcheck.engine import DEFAULT_RETRIES, check_engine
from callcheck.errors import AudioError, ConfigError, printable
from callcheck.fsutil import atomic_write
from callcheck.languages import normalize_language
from callcheck.storage import is_url, local_path
from callcheck.types import CallInfo, Layout

__all__ = ["analyze_call", "analyze_batch", "BatchSummary", "Outcome", "Failure", "TranscriberFactory"]


@functools.lru_cache(maxsize=2)
def _default_transcriber(model: str | None, config: TranscribeConfig):
    """The faster-whisper transcriber for ``model`` (kept, so a loop over calls loads it once)."""
    return WhisperFactory.resolve(model, config)(0)


def analyze_call(
    path: str | Path,
    *,
    config: Config | str | Path | None = None,
    layout: str | Layout = Layout.AUTO,
    language: str = "auto",
    model: str | None = None,
    agent: str | None = None,
    call_id: str | None = None,
    date: str | None = None,
    transcriber: Any = None,
    out_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Analyse one recorded call and return its record (the per-call JSON as a dict).

    Parameters
    ----------
    path : str or Path
        The recording (any format FFmpeg reads).
    config : Config, str, Path or None
        Settings: a :class:`~callcheck.config.Config`, a path to a ``callcheck.toml``, or None for
        the defaults.
    layout : str or Layout
        Who is where: ``auto``, ``agent-left``, ``agent-right``, ``mono``, ``agent-only``.
    language : str
        ``auto`` (detected) or a Whisper language code (``de``, ``EN``, ``de-DE`` are accepted).
    model : str or None
        A CTranslate2 model folder or a faster-whisper model name; None: the embedded base model.
    agent, call_id, date : str or None
        The agent (default: from ``batch.agent_pattern`` or the parent folder's name), the call id
        (default: the file name, or the stable id in ``out_dir``), the call's date (``YYYY-MM-DD``
        or ``DD.MM.YYYY``).
    transcriber : Transcriber or None
        Any object with ``identity``, ``detect_language`` and ``transcribe`` (see
        :class:`callcheck.transcribe.whisper.Transcriber`); None: faster-whisper with ``model``.
    out_dir : str, Path or None
        None (default): nothing is written. A results folder: the record is also written to
        ``out_dir/calls/<call_id>.json`` and transcripts are cached there, as ``analyze`` does.

    Returns
    -------
    dict
        The schema-valid record (``callcheck/schema/call.schema.json``) with the findings of the
        absolute norms (the team and own-history comparison happens after a batch).

    Raises
    ------
    ConfigError
        A bad layout, language, date or config value.
    AudioError
        The file is missing or cannot be decoded, or does not fit the layout.
    ModelError
        The model cannot be found or loaded.
    """
    cfg = as_config(config)
    if out_dir is not None:
        from callcheck.fsutil import set_file_mode

        set_file_mode(cfg.privacy.file_mode)
    lay = parse_layout(layout)
    lang = normalize_language(language)
    day = parse_date(date)
    p = Path(path)
    if p.is_dir():
        raise AudioError(f"{p}: is a folder; analyze_call takes one recording (analyze_batch takes folders)")
    if not p.is_file():
        from callcheck.audio.io import check_regular_file

        check_regular_file(p)  # names what it is (a FIFO, a device, a link loop) without opening it
        raise AudioError(f"{p}: file not found")
    out = Path(out_dir) if out_dir is not None else None
    if call_id is not None:
        cid = safe_id(call_id)
    elif out is not None:  # the stable id in that results folder, as a batch would give it
        cid = discover([p], manifest=None, config=cfg, layout=lay, language=lang, out_dir=out).calls[0].call_id
    else:
        cid = safe_id(p.stem)
    info = CallInfo(path=str(p), call_id=cid, agent=agent if agent is not None else agent_from_path(p, cfg.batch.agent_pattern),
                    date=day, layout=lay.value, language=lang)
    tr = transcriber if transcriber is not None else _default_transcriber(model, cfg.transcribe)
    try:
        sha = file_sha256(p)
    except OSError as exc:
        raise AudioError(f"{p}: cannot be read ({exc.strerror})") from None
    cache = TranscriptCache.of(out, sha, info.layout) if out is not None else None
    data = analyse(info, config=cfg, transcriber=tr, input_sha256=sha, cache=cache, out_dir=out)
    if out is not None:
        from callcheck.result import dumps

        atomic_write(out / "calls" / f"{info.call_id}.json", dumps(data))
    return data


@dataclass(frozen=True)
class BatchSummary:
    """What :func:`analyze_batch` did.

    Attributes
    ----------
    out_dir : Path
        The results folder.
    calls : tuple of CallInfo
        Every call of the batch, with its stable id.
    outcomes : tuple of Outcome
        One per call the batch got to (fewer than ``calls`` when interrupted).
    interrupted : bool
        Ctrl-C stopped it (the calls written so far stand; the same command resumes).
    removed : tuple of str
        A note per record removed because it was an older copy of a call of this batch.
    report_error : str or None
        Why the reports could not be rendered (the call records are complete), else None.
    report : object or None
        What the report step returned (``callcheck.report.ReportSummary``), None without reports.
    """

    out_dir: Path
    calls: tuple[CallInfo, ...]
    outcomes: tuple[Outcome, ...]
    interrupted: bool = False
    removed: tuple[str, ...] = ()
    report_error: str | None = None
    report: Any = None

    @property
    def analysed(self) -> int:
        """Calls analysed and written in this run."""
        return sum(o.status == "done" for o in self.outcomes)

    @property
    def unchanged(self) -> int:
        """Calls whose record was already there, from the same audio and settings."""
        return sum(o.status == "cached" for o in self.outcomes)

    @property
    def failures(self) -> tuple[Failure, ...]:
        """Every call that failed, and the report step if it did (also in ``OUT/failures.csv``)."""
        calls = tuple(Failure(o.info.path, o.reason, o.info.call_id) for o in self.outcomes if o.status == "failed")
        return calls + ((Failure(str(self.out_dir), self.report_error),) if self.report_error else ())

    @property
    def exit_code(self) -> int:
        """The command line's exit code: 130 interrupted, 1 some failed, 0 all fine."""
        return 130 if self.interrupted else 1 if self.failures else 0


def analyze_batch(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    *,
    config: Config | str | Path | None = None,
    manifest: str | Path | None = None,
    layout: str | Layout = Layout.AUTO,
    language: str = "auto",
    model: str | None = None,
    workers: int = 1,
    report: bool = True,
    on_start: Callable[[Sequence[CallInfo], Mapping[str, float]], None] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
    transcriber_factory: TranscriberFactory | None = None,
    engine: str = "local",
    address: str | None = None,
    retries: int = DEFAULT_RETRIES,
) -> BatchSummary:
    """Analyse recordings into a results folder, then render the reports.

    Writes ``out_dir/calls/<call_id>.json`` per call (atomically; calls unchanged since the last
    run are reused), ``out_dir/failures.csv``, and with ``report`` the agent pages, ``index.html``
    and ``team.csv``. Call ids are stable (see the README, "Call ids").

    Parameters
    ----------
    inputs : sequence of str or Path
        Audio files and folders (searched recursively).
    out_dir : str or Path
        The results folder (created): a path (a shared filesystem is fine) or an fsspec URL
        (``s3://bucket/reports``, :mod:`callcheck.storage`); inputs may be URLs too.
    config, layout, language, model
        As for :func:`analyze_call`; a manifest row's layout/language override them.
    manifest : str, Path or None
        CSV with ``path,agent`` and optional ``call_id,date,layout,language``.
    workers : int
        Calls analysed in parallel (processes); the CPU threads are divided among them.
    report : bool
        Render the reports after the calls (not after an interrupted batch).
    on_start : callable or None
        ``on_start(calls, durations_s)`` once the calls are known (durations by call id, 0 when
        unknown): for a progress display.
    on_outcome : callable or None
        ``on_outcome(outcome)`` after each call (in the calling process).
    on_notice : callable or None
        ``on_notice(line)`` for what the user should see at once (Ctrl-C, removed records);
        default: stderr.
    transcriber_factory : callable or None
        ``factory(cpu_threads) -> Transcriber``, called once per worker; must pickle when
        ``workers > 1``. None: faster-whisper with ``model``.
    engine : str
        ``local`` (processes on this machine) or ``dask`` (a Dask distributed cluster; needs
        ``pip install 'callcheck[dask]'``); see :mod:`callcheck.engine`.
    address : str or None
        ``dask``: the scheduler (``tcp://host:8786`` or a scheduler file); None starts a local
        cluster of ``workers`` processes.
    retries : int
        ``dask``: runs of a call again after its worker process died, before it is listed as failed.

    Returns
    -------
    BatchSummary

    Raises
    ------
    CallcheckError
        Before any call is analysed: a bad option, config, input, manifest or model
        (:class:`ConfigError`, :class:`ModelError`). A model that fails to load later also stops
        the batch (:class:`ModelError`).
    """
    cfg = as_config(config)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"--workers {workers!r} must be a whole number >= 1")
    engine = check_engine(engine, address, retries)
    if is_url(out_dir):  # results on shared storage: a local working copy, uploaded as it is written
        from callcheck.storage import ResultsMirror

        mirror = ResultsMirror(str(out_dir))
        mirror.pull()
        try:
            return analyze_batch(inputs, mirror.local, config=cfg, manifest=manifest, layout=layout, language=language,
                                 model=model, workers=workers, report=report, on_start=on_start,
                                 on_outcome=mirror.on_outcome(on_outcome), on_notice=on_notice,
                                 transcriber_factory=transcriber_factory, engine=engine, address=address, retries=retries)
        finally:
            mirror.push_all()
    out = Path(local_path(out_dir))
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; give a folder for the results")
    plan: BatchPlan = discover(inputs, manifest=manifest, config=cfg, layout=layout, language=language, out_dir=out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out {out}: cannot be created ({exc.strerror or exc}); give a folder you can write to") from None
    with OutLock(out):  # a second run on this folder stops here (exit 2); stale temporaries removed
        return _run_planned(plan, out, cfg, model=model, workers=workers, report=report, on_start=on_start,
                            on_outcome=on_outcome, on_notice=on_notice, transcriber_factory=transcriber_factory,
                            engine=engine, address=address, retries=retries)


def _run_planned(plan: BatchPlan, out: Path, cfg: Config, *, model: str | None, workers: int, report: bool,
                 on_start: Callable[[Sequence[CallInfo], Mapping[str, float]], None] | None,
                 on_outcome: Callable[[Outcome], None] | None, on_notice: Callable[[str], None] | None,
                 transcriber_factory: TranscriberFactory | None, engine: str, address: str | None,
                 retries: int) -> BatchSummary:
    """:func:`analyze_batch` once the calls are known and ``out`` is held: analyse, then render."""
    factory = transcriber_factory or WhisperFactory.resolve(model, cfg.transcribe)
    plan = _privacy_before_batch(out, plan, cfg, on_notice or _stderr)
    if on_start is not None:
        from callcheck.audio.io import probe_duration_s

        on_start(plan.calls, {c.call_id: probe_duration_s(c.path) or 0.0 for c in plan.calls})
    run = run_batch(plan.calls, out, config=cfg, factory=factory, workers=workers, on_outcome=on_outcome, on_notice=on_notice,
                    engine=engine, address=address, retries=retries)
    summary = BatchSummary(out, plan.calls, run.outcomes, interrupted=run.interrupted)
    if not run.interrupted:
        removed = tuple(remove_superseded(out, plan.superseded, run.outcomes))
        for note in removed:
            (on_notice or _stderr)(note)
        report_error, rendered = None, None
        if report and any((out / "calls").glob("*.json")):
            try:
                rendered = _judge_and_render(out, cfg, workers)
            except Exception as exc:  # the analysis results stand; say in one line why the pages did not
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                report_error = f"{out}: reports could not be rendered ({first}); the call results are complete"
        summary = replace(summary, removed=removed, report_error=report_error, report=rendered)
    write_failures(out, summary.failures)
    return summary


def _privacy_before_batch(out: Path, plan: BatchPlan, cfg: Config, notice: Callable[[str], None]) -> BatchPlan:
    """Before a batch: file permissions (``privacy.file_mode``), the clear-text transcript cache of
    earlier versions removed, and ``privacy.retention_days`` applied (expired calls forgotten,
    expired recordings not analysed again)."""
    from callcheck.fsutil import set_file_mode
    from callcheck.privacy.purge import apply_retention, retention_cutoff
    from callcheck.privacy.store import remove_legacy_cache

    set_file_mode(cfg.privacy.file_mode)
    if remove_legacy_cache(out):
        notice(f"note: removed {out / '.cache' / 'transcripts'} (clear text of an earlier version; the cache is now in {out / 'private'})")
    cutoff = retention_cutoff(cfg.privacy.retention_days)
    if cutoff is None:
        return plan
    done = apply_retention(out, cfg.privacy.retention_days, config=cfg)
    if done is not None:
        notice(f"note: privacy.retention_days = {cfg.privacy.retention_days}: forgot {len(done.targets)} call(s) dated before {cutoff}")
    keep = tuple(c for c in plan.calls if (_call_day(c) or cutoff) >= cutoff)
    if len(keep) < len(plan.calls):
        notice(f"note: {len(plan.calls) - len(keep)} recording(s) dated before {cutoff} not analysed (privacy.retention_days)")
    return replace(plan, calls=keep)


def _call_day(info: CallInfo) -> str | None:
    """The call's date: the manifest's, else the recording's modification date."""
    import datetime as _dt

    if info.date:
        return info.date
    try:
        return _dt.datetime.fromtimestamp(Path(info.path).stat().st_mtime, _dt.timezone.utc).date().isoformat()
    except OSError:
        return None


def _stderr(line: str) -> None:
    import sys

    sys.stderr.write(printable(line) + "\n")


def _judge_and_render(out_dir: Path, config: Config, workers: int = 1):
    """The step after a batch: judge the calls against the team and their own history and render
    the pages (both in the batch's ``workers`` processes when there are many), and remove the pages of
    agents that have no call left."""
    from callcheck.report import judge_and_render

    _, summary = judge_and_render(out_dir, config=config, workers=workers)
    _remove_orphan_pages(out_dir, summary.pages)
    return summary


def _remove_orphan_pages(out_dir: Path, pages: Sequence[str]) -> None:
    """Delete ``agents/*.html|.md`` that this render did not write (agents without calls now).
    Only when the render named pages in ``agents/`` (a safeguard should its summary change)."""
    folder = Path(out_dir) / "agents"
    written = {(Path(out_dir) / p).resolve() for p in pages}
    current = [f for f in folder.glob("*") if f.suffix in (".html", ".md") and f.is_file()] if folder.is_dir() else []
    if not any(f.resolve() in written for f in current):
        return
    for f in current:
        if f.resolve() not in written:
            f.unlink(missing_ok=True)
