"""Conversation dynamics: constructed calls with known truth.

(a) pure interval/word inputs (always run); (b) stereo audio built from real utterances
(``$CALLCHECK_DATA`` or ../shared/data; skipped when absent) through
``callcheck.audio.activity.stereo_activity`` (skipped until it exists).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from callcheck.config import ActivityConfig, TurnsConfig
from callcheck.errors import CallcheckError
from callcheck.measures.conversation import analyse_conversation, load_lexicon
from callcheck.measures.questions import detect_questions
from callcheck.types import Interval as I
from callcheck.types import Word

CFG = TurnsConfig()
DATA = Path(os.environ.get("CALLCHECK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def words_of(speaker, text, start_s, end_s):
    toks = text.split()
    step = (end_s - start_s) / len(toks)
    return [Word(speaker, t, start_s + k * step, start_s + (k + 1) * step, 0.9) for k, t in enumerate(toks)]


def run(act, words=(), duration_s=30.0, layout="agent-left", language="de", config=CFG):
    return analyse_conversation(activity=act, words=list(words), duration_s=duration_s, language=language,
                                config=config, layout=layout)


# A call with known truth:
#  agent 0.0-4.0 greeting; caller replies after 0.3 s gap (4.3-9.0)
#  agent backchannel 6.0-6.4 inside the caller's story (no words: Whisper dropped it)
#  agent replies at 9.5 (gap 0.5) until 15.0; caller interrupts 12.0-13.5 (overlap 1.5 s)
#  dead air 15.0-19.0 (4 s); caller 19.0-22.0; agent starts early at 21.8 (0.2 s transition overlap), to 25
ACT = {
    "agent": [I(0.0, 4.0), I(6.0, 6.4), I(9.5, 15.0), I(21.8, 25.0)],
    "caller": [I(4.3, 9.0), I(12.0, 13.5), I(19.0, 22.0)],
}
GREETING = "Herzlich willkommen bei Grumps und Söhne, mein Name ist Sonja Müller, was kann ich für Sie tun?"
WORDS = words_of("agent", GREETING, 0.0, 4.0) + words_of("caller", "Mein Router geht nicht mehr seit gestern.", 4.3, 9.0) \
    + words_of("agent", "Verstehe. Seit wann genau ist das so? Haben Sie ihn neu gestartet?", 9.5, 15.0) \
    + words_of("caller", "Nein das habe ich schon", 12.0, 13.5)


def test_turns_gaps_and_talk_times_exact():
    c = run(ACT, WORDS)
    agent = [(t.start_s, t.end_s) for t in c.turns if t.speaker == "agent"]
    caller = [(t.start_s, t.end_s) for t in c.turns if t.speaker == "caller"]
    assert agent == [(0.0, 4.0), (9.5, 15.0), (21.8, 25.0)]  # the backchannel is not a turn
    assert caller == [(4.3, 9.0), (12.0, 13.5), (19.0, 22.0)]
    assert c.per_speaker["agent"]["talk_time_s"] == pytest.approx(4.0 + 0.4 + 5.5 + 3.2)
    assert c.per_speaker["caller"]["talk_time_s"] == pytest.approx(4.7 + 1.5 + 3.0)
    share = c.per_speaker["agent"]["talk_share"]
    assert share == pytest.approx(13.1 / (13.1 + 9.2))
    gaps = [(g["replier"], round(g["gap_s"], 3)) for g in c.summary["gaps"]]
    assert gaps == [("caller", 0.3), ("agent", 0.5), ("caller", 4.0), ("agent", -0.2)]
    assert c.per_speaker["caller"]["reply_latency_median_s"] == pytest.approx(2.15)
    assert c.per_speaker["agent"]["reply_latency_median_s"] == pytest.approx(0.15)
    assert c.summary["longest_agent_monologue_s"] == pytest.approx(5.5)
    assert c.summary["longest_caller_story_s"] == pytest.approx(4.7)
    assert c.per_speaker["agent"]["turn_count"] == 3


def test_interruption_backchannel_and_transition_overlap():
    c = run(ACT, WORDS)
    kinds = [(o.kind, o.interrupter, o.start_s, o.end_s) for o in c.overlaps]
    assert kinds == [("backchannel", "agent", 6.0, 6.4), ("interruption", "caller", 12.0, 13.5)]
    assert c.summary["interruptions"] == [{"start_s": 12.0, "end_s": 13.5, "duration_s": 1.5, "interrupter": "caller"}]
    assert c.per_speaker["caller"]["interruptions"] == 1
    assert c.per_speaker["agent"]["interruptions"] == 0
    assert c.per_speaker["agent"]["backchannels"] == 1
    assert c.summary["transition_overlaps"] == 1  # 21.8-22.0 is turn-taking, not an interruption
    assert c.summary["overlaps_reliable"] is True


def test_grace_window_decides_interruption():
    base = {"agent": [I(0.0, 10.0)], "caller": [I(5.0, 5.0 + 1.2)]}  # 1.2 s, longer than a backchannel
    c = run(base)
    assert [o.kind for o in c.overlaps] == ["interruption"]
    # an overlap at a turn end shorter than the grace window is no interruption
    c = run({"agent": [I(0.0, 10.0)], "caller": [I(9.6, 15.0)]})
    assert c.overlaps == () and c.summary["transition_overlaps"] == 1
    # but longer than the grace window it is, interrupter the later starter
    c = run({"agent": [I(0.0, 10.0)], "caller": [I(9.0, 15.0)]})
    assert [(o.kind, o.interrupter, o.duration_s) for o in c.overlaps] == [("interruption", "caller", pytest.approx(1.0))]
    # a configurable grace window
    c = run({"agent": [I(0.0, 10.0)], "caller": [I(9.0, 15.0)]}, config=TurnsConfig(interruption_grace_s=1.5))
    assert c.overlaps == ()


def test_short_overlap_with_content_words_is_not_a_backchannel():
    act = {"agent": [I(0.0, 10.0)], "caller": [I(4.0, 4.9)]}
    bc = run(act, words_of("caller", "mhm ja", 4.0, 4.9))
    assert [o.kind for o in bc.overlaps] == ["backchannel"]
    content = run(act, words_of("caller", "nein falsch", 4.0, 4.9))
    assert [(o.kind, o.interrupter) for o in content.overlaps] == [("interruption", "caller")]


def test_dead_air_and_switches():
    c = run(ACT, WORDS, duration_s=30.0)
    assert c.summary["dead_air"] == [{"start_s": 15.0, "end_s": 19.0}]
    # a 2.9 s silence is not dead air with the 3 s default, and is with 2.5 s
    act = {"agent": [I(1.0, 3.0), I(5.9, 8.0)], "caller": []}
    assert run(act).summary["dead_air"] == []
    assert run(act, config=TurnsConfig(dead_air_min_s=2.5)).summary["dead_air"] == [{"start_s": 3.0, "end_s": 5.9}]
    # switches: turns a, c, a, (c inside a), c, a by start time: 4 changes in 30 s = 8/min
    assert c.summary["speaker_switches_per_min"] == pytest.approx(4 / 0.5)


def test_pause_keeps_floor_unless_other_takes_it():
    act = {"agent": [I(0.0, 2.0), I(2.8, 5.0)], "caller": []}
    assert [(t.start_s, t.end_s) for t in run(act).turns] == [(0.0, 5.0)]
    act = {"agent": [I(0.0, 2.0), I(2.8, 5.0)], "caller": [I(2.1, 2.7)]}  # caller answers in the pause
    c = run(act, words_of("agent", "Ist das Ihr Router?", 0.0, 2.0) + words_of("caller", "Ja.", 2.1, 2.7))
    assert [t.speaker for t in c.turns] == ["agent", "caller", "agent"]
    assert c.per_speaker["caller"]["backchannels"] == 0


def test_greeting_components_and_stock_formulas():
    c = run(ACT, WORDS)
    g = c.greeting.to_json()
    assert (g["start_s"], g["end_s"], g["duration_s"], g["word_count"]) == (0.0, 4.0, 4.0, 17)
    assert g["components"] == {"company": True, "own_name": True, "offer_help": True}
    assert g["stock_formulas"] == ["herzlich willkommen bei", "mein name ist", "was kann ich für sie tun"]
    assert g["caller_can_speak_s"] == 4.0
    short = run({"agent": [I(0.5, 2.5)], "caller": [I(3.0, 5.0)]},
                words_of("agent", "Grumps Söhne, Sonja Müller, guten Tag.", 0.5, 2.5),
                config=TurnsConfig(company_names=("Grumps",))).greeting
    assert short.company and not short.offer_help and short.stock_formulas == () and short.word_count == 6
    en = run({"agent": [I(0.0, 3.0)], "caller": [I(3.5, 5.0)]},
             words_of("agent", "Thank you for calling Acme, my name is Joe, how may I help you?", 0.0, 3.0),
             language="en").greeting
    assert (en.company, en.own_name, en.offer_help) == (True, True, True)
    assert "thank you for calling" in en.stock_formulas and "how may i help you" in en.stock_formulas


def test_questions_open_closed_de_en():
    lex = load_lexicon("de")
    q = detect_questions(words=WORDS, open_starts=lex.open_starts, closed_starts=lex.closed_starts, max_pause_s=1.0)
    got = [(x.speaker, x.kind, x.text) for x in q]
    assert got == [("agent", "open", GREETING), ("agent", "open", "Seit wann genau ist das so?"),
                   ("agent", "closed", "Haben Sie ihn neu gestartet?")]
    c = run(ACT, WORDS)
    assert c.per_speaker["agent"]["questions"] == 3
    assert (c.per_speaker["agent"]["open_questions"], c.per_speaker["agent"]["closed_questions"]) == (2, 1)
    assert c.per_speaker["agent"]["questions_per_min"] == pytest.approx(6.0)
    lex = load_lexicon("en")
    w = words_of("agent", "What happened? Did you restart it? I restarted it. so how long has it been", 0, 8)
    q = detect_questions(words=w, open_starts=lex.open_starts, closed_starts=lex.closed_starts, max_pause_s=1.0)
    assert [(x.kind, x.text) for x in q] == [("open", "What happened?"), ("closed", "Did you restart it?"),
                                             ("open", "so how long has it been")]


def test_layouts_agent_only_and_mono():
    solo = run({"agent": [I(0.0, 3.0)]}, words_of("agent", "Hallo, hier ist Anna.", 0.0, 3.0), layout="agent-only")
    assert set(solo.per_speaker) == {"agent"} and solo.per_speaker["agent"]["talk_share"] == 1.0
    assert solo.greeting is not None and solo.greeting.own_name
    mono = run(ACT, WORDS, layout="mono")
    assert mono.overlaps == () and mono.summary["overlaps_reliable"] is False
    assert mono.summary["interruptions"] is None and mono.per_speaker["caller"]["interruptions"] is None
    assert any("mono" in n for n in mono.summary["notes"])
    with pytest.raises(CallcheckError, match="auto"):
        run(ACT, layout="auto")


def test_empty_call():
    c = run({"agent": [], "caller": []})
    assert c.turns == () and c.overlaps == () and c.greeting is None
    assert c.per_speaker["agent"]["talk_share"] is None
    assert c.per_speaker["agent"]["reply_latency_median_s"] is None


# ---------------------------------------------------------------- (b) stereo audio from real speech

def _utterances():
    emo = DATA / "emodb"
    lst = emo / "complete_within_2s.txt"
    if not lst.exists():
        pytest.skip(f"real speech data not found at {DATA}")
    import librosa
    names = [n.strip() for n in lst.read_text().split() if n.strip().endswith(".wav")][:40]
    out = {}
    for n in names:
        y, _ = librosa.load(emo / "wav" / n, sr=16000, mono=True)
        yt, idx = librosa.effects.trim(y, top_db=35)
        out[n] = yt.astype(np.float32)
    return out


def _place(track, clip, start_s, sr=16000):
    i = int(round(start_s * sr))
    track[i:i + len(clip)] += clip
    return Interval_of(start_s, len(clip) / sr)


def Interval_of(start_s, dur_s):
    return I(start_s, start_s + dur_s)


def _build_call(utts):
    """Agent/caller tracks with known truth: turns, an interruption, a backchannel, dead air."""
    sr = 16000
    clips = [c for c in utts.values() if 1.2 <= len(c) / sr <= 2.0]
    short = min(utts.values(), key=len)
    if len(clips) < 8:
        pytest.skip("not enough complete Emo-DB sentences")
    short = short[: int(0.5 * sr)]  # a backchannel-length vocalisation (<= 0.5 s)
    agent = np.zeros(40 * sr, np.float32)
    caller = np.zeros(40 * sr, np.float32)
    truth = {"agent": [], "caller": []}
    t = 0.5
    truth["agent"].append(_place(agent, clips[0], t)); t = truth["agent"][-1].end_s + 0.4
    truth["caller"].append(_place(caller, clips[1], t)); t2 = truth["caller"][-1].end_s
    # caller story with a backchannel of the agent in the middle of a second sentence
    truth["caller"].append(_place(caller, clips[2], t2 + 0.3)); mid = truth["caller"][-1]
    bc = _place(agent, short, mid.start_s + 0.3)
    t = truth["caller"][-1].end_s + 0.5
    truth["agent"].append(_place(agent, clips[3], t))
    agent_turn = truth["agent"][-1]
    truth["agent"].append(_place(agent, clips[4], agent_turn.end_s + 0.3))
    # interruption: the caller starts 1.0 s before the agent's second sentence ends
    intr_start = truth["agent"][-1].end_s - 1.0
    truth["caller"].append(_place(caller, clips[5], intr_start))
    interruption = (intr_start, truth["agent"][-1].end_s)
    # dead air 4 s, then agent again
    t = truth["caller"][-1].end_s + 4.0
    truth["agent"].append(_place(agent, clips[6], t))
    dead = (truth["caller"][-1].end_s, t)
    truth["caller"].append(_place(caller, clips[7], truth["agent"][-1].end_s + 0.3))
    end = truth["caller"][-1].end_s + 0.5
    n = int(end * sr)
    return agent[:n], caller[:n], truth, bc, interruption, dead, end


@pytest.mark.parametrize("leak", [0.0, 0.1])
def test_stereo_call_from_real_speech(leak):
    activity_mod = pytest.importorskip("callcheck.audio.activity", reason="stereo_activity not written yet")
    utts = _utterances()
    agent, caller, truth, bc, interruption, dead, end = _build_call(utts)
    a_ch, c_ch = agent + leak * caller, caller + leak * agent  # crosstalk at -20 dB when leak = 0.1
    act = activity_mod.stereo_activity(a_ch, c_ch, 16000, config=ActivityConfig())
    c = run(act, duration_s=end)
    ints = [o for o in c.overlaps if o.kind == "interruption"]
    assert len(ints) == 1, c.overlaps
    assert ints[0].interrupter == "caller"
    assert ints[0].start_s == pytest.approx(interruption[0], abs=0.2)
    assert ints[0].duration_s == pytest.approx(interruption[1] - interruption[0], abs=0.2)
    assert all(o.kind == "backchannel" for o in c.overlaps if o.start_s < bc.end_s + 0.2 and o.end_s > bc.start_s - 0.2)
    assert c.per_speaker["agent"]["backchannels"] >= 1
    for p in ("agent", "caller"):
        true_s = sum(i.duration_s for i in truth[p]) + (bc.duration_s if p == "agent" else 0.0)
        assert c.per_speaker[p]["talk_time_s"] == pytest.approx(true_s, rel=0.05), p
    assert len(c.summary["dead_air"]) == 1
    d = c.summary["dead_air"][0]
    assert d["start_s"] == pytest.approx(dead[0], abs=0.25) and d["end_s"] == pytest.approx(dead[1], abs=0.25)


def test_mumbled_backchannel_transcribed_as_letters_is_still_a_backchannel():
    # Whisper rendered a synthetic "mhm" as "M -A -M -I" on de01: letters are not words
    from callcheck.measures.turns import _is_backchannel_text

    tokens = frozenset({"mhm", "ja", "genau"})
    letters = [Word("agent", t, 7.8 + 0.1 * i, 7.85 + 0.1 * i, 0.5) for i, t in enumerate(["M", "-A", "-M", "-I"])]
    assert _is_backchannel_text(letters, tokens)
    objection = [Word("agent", "Nein,", 1.0, 1.2, 0.9), Word("agent", "falsch.", 1.2, 1.5, 0.9)]
    assert not _is_backchannel_text(objection, tokens)


def test_a_mumbled_word_in_a_backchannel_is_tolerated():
    from callcheck.measures.turns import _is_backchannel_text

    tokens = frozenset({"mhm", "ja", "genau"})
    assert _is_backchannel_text([Word("agent", "MIM,", 7.7, 7.9, 0.34), Word("agent", "ja,", 8.0, 8.3, 0.9)], tokens)
    assert not _is_backchannel_text([Word("agent", "Moment,", 7.7, 7.9, 0.8), Word("agent", "ja,", 8.0, 8.3, 0.9)], tokens)
    assert not _is_backchannel_text([Word("agent", "Moment,", 1.0, 1.3, 0.9), Word("agent", "falsch.", 1.3, 1.6, 0.9)], tokens)
    assert not _is_backchannel_text([Word("agent", "Wirklich?", 1.0, 1.3, 0.9)], tokens)
