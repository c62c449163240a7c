"""Reading every supported format at its native rate with channels kept; exact messages for bad input."""

from __future__ import annotations

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
