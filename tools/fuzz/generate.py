"""Build the fuzz corpus: broken and odd inputs derived from one sample call, each with the outcome
callcheck must give it.

Usage::

    python tools/fuzz/generate.py OUT [--sample samples/sonja/de01_good_practice.wav] [--seconds 6]
                                      [--classes truncated,names,...] [--big]

Writes ``OUT/<class>/<entry>`` and ``OUT/manifest.json``. Deterministic: the same sample, seconds and
library versions (libsndfile, FFmpeg, LAME, Opus) give the same bytes; random choices use a seed
derived from the entry's name. Entries that the filesystem cannot hold here (a FIFO on a
filesystem without them, a name the filesystem refuses) or that no installed encoder can write are
left out and listed under ``skipped`` in the manifest.

Every entry has an expected outcome (``expect``):

* ``analysed`` - a good recording: it must be analysed, with the duration in ``duration_s``;
* ``refused`` - callcheck must refuse it with one line naming the file and the reason, and list it
  in ``failures.csv``;
* ``either`` - both are acceptable (a byte flip in audio data may just add a click), but never a
  traceback, a hang, an internal error, a silent skip, or an analysis of only part of the audio
  without saying so (``duration_s`` is then the length of the intact recording, when known).

Classes (``CLASSES``): zero-length files, truncation at many offsets, byte flips in header and
data, lying WAV headers (sizes, channels, rates, bits, format tags, EXTENSIBLE, RF64), NaN/Inf and
huge floats, tiny files, silence/noise/DC, every encoding, channel counts and sample rates,
non-audio renamed, odd names (long, unicode, control characters, leading dash, spreadsheet
formulas), filesystem oddities (FIFO, links to devices, symlink loops, dangling links, folders named
like audio). ``--big`` adds the memory class (a 1-hour stereo call, 2 hours of silence, 20 minutes
of 6-channel 48 kHz audio; about 1.2 GB on disk), which only the benchmark runs.

The runner (``tools/fuzz/run.py``) analyses the corpus with ``python -m callcheck analyze`` and
prints the outcome table; ``tests/test_fuzz.py`` runs a subset through the decoder and pipeline.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import struct
import sys
import unicodedata
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SAMPLE = REPO / "samples" / "sonja" / "de01_good_practice.wav"

CLASSES = (
    "empty", "truncated", "byteflip", "header", "floats", "tiny", "signals", "encodings",
    "layout", "nonaudio", "names", "filesystem",
)
BIG_CLASS = "memory"

PCM_GUID = bytes.fromhex("0100000000001000800000aa00389b71")
FLOAT_GUID = bytes.fromhex("0300000000001000800000aa00389b71")


@dataclass(frozen=True)
class Entry:
    """One corpus entry (``name`` is relative to the corpus folder, ``/``-separated)."""

    name: str
    cls: str
    expect: str  # "analysed" | "refused" | "either"
    what: str
    duration_s: float | None = None  # the intact recording's length (analysed/either entries)
    kind: str = "file"  # file | fifo | symlink | dir | device
    direct: bool = False  # also given to `analyze` directly as an argument (not only via its folder)
    reason: str = ""  # a word the refusal should contain (informative; the runner reports mismatches)
    limit: str = ""  # why callcheck cannot tell this damage (the runner counts it as a known limit)


@dataclass
class Corpus:
    root: Path
    sample: str
    seconds: float
    rate: int
    entries: list[Entry] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def write_manifest(self) -> Path:
        data = {
            "sample": self.sample,
            "seconds": self.seconds,
            "sample_rate": self.rate,
            "entries": [asdict(e) for e in self.entries],
            "skipped": self.skipped,
        }
        path = self.root / "manifest.json"
        path.write_text(json.dumps(data, indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
        return path


# ------------------------------------------------------------------------------------- helpers


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode("utf-8", "surrogateescape")))


def _pcm16(x: np.ndarray) -> bytes:
    """(channels, n) float -> interleaved little-endian int16 bytes."""
    return (np.clip(x, -1.0, 1.0) * 32767.0).round().astype("<i2").T.tobytes()


def riff(chunks: Iterable[tuple[bytes, bytes]], *, riff_id: bytes = b"RIFF", riff_size: int | None = None,
         form: bytes = b"WAVE", sizes: dict[bytes, int] | None = None) -> bytes:
    """A RIFF file from ``(id, payload)`` chunks; ``sizes`` overrides a chunk's stated size (a lie)."""
    body = bytearray(form)
    sizes = sizes or {}
    for cid, payload in chunks:
        body += cid + struct.pack("<I", sizes.get(cid, len(payload)) & 0xFFFFFFFF) + payload
        if len(payload) & 1:
            body += b"\0"
    size = len(body) if riff_size is None else riff_size
    return riff_id + struct.pack("<I", size & 0xFFFFFFFF) + bytes(body)


def fmt_chunk(tag: int = 1, channels: int = 2, rate: int = 16000, bits: int = 16, *,
              block_align: int | None = None, byte_rate: int | None = None, extra: bytes = b"") -> bytes:
    ba = channels * max(bits, 8) // 8 if block_align is None else block_align
    br = rate * ba if byte_rate is None else byte_rate
    return struct.pack("<HHIIHH", tag & 0xFFFF, channels & 0xFFFF, rate & 0xFFFFFFFF, br & 0xFFFFFFFF,
                       ba & 0xFFFF, bits & 0xFFFF) + extra


def extensible(channels: int = 2, rate: int = 16000, bits: int = 16, *, valid_bits: int | None = None,
               mask: int = 3, guid: bytes = PCM_GUID) -> bytes:
    ext = struct.pack("<HHI", 22, bits if valid_bits is None else valid_bits, mask) + guid
    return fmt_chunk(0xFFFE, channels, rate, bits, extra=ext)


# ---------------------------------------------------------------------------------------- build


