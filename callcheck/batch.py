"""Batches: run the planned calls (in parallel if asked), write results atomically, resume, stop
cleanly on Ctrl-C, one run per results folder.

Three modules share the work: :mod:`callcheck.discover` finds the calls and gives them ids (the
first three points below), :mod:`callcheck.calljob` analyses one call (cache, resume check, worker
helpers, also used by :mod:`callcheck.engine`), and this module runs the batch.

* Inputs are files, folders (searched recursively) and/or a manifest CSV (``path,agent`` and
  optionally ``call_id,date,layout,language``; paths relative to the manifest's folder; ``,``, ``;``
  or tab as delimiter; dates ``YYYY-MM-DD`` or ``DD.MM.YYYY``). Everything is checked before the
  first call is analysed: a missing input, a folder without audio or a bad manifest row stops with
  one line (:class:`ConfigError`, exit 2).
* Without a manifest the agent comes from ``batch.agent_pattern`` (a regex with a group ``agent``
  applied to the file name) or else the parent folder's name.
* **Call ids are stable** (:func:`assign_ids`): a recording that already has a record in
  ``OUT/calls`` keeps that record's id (found by its path, or by its content when the audio was
  moved); a new recording gets its file name (``a001``), or, when another recording of the batch
  or of ``OUT/calls`` already has that name, its folder and file name (``markus__a001``). Adding
  files therefore never renames a call that was analysed before.
* ``OUT/calls/<call_id>.json`` is written to a temporary file and moved into place, so a killed run
  never leaves half a JSON. A call whose JSON exists with the same input hash and settings is
  skipped, so a re-run resumes where the last one stopped. Transcripts are cached in
  ``OUT/private/transcripts`` (clear text: owner-only; keyed by audio content, party activity,
  model and decoding settings).
* One bad file never stops the batch: its reason goes to stderr (one line) and ``OUT/failures.csv``.
* Ctrl-C: the first stops after the calls being analysed ("stopping after the current calls
  (Ctrl-C again to abort)"), the second ends the worker processes at once. Workers ignore Ctrl-C
  themselves and die with the batch process, even when it is killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from callcheck.calljob import (
    Failure,
    Outcome,
    TranscriberFactory,
    _die_with_parent,
    _sigint_blocked,
    analyse_and_write,
)
from callcheck.config import Config
from callcheck.errors import (
    ConfigError,
    printable,
)
from callcheck.fsutil import atomic_write, make_dirs
from callcheck.types import CallInfo

_WORKER: dict[str, Any] = {}


def _init_worker(factory: TranscriberFactory, config: Config, cpu_threads: int, parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch process handles Ctrl-C
    _die_with_parent(parent_pid)
    from callcheck.fsutil import set_file_mode

    set_file_mode(config.privacy.file_mode)  # spawned workers start with the defaults
    _WORKER.update(transcriber=factory(cpu_threads), config=config)


def _worker_analyse(info: CallInfo, out_dir: str) -> Outcome:
    return analyse_and_write(info, Path(out_dir), config=_WORKER["config"], transcriber=_WORKER["transcriber"])


def _end_workers(pool: ProcessPoolExecutor, grace_s: float = 1.0) -> None:
    """Terminate the pool's processes (SIGTERM, SIGKILL after ``grace_s``) and drop the pool."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    deadline = time.monotonic() + grace_s
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(max(0.0, deadline - time.monotonic()))
    for p in procs:
        with contextlib.suppress(Exception):
            if p.is_alive():
                p.kill()
                p.join(1.0)
    pool.shutdown(wait=False, cancel_futures=True)


#: the lock file of a results folder, held (``flock``) by the run writing to it
LOCK_NAME = ".cache/run.lock"


#: temporary files under ``OUT/serve`` younger than this may be a running ``callcheck serve``'s
_SERVE_TMP_AGE_S = 600.0


