"""Reading recordings: every common telephone and office format, native rate, channels kept.

Nothing here resamples or mixes channels down: a stereo call keeps one party per channel. The
transcriber adapter resamples privately to what its model needs.

WAV (PCM 8/16/24/32-bit, float, G.711 mu-law/A-law, ADPCM, GSM 6.10), FLAC, OGG/Vorbis/Opus, MP3,
AIFF and AU are read with libsndfile (``soundfile``); M4A/AAC/MP4/WebM/WMA and anything else with
FFmpeg (``av``).

Every file is checked before and after decoding, so that a bad one is refused with one line
(``"<path>: <reason>"``, :class:`~callcheck.errors.AudioError`) and never analysed in part:

1. it must be a regular file (a FIFO, a device such as ``/dev/zero``, a folder, a dangling link or a
   symbolic-link loop is refused before it is opened: nothing here ever reads from one);
2. a WAV/RF64 header is parsed first: unknown format tags, bad EXTENSIBLE sub-formats, impossible
   sample sizes, a data chunk cut short or bytes the header does not announce are refused with what
   is wrong;
3. channels (1 or 2), sample rate (8-192 kHz), stated duration (``max_duration_s``) and the memory
   the decoded samples would take (``max_decoded_bytes``) are checked from the header, before a
   sample is decoded;
4. samples are decoded block by block into one preallocated array (peak memory = the decoded call
   plus one block), each block checked for NaN/Inf and for float values far beyond full scale;
5. the decoded length is compared with what the container states (WAV/FLAC/AIFF header, MP3
   Xing/Info frame count, Ogg granule position and end-of-stream flag, MP4/Matroska duration): a
   file that decodes shorter by more than ``max(0.1 s, min(1 s, 2 %))`` is refused as truncated or
   damaged - compressed decoders otherwise skip damaged frames silently;
6. a call shorter than ``min_duration_s`` (0.5 s) is refused.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import stat
import struct
import warnings
from pathlib import Path
from typing import cast

import numpy as np

from callcheck.errors import AudioError
from callcheck.types import CallAudio

MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 192000
MAX_CHANNELS = 2
#: shortest call analysed, s (a greeting word takes longer)
MIN_DURATION_S = 0.5
#: longest call analysed, s (4 h; a proposed config key ``audio.max_duration_s``)
MAX_DURATION_S = 4 * 3600.0
#: most memory the decoded float32 samples may take, bytes (proposed ``audio.max_decoded_mb``)
MAX_DECODED_BYTES = 2 * 1024**3
#: float samples beyond this many times full scale (+20 dB) are a damaged or unscaled file
MAX_FLOAT_PEAK = 10.0
#: a decode shorter than the stated length by more than max(floor, min(cap, share * stated)) is refused
SHORT_DECODE_FLOOR_S = 0.1
SHORT_DECODE_CAP_S = 1.0
SHORT_DECODE_SHARE = 0.02
#: frames decoded per block (bounds the decoder's temporary arrays)
BLOCK_FRAMES = 1 << 18

_SOUNDFILE_FIRST = {".wav", ".flac", ".ogg", ".oga", ".mp3", ".aiff", ".aif", ".au", ".snd", ".w64", ".rf64", ".caf", ".wave"}

# WAVE format tags libsndfile or FFmpeg decode (the rest is refused with its number)
_WAV_TAGS = {
    0x0001: "PCM", 0x0003: "IEEE float", 0x0006: "A-law", 0x0007: "mu-law", 0x0002: "MS ADPCM",
    0x0011: "IMA ADPCM", 0x0031: "GSM 6.10", 0x0055: "MPEG layer 3", 0x0050: "MPEG", 0x0040: "G.721 ADPCM",
    0x0045: "G.726 ADPCM", 0x0064: "G.726 ADPCM", 0x0065: "G.722 ADPCM", 0x0022: "TrueSpeech", 0x0161: "WMA",
}
#: FFmpeg demuxers whose duration is an estimate from the bit rate (not stated by the container)
_ESTIMATED_DURATION = {"aac", "ac3", "eac3", "dts", "truehd", "mlp", "mpegts", "mpeg", "h264", "adts"}
_KSDATAFORMAT_TAIL = bytes.fromhex("000000001000800000aa00389b71")  # the GUID after its 2-byte tag


def load_audio(
    path: str | Path,
    *,
    max_duration_s: float = MAX_DURATION_S,
    max_decoded_bytes: int = MAX_DECODED_BYTES,
    min_duration_s: float = MIN_DURATION_S,
) -> CallAudio:
    """Decode ``path`` into float32 samples of shape ``(channels, n)`` at the native rate.

    Parameters
    ----------
    path
        the recording.
    max_duration_s
        longest recording accepted, s (checked from the header before decoding, and while decoding).
    max_decoded_bytes
        most memory the decoded float32 samples may take, bytes.
    min_duration_s
        shortest recording accepted, s.

    Raises
    ------
    AudioError
        one line naming the file and the reason: not a regular file (missing, folder, FIFO, device,
        dangling link, link loop), empty, not audio, an unsupported or damaged header, truncated or
        damaged data, no samples, too short or too long, unsupported channel count or sample rate,
        NaN/Inf or far-beyond-full-scale samples.
    """
    p = Path(path)
    st = check_regular_file(p)
    size = st.st_size
    if size == 0:
        raise AudioError(f"{p}: empty file (0 bytes)")
    limits = _Limits(max_duration_s, max_decoded_bytes, min_duration_s)
    with open(p, "rb") as fh:
        head = fh.read(12)
    if p.suffix.lower() in (".wav", ".wave", ".rf64") or head[:4] in (b"RIFF", b"RF64"):
        _check_wav_header(p, size, limits)
    elif head[:4] in (b"FORM", b".snd"):
        _check_aiff_au(p, size, head)
    audio: CallAudio | None = None
    sf_error: str | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy/soundfile warnings are not for the user
            if p.suffix.lower() in _SOUNDFILE_FIRST or p.suffix == "":
                try:
                    audio = _load_soundfile(p, limits)
                except AudioError:
                    raise
                except MemoryError:
                    raise
                except Exception as exc:  # libsndfile's own message, kept for the fallback's error
                    sf_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if audio is None:
                audio = _load_av(p, sf_error, limits)
    except MemoryError:
        raise AudioError(f"{p}: not enough memory to decode it") from None
    if head[:4] == b"OggS":
        _check_ogg_end(p, size, audio)
    _validate(p, audio, limits)
    return audio


def check_regular_file(path: str | Path) -> os.stat_result:
    """``os.stat`` of ``path`` when it is a regular file (links followed); else one-line AudioError.

    Nothing is opened: a FIFO or a device (``/dev/zero``) would block or never end. Call this before
    reading a file in any other way (hashing it, probing its duration).
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        if os.path.islink(p):
            raise AudioError(f"{p}: dangling symbolic link (its target {os.readlink(p)!r} does not exist)") from None
        raise AudioError(f"{p}: file not found") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise AudioError(f"{p}: symbolic link loop (the link never reaches a file)") from None
        if exc.errno == errno.ENAMETOOLONG:
            raise AudioError(f"{p}: file name too long for this system") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise AudioError(f"{p}: cannot be read (permission denied)") from None
        raise AudioError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return st
    if stat.S_ISDIR(mode):
        raise AudioError(f"{p}: is a folder, not an audio file")
    what = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
            else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    target = os.path.realpath(p)
    via = f" ({target})" if os.path.islink(p) else ""
    raise AudioError(f"{p}: is {what}{via}, not an audio file; callcheck reads regular files only")


