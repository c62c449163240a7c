"""Speech activity per party: Silero VAD (shipped with faster-whisper) plus crosstalk suppression.

Stereo call-centre recordings leak each party into the other channel (echo, crosstalk). Such
leaked speech must not count as the other party speaking. For every 32 ms frame we compare the
channel's energy with the leak expected from the other channel: the leak gain (dB) is estimated per
call as a low percentile of the level difference between the two channels while the other party
speaks. A frame is the party's own speech only if the VAD says speech *and* its energy exceeds the
expected leak by ``crosstalk_margin_db``. Real double talk passes (both parties at their own
levels); a leak at -20 dB does not.

The Silero model wants 16 kHz: each channel is resampled to 16 kHz for the VAD
(:func:`callcheck.dsp.resample.to_16k`, the one resampler; the transcriber and the segmentation
model resample the same way).
"""

from __future__ import annotations

import numpy as np

from callcheck.config import ActivityConfig
from callcheck.dsp.resample import RATE_16K, to_16k
from callcheck.intervals import from_mask, merge
from callcheck.types import Interval, Party

VAD_RATE = RATE_16K
FRAME = 512  # samples at 16 kHz = 32 ms, Silero's window
FRAME_S = FRAME / VAD_RATE


def speech_probabilities(samples_16k: np.ndarray) -> np.ndarray:
    """Silero VAD speech probability per 32 ms frame (frame ``i`` covers ``[i*0.032, (i+1)*0.032)`` s)."""
    from faster_whisper.vad import get_vad_model

    x = np.asarray(samples_16k, dtype=np.float32)
    n = x.shape[0]
    pad = (-n) % FRAME
    if pad or n == 0:
        x = np.pad(x, (0, pad if n else FRAME))
    probs = get_vad_model()(x)
    return np.asarray(probs, dtype=np.float32).reshape(-1)


def frame_energy_db(samples_16k: np.ndarray, n_frames: int) -> np.ndarray:
    """Mean-square level per 32 ms frame in dBFS (full-scale sine = -3 dBFS)."""
    x = np.asarray(samples_16k, dtype=np.float64)
    need = n_frames * FRAME
    if x.shape[0] < need:
        x = np.pad(x, (0, need - x.shape[0]))
    ms = np.mean(x[:need].reshape(n_frames, FRAME) ** 2, axis=1)
    return 10.0 * np.log10(ms + 1e-12)


def vad_gain_db(samples_16k: np.ndarray, config: ActivityConfig) -> float:
    """Decibels by which the speech detector's input is raised: the channel's loudest frames (95th
    percentile of the 32 ms frame levels) up to ``config.vad_level_dbfs``, at most
    ``config.vad_max_gain_db``, never lowered; 0 for digital silence."""
    n = np.asarray(samples_16k).shape[0] // FRAME
    if n == 0 or config.vad_max_gain_db <= 0:
        return 0.0
    loud = float(np.percentile(frame_energy_db(samples_16k, n), 95))
    if loud <= DIGITAL_SILENCE_DB:
        return 0.0
    return float(np.clip(config.vad_level_dbfs - loud, 0.0, config.vad_max_gain_db))


#: a frame level at or below this is digital silence (:func:`frame_energy_db` of zeros is -120)
DIGITAL_SILENCE_DB = -110.0


def detector_probabilities(samples_16k: np.ndarray, config: ActivityConfig) -> np.ndarray:
    """:func:`speech_probabilities` of the channel raised by :func:`vad_gain_db` (Silero misses
    quiet speech: a real reading 10 dB below its recorded level gave no speech at all)."""
    g = vad_gain_db(samples_16k, config)
    x = np.asarray(samples_16k, dtype=np.float32)
    return speech_probabilities(x if g <= 0 else np.clip(x * np.float32(10 ** (g / 20)), -1.0, 1.0))


def _hysteresis(probs: np.ndarray, threshold: float) -> np.ndarray:
    """Silero-style decisions: on at ``threshold``, off below ``threshold - 0.15``."""
    off = max(threshold - 0.15, 0.01)
    active = np.zeros(probs.shape[0], dtype=bool)
    on = False
    for i, p in enumerate(probs):
        if on:
            on = p >= off
        else:
            on = p >= threshold
        active[i] = on
    return active


def mask_to_intervals(mask: np.ndarray, *, config: ActivityConfig, duration_s: float) -> tuple[Interval, ...]:
    """Frame mask (32 ms frames) to speech intervals (s): silences shorter than ``min_silence_s``
    bridged, bursts shorter than ``min_speech_s`` dropped, ``speech_pad_s`` added on both sides
    (padded stretches that meet are joined), clipped to the recording, rounded to 1 ms."""
    if not mask.any():
        return ()
    bridged = merge(from_mask(mask, frame_s=FRAME_S), max_gap_s=config.min_silence_s)
    kept = [iv for iv in bridged if iv.end_s - iv.start_s >= config.min_speech_s]
    padded = merge(Interval(max(0.0, iv.start_s - config.speech_pad_s), min(float(duration_s), iv.end_s + config.speech_pad_s))
                   for iv in kept)
    return tuple(Interval(round(i.start_s, 3), round(i.end_s, 3)) for i in padded)


