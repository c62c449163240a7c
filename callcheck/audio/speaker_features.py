"""Frame-wise voice features for telling two speakers apart in a mono recording.

Every frame is 10 ms (frame ``k`` centred at ``k * 0.01`` s), the grid of the rest of callcheck.

- MFCC c1..c(n-1) (c0, the energy, dropped: loudness is a property of the line, not of the voice),
  40 mel bands limited to the telephone band 100-3800 Hz, 25 ms window (librosa).
- F0 in semitones re 100 Hz from callcheck's YIN tracker (:func:`callcheck.measures.pitch.track_pitch`,
  8 kHz analysis), NaN where the frame is unvoiced (YIN aperiodicity above ``voicing_max_aperiodicity``).
  The median F0 of a stretch is the strongest single cue between a male and a female voice
  (typical medians ~110 vs ~200 Hz, i.e. ~10 semitones apart); it helps less between two
  voices of the same sex.

Pure functions, no I/O, no model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from callcheck.types import Interval

HOP_S = 0.01


@dataclass(frozen=True)
class FrameFeatures:
    """Frame-wise features on the 10 ms grid.

    Attributes
    ----------
    mfcc : ndarray, shape (n_frames, n_mfcc - 1)
        MFCC c1.. per frame (dimensionless cepstral coefficients).
    f0_st : ndarray, shape (n_frames,)
        F0 in semitones re 100 Hz; NaN where unvoiced or not analysed.
    speech : ndarray of bool, shape (n_frames,)
        Frame lies inside the given speech intervals.
    """

    mfcc: np.ndarray
    f0_st: np.ndarray
    speech: np.ndarray

    @property
    def n_frames(self) -> int:
        return len(self.speech)


def mfcc_frames(samples: np.ndarray, sample_rate: int, *, n_mfcc: int = 20, chunk_s: float = 60.0) -> np.ndarray:
    """MFCC c1..c(n_mfcc-1) per 10 ms frame (telephone band 100-3800 Hz, 40 mel bands, 25 ms window).

    The same numbers as ``librosa.feature.mfcc(y=..., center=True)``, computed in chunks of
    ``chunk_s`` so that memory does not grow with the call (the full STFT of a one-hour call is
    ~0.7 GB): mel power spectra chunk by chunk from the zero-padded signal, then decibels (relative
    to the whole call, as librosa) and the DCT over all frames.
    """
    import librosa

    x = np.asarray(samples, dtype=np.float32)
    hop = int(round(HOP_S * sample_rate))
    n_fft = int(2 ** np.ceil(np.log2(0.025 * sample_rate)))
    n_frames = 1 + len(x) // hop
    padded = np.pad(x, (n_fft // 2, n_fft // 2))  # librosa's center=True padding (zeros)
    mel_kw = dict(sr=sample_rate, n_fft=n_fft, hop_length=hop, n_mels=40, fmin=100.0, fmax=min(3800.0, sample_rate / 2.0))
    step = max(1, int(chunk_s / HOP_S))
    parts = []
    for k0 in range(0, n_frames, step):
        k1 = min(n_frames, k0 + step)
        seg = padded[k0 * hop:(k1 - 1) * hop + n_fft]
        parts.append(librosa.feature.melspectrogram(y=seg, center=False, **mel_kw))
    mel_db = librosa.power_to_db(np.concatenate(parts, axis=1))
    return librosa.feature.mfcc(S=mel_db, n_mfcc=n_mfcc)[1:].T


def speech_mask(intervals: Sequence[Interval], n_frames: int) -> np.ndarray:
    """Boolean frame mask (10 ms grid) of ``intervals``."""
    mask = np.zeros(n_frames, dtype=bool)
    for iv in intervals:
        mask[max(0, int(round(iv.start_s / HOP_S))):max(0, int(round(iv.end_s / HOP_S)))] = True
    return mask


def frame_features(samples: np.ndarray, sample_rate: int, *, speech: Sequence[Interval], n_mfcc: int = 20,
                   use_pitch: bool = True, voicing_max_aperiodicity: float = 0.3) -> FrameFeatures:
    """MFCC and F0 (semitones re 100 Hz) per 10 ms frame, with the speech mask.

    Parameters
    ----------
    samples : ndarray
        1-D float signal at ``sample_rate`` (Hz).
    speech : sequence of Interval
        Speech stretches (s); pitch is tracked only there.
    n_mfcc : int
        MFCCs computed (c0 dropped, so ``n_mfcc - 1`` columns).
    use_pitch : bool
        Track F0 (YIN, callcheck.measures.pitch); False leaves ``f0_st`` all NaN.
    voicing_max_aperiodicity : float
        A frame is voiced when YIN's normalised difference at the period is below this.
    """
    x = np.asarray(samples, dtype=np.float32)
    mf = mfcc_frames(x, sample_rate, n_mfcc=n_mfcc)
    n = len(mf)
    mask = speech_mask(speech, n)
    f0 = np.full(n, np.nan)
    if use_pitch and mask.any():
        from callcheck.measures.pitch import track_pitch

        tr = track_pitch(x, sample_rate=sample_rate, intervals=tuple(speech), hop_s=HOP_S, f0_min_hz=60.0, f0_max_hz=400.0)
        ok = (tr.frame_index < n) & (tr.aperiodicity < voicing_max_aperiodicity) & np.isfinite(tr.f0_hz) & (tr.f0_hz > 0)
        f0[tr.frame_index[ok]] = 12.0 * np.log2(tr.f0_hz[ok] / 100.0)
    return FrameFeatures(mf, f0, mask)


def low_band_share(samples: np.ndarray, sample_rate: int, speech: Sequence[Interval]) -> float | None:
    """Share of the speech's energy between 80 and 250 Hz, of 80-3400 Hz (Welch spectra, 32 ms frames).

    Speech carries its fundamental and first harmonics there (~5-45 % on our evaluation calls,
    8 kHz or 16 kHz); audio band-passed to the analogue telephone band 300-3400 Hz keeps < 0.3 %.
    Computed interval by interval (memory of one interval, not of the call). None without speech.
    """
    from scipy.signal import welch

    x = np.asarray(samples, dtype=np.float32)
    n = int(round(0.032 * sample_rate))
    total = None
    for iv in speech:
        seg = x[max(0, int(iv.start_s * sample_rate)):int(iv.end_s * sample_rate)]
        if len(seg) < n:
            continue
        f, p = welch(seg, fs=sample_rate, nperseg=n, noverlap=n - int(round(HOP_S * sample_rate)))
        p = p * len(seg)  # weight each interval by its length
        total = p if total is None else total + p
    if total is None:
        return None
    band = total[(f >= 80) & (f < 3400)].sum()
    return float(total[(f >= 80) & (f < 250)].sum() / band) if band > 0 else None
