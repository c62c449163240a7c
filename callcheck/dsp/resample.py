"""The one resampler of callcheck: polyphase, anti-aliased (``scipy.signal.resample_poly``).

Audio is decoded at its native rate (:mod:`callcheck.audio.io`) and resampled only where a
consumer needs a fixed rate: 16 kHz for the Silero VAD, the Whisper transcriber and the
segmentation model, 8 kHz for the pitch tracker (:mod:`callcheck.dsp.pitch`).
"""

from __future__ import annotations

from math import gcd

import numpy as np

#: the rate of the VAD, the transcriber and the segmentation model, Hz
RATE_16K = 16000

__all__ = ["RATE_16K", "resample", "to_16k"]


def resample(samples: np.ndarray, from_hz: int, to_hz: int) -> np.ndarray:
    """``samples`` (1-D) resampled from ``from_hz`` to ``to_hz`` (Hz), float32.

    Polyphase filtering by the reduced ratio ``to_hz / from_hz`` (SciPy's default Kaiser-windowed
    anti-aliasing filter). The same rate returns the input as float32 (no copy if it already is).
    """
    x = np.asarray(samples, dtype=np.float32)
    if int(from_hz) == int(to_hz):
        return x
    from scipy.signal import resample_poly

    g = gcd(int(from_hz), int(to_hz))
    return resample_poly(x, int(to_hz) // g, int(from_hz) // g).astype(np.float32, copy=False)


def to_16k(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """``resample(samples, sample_rate, 16000)``: the rate of the VAD, transcriber and segmentation model."""
    return resample(samples, sample_rate, RATE_16K)
