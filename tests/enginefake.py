"""Picklable stand-in recognisers for the distributed-engine tests: they travel to real Dask worker
processes (which import this module from tests/), so they must be module-level classes.

- :class:`ScriptedFactory`: the words of one sample's truth script (as ``conftest.ScriptedTranscriber``).
- :class:`KillerFactory`: like ``slowfake.SlowFactory`` (a marker per call, then a sleep), but the
  worker process kills itself (SIGKILL) while analysing a call of ``victim_s`` seconds: a call that
  can never finish, to test the retry limit.
"""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from conftest import ScriptedTranscriber


@dataclass(frozen=True)
class ScriptedFactory:
    truth_path: str

    def __call__(self, cpu_threads: int) -> ScriptedTranscriber:
        return ScriptedTranscriber(json.loads(Path(self.truth_path).read_text(encoding="utf-8")))


class KillerTranscriber:
    identity = "killerfake"

    def __init__(self, marker_dir: str, sleep_s: float, victim_s: float) -> None:
        self.marker_dir, self.sleep_s, self.victim_s = Path(marker_dir), sleep_s, victim_s
        self.calls = 0

    def detect_language(self, samples, sample_rate, *, speech):
        return "en", 1.0

    def transcribe(self, samples, sample_rate, *, speech, language, speaker):
        if speaker == "agent":
            self.calls += 1
            (self.marker_dir / f"call-{os.getpid()}-{self.calls}-{len(samples) / sample_rate:.1f}").write_text("")
            if abs(len(samples) / sample_rate - self.victim_s) < 0.05:
                os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(self.sleep_s)
        return ()


@dataclass(frozen=True)
class KillerFactory:
    marker_dir: str
    sleep_s: float
    victim_s: float = -1.0

    def __call__(self, cpu_threads: int) -> KillerTranscriber:
        return KillerTranscriber(self.marker_dir, self.sleep_s, self.victim_s)
