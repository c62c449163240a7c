"""Ctrl-C and a killed batch, through the real command line in a subprocess, with a slow stand-in
recogniser (tests/slowfake.py) so that the workers are busy when the signal comes.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group; the tests do the same
(``killpg``), so the workers get it too and must ignore it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from callcheck.batch import STOP_MESSAGE

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups and /proc: Linux")


def _calls(folder: Path, n: int) -> Path:
    """``n`` short stereo calls (a tone burst per party) in ``folder/anna``."""
    sr = 16000
    t = np.arange(int(2.0 * sr)) / sr
    for k in range(n):
        left = 0.3 * np.sin(2 * np.pi * (150 + 10 * k) * t) * (t < 0.9)
        right = 0.3 * np.sin(2 * np.pi * 230 * t) * (t > 1.1)
        f = folder / "anna" / f"c{k}.wav"
        f.parent.mkdir(parents=True, exist_ok=True)
        sf.write(f, np.stack([left, right]).T.astype(np.float32), sr, subtype="PCM_16")
    return folder


class _Batch:
    """``callcheck analyze`` in its own process group with the slow recogniser; stderr lines are
    collected with the time they arrived."""

    def __init__(self, tmp: Path, *, calls: int, workers: int, sleep_s: float, extra: tuple[str, ...] = ()) -> None:
        self.markers = tmp / "markers"
        self.markers.mkdir()
        self.out = tmp / "out"
        inbox = _calls(tmp / "in", calls)
        argv = ["analyze", str(inbox), "--out", str(self.out), "--workers", str(workers), "--no-report", "--language", "en", *extra]
        # Ctrl-C as from a terminal even when the tests run in a background job (whose shell starts
        # children with SIGINT ignored, which the batch rightly respects)
        code = ("import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
                f"import sys; sys.path.insert(0, {str(TESTS)!r}); import slowfake; "
                f"slowfake.run_cli({str(self.markers)!r}, {sleep_s!r}, {argv!r})")
        env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.lines: list[tuple[float, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def started(self) -> list[Path]:
        return sorted(self.markers.glob("call-*"))

    def worker_pids(self) -> set[int]:
        return {int(p.name.split("-")[1]) for p in self.started()}

    def wait_until_started(self, n: int, timeout_s: float = 180.0) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.started()) < n:
            assert self.proc.poll() is None, f"batch ended early: {self.stderr()}"
            assert time.monotonic() < deadline, f"calls did not start: {self.stderr()}"
            time.sleep(0.05)

    def ctrl_c(self) -> float:
        os.killpg(self.proc.pid, signal.SIGINT)  # like a terminal: the whole process group
        return time.monotonic()

    def line_after(self, text: str, since: float, timeout_s: float) -> float | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for at, line in list(self.lines):
                if text in line and at >= since - 0.05:
                    return at
            time.sleep(0.02)
        return None

    def stderr(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def finish(self, timeout_s: float) -> int:
        try:
            return self.proc.wait(timeout=timeout_s)
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            self._reader.join(5)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def _wait_gone(pids: set[int], timeout_s: float) -> set[int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return {p for p in pids if _alive(p)}


def test_ctrl_c_twice_with_two_workers_aborts_within_seconds(tmp_path):
    b = _Batch(tmp_path, calls=4, workers=2, sleep_s=120.0)
    b.wait_until_started(2)
    workers = b.worker_pids()
    assert len(workers) == 2
    first = b.ctrl_c()
    said = b.line_after(STOP_MESSAGE, first, timeout_s=5.0)
    assert said is not None and said - first < 1.0, b.stderr()  # said at once
    time.sleep(0.3)
    assert b.proc.poll() is None  # the first Ctrl-C waits for the running calls
    second = b.ctrl_c()
    survivors = _wait_gone(workers, 2.0)
    assert not survivors, f"workers {survivors} still run 2 s after the second Ctrl-C"
    rc = b.finish(timeout_s=30.0)
    took = time.monotonic() - second
    assert rc == 130, b.stderr()
    assert took < 5.0, f"the second Ctrl-C took {took:.1f} s to end the batch"  # ~0.1 s + interpreter exit
    assert f"interrupted: 0 of 4 calls are in {b.out / 'calls'} (0 analysed now, 0 unchanged)" in b.stderr()
    assert "Traceback" not in b.stderr()
    assert not list((b.out / "calls").glob("*"))  # nothing half-written


def test_ctrl_c_once_finishes_the_running_calls_and_starts_no_more(tmp_path):
    b = _Batch(tmp_path, calls=5, workers=2, sleep_s=1.5)
    b.wait_until_started(2)
    b.ctrl_c()
    rc = b.finish(timeout_s=120.0)
    assert rc == 130, b.stderr()
    assert len(b.started()) == 2, "a call started after the first Ctrl-C"
    written = sorted(p.name for p in (b.out / "calls").glob("*.json"))
    assert len(written) == 2, written
    assert f"interrupted: 2 of 5 calls are in {b.out / 'calls'} (2 analysed now, 0 unchanged); run the same command again to resume" in b.stderr()
    assert (b.out / "failures.csv").read_text().splitlines() == ["path,call_id,reason"]


def test_ctrl_c_twice_with_one_worker(tmp_path):
    b = _Batch(tmp_path, calls=2, workers=1, sleep_s=120.0)
    b.wait_until_started(1)
    first = b.ctrl_c()
    assert b.line_after(STOP_MESSAGE, first, timeout_s=5.0) is not None, b.stderr()
    second = b.ctrl_c()
    assert b.finish(timeout_s=30.0) == 130, b.stderr()
    assert time.monotonic() - second < 5.0
    assert "interrupted: 0 of 2 calls" in b.stderr() and "Traceback" not in b.stderr()


def test_workers_die_with_a_killed_batch(tmp_path):
    b = _Batch(tmp_path, calls=4, workers=2, sleep_s=120.0)
    b.wait_until_started(2)
    workers = b.worker_pids()
    os.kill(b.proc.pid, signal.SIGKILL)  # kill -9 of the batch process only, not its group
    b.finish(timeout_s=10.0)
    assert not _wait_gone(workers, 3.0), "worker processes outlived the killed batch"
