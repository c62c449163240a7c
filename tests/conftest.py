"""Shared fixtures: the repository's samples, the optional shared data folder, a scripted transcriber."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np
import pytest

from callcheck.types import Interval, Party, Word

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
DATA = Path(os.environ.get("CALLCHECK_DATA", REPO.parent / "shared" / "data"))


def sample_wavs() -> list[Path]:
    return sorted(SAMPLES.rglob("*.wav"))


def truth_of(wav: Path) -> dict:
    return json.loads(wav.with_suffix(".truth.json").read_text(encoding="utf-8"))


@pytest.fixture
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"shared data folder not present ({DATA})")
    return DATA


class ScriptedTranscriber:
    """Returns the words of a truth script (even spacing inside each segment) instead of running ASR.

    Only words whose middle lies in the speech handed over are returned, as a real recogniser
    would; so the layers above see realistic inputs without the cost of the model.
    """

    identity = "scripted"

    def __init__(self, truth: dict) -> None:
        self.truth = truth
        self.calls: list[Party] = []

    def detect_language(self, samples: np.ndarray, sample_rate: int, *, speech: Sequence[Interval]) -> tuple[str, float]:
        return self.truth["language"], 1.0

    def transcribe(self, samples, sample_rate, *, speech, language, speaker) -> tuple[Word, ...]:
        self.calls.append(speaker)
        out = []
        for seg in self.truth["segments"]:
            if seg["speaker"] != speaker and speaker in ("agent", "caller") and self.truth.get("layout") != "mono":
                continue
            toks = seg["text"].split()
            step = (seg["end_s"] - seg["start_s"]) / max(len(toks), 1)
            for i, t in enumerate(toks):
                s = seg["start_s"] + i * step
                e = s + 0.9 * step
                mid = 0.5 * (s + e)
                if any(iv.start_s <= mid <= iv.end_s for iv in speech):
                    out.append(Word(speaker, t, round(s, 3), round(e, 3), 0.9))
        return tuple(sorted(out, key=lambda w: w.start_s))


@pytest.fixture(scope="session")
def pg():
    """A throw-away PostgreSQL server (tests/pgserver.py); the tests skip, with the reason, without one."""
    import pgserver

    server = pgserver.start()
    if isinstance(server, str):
        pytest.skip(f"PostgreSQL not available: {server}")
    yield server
    server.stop()