def speech_intervals(samples: np.ndarray, sample_rate: int, *, config: ActivityConfig) -> tuple[Interval, ...]:
    """Speech intervals (s) of one channel by Silero VAD.

    Parameters
    ----------
    samples : np.ndarray
        1-D float signal at ``sample_rate``.
    sample_rate : int
        Hz, >= 8000.
    config : ActivityConfig
        thresholds (probability, min speech, min silence, padding; seconds).
    """
    x16 = to_16k(samples, sample_rate)
    probs = detector_probabilities(x16, config)
    duration_s = len(samples) / float(sample_rate)
    return mask_to_intervals(_hysteresis(probs, config.vad_threshold), config=config, duration_s=duration_s)


def leak_gain_db(own_db: np.ndarray, other_db: np.ndarray, other_active: np.ndarray,
                 valid: np.ndarray | None = None) -> float | None:
    """Estimated level of the other party's leak in this channel, relative to the other channel (dB).

    The 20th percentile of ``own - other`` over frames in which the other party speaks clearly:
    frames where only the other speaks dominate it, so real double talk does not inflate it.
    ``valid`` (optional) limits the estimate to those frames (hold music on one channel says
    nothing about how speech leaks).
    """
    if valid is not None:
        if valid.sum() < 10:
            return None
        own_db, other_db, other_active = own_db[valid], other_db[valid], other_active[valid]
    sel = other_active & (other_db > np.percentile(other_db, 50))
    if sel.sum() < 10:
        return None
    return float(np.percentile(own_db[sel] - other_db[sel], 20))


def stereo_activity(
    agent: np.ndarray, caller: np.ndarray, sample_rate: int, *, config: ActivityConfig,
    exclude: tuple[Interval, ...] = (),
) -> dict[Party, tuple[Interval, ...]]:
    """Speech intervals of both parties of a two-channel call, leaked speech removed.

    Parameters
    ----------
    agent, caller : np.ndarray
        the two channels (1-D, same length) at ``sample_rate`` Hz.
    config : ActivityConfig
        VAD thresholds and ``crosstalk_margin_db``.
    exclude : tuple of Interval
        Stretches (s, e.g. hold music) left out of the leak estimate.

    Returns
    -------
    dict
        ``{"agent": intervals, "caller": intervals}`` in seconds.
    """
    a16 = to_16k(agent, sample_rate)
    c16 = to_16k(caller, sample_rate)
    pa = detector_probabilities(a16, config)
    pc = detector_probabilities(c16, config)
    n = min(pa.shape[0], pc.shape[0])
    pa, pc = pa[:n], pc[:n]
    ea = frame_energy_db(a16, n)
    ec = frame_energy_db(c16, n)
    va = _hysteresis(pa, config.vad_threshold)
    vc = _hysteresis(pc, config.vad_threshold)
    valid = None
    if exclude:
        t = (np.arange(n) + 0.5) * FRAME_S
        valid = np.ones(n, dtype=bool)
        for iv in exclude:
            valid &= ~((t >= iv.start_s) & (t < iv.end_s))
    own_a = _own_speech(va, ea, ec, vc, config.crosstalk_margin_db, valid)
    own_c = _own_speech(vc, ec, ea, va, config.crosstalk_margin_db, valid)
    duration_s = len(agent) / float(sample_rate)
    return {
        "agent": mask_to_intervals(own_a, config=config, duration_s=duration_s),
        "caller": mask_to_intervals(own_c, config=config, duration_s=duration_s),
    }


def _own_speech(active: np.ndarray, own_db: np.ndarray, other_db: np.ndarray, other_active: np.ndarray, margin_db: float,
                valid: np.ndarray | None = None) -> np.ndarray:
    """VAD frames of this channel that are louder than noise floor + expected leak by ``margin_db``
    (leak and noise estimated on the ``valid`` frames)."""
    gain = leak_gain_db(own_db, other_db, other_active, valid)
    if gain is None:
        return active
    noise_db = float(np.percentile(own_db if valid is None else own_db[valid], 10))
    expected = 10.0 * np.log10(10.0 ** (noise_db / 10.0) + 10.0 ** ((other_db + gain) / 10.0))
    own = own_db > expected + margin_db
    # smooth the energy decision over 3 frames so word-internal dips do not chop speech
    own = np.convolve(own.astype(np.float32), np.ones(3, dtype=np.float32) / 3, mode="same") > 0.34
    return active & own
