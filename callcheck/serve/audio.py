"""Audio for the review page: streamed from the original recording with HTTP range requests.

Compressed recordings that browsers play (MP3, Ogg/Opus/Vorbis, M4A/AAC, WebM) are served as they
are. Everything else (WAV, FLAC, AIFF, G.711, ...) is transcoded once to Ogg/Opus (PyAV's libopus,
48 kHz, 24 kbit/s per channel, channels kept: agent and caller stay on their own side) and cached
in ``DIR/serve/audio/``, keyed by the source's path, size and mtime, so an uncompressed hour of
stereo (≈ 660 MB at 48 kHz) streams as ≈ 21 MB. This is a listening copy: analysis never uses it.
Range handling (single and multiple ranges, 416) is Starlette's ``FileResponse``.

Personal data: when the call's record has redacted spans (``privacy.spans``), the recording is
never served as it is — whatever its format, it is decoded, every span is muted (or beeped) in
every channel (:func:`callcheck.privacy.audio.mute_record_audio`, the margins the call was analysed with), then
encoded; the cache name carries a hash of the spans and settings, so ``DIR/serve/audio/`` only
ever holds muted copies and a changed redaction makes a new one. A record that cannot be read
means no audio (fail closed).
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

from callcheck.errors import CallcheckError
from callcheck.fsutil import file_mode, make_dirs
from callcheck.privacy.audio import mute_record_audio, record_intervals, record_privacy_config

__all__ = ["DIRECT_TYPES", "playable_file", "cache_dir", "AudioUnavailable", "transcode_opus"]

DIRECT_TYPES = {".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".oga": "audio/ogg", ".opus": "audio/ogg",
                ".m4a": "audio/mp4", ".mp4": "audio/mp4", ".aac": "audio/aac", ".webm": "audio/webm"}
OPUS_BITRATE_PER_CHANNEL = 24_000  # bit/s; speech at 24 kbit/s Opus is transparent enough for coaching
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class AudioUnavailable(CallcheckError):
    """The call's recording is missing or cannot be decoded."""


def cache_dir(out_dir: Path) -> Path:
    return Path(out_dir) / "serve" / "audio"


def _cache_name(call_id: str, src: Path, privacy_key: str = "") -> str:
    st = src.stat()
    key = hashlib.sha256(f"{src.resolve()}|{st.st_size}|{st.st_mtime_ns}|{privacy_key}".encode("utf-8")).hexdigest()[:16]
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in call_id)[:80]
    return f"{safe}.{key}.opus"


def transcode_opus(src: Path, dst: Path, *, bitrate_per_channel: int = OPUS_BITRATE_PER_CHANNEL,
                   record: Any = None, config: Any = None) -> Path:
    """Write ``src`` as Ogg/Opus to ``dst`` (atomically: a temporary file, then rename), with the
    redacted spans of ``record`` muted when it has any."""
    import av

    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    make_dirs(dst.parent)
    try:
        if record is not None and record_intervals(record):
            _encode_muted(src, tmp, record, config, bitrate_per_channel)
            os.chmod(tmp, file_mode())
            os.replace(tmp, dst)
            return dst
        with av.open(str(src)) as inp:
            ast = inp.streams.audio[0]
            channels = 2 if (ast.codec_context.channels or 1) >= 2 else 1
            layout = "stereo" if channels == 2 else "mono"
            with av.open(str(tmp), "w", format="ogg") as out:
                ost = out.add_stream("libopus", rate=48000, layout=layout)
                ost.bit_rate = bitrate_per_channel * channels
                res = av.AudioResampler(format="s16", layout=layout, rate=48000)
                for frame in inp.decode(ast):
                    frame.pts = None
                    for f in res.resample(frame):
                        for p in ost.encode(f):
                            out.mux(p)
                for f in res.resample(None):
                    for p in ost.encode(f):
                        out.mux(p)
                for p in ost.encode(None):
                    out.mux(p)
        os.chmod(tmp, file_mode())
        os.replace(tmp, dst)
    except Exception as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise AudioUnavailable(f"{src}: cannot be transcoded for listening ({str(exc).splitlines()[0][:120]})") from exc
    return dst


