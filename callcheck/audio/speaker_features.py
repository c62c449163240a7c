"""Frame-wise voice features for telling two speakers apart in a mono recording.

Every frame is 10 ms (frame ``k`` centred at ``k * HOP_S`` s), the grid of the rest of callcheck
(:mod:`callcheck.dsp.timebase`).

- MFCC c1..c(n-1) (c0, the energy, dropped: loudness is a property of the line, not of the voice),
  40 mel bands limited to the telephone band 100-3800 Hz, 25 ms window (librosa's definitions, in NumPy).
- F0 in semitones re 100 Hz from callcheck's YIN tracker (:func:`callcheck.dsp.pitch.track_pitch`,
  8 kHz analysis, plain YIN: the settings below), NaN where the frame is unvoiced (YIN
  aperiodicity at or above ``VOICING_MAX_APERIODICITY``). These are not the voice measures'
  settings (``VoiceConfig``): the separation was built and evaluated with plain YIN and this
  voicing bar, and the speaker cue needs only a stretch's median F0.
  The median F0 of a stretch is the strongest single cue between a male and a female voice
  (typical medians ~110 vs ~200 Hz, i.e. ~10 semitones apart); it helps less between two
  voices of the same sex.

Pure functions, no I/O, no model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from callcheck.dsp.timebase import HOP_S, hop_samples, n_frames
from callcheck.intervals import to_mask
from callcheck.types import Interval

# F0 as a speaker cue (plain YIN; benchmarks/eval_mono.py was run with exactly these)
#: F0 search range, Hz (conversational voices; 400 Hz rather than the measures' 500 keeps high
#: harmonics of low voices from being taken for a period)
F0_MIN_HZ = 60.0
F0_MAX_HZ = 400.0
#: YIN integration window, s; absolute threshold; margin above the frame's deepest dip
#: (de Cheveigné & Kawahara 2002, as the voice measures' defaults)
YIN_WINDOW_S = 0.03
YIN_THRESHOLD = 0.15
YIN_RELATIVE_MARGIN = 0.05
#: the audio is resampled to this rate for pitch, Hz (the telephone band)
PITCH_RATE_HZ = 8000
#: a frame is voiced below this YIN aperiodicity (the tracker's classic bar; the voice measures
#: use 0.5 with their continuity-guided candidate choice, which the separation does not run)
VOICING_MAX_APERIODICITY = 0.3
#: mel bands, their range (Hz; the telephone band) and the analysis window (s) of the MFCCs
N_MELS = 40
MEL_MIN_HZ = 100.0
MEL_MAX_HZ = 3800.0
MFCC_WINDOW_S = 0.025
#: band-energy check of :func:`low_band_share`: the low band and the whole band, Hz; frame, s
LOW_BAND_HZ = (80.0, 250.0)
SPEECH_BAND_HZ = (80.0, 3400.0)
WELCH_FRAME_S = 0.032


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


def mel_filters(sample_rate: int, n_fft: int, n_mels: int, fmin_hz: float, fmax_hz: float) -> np.ndarray:
    """Mel filterbank (n_mels, n_fft // 2 + 1): Slaney's mel scale (linear below 1 kHz, logarithmic
    above) and area normalisation — the defaults of ``librosa.filters.mel`` (``htk=False``,
    ``norm="slaney"``), float32 as there."""
    def hz_to_mel(f: np.ndarray) -> np.ndarray:
        f = np.asanyarray(f, dtype=np.float64)
        mel = f / (200.0 / 3)
        log = f >= 1000.0
        return np.where(log, 15.0 + np.log(np.maximum(f, 1e-12) / 1000.0) / (np.log(6.4) / 27.0), mel)

    def mel_to_hz(m: np.ndarray) -> np.ndarray:
        hz = (200.0 / 3) * m
        return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), hz)

    fft_hz = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    mel_hz = mel_to_hz(np.linspace(hz_to_mel(np.array(fmin_hz)), hz_to_mel(np.array(fmax_hz)), n_mels + 2))
    fdiff = np.diff(mel_hz)
    ramps = np.subtract.outer(mel_hz, fft_hz)
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_hz[2:n_mels + 2] - mel_hz[:n_mels]))[:, None]
    return weights.astype(np.float32)


def mfcc_frames(samples: np.ndarray, sample_rate: int, *, n_mfcc: int, chunk_s: float = 60.0) -> np.ndarray:
    """MFCC c1..c(n_mfcc-1) per 10 ms frame (telephone band 100-3800 Hz, 40 mel bands, 25 ms window).

    The numbers of ``librosa.feature.mfcc(y=..., center=True)`` with these settings (periodic Hann
    window, power spectrum, :func:`mel_filters`, decibels floored 80 dB below the call's maximum,
    orthonormal DCT-II; tested against librosa), in NumPy/SciPy: librosa's first call in a process
    cost 3.7 s of lazy imports and compilation, a fifth of the separation of a 15-minute call.
    Computed in chunks of ``chunk_s`` so that memory does not grow with the call (the full STFT of a
    one-hour call is ~0.7 GB): mel power spectra chunk by chunk from the zero-padded signal, then
    decibels (relative to the whole call, as librosa) and the DCT over all frames.
    """
    from scipy.fft import dct, rfft
    from scipy.signal import get_window

    x = np.asarray(samples, dtype=np.float32)
    hop = hop_samples(sample_rate)
    n_fft = int(2 ** np.ceil(np.log2(MFCC_WINDOW_S * sample_rate)))
    n = n_frames(len(x), sample_rate)
    padded = np.pad(x, (n_fft // 2, n_fft // 2))  # librosa's center=True padding (zeros)
    window = get_window("hann", n_fft, fftbins=True)
    mel = mel_filters(sample_rate, n_fft, N_MELS, MEL_MIN_HZ, min(MEL_MAX_HZ, sample_rate / 2.0))
    step = max(1, int(chunk_s / HOP_S))
    parts = []
    for k0 in range(0, n, step):
        k1 = min(n, k0 + step)
        seg = padded[k0 * hop:(k1 - 1) * hop + n_fft]
        frames = np.lib.stride_tricks.sliding_window_view(seg, n_fft)[::hop]  # (frames, n_fft)
        spec = rfft(frames * window, axis=-1).astype(np.complex64)
        power = (spec.real ** 2 + spec.imag ** 2).astype(np.float32)
        parts.append(mel @ power.T)  # (n_mels, frames)
    s_mel = np.concatenate(parts, axis=1)
    mel_db = 10.0 * np.log10(np.maximum(1e-10, s_mel))
    mel_db = np.maximum(mel_db, mel_db.max() - 80.0)
    return np.asarray(dct(mel_db, axis=0, type=2, norm="ortho")[1:n_mfcc].T)


def frame_features(samples: np.ndarray, sample_rate: int, *, speech: Sequence[Interval], n_mfcc: int,
                   use_pitch: bool = True) -> FrameFeatures:
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
        Track F0 (YIN, :mod:`callcheck.dsp.pitch`, the settings of this module); False leaves
        ``f0_st`` all NaN.
    """
    x = np.asarray(samples, dtype=np.float32)
    mf = mfcc_frames(x, sample_rate, n_mfcc=n_mfcc)
    n = len(mf)
    mask = to_mask(speech, n)
    f0 = np.full(n, np.nan)
    if use_pitch and mask.any():
        from callcheck.dsp.pitch import track_pitch
        from callcheck.dsp.timebase import frames_inside

        tr = track_pitch(x, sample_rate=sample_rate, frames=frames_inside(speech, HOP_S), f0_min_hz=F0_MIN_HZ,
                         f0_max_hz=F0_MAX_HZ, window_s=YIN_WINDOW_S, threshold=YIN_THRESHOLD,
                         relative_margin=YIN_RELATIVE_MARGIN, analysis_rate_hz=PITCH_RATE_HZ, nonlinear_weight=0.0)
        ok = (tr.frame_index < n) & (tr.aperiodicity < VOICING_MAX_APERIODICITY) & np.isfinite(tr.f0_hz) & (tr.f0_hz > 0)
        f0[tr.frame_index[ok]] = 12.0 * np.log2(tr.f0_hz[ok] / 100.0)
    return FrameFeatures(mf, f0, mask)


