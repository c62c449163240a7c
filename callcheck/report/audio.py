"""Audio snippets and clips: the only place the report layer touches audio.

Every snippet (report pages) and clip (``callcheck clips``) is cut by :func:`cut` — the one place
where personal data is muted: the call's ``privacy.spans`` (``CallRecord.pii_spans``) go silent
through :func:`callcheck.privacy.audio.mute_spans` before anything is written. Channels are
averaged so both parties are heard, and the piece is resampled to ``rate_hz`` (16 kHz) mono.

Pages reference snippets as small Ogg/Opus files beside them (``OUT/audio/<call_id>/<start
ms>-<end ms>-<key>.opus``, ~24 kbit/s: about 36 kB for 12 s of speech), each written once and
shared by every page that plays it, with relative links, so a copied folder plays offline.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from callcheck.fsutil import atomic_write

__all__ = ["AudioCache", "Snippet", "cut", "encode_opus", "wav_bytes", "snippet_name"]


class AudioCache:
    """Decoded recordings by path (one decode per call); failures remembered as None."""

    def __init__(self, max_items: int = 2) -> None:
        self._items: dict[str, Any] = {}
        self._max = max_items

    def get(self, source: str | None) -> Any:
        if not source:
            return None
        if source in self._items:
            return self._items[source]
        audio = None
        if Path(source).is_file():
            try:
                from callcheck.audio.io import load_audio
                audio = load_audio(source)
            except Exception:  # an unreadable source must not break a report
                audio = None
        if len(self._items) >= self._max:
            self._items.pop(next(iter(self._items)))
        self._items[source] = audio
        return audio


@dataclass(frozen=True)
class Snippet:
    """One stretch of a call to play: ``[start_s, end_s]`` (already padded and capped)."""

    call_id: str
    start_s: float
    end_s: float


def cut(audio: Any, start_s: float, end_s: float, *, mute: Sequence[tuple[float, float]] = (),
        rate_hz: int | None = None, pad_s: float = 0.0, max_s: float | None = None) -> tuple[np.ndarray, int] | None:
    """Mono float32 samples of ``[start_s - pad_s, end_s + pad_s]`` (at most ``max_s`` long) at
    ``rate_hz`` (None: the recording's rate), with the ``mute`` spans (s, in call time — the
    record's ``privacy.spans``) silenced by :func:`callcheck.privacy.audio.mute_spans`. None when
    there is no audio or nothing to cut. Every snippet and clip is cut here."""
    if audio is None:
        return None
    if pad_s or max_s is not None:
        a0 = max(0.0, float(start_s) - pad_s)
        b0 = max(float(end_s) + pad_s, a0 + 0.5)
        start_s, end_s = a0, (min(b0, a0 + max_s) if max_s is not None else b0)
    from callcheck.dsp.resample import resample
    from callcheck.privacy.audio import mute_spans
    from callcheck.types import Interval

    sr = int(audio.sample_rate)
    samples = np.asarray(audio.samples, dtype=np.float32)
    if samples.ndim == 1:
        samples = samples[None, :]
    a = max(0.0, float(start_s))
    b = min(samples.shape[1] / sr, float(end_s))
    i, j = int(a * sr), int(b * sr)
    if j - i < int(0.05 * sr):
        return None
    mono = samples[:, i:j].mean(axis=0)
    spans = [Interval(max(0.0, s - a), e - a) for s, e in mute if e > a and s < b]
    if spans:
        mono = mute_spans(mono, sr, spans)
    if rate_hz is None or int(rate_hz) == sr:
        return mono.astype(np.float32, copy=False), sr
    return resample(mono, sr, int(rate_hz)), int(rate_hz)


def wav_bytes(mono: np.ndarray, sr: int) -> bytes:
    """16-bit PCM WAV of ``mono``."""
    import soundfile as sf
    buf = io.BytesIO()
    sf.write(buf, np.clip(mono, -1.0, 1.0), sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def encode_opus(mono: np.ndarray, sr: int, *, bitrate_kbps: int = 24) -> bytes:
    """Ogg/Opus of ``mono`` (libopus through PyAV; ``sr`` one of 8, 12, 16, 24, 48 kHz)."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="ogg") as c:
        st = c.add_stream("libopus", rate=int(sr), layout="mono")
        st.bit_rate = int(bitrate_kbps) * 1000
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(np.clip(mono, -1.0, 1.0), dtype=np.float32)[None, :],
                                           format="flt", layout="mono")
        frame.sample_rate = int(sr)
        for p in st.encode(frame):
            c.mux(p)
        for p in st.encode(None):
            c.mux(p)
    return buf.getvalue()


def snippet_name(s: Snippet, key: str) -> str:
    """``audio/<call_id>/<start ms>-<end ms>-<key[:8]>.opus`` (relative to the output folder).
    ``key`` covers what else changes the sound (the record, the muted spans, the settings)."""
    h = hashlib.sha256(f"{key}|{s.start_s:.3f}|{s.end_s:.3f}".encode()).hexdigest()[:8]
    return f"audio/{s.call_id}/{int(round(s.start_s * 1000))}-{int(round(s.end_s * 1000))}-{h}.opus"


def write_snippet(out_dir: Path, name: str, audio: Any, s: Snippet, *, mute: Sequence[tuple[float, float]],
                  rate_hz: int, bitrate_kbps: int) -> bool:
    """Write ``out_dir/name`` unless it exists; False when there is no audio to cut."""
    path = Path(out_dir) / name
    if path.is_file():
        return True
    piece = cut(audio, s.start_s, s.end_s, mute=mute, rate_hz=rate_hz)
    if piece is None:
        return False
    atomic_write(path, encode_opus(*piece, bitrate_kbps=bitrate_kbps), fsync=False)
    return True
