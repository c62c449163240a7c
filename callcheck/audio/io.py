"""Reading recordings: every common telephone and office format, native rate, channels kept.

Nothing here resamples or mixes channels down: a stereo call keeps one party per channel. The
transcriber adapter resamples privately to what its model needs.

WAV (PCM 8/16/24/32-bit, float, G.711 mu-law/A-law), FLAC, OGG/Vorbis/Opus, MP3, AIFF and AU are
read with libsndfile (``soundfile``); M4A/AAC/MP4/WebM/WMA and anything else with FFmpeg (``av``).
"""

from __future__ import annotations

import contextlib
import os
import struct
from pathlib import Path
from typing import cast

import numpy as np

from callcheck.errors import AudioError
from callcheck.types import CallAudio

MIN_SAMPLE_RATE = 8000
MAX_CHANNELS = 2
_SOUNDFILE_FIRST = {".wav", ".flac", ".ogg", ".oga", ".mp3", ".aiff", ".aif", ".au", ".snd", ".w64", ".rf64", ".caf"}


def load_audio(path: str | Path) -> CallAudio:
    """Decode ``path`` into float32 samples of shape ``(channels, n)`` at the native rate.

    Raises
    ------
    AudioError
        one line naming the file and the reason: missing, empty, not audio, truncated, no samples,
        unsupported channel count or a sample rate below 8 kHz.
    """
    p = Path(path)
    if not p.exists():
        raise AudioError(f"{p}: file not found")
    if p.is_dir():
        raise AudioError(f"{p}: is a folder, not an audio file")
    size = p.stat().st_size
    if size == 0:
        raise AudioError(f"{p}: empty file (0 bytes)")
    suffix = p.suffix.lower()
    if suffix == ".wav":
        _check_wav_complete(p, size)
    audio: CallAudio | None = None
    sf_error: str | None = None
    if suffix in _SOUNDFILE_FIRST or suffix == "":
        try:
            audio = _load_soundfile(p)
        except AudioError:
            raise
        except Exception as exc:  # libsndfile's own message, kept for the fallback's error
            sf_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if audio is None:
        audio = _load_av(p, sf_error)
    _validate(p, audio)
    return audio


