"""Mono speaker separation: constructed two-voice calls, then the real pyannote phone call."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from callcheck.audio.separate import assign_speakers, separate_speakers
from callcheck.config import SeparationConfig
from callcheck.errors import CallcheckError
from callcheck.types import Interval as I
from callcheck.types import Word

DATA = Path(os.environ.get("CALLCHECK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
CFG = SeparationConfig()


def _overlap_s(a, b):
    return sum(max(0.0, min(x.end_s, y.end_s) - max(x.start_s, y.start_s)) for x in a for y in b)


def test_errors_are_one_clear_line():
    with pytest.raises(CallcheckError, match="1-D"):
        separate_speakers(np.zeros((2, 100)), 16000, speech=(), words=(), config=CFG)
    with pytest.raises(CallcheckError, match="agent_is"):
        separate_speakers(np.zeros(100), 16000, speech=(), words=(), config=SeparationConfig(agent_is="loudest"))


def test_too_little_speech_gives_zero_confidence():
    act, sep = separate_speakers(np.zeros(16000), 16000, speech=(I(0.1, 0.5),), words=(), config=CFG)
    assert sep.confidence == 0.0 and act["caller"] == ()


def test_assign_speakers_by_activity():
    words = [Word("agent", "hallo", 0.1, 0.5, 0.9), Word("agent", "ja", 3.1, 3.4, 0.9)]
    got = assign_speakers(words, {"agent": [I(0, 1)], "caller": [I(3, 4)]})
    assert [w.speaker for w in got] == ["agent", "caller"]


def _two_voice_call():
    emo = DATA / "emodb" / "wav"
    if not emo.exists():
        pytest.skip(f"real speech data not found at {DATA}")
    import librosa
    # speaker 03 (male) and 08 (female) of Emo-DB, neutral sentences, alternating with 0.4 s gaps
    a = sorted(emo.glob("03*N*.wav"))[:5]
    b = sorted(emo.glob("08*N*.wav"))[:5]
    if len(a) < 4 or len(b) < 4:
        pytest.skip("not enough Emo-DB files")
    sr = 16000
    track, truth, t = [], {"A": [], "B": []}, 0.5
    track.append(np.zeros(int(0.5 * sr), np.float32))
    for fa, fb in zip(a, b):
        for who, f in (("A", fa), ("B", fb)):
            y, _ = librosa.load(f, sr=sr)
            y, _ = librosa.effects.trim(y, top_db=35)
            track.append(y.astype(np.float32))
            truth[who].append(I(t, t + len(y) / sr))
            t += len(y) / sr + 0.4
            track.append(np.zeros(int(0.4 * sr), np.float32))
    x = np.concatenate(track)
    return x, sr, truth


def test_two_constructed_voices_are_separated_and_first_speaker_is_agent():
    x, sr, truth = _two_voice_call()
    speech = sorted(truth["A"] + truth["B"], key=lambda i: i.start_s)
    act, sep = separate_speakers(x, sr, speech=speech, words=(), config=CFG)
    total = sum(i.duration_s for i in speech)
    correct = _overlap_s(act["agent"], truth["A"]) + _overlap_s(act["caller"], truth["B"])
    assert correct / total > 0.85  # first speaker (A) is the agent, and most speech lands right
    for p, who in (("agent", "A"), ("caller", "B")):
        got = sum(i.duration_s for i in act[p])
        assert got == pytest.approx(sum(i.duration_s for i in truth[who]), rel=0.2)
    assert sep.confidence is not None and sep.confidence > 0.3
    # greeting words said by voice B make B the agent
    b0 = truth["B"][0]
    words = [Word("agent", t, b0.start_s + 0.2 * k, b0.start_s + 0.2 * k + 0.15, 0.9)
             for k, t in enumerate("Guten Tag, mein Name ist Anna".split())]
    act2, sep2 = separate_speakers(x, sr, speech=speech, words=words, config=CFG)
    assert _overlap_s(act2["agent"], truth["B"]) > _overlap_s(act2["agent"], truth["A"])
    assert "greeting" in sep2.notes[0]
    act3, _ = separate_speakers(x, sr, speech=speech, words=(), config=SeparationConfig(agent_is="most-talk"))
    assert sum(i.duration_s for i in act3["agent"]) >= sum(i.duration_s for i in act3["caller"])


def test_real_phone_call_talk_time_within_20_percent():
    ps = DATA / "pyannote-sample"
    if not (ps / "sample.wav").exists():
        pytest.skip(f"pyannote-sample not found at {DATA}")
    pytest.importorskip("callcheck.audio.activity")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import eval_mono

    res = eval_mono.evaluate(ps / "sample.wav", eval_mono.read_rttm(ps / "sample.rttm"), 0.25, CFG)
    for spk, t in res["talk"].items():
        assert abs(t["rel_error"]) <= 0.2, (spk, t)
    assert res["der_collar"] < 0.35  # measured 0.275 (docs/conversation.md); fails on a clear regression
