"""The synthetic sample calls in ``samples/`` and their truth JSON (no ASR model needed).

The calls are made by ``samples/make_samples.py`` with espeak-ng; these tests check the files on
disk: format, a consistent truth, coverage of the eight mistakes, that the truth times are the true
speech bounds, that crosstalk is only a leak, and that the acoustic design holds (the toneless call
is flat, measured with ``librosa.yin``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TRUTHS = sorted(SAMPLES.glob("*/*.truth.json"))
GOOD_PRACTICE = {
    "question",
    "empathy",
    "backchannel",
    "promise",
    "short_greeting",
    "listening",
}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def wav_of(truth_path: Path) -> Path:
    return truth_path.with_name(truth_path.name.replace(".truth.json", ".wav"))


def rms_dbfs(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-20))


def span(
    audio: np.ndarray, start_s: float, end_s: float, ch: int, sr: int = 16000
) -> np.ndarray:
    return audio[max(0, round(start_s * sr)) : round(end_s * sr), ch]


def by_id() -> dict[str, dict]:
    return {load(p)["call_id"]: load(p) for p in TRUTHS}


def test_five_calls_two_agents_both_languages():
    assert len(TRUTHS) == 5
    truths = [load(p) for p in TRUTHS]
    assert len({t["agent"] for t in truths}) == 2
    langs = [t["language"] for t in truths]
    assert langs.count("de") >= 2 and langs.count("en") >= 2
    for p, t in zip(TRUTHS, truths):
        assert p.parent.name == t["agent"], "the parent folder is the agent's name"
        assert p.name == f"{t['call_id']}.truth.json"
        assert wav_of(p).is_file()
    assert len({t["call_id"] for t in truths}) == 5


@pytest.mark.parametrize(
    "truth_path", TRUTHS, ids=lambda p: p.parent.name + "/" + p.name
)
def test_wav_format(truth_path):
    t = load(truth_path)
    info = sf.info(wav_of(truth_path))
    assert info.channels == 2
    assert info.samplerate == 16000 == t["sample_rate"]
    assert info.subtype == "PCM_16"
    assert 25.0 <= info.duration <= 50.0
    assert info.duration == pytest.approx(t["duration_s"], abs=1e-3)


@pytest.mark.parametrize(
    "truth_path", TRUTHS, ids=lambda p: p.parent.name + "/" + p.name
)
def test_truth_consistent(truth_path):
    t = load(truth_path)
    assert t["layout"] == "agent-left" and t["language"] in ("de", "en")
    dur = t["duration_s"]
    segs = t["segments"]
    assert segs and segs[0]["speaker"] == "agent", "the agent answers the phone"
    for s in segs:
        assert s["speaker"] in ("agent", "caller")
        assert 0.0 <= s["start_s"] < s["end_s"] <= dur
        assert (
            s["text"].strip()
            and isinstance(s["voice"], dict)
            and s["voice"]["espeak_voice"]
        )
    for party in ("agent", "caller"):
        mine = [s for s in segs if s["speaker"] == party]
        assert mine, party
        for a, b in pairwise(mine):
            assert a["end_s"] <= b["start_s"], (
                f"{party} segments overlap or are out of order"
            )
    agent_voices = {s["voice"]["espeak_voice"] for s in segs if s["speaker"] == "agent"}
    caller_voices = {
        s["voice"]["espeak_voice"] for s in segs if s["speaker"] == "caller"
    }
    assert not agent_voices & caller_voices, (
        "agent and caller must have different voices"
    )
    for f in t["intended_findings"]:
        assert f["mistake"] in range(1, 9)
        assert 0.0 <= f["start_s"] < f["end_s"] <= dur and f["why"]
    for g in t["good_practice"]:
        assert g["what"] in GOOD_PRACTICE
        assert 0.0 <= g["start_s"] < g["end_s"] <= dur and g["text"]
    for p in t["promises"]:
        assert 0.0 <= p["start_s"] < p["end_s"] <= dur and p["text"]


def test_all_eight_mistakes_covered_and_one_clean_call():
    truths = [load(p) for p in TRUTHS]
    covered = {f["mistake"] for t in truths for f in t["intended_findings"]}
    assert covered == set(range(1, 9))
    clean = [t for t in truths if not t["intended_findings"]]
    assert len(clean) == 1
    kinds = {g["what"] for g in clean[0]["good_practice"]}
    assert {"question", "empathy", "backchannel", "promise", "short_greeting"} <= kinds
    assert clean[0]["promises"]


@pytest.mark.parametrize(
    "truth_path", TRUTHS, ids=lambda p: p.parent.name + "/" + p.name
)
def test_own_channel_dominates_crosstalk_is_a_leak(truth_path):
    """In each party's speech (outside overlaps) its own channel is >= 20 dB above the other."""
    t = load(truth_path)
    audio, _ = sf.read(wav_of(truth_path), dtype="float64")
    for s in t["segments"]:
        own = 0 if s["speaker"] == "agent" else 1
        others = [
            (o["start_s"], o["end_s"])
            for o in t["segments"]
            if o["speaker"] != s["speaker"]
        ]
        # the part of this segment where the other party is silent
        pieces, cur = [], s["start_s"]
        for a, b in sorted(others):
            if b <= cur or a >= s["end_s"]:
                continue
            if a > cur:
                pieces.append((cur, a))
            cur = max(cur, b)
        if cur < s["end_s"]:
            pieces.append((cur, s["end_s"]))
        pieces = [(a, b) for a, b in pieces if b - a >= 0.05]
        if not pieces:  # a backchannel entirely inside the other's speech
            assert s["kind"] == "backchannel"
            continue
        x_own = np.concatenate([span(audio, a, b, own) for a, b in pieces])
        x_other = np.concatenate([span(audio, a, b, 1 - own) for a, b in pieces])
        assert rms_dbfs(x_own) - rms_dbfs(x_other) >= 20.0, (s["speaker"], s["start_s"])
        # ... and the leak is really there (about -30 dB), not absent
        assert rms_dbfs(x_own) - rms_dbfs(x_other) <= 40.0, (s["speaker"], s["start_s"])