def low_band_share(samples: np.ndarray, sample_rate: int, speech: Sequence[Interval]) -> float | None:
    """Share of the speech's energy between 80 and 250 Hz, of 80-3400 Hz (Welch spectra, 32 ms frames).

    Speech carries its fundamental and first harmonics there (~5-45 % on our evaluation calls,
    8 kHz or 16 kHz); audio band-passed to the analogue telephone band 300-3400 Hz keeps < 0.3 %.
    Computed interval by interval (memory of one interval, not of the call). None without speech.
    """
    from scipy.signal import get_window

    x = np.asarray(samples, dtype=np.float32)
    n = int(round(WELCH_FRAME_S * sample_rate))
    hop = hop_samples(sample_rate)
    win = get_window("hann", n).astype(np.float64)
    f = np.fft.rfftfreq(n, 1.0 / sample_rate)
    total = None
    for iv in speech:
        seg = x[max(0, int(iv.start_s * sample_rate)):int(iv.end_s * sample_rate)]
        if len(seg) < n:
            continue
        # Welch's estimate as scipy.signal.welch computes it (Hann window, mean removed per frame,
        # frames every hop, averaged), in blocks of frames: the same numbers, without its per-call overhead
        frames = np.lib.stride_tricks.sliding_window_view(seg, n)[::hop]
        p = np.zeros(len(f))
        for b0 in range(0, len(frames), 2048):
            fr = frames[b0:b0 + 2048].astype(np.float64)
            fr = (fr - fr.mean(1, keepdims=True)) * win
            p += (np.abs(np.fft.rfft(fr, axis=1)) ** 2).sum(0)
        p = p / len(frames) * len(seg)  # the mean periodogram, weighted by the interval's length
        total = p if total is None else total + p
    if total is None:
        return None
    band = total[(f >= SPEECH_BAND_HZ[0]) & (f < SPEECH_BAND_HZ[1])].sum()
    low = total[(f >= LOW_BAND_HZ[0]) & (f < LOW_BAND_HZ[1])].sum()
    return float(low / band) if band > 0 else None
