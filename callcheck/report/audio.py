"""Audio snippets for the reports and clips: the only place the report layer touches audio.

A snippet is cut from the call's ``source`` (read with :func:`callcheck.audio.io.load_audio`) when
the file exists; otherwise there is no snippet and the page says so. Snippets are for listening,
not measuring: channels are averaged into one so both parties are heard; the sample rate is kept.
Every piece has the call's redacted spans muted (:func:`callcheck.privacy.mute_record_audio`)
when a record is given — the report and clip writers always give it.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import numpy as np


class AudioCache:
    """Decoded recordings by path (one decode per call per render); failures remembered as None."""

    def __init__(self, max_items: int = 4) -> None:
        self._items: dict[str, Any] = {}
        self._max = max_items

    def get(self, source: str | None):
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


def cut(audio: Any, start_s: float, end_s: float, *, pad_s: float, max_s: float) -> tuple[np.ndarray, int] | None:
    """Mono float32 samples of ``[start_s - pad_s, end_s + pad_s]``, at most ``max_s`` long."""
    if audio is None:
        return None
    sr = int(audio.sample_rate)
    samples = np.asarray(audio.samples, dtype=np.float32)
    if samples.ndim == 1:
        samples = samples[None, :]
    a = max(0.0, start_s - pad_s)
    b = min(samples.shape[1] / sr, max(end_s + pad_s, a + 0.5), a + max_s)
    i, j = int(a * sr), int(b * sr)
    if j <= i:
        return None
    return samples[:, i:j].mean(axis=0), sr


def cut_muted(audio: Any, record: Any, start_s: float, end_s: float, *, pad_s: float,
              max_s: float) -> tuple[np.ndarray, int] | None:
    """:func:`cut` with the record's redacted spans (``privacy.spans``) muted in the piece."""
    piece = cut(audio, start_s, end_s, pad_s=pad_s, max_s=max_s)
    if piece is None or record is None:
        return piece
    from callcheck.privacy.audio import mute_record_audio

    return mute_record_audio(piece[0], piece[1], record, offset_s=max(0.0, start_s - pad_s)), piece[1]


def wav_bytes(mono: np.ndarray, sr: int) -> bytes:
    import soundfile as sf
    buf = io.BytesIO()
    sf.write(buf, np.clip(mono, -1.0, 1.0), sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def data_uri(audio: Any, start_s: float | None, end_s: float | None, *, pad_s: float, max_s: float,
             record: Any = None) -> str | None:
    """A ``data:audio/wav;base64,…`` URI of the snippet (``record``'s redacted spans muted), or
    None when there is no audio."""
    if audio is None or start_s is None:
        return None
    piece = cut_muted(audio, record, start_s, end_s if end_s is not None else start_s, pad_s=pad_s, max_s=max_s)
    if piece is None:
        return None
    return "data:audio/wav;base64," + base64.b64encode(wav_bytes(*piece)).decode("ascii")
