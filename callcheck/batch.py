"""Batches: find the calls, analyse each (in parallel if asked), write results atomically, resume.

* Inputs are files, folders (searched recursively) and/or a manifest CSV (``path,agent`` and
  optionally ``call_id,date,layout,language``; paths relative to the manifest's folder).
* Without a manifest the agent comes from ``batch.agent_pattern`` (a regex with a group ``agent``
  applied to the file name) or else the parent folder's name.
* ``OUT/calls/<call_id>.json`` is written to a temporary file and moved into place, so a killed run
  never leaves half a JSON. A call whose JSON exists with the same input hash and settings is
  skipped, so a re-run resumes where the last one stopped. Transcripts are cached in
  ``OUT/.cache/transcripts`` (keyed by audio content, party activity, model and decoding settings).
* One bad file never stops the batch: its reason goes to stderr (one line) and ``OUT/failures.csv``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Sequence

from callcheck import __version__
from callcheck.config import Config, config_to_dict
from callcheck.errors import CallcheckError, ConfigError, ModelError
from callcheck.fsutil import atomic_write
from callcheck.types import LAYOUTS, CallInfo, PartySignal, Word


# ------------------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Failure:
    path: str
    reason: str
    call_id: str | None = None

    @property
    def line(self) -> str:
        return self.reason if self.reason.startswith(self.path) else f"{self.path}: {self.reason}"


def _safe_id(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return s or "call"


def agent_from_path(path: Path, pattern: str) -> str | None:
    if pattern:
        try:
            m = re.search(pattern, path.name)
        except re.error as exc:
            raise ConfigError(f"batch.agent_pattern {pattern!r} is not a valid regular expression ({exc})") from None
        if m and "agent" in m.groupdict() and m.group("agent"):
            return m.group("agent")
        return None
    parent = path.parent.name
    return parent or None


def discover(
    inputs: Sequence[str | Path],
    *,
    manifest: str | Path | None,
    config: Config,
    layout: str = "auto",
    language: str = "auto",
) -> tuple[list[CallInfo], list[Failure]]:
    """The calls to analyse (in a stable order) and the inputs that cannot even be listed."""
    if layout not in LAYOUTS:
        raise ConfigError(f"--layout {layout!r} is not valid; use one of: {', '.join(LAYOUTS)}")
    exts = {e.lower() for e in config.batch.audio_extensions}
    failures: list[Failure] = []
    entries: list[CallInfo] = []
    if manifest is not None:
        entries.extend(read_manifest(manifest, layout=layout, language=language, failures=failures))
    listed = {Path(e.path).resolve() for e in entries}
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in exts and not any(part.startswith(".") for part in f.relative_to(p).parts))
            if not files:
                failures.append(Failure(str(p), f"{p}: folder holds no audio files ({', '.join(sorted(exts))})"))
        elif p.exists():
            files = [p]
        else:
            failures.append(Failure(str(p), f"{p}: file not found"))
            continue
        for f in files:
            if f.resolve() in listed:
                continue
            listed.add(f.resolve())
            entries.append(
                CallInfo(path=str(f), call_id=_safe_id(f.stem), agent=agent_from_path(f, config.batch.agent_pattern),
                         layout=layout, language=language)
            )
    return _unique_ids(entries), failures


def _unique_ids(entries: list[CallInfo]) -> list[CallInfo]:
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.call_id] = counts.get(e.call_id, 0) + 1
    out = []
    for e in entries:
        if counts[e.call_id] > 1:
            tag = hashlib.sha1(str(Path(e.path).resolve()).encode()).hexdigest()[:6]
            e = replace(e, call_id=f"{e.call_id}-{tag}")
        out.append(e)
    return out


def read_manifest(path: str | Path, *, layout: str, language: str, failures: list[Failure]) -> list[CallInfo]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{p}: manifest not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: manifest is not UTF-8 text") from None
    rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        raise ConfigError(f"{p}: manifest has no rows (expected a header 'path,agent' and one row per call)")
    header = set(rows[0].keys())
    if not {"path", "agent"} <= header:
        raise ConfigError(f"{p}: manifest needs the columns path,agent (optional: call_id,date,layout,language); found: {', '.join(sorted(h for h in header if h))}")
    out = []
    for n, row in enumerate(rows, start=2):
        raw = (row.get("path") or "").strip()
        if not raw:
            failures.append(Failure(f"{p}:{n}", f"{p}:{n}: empty path"))
            continue
        f = (p.parent / raw) if not Path(raw).is_absolute() else Path(raw)
        row_layout = (row.get("layout") or "").strip() or layout
        if row_layout not in LAYOUTS:
            failures.append(Failure(str(f), f"{p}:{n}: layout {row_layout!r} is not valid; use one of: {', '.join(LAYOUTS)}"))
            continue
        out.append(
            CallInfo(
                path=str(f),
                call_id=_safe_id((row.get("call_id") or "").strip() or f.stem),
                agent=(row.get("agent") or "").strip() or None,
                date=(row.get("date") or "").strip() or None,
                layout=row_layout,
                language=(row.get("language") or "").strip() or language,
            )
        )
    return out


# ----------------------------------------------------------------------------------------- cache


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class TranscriptCache:
    """Transcripts on disk under ``OUT/.cache/transcripts``, keyed by content and settings."""

    def __init__(self, root: Path, input_sha256: str, layout_tag: str) -> None:
        self.root = root
        self.input_sha256 = input_sha256
        self.layout_tag = layout_tag

    def key(self, path: str, sig: PartySignal, identity: str, language: str) -> str:
        h = hashlib.sha256()
        acts = ";".join(f"{iv.start_s:.3f}-{iv.end_s:.3f}" for iv in sig.activity)
        for part in (self.input_sha256, self.layout_tag, sig.party, identity, language, acts):
            h.update(part.encode())
            h.update(b"\0")
        return h.hexdigest()

    def get(self, key: str) -> tuple[Word, ...] | None:
        f = self.root / f"{key}.json"
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        return tuple(Word(w[0], w[1], w[2], w[3], w[4]) for w in data["words"])

    def put(self, key: str, words: Sequence[Word]) -> None:
        data = {"words": [[w.speaker, w.text, w.start_s, w.end_s, round(w.probability, 4)] for w in words]}
        atomic_write(self.root / f"{key}.json", json.dumps(data, ensure_ascii=False))


def settings_hash(config: Config, model_identity: str, info: CallInfo) -> str:
    blob = json.dumps(
        {"v": __version__, "model": model_identity, "config": config_to_dict(config), "layout": info.layout,
         "language": info.language, "agent": info.agent, "date": info.date, "call_id": info.call_id},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def finished_result(out_dir: Path, info: CallInfo, input_sha256: str, s_hash: str) -> dict | None:
    """The call's existing result when it was made from the same audio with the same settings."""
    f = out_dir / "calls" / f"{info.call_id}.json"
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if data.get("input_sha256") == input_sha256 and data.get("settings_hash") == s_hash:
        return data
    return None


