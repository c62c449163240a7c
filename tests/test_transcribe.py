"""The transcriber adapter's pure parts: chunking, snapping words into speech, loop removal, models."""

from __future__ import annotations

import pytest

from callcheck.errors import ModelError
from callcheck.transcribe.models import EMBEDDED_SHA256, ensure_embedded_model, resolve_model
from callcheck.transcribe.whisper import drop_repetition_loops, snap_words, speech_chunks
from callcheck.types import Interval, Word


def _w(text, s, e=None, p=0.9):
    return Word("agent", text, s, s + 0.2 if e is None else e, p)


def test_speech_chunks_pad_and_merge():
    speech = [Interval(1.0, 2.0), Interval(2.3, 3.0), Interval(5.0, 5.5)]
    assert speech_chunks(speech, pad_s=0.2, duration_s=5.6) == [(0.8, 3.2), (4.8, 5.6)]


def test_snap_words_keeps_words_inside_their_speech():
    speech = (Interval(1.0, 2.0), Interval(4.0, 5.0))
    words = [_w("a", 0.9, 1.2), _w("b", 1.9, 2.15), _w("leak", 3.0, 3.3), _w("c", 4.5, 4.7)]
    out = snap_words(words, speech, tolerance_s=0.3)
    assert [w.text for w in out] == ["a", "b", "c"]
    for w in out:
        assert any(iv.start_s <= w.start_s <= w.end_s <= iv.end_s for iv in speech)


def test_repetition_loops_are_collapsed_but_real_repeats_kept():
    loop = [_w("1", 0.1 * i) for i in range(12)]
    assert [w.text for w in drop_repetition_loops(loop)] == ["1"]
    sorry = [_w(t, 0.1 * i) for i, t in enumerate(["I'm", "sorry"] * 6 + ["okay"])]
    assert [w.text for w in drop_repetition_loops(sorry)] == ["I'm", "sorry", "okay"]
    jaja = [_w(t, 0.1 * i) for i, t in enumerate(["ja,", "ja,", "ja.", "Wie", "gesagt"])]
    assert drop_repetition_loops(jaja) == tuple(jaja)


def test_embedded_model_is_assembled_and_verified(tmp_path):
    path = ensure_embedded_model(tmp_path)
    assert (path / "model.bin").stat().st_size == 2 * 72608766
    assert (path / ".callcheck-verified").read_text().strip() == EMBEDDED_SHA256
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (path / name).is_file()
    # a damaged model.bin is detected and assembled again
    with (path / "model.bin").open("r+b") as fh:
        fh.truncate(1000)
    again = ensure_embedded_model(tmp_path)
    assert (again / "model.bin").stat().st_size == 2 * 72608766


def test_model_resolution_messages(tmp_path):
    with pytest.raises(ModelError, match="no model.bin in this folder"):
        resolve_model(str(tmp_path))
    spec = resolve_model("small")
    assert spec.source == "hub" and spec.name == "small"