class Builder:
    def __init__(self, root: Path, sample: Path, seconds: float) -> None:
        import soundfile as sf

        self.root = root
        data, rate = sf.read(str(sample), dtype="float32", always_2d=True)
        n = min(data.shape[0], int(round(seconds * rate)))
        self.x = np.ascontiguousarray(data[:n].T)  # (channels, n) float32
        self.full = np.ascontiguousarray(data.T)
        self.rate = int(rate)
        self.corpus = Corpus(root, str(sample), round(n / rate, 6), self.rate)
        self.dur = n / rate
        self._cache: dict[str, bytes] = {}

    # -- bookkeeping
    def path(self, cls: str, name: str) -> Path:
        p = self.root / cls / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def add(self, cls: str, name: str, expect: str, what: str, *, data: bytes | None = None,
            writer: Callable[[Path], None] | None = None, duration_s: float | None = None, **kw) -> None:
        p = self.path(cls, name)
        try:
            if data is not None:
                p.write_bytes(data)
            elif writer is not None:
                writer(p)
        except Exception as exc:  # an encoder missing here, a name the filesystem refuses
            self.corpus.skipped.append({"name": f"{cls}/{name}", "why": f"{type(exc).__name__}: {exc}"[:200]})
            try:
                if p.is_symlink() or p.is_file():
                    p.unlink()
            except OSError:
                pass
            return
        self.corpus.entries.append(Entry(f"{cls}/{name}", cls, expect, what, duration_s=duration_s, **kw))

    # -- encodings of the sample (cached bytes)
    def encoded(self, key: str) -> bytes:
        if key not in self._cache:
            self._cache[key] = self._encode(key, self.x, self.rate)
        return self._cache[key]

    @staticmethod
    def _encode(key: str, x: np.ndarray, rate: int) -> bytes:

        sf_kinds = {
            "wav": ("WAV", "PCM_16"), "flac": ("FLAC", "PCM_16"), "ogg": ("OGG", "VORBIS"),
            "opus": ("OGG", "OPUS"), "mp3": ("MP3", "MPEG_LAYER_III"),
        }
        if key in sf_kinds:
            fmt, sub = sf_kinds[key]
            y, r = x, rate
            if key == "opus" and rate not in (8000, 12000, 16000, 24000, 48000):
                raise ValueError("opus needs 8/12/16/24/48 kHz")
            return _wav_bytes(y, r, sub, fmt=fmt)
        if key == "m4a":
            return av_encode(x, rate, "mp4", "aac")
        raise KeyError(key)


