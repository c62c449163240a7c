"""Audio for the review page: streamed from the original recording with HTTP range requests.

Compressed recordings that browsers play (MP3, Ogg/Opus/Vorbis, M4A/AAC, WebM) are served as they
are. Everything else (WAV, FLAC, AIFF, G.711, ...) is transcoded once to Ogg/Opus (PyAV's libopus,
48 kHz, 24 kbit/s per channel, channels kept: agent and caller stay on their own side) and cached
in ``DIR/serve/audio/``, keyed by the source's path, size and mtime, so an uncompressed hour of
stereo (≈ 660 MB at 48 kHz) streams as ≈ 21 MB. This is a listening copy: analysis never uses it.
Range handling (single and multiple ranges, 416) is Starlette's ``FileResponse``.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from callcheck.errors import CallcheckError

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


def _cache_name(call_id: str, src: Path) -> str:
    st = src.stat()
    key = hashlib.sha256(f"{src.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode("utf-8")).hexdigest()[:16]
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in call_id)[:80]
    return f"{safe}.{key}.opus"


def transcode_opus(src: Path, dst: Path, *, bitrate_per_channel: int = OPUS_BITRATE_PER_CHANNEL) -> Path:
    """Write ``src`` as Ogg/Opus to ``dst`` (atomically: a temporary file, then rename)."""
    import av

    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
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
        os.replace(tmp, dst)
    except Exception as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise AudioUnavailable(f"{src}: cannot be transcoded for listening ({str(exc).splitlines()[0][:120]})") from exc
    return dst


def playable_file(out_dir: Path, call_id: str, source: str | None) -> tuple[Path, str]:
    """The file to stream for a call and its media type (transcoding once when needed).

    Raises :class:`AudioUnavailable` when the recording is missing or undecodable.
    """
    if not source:
        raise AudioUnavailable(f"call {call_id}: the record names no source recording")
    src = Path(source)
    if not src.is_file():
        raise AudioUnavailable(f"{src}: the recording is not there (moved or deleted)")
    mt = DIRECT_TYPES.get(src.suffix.lower())
    if mt is not None:
        return src, mt
    dst = cache_dir(out_dir) / _cache_name(call_id, src)
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
            transcode_opus(src, dst)
    return dst, "audio/ogg"