class _Limits:
    def __init__(self, max_duration_s: float, max_decoded_bytes: int, min_duration_s: float) -> None:
        self.max_duration_s = float(max_duration_s)
        self.max_decoded_bytes = int(max_decoded_bytes)
        self.min_duration_s = float(min_duration_s)


def _check_stream(p: Path, channels: int, rate: float, frames: int | None, limits: _Limits) -> None:
    """Channels, rate, duration and decoded size as the header states them, before decoding."""
    if channels <= 0:
        raise AudioError(f"{p}: the header states {channels} channels; the file is damaged")
    if channels > MAX_CHANNELS:
        raise AudioError(
            f"{p}: has {channels} channels; callcheck reads mono (both parties mixed) or stereo "
            f"(one party per channel) recordings"
        )
    _check_rate(p, rate)
    if frames is None or frames <= 0:
        return
    duration_s = frames / float(rate)
    if duration_s > limits.max_duration_s:
        raise AudioError(
            f"{p}: the header states {_hms(duration_s)} of audio, more than the {_hms(limits.max_duration_s)} "
            f"limit; split the recording"
        )
    need = frames * channels * 4
    if need > limits.max_decoded_bytes:
        raise AudioError(
            f"{p}: {_hms(duration_s)} of {channels}-channel {int(rate)} Hz audio would take "
            f"{need / 1e9:.1f} GB decoded, more than the {limits.max_decoded_bytes / 1e9:.1f} GB limit; "
            f"split the recording or resample it to 16 kHz"
        )


