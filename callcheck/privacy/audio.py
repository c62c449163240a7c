"""Muting personal data in audio: the redacted words' time spans go silent (or beep).

Pure functions on float32 signals at any sample rate. The muted stretch is each span widened by
``margin_s`` on both sides (ASR word times are approximate); the fades lie *outside* that
stretch, so every sample of the span and its margin is fully replaced and the edges make no
click (a hard cut is a broadband click that marks where something was removed).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from callcheck.types import Interval


def widen(intervals: Sequence[Interval], *, margin_s: float, duration_s: float | None = None) -> tuple[Interval, ...]:
    """Intervals widened by ``margin_s`` on both sides, clipped to ``[0, duration_s]`` and merged."""
    spans = sorted((max(0.0, iv.start_s - margin_s), iv.end_s + margin_s) for iv in intervals if iv.end_s > iv.start_s)
    out: list[list[float]] = []
    for s, e in spans:
        if duration_s is not None:
            e = min(e, duration_s)
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return tuple(Interval(s, e) for s, e in out)


def mute_gain(n: int, sample_rate: int, intervals: Sequence[Interval], *, fade_s: float) -> np.ndarray:
    """Gain per sample: 0 inside ``intervals``, 1 outside, raised-cosine ramps of ``fade_s``
    just outside each interval."""
    g = np.ones(n, dtype=np.float64)
    nf = max(0, int(round(fade_s * sample_rate)))
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(1, nf + 1) / (nf + 1))) if nf else np.zeros(0)  # 0 -> 1, open ends
    for iv in intervals:
        a = max(0, int(np.floor(iv.start_s * sample_rate)))
        b = min(n, int(np.ceil(iv.end_s * sample_rate)))
        if b <= a:
            continue
        g[a:b] = 0.0
        if nf:
            lo = max(0, a - nf)
            seg = ramp[::-1][: a - lo][::-1] if a - lo < nf else ramp[::-1]
            g[lo:a] = np.minimum(g[lo:a], seg)
            hi = min(n, b + nf)
            g[b:hi] = np.minimum(g[b:hi], ramp[: hi - b])
    return g


def mute_spans(
    samples: np.ndarray,
    sample_rate: int,
    intervals: Sequence[Interval],
    *,
    margin_s: float = 0.15,
    fade_s: float = 0.01,
    fill: str = "mute",
    beep_hz: float = 1000.0,
    beep_level_dbfs: float = -30.0,
) -> np.ndarray:
    """A copy of ``samples`` with ``intervals`` (s) silenced or replaced by a soft beep.

    Parameters
    ----------
    samples : np.ndarray
        float signal, 1-D ``(n,)`` or ``(channels, n)``; every channel is treated alike (for a
        stereo call pass one channel per party).
    sample_rate : int
        Hz, any rate.
    intervals : sequence of Interval
        Time spans to remove, s (e.g. redacted words' ``start_s``/``end_s``).
    margin_s : float
        Added on both sides of each interval, s.
    fade_s : float
        Raised-cosine fade outside the widened interval, s.
    fill : {"mute", "beep"}
        Silence, or a sine of ``beep_hz`` at ``beep_level_dbfs`` RMS (faded in and out the same way).

    Returns
    -------
    np.ndarray
        float32, same shape as ``samples``.
    """
    if fill not in ("mute", "beep"):
        raise ValueError(f"unknown fill {fill!r}; use 'mute' or 'beep'")
    x = np.asarray(samples, dtype=np.float32)
    n = x.shape[-1]
    spans = widen(intervals, margin_s=margin_s, duration_s=n / float(sample_rate))
    if not spans:
        return x.copy()
    g = mute_gain(n, sample_rate, spans, fade_s=fade_s)
    y = x.astype(np.float64) * g
    if fill == "beep":
        t = np.arange(n) / float(sample_rate)
        amp = np.sqrt(2.0) * 10 ** (beep_level_dbfs / 20.0)
        hz = min(beep_hz, 0.45 * sample_rate)
        y = y + (1.0 - g) * amp * np.sin(2 * np.pi * hz * t)
    return y.astype(np.float32)
