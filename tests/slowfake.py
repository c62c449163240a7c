"""A slow stand-in for the speech recogniser, for batch tests that press Ctrl-C or kill the batch.

It is handed to the batch the way any custom recogniser is (``analyze_batch(...,
transcriber_factory=SlowFactory(...))``); for the command line, :func:`run_cli` makes the CLI's
default factory return it, in the test's own subprocess only. Each call leaves a marker file
``call-<pid>-<n>`` in ``marker_dir`` when its analysis reaches the recogniser (the agent's
transcript) (so a test knows which
worker process is busy), then every ``transcribe`` sleeps ``sleep_s`` and returns no words.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path


class SlowTranscriber:
    identity = "slowfake"

    def __init__(self, marker_dir: str, sleep_s: float) -> None:
        self.marker_dir = Path(marker_dir)
        self.sleep_s = sleep_s
        self.calls = 0

    def detect_language(self, samples, sample_rate, *, speech):
        return "en", 1.0

    def transcribe(self, samples, sample_rate, *, speech, language, speaker):
        if speaker == "agent":  # once per call: the pipeline transcribes the agent first
            self.calls += 1
            (self.marker_dir / f"call-{os.getpid()}-{self.calls}").write_text("")
        time.sleep(self.sleep_s)
        return ()


@dataclass(frozen=True)
class SlowFactory:
    marker_dir: str
    sleep_s: float

    def __call__(self, cpu_threads: int) -> SlowTranscriber:
        return SlowTranscriber(self.marker_dir, self.sleep_s)


def run_cli(marker_dir: str, sleep_s: float, argv: list[str]) -> None:
    """``callcheck`` with ``argv``, its recogniser replaced by :class:`SlowFactory`."""
    import callcheck.calljob
    from callcheck.cli import main

    factory = SlowFactory(marker_dir, sleep_s)
    callcheck.calljob.WhisperFactory.resolve = classmethod(lambda cls, model, config: factory)  # this process only
    sys.argv = ["callcheck", *argv]
    main()