class OutLock:
    """The results folder held by this run: an exclusive ``flock`` on ``OUT/.cache/run.lock``
    (holding this process's id), released on exit or when the process dies, even by SIGKILL.

    A second run on the same folder stops at once with one line naming the holder's pid
    (:class:`ConfigError`, exit 2). Where the filesystem cannot lock (some network mounts) or on
    Windows the run goes on unlocked. Once held, stale temporary files (``.*.tmp``, left by a killed
    run) are removed anywhere under ``OUT``.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self._fh: Any = None

    def __enter__(self) -> "OutLock":
        path = self.out_dir / LOCK_NAME
        try:
            import fcntl
        except ImportError:  # Windows: no flock
            return self
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(path, "a+", encoding="ascii")
        except OSError as exc:
            raise ConfigError(f"--out {self.out_dir}: cannot be written ({exc.strerror or exc}); give a folder you can write to") from None
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read(32).strip()
            fh.close()
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise ConfigError(f"{self.out_dir}: another callcheck run{who} is writing to this folder; "
                              "wait for it to finish, or give another --out") from None
        except OSError:  # ENOLCK and friends: a filesystem without locks; run unlocked
            fh.close()
            return self
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._fh = fh
        remove_stale_temporaries(self.out_dir)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._fh is not None:
            self._fh.close()  # closing the file releases the lock
            self._fh = None


def remove_stale_temporaries(out_dir: Path) -> int:
    """Delete the temporary files (``.<name>.<random>.tmp``, :func:`callcheck.fsutil.atomic_write`)
    a killed run left anywhere under ``out_dir`` (links not followed); returns how many. Only call
    it while holding :class:`OutLock`. Under ``OUT/serve`` only those older than 10 minutes (a
    running web app may be writing the others)."""
    removed = 0
    now = time.time()
    serve = os.path.join(str(out_dir), "serve")
    for folder, _dirs, files in os.walk(out_dir):
        for name in files:
            if not (name.startswith(".") and name.endswith(".tmp")):
                continue
            f = os.path.join(folder, name)
            try:
                if (folder == serve or folder.startswith(serve + os.sep)) and now - os.lstat(f).st_mtime < _SERVE_TMP_AGE_S:
                    continue
                os.unlink(f)
                removed += 1
            except OSError:
                pass
    return removed


STOP_MESSAGE = "stopping after the current calls (Ctrl-C again to abort)"


class _CtrlC:
    """Ctrl-C while a batch runs: the first sets ``stop`` and says so at once, the second raises
    KeyboardInterrupt (abort), further ones are ignored while aborting. Installed only in the main
    thread and only when SIGINT is not ignored (``nohup``, background jobs)."""

    def __init__(self, notice: Callable[[str], None]) -> None:
        self.stop = False
        self.aborting = False
        self._notice = notice
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> "_CtrlC":
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum: int, frame: Any) -> None:
        if not self.stop:
            self.stop = True
            self._notice(STOP_MESSAGE)
        elif not self.aborting:
            self.aborting = True
            raise KeyboardInterrupt


@dataclass(frozen=True)
class BatchRun:
    """What :func:`run_batch` did: an outcome per call it got to, and whether Ctrl-C cut it short."""

    outcomes: tuple[Outcome, ...]
    interrupted: bool


def _stderr_notice(text: str) -> None:
    sys.stderr.write(printable(text) + "\n")
    sys.stderr.flush()


def run_batch(
    calls: Sequence[CallInfo],
    out_dir: Path,
    *,
    config: Config,
    factory: TranscriberFactory,
    workers: int = 1,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
    engine: str = "local",
    address: str | None = None,
    retries: int = 2,
) -> BatchRun:
    """Analyse ``calls`` into ``out_dir`` (``workers`` processes when > 1); Ctrl-C stops cleanly.

    ``engine`` other than ``local`` (``dask``): the calls run on that engine's workers
    (:mod:`callcheck.engine`; ``address`` its scheduler, ``retries`` the runs after a worker
    process died); this process writes the records. A :class:`ModelError` stops the batch
    (raised, after the workers are ended).
    """
    out_dir = Path(out_dir)
    make_dirs(out_dir / "calls")  # owner-only unless privacy.file_mode says otherwise
    for folder in (out_dir / "calls", out_dir / "private" / "transcripts"):
        for stale in folder.glob(".*.tmp"):  # left by a killed run; never a result
            stale.unlink(missing_ok=True)
    outcomes: list[Outcome] = []
    cores = os.cpu_count() or 1
    workers = max(1, min(workers, len(calls) or 1))
    threads = max(1, cores // workers)

    def record(o: Outcome) -> None:
        outcomes.append(o)
        if on_outcome is not None:
            on_outcome(o)

    interrupted = False
    with _CtrlC(on_notice or _stderr_notice) as ctrl:
        try:
            if engine != "local":
                from callcheck.engine import run_engine

                run_engine(engine, calls, out_dir, config=config, factory=factory, workers=workers, address=address,
                           retries=retries, record=record, should_stop=lambda: ctrl.stop,
                           notice=on_notice or _stderr_notice)
            elif workers == 1:
                tr = factory(threads)
                for info in calls:
                    if ctrl.stop:
                        break
                    record(analyse_and_write(info, out_dir, config=config, transcriber=tr))
            else:
                todo = list(calls)
                while todo and not ctrl.stop:  # a new pool only if a worker process died (killed for memory, crashed)
                    todo = _run_pool(todo, out_dir, factory=factory, config=config, workers=workers, threads=threads,
                                     record=record, ctrl=ctrl)
                    workers = 1  # after a break, one call at a time: the next break names its call exactly
        except KeyboardInterrupt:
            interrupted = True
        interrupted = interrupted or ctrl.stop
    return BatchRun(tuple(outcomes), interrupted)


def _run_pool(calls: Sequence[CallInfo], out_dir: Path, *, factory: TranscriberFactory, config: Config, workers: int,
              threads: int, record: Callable[[Outcome], None], ctrl: _CtrlC) -> list[CallInfo]:
    """Analyse ``calls`` in a process pool; returns the calls still to do if the pool broke.

    When a worker process dies in a pool of several, every unfinished call is handed back and the
    caller retries them one at a time; a death in a one-worker pool fails exactly that call (one
    line, like any bad file). Each break either switches to one at a time or costs one call, so
    this ends. After a first Ctrl-C no new call starts; on the second (KeyboardInterrupt) or any
    error the workers are ended before it propagates.
    """
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    queue = list(calls)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(factory, config, threads, os.getpid()))
    pending: dict = {}
    try:
        while pending or (queue and not ctrl.stop):
            while queue and not ctrl.stop and len(pending) < workers:  # never more in flight than workers
                info = queue.pop(0)
                with _sigint_blocked():  # may start a worker process
                    pending[pool.submit(_worker_analyse, info, str(out_dir))] = info
            finished, _ = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            for fut in finished:
                info = pending.pop(fut)
                try:
                    record(fut.result())
                except BrokenProcessPool:
                    _end_workers(pool)
                    if workers == 1:  # only this call was running: it is the one that died
                        record(Outcome(info, "failed", reason=f"{info.path}: the worker process analysing it died (out of memory?); the other calls go on"))
                        return [*pending.values(), *queue]
                    # several were running: retry the unfinished ones, one at a time
                    return [info, *pending.values(), *queue]
    except BaseException:
        _end_workers(pool)
        raise
    pool.shutdown(wait=True)
    return []


def remove_superseded(out_dir: Path, superseded: Mapping[str, str], outcomes: Iterable[Outcome]) -> list[str]:
    """Delete records that are older copies of a call of this batch (same recording, other id),
    with their judgement, once that call's own record is there; one note per removed record."""
    written = {o.info.call_id for o in outcomes if o.status in ("done", "cached")}
    notes = []
    for old, new in sorted(superseded.items()):
        if new not in written:
            continue
        for folder in ("calls", "judgements"):
            (Path(out_dir) / folder / f"{old}.json").unlink(missing_ok=True)
        notes.append(f"note: removed {Path(out_dir) / 'calls' / (old + '.json')}: the same recording is {new}.json")
    return notes


def csv_cell(text: str) -> str:
    """A CSV cell that a spreadsheet shows as text: one starting with ``= + - @``, a tab or a carriage
    return (a formula, "CSV injection") gets a leading apostrophe."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_failures(out_dir: Path, failures: Iterable[Failure]) -> Path:
    """``OUT/failures.csv``: one row per input that failed in this run (header only when none did).

    ``path`` is absolute (as given, links not followed; a URL as it is); the file name is kept
    exactly, newlines and all (the cell is quoted). No cell can start a spreadsheet formula
    (:func:`csv_cell`).
    """
    import io

    from callcheck.storage import is_url

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; a cell with a CR or LF is quoted only so
    writer.writerow(["path", "call_id", "reason"])
    for f in failures:
        where = f.path if is_url(f.path) else os.path.abspath(f.path)
        writer.writerow([csv_cell(where), csv_cell(f.call_id or ""), csv_cell(f.line)])
    path = Path(out_dir) / "failures.csv"
    atomic_write(path, buf.getvalue().encode("utf-8", "surrogateescape"))  # a name's non-UTF-8 bytes as they are
    return path