def _check_rate(p: Path, rate: float) -> None:
    shown = str(int(rate)) if math.isfinite(rate) and float(rate).is_integer() else f"{rate:g}"
    if not rate or not math.isfinite(rate) or rate <= 0:
        raise AudioError(f"{p}: the header states a sample rate of {shown} Hz; the file is damaged")
    if rate < MIN_SAMPLE_RATE:
        raise AudioError(f"{p}: sample rate {shown} Hz is below the {MIN_SAMPLE_RATE} Hz telephone minimum")
    if rate > MAX_SAMPLE_RATE:
        raise AudioError(f"{p}: sample rate {shown} Hz is above the {MAX_SAMPLE_RATE} Hz maximum; the header is damaged or the file is not a call recording")


def _hms(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


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


class _Sink:
    """Decoded blocks go straight into one float32 ``(channels, capacity)`` array.

    Each block is checked for NaN/Inf and its peak recorded, so the whole call is never copied or
    scanned with full-size temporaries. When a decoder yields more than the stated length, the
    array grows (rare: only containers whose stated length is an estimate).
    """

    def __init__(self, p: Path, channels: int, capacity: int, rate: float, limits: _Limits) -> None:
        self.p = p
        self.channels = channels
        self.rate = rate
        self.limits = limits
        self.buf = np.empty((channels, max(int(capacity), 1)), dtype=np.float32)
        self.n = 0
        self.peak = 0.0
        self.finite = True

    def add(self, block: np.ndarray) -> None:
        """``block``: float32 ``(channels, k)``."""
        k = block.shape[1]
        if k == 0:
            return
        if self.finite and not np.isfinite(block).all():
            self.finite = False
        if self.finite:
            self.peak = max(self.peak, float(np.max(np.abs(block))))
        end = self.n + k
        if end > self.buf.shape[1]:
            if end / self.rate > self.limits.max_duration_s or end * self.channels * 4 > self.limits.max_decoded_bytes:
                raise AudioError(
                    f"{self.p}: decodes to more than {_hms(min(self.limits.max_duration_s, self.limits.max_decoded_bytes / (4 * self.channels * self.rate)))} "
                    f"of audio (the limit); split the recording"
                )
            grown = np.empty((self.channels, max(end, int(self.buf.shape[1] * 1.5))), dtype=np.float32)
            grown[:, : self.n] = self.buf[:, : self.n]
            self.buf = grown
        self.buf[:, self.n : end] = block
        self.n = end

    def samples(self) -> np.ndarray:
        """The decoded ``(channels, n)`` samples, trimmed in place (no second copy of the call)."""
        buf, n, ch = self.buf, self.n, self.channels
        self.buf = np.empty((ch, 0), dtype=np.float32)
        if n == buf.shape[1]:
            return buf
        if ch > 1 and n > 0:
            flat = buf.reshape(-1)
            cap = buf.shape[1]
            for c in range(1, ch):  # move each channel's samples down to their trimmed place
                flat[c * n : (c + 1) * n] = flat[c * cap : c * cap + n]  # numpy buffers overlapping copies
            del flat
        try:
            buf.resize((ch, n), refcheck=False)
            return buf
        except (ValueError, SystemError):  # another reference exists: fall back to a copy
            return np.ascontiguousarray(buf.reshape(-1)[: ch * n].reshape(ch, n))


def _load_soundfile(p: Path, limits: _Limits) -> CallAudio:
    import soundfile as sf

    with _quiet_stderr(), sf.SoundFile(str(p)) as f:
        rate = int(f.samplerate)
        channels = int(f.channels)
        stated = int(f.frames) if 0 < f.frames < (1 << 62) else None
        codec = f"{f.format}/{f.subtype}"
        _check_stream(p, channels, rate, stated, limits)
        sink = _Sink(p, channels, stated or rate * 60, rate, limits)
        while True:
            block = f.read(BLOCK_FRAMES, dtype="float32", always_2d=True)
            if block.shape[0] == 0:
                break
            sink.add(block.T)
    if f.format == "MP3" and not _mp3_length_stated(p):
        stated = None  # libmpg123 estimated the length from the file size: nothing to compare with
    _check_complete(p, sink, stated, rate)
    return CallAudio(source=str(p), samples=sink.samples(), sample_rate=rate, codec=codec)


def _mp3_length_stated(p: Path) -> bool:
    """Whether the first MPEG frame carries a Xing/Info or VBRI header (the exact frame count)."""
    with p.open("rb") as fh:
        data = fh.read(1 << 16)
    start = 0
    if data[:3] == b"ID3" and len(data) >= 10:  # skip an ID3v2 tag (synch-safe size)
        size = ((data[6] & 0x7F) << 21) | ((data[7] & 0x7F) << 14) | ((data[8] & 0x7F) << 7) | (data[9] & 0x7F)
        start = 10 + size
        if start + 4 > len(data):
            with p.open("rb") as fh:
                fh.seek(start)
                data = fh.read(1 << 16)
            start = 0
    for k in range(start, min(len(data) - 1, start + 4096)):
        if data[k] == 0xFF and data[k + 1] & 0xE0 == 0xE0:
            frame = data[k : k + 200]
            return b"Xing" in frame or b"Info" in frame or b"VBRI" in frame
    return False


def _check_complete(p: Path, sink: _Sink, stated: int | None, rate: float) -> None:
    """Refuse a decode shorter than the container's stated length (truncated or damaged data)."""
    if not stated or sink.n >= stated:
        _check_samples(p, sink)
        return
    missing_s = (stated - sink.n) / rate
    stated_s = stated / rate
    tolerance = max(SHORT_DECODE_FLOOR_S, min(SHORT_DECODE_CAP_S, SHORT_DECODE_SHARE * stated_s))
    if missing_s > tolerance:
        raise AudioError(
            f"{p}: decoded {sink.n / rate:.1f} s of the {stated_s:.1f} s the file header states "
            f"({100.0 * sink.n / stated:.0f} %); the file is truncated or damaged"
        )
    _check_samples(p, sink)


def _check_samples(p: Path, sink: _Sink) -> None:
    if not sink.finite:
        raise AudioError(f"{p}: contains NaN or infinite sample values")
    if sink.peak > MAX_FLOAT_PEAK:
        db = 20.0 * math.log10(sink.peak)
        raise AudioError(
            f"{p}: sample values reach {sink.peak:.3g}, {db:.0f} dB above full scale (the limit is "
            f"+{20 * math.log10(MAX_FLOAT_PEAK):.0f} dB); the file is damaged or its float samples are not scaled to +-1"
        )


def _load_av(p: Path, sf_error: str | None, limits: _Limits) -> CallAudio:
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
        ctx = stream.codec_context
        if ctx is None:
            raise AudioError(f"{p}: no decoder for its audio stream ({container.format.name}); the format is not supported")
        rate = int(ctx.sample_rate or stream.rate or 0)
        layout = getattr(ctx, "layout", None)
        channels = int(getattr(layout, "nb_channels", 0) or len(getattr(layout, "channels", ()) or ()) or getattr(ctx, "channels", 0) or 0)
        codec = f"{container.format.name}/{ctx.name}"
        stated_s = None
        if container.format.name in _ESTIMATED_DURATION:
            pass  # raw elementary streams: FFmpeg estimates the length from the bit rate
        elif stream.duration and stream.time_base:
            stated_s = float(stream.duration * stream.time_base)
        elif container.duration:
            stated_s = container.duration / 1_000_000.0
        stated = int(round(stated_s * rate)) if stated_s and rate else None
        _check_stream(p, channels, rate, stated, limits)
        sink: _Sink | None = None
        try:
            for frame in container.decode(stream):
                arr = _planar_float(frame.to_ndarray(), frame.format.name, frame.format.is_planar, len(frame.layout.channels))
                if sink is None:
                    if arr.shape[0] != channels:
                        _check_stream(p, arr.shape[0], rate, stated, limits)
                        channels = arr.shape[0]
                    sink = _Sink(p, channels, (stated or rate * 60) + rate, rate, limits)
                sink.add(arr)
        except av.error.FFmpegError as exc:
            why = _ffmpeg_reason(exc)
            if sink is None or sink.n == 0:
                raise AudioError(f"{p}: cannot be decoded ({why})") from None
            of = f" of {stated_s:.1f} s" if stated_s else ""
            raise AudioError(f"{p}: truncated or corrupt after {sink.n / max(rate, 1):.1f} s{of} ({why})") from None
        except (ValueError, TypeError) as exc:  # PyAV cannot convert this sample format
            raise AudioError(f"{p}: cannot be decoded ({str(exc).splitlines()[0][:120]})") from None
    finally:
        container.close()
    if sink is None or sink.n == 0:
        raise AudioError(f"{p}: contains no audio samples")
    _check_complete(p, sink, stated, rate)
    return CallAudio(source=str(p), samples=sink.samples(), sample_rate=rate, codec=codec)


def _ffmpeg_reason(exc: Exception) -> str:
    """FFmpeg's message without errno numbers and function names."""
    msg = getattr(exc, "strerror", None) or (str(exc).splitlines() or [""])[0]
    return str(msg).strip()[:120] or type(exc).__name__


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


# ------------------------------------------------------------------------------------------ WAV


def _check_wav_header(p: Path, size: int, limits: _Limits) -> None:
    """Parse a RIFF/RF64 WAVE header: refuse what libsndfile/FFmpeg would misread or choke on.

    Refused with the reason: a data chunk cut short (truncated recording), bytes after the data
    chunk that the header does not announce (a header not finalised or damaged), an unknown format
    tag or EXTENSIBLE sub-format, PCM of 0/1-7/64 bits, float of other than 32/64 bits, a block
    size that contradicts channels x bits, 0 or more than 2 channels, a rate outside 8-192 kHz.
    """
    with p.open("rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            if head[:4] == b"RIFF":
                raise AudioError(f"{p}: not a WAVE file (RIFF type {head[8:12]!r})")
            if len(head) < 12:
                raise AudioError(f"{p}: not a readable audio file (only {size} bytes)")
            return  # not RIFF (RIFX, AIFF, MP3 named .wav ...): let the decoders say what it is
        rf64 = head[:4] == b"RF64"
        ds64_data: int | None = None
        fmt: dict | None = None
        pos = 12
        while True:
            fh.seek(pos)
            hdr = fh.read(8)
            if len(hdr) < 8:
                raise AudioError(f"{p}: truncated WAV file (no data chunk in {size} bytes)")
            cid, clen = hdr[:4], struct.unpack("<I", hdr[4:])[0]
            if cid == b"ds64":
                body = fh.read(min(clen, 28))
                if len(body) >= 16:
                    ds64_data = struct.unpack("<Q", body[8:16])[0]
            elif cid == b"fmt ":
                if clen < 16:
                    raise AudioError(f"{p}: WAV fmt chunk of {clen} bytes is too short (at least 16); the header is damaged")
                body = fh.read(min(clen, 40))
                if len(body) < 16:
                    raise AudioError(f"{p}: truncated WAV file (the fmt chunk is cut short)")
                fmt = _parse_fmt(p, body, clen)
            elif cid == b"data":
                if rf64 and clen == 0xFFFFFFFF:
                    if ds64_data is None:
                        raise AudioError(f"{p}: RF64 file without a ds64 chunk (its data size is unknown); the header is damaged")
                    clen = ds64_data
                if fmt is None:
                    return  # data before fmt: libsndfile copes, and the decoded stream is checked
                _check_wav_fmt(p, fmt)
                block = fmt["block_align"]
                available = size - (pos + 8)
                if clen == 0xFFFFFFFF and not rf64:  # a streaming header: the data runs to the end
                    data_bytes = available
                else:
                    if available < clen:
                        frames_have = available // block if block else available
                        frames_want = clen // block if block else clen
                        raise AudioError(
                            f"{p}: truncated WAV file: the header announces {frames_want} frames but only "
                            f"{frames_have} are present ({100.0 * available / clen:.0f} %)"
                        )
                    data_bytes = clen
                    _check_unannounced(p, fh, pos + 8 + clen + (clen & 1), size, clen, fmt)
                if block and fmt["tag"] in (1, 3, 6, 7):
                    _check_stream(p, fmt["channels"], fmt["rate"], data_bytes // block, limits)
                return
            nxt = pos + 8 + clen + (clen & 1)
            if nxt > size:
                what = "fmt" if cid == b"fmt " else cid.decode("latin-1")
                raise AudioError(f"{p}: damaged WAV header: the {what!r} chunk claims {clen} bytes, more than the file holds, and no data chunk follows")
            pos = nxt


def _is_chunk_id(cid: bytes) -> bool:
    return len(cid) == 4 and all(32 <= c < 127 for c in cid)


def _parse_fmt(p: Path, body: bytes, clen: int) -> dict:
    tag, channels, rate, byte_rate, block_align, bits = struct.unpack("<HHIIHH", body[:16])
    sub = None
    valid_bits = None
    if tag == 0xFFFE:
        if clen < 40 or len(body) < 40:
            raise AudioError(f"{p}: WAVE_FORMAT_EXTENSIBLE header of {clen} bytes is too short (needs 40); the header is damaged")
        valid_bits = struct.unpack("<H", body[18:20])[0]
        guid = body[24:40]
        if guid[2:] != _KSDATAFORMAT_TAIL:
            raise AudioError(f"{p}: WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID ({guid.hex()}); the file is damaged or uses a format callcheck cannot read")
        sub = struct.unpack("<H", guid[:2])[0]
    return {"tag": sub if sub is not None else tag, "channels": channels, "rate": rate, "block_align": block_align,
            "bits": bits, "valid_bits": valid_bits, "extensible": sub is not None}


def _check_wav_fmt(p: Path, fmt: dict) -> None:
    tag, ch, bits, block = fmt["tag"], fmt["channels"], fmt["bits"], fmt["block_align"]
    if tag not in _WAV_TAGS:
        raise AudioError(
            f"{p}: WAV format tag 0x{tag:04X} is not supported (callcheck reads PCM, float, G.711 "
            f"mu-law/A-law, ADPCM, GSM 6.10 and MPEG in WAV)"
        )
    if ch <= 0:
        raise AudioError(f"{p}: the header states {ch} channels; the file is damaged")
    if ch > MAX_CHANNELS:
        raise AudioError(
            f"{p}: has {ch} channels; callcheck reads mono (both parties mixed) or stereo "
            f"(one party per channel) recordings"
        )
    _check_rate(p, fmt["rate"])
    if tag == 1 and not 8 <= bits <= 32:
        raise AudioError(f"{p}: {bits}-bit PCM is not supported (8 to 32 bits per sample); the header is damaged or the format unusual")
    if tag == 3 and bits not in (32, 64):
        raise AudioError(f"{p}: float WAV with {bits} bits per sample (must be 32 or 64); the header is damaged")
    if tag in (6, 7) and bits != 8:
        raise AudioError(f"{p}: G.711 WAV with {bits} bits per sample (must be 8); the header is damaged")
    if tag in (1, 3, 6, 7) and block:
        want = ch * ((bits + 7) // 8)
        if block != want:
            raise AudioError(
                f"{p}: inconsistent WAV header: block size {block} bytes, but {ch} channel(s) of {bits}-bit "
                f"samples take {want}; the header is damaged"
            )


def _check_unannounced(p: Path, fh, end: int, size: int, stated: int, fmt: dict) -> None:
    """Refuse a WAV whose data chunk is followed by much more audio-like data than it announces.

    After the data chunk come other chunks (LIST, id3, ...) or nothing. Bytes that do not parse as
    chunks and amount to >= 0.25 s and >= 10 % of the announced data mean the header's data size is
    wrong (a recorder that never finalised the header writes 0): the call would be cut silently.
    """
    pos = end
    while pos + 8 <= size:
        fh.seek(pos)
        hdr = fh.read(8)
        if not _is_chunk_id(hdr[:4]):
            break
        clen = struct.unpack("<I", hdr[4:])[0]
        pos += 8 + clen + (clen & 1)
    if pos >= size:
        return
    extra = size - pos
    rate_bytes = fmt["rate"] * max(fmt["block_align"], 1)
    if rate_bytes and extra >= 0.25 * rate_bytes and extra >= 0.1 * stated:
        frames = fmt["block_align"] and stated // fmt["block_align"]
        announced = f"{frames / fmt['rate']:.1f} s" if fmt["block_align"] and fmt["rate"] else f"{stated} bytes"
        raise AudioError(
            f"{p}: the WAV header announces {announced} of audio, but {extra / rate_bytes:.1f} s more follow "
            f"the data chunk; the header was not finalised or is damaged (repair it, e.g. with "
            f"`sox --ignore-length in.wav out.wav`)"
        )


# ------------------------------------------------------------------------------------------ Ogg


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        c = i << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) if c & 0x80000000 else (c << 1)
        table.append(c & 0xFFFFFFFF)
    return table


_OGG_CRC = _crc_table()


def _ogg_page_ok(data: bytes, k: int) -> int:
    """Length of the complete, CRC-valid Ogg page at ``data[k:]``; 0 when it is not one."""
    if k + 27 > len(data) or data[k + 4] != 0:
        return 0
    nseg = data[k + 26]
    if k + 27 + nseg > len(data):
        return 0
    length = 27 + nseg + sum(data[k + 27 : k + 27 + nseg])
    if k + length > len(data):
        return 0
    crc = 0
    page = bytearray(data[k : k + length])
    want = struct.unpack_from("<I", page, 22)[0]
    page[22:26] = b"\0\0\0\0"
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_CRC[((crc >> 24) ^ byte) & 0xFF]
    return length if crc == want else 0


def _check_ogg_end(p: Path, size: int, audio: CallAudio) -> None:
    """A complete Ogg stream ends with an intact page flagged end-of-stream, whose granule position
    states the stream's length; a truncated or damaged one ends otherwise or decodes shorter."""
    with p.open("rb") as fh:
        first = fh.read(512)
        tail = min(size, 1 << 17)
        fh.seek(size - tail)
        data = fh.read(tail)
    k = data.rfind(b"OggS")
    while k >= 0 and not _ogg_page_ok(data, k):
        k = data.rfind(b"OggS", 0, k)
    if k < 0:
        return  # no intact page in the last 128 kB: the decoders' checks stand
    if not data[k + 5] & 0x04:
        raise AudioError(
            f"{p}: truncated Ogg file: the stream has no end (decoded {audio.duration_s:.1f} s); "
            f"the recording was cut off or the file is damaged"
        )
    granule = struct.unpack_from("<q", data, k + 6)[0]
    if granule <= 0:
        return
    if b"OpusHead" in first:
        h = first.index(b"OpusHead")
        pre_skip = struct.unpack_from("<H", first, h + 10)[0] if h + 12 <= len(first) else 0
        stated_s = (granule - pre_skip) / 48000.0
    elif b"\x01vorbis" in first or b"\x7fFLAC" in first:
        stated_s = granule / float(audio.sample_rate)
    else:
        return
    missing_s = stated_s - audio.duration_s
    tolerance = max(SHORT_DECODE_FLOOR_S, min(SHORT_DECODE_CAP_S, SHORT_DECODE_SHARE * stated_s))
    if missing_s > tolerance:
        raise AudioError(
            f"{p}: decoded {audio.duration_s:.1f} s of the {stated_s:.1f} s the file header states "
            f"({100.0 * audio.duration_s / stated_s:.0f} %); the file is truncated or damaged"
        )


# ------------------------------------------------------------------------------------ AIFF / AU


def _check_aiff_au(p: Path, size: int, head: bytes) -> None:
    """Refuse an AIFF or AU file whose header announces more sample frames than the file holds."""
    with p.open("rb") as fh:
        if head[:4] == b".snd":
            hdr = fh.read(24)
            if len(hdr) < 24:
                raise AudioError(f"{p}: truncated AU file (header of {len(hdr)} bytes)")
            offset, nbytes, encoding, rate, channels = struct.unpack(">IIIII", hdr[4:24])
            _check_rate(p, rate)
            if channels == 0:
                raise AudioError(f"{p}: the header states 0 channels; the file is damaged")
            width = {1: 1, 2: 1, 3: 2, 4: 3, 5: 4, 6: 4, 7: 8, 27: 1}.get(encoding)
            available = size - offset
            if nbytes != 0xFFFFFFFF and available < nbytes:
                frame = (width or 1) * channels
                raise AudioError(
                    f"{p}: truncated AU file: the header announces {nbytes // frame} frames but only "
                    f"{max(available, 0) // frame} are present ({100.0 * max(available, 0) / nbytes:.0f} %)"
                )
            return
        if head[:4] != b"FORM" or head[8:12] not in (b"AIFF", b"AIFC"):
            return
        pos = 12
        frames = width = channels = None
        compression = b"NONE"
        while pos + 8 <= size:
            fh.seek(pos)
            cid, clen = struct.unpack(">4sI", fh.read(8))
            if cid == b"COMM":
                body = fh.read(min(clen, 22))
                if len(body) < 18:
                    raise AudioError(f"{p}: truncated AIFF file (the COMM chunk is cut short)")
                channels, frames, bits = struct.unpack(">HIH", body[:8])
                width = (bits + 7) // 8
                if head[8:12] == b"AIFC" and len(body) >= 22:
                    compression = body[18:22]
            elif cid == b"SSND" and frames is not None and channels and width:
                if compression not in (b"NONE", b"sowt", b"twos", b"raw ", b"in24", b"in32", b"fl32", b"fl64"):
                    return
                available = min(clen, size - pos - 8) - 8
                want = frames * channels * width
                if available < want:
                    frame = channels * width
                    raise AudioError(
                        f"{p}: truncated AIFF file: the header announces {frames} frames but only "
                        f"{max(available, 0) // frame} are present ({100.0 * max(available, 0) / want:.0f} %)"
                    )
                return
            pos += 8 + clen + (clen & 1)


# ------------------------------------------------------------------------------------- validate


def _validate(p: Path, audio: CallAudio, limits: _Limits) -> None:
    _check_rate(p, audio.sample_rate)
    if audio.samples.shape[1] == 0:
        raise AudioError(f"{p}: contains no audio samples")
    if audio.channels > MAX_CHANNELS:
        raise AudioError(
            f"{p}: has {audio.channels} channels; callcheck reads mono (both parties mixed) or stereo "
            f"(one party per channel) recordings"
        )
    if audio.duration_s < limits.min_duration_s:
        raise AudioError(
            f"{p}: only {audio.duration_s:.2f} s of audio ({audio.samples.shape[1]} samples); "
            f"callcheck needs at least {limits.min_duration_s:g} s"
        )
    if audio.duration_s > limits.max_duration_s:
        raise AudioError(f"{p}: {_hms(audio.duration_s)} of audio, more than the {_hms(limits.max_duration_s)} limit; split the recording")


def probe_duration_s(path: str | Path) -> float | None:
    """The duration without decoding (for progress ETA); None when it cannot be told cheaply.

    Only regular files are opened (a FIFO or a device would block or never end).
    """
    try:
        check_regular_file(path)
    except AudioError:
        return None
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