# ----------------------------------------------------------------------------------- one call


@dataclass(frozen=True)
class Outcome:
    info: CallInfo
    status: str  # "done" | "cached" | "failed"
    duration_s: float = 0.0
    reason: str = ""


_WORKER: dict[str, object] = {}


def _make_transcriber(model: str | None, config: Config, cpu_threads: int):
    from callcheck.transcribe.models import resolve_model
    from callcheck.transcribe.whisper import make_transcriber

    spec = resolve_model(model)
    return spec, make_transcriber(spec, config.transcribe, cpu_threads=cpu_threads)


def _init_worker(model: str | None, config: Config, cpu_threads: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    spec, tr = _make_transcriber(model, config, cpu_threads)
    _WORKER.update(spec=spec, transcriber=tr, config=config)


def analyse_and_write(info: CallInfo, out_dir: Path, *, config: Config, spec, transcriber) -> Outcome:
    """Analyse one call and write its JSON atomically; every error becomes a one-line reason."""
    from callcheck.pipeline import Context, run_steps
    from callcheck.result import build_call_json, dumps
    from callcheck.rules import evaluate_call

    try:
        sha = file_sha256(info.path)
    except FileNotFoundError:
        return Outcome(info, "failed", reason=f"{info.path}: file not found")
    except IsADirectoryError:
        return Outcome(info, "failed", reason=f"{info.path}: is a folder, not an audio file")
    except OSError as exc:
        return Outcome(info, "failed", reason=f"{info.path}: cannot be read ({exc.strerror})")
    s_hash = settings_hash(config, transcriber.identity, info)
    previous = finished_result(out_dir, info, sha, s_hash)
    if previous is not None:
        return Outcome(info, "cached", duration_s=float(previous.get("duration_s") or 0.0))
    try:
        cache = TranscriptCache(out_dir / ".cache" / "transcripts", sha, info.layout)
        state = run_steps(info, config=config, context=Context(transcriber=transcriber, cache=cache))
        model = {"name": spec.name, "source": spec.source, "identity": transcriber.identity}
        data = build_call_json(state, model=model, input_sha256=sha, settings_hash=s_hash)
        data.update(evaluate_call(data, config=config.rules).to_json())
        atomic_write(out_dir / "calls" / f"{info.call_id}.json", dumps(data))
        return Outcome(info, "done", duration_s=float(data["duration_s"]))
    except ModelError:
        raise  # not this file's fault: the whole batch stops with the model's message (exit 2)
    except CallcheckError as exc:
        msg = str(exc)
        return Outcome(info, "failed", reason=msg if info.path in msg else f"{info.path}: {msg}")
    except MemoryError:
        return Outcome(info, "failed", reason=f"{info.path}: out of memory while analysing")
    except Exception as exc:  # a bug: still one line for the user, the traceback on request
        if os.environ.get("CALLCHECK_DEBUG"):
            traceback.print_exc()
        first = str(exc).splitlines()[0] if str(exc) else ""
        return Outcome(info, "failed", reason=f"{info.path}: internal error {type(exc).__name__}: {first[:200]} (set CALLCHECK_DEBUG=1 for details)")


def _worker_analyse(info: CallInfo, out_dir: str) -> Outcome:
    return analyse_and_write(info, Path(out_dir), config=_WORKER["config"], spec=_WORKER["spec"], transcriber=_WORKER["transcriber"])


# -------------------------------------------------------------------------------------- batch


@dataclass
class BatchSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    interrupted: bool = False

    @property
    def done(self) -> int:
        return sum(o.status == "done" for o in self.outcomes)

    @property
    def cached(self) -> int:
        return sum(o.status == "cached" for o in self.outcomes)


ProgressHook = Callable[[Outcome], None]


def run_batch(
    calls: Sequence[CallInfo],
    out_dir: Path,
    *,
    config: Config,
    model: str | None,
    workers: int = 1,
    on_outcome: ProgressHook | None = None,
) -> BatchSummary:
    """Analyse ``calls`` into ``out_dir``; returns what happened to each. Ctrl-C stops cleanly."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "calls").mkdir(exist_ok=True)
    for stale in (out_dir / "calls").glob(".*.tmp"):  # left by a killed run; never a result
        stale.unlink(missing_ok=True)
    summary = BatchSummary()
    cores = os.cpu_count() or 1
    workers = max(1, min(workers, len(calls) or 1))
    threads = max(1, cores // workers)

    def record(o: Outcome) -> None:
        summary.outcomes.append(o)
        if o.status == "failed":
            summary.failures.append(Failure(o.info.path, o.reason, o.info.call_id))
        if on_outcome is not None:
            on_outcome(o)

    try:
        if workers == 1:
            spec, tr = _make_transcriber(model, config, threads)
            for info in calls:
                record(analyse_and_write(info, out_dir, config=config, spec=spec, transcriber=tr))
        else:
            # resolve (and assemble) the model once before the workers start
            from callcheck.transcribe.models import resolve_model

            resolve_model(model)
            todo = list(calls)
            while todo:  # a new pool only if a worker process died (killed for memory, crashed)
                todo = _run_pool(todo, out_dir, model=model, config=config, workers=workers, threads=threads, record=record)
                workers = 1  # after a break, one call at a time: the next break names its call exactly
    except KeyboardInterrupt:
        summary.interrupted = True
    return summary


def _run_pool(calls: Sequence[CallInfo], out_dir: Path, *, model, config: Config, workers: int, threads: int,
              record: Callable[[Outcome], None]) -> list[CallInfo]:
    """Analyse ``calls`` in a process pool; returns the calls still to do if the pool broke.

    When a worker process dies in a pool of several, every unfinished call is handed back and the
    caller retries them one at a time; a death in a one-worker pool fails exactly that call (one
    line, like any bad file). Each break either switches to one at a time or costs one call, so
    this ends.
    """
    from concurrent.futures.process import BrokenProcessPool

    queue = list(calls)
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(model, config, threads)) as pool:
        pending: dict = {}
        try:
            while queue or pending:
                while queue and len(pending) < workers:  # never more in flight than workers
                    info = queue.pop(0)
                    pending[pool.submit(_worker_analyse, info, str(out_dir))] = info
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    info = pending.pop(fut)
                    try:
                        record(fut.result())
                    except BrokenProcessPool:
                        if workers == 1:  # only this call was running: it is the one that died
                            record(Outcome(info, "failed", reason=f"{info.path}: the worker process analysing it died (out of memory?); the other calls go on"))
                            return [*pending.values(), *queue]
                        # several were running: retry the unfinished ones, one at a time
                        return [info, *pending.values(), *queue]
        except KeyboardInterrupt:
            for fut in pending:
                fut.cancel()
            raise
    return []


def write_failures(out_dir: Path, failures: Iterable[Failure]) -> Path:
    """``OUT/failures.csv``: one row per input that failed in this run (header only when none did)."""
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["path", "call_id", "reason"])
    for f in failures:
        writer.writerow([f.path, f.call_id or "", f.line])
    path = out_dir / "failures.csv"
    atomic_write(path, buf.getvalue())
    return path