def _encode_muted(src: Path, tmp: Path, record: Any, config: Any, bitrate_per_channel: int) -> None:
    """Decode ``src`` whole, mute the record's spans, encode Ogg/Opus at 48 kHz to ``tmp``."""
    import av
    import numpy as np

    from callcheck.audio.io import load_audio

    audio = load_audio(src)
    x = mute_record_audio(audio.samples, audio.sample_rate, record, config=config)
    channels = 2 if x.shape[0] >= 2 else 1
    x = np.ascontiguousarray(x[:channels], dtype=np.float32)
    layout = "stereo" if channels == 2 else "mono"
    with av.open(str(tmp), "w", format="ogg") as out:
        ost = out.add_stream("libopus", rate=48000, layout=layout)
        ost.bit_rate = bitrate_per_channel * channels
        res = av.AudioResampler(format="s16", layout=layout, rate=48000)
        step = audio.sample_rate  # one second per frame
        for a in range(0, x.shape[1], step):
            frame = av.AudioFrame.from_ndarray(x[:, a:a + step], format="fltp", layout=layout)
            frame.sample_rate = audio.sample_rate
            for f in res.resample(frame):
                for p in ost.encode(f):
                    out.mux(p)
        for f in res.resample(None):
            for p in ost.encode(f):
                out.mux(p)
        for p in ost.encode(None):
            out.mux(p)


def _record_of(out_dir: Path, call_id: str) -> Any:
    """The call's record (for its redacted spans); :class:`AudioUnavailable` when it cannot be
    read: no audio leaves without knowing what to mute."""
    from callcheck.record import RecordError, load_record

    try:
        return load_record(Path(out_dir) / "calls" / f"{call_id}.json")
    except (RecordError, OSError, ValueError) as exc:
        raise AudioUnavailable(f"call {call_id}: its record cannot be read ({str(exc)[:120]}), so its audio is not served") from None


def _privacy_key(record: Any, config: Any) -> str:
    cfg = getattr(config, "privacy", config) or record_privacy_config(record)
    spans = [(round(iv.start_s, 3), round(iv.end_s, 3)) for iv in record_intervals(record)]
    if not spans:
        return ""
    return hashlib.sha256(repr((spans, cfg.margin_s, cfg.fade_s, cfg.audio, cfg.beep_hz, cfg.beep_level_dbfs)).encode()).hexdigest()


def playable_file(out_dir: Path, call_id: str, source: str | None, *, record: Any = None,
                  config: Any = None) -> tuple[Path, str]:
    """The file to stream for a call and its media type (transcoding once when needed).

    ``record``: the call's record (read from ``DIR/calls/<call_id>.json`` when None); when it has
    redacted spans the stream is a muted copy whatever the format. ``config``: the privacy
    settings (margin, mute/beep); None: the defaults.

    Raises :class:`AudioUnavailable` when the recording is missing or undecodable, or the record
    cannot be read.
    """
    if not source:
        raise AudioUnavailable(f"call {call_id}: the record names no source recording")
    src = Path(source)
    if not src.is_file():
        raise AudioUnavailable(f"{src}: the recording is not there (moved or deleted)")
    rec = record if record is not None else _record_of(out_dir, call_id)
    pkey = _privacy_key(rec, config)
    mt = DIRECT_TYPES.get(src.suffix.lower())
    if mt is not None and not pkey:
        return src, mt
    dst = cache_dir(out_dir) / _cache_name(call_id, src, pkey)
    if dst.is_file():
        return dst, "audio/ogg"
    with _locks_guard:
        lock = _locks.setdefault(str(dst), threading.Lock())
    with lock:
        if not dst.is_file():
            stem = dst.name[: -len(".opus")].rsplit(".", 1)[0]
            if dst.parent.is_dir():
                for old in dst.parent.glob("*.opus"):
                    if old != dst and old.name[: -len(".opus")].rsplit(".", 1)[0] == stem:
                        try:
                            old.unlink()  # the copy of an older version of the recording
                        except OSError:
                            pass
            transcode_opus(src, dst, record=rec if pkey else None, config=config)
    return dst, "audio/ogg"
