"""The Dask distributed engine: ``callcheck analyze ... --engine dask [--address ADDR]``.

* **Cluster**: with ``--address`` (``tcp://host:8786`` or a scheduler file ``*.json``) the batch
  connects to a running ``dask scheduler`` and uses every worker registered there, on any machine;
  without it, a local cluster of ``--workers`` worker processes is started on this machine (and
  closed afterwards).
* **Workers**: a :class:`CallcheckWorkerSetup` plugin makes each worker process's transcriber
  once (the model is loaded when the worker joins, before its first call) and keeps it for every
  call that worker analyses. A task is one whole call: the worker reads the audio (a local or
  shared path, or an fsspec URL), analyses it and returns the record; it writes nothing but its
  transcript cache (only where it sees ``--out``: the same machine or a shared filesystem).
* **Driver-side writes**: the batch process writes each returned record atomically, exactly as the
  local engine does, so atomicity, resume and the ``cached`` check stay one code path, workers
  need no write access to the results, and a worker killed mid-call leaves nothing behind.
* **Worker death**: the scheduler runs a call whose worker process died on another worker, at most
  ``--retries`` times more (the scheduler's ``allowed-failures``, set for this batch); after that
  the call is listed in ``failures.csv`` with one line and the batch goes on. A record is written
  only when its task finished, once, so nothing is lost or duplicated.
* **Flow**: at most as many calls are in flight as the cluster has worker threads (re-read every
  second, so workers may join or leave during a batch); after the first Ctrl-C no new call is
  submitted and the running ones finish; the second cancels them and closes the client.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from distributed import WorkerPlugin

from callcheck.config import Config
from callcheck.errors import CallcheckError, ConfigError, ModelError
from callcheck.types import CallInfo

__all__ = ["CallcheckWorkerSetup", "TaskResult", "analyse_task", "run_dask", "connect"]

#: per worker process: batch token -> {"transcriber", "config", "error"}
_STATE: dict[str, dict[str, Any]] = {}
#: seconds to wait for a scheduler given by --address
CONNECT_TIMEOUT_S = 20.0
#: seconds between two reads of the cluster's worker threads
REFRESH_S = 1.0
#: seconds between two looks at the running calls
POLL_S = 0.05


@dataclass(frozen=True)
class TaskResult:
    """What a worker returns for one call: its outcome, the record when analysed, or the model's
    error (the batch stops with it), and the worker's address (for messages and tests)."""

    outcome: Any  # callcheck.batch.Outcome
    record: dict[str, Any] | None = None
    model_error: str | None = None
    worker: str = ""
    pid: int = 0


def _localise(factory: Any) -> Any:
    """The factory as this machine must use it: the embedded model is assembled per machine, so a
    factory resolved on the driver is resolved again on the worker (``--model PATH`` must exist on
    every worker: a shared filesystem; a hub name downloads into each worker's models folder)."""
    from callcheck.calljob import WhisperFactory

    if isinstance(factory, WhisperFactory) and getattr(factory.spec, "source", None) == "embedded":
        from callcheck.transcribe.models import resolve_model

        return WhisperFactory(resolve_model(None), factory.config)
    return factory


class CallcheckWorkerSetup(WorkerPlugin):
    """Dask worker plugin: makes the worker process's transcriber (model loaded once) for one batch.

    Parameters
    ----------
    token : str
        The batch's key into the per-process state.
    factory : callable
        ``factory(cpu_threads) -> Transcriber`` (pickled to the workers).
    config : Config
        The batch's settings.
    cpu_threads : int
        Threads per worker for the recogniser; 0: ``$CALLCHECK_CPU_THREADS``, else the
        recogniser's default.
    parent_pid : int or None
        For a local cluster: the batch process, with which the worker processes end.
    """

    name = "callcheck"

    def __init__(self, token: str, factory: Any, config: Config, cpu_threads: int, parent_pid: int | None) -> None:
        self.token, self.factory, self.config = token, factory, config
        self.cpu_threads, self.parent_pid = cpu_threads, parent_pid
        self.name = f"callcheck-{token}"

    def setup(self, worker: Any = None) -> None:
        if self.parent_pid is not None:  # a local cluster of this batch
            # its log stays quiet below CRITICAL: the batch reports every call's outcome itself,
            # and when the cluster closes, a worker's last heartbeat may find the scheduler gone
            # (an ERROR with a traceback on the user's terminal after Ctrl-C or at the end)
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
            from callcheck.calljob import _die_with_parent

            with contextlib.suppress(ValueError, OSError):  # only the main thread may set handlers
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch process handles Ctrl-C
            if os.getppid() == self.parent_pid:
                _die_with_parent(self.parent_pid)
        threads = self.cpu_threads or int(os.environ.get("CALLCHECK_CPU_THREADS") or 0)
        state: dict[str, Any] = {"config": self.config, "transcriber": None, "error": None}
        try:
            tr = _localise(self.factory)(threads)
            getattr(tr, "model", None)  # faster-whisper: load the model now, once per worker
            state["transcriber"] = tr
        except ModelError as exc:
            state["error"] = str(exc)
        _STATE[self.token] = state

    def teardown(self, worker: Any = None) -> None:
        _STATE.pop(self.token, None)