@pytest.mark.parametrize(
    "truth_path", TRUTHS, ids=lambda p: p.parent.name + "/" + p.name
)
def test_segment_times_are_speech_bounds(truth_path):
    """Where nobody else talks: only noise just outside [start_s, end_s], speech just inside."""
    t = load(truth_path)
    audio, _ = sf.read(wav_of(truth_path), dtype="float64")
    w = 0.05
    checked = 0
    for s in t["segments"]:
        own = 0 if s["speaker"] == "agent" else 1

        def quiet(a, b, s=s):
            return all(
                o["end_s"] <= a or o["start_s"] >= b
                for o in t["segments"]
                if o is not s
            )

        if s["end_s"] - s["start_s"] > 2 * w and quiet(s["start_s"] - w, s["start_s"]):
            before = rms_dbfs(span(audio, s["start_s"] - w, s["start_s"], own))
            after = rms_dbfs(span(audio, s["start_s"], s["start_s"] + w, own))
            assert before < -50.0 and after - before >= 6.0, (
                "start",
                s["start_s"],
                before,
                after,
            )
            checked += 1
        if s["end_s"] - s["start_s"] > 2 * w and quiet(s["end_s"], s["end_s"] + w):
            x = span(audio, s["end_s"] - w, s["end_s"], own)  # loudest 5 ms frame in it
            inside = max(rms_dbfs(x[i : i + 80]) for i in range(0, len(x) - 79, 80))
            after = rms_dbfs(span(audio, s["end_s"], s["end_s"] + w, own))
            assert after < -50.0 and inside - after >= 6.0, (
                "end",
                s["end_s"],
                inside,
                after,
            )
            checked += 1
    assert checked >= len(t["segments"])


def _agent_f0_range_st(call_id: str) -> float:
    librosa = pytest.importorskip("librosa")
    t = by_id()[call_id]
    audio, sr = sf.read(SAMPLES / t["agent"] / f"{call_id}.wav", dtype="float64")
    voiced = []
    for s in t["segments"]:
        if s["speaker"] != "agent" or s["end_s"] - s["start_s"] < 0.3:
            continue
        x = span(audio, s["start_s"], s["end_s"], 0)
        f0 = librosa.yin(x, fmin=70, fmax=400, sr=sr, frame_length=1024, hop_length=160)
        rms = librosa.feature.rms(y=x, frame_length=1024, hop_length=160)[0]
        n = min(len(f0), len(rms))
        voiced.append(f0[:n][rms[:n] > 0.3 * rms[:n].max()])
    st = 12 * np.log2(np.concatenate(voiced) / np.median(np.concatenate(voiced)))
    p10, p90 = np.percentile(st, [10, 90])
    return float(p90 - p10)


