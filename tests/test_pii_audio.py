"""Muting redacted words in audio: nothing left in the spans, fades without clicks, any rate."""

from __future__ import annotations

import numpy as np
import pytest

from callcheck.privacy import mute_spans, widen
from callcheck.privacy.audio import mute_gain
from callcheck.types import Interval


def tone(sr: int, seconds: float = 3.0, hz: float = 220.0) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2))) if x.size else 0.0


@pytest.mark.parametrize("sr", [8000, 11025, 16000, 22050, 44100, 48000])
def test_no_energy_left_in_span_and_margin(sr):
    x = tone(sr)
    y = mute_spans(x, sr, [Interval(1.0, 1.5)], margin_s=0.1, fade_s=0.01)
    assert y.dtype == np.float32 and y.shape == x.shape
    a, b = int(0.9 * sr), int(1.6 * sr)
    assert np.max(np.abs(y[a:b])) == 0.0
    # outside span + margin + fade the signal is untouched
    assert np.array_equal(y[: int(0.88 * sr)], x[: int(0.88 * sr)])
    assert np.array_equal(y[int(1.62 * sr):], x[int(1.62 * sr):])
    assert rms(y) < rms(x)
    assert not np.shares_memory(x, y)


def test_fades_are_smooth_no_click():
    sr = 16000
    x = np.full(sr * 2, 0.5, dtype=np.float32)  # DC: any jump in the output is the gain's
    y = mute_spans(x, sr, [Interval(0.8, 1.0)], margin_s=0.05, fade_s=0.01)
    steps = np.abs(np.diff(y.astype(np.float64)))
    nf = int(0.01 * sr)
    # a raised-cosine ramp of nf samples changes by at most ~pi/2 * 0.5 / nf per sample
    assert steps.max() < 0.5 * np.pi / (2 * nf) * 1.1
    # a hard cut would jump by 0.5
    hard = mute_spans(x, sr, [Interval(0.8, 1.0)], margin_s=0.05, fade_s=0.0)
    assert np.abs(np.diff(hard.astype(np.float64))).max() == pytest.approx(0.5)


def test_fade_lies_outside_the_widened_span():
    sr = 1000
    g = mute_gain(3000, sr, [Interval(1.0, 2.0)], fade_s=0.1)
    assert np.all(g[1000:2000] == 0.0)
    assert 0.0 < g[950] < 1.0 and 0.0 < g[2050] < 1.0
    assert g[899] == 1.0 and g[2100] == 1.0
    assert np.all(np.diff(g[900:1000]) <= 0) and np.all(np.diff(g[2000:2100]) >= 0)


def test_beep_replaces_speech_softly():
    sr = 16000
    x = tone(sr, hz=300.0)
    y = mute_spans(x, sr, [Interval(1.0, 1.5)], margin_s=0.0, fade_s=0.01, fill="beep",
                   beep_hz=1000.0, beep_level_dbfs=-30.0)
    seg = y[int(1.02 * sr):int(1.48 * sr)].astype(np.float64)
    assert 20 * np.log10(rms(seg)) == pytest.approx(-30.0, abs=0.5)
    spec = np.abs(np.fft.rfft(seg * np.hanning(seg.size)))
    freqs = np.fft.rfftfreq(seg.size, 1 / sr)
    assert abs(freqs[np.argmax(spec)] - 1000.0) < 5.0
    # none of the original 300 Hz tone is left under the beep
    near300 = spec[(freqs > 280) & (freqs < 320)].max()
    assert near300 < spec.max() * 1e-3


def test_beep_below_nyquist_at_8k():
    y = mute_spans(tone(8000), 8000, [Interval(1.0, 2.0)], fill="beep", beep_hz=5000.0)
    assert np.all(np.isfinite(y))
    seg = y[int(1.1 * 8000):int(1.9 * 8000)]
    spec = np.abs(np.fft.rfft(seg))
    assert np.fft.rfftfreq(seg.size, 1 / 8000)[np.argmax(spec)] == pytest.approx(3600.0, abs=5.0)


def test_stereo_and_edges():
    sr = 8000
    x = np.stack([tone(sr), tone(sr, hz=440.0)])
    y = mute_spans(x, sr, [Interval(0.0, 0.2), Interval(2.9, 3.5)], margin_s=0.1)
    assert y.shape == x.shape
    assert np.max(np.abs(y[:, : int(0.3 * sr)])) == 0.0
    assert np.max(np.abs(y[:, int(2.8 * sr):])) == 0.0


def test_widen_merges_and_clips():
    out = widen([Interval(1.0, 1.2), Interval(1.3, 1.5), Interval(0.02, 0.1), Interval(2.0, 2.0)],
                margin_s=0.1, duration_s=1.55)
    assert out == (Interval(0.0, 0.2), Interval(0.9, 1.55))


def test_nothing_to_mute_returns_a_copy():
    x = tone(16000, 0.5)
    y = mute_spans(x, 16000, [])
    assert np.array_equal(x, y) and not np.shares_memory(x, y)
    with pytest.raises(ValueError):
        mute_spans(x, 16000, [], fill="whistle")
