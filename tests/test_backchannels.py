"""Backchannels whatever the spelling (issue 10, item 8): a short vocalisation inside the other's
speech is decided from its timing first; the recogniser's text can only take that away when it
holds a real word. The sample call de01 has an agent "mhm" (7.80-8.40 s) and "ja" (12.52-12.93 s)
inside the caller's story; the activity is the real pipeline's on that audio, the words at those
two places are spelled as ASR systems spell them."""

from __future__ import annotations

import json
import shutil

import pytest

from callcheck.calljob import analyse_and_write
from callcheck.discover import discover
from callcheck.config import Config
from callcheck.measures.conversation import analyse_conversation
from callcheck.measures.turns import is_hum
from callcheck.pipeline import Context, run_steps
from callcheck.types import Word
from conftest import ScriptedTranscriber, sample_wavs, truth_of

#: (start_s, end_s) of the two backchannels of de01 (its truth file)
PLACES = ((7.799, 8.404), (12.5224, 12.9324))

SPELLINGS = [
    "mhm", "Mhm.", "MHM", "M -HM,", "M-hm", "Mm-hmm.", "Mmhm", "Mhmm.", "Mh-hm", "hm", "Hm,", "Hmm.", "Hm hm.",
    "ja", "Ja.", "Ja, ja.", "Jaja.", "genau", "Genau.", "Ja, genau.", "okay", "Okay.", "OK.", "O.K.", "Okay, mhm.",
    "Ähm.", "M. H. M.",
]
#: real words at the same place: a contribution, not a backchannel (so the test can fail)
CONTENT = ["Moment", "Wie bitte?", "Nein, warten Sie", "Hm?"]


def _de01():
    return next(w for w in sample_wavs() if w.stem.startswith("de01"))


@pytest.fixture(scope="module")
def state():
    wav = _de01()
    calls = discover([wav], manifest=None, config=Config(), layout="auto").calls
    return run_steps(calls[0], config=Config(), context=Context(transcriber=ScriptedTranscriber(truth_of(wav))))


def _respelled(words, text: str | None):
    """The agent's words at both places replaced by ``text`` (None: no words, as when Whisper drops it)."""
    out = [w for w in words if not (w.speaker == "agent" and any(a - 0.05 <= w.start_s <= b for a, b in PLACES))]
    if text is not None:
        for a, b in PLACES:
            toks = text.split()
            step = (b - a) / len(toks)
            out += [Word("agent", t, a + i * step, a + (i + 0.9) * step, 0.8) for i, t in enumerate(toks)]
    return sorted(out, key=lambda w: w.start_s)


def _conversation(state, words):
    return analyse_conversation(
        activity={p: s.activity for p, s in state.parties.items()}, words=words, duration_s=state.audio.duration_s,
        language="de", config=state.config.turns, layout=state.layout,
    )


def _at_places(conv):
    return [o for o in conv.overlaps if o.interrupter == "agent" and any(o.start_s < b and o.end_s > a for a, b in PLACES)]


def test_the_sample_activity_has_both_backchannels(state):
    conv = _conversation(state, state.transcript.words)
    at = _at_places(conv)
    assert len(at) == 2 and all(o.kind == "backchannel" for o in at), conv.overlaps
    assert conv.per_speaker["agent"]["interruptions"] == 0
    assert conv.per_speaker["agent"]["backchannels"] == 2


@pytest.mark.parametrize("text", SPELLINGS + [None])
def test_every_asr_spelling_stays_a_backchannel(state, text):
    conv = _conversation(state, _respelled(state.transcript.words, text))
    at = _at_places(conv)
    assert len(at) == 2 and all(o.kind == "backchannel" for o in at), (text, at)
    assert conv.per_speaker["agent"]["interruptions"] == 0, text
    assert conv.per_speaker["agent"]["backchannels"] == 2, text
    # a backchannel is not a turn: the caller's story stays one turn
    caller_turns = [t for t in conv.turns if t.speaker == "caller" and t.start_s < 16.5 and t.end_s > 4.0]
    assert len(caller_turns) == 1, (text, caller_turns)


@pytest.mark.parametrize("text", CONTENT)
def test_a_real_word_at_the_same_place_is_a_contribution(state, text):
    conv = _conversation(state, _respelled(state.transcript.words, text))
    assert conv.per_speaker["agent"]["backchannels"] == 0, text
    assert all(o.kind != "backchannel" for o in _at_places(conv)), text


@pytest.mark.parametrize("token,hum", [("mhm", True), ("m-hm", True), ("mmhmm", True), ("hm", True), ("ähm", True),
                                       ("umm", True), ("uh", True), ("am", False), ("ham", False), ("um", False),
                                       ("mama", False), ("oh", True), ("hmm-", True), ("ohne", False)])
def test_is_hum(token, hum):
    assert is_hum(token) is hum


def test_m_hm_through_the_whole_pipeline(tmp_path):
    """End to end: the script's "mhm" transcribed as "M -HM," (as Whisper wrote it in three good calls)."""
    wav = _de01()
    truth = truth_of(wav)
    truth = dict(truth, segments=[dict(s, text="M -HM,") if s["text"] == "mhm" else s for s in truth["segments"]])
    src = tmp_path / "in" / "sonja" / "mhm.wav"
    src.parent.mkdir(parents=True)
    shutil.copy(wav, src)
    calls = discover([src], manifest=None, config=Config(), layout="auto").calls
    analyse_and_write(calls[0], tmp_path / "out", config=Config(), transcriber=ScriptedTranscriber(truth))
    rec = json.loads((tmp_path / "out" / "calls" / "mhm.json").read_text())
    ag = rec["speakers"]["agent"]
    assert ag["interruptions"] == 0 and ag["backchannels"] == 2
    assert [o["kind"] for o in rec["overlaps"] if o["interrupter"] == "agent" and o["start_s"] < 9.0] == ["backchannel"]
    assert not [f for f in rec["findings"] if f.get("rule_id", "").startswith(("M3", "M8"))], rec["findings"]

