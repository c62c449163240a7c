"""Loudness: frame levels in dBFS, a party's level and its variation, signal-to-noise, clipping.

Level unit: dBFS = ``20*log10(rms)`` of float samples in [-1, 1], i.e. relative to the RMS of a
full-scale square wave (a full-scale sine is -3.01 dBFS). No frequency weighting: telephone
audio is already band-limited to 300-3400 Hz, where K-weighting (ITU-R BS.1770, LUFS) is nearly
flat; the figures are therefore close to, but not, LUFS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from callcheck.dsp.timebase import FrameSet
from callcheck.types import Interval

__all__ = ["LevelTrack", "LoudnessStats", "frame_levels", "loudness_stats", "clipping_share"]

_FLOOR_DBFS = -120.0
#: context filtered on each side of a span before its band level is taken, s (the 4th-order
#: 300 Hz band edge rings out within ~10 ms)
BAND_PAD_S = 0.05


@dataclass(frozen=True)
class LevelTrack:
    """Frame levels on the global frame grid (frame ``k`` centred at ``k * hop_s``), dBFS."""

    frame_index: np.ndarray
    hop_s: float
    level_dbfs: np.ndarray

    @property
    def times_s(self) -> np.ndarray:
        return self.frame_index * self.hop_s


def frame_levels(
    samples: np.ndarray,
    *,
    sample_rate: int,
    frames: FrameSet,
    frame_s: float,
    band_hz: tuple[float, float] | None = None,
) -> LevelTrack:
    """RMS level of the grid frames ``frames``, dBFS.

    Method: running sum of squares over each span of frames (one pass, no frame matrix), RMS over a
    rectangular window of ``frame_s`` centred on each frame; floor at -120 dBFS. With ``band_hz``
    the signal is first band-passed (4th-order Butterworth, zero phase, per span with
    :data:`BAND_PAD_S` of context on both sides; the upper edge is kept below 0.45 x the sample
    rate): the level of the speech band, which rumble, hum and hiss outside it do not reach.

    Parameters
    ----------
    samples : ndarray
        1-D audio, float in [-1, 1].
    sample_rate : int
        Hz.
    frames : FrameSet
        Where to measure: the grid frames centred inside the intervals
        (:func:`callcheck.dsp.timebase.frames_inside`); the track's ``frame_index`` is
        ``frames.index``, the same as :func:`callcheck.dsp.pitch.track_pitch`'s on the same frames.
    frame_s : float
        Window length, s (40 ms ~ de Jong & Wempe's intensity window for a 75-100 Hz pitch floor).
    band_hz : (float, float), optional
        Pass band, Hz (None: the whole signal).
    """
    half = int(round(frame_s * sample_rate / 2))
    sos = None
    pad = 0
    if band_hz is not None:
        from scipy.signal import butter

        lo, hi = band_hz
        hi = min(hi, 0.45 * sample_rate)
        sos = butter(4, [lo, hi], btype="band", fs=sample_rate, output="sos")
        pad = int(round(BAND_PAD_S * sample_rate))
    hop_s = frames.hop_s
    idx_out, lev_out = [], []
    n = len(samples)
    for k0, k1 in frames.spans:
        a = max(0, int(round(k0 * hop_s * sample_rate)) - half)
        b = min(n, int(round(k1 * hop_s * sample_rate)) + half + 1)
        seg = np.asarray(samples[a:b], dtype=np.float64)
        if sos is not None:
            from scipy.signal import sosfiltfilt

            a0, b0 = max(0, a - pad), min(n, b + pad)
            ctx = np.asarray(samples[a0:b0], dtype=np.float64)
            seg = sosfiltfilt(sos, ctx, padlen=min(len(ctx) - 1, 3 * 9))[a - a0: a - a0 + (b - a)] if len(ctx) > 1 else seg
        cs = np.concatenate([[0.0], np.cumsum(seg * seg)])
        ks = np.arange(k0, k1 + 1)
        c = np.rint(ks * hop_s * sample_rate).astype(int) - a
        lo = np.clip(c - half, 0, len(seg))
        hi = np.clip(c + half, 0, len(seg))
        width = np.maximum(hi - lo, 1)
        ms = (cs[hi] - cs[lo]) / width
        idx_out.append(ks)
        lev_out.append(np.maximum(10 * np.log10(np.maximum(ms, 1e-30)), _FLOOR_DBFS))
    if not idx_out:
        return LevelTrack(np.zeros(0, dtype=int), hop_s, np.zeros(0))
    return LevelTrack(np.concatenate(idx_out), hop_s, np.concatenate(lev_out))


@dataclass(frozen=True)
class LoudnessStats:
    """Level of a party's speech frames and its spread (dB)."""

    loudness_dbfs: float | None
    loudness_variation_db: float | None
    loudness_range_db: float | None


def loudness_stats(*, level_dbfs: np.ndarray, speech: np.ndarray, min_frames: int = 50) -> LoudnessStats:
    """Speech level (dBFS) and its variation (dB).

    * ``loudness_dbfs``: energy mean of the speech frames' levels (power average, dBFS).
    * ``loudness_variation_db``: standard deviation of the speech frames' levels, dB (the
      "loudness variation" of eGeMAPS is the coefficient of variation of loudness; an SD in dB is
      the same idea on a perceptual log scale).
    * ``loudness_range_db``: 95th minus 10th percentile of the speech frames' levels, dB.

    Parameters
    ----------
    level_dbfs : ndarray
        Frame levels, dBFS.
    speech : ndarray of bool
        Frames above the silence threshold.
    min_frames : int
        Fewer speech frames give None.
    """
    lv = level_dbfs[speech]
    if len(lv) < min_frames:
        return LoudnessStats(None, None, None)
    mean_power = float(np.mean(10 ** (lv / 10)))
    p10, p95 = np.percentile(lv, [10, 95])
    return LoudnessStats(
        loudness_dbfs=float(10 * np.log10(mean_power)),
        loudness_variation_db=float(np.std(lv)),
        loudness_range_db=float(p95 - p10),
    )


def clipping_share(
    samples: np.ndarray, *, sample_rate: int, intervals: Sequence[Interval], level: float
) -> float:
    """Share of samples inside ``intervals`` whose magnitude reaches ``level`` (0..1).

    Clipped speech distorts pitch, loudness and ASR confidence; a share above ~0.1 % is audible.
    """
    total = 0
    clipped = 0
    for iv in intervals:
        a = max(0, int(iv.start_s * sample_rate))
        b = min(len(samples), int(np.ceil(iv.end_s * sample_rate)))
        if b <= a:
            continue
        seg = samples[a:b]
        total += b - a
        clipped += int(np.count_nonzero(np.abs(seg) >= level))
    return clipped / total if total else 0.0