def analyse_task(info: CallInfo, token: str, out_dir: str | None, known: tuple[str, str]) -> TaskResult:
    """One call on a worker: analyse it and return the record (nothing written but the transcript
    cache, and that only where this worker sees ``out_dir``)."""
    from callcheck.calljob import Outcome, analyse_outcome

    where = _worker_address()
    state = _STATE.get(token)
    if state is None:
        return TaskResult(Outcome(info, "failed", reason=f"{info.path}: worker {where} was not set up for this batch"),
                          worker=where, pid=os.getpid())
    if state["error"]:
        return TaskResult(Outcome(info, "failed", reason=state["error"]), model_error=state["error"], worker=where,
                          pid=os.getpid())
    out = Path(out_dir) if out_dir and Path(out_dir).is_dir() else None
    try:
        outcome, data = analyse_outcome(info, out, config=state["config"], transcriber=state["transcriber"], known=known)
    except ModelError as exc:
        return TaskResult(Outcome(info, "failed", reason=str(exc)), model_error=str(exc), worker=where, pid=os.getpid())
    return TaskResult(outcome, data, worker=where, pid=os.getpid())


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return ""


def _set_allowed_failures(dask_scheduler: Any = None, retries: int = 0) -> int:
    """On the scheduler: a task whose worker dies is run again at most ``retries`` times."""
    old = int(dask_scheduler.allowed_failures)
    dask_scheduler.allowed_failures = int(retries)
    return old


