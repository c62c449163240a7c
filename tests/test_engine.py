"""The Dask engine on a real cluster: a ``dask scheduler`` and two ``dask worker`` processes (each
with its nanny) started on 127.0.0.1 as subprocesses, as the README starts them on two machines.

* the records of the samples equal those of a local run (except timings and the analysis time);
* a worker process killed (SIGKILL) mid-call: its call runs again on another worker, every call is
  recorded exactly once, nothing fails;
* a call that kills every worker that takes it is run ``1 + retries`` times, then listed in
  ``failures.csv``; the other calls are analysed;
* without ``--address`` a local cluster of ``--workers`` processes is started and closed;
* Ctrl-C through the real command line: the first lets the running calls finish and starts no
  more, the second ends the local cluster's workers within seconds;
* usage errors before any call: unknown engine, ``--address`` without an engine, no scheduler.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from callcheck import analyze_batch
from callcheck.errors import ConfigError

from conftest import SAMPLES, sample_wavs
from enginefake import KillerFactory, ScriptedFactory

distributed = pytest.importorskip("distributed", reason="the Dask extra is not installed: pip install '.[dask]'")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups and signals: Linux")

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
IGNORED = ("timings_s", "analysed_at")


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(TESTS)]), HF_HUB_OFFLINE="1",
                DASK_DISTRIBUTED__WORKER__DAEMON="False", DASK_LOGGING__DISTRIBUTED="error")


class Cluster:
    """A scheduler and ``n`` workers (nanny + worker process each), one thread per worker."""

    def __init__(self, tmp: Path, n: int = 2) -> None:
        self.file = tmp / "scheduler.json"
        self.procs: list[subprocess.Popen] = []
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self._start([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--no-dashboard", "--scheduler-file", str(self.file)], "scheduler")
        deadline = time.monotonic() + 120
        while not self.file.is_file():
            assert time.monotonic() < deadline, self.log("scheduler")
            time.sleep(0.1)
        self.address = json.loads(self.file.read_text())["address"]
        for k in range(n):
            self._start([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(self.file),
                         "--nthreads", "1", "--nworkers", "1", "--no-dashboard", "--memory-limit", "0",
                         "--host", "127.0.0.1", "--name", f"w{k}"], f"worker{k}")
        self.client = distributed.Client(self.address, timeout=60)
        self.wait_for_workers(n)

    def _start(self, argv: list[str], name: str) -> None:
        log = open(self.logs / f"{name}.log", "w")
        self.procs.append(subprocess.Popen(argv, env=_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True))

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def wait_for_workers(self, n: int, timeout_s: float = 180.0) -> None:
        self.client.wait_for_workers(n, timeout=timeout_s)

    def worker_pids(self) -> set[int]:
        return set(self.client.run(os.getpid).values())

    def close(self) -> None:
        self.client.close()
        for p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("dask"))
    yield c
    c.close()


def _records(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (out / "calls").glob("*.json")}


def _strip(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if k not in IGNORED}


def _tones(folder: Path, durations_s: list[float]) -> Path:
    sr = 16000
    for k, d in enumerate(durations_s):
        t = np.arange(int(d * sr)) / sr
        left = 0.3 * np.sin(2 * np.pi * (150 + 10 * k) * t) * (t < 0.45 * d)
        right = 0.3 * np.sin(2 * np.pi * 230 * t) * (t > 0.55 * d)
        f = folder / "anna" / f"c{k}.wav"
        f.parent.mkdir(parents=True, exist_ok=True)
        sf.write(f, np.stack([left, right]).T.astype(np.float32), sr, subtype="PCM_16")
    return folder


def test_dask_records_equal_a_local_run(tmp_path, cluster):
    factory = ScriptedFactory(str(sample_wavs()[0].with_suffix(".truth.json")))
    inbox = tmp_path / "in"
    shutil.copytree(SAMPLES, inbox, ignore=shutil.ignore_patterns("*.json", "*.md", "*.txt"))
    local = analyze_batch([inbox], tmp_path / "a" / "out", transcriber_factory=factory, report=False)
    seen: list = []
    dist = analyze_batch([inbox], tmp_path / "b" / "out", transcriber_factory=factory, report=False, engine="dask",
                         address=cluster.address, on_outcome=seen.append)
    assert local.exit_code == 0 and dist.exit_code == 0, [f.line for f in dist.failures]
    assert dist.analysed == len(sample_wavs()) == len(seen)
    a, b = _records(tmp_path / "a" / "out"), _records(tmp_path / "b" / "out")
    assert sorted(a) == sorted(b) and len(a) == len(sample_wavs())
    for cid in a:
        assert _strip(a[cid]) == _strip(b[cid]), cid
    # the same command again: every call cached, nothing rewritten
    mtimes = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "b" / "out" / "calls").glob("*.json")}
    again = analyze_batch([inbox], tmp_path / "b" / "out", transcriber_factory=factory, report=False, engine="dask",
                          address=cluster.address)
    assert again.unchanged == len(a) and again.analysed == 0
    assert mtimes == {p.name: p.stat().st_mtime_ns for p in (tmp_path / "b" / "out" / "calls").glob("*.json")}


def _run_in_thread(**kw):
    box: dict = {}

    def target() -> None:
        try:
            box["summary"] = analyze_batch(**kw)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    th = threading.Thread(target=target, daemon=True)
    th.start()
    return th, box


def test_a_killed_worker_process_is_retried_elsewhere_and_every_call_recorded_once(tmp_path, cluster):
    cluster.wait_for_workers(2)
    markers = tmp_path / "markers"
    markers.mkdir()
    inbox = _tones(tmp_path / "in", [2.0] * 5)
    seen: list = []
    th, box = _run_in_thread(inputs=[inbox], out_dir=tmp_path / "out", transcriber_factory=KillerFactory(str(markers), 3.0),
                             report=False, engine="dask", address=cluster.address, on_outcome=seen.append,
                             language="en")
    deadline = time.monotonic() + 120
    while len(list(markers.glob("call-*"))) < 2:
        assert time.monotonic() < deadline and th.is_alive(), box
        time.sleep(0.05)
    victim = int(sorted(markers.glob("call-*"))[0].name.split("-")[1])
    assert victim in cluster.worker_pids()
    os.kill(victim, signal.SIGKILL)  # the worker process, mid-call (its nanny starts a new one)
    th.join(300)
    assert not th.is_alive() and "error" not in box, box
    s = box["summary"]
    assert s.exit_code == 0, [f.line for f in s.failures]
    ids = [o.info.call_id for o in seen]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 5  # each call reported exactly once
    assert all(o.status == "done" for o in seen)
    assert sorted(_records(tmp_path / "out")) == sorted(ids)
    assert len(list(markers.glob("call-*"))) >= 6  # the killed call started again
    assert (tmp_path / "out" / "failures.csv").read_text().splitlines() == ["path,call_id,reason"]
    assert not list((tmp_path / "out" / "calls").glob(".*"))  # nothing half-written


def test_a_call_that_kills_every_worker_fails_after_the_retries(tmp_path, cluster):
    cluster.wait_for_workers(2)
    markers = tmp_path / "markers"
    markers.mkdir()
    inbox = _tones(tmp_path / "in", [2.0, 3.0, 2.0])  # c1 (3 s) kills the worker that takes it
    s = analyze_batch([inbox], tmp_path / "out", transcriber_factory=KillerFactory(str(markers), 0.2, victim_s=3.0),
                      report=False, engine="dask", address=cluster.address, retries=1, language="en")
    assert s.exit_code == 1
    assert [f.call_id for f in s.failures] == ["c1"]
    assert "died 2 times" in s.failures[0].line and s.failures[0].line.startswith(str(inbox / "anna" / "c1.wav"))
    assert len([m for m in markers.glob("call-*") if m.name.endswith("-3.0")]) == 2  # 1 + retries runs
    assert sorted(_records(tmp_path / "out")) == ["c0", "c2"]
    assert "c1" in (tmp_path / "out" / "failures.csv").read_text()


def test_without_an_address_a_local_cluster_is_started(tmp_path):
    factory = ScriptedFactory(str(sample_wavs()[0].with_suffix(".truth.json")))
    inbox = _tones(tmp_path / "in", [2.0, 2.0])
    s = analyze_batch([inbox], tmp_path / "out", transcriber_factory=factory, report=False, engine="dask", workers=2,
                      language="en")
    assert s.exit_code == 0 and s.analysed == 2
    assert sorted(_records(tmp_path / "out")) == ["c0", "c1"]


def test_engine_usage_errors_stop_before_any_call(tmp_path, monkeypatch):
    inbox = _tones(tmp_path / "in", [2.0])
    with pytest.raises(ConfigError, match="is not one of: local, dask"):
        analyze_batch([inbox], tmp_path / "out", engine="spark")
    with pytest.raises(ConfigError, match="give --engine dask"):
        analyze_batch([inbox], tmp_path / "out", address="tcp://127.0.0.1:8786")
    import callcheck.engine.dask as eng

    monkeypatch.setattr(eng, "CONNECT_TIMEOUT_S", 2.0)
    with pytest.raises(ConfigError, match="no Dask scheduler answers there"):
        analyze_batch([inbox], tmp_path / "out", engine="dask", address="tcp://127.0.0.1:9",
                      transcriber_factory=ScriptedFactory(str(sample_wavs()[0].with_suffix(".truth.json"))))
    assert not (tmp_path / "out" / "calls").exists() or not list((tmp_path / "out" / "calls").glob("*.json"))


def test_ctrl_c_with_the_dask_engine_finishes_the_running_calls_then_aborts_on_the_second(tmp_path):
    from test_interrupt import _Batch, _wait_gone

    from callcheck.batch import STOP_MESSAGE

    b = _Batch(tmp_path, calls=5, workers=2, sleep_s=2.0, extra=("--engine", "dask"))
    b.wait_until_started(2)
    workers = b.worker_pids()
    first = b.ctrl_c()
    assert b.line_after(STOP_MESSAGE, first, timeout_s=5.0) is not None, b.stderr()
    rc = b.finish(timeout_s=120.0)
    assert rc == 130, b.stderr()
    assert len(b.started()) == 2, "a call started after the first Ctrl-C"
    assert len(list((b.out / "calls").glob("*.json"))) == 2
    assert "interrupted: 2 of 5 calls" in b.stderr() and "Traceback" not in b.stderr()
    assert not _wait_gone(workers, 10.0), "local cluster workers outlived the batch"

    (tmp_path / "again").mkdir()
    b2 = _Batch(tmp_path / "again", calls=3, workers=2, sleep_s=120.0, extra=("--engine", "dask"))
    b2.wait_until_started(2)
    workers = b2.worker_pids()
    b2.ctrl_c()
    time.sleep(0.3)
    second = b2.ctrl_c()
    assert b2.finish(timeout_s=60.0) == 130, b2.stderr()
    assert time.monotonic() - second < 15.0
    assert not _wait_gone(workers, 10.0), "workers still run after the second Ctrl-C"