def test_toneless_call_is_flatter_than_the_same_agents_lively_call():
    """Mistake 1 by construction: de02's agent F0 10-90 % range is far below de01's (same voice)."""
    lively = _agent_f0_range_st("de01_good_practice")
    flat = _agent_f0_range_st("de02_greeting_toneless_indifferent")
    assert lively > 3.0
    assert flat < 2.0 and flat < 0.5 * lively


def test_design_of_each_call():
    c = by_id()
    # 2: indifferent agent answers late; 4: long greeting
    de02 = c["de02_greeting_toneless_indifferent"]
    agent_gaps = [g["gap_s"] for g in de02["reply_gaps"] if g["by"] == "agent"]
    assert agent_gaps and min(agent_gaps) >= 2.5
    greet = de02["segments"][0]
    assert greet["word_count"] >= 14 and greet["end_s"] - greet["start_s"] > 5.0
    short = c["de01_good_practice"]["segments"][0]
    assert short["word_count"] <= 7 and short["end_s"] - short["start_s"] < 3.5
    # 3: two interruptions where both talk > 1 s; 8: agent talks > 70 %
    en03 = c["en03_impatient_knowitall"]
    ints = [o for o in en03["overlaps"] if o["kind"] == "interruption"]
    assert len(ints) >= 2 and all(o["end_s"] - o["start_s"] > 1.0 for o in ints)
    assert all(o["interrupter"] == "agent" for o in ints)
    assert en03["agent_talk_share"] > 0.7
    # backchannels of the clean call are short and inside the caller's speech
    de01 = c["de01_good_practice"]
    bcs = [o for o in de01["overlaps"] if o["kind"] == "backchannel"]
    assert len(bcs) >= 2 and all(o["end_s"] - o["start_s"] < 1.0 for o in bcs)
    assert all(0.0 < g["gap_s"] < 1.0 for g in de01["reply_gaps"])
    # 5 before 7, rushed gaps < 0.15 s, the too-fast turns faster than the rushed ones
    en04 = c["en04_rushed_too_fast"]
    f5 = next(f for f in en04["intended_findings"] if f["mistake"] == 5)
    f7 = min(
        (f for f in en04["intended_findings"] if f["mistake"] == 7),
        key=lambda f: f["start_s"],
    )
    assert f5["end_s"] < f7["start_s"]
    in_ = lambda s, f: f["start_s"] <= s["start_s"] and s["end_s"] <= f["end_s"]
    rushed = [s for s in en04["segments"] if s["speaker"] == "agent" and in_(s, f5)]
    fast = [s for s in en04["segments"] if s["speaker"] == "agent" and in_(s, f7)]
    assert len(rushed) >= 3 and len(fast) >= 2
    assert [s["voice"]["speed_wpm"] for s in rushed] == sorted(
        s["voice"]["speed_wpm"] for s in rushed
    )
    assert min(s["speech_rate_wpm"] for s in fast) > max(
        s["speech_rate_wpm"] for s in rushed
    )
    gaps = [
        g["gap_s"]
        for g in en04["reply_gaps"]
        if f5["start_s"] <= g["at_s"] <= f5["end_s"] + 1
    ]
    assert gaps and max(gaps) < 0.15
    # 6: degraded agent turns, followed by the caller's repair requests
    de05 = c["de05_unclear"]
    degraded = [s for s in de05["segments"] if s.get("degraded")]
    assert degraded and all(s["speaker"] == "agent" for s in degraded)
    texts = " ".join(s["text"] for s in de05["segments"] if s["speaker"] == "caller")
    assert "Wie bitte?" in texts and "wiederholen" in texts


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_generator_is_deterministic(tmp_path):
    """Regenerating gives the committed files (when the espeak-ng version is the same)."""
    version = subprocess.run(
        ["espeak-ng", "--version"], capture_output=True, text=True, check=True
    ).stdout
    if load(TRUTHS[0])["synthesis"]["espeak_ng"] != version.strip():
        pytest.skip("another espeak-ng version than the one the samples were made with")
    subprocess.run(
        [sys.executable, str(SAMPLES / "make_samples.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for p in TRUTHS:
        new = tmp_path / p.parent.name / p.name
        assert load(new) == load(p), p.name
        assert (new.with_name(wav_of(p).name)).read_bytes() == wav_of(p).read_bytes(), (
            p.name
        )