@contextlib.contextmanager
def _quiet_stderr():
    """Silence C-library chatter (libmpg123 prints 'Note: Illegal Audio-MPEG-Header' to fd 2)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _load_soundfile(p: Path) -> CallAudio:
    import soundfile as sf

    with _quiet_stderr(), sf.SoundFile(str(p)) as f:
        rate = int(f.samplerate)
        codec = f"{f.format}/{f.subtype}"
        data = f.read(dtype="float32", always_2d=True)
    return CallAudio(source=str(p), samples=np.ascontiguousarray(data.T), sample_rate=rate, codec=codec)


def _load_av(p: Path, sf_error: str | None) -> CallAudio:
    import av
    from av.audio.stream import AudioStream

    try:
        container = av.open(str(p))
    except Exception:
        raise AudioError(f"{p}: not a readable audio file (format not recognised or data corrupt)") from None
    try:
        streams = [s for s in container.streams if s.type == "audio"]
        if not streams:
            raise AudioError(f"{p}: contains no audio stream")
        stream = cast(AudioStream, streams[0])  # PyAV's stubs lose the stream kind of a filtered list
        rate = int(stream.codec_context.sample_rate or stream.rate or 0)
        channels = int(stream.codec_context.channels or 0)
        codec = f"{container.format.name}/{stream.codec_context.name}"
        chunks: list[np.ndarray] = []
        try:
            for frame in container.decode(stream):
                arr = frame.to_ndarray()
                arr = _planar_float(arr, frame.format.name, frame.format.is_planar, len(frame.layout.channels))
                chunks.append(arr)
        except av.error.FFmpegError as exc:
            if not chunks:
                raise AudioError(f"{p}: cannot be decoded ({str(exc).splitlines()[0]})") from None
            raise AudioError(f"{p}: truncated or corrupt after {sum(c.shape[1] for c in chunks) / max(rate, 1):.1f} s ({str(exc).splitlines()[0]})") from None
    finally:
        container.close()
    if not chunks:
        raise AudioError(f"{p}: contains no audio samples")
    data = np.concatenate(chunks, axis=1)
    if channels and data.shape[0] != channels:
        channels = data.shape[0]
    return CallAudio(source=str(p), samples=np.ascontiguousarray(data, dtype=np.float32), sample_rate=rate, codec=codec)


def _planar_float(arr: np.ndarray, fmt: str, planar: bool, channels: int) -> np.ndarray:
    """An FFmpeg frame as float32 ``(channels, n)``."""
    if not planar:
        arr = arr.reshape(-1, channels).T
    base = fmt.rstrip("p")
    if base in ("flt", "dbl"):
        return arr.astype(np.float32)
    if base == "s16":
        return arr.astype(np.float32) / 32768.0
    if base == "s32":
        return (arr.astype(np.float64) / 2147483648.0).astype(np.float32)
    if base == "u8":
        return (arr.astype(np.float32) - 128.0) / 128.0
    if base == "s64":
        return (arr.astype(np.float64) / 9.223372036854775808e18).astype(np.float32)
    raise AudioError(f"unsupported sample format {fmt}")


def _check_wav_complete(p: Path, size: int) -> None:
    """Refuse a RIFF/WAVE file whose data chunk is cut short (a recording that was cut off)."""
    with p.open("rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            if head[:4] in (b"RIFF",):
                raise AudioError(f"{p}: not a WAVE file (RIFF type {head[8:12]!r})")
            if len(head) < 12:
                raise AudioError(f"{p}: not a readable audio file (only {size} bytes)")
            return  # not RIFF: let the decoders say what it is
        if head[:4] == b"RF64":
            return
        pos = 12
        block_align = 0
        while True:
            fh.seek(pos)
            hdr = fh.read(8)
            if len(hdr) < 8:
                raise AudioError(f"{p}: truncated WAV file (no data chunk in {size} bytes)")
            cid, clen = hdr[:4], struct.unpack("<I", hdr[4:])[0]
            if cid == b"fmt ":
                fmt = fh.read(min(clen, 16))
                if len(fmt) >= 14:
                    block_align = struct.unpack("<H", fmt[12:14])[0]
            if cid == b"data":
                available = size - (pos + 8)
                if clen not in (0, 0xFFFFFFFF) and available < clen:
                    frames_have = available // block_align if block_align else available
                    frames_want = clen // block_align if block_align else clen
                    raise AudioError(
                        f"{p}: truncated WAV file: the header announces {frames_want} frames but only "
                        f"{frames_have} are present ({100.0 * available / clen:.0f} %)"
                    )
                return
            pos += 8 + clen + (clen & 1)


def _validate(p: Path, audio: CallAudio) -> None:
    if audio.sample_rate < MIN_SAMPLE_RATE:
        raise AudioError(
            f"{p}: sample rate {audio.sample_rate} Hz is below the {MIN_SAMPLE_RATE} Hz telephone minimum"
        )
    if audio.samples.shape[1] == 0:
        raise AudioError(f"{p}: contains no audio samples")
    if audio.channels > MAX_CHANNELS:
        raise AudioError(
            f"{p}: has {audio.channels} channels; callcheck reads mono (both parties mixed) or stereo "
            f"(one party per channel) recordings"
        )
    if not np.all(np.isfinite(audio.samples)):
        raise AudioError(f"{p}: contains NaN or infinite sample values")


def probe_duration_s(path: str | Path) -> float | None:
    """The duration without decoding (for progress ETA); None when it cannot be told cheaply."""
    try:
        import soundfile as sf

        with _quiet_stderr():
            info = sf.info(str(path))
        return float(info.frames) / float(info.samplerate)
    except Exception:
        pass
    try:
        import av

        with av.open(str(path)) as c:
            if c.duration:
                return float(c.duration) / 1_000_000.0
    except Exception:
        return None
    return None
