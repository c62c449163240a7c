"""The NumPy port of pyannote's segmentation-3.0 model: building blocks against references
written out plainly here, then the model on real speech placed with a known overlap."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from callcheck.audio import segmentation as seg

DATA = Path(os.environ.get("CALLCHECK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def _reference_lstm(x, w_ih, w_hh, b, reverse):
    """torch.nn.LSTM, one direction, written out with explicit sigmoids."""
    hs = w_hh.shape[1]
    h, c = np.zeros((x.shape[0], hs)), np.zeros((x.shape[0], hs))
    out = np.zeros((x.shape[0], x.shape[1], hs))
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    for t in (range(x.shape[1] - 1, -1, -1) if reverse else range(x.shape[1])):
        g = x[:, t] @ w_ih.T + h @ w_hh.T + b
        i, f, gg, o = sig(g[:, :hs]), sig(g[:, hs:2 * hs]), np.tanh(g[:, 2 * hs:3 * hs]), sig(g[:, 3 * hs:])
        c = f * c + i * gg
        h = o * np.tanh(c)
        out[:, t] = h
    return out


def test_bilstm_matches_the_plain_lstm_equations():
    rng = np.random.default_rng(0)
    hs, nin = 8, 5
    sd = {}
    for name in ("l0", "l0_reverse"):
        sd[f"lstm.weight_ih_{name}"] = rng.normal(0, 0.5, (4 * hs, nin)).astype(np.float32)
        sd[f"lstm.weight_hh_{name}"] = rng.normal(0, 0.5, (4 * hs, hs)).astype(np.float32)
        sd[f"lstm.bias_ih_{name}"] = rng.normal(0, 0.5, 4 * hs).astype(np.float32)
        sd[f"lstm.bias_hh_{name}"] = rng.normal(0, 0.5, 4 * hs).astype(np.float32)
    x = rng.normal(0, 1, (3, 17, nin)).astype(np.float32)
    got = seg._bilstm(x, sd, 0)
    want = np.concatenate([_reference_lstm(x, sd[f"lstm.weight_ih_{n}"], sd[f"lstm.weight_hh_{n}"],
                                           sd[f"lstm.bias_ih_{n}"] + sd[f"lstm.bias_hh_{n}"], n.endswith("reverse"))
                           for n in ("l0", "l0_reverse")], -1)
    assert got.shape == (3, 17, 2 * hs)
    np.testing.assert_allclose(got, want, atol=2e-5)


def test_shipped_weights_and_sinc_filters_are_band_passes():
    sd = seg.load_weights()
    assert len(sd) == 54 and sum(v.size for v in sd.values()) == 1_473_515
    filt = seg.sinc_filters(sd)
    assert filt.shape == (80, 251)
    cos, sin = filt[:40], filt[40:]
    np.testing.assert_allclose(cos, cos[:, ::-1], atol=1e-6)  # even (cos) filters are symmetric
    np.testing.assert_allclose(sin, -sin[:, ::-1], atol=1e-6)  # odd (sin) filters antisymmetric
    p = "sincnet.conv1d.0.filterbank."
    low = 50 + np.abs(sd[p + "low_hz_"][:, 0])
    high = np.minimum(low + 50 + np.abs(sd[p + "band_hz_"][:, 0]), 8000)
    freqs = np.fft.rfftfreq(4096, 1 / 16000)
    for k in range(40):  # the cos filter's gain peaks inside its own band (by construction of the parameters)
        resp = np.abs(np.fft.rfft(cos[k], 4096))
        assert low[k] - 60 <= freqs[resp.argmax()] <= high[k] + 60, (k, low[k], high[k], freqs[resp.argmax()])


def test_window_starts_cover_the_audio():
    assert list(seg.window_starts(4.0, 10.0)) == [0.0]
    s = seg.window_starts(35.0, 10.0)
    assert list(s) == [0.0, 10.0, 20.0, 25.0]  # the last window ends at the end
    assert list(seg.window_starts(30.0, 5.0)) == [0.0, 5.0, 10.0, 15.0, 20.0]


def test_silence_has_no_speaker_and_bad_input_is_refused():
    starts, act = seg.local_activity(np.zeros(3 * seg.RATE, np.float32), step_s=10.0)
    assert act.shape == (1, seg.N_FRAMES, 3) and not act.any()
    with pytest.raises(ValueError, match="windows must have shape"):
        seg.forward(np.zeros((1, 1000), np.float32))


def test_two_real_voices_with_a_known_overlap():
    """Emo-DB speaker 03 (male, two utterances) then 08 (female, two), the second voice starting
    1.0 s before the first ends: the overlap is found within 0.25 s, and the two voices outside
    it are two different local speakers."""
    wav = DATA / "emodb" / "wav"
    names = {"a": ("03a01Nc.wav", "03a04Nc.wav"), "b": ("08a01Na.wav", "08a04Nc.wav")}
    if not all((wav / n).exists() for ns in names.values() for n in ns):
        pytest.skip(f"Emo-DB utterances not found under {wav}")
    import librosa

    def voice(ns):  # utterances trimmed to their first and last sound, 0.2 s apart
        parts = [librosa.effects.trim(librosa.load(str(wav / n), sr=seg.RATE)[0], top_db=35)[0] for n in ns]
        return np.concatenate([parts[0], np.zeros(int(0.2 * seg.RATE), np.float32), parts[1]])

    ya, yb = voice(names["a"]), voice(names["b"])
    a0 = int(0.5 * seg.RATE)
    b0 = a0 + len(ya) - seg.RATE  # B starts 1.0 s before A ends
    x = np.zeros(b0 + len(yb) + int(0.5 * seg.RATE), np.float32)
    x[a0:a0 + len(ya)] += ya
    x[b0:b0 + len(yb)] += yb
    starts, act = seg.local_activity(x, step_s=10.0)
    assert len(x) / seg.RATE < 10.0 and len(starts) == 1  # one window sees it all
    t = seg.frame_centres_s()
    a_end, b_start, b_end = (a0 + len(ya)) / seg.RATE, b0 / seg.RATE, (b0 + len(yb)) / seg.RATE
    ov = t[act[0].sum(1) >= 2]
    assert len(ov) and abs(ov.min() - b_start) <= 0.25 and abs(ov.max() - a_end) <= 0.25, (ov.min(), ov.max(), b_start, a_end)
    solo_a = act[0][(t > 0.8) & (t < b_start - 0.3)]
    solo_b = act[0][(t > a_end + 0.3) & (t < b_end - 0.3)]
    ka, kb = solo_a.sum(0).argmax(), solo_b.sum(0).argmax()
    assert ka != kb
    for solo, k in ((solo_a, ka), (solo_b, kb)):  # of the frames with speech (not the 0.2 s pause), almost all one speaker's
        spoken = solo[solo.any(1)]
        assert len(spoken) > 30 and spoken[:, k].mean() > 0.9 and spoken.sum(1).max() == 1


REFERENCE = Path(__file__).resolve().parent / "data" / "segmentation_reference.npz"


def _reference_input():
    """The fixed input of tools/segmentation_reference.py, rebuilt here without torch."""
    import soundfile as sf

    ref = np.load(REFERENCE)
    out = []
    for item in ref["inputs"]:
        rel, start = str(item).rsplit("@", 1)
        x, sr = sf.read(str(Path(__file__).resolve().parents[1] / rel), dtype="float32", always_2d=True)
        i0 = int(round(float(start.rstrip("s")) * sr))
        out.append(x.mean(axis=1, dtype=np.float32)[i0:i0 + seg.WINDOW])
    return ref, np.stack(out).astype(np.float32)


def test_port_matches_the_original_pytorch_model_on_a_fixed_input():
    """Golden output of pyannote's PyanNet run with torch's own LSTM/conv modules
    (tools/segmentation_reference.py; only its stored output is used here, torch is not needed).

    Two comparisons, per frame and powerset class (3 windows x 589 frames x 7 classes):
    * against torch with the *shipped* weights (float16-rounded matrices): the port itself. Both
      sides compute in float32, in a different order (batched matmuls, sigmoid via tanh), so they
      agree to float32 rounding carried through 4 recurrent layers: measured max |dp| 1.8e-5;
      allowed 1e-4.
    * against torch with the *original* float32 weights: what float16 storage costs. float16
      keeps 11 significant bits (relative error <= 2^-11 = 4.9e-4 per weight); measured max |dp|
      6.2e-4 and every frame's decision the same; allowed 5e-3 and 99.5 % of the decisions.
    """
    import hashlib

    if not REFERENCE.exists():
        pytest.skip("tests/data/segmentation_reference.npz missing; run tools/segmentation_reference.py")
    ref, windows = _reference_input()
    assert hashlib.sha256(windows.tobytes()).hexdigest() == str(ref["input_sha256"])
    shipped = Path(seg.__file__).resolve().parents[1] / "data" / "segmentation" / "pyannote-segmentation-3.0.npz"
    assert hashlib.sha256(shipped.read_bytes()).hexdigest() == str(ref["shipped_weights_sha256"]), (
        "the shipped weights changed: rerun tools/segmentation_reference.py")
    assert str(ref["original_weights_sha256"]) == "da85c29829d4002daedd676e012936488234d9255e65e86dfab9bec6b1729298"
    ours = seg.forward(windows)
    assert ours.shape == ref["logp_original"].shape == (3, seg.N_FRAMES, 7)
    p = np.exp(ours)
    np.testing.assert_allclose(p, np.exp(ref["logp_shipped"]), atol=1e-4, rtol=0)
    np.testing.assert_allclose(p, np.exp(ref["logp_original"]), atol=5e-3, rtol=0)
    decided = ref["logp_original"].argmax(-1)
    assert (ours.argmax(-1) == decided).mean() >= 0.995
    # the input is not trivial: speech of each local speaker alone and overlapping speech
    assert {0, 2, 3, 6} <= set(np.unique(decided).tolist())
