"""Reading every supported format at its native rate with channels kept; exact messages for bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile as sf

from callcheck.audio.io import load_audio
from callcheck.errors import AudioError


def _tone_stereo(rate: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return np.stack([0.4 * np.sin(2 * np.pi * 220 * t), 0.2 * np.sin(2 * np.pi * 330 * t)], axis=1).astype(np.float32)


WAV_SUBTYPES = ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "ULAW", "ALAW"]


@pytest.mark.parametrize("subtype", WAV_SUBTYPES)
@pytest.mark.parametrize("rate", [8000, 16000, 44100])
def test_wav_subtypes_keep_rate_and_channels(tmp_path, subtype, rate):
    x = _tone_stereo(rate)
    f = tmp_path / f"call_{subtype}.wav"
    sf.write(f, x, rate, subtype=subtype)
    a = load_audio(f)
    assert a.sample_rate == rate
    assert a.channels == 2
    assert a.samples.shape == (2, x.shape[0])
    assert a.samples.dtype == np.float32
    tol = 0.03 if subtype in ("PCM_U8", "ULAW", "ALAW") else 1e-3
    assert np.max(np.abs(a.samples - x.T)) < tol
    # the two channels are still different parties: nothing was mixed
    assert abs(np.abs(a.samples[0]).max() - 0.4) < 0.03 and abs(np.abs(a.samples[1]).max() - 0.2) < 0.03


def test_8khz_mulaw_mono(tmp_path):
    x = _tone_stereo(8000)[:, 0]
    f = tmp_path / "tel.wav"
    sf.write(f, x, 8000, subtype="ULAW")
    a = load_audio(f)
    assert (a.channels, a.sample_rate) == (1, 8000)
    assert "ULAW" in a.codec


@pytest.mark.parametrize("fmt,subtype,ext", [("FLAC", "PCM_16", "flac"), ("OGG", "VORBIS", "ogg"), ("OGG", "OPUS", "opus"), ("MP3", "MPEG_LAYER_III", "mp3")])
def test_compressed_formats(tmp_path, fmt, subtype, ext):
    rate = 48000 if subtype == "OPUS" else 16000
    x = _tone_stereo(rate, 2.0)
    f = tmp_path / f"call.{ext}"
    sf.write(f, x, rate, format=fmt, subtype=subtype)
    a = load_audio(f)
    assert a.channels == 2
    assert a.sample_rate == rate
    assert abs(a.duration_s - 2.0) < 0.1
    # channel identity survives lossy coding
    assert np.abs(a.samples[0]).max() > 1.5 * np.abs(a.samples[1]).max()


def test_m4a_aac(tmp_path):
    av = pytest.importorskip("av")
    rate = 16000
    x = _tone_stereo(rate, 2.0).T.copy()
    f = tmp_path / "call.m4a"
    with av.open(str(f), "w") as c:
        s = c.add_stream("aac", rate=rate)
        s.layout = "stereo"
        frame = av.AudioFrame.from_ndarray(x, format="fltp", layout="stereo")
        frame.sample_rate = rate
        for pkt in s.encode(frame):
            c.mux(pkt)
        for pkt in s.encode(None):
            c.mux(pkt)
    a = load_audio(f)
    assert a.channels == 2 and a.sample_rate == rate
    assert a.duration_s == pytest.approx(2.0, abs=0.15)
    assert np.abs(a.samples[0]).max() > 1.5 * np.abs(a.samples[1]).max()


def _msg(path) -> str:
    with pytest.raises(AudioError) as exc:
        load_audio(path)
    return str(exc.value)


def test_bad_inputs_have_exact_one_line_messages(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    assert _msg(empty) == f"{empty}: empty file (0 bytes)"

    text = tmp_path / "notes.wav"
    text.write_text("this is not audio\n" * 20)
    assert _msg(text) == f"{text}: not a readable audio file (format not recognised or data corrupt)"

    fake_mp3 = tmp_path / "fake.mp3"
    fake_mp3.write_text("no mpeg frames here\n" * 20)
    assert _msg(fake_mp3) == f"{fake_mp3}: not a readable audio file (format not recognised or data corrupt)"

    good = tmp_path / "good.wav"
    sf.write(good, _tone_stereo(8000), 8000, subtype="PCM_16")
    data = good.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: 44 + 8000 * 4 // 2])
    assert _msg(cut) == f"{cut}: truncated WAV file: the header announces 8000 frames but only 4000 are present (50 %)"

    missing = tmp_path / "missing.wav"
    assert _msg(missing) == f"{missing}: file not found"

    low = tmp_path / "low.wav"
    sf.write(low, _tone_stereo(4000), 4000)
    assert _msg(low) == f"{low}: sample rate 4000 Hz is below the 8000 Hz telephone minimum"

    quad = tmp_path / "quad.wav"
    sf.write(quad, np.zeros((8000, 4), dtype=np.float32), 8000)
    assert _msg(quad) == f"{quad}: has 4 channels; callcheck reads mono (both parties mixed) or stereo (one party per channel) recordings"

    nosamples = tmp_path / "nosamples.wav"
    sf.write(nosamples, np.zeros((0, 2), dtype=np.float32), 8000)
    assert _msg(nosamples) == f"{nosamples}: contains no audio samples"

    for m in (_msg(empty), _msg(text), _msg(cut)):
        assert "\n" not in m


# ----------------------------------------------------------------- fuzz findings (issue 15)

import os
import signal
import struct
import tracemalloc
from contextlib import contextmanager

from callcheck.audio import io as audio_io
from callcheck.audio.io import check_regular_file


@contextmanager
def _deadline(seconds: int):
    """Fail instead of hanging (a FIFO or /dev/zero must never be read)."""
    def boom(*_):
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _speechlike(rate: int, seconds: float, channels: int = 2) -> np.ndarray:
    rng = np.random.default_rng(7)
    n = int(rate * seconds)
    t = np.arange(n) / rate
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    x = np.stack([env * (0.3 * np.sin(2 * np.pi * (180 + 40 * c) * t) + 0.02 * rng.standard_normal(n)) for c in range(channels)])
    return x.astype(np.float32)


def _riff(fmt: bytes, data: bytes, *, data_size: int | None = None, riff_id: bytes = b"RIFF", extra: bytes = b"") -> bytes:
    body = b"WAVE" + extra + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data) if data_size is None else data_size) + data
    return riff_id + struct.pack("<I", len(body)) + body


def _fmt(tag=1, ch=2, rate=8000, bits=16, block=None, extra=b"") -> bytes:
    block = ch * max(bits, 8) // 8 if block is None else block
    return struct.pack("<HHIIHH", tag, ch, rate, rate * block, block, bits) + extra


def test_non_regular_files_are_refused_before_they_are_opened(tmp_path):
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.wav"
    zero.symlink_to("/dev/zero")
    (tmp_path / "a.wav").symlink_to(tmp_path / "b.wav")
    (tmp_path / "b.wav").symlink_to(tmp_path / "a.wav")
    dangling = tmp_path / "gone.wav"
    dangling.symlink_to("missing.wav")
    folder = tmp_path / "folder.wav"
    folder.mkdir()
    with _deadline(10):
        assert _msg(fifo) == f"{fifo}: is a named pipe (FIFO), not an audio file; callcheck reads regular files only"
        assert _msg(zero) == f"{zero}: is a character device (/dev/zero), not an audio file; callcheck reads regular files only"
        assert _msg("/dev/urandom") == "/dev/urandom: is a character device, not an audio file; callcheck reads regular files only"
        assert _msg(tmp_path / "a.wav") == f"{tmp_path / 'a.wav'}: symbolic link loop (the link never reaches a file)"
        assert _msg(dangling) == f"{dangling}: dangling symbolic link (its target 'missing.wav' does not exist)"
        assert _msg(folder) == f"{folder}: is a folder, not an audio file"
        # the check batch code calls before hashing a file
        with pytest.raises(AudioError, match="named pipe"):
            check_regular_file(fifo)
        assert audio_io.probe_duration_s(fifo) is None and audio_io.probe_duration_s(zero) is None
    good = tmp_path / "good.wav"
    sf.write(good, _speechlike(8000, 1.0).T, 8000)
    assert check_regular_file(good).st_size == good.stat().st_size


def test_wav_header_oddities_are_one_clear_line(tmp_path):
    pcm = (_speechlike(8000, 1.0) * 32767).astype("<i2").T.tobytes()
    cases = {
        "tag.wav": (_riff(_fmt(tag=0x1234), pcm), "WAV format tag 0x1234 is not supported (callcheck reads PCM, float, G.711 mu-law/A-law, ADPCM, GSM 6.10 and MPEG in WAV)"),
        "bits0.wav": (_riff(_fmt(bits=0, block=4), pcm), "0-bit PCM is not supported (8 to 32 bits per sample); the header is damaged or the format unusual"),
        "bits64.wav": (_riff(_fmt(bits=64), pcm), "64-bit PCM is not supported (8 to 32 bits per sample); the header is damaged or the format unusual"),
        "guid.wav": (_riff(_fmt(tag=0xFFFE, extra=struct.pack("<HHI", 22, 16, 3) + bytes(range(16))), pcm),
                     "WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID (000102030405060708090a0b0c0d0e0f); the file is damaged or uses a format callcheck cannot read"),
        "float16.wav": (_riff(_fmt(tag=3), pcm), "float WAV with 16 bits per sample (must be 32 or 64); the header is damaged"),
        "block.wav": (_riff(_fmt(block=3), pcm), "inconsistent WAV header: block size 3 bytes, but 2 channel(s) of 16-bit samples take 4; the header is damaged"),
        "ch0.wav": (_riff(_fmt(ch=0, block=4), pcm), "the header states 0 channels; the file is damaged"),
        "rate.wav": (_riff(_fmt(rate=10**9), pcm), "sample rate 1000000000 Hz is above the 192000 Hz maximum; the header is damaged or the file is not a call recording"),
        "rate0.wav": (_riff(_fmt(rate=0), pcm), "the header states a sample rate of 0 Hz; the file is damaged"),
        "unfinalised.wav": (_riff(_fmt(), pcm, data_size=0), "the WAV header announces 0.0 s of audio, but 1.0 s more follow the data chunk; the header was not finalised or is damaged (repair it, e.g. with `sox --ignore-length in.wav out.wav`)"),
        "half.wav": (_riff(_fmt(), pcm, data_size=len(pcm) // 2), "the WAV header announces 0.5 s of audio, but 0.5 s more follow the data chunk; the header was not finalised or is damaged (repair it, e.g. with `sox --ignore-length in.wav out.wav`)"),
        "rf64.wav": (_riff(_fmt(), pcm, data_size=0xFFFFFFFF, riff_id=b"RF64"), "RF64 file without a ds64 chunk (its data size is unknown); the header is damaged"),
        "fmt14.wav": (_riff(_fmt()[:14], pcm), "WAV fmt chunk of 14 bytes is too short (at least 16); the header is damaged"),
    }
    for name, (data, reason) in cases.items():
        f = tmp_path / name
        f.write_bytes(data)
        assert _msg(f) == f"{f}: {reason}", name
    # a streaming header (data size 0xFFFFFFFF) is fine: the data runs to the end of the file
    ok = tmp_path / "stream.wav"
    ok.write_bytes(_riff(_fmt(), pcm, data_size=0xFFFFFFFF))
    assert load_audio(ok).samples.shape == (2, 8000)
    # an odd-sized chunk before the data (padded) and EXTENSIBLE PCM are read
    ext = tmp_path / "ext.wav"
    ext.write_bytes(_riff(_fmt(tag=0xFFFE, extra=struct.pack("<HHI", 22, 16, 3) + bytes.fromhex("0100000000001000800000aa00389b71")), pcm,
                          extra=b"JUNK\x03\0\0\0abc\0"))
    assert load_audio(ext).samples.shape == (2, 8000)


def test_rf64_and_aiff_au_sizes_are_checked(tmp_path):
    x = _speechlike(16000, 1.0)
    rf = tmp_path / "ok.rf64.wav"
    sf.write(rf, x.T, 16000, format="RF64", subtype="PCM_16")
    assert load_audio(rf).samples.shape == (2, 16000)
    data = bytearray(rf.read_bytes())
    pos = data.find(b"ds64")
    struct.pack_into("<Q", data, pos + 16, 64000 + 64000)
    cut = tmp_path / "cut.rf64.wav"
    cut.write_bytes(bytes(data))
    assert _msg(cut) == f"{cut}: truncated WAV file: the header announces 32000 frames but only 16000 are present (50 %)"
    au = tmp_path / "x.au"
    sf.write(au, x.T, 16000, format="AU", subtype="PCM_16")
    data = bytearray(au.read_bytes())
    struct.pack_into(">I", data, 8, 4 * 64000)
    au.write_bytes(bytes(data))
    assert _msg(au) == f"{au}: truncated AU file: the header announces 64000 frames but only 16000 are present (25 %)"
    aiff = tmp_path / "x.aiff"
    sf.write(aiff, x.T, 16000, format="AIFF", subtype="PCM_16")
    data = bytearray(aiff.read_bytes())
    struct.pack_into(">I", data, data.find(b"COMM") + 10, 48000)
    aiff.write_bytes(bytes(data))
    assert _msg(aiff) == f"{aiff}: truncated AIFF file: the header announces 48000 frames but only 16000 are present (33 %)"


@pytest.mark.parametrize("fmt,subtype,ext", [("MP3", "MPEG_LAYER_III", "mp3"), ("OGG", "VORBIS", "ogg"), ("OGG", "OPUS", "opus"), ("FLAC", "PCM_16", "flac")])
def test_truncated_compressed_file_is_refused_not_analysed_in_part(tmp_path, fmt, subtype, ext):
    rate = 48000 if subtype == "OPUS" else 16000
    f = tmp_path / f"call.{ext}"
    sf.write(f, _speechlike(rate, 10.0).T, rate, format=fmt, subtype=subtype)
    assert load_audio(f).duration_s == pytest.approx(10.0, abs=0.1)
    data = f.read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[: len(data) * 30 // 100])
    m = _msg(cut)
    assert m.startswith(f"{cut}: ") and "\n" not in m
    if ext == "mp3":  # the Xing/Info frame count states the length
        assert re.fullmatch(rf"{re.escape(str(cut))}: decoded \d\.\d s of the 10\.0 s the file header states \(\d\d %\); the file is truncated or damaged", m), m
    elif ext in ("ogg", "opus"):  # the stream lacks its end-of-stream page
        assert "truncated Ogg file: the stream has no end" in m, m
    else:
        assert "truncated or corrupt after" in m, m


def test_damaged_ogg_page_is_refused(tmp_path):
    f = tmp_path / "call.ogg"
    sf.write(f, _speechlike(16000, 10.0).T, 16000, format="OGG", subtype="VORBIS")
    data = bytearray(f.read_bytes())
    mid = len(data) // 3
    data[mid : mid + 16] = bytes(16)  # a page's CRC fails: libvorbis skips the page silently
    f.write_bytes(bytes(data))
    try:
        a = load_audio(f)
    except AudioError as exc:
        assert "truncated or damaged" in str(exc) or "truncated" in str(exc)
    else:  # the hole is within the tolerance
        assert a.duration_s > 10.0 - 0.21


def test_implausible_rates_lengths_and_levels_are_refused(tmp_path):
    one = tmp_path / "one.wav"
    sf.write(one, _speechlike(8000, 1.0)[:, :1].T, 8000)
    assert _msg(one) == f"{one}: only 0.00 s of audio (1 samples); callcheck needs at least 0.5 s"
    short = tmp_path / "short.wav"
    sf.write(short, _speechlike(8000, 0.4).T, 8000)
    assert _msg(short) == f"{short}: only 0.40 s of audio (3200 samples); callcheck needs at least 0.5 s"
    huge = tmp_path / "huge.wav"
    sf.write(huge, (_speechlike(8000, 1.0) * np.float32(1e30)).T, 8000, subtype="FLOAT")
    m = _msg(huge)
    assert m.startswith(f"{huge}: sample values reach 3.") and "dB above full scale (the limit is +20 dB); the file is damaged or its float samples are not scaled to +-1" in m
    loud = tmp_path / "loud.wav"  # float headroom up to +20 dB is kept (clipping is measured later)
    sf.write(loud, (_speechlike(8000, 1.0) * np.float32(4.0)).T, 8000, subtype="FLOAT")
    assert float(np.abs(load_audio(loud).samples).max()) > 1.0
    fast = tmp_path / "fast.wav"
    sf.write(fast, _speechlike(8000, 1.0).T, 384000)
    assert _msg(fast) == f"{fast}: sample rate 384000 Hz is above the 192000 Hz maximum; the header is damaged or the file is not a call recording"
    long_ = tmp_path / "long.wav"
    sf.write(long_, _speechlike(8000, 3.0).T, 8000)
    with pytest.raises(AudioError) as exc:
        load_audio(long_, max_duration_s=2.0)
    assert str(exc.value) == f"{long_}: the header states 3.0 s of audio, more than the 2.0 s limit; split the recording"


def test_header_limits_are_checked_before_decoding(tmp_path):
    """A 6-channel or over-long file is refused from its header: nothing is decoded (issue 15: a
    6-channel 20-minute file was decoded completely, 2.75 GB, before it was refused)."""
    six = tmp_path / "six.wav"
    sf.write(six, np.zeros((48000 * 30, 6), np.float32), 48000, subtype="PCM_16")  # 17 MB on disk
    big = tmp_path / "big.wav"
    sf.write(big, np.zeros((16000 * 60, 2), np.float32), 16000, subtype="PCM_16")
    tracemalloc.start()
    try:
        assert "has 6 channels" in _msg(six)
        with pytest.raises(AudioError, match="would take 0.0 GB decoded, more than the 0.0 GB limit"):
            load_audio(big, max_decoded_bytes=1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000, peak


def test_decoding_peak_memory_is_the_call_plus_one_block(tmp_path):
    f = tmp_path / "call.wav"
    x = _speechlike(16000, 120.0)
    sf.write(f, x.T, 16000, subtype="PCM_16")
    tracemalloc.start()
    try:
        a = load_audio(f)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    final = a.samples.nbytes
    assert a.samples.flags.c_contiguous and a.samples.shape == (2, 16000 * 120)
    assert np.max(np.abs(a.samples - x)) < 1e-4  # decoded block by block, identical
    assert peak < final + 3 * audio_io.BLOCK_FRAMES * 2 * 4 + 1_000_000, (peak, final)


def test_sink_trims_in_place_without_mixing_channels():
    p = audio_io.Path("x.wav")
    sink = audio_io._Sink(p, 2, 10, 8000, audio_io._Limits(100.0, 10**9, 0.0))
    a = np.arange(14, dtype=np.float32).reshape(2, 7)
    sink.add(a[:, :4])
    sink.add(a[:, 4:])
    out = sink.samples()
    assert out.shape == (2, 7) and out.flags.c_contiguous
    assert np.array_equal(out, a)
    grow = audio_io._Sink(p, 2, 3, 8000, audio_io._Limits(100.0, 10**9, 0.0))
    grow.add(a)  # more than the stated length: the array grows
    assert np.array_equal(grow.samples(), a)


def test_truncated_m4a_with_index_first_is_refused(tmp_path):
    av = pytest.importorskip("av")
    rate = 16000
    x = _speechlike(rate, 6.0)
    f = tmp_path / "call.m4a"
    with av.open(str(f), "w", format="mp4", container_options={"movflags": "+faststart"}) as c:
        s = c.add_stream("aac", rate=rate)
        s.layout = "stereo"
        frame = av.AudioFrame.from_ndarray(x, format="fltp", layout="stereo")
        frame.sample_rate = rate
        for pkt in s.encode(frame):
            c.mux(pkt)
        for pkt in s.encode(None):
            c.mux(pkt)
    data = f.read_bytes()
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(data[: len(data) // 2])
    m = _msg(cut)
    assert re.fullmatch(rf"{re.escape(str(cut))}: truncated or corrupt after \d\.\d s of 6\.\d s \(.+\)", m), m


def test_mp3_without_a_length_header_is_not_judged_by_an_estimate(tmp_path):
    """libmpg123 estimates the length of an MP3 without Xing/Info/VBRI from its size; such a file
    (CBR from some recorders) is read as it is - a cut one cannot be told from a shorter call."""
    av = pytest.importorskip("av")
    rate = 16000
    x = _speechlike(rate, 4.0)
    f = tmp_path / "noxing.mp3"
    with av.open(str(f), "w", format="mp3", container_options={"write_xing": "0"}) as c:
        s = c.add_stream("libmp3lame", rate=rate)
        s.layout = "stereo"
        frame = av.AudioFrame.from_ndarray(x, format="fltp", layout="stereo")
        frame.sample_rate = rate
        for pkt in s.encode(frame):
            c.mux(pkt)
        for pkt in s.encode(None):
            c.mux(pkt)
    assert not audio_io._mp3_length_stated(f)
    assert load_audio(f).duration_s == pytest.approx(4.0, abs=0.15)  # encoder delay and padding
    xing = tmp_path / "xing.mp3"
    sf.write(xing, x.T, rate, format="MP3", subtype="MPEG_LAYER_III")
    assert audio_io._mp3_length_stated(xing)
