"""Muting personal data in audio: the redacted words' time spans go silent (or beep).

Pure functions on float32 signals at any sample rate. The muted stretch is each span widened by
``margin_s`` on both sides (ASR word times are approximate); the fades lie *outside* that
stretch, so every sample of the span and its margin is fully replaced and the edges make no
click (a hard cut is a broadband click that marks where something was removed).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

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


def record_intervals(record: Any, *, channel_party: str | None = None) -> tuple[Interval, ...]:
    """The time spans to mute in a call's audio (s), from its ``privacy.spans``.

    ``record``: a :class:`callcheck.record.CallRecord` or the record dict. ``channel_party``:
    the party whose channel the samples are (stereo), or None for a mono mix / the whole call.
    Every span is muted in every channel, whoever said it: on a stereo recording the other
    channel carries the speaker's words as crosstalk (about -30 dB, clearly audible when the
    other party is silent, which is when a caller dictates), so muting only the speaker's channel
    would leave them readable. ``channel_party`` is accepted so callers can say which channel
    they pass; it does not narrow the spans.
    """
    spans = getattr(record, "pii_spans", None)
    if spans is not None:
        return tuple(Interval(float(s.start_s), float(s.end_s)) for s in spans)
    p = record.get("privacy") if isinstance(record, Mapping) else None
    raw = p.get("spans") if isinstance(p, Mapping) else None
    return tuple(Interval(float(x["start_s"]), float(x["end_s"])) for x in raw or () if isinstance(x, Mapping))


def record_privacy_config(record: Any) -> Any:
    """The privacy settings a record was analysed with (its echoed ``config.privacy``; unknown or
    invalid keys are ignored), else the defaults: margins and mute/beep follow the analysis."""
    import dataclasses

    from callcheck.config import PrivacyConfig
    from callcheck.errors import ConfigError

    raw = getattr(record, "raw", record)
    conf = raw.get("config") if isinstance(raw, Mapping) else None
    sec = conf.get("privacy") if isinstance(conf, Mapping) else None
    if not isinstance(sec, Mapping):
        return PrivacyConfig()
    names = {f.name for f in dataclasses.fields(PrivacyConfig)}
    try:
        return PrivacyConfig(**{k: v for k, v in sec.items() if k in names})
    except (ConfigError, TypeError):
        return PrivacyConfig()


def mute_record_audio(samples: np.ndarray, sample_rate: int, record: Any, *, channel_party: str | None = None,
                      config: Any = None, offset_s: float = 0.0) -> np.ndarray:
    """``samples`` of a call with its redacted spans muted (or beeped), ready to leave the analysis.

    Every audio output calls this before it encodes: report snippets and trainer clips
    (``callcheck.report``), the web app's streams and coaching exports (``callcheck.serve``).

    Parameters
    ----------
    samples : np.ndarray
        ``(n,)`` or ``(channels, n)`` float samples of the call (or of a piece of it starting at
        ``offset_s``); all channels are muted over every span (see :func:`record_intervals`).
    sample_rate : int
        Hz.
    record : CallRecord or dict
        The call's record (its ``privacy.spans``).
    channel_party : str or None
        Which party's channel ``samples`` is, for stereo callers; all spans are muted regardless.
    config : PrivacyConfig, Config or None
        ``margin_s``, ``fade_s``, ``audio`` (mute/beep), ``beep_hz``, ``beep_level_dbfs``;
        a whole :class:`callcheck.config.Config` is accepted (its ``privacy``); None: the settings
        the record was analysed with (:func:`record_privacy_config`).
    offset_s : float
        Time of the first sample in the call, s (for a piece cut before muting).

    Returns
    -------
    np.ndarray
        float32 copy, same shape.
    """
    cfg = getattr(config, "privacy", config) or record_privacy_config(record)
    ivs = [Interval(iv.start_s - offset_s, iv.end_s - offset_s) for iv in record_intervals(record, channel_party=channel_party)]
    return mute_spans(samples, sample_rate, [iv for iv in ivs if iv.end_s > 0], margin_s=cfg.margin_s,
                      fade_s=cfg.fade_s, fill=cfg.audio, beep_hz=cfg.beep_hz, beep_level_dbfs=cfg.beep_level_dbfs)