def av_encode(x: np.ndarray, rate: int, container: str, codec: str, *, sample_fmt: str | None = None,
              options: dict | None = None) -> bytes:
    """Encode (channels, n) float32 with FFmpeg (PyAV) into ``container`` bytes."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:  # a real file: some muxers seek back (faststart)
        path = os.path.join(tmp, "out")
        _av_encode_to(path, x, rate, container, codec, sample_fmt=sample_fmt, options=options)
        with open(path, "rb") as fh:
            return fh.read()


def _av_encode_to(path: str, x: np.ndarray, rate: int, container: str, codec: str, *, sample_fmt: str | None,
                  options: dict | None) -> None:
    import av

    layout = {1: "mono", 2: "stereo"}[x.shape[0]]
    with av.open(path, "w", format=container, container_options={"fflags": "+bitexact", **(options or {})}) as c:
        s = c.add_stream(codec, rate=rate, options={"flags": "+bitexact"})
        s.layout = layout
        if codec == "wmav2":
            s.codec_context.bit_rate = 64000
        fmt = sample_fmt or s.codec_context.codec.audio_formats[0].name
        if fmt.startswith("s16"):
            arr = (np.clip(x, -1, 1) * 32767).astype(np.int16)
        elif fmt.startswith("s32"):
            arr = (np.clip(x, -1, 1) * 2147483000).astype(np.int32)
        else:
            arr = x.astype(np.float32)
        if not fmt.endswith("p"):
            arr = arr.T.reshape(1, -1)
        step = 4096
        for i in range(0, x.shape[1], step):
            frame = av.AudioFrame.from_ndarray(_slice(arr, fmt, x.shape[0], i, step), format=fmt, layout=layout)
            frame.sample_rate = rate
            frame.pts = i
            for pkt in s.encode(frame):
                c.mux(pkt)
        for pkt in s.encode(None):
            c.mux(pkt)


def _slice(arr: np.ndarray, fmt: str, channels: int, i: int, step: int) -> np.ndarray:
    if fmt.endswith("p"):
        return np.ascontiguousarray(arr[:, i : i + step])
    return np.ascontiguousarray(arr[:, i * channels : (i + step) * channels])


def _wav_bytes(x: np.ndarray, rate: int, subtype: str = "PCM_16", fmt: str = "WAV", endian: str = "FILE") -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, x.T, rate, format=fmt, subtype=subtype, endian=endian)
    data = buf.getvalue()
    if fmt in ("WAV", "WAVEX") and endian == "FILE":
        data = _drop_riff_chunk(data, b"PEAK")  # libsndfile stamps the time into float files' PEAK chunk
    if fmt == "OGG":
        data = ogg_fixed_serial(data)
    return data


def _drop_riff_chunk(data: bytes, cid: bytes) -> bytes:
    if data[:4] != b"RIFF":
        return data
    out = bytearray(data[:12])
    pos = 12
    while pos + 8 <= len(data):
        size = struct.unpack_from("<I", data, pos + 4)[0]
        end = min(len(data), pos + 8 + size + (size & 1))
        if data[pos : pos + 4] != cid:
            out += data[pos:end]
        pos = end
    struct.pack_into("<I", out, 4, len(out) - 8)
    return bytes(out)


def _ogg_crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else (crc << 1)
            crc &= 0xFFFFFFFF
    return crc


def ogg_fixed_serial(data: bytes, serial: int = 0x0CA11C4E) -> bytes:
    """The same Ogg stream with a fixed serial number (libogg picks a random one), CRCs redone."""
    out = bytearray(data)
    pos = 0
    while pos + 27 <= len(out) and out[pos : pos + 4] == b"OggS":
        nseg = out[pos + 26]
        size = 27 + nseg + sum(out[pos + 27 : pos + 27 + nseg])
        struct.pack_into("<I", out, pos + 14, serial)
        struct.pack_into("<I", out, pos + 22, 0)
        struct.pack_into("<I", out, pos + 22, _ogg_crc(bytes(out[pos : pos + size])))
        pos += size
    return bytes(out)


def _resample(x: np.ndarray, rate: int, new: int) -> np.ndarray:
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(rate, new)
    return resample_poly(x, new // g, rate // g, axis=1).astype(np.float32)


# --------------------------------------------------------------------------------------- classes


def build_empty(b: Builder) -> None:
    for ext in ("wav", "mp3", "flac", "ogg", "opus", "m4a"):
        b.add("empty", f"empty.{ext}", "refused", "zero-length file", data=b"", reason="empty", direct=ext == "wav")


def build_truncated(b: Builder) -> None:
    wav = b.encoded("wav")
    n = len(wav)
    for off in (1, 4, 8, 11, 12, 16, 20, 24, 36, 40, 43, 44, 45, 46, 47, 1000):
        b.add("truncated", f"wav_at_{off:05d}.wav", "refused", f"PCM WAV cut after {off} bytes (of {n})",
              data=wav[:off], reason="truncated")
    for pct in (10, 30, 50, 90, 99):
        off = 44 + (n - 44) * pct // 100
        b.add("truncated", f"wav_{pct:02d}pct.wav", "refused", f"PCM WAV cut at {pct} % of its data",
              data=wav[:off], reason="truncated")
    b.add("truncated", "wav_minus1.wav", "refused", "PCM WAV one byte short", data=wav[:-1], reason="truncated")
    for ext in ("flac", "mp3", "ogg", "opus", "m4a"):
        try:
            data = b.encoded(ext)
        except Exception as exc:
            b.corpus.skipped.append({"name": f"truncated/{ext}", "why": str(exc)[:200]})
            continue
        for pct in (10, 30, 50, 70, 90, 99):
            b.add("truncated", f"{ext}_{pct:02d}pct.{ext}", "refused" if pct <= 90 else "either",
                  f"{ext.upper()} cut at {pct} % of its bytes", data=data[: len(data) * pct // 100],
                  duration_s=b.dur)
        b.add("truncated", f"{ext}_at_00100.{ext}", "refused", f"{ext.upper()} cut after 100 bytes",
              data=data[:100])
    try:
        fast = av_encode(b.x, b.rate, "mp4", "aac", options={"movflags": "+faststart"})
        b.add("truncated", "m4a_faststart_50pct.m4a", "refused", "M4A with the index first (faststart), cut at 50 %",
              data=fast[: len(fast) // 2], duration_s=b.dur)
        noxing = av_encode(b.x, b.rate, "mp3", "libmp3lame", options={"write_xing": "0"})
        b.add("truncated", "mp3_noxing_50pct.mp3", "either", "CBR MP3 without a Xing/Info header, cut at 50 %",
              data=noxing[: len(noxing) // 2], duration_s=b.dur,
              limit="a CBR MP3 without a Xing/Info header states no length: a cut one is a shorter recording")
    except Exception as exc:
        b.corpus.skipped.append({"name": "truncated/faststart+noxing", "why": str(exc)[:200]})


def _flip(data: bytes, rng: np.random.Generator, lo: int, hi: int, count: int) -> bytes:
    arr = bytearray(data)
    hi = min(hi, len(arr))
    for off in rng.integers(lo, hi, size=count):
        arr[int(off)] ^= int(rng.integers(1, 256))
    return bytes(arr)


def build_byteflip(b: Builder) -> None:
    for ext in ("wav", "flac", "mp3", "ogg", "opus", "m4a"):
        try:
            data = b.encoded(ext)
        except Exception as exc:
            b.corpus.skipped.append({"name": f"byteflip/{ext}", "why": str(exc)[:200]})
            continue
        n = len(data)
        for k in range(3):
            name = f"{ext}_head{k}.{ext}"
            b.add("byteflip", name, "either", f"{ext.upper()}: {2 + 2 * k} random bytes flipped in the first 64",
                  data=_flip(data, _rng(name), 0, 64, 2 + 2 * k), duration_s=b.dur)
        for k in range(2):
            name = f"{ext}_data{k}.{ext}"
            b.add("byteflip", name, "either", f"{ext.upper()}: {8 * (k + 1)} random bytes flipped after the header",
                  data=_flip(data, _rng(name), n // 4, n, 8 * (k + 1)), duration_s=b.dur)
        arr = bytearray(data)
        mid = n // 2
        arr[mid : mid + 4096] = bytes(min(4096, n - mid))
        b.add("byteflip", f"{ext}_zeroblock.{ext}", "either", f"{ext.upper()}: 4 KiB of zeros in the middle",
              data=bytes(arr), duration_s=b.dur)


def build_header(b: Builder) -> None:
    x, r = b.x, b.rate
    pcm = _pcm16(x)
    nfr = x.shape[1]
    A, R, E = "analysed", "refused", "either"
    cases: list[tuple[str, str, str, bytes, str]] = [
        ("riff_size_0", E, "RIFF size 0", riff([(b"fmt ", fmt_chunk()), (b"data", pcm)], riff_size=0), ""),
        ("riff_size_huge", E, "RIFF size 0xFFFFFFFF", riff([(b"fmt ", fmt_chunk()), (b"data", pcm)], riff_size=0xFFFFFFFF), ""),
        ("riff_size_small", E, "RIFF size 36", riff([(b"fmt ", fmt_chunk()), (b"data", pcm)], riff_size=36), ""),
        ("data_size_0", E, "data chunk size 0 followed by samples", riff([(b"fmt ", fmt_chunk()), (b"data", pcm)], sizes={b"data": 0}), ""),
        ("data_size_ffffffff", E, "data size 0xFFFFFFFF (streaming header)", riff([(b"fmt ", fmt_chunk()), (b"data", pcm)], sizes={b"data": 0xFFFFFFFF}), ""),
        ("data_size_plus", R, "data size 64000 bytes larger than the file", riff([(b"fmt ", fmt_chunk()), (b"data", pcm)], sizes={b"data": len(pcm) + 64000}), "truncated"),
        ("data_size_odd", E, "data size not a multiple of the frame size", riff([(b"fmt ", fmt_chunk()), (b"data", pcm + b"\1")], sizes={b"data": len(pcm) + 1}), ""),
        ("data_size_half", E, "data size half of the samples present", riff([(b"fmt ", fmt_chunk()), (b"data", pcm)], sizes={b"data": len(pcm) // 2}), ""),
        ("channels_0", R, "0 channels", riff([(b"fmt ", fmt_chunk(channels=0, block_align=4)), (b"data", pcm)]), "channel"),
        ("channels_3", R, "3 channels stated over stereo data", riff([(b"fmt ", fmt_chunk(channels=3)), (b"data", pcm)]), "channel"),
        ("channels_6", R, "6 channels stated", riff([(b"fmt ", fmt_chunk(channels=6)), (b"data", pcm)]), "channel"),
        ("channels_255", R, "255 channels stated", riff([(b"fmt ", fmt_chunk(channels=255)), (b"data", pcm)]), "channel"),
        ("channels_65535", R, "65535 channels stated", riff([(b"fmt ", fmt_chunk(channels=65535, block_align=4)), (b"data", pcm)]), "channel"),
        ("rate_0", R, "sample rate 0", riff([(b"fmt ", fmt_chunk(rate=0)), (b"data", pcm)]), "rate"),
        ("rate_1", R, "sample rate 1 Hz", riff([(b"fmt ", fmt_chunk(rate=1)), (b"data", pcm)]), "rate"),
        ("rate_4000", R, "sample rate 4000 Hz", riff([(b"fmt ", fmt_chunk(rate=4000)), (b"data", pcm)]), "rate"),
        ("rate_7999", R, "sample rate 7999 Hz", riff([(b"fmt ", fmt_chunk(rate=7999)), (b"data", pcm)]), "rate"),
        ("rate_384000", R, "sample rate 384 kHz", riff([(b"fmt ", fmt_chunk(rate=384000)), (b"data", pcm)]), "rate"),
        ("rate_1e9", R, "sample rate 10^9 Hz", riff([(b"fmt ", fmt_chunk(rate=10**9)), (b"data", pcm)]), "rate"),
        ("rate_ffffffff", R, "sample rate 0xFFFFFFFF", riff([(b"fmt ", fmt_chunk(rate=0xFFFFFFFF)), (b"data", pcm)]), "rate"),
        ("byte_rate_0", E, "byte rate 0 (a redundant field)", riff([(b"fmt ", fmt_chunk(byte_rate=0)), (b"data", pcm)]), ""),
        ("block_align_0", E, "block align 0", riff([(b"fmt ", fmt_chunk(block_align=0)), (b"data", pcm)]), ""),
        ("block_align_3", E, "block align 3 for 16-bit stereo", riff([(b"fmt ", fmt_chunk(block_align=3)), (b"data", pcm)]), ""),
        ("bits_0", R, "0-bit PCM", riff([(b"fmt ", fmt_chunk(bits=0, block_align=4)), (b"data", pcm)]), "bit"),
        ("bits_1", R, "1-bit PCM", riff([(b"fmt ", fmt_chunk(bits=1, block_align=4)), (b"data", pcm)]), "bit"),
        ("bits_7", R, "7-bit PCM", riff([(b"fmt ", fmt_chunk(bits=7, block_align=4)), (b"data", pcm)]), "bit"),
        ("bits_12", E, "12-bit PCM in 16-bit containers", riff([(b"fmt ", fmt_chunk(bits=12, block_align=4)), (b"data", pcm)]), ""),
        ("bits_64", R, "64-bit integer PCM", riff([(b"fmt ", fmt_chunk(bits=64)), (b"data", pcm)]), "bit"),
        ("bits_8_over_16", E, "8-bit stated over 16-bit data", riff([(b"fmt ", fmt_chunk(bits=8)), (b"data", pcm)]), ""),
        ("tag_0000", R, "format tag 0 (unknown)", riff([(b"fmt ", fmt_chunk(tag=0)), (b"data", pcm)]), "format"),
        ("tag_1234", R, "format tag 0x1234 (unknown)", riff([(b"fmt ", fmt_chunk(tag=0x1234)), (b"data", pcm)]), "format"),
        ("tag_ffff", R, "format tag 0xFFFF", riff([(b"fmt ", fmt_chunk(tag=0xFFFF)), (b"data", pcm)]), "format"),
        ("tag_msadpcm_pcmdata", E, "MS ADPCM tag over PCM data", riff([(b"fmt ", fmt_chunk(tag=2, bits=4, block_align=1024)), (b"data", pcm)]), ""),
        ("tag_mp3_pcmdata", R, "MPEG-3 tag over PCM data", riff([(b"fmt ", fmt_chunk(tag=0x55)), (b"data", pcm)]), ""),
        ("tag_float_16bit", R, "float tag with 16 bits per sample", riff([(b"fmt ", fmt_chunk(tag=3)), (b"data", pcm)]), ""),
        ("ext_pcm_ok", A, "WAVE_FORMAT_EXTENSIBLE, PCM sub-format", riff([(b"fmt ", extensible()), (b"data", pcm)]), ""),
        ("ext_bad_guid", R, "EXTENSIBLE with an unknown sub-format GUID", riff([(b"fmt ", extensible(guid=bytes(range(16)))), (b"data", pcm)]), "format"),
        ("ext_zero_guid", R, "EXTENSIBLE with an all-zero GUID", riff([(b"fmt ", extensible(guid=bytes(16))), (b"data", pcm)]), "format"),
        ("ext_float_guid_16bit", R, "EXTENSIBLE float GUID with 16-bit samples", riff([(b"fmt ", extensible(guid=FLOAT_GUID)), (b"data", pcm)]), ""),
        ("ext_valid_bits_0", E, "EXTENSIBLE valid bits 0", riff([(b"fmt ", extensible(valid_bits=0)), (b"data", pcm)]), ""),
        ("ext_valid_bits_32", E, "EXTENSIBLE valid bits 32 > container 16", riff([(b"fmt ", extensible(valid_bits=32)), (b"data", pcm)]), ""),
        ("ext_mask_odd", E, "EXTENSIBLE channel mask for 3 speakers on 2 channels", riff([(b"fmt ", extensible(mask=7)), (b"data", pcm)]), ""),
        ("ext_short", R, "EXTENSIBLE tag but an 18-byte fmt chunk", riff([(b"fmt ", fmt_chunk(tag=0xFFFE, extra=b"\0\0"))] + [(b"data", pcm)]), "format"),
        ("fmt_size_0", R, "fmt chunk of 0 bytes", riff([(b"fmt ", b""), (b"data", pcm)]), ""),
        ("fmt_size_14", E, "fmt chunk of 14 bytes (no bits per sample)", riff([(b"fmt ", fmt_chunk()[:14]), (b"data", pcm)]), ""),
        ("fmt_size_huge", R, "fmt chunk size 0xFFFFFFF0", riff([(b"fmt ", fmt_chunk()), (b"data", pcm)], sizes={b"fmt ": 0xFFFFFFF0}), ""),
        ("no_fmt", R, "no fmt chunk", riff([(b"data", pcm)]), ""),
        ("no_data", R, "no data chunk", riff([(b"fmt ", fmt_chunk())]), ""),
        ("data_before_fmt", E, "data chunk before the fmt chunk", riff([(b"data", pcm), (b"fmt ", fmt_chunk())]), ""),
        ("two_fmt", E, "two fmt chunks (the second says 8 kHz)", riff([(b"fmt ", fmt_chunk()), (b"fmt ", fmt_chunk(rate=8000)), (b"data", pcm)]), ""),
        ("list_huge", R, "a LIST chunk before data claiming 0xFFFFFFF0 bytes", riff([(b"fmt ", fmt_chunk()), (b"LIST", b"INFOISFT\x04\0\0\0abc\0"), (b"data", pcm)], sizes={b"LIST": 0xFFFFFFF0}), ""),
        ("junk_odd", A, "an odd-sized JUNK chunk (padded) before data", riff([(b"fmt ", fmt_chunk()), (b"JUNK", b"abc"), (b"data", pcm)]), ""),
        ("only_riff_header", R, "RIFF/WAVE header and nothing else", riff([]), ""),
        ("riff_avi", R, "a RIFF AVI header", riff([(b"LIST", b"hdrl")], form=b"AVI "), ""),
        ("rifx_as_riff", E, "RIFX id over little-endian data", riff([(b"fmt ", fmt_chunk()), (b"data", pcm)], riff_id=b"RIFX"), ""),
    ]
    # RF64: a correct one (libsndfile), one whose ds64 sizes lie, one with the ds64 chunk missing
    try:
        rf64 = _wav_bytes(x, r, "PCM_16", fmt="RF64")
        cases.append(("rf64_ok", A, "RF64 written by libsndfile", rf64, ""))
        pos = rf64.find(b"ds64")
        if pos > 0:
            lie = bytearray(rf64)
            struct.pack_into("<Q", lie, pos + 16, len(pcm) + 128000)  # data size 64-bit
            cases.append(("rf64_ds64_data_plus", R, "RF64 whose ds64 data size exceeds the file", bytes(lie), "truncated"))
            lie2 = bytearray(rf64)
            struct.pack_into("<Q", lie2, pos + 24, 10**12)  # sample count
            cases.append(("rf64_ds64_frames_huge", E, "RF64 whose ds64 sample count is 10^12", bytes(lie2), ""))
        cases.append(("rf64_no_ds64", R, "RF64 id without a ds64 chunk", riff([(b"fmt ", fmt_chunk()), (b"data", pcm)], riff_id=b"RF64", riff_size=0xFFFFFFFF, sizes={b"data": 0xFFFFFFFF}), ""))
    except Exception as exc:
        b.corpus.skipped.append({"name": "header/rf64", "why": str(exc)[:200]})
    for name, expect, what, data, reason in cases:
        b.add("header", f"{name}.wav", expect, what, data=data,
              duration_s=b.dur if expect == A or name in ("riff_size_0", "riff_size_huge", "riff_size_small", "data_size_ffffffff", "byte_rate_0") else None,
              reason=reason)
    # AIFF and AU with lying sizes
    aiff = _wav_bytes(x, r, "PCM_16", fmt="AIFF")
    pos = aiff.find(b"COMM")
    if pos > 0:
        lie = bytearray(aiff)
        struct.pack_into(">I", lie, pos + 10, nfr * 3)  # numSampleFrames
        b.add("header", "aiff_frames_3x.aiff", "refused", "AIFF whose COMM frame count is 3x the data", data=bytes(lie), reason="truncated")
    au = _wav_bytes(x, r, "PCM_16", fmt="AU")
    lie = bytearray(au)
    struct.pack_into(">I", lie, 8, len(pcm) * 4)  # data size
    b.add("header", "au_size_4x.au", "refused", "AU whose data size is 4x the data", data=bytes(lie), reason="truncated")
    lie = bytearray(au)
    struct.pack_into(">I", lie, 16, 0)  # rate 0
    b.add("header", "au_rate_0.au", "refused", "AU with sample rate 0", data=bytes(lie), reason="rate")


def build_floats(b: Builder) -> None:
    x = b.x.astype(np.float32)
    n = x.shape[1]

    def with_values(value: float, count: int = 1) -> np.ndarray:
        y = x.copy()
        y[0, n // 2 : n // 2 + count] = value
        return y

    A, R = "analysed", "refused"
    cases = [
        ("nan", R, "one NaN sample", with_values(np.nan), "FLOAT", "NaN"),
        ("pinf", R, "one +Inf sample", with_values(np.inf), "FLOAT", "infinite"),
        ("ninf", R, "one -Inf sample", with_values(-np.inf), "FLOAT", "infinite"),
        ("huge_1e30", R, "samples at 10^30 (far above full scale)", x * np.float32(1e30), "FLOAT", "full scale"),
        ("huge_1e4", R, "samples scaled to 10^4 x full scale (integers stored as float)", x * np.float32(32767.0), "FLOAT", "full scale"),
        ("over_2x", A, "peaks twice full scale (float headroom)", x * np.float32(2.0 / max(float(np.abs(x).max()), 1e-9)), "FLOAT", ""),
        ("denormal", A, "speech plus denormal values", x + np.float32(1e-41), "FLOAT", ""),
        ("all_neg_zero", A, "all samples -0.0", np.full_like(x, -0.0), "FLOAT", ""),
        ("double_1e300", R, "64-bit float samples at 10^300", x.astype(np.float64) * 1e300, "DOUBLE", "full scale"),
        ("double_nan", R, "64-bit float with NaN", with_values(np.nan).astype(np.float64), "DOUBLE", "NaN"),
    ]
    for name, expect, what, y, sub, reason in cases:
        b.add("floats", f"{name}.wav", expect, what, data=_wav_bytes(np.asarray(y), b.rate, sub),
              duration_s=b.dur if expect == A else None, reason=reason)


def build_tiny(b: Builder) -> None:
    x, r = b.x, b.rate
    for k in (1, 2, 80):
        b.add("tiny", f"samples_{k}.wav", "refused", f"{k} sample frame(s)", data=_wav_bytes(x[:, :k], r), reason="short")
    for ms in (50, 100, 400):
        b.add("tiny", f"ms_{ms:04d}.wav", "refused", f"{ms} ms of audio", data=_wav_bytes(x[:, : r * ms // 1000], r), reason="short")
    b.add("tiny", "ms_0600.wav", "analysed", "600 ms of audio", data=_wav_bytes(x[:, : r * 600 // 1000], r), duration_s=0.6)
    b.add("tiny", "frames_0.wav", "refused", "a valid header and no samples", data=_wav_bytes(x[:, :0], r), reason="no audio")
    for ext in ("flac", "mp3", "ogg"):
        try:
            data = Builder._encode(ext, x[:, :1], r)
        except Exception as exc:
            b.corpus.skipped.append({"name": f"tiny/one.{ext}", "why": str(exc)[:200]})
            continue
        b.add("tiny", f"one_sample.{ext}", "refused", f"{ext.upper()} of one sample frame", data=data, reason="short")


def build_signals(b: Builder) -> None:
    x, r = b.x, b.rate
    n = x.shape[1]
    rng = _rng("signals")
    t = np.arange(n) / r
    speech = x
    cases = {
        "silence_stereo": np.zeros((2, n), np.float32),
        "silence_mono": np.zeros((1, n), np.float32),
        "dither_lsb": (rng.integers(-1, 2, size=(2, n)) / 32768.0).astype(np.float32),
        "white_noise": (0.3 * rng.standard_normal((2, n))).clip(-1, 1).astype(np.float32),
        "dc_half": np.full((2, n), 0.5, np.float32),
        "dc_plus_speech": (speech * 0.5 + 0.4).astype(np.float32),
        "square_fullscale": np.sign(np.sin(2 * np.pi * 440 * t))[None].repeat(2, 0).astype(np.float32),
        "click": np.pad(np.ones((2, 1), np.float32), ((0, 0), (n // 2, n - n // 2 - 1))),
        "hum_50hz": (0.5 * np.sin(2 * np.pi * 50 * t))[None].repeat(2, 0).astype(np.float32),
        "speech_minus60db": (speech * 10 ** (-60 / 20)).astype(np.float32),
        "speech_clipped": np.clip(speech * 20, -1, 1).astype(np.float32),
        "speech_one_channel": np.stack([speech[0], np.zeros(n, np.float32)]),
        "dual_mono": np.stack([speech[0], speech[0]]),
        "speech_plus_noise": (speech + 0.05 * rng.standard_normal((2, n))).clip(-1, 1).astype(np.float32),
    }
    for name, y in cases.items():
        b.add("signals", f"{name}.wav", "analysed", name.replace("_", " "), data=_wav_bytes(y, r), duration_s=n / r)


def build_encodings(b: Builder) -> None:
    x, r = b.x, b.rate
    dur = b.dur
    sf_cases = [
        ("pcm_u8.wav", "WAV", "PCM_U8"), ("pcm_16.wav", "WAV", "PCM_16"), ("pcm_24.wav", "WAV", "PCM_24"),
        ("pcm_32.wav", "WAV", "PCM_32"), ("float.wav", "WAV", "FLOAT"), ("double.wav", "WAV", "DOUBLE"),
        ("ulaw.wav", "WAV", "ULAW"), ("alaw.wav", "WAV", "ALAW"), ("ima_adpcm.wav", "WAV", "IMA_ADPCM"),
        ("ms_adpcm.wav", "WAV", "MS_ADPCM"), ("wavex_pcm16.wav", "WAVEX", "PCM_16"), ("pcm16.w64", "W64", "PCM_16"),
        ("pcm16_rf64.wav", "RF64", "PCM_16"), ("pcm16.aiff", "AIFF", "PCM_16"), ("pcm16.au", "AU", "PCM_16"),
        ("pcm16.caf", "CAF", "PCM_16"), ("flac16.flac", "FLAC", "PCM_16"), ("flac24.flac", "FLAC", "PCM_24"),
        ("vorbis.ogg", "OGG", "VORBIS"), ("vorbis.oga", "OGG", "VORBIS"), ("mp3.mp3", "MP3", "MPEG_LAYER_III"),
    ]
    for name, fmt, sub in sf_cases:
        b.add("encodings", name, "analysed", f"{fmt}/{sub}", writer=lambda p, fmt=fmt, sub=sub: p.write_bytes(_wav_bytes(x, r, sub, fmt=fmt)), duration_s=dur)
    b.add("encodings", "rifx_pcm16.wav", "analysed", "big-endian RIFX PCM", writer=lambda p: p.write_bytes(_wav_bytes(x, r, "PCM_16", endian="BIG")), duration_s=dur)
    b.add("encodings", "gsm610_8k_mono.wav", "analysed", "GSM 6.10, 8 kHz mono", writer=lambda p: p.write_bytes(_wav_bytes(_resample(x[:1], r, 8000), 8000, "GSM610")), duration_s=dur)
    x48 = _resample(x, r, 48000)
    b.add("encodings", "opus48k.opus", "analysed", "Ogg/Opus 48 kHz", writer=lambda p: p.write_bytes(Builder._encode("opus", x48, 48000)), duration_s=dur)
    b.add("encodings", "opus16k.opus", "analysed", "Ogg/Opus 16 kHz", writer=lambda p: p.write_bytes(Builder._encode("opus", x, r)), duration_s=dur)
    av_cases = [
        ("aac.m4a", "mp4", "aac", x, r, None), ("aac.aac", "adts", "aac", x, r, None),
        ("alac.m4a", "ipod", "alac", x, r, None), ("lame.mp3", "mp3", "libmp3lame", x, r, None),
        ("opus.webm", "webm", "libopus", x48, 48000, None), ("wma.wma", "asf", "wmav2", x, r, None),
("flac.mka", "matroska", "flac", x, r, "s16"),
        ("amrnb_8k.amr", "amr", "libopencore_amrnb", _resample(x[:1], r, 8000), 8000, "s16"),
    ]
    for name, container, codec, y, rate, sfmt in av_cases:
        b.add("encodings", name, "analysed", f"{container}/{codec}", writer=lambda p, c=container, k=codec, y=y, rate=rate, sfmt=sfmt: p.write_bytes(av_encode(y, rate, c, k, sample_fmt=sfmt)), duration_s=dur)


def build_layout(b: Builder) -> None:
    x, r = b.x, b.rate
    dur = b.dur
    for rate in (8000, 11025, 22050, 32000, 44100, 48000, 96000, 192000):
        b.add("layout", f"rate_{rate:06d}.wav", "analysed", f"stereo at {rate} Hz",
              writer=lambda p, rate=rate: p.write_bytes(_wav_bytes(_resample(x, r, rate), rate)), duration_s=dur)
    for rate in (4000, 7999, 384000):
        b.add("layout", f"rate_{rate:06d}.wav", "refused", f"stereo at {rate} Hz (outside 8-192 kHz)",
              writer=lambda p, rate=rate: p.write_bytes(_wav_bytes(_resample(x, r, rate), rate)), reason="rate")
    b.add("layout", "mono.wav", "analysed", "mono (both parties mixed)", data=_wav_bytes(0.5 * (x[:1] + x[1:2]), r), duration_s=dur)
    b.add("layout", "stereo_8k_ulaw.wav", "analysed", "8 kHz G.711 mu-law stereo",
          writer=lambda p: p.write_bytes(_wav_bytes(_resample(x, r, 8000), 8000, "ULAW")), duration_s=dur)
    for ch in (3, 4, 6, 8):
        y = np.concatenate([x] * (ch // 2 + 1))[:ch]
        b.add("layout", f"channels_{ch}.wav", "refused", f"{ch} channels", data=_wav_bytes(y, r), reason="channels")


def build_nonaudio(b: Builder) -> None:
    rng = _rng("nonaudio")
    png = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + bytes(rng.integers(0, 256, 2000, dtype=np.uint8))
    jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0" + bytes(rng.integers(0, 256, 2000, dtype=np.uint8))
    zipb = b"PK\x03\x04" + bytes(rng.integers(0, 256, 2000, dtype=np.uint8))
    cases = [
        ("text.wav", b"this is not audio\n" * 50), ("text.mp3", b"no mpeg frames here\n" * 50),
        ("image.wav", png), ("photo.flac", jpeg), ("archive.ogg", zipb),
        ("random.wav", bytes(rng.integers(0, 256, 4096, dtype=np.uint8))),
        ("random.mp3", bytes(rng.integers(0, 256, 65536, dtype=np.uint8))),
        ("random.m4a", bytes(rng.integers(0, 256, 4096, dtype=np.uint8))),
        ("document.m4a", b"%PDF-1.4\n" + b"1 0 obj << >> endobj\n" * 100),
        ("page.opus", b"<!doctype html><html><body>" + b"<p>x</p>" * 200 + b"</body></html>"),
        ("data.wav", json.dumps({"call": [1, 2, 3]} ).encode() * 50),
        ("elf.wav", b"\x7fELF\x02\x01\x01" + bytes(4089)),
        ("riff4.wav", b"RIFF"),
        ("zeros.wav", bytes(65536)), ("ff.mp3", b"\xff" * 65536),
        ("id3_only.mp3", b"ID3\x04\0\0\x7f\x7f\x7f\x7f" + bytes(100)),
        ("id3_garbage.mp3", b"ID3\x04\0\0\0\0\x01\0" + bytes(128) + bytes(rng.integers(0, 256, 8192, dtype=np.uint8))),
        ("oggs_only.ogg", b"OggS"), ("flac_magic.flac", b"fLaC" + bytes(100)),
    ]
    for name, data in cases:
        b.add("nonaudio", name, "refused", "not audio: " + name, data=data)


def build_names(b: Builder) -> None:
    good = b.encoded("wav")
    dur = b.dur
    A, R = "analysed", "refused"
    long_stem = lambda n: ("long_" + "x" * n)[:n]  # noqa: E731
    cases: list[tuple[str, str, bytes, str]] = [
        (long_stem(200) + ".wav", A, good, "200-character stem"),
        (long_stem(246) + ".wav", A, good, "246-character stem (250-character name)"),
        (long_stem(250) + ".wav", A, good, "250-character stem"),
        (long_stem(251) + ".wav", A, good, "251-character stem (255-character name, the filesystem maximum)"),
        ("Müller_Anruf.wav", A, good, "umlaut (NFC)"),
        (unicodedata.normalize("NFD", "Müller_Anruf_nfd.wav"), A, good, "umlaut (NFD, decomposed)"),
        ("📞_call.wav", A, good, "emoji"),
        ("通话记录.wav", A, good, "CJK"),
        ("مكالمة.wav", A, good, "right-to-left script"),
        ("a\u200db.wav", A, good, "zero-width joiner"),
        ("with space.wav", A, good, "a space"),
        ("it's \"quoted\".wav", A, good, "quotes"),
        ("-leading-dash.wav", A, good, "leading dash"),
        ("--out.wav", A, good, "looks like an option"),
        ("UPPER.WAV", A, good, "upper-case extension"),
        ("double.wav.wav", A, good, "double extension"),
        ("trailing space .wav", A, good, "space before the extension"),
        ("bad\nnewline.wav", R, b"", "newline in the name (empty file)"),
        ("bad\x1b[31mred.wav", R, b"", "terminal escape sequence in the name (empty file)"),
        ("bad\ttab.wav", R, b"", "tab in the name (empty file)"),
        ("bad\rreturn.wav", R, b"", "carriage return in the name (empty file)"),
        ("bad\x07bell.wav", R, b"", "BEL in the name (empty file)"),
        ("=HYPERLINK(\"http-x\").wav", R, b"", "spreadsheet formula (empty file)"),
        ("+1+2.wav", R, b"", "leading plus (empty file)"),
        ("@SUM(A1).wav", R, b"", "leading at-sign (empty file)"),
        ("-1-2.wav", R, b"", "leading minus (empty file)"),
        ("ok\nnewline_good.wav", A, good, "newline in the name (good audio)"),
        (long_stem(251)[:-3] + "bad.wav", R, b"not audio\n" * 20, "255-character name, not audio"),
    ]
    for name, expect, data, what in cases:
        b.add("names", name, expect, what, data=data, duration_s=dur if expect == A else None,
              reason="empty" if expect == R and not data else "")
    # a name that is not valid UTF-8 (bytes 0xff 0xfe): Python sees surrogate escapes
    try:
        raw = os.fsencode(str(b.path("names", "x"))).rsplit(b"/", 1)[0] + b"/latin1_\xe9t\xe9.wav"
        with open(raw, "wb") as fh:
            fh.write(good)
        b.corpus.entries.append(Entry("names/" + os.fsdecode(b"latin1_\xe9t\xe9.wav"), "names", A,
                                      "name in Latin-1 (not valid UTF-8)", duration_s=dur))
    except OSError as exc:
        b.corpus.skipped.append({"name": "names/latin1", "why": str(exc)[:200]})
    b.path("names", "x").unlink(missing_ok=True)


def build_filesystem(b: Builder) -> None:
    good = b.encoded("wav")
    d = b.root / "filesystem"
    d.mkdir(parents=True, exist_ok=True)
    (d / "good.wav").write_bytes(good)
    b.corpus.entries.append(Entry("filesystem/good.wav", "filesystem", "analysed", "a good file next to the oddities", duration_s=b.dur))

    def mk(name: str, expect: str, what: str, make: Callable[[Path], None], kind: str, direct: bool = True, **kw) -> None:
        p = d / name
        try:
            make(p)
        except Exception as exc:
            b.corpus.skipped.append({"name": f"filesystem/{name}", "why": f"{type(exc).__name__}: {exc}"[:200]})
            return
        b.corpus.entries.append(Entry(f"filesystem/{name}", "filesystem", expect, what, kind=kind, direct=direct, **kw))

    mk("fifo.wav", "refused", "a named pipe (FIFO)", lambda p: os.mkfifo(p), "fifo", reason="pipe")
    mk("zero.wav", "refused", "symbolic link to /dev/zero", lambda p: os.symlink("/dev/zero", p), "device", reason="device")
    mk("urandom.wav", "refused", "symbolic link to /dev/urandom", lambda p: os.symlink("/dev/urandom", p), "device", reason="device")
    mk("null.wav", "refused", "symbolic link to /dev/null", lambda p: os.symlink("/dev/null", p), "device", reason="device")
    mk("loop_a.wav", "refused", "symbolic link loop (a -> b -> a)", lambda p: (os.symlink("loop_b.wav", p), os.symlink("loop_a.wav", d / "loop_b.wav")), "symlink", reason="loop")
    b.corpus.entries.append(Entry("filesystem/loop_b.wav", "filesystem", "refused", "symbolic link loop (b -> a -> b)", kind="symlink", reason="loop"))
    mk("self.wav", "refused", "symbolic link to itself", lambda p: os.symlink("self.wav", p), "symlink", reason="loop")
    mk("dangling.wav", "refused", "symbolic link to a missing file", lambda p: os.symlink("missing-target.wav", p), "symlink", reason="not found")
    mk("folder.wav", "refused", "an empty folder named like audio", lambda p: p.mkdir(), "dir", reason="folder")
    mk("link_good.wav", "analysed", "symbolic link to the good file", lambda p: os.symlink("good.wav", p), "symlink", direct=False, duration_s=b.dur)
    mk("hardlink.wav", "analysed", "hard link to the good file", lambda p: os.link(d / "good.wav", p), "file", direct=False, duration_s=b.dur)
    (d / "nested").mkdir(exist_ok=True)
    mk("nested/up", "either", "a symbolic link from a subfolder to its parent (a directory loop)", lambda p: os.symlink("..", p), "symlink", direct=False)


def build_memory(b: Builder) -> None:
    """Long calls (only with --big): 1 h stereo speech, 2 h silence, 20 min of 6-channel 48 kHz."""
    import soundfile as sf

    r = b.rate
    full = b.full
    hour = r * 3600
    p = b.path(BIG_CLASS, "stereo_1h.wav")
    with sf.SoundFile(str(p), "w", samplerate=r, channels=2, subtype="PCM_16") as fh:
        left = hour
        while left > 0:
            k = min(left, full.shape[1])
            fh.write(full[:, :k].T)
            left -= k
    b.corpus.entries.append(Entry(f"{BIG_CLASS}/stereo_1h.wav", BIG_CLASS, "analysed", "1-hour stereo call (the sample repeated)", duration_s=3600.0))
    p = b.path(BIG_CLASS, "silence_2h.wav")
    with sf.SoundFile(str(p), "w", samplerate=r, channels=2, subtype="PCM_16") as fh:
        block = np.zeros((r * 60, 2), np.float32)
        for _ in range(120):
            fh.write(block)
    b.corpus.entries.append(Entry(f"{BIG_CLASS}/silence_2h.wav", BIG_CLASS, "analysed", "2 hours of digital silence, stereo", duration_s=7200.0))
    p = b.path(BIG_CLASS, "six_channels_20min_48k.wav")
    with sf.SoundFile(str(p), "w", samplerate=48000, channels=6, subtype="PCM_16") as fh:
        block = np.zeros((48000 * 60, 6), np.float32)
        for _ in range(20):
            fh.write(block)
    b.corpus.entries.append(Entry(f"{BIG_CLASS}/six_channels_20min_48k.wav", BIG_CLASS, "refused", "20 minutes of 6-channel 48 kHz audio", reason="channels"))


BUILDERS: dict[str, Callable[[Builder], None]] = {
    "empty": build_empty, "truncated": build_truncated, "byteflip": build_byteflip, "header": build_header,
    "floats": build_floats, "tiny": build_tiny, "signals": build_signals, "encodings": build_encodings,
    "layout": build_layout, "nonaudio": build_nonaudio, "names": build_names, "filesystem": build_filesystem,
    BIG_CLASS: build_memory,
}


def build_corpus(root: str | Path, *, sample: str | Path = DEFAULT_SAMPLE, seconds: float = 6.0,
                 classes: Iterable[str] | None = None, big: bool = False) -> Corpus:
    """Write the corpus into ``root`` (which must be empty or absent) and return its description."""
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise SystemExit(f"{root}: folder is not empty; give a new or empty folder")
    root.mkdir(parents=True, exist_ok=True)
    b = Builder(root, Path(sample), seconds)
    chosen = list(classes) if classes else list(CLASSES) + ([BIG_CLASS] if big else [])
    for cls in chosen:
        if cls not in BUILDERS:
            raise SystemExit(f"unknown class {cls!r}; classes: {', '.join(BUILDERS)}")
        BUILDERS[cls](b)
    b.corpus.write_manifest()
    return b.corpus


def load_manifest(root: str | Path) -> tuple[dict, list[Entry]]:
    data = json.loads((Path(root) / "manifest.json").read_text(encoding="utf-8"))
    return data, [Entry(**e) for e in data["entries"]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="new or empty folder for the corpus")
    ap.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE, help="the good call the entries are derived from (default: %(default)s)")
    ap.add_argument("--seconds", type=float, default=6.0, help="seconds of the sample used (short keeps the analysis of decodable entries cheap; default %(default)s)")
    ap.add_argument("--classes", default="", help=f"comma-separated subset of: {', '.join(BUILDERS)}")
    ap.add_argument("--big", action="store_true", help=f"add the '{BIG_CLASS}' class (1-hour and 2-hour calls; ~1.2 GB)")
    args = ap.parse_args(argv)
    classes = [c for c in args.classes.split(",") if c] or None
    corpus = build_corpus(args.out, sample=args.sample, seconds=args.seconds, classes=classes, big=args.big)
    by: dict[str, int] = {}
    for e in corpus.entries:
        by[e.cls] = by.get(e.cls, 0) + 1
    print(f"{len(corpus.entries)} entries in {args.out} ({', '.join(f'{k} {v}' for k, v in by.items())}); "
          f"{len(corpus.skipped)} skipped" + "".join(f"\n  skipped {s['name']}: {s['why']}" for s in corpus.skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
