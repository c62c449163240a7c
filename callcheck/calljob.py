"""One call of a batch: analyse it into an :class:`Outcome` (its record, or the one-line reason it
failed), with the transcript cache and resume check, and the worker-process helpers shared by the
local process pool (:mod:`callcheck.batch`) and the engines (:mod:`callcheck.engine`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from callcheck import __version__
from callcheck.config import Config, TranscribeConfig, config_to_dict
from callcheck.errors import (
    CallcheckError,
    ModelError,
)
from callcheck.fsutil import atomic_write, relative_path
from callcheck.types import CallInfo, PartySignal, Word


@dataclass(frozen=True)
class Failure:
    """An input that could not be analysed, with its one-line reason."""

    path: str
    reason: str
    call_id: str | None = None

    @property
    def line(self) -> str:
        return self.reason if self.reason.startswith(self.path) else f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Outcome:
    """What happened to one call: ``done`` (analysed and written), ``cached`` (its record was
    already there, unchanged) or ``failed`` (``reason`` says why)."""

    info: CallInfo
    status: str
    duration_s: float = 0.0
    reason: str = ""
    input_sha256: str | None = None


class TranscriptCache:
    """Transcripts on disk under ``OUT/private/transcripts`` (clear text: folder 0700, files 0600),
    keyed by content and settings; a key starts with 16 hex digits of the audio's SHA-256
    (``callcheck forget`` removes a call's entries by it)."""

    @classmethod
    def of(cls, out_dir: Path, input_sha256: str, layout_tag: str) -> "TranscriptCache":
        """The cache of the results folder ``out_dir``."""
        from callcheck.privacy.store import transcript_cache_dir

        return cls(transcript_cache_dir(out_dir), input_sha256, layout_tag)

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
        return f"{self.input_sha256[:16]}.{h.hexdigest()}"

    def get(self, key: str) -> tuple[Word, ...] | None:
        f = self.root / f"{key}.json"
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        return tuple(Word(w[0], w[1], w[2], w[3], w[4]) for w in data["words"])

    def put(self, key: str, words: Sequence[Word]) -> None:
        data = {"words": [[w.speaker, w.text, w.start_s, w.end_s, round(w.probability, 4)] for w in words]}
        atomic_write(self.root / f"{key}.json", json.dumps(data, ensure_ascii=False), mode=0o600)


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
    from callcheck.result import schema_problem

    # a record of an older schema (e.g. findings without ids) is analysed again, never reused
    if data.get("input_sha256") == input_sha256 and data.get("settings_hash") == s_hash and schema_problem(data) is None:
        return data
    return None


def model_info(transcriber: Any) -> dict[str, str]:
    """The ``model`` object of a record: name, where it came from, and the transcriber's identity."""
    spec = getattr(transcriber, "spec", None)
    if spec is not None:
        return {"name": spec.name, "source": spec.source, "identity": transcriber.identity}
    return {"name": transcriber.identity, "source": "custom", "identity": transcriber.identity}


def analyse(info: CallInfo, *, config: Config, transcriber: Any, input_sha256: str, cache: TranscriptCache | None = None,
            out_dir: Path | None = None) -> dict[str, Any]:
    """The schema-valid record of one call with its absolute-norm findings (nothing written)."""
    from callcheck.storage import is_url

    if is_url(info.path):  # read through fsspec: decoded from a temporary copy, the record names the URL
        return _analyse_url(info, config=config, transcriber=transcriber, input_sha256=input_sha256, cache=cache, out_dir=out_dir)
    from callcheck.pipeline import Context, run_steps
    from callcheck.result import build_call_json
    from callcheck.rules import evaluate_call

    state = run_steps(info, config=config, context=Context(transcriber=transcriber, cache=cache))
    data = build_call_json(state, model=model_info(transcriber), input_sha256=input_sha256,
                           settings_hash=settings_hash(config, transcriber.identity, info), out_dir=out_dir)
    data.update(evaluate_call(data, config=config).to_json())
    if out_dir is not None and data["privacy"]["clear_text"]:
        from callcheck.privacy.store import write_clear_text

        write_clear_text(out_dir, info.call_id, state.privacy)
    return data


def _analyse_url(info: CallInfo, **kw: Any) -> dict[str, Any]:
    """:func:`analyse` of a recording at an fsspec URL (:mod:`callcheck.storage`)."""
    import dataclasses

    from callcheck.storage import local_copy, remote_source

    with local_copy(info.path) as local:
        try:
            data = analyse(dataclasses.replace(info, path=local), **kw)
        except CallcheckError as exc:  # name the URL, not the temporary copy
            raise type(exc)(str(exc).replace(local, info.path)) from None
    data.update(remote_source(info.path))
    return data


def _update_source(record: dict[str, Any], info: CallInfo, out_dir: Path) -> None:
    """A cached record whose audio was moved: store where it is now (the measures are unchanged)."""
    from callcheck.result import write_record
    from callcheck.storage import is_url

    if is_url(info.path):  # a URL names the recording itself
        return

    now = {"source": str(Path(info.path).resolve()), "source_relative": relative_path(info.path, out_dir)}
    if any(record.get(k) != v for k, v in now.items()):
        record.update(now)
        write_record(out_dir / "calls" / f"{info.call_id}.json", record)


def analyse_and_write(info: CallInfo, out_dir: Path, *, config: Config, transcriber: Any) -> Outcome:
    """Analyse one call and write its JSON atomically; every error becomes a one-line reason."""
    from callcheck.result import write_record

    outcome, data = analyse_outcome(info, out_dir, config=config, transcriber=transcriber)
    if data is None:
        return outcome
    try:
        write_record(out_dir / "calls" / f"{info.call_id}.json", data)
    except CallcheckError as exc:
        return Outcome(info, "failed", reason=f"{info.path}: {exc}")
    return outcome


def analyse_outcome(info: CallInfo, out_dir: Path | None, *, config: Config, transcriber: Any,
                    known: tuple[str, str] | None = None) -> tuple[Outcome, dict[str, Any] | None]:
    """Analyse one call without writing its record: the outcome and, when analysed, the record.

    A call whose record in ``out_dir/calls`` was made from the same audio and settings is
    ``cached`` (its moved ``source`` is updated in place). Engines whose workers cannot see the
    records pass ``known`` instead: the ``(input_sha256, settings_hash)`` of the existing record.
    Transcripts are cached under ``out_dir/private/transcripts`` (owner-only) when ``out_dir`` is given.
    Every error becomes a one-line reason; a :class:`ModelError` is raised (the batch stops).
    """
    from callcheck.audio.io import check_regular_file
    from callcheck.storage import is_url, sha256_of

    try:
        if not is_url(info.path):
            check_regular_file(info.path)  # a FIFO or a device would block the hash below
        sha = sha256_of(info.path)
    except CallcheckError as exc:
        return Outcome(info, "failed", reason=str(exc)), None
    except FileNotFoundError:
        return Outcome(info, "failed", reason=f"{info.path}: file not found"), None
    except IsADirectoryError:
        return Outcome(info, "failed", reason=f"{info.path}: is a folder, not an audio file"), None
    except OSError as exc:
        return Outcome(info, "failed", reason=f"{info.path}: cannot be read ({exc.strerror or exc})"), None
    s_hash = settings_hash(config, transcriber.identity, info)
    if known is not None:
        if known == (sha, s_hash):
            return Outcome(info, "cached", input_sha256=sha), None
    elif out_dir is not None:
        previous = finished_result(out_dir, info, sha, s_hash)
        if previous is not None:
            _update_source(previous, info, out_dir)
            return Outcome(info, "cached", duration_s=float(previous.get("duration_s") or 0.0), input_sha256=sha), None
    try:
        cache = TranscriptCache.of(out_dir, sha, info.layout) if out_dir is not None else None
        data = analyse(info, config=config, transcriber=transcriber, input_sha256=sha, cache=cache, out_dir=out_dir)
        return Outcome(info, "done", duration_s=float(data["duration_s"]), input_sha256=sha), data
    except ModelError:
        raise  # not this file's fault: the whole batch stops with the model's message (exit 2)
    except CallcheckError as exc:
        msg = str(exc)
        return Outcome(info, "failed", reason=msg if info.path in msg else f"{info.path}: {msg}"), None
    except MemoryError:
        return Outcome(info, "failed", reason=f"{info.path}: out of memory while analysing"), None
    except Exception as exc:  # a bug: still one line for the user, the traceback on request
        if os.environ.get("CALLCHECK_DEBUG"):
            traceback.print_exc()
        first = str(exc).splitlines()[0] if str(exc) else ""
        return Outcome(info, "failed", reason=f"{info.path}: internal error {type(exc).__name__}: {first[:200]} (set CALLCHECK_DEBUG=1 for details)"), None


#: makes the transcriber of a worker: ``factory(cpu_threads) -> Transcriber``; must pickle (workers)
TranscriberFactory = Callable[[int], Any]


@dataclass(frozen=True)
class WhisperFactory:
    """The default :data:`TranscriberFactory`: faster-whisper with a resolved model."""

    spec: Any  # callcheck.transcribe.models.ModelSpec
    config: TranscribeConfig

    @classmethod
    def resolve(cls, model: str | None, config: TranscribeConfig) -> "WhisperFactory":
        """Resolve (and, for the embedded model, assemble) the model now: a bad ``--model`` stops
        the batch before any call is analysed."""
        from callcheck.transcribe.models import resolve_model

        return cls(resolve_model(model), config)

    def __call__(self, cpu_threads: int):
        from callcheck.transcribe.whisper import make_transcriber

        return make_transcriber(self.spec, self.config, cpu_threads=cpu_threads)


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(1)


def _die_with_parent(parent_pid: int) -> None:
    """End this worker when the batch process ends, even by SIGKILL: the kernel's parent-death
    signal on Linux, a watchdog thread that polls the parent id elsewhere (and as a backstop)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="callcheck-parent-watch", daemon=True).start()


@contextlib.contextmanager
def _sigint_blocked():
    """SIGINT held back while worker processes are started: they inherit the blocked signal (a
    terminal's Ctrl-C reaches the whole process group), the batch process gets it right after."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