def _known(out_dir: Path, info: CallInfo) -> tuple[str, str]:
    """``(input_sha256, settings_hash)`` of the call's current record, ``("", "")`` when it has
    none that can be reused (missing, unreadable, an older schema)."""
    import json

    from callcheck.result import schema_problem

    try:
        data = json.loads((out_dir / "calls" / f"{info.call_id}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ("", "")
    if not isinstance(data, dict) or schema_problem(data) is not None:
        return ("", "")
    return (str(data.get("input_sha256") or ""), str(data.get("settings_hash") or ""))


def connect(address: str | None, *, workers: int, retries: int):
    """A Dask client: to the scheduler at ``address`` (or a scheduler file), else to a new local
    cluster of ``workers`` processes with one thread each. Returns ``(client, cluster or None)``."""
    import dask
    from distributed import Client, LocalCluster

    from callcheck.calljob import _sigint_blocked

    if address is None:
        with dask.config.set({"distributed.scheduler.allowed-failures": retries,
                              "distributed.worker.daemon": False}), _sigint_blocked():
            # SIGINT blocked while the cluster's threads and processes start: they inherit it,
            # so a terminal's Ctrl-C reaches only the batch process. The cluster's own log (the
            # scheduler's here, the workers' in CallcheckWorkerSetup) stays quiet below CRITICAL
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
            client = Client(cluster)
        return client, cluster
    try:
        if address.endswith(".json") and Path(address).is_file():
            client = Client(scheduler_file=address, timeout=CONNECT_TIMEOUT_S)
        else:
            client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(f"--address {address}: no Dask scheduler answers there ({str(exc).splitlines()[0][:120]}); "
                          "start one with `dask scheduler` (README, 'Several machines')") from None
    client.run_on_scheduler(_set_allowed_failures, retries=retries)
    return client, None


def _slots(client: Any) -> int:
    """Worker threads of the cluster now."""
    info = client.scheduler_info(n_workers=-1) if _accepts_n_workers(client) else client.scheduler_info()
    return sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())


def _accepts_n_workers(client: Any) -> bool:
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters


def run_dask(
    calls: Sequence[CallInfo],
    out_dir: Path,
    *,
    config: Config,
    factory: Callable[[int], Any],
    workers: int,
    address: str | None,
    retries: int,
    record: Callable[[Any], None],
    should_stop: Callable[[], bool],
    notice: Callable[[str], None],
) -> None:
    """Analyse ``calls`` on a Dask cluster; the driver writes the records (module notes)."""
    out_dir = Path(out_dir)
    threads = max(1, (os.cpu_count() or 1) // max(1, workers)) if address is None else 0
    client, cluster = connect(address, workers=workers, retries=retries)
    token = uuid.uuid4().hex[:12]
    try:
        client.register_plugin(CallcheckWorkerSetup(token, factory, config, threads, os.getpid() if cluster else None),
                               name=f"callcheck-{token}")
        _drive(client, calls, out_dir, token=token, retries=retries, record=record, should_stop=should_stop,
               notice=notice, where=address or "a local cluster")
    finally:
        with contextlib.suppress(Exception):
            client.unregister_worker_plugin(f"callcheck-{token}")
        with contextlib.suppress(Exception):
            client.close(timeout=5)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=5)


def _drive(client: Any, calls: Sequence[CallInfo], out_dir: Path, *, token: str, retries: int,
           record: Callable[[Any], None], should_stop: Callable[[], bool], notice: Callable[[str], None],
           where: str) -> None:
    from distributed.scheduler import KilledWorker

    from callcheck.calljob import Outcome

    queue = list(calls)
    pending: dict[Any, CallInfo] = {}
    slots, refreshed, waited = 0, 0.0, False
    try:
        while pending or (queue and not should_stop()):
            if time.monotonic() - refreshed > REFRESH_S:
                slots, refreshed = _slots(client), time.monotonic()
                if slots == 0 and not waited:
                    notice(f"waiting for Dask workers at {where}")
                    waited = True
            while queue and not should_stop() and len(pending) < max(1, slots):
                info = queue.pop(0)
                fut = client.submit(analyse_task, info, token, str(out_dir), _known(out_dir, info), pure=False,
                                    key=f"callcheck-{token}-{info.call_id}")
                pending[fut] = info
            done = [f for f in pending if f.done()]
            if not done:
                time.sleep(POLL_S)
                continue
            for fut in done:
                info = pending.pop(fut)
                if fut.status == "finished":
                    record(_finish(fut.result(), out_dir))
                    continue
                exc = fut.exception() if fut.status == "error" else None
                if isinstance(exc, KilledWorker):
                    reason = (f"{info.path}: the worker process analysing it died {retries + 1} time"
                              f"{'s' if retries else ''} (out of memory?); the other calls go on")
                elif fut.status == "error":
                    first = str(exc).splitlines()[0][:200] if str(exc) else ""
                    reason = f"{info.path}: internal error {type(exc).__name__} on a Dask worker: {first}"
                else:
                    raise CallcheckError(f"{where}: the Dask scheduler lost the call {info.call_id} ({fut.status}); "
                                         "the calls written so far stand; run the same command again to resume")
                record(Outcome(info, "failed", reason=reason))
    except BaseException:
        for fut in pending:
            with contextlib.suppress(Exception):
                fut.cancel()
        raise


def _finish(res: TaskResult, out_dir: Path) -> Any:
    """On the driver: write an analysed call's record atomically; a cached one gets its moved
    source updated; a model error stops the batch."""
    from callcheck.calljob import Outcome, _update_source, finished_result
    from callcheck.result import write_record

    if res.model_error:
        raise ModelError(res.model_error)
    o = res.outcome
    if o.status == "done" and res.record is not None:
        try:
            write_record(out_dir / "calls" / f"{o.info.call_id}.json", res.record)
        except CallcheckError as exc:
            return Outcome(o.info, "failed", reason=f"{o.info.path}: {exc}")
        return o
    if o.status == "cached":
        previous = finished_result(out_dir, o.info, o.input_sha256 or "", _known(out_dir, o.info)[1])
        if previous is not None:
            _update_source(previous, o.info, out_dir)
            return replace(o, duration_s=float(previous.get("duration_s") or 0.0))
    return o
