"""The redact step in the pipeline: records carry redacted text only, measures and findings are
those of the clear words, the clear text lives in OUT/private/ (owner-only) when configured."""

from __future__ import annotations

import dataclasses
import json
import stat
from pathlib import Path

import pytest

from callcheck.calljob import analyse_and_write
from callcheck.discover import discover
from callcheck.config import Config, PrivacyConfig
from callcheck.privacy.redact import Redaction, redact_transcript
from callcheck.record import load_record
from callcheck.types import Word
from tests.conftest import SAMPLES, ScriptedTranscriber, truth_of

DE01 = SAMPLES / "sonja" / "de01_good_practice.wav"
DE05 = SAMPLES / "sonja" / "de05_unclear.wav"
EN04 = SAMPLES / "ben" / "en04_rushed_too_fast.wav"


def cfg_with(**privacy) -> Config:
    return dataclasses.replace(Config(), privacy=PrivacyConfig(**privacy))


def analyse(wav: Path, out: Path, config: Config) -> dict:
    info = discover([wav], manifest=None, config=config, out_dir=out).calls[0]
    o = analyse_and_write(info, out, config=config, transcriber=ScriptedTranscriber(truth_of(wav)))
    assert o.status == "done", o.reason
    return json.loads((out / "calls" / f"{info.call_id}.json").read_text(encoding="utf-8"))


def every_text(rec: dict) -> str:
    """All text of a record a reader could see: words, turns, greeting, questions, quotes."""
    return json.dumps({k: rec.get(k) for k in ("words", "turns", "greeting", "conversation", "findings", "strengths",
                                               "promises")}, ensure_ascii=False)


def verdicts(items: list) -> list:
    """What a rule decided (id, rule, kind, severity, times), without quotes and texts."""
    keys = ("id", "rule_id", "kind", "mistake", "severity", "start_s", "end_s")
    return [tuple(f.get(k) for k in keys) for f in items]


def w(speaker, text, t):
    return Word(speaker, text, t, t + 0.4, 0.9)


def test_redaction_texts_follow_the_words():
    words = [w("agent", "Grumps", 0.0), w("agent", "und", 0.5), w("agent", "Söhne,", 1.0), w("agent", "Sonja", 1.5),
             w("agent", "Müller,", 2.0), w("caller", "hier", 3.0), w("caller", "ist", 3.5), w("caller", "Peter", 4.0),
             w("caller", "Wagner.", 4.5), w("caller", "Meine", 5.0), w("caller", "Kundennummer", 5.5),
             w("caller", "ist", 6.0)] + [w("caller", d, 6.5 + 0.5 * k) for k, d in enumerate("4 7 1 1 2 9".split())]
    red = redact_transcript(words, language="de", config=PrivacyConfig(), agent_names=("sonja",))
    assert isinstance(red, Redaction) and red.mode == "caller"
    kinds = [s.kind for s in red.spans]
    assert kinds == ["name", "number"], kinds
    texts = [x.text for x in red.words]
    assert "[NAME]." in texts and "[NUMMER]" in texts and "Sonja" in texts  # the agent's own name stays
    turn = "hier ist Peter Wagner. Meine Kundennummer ist 4 7 1 1 2 9"
    assert red.text(turn, "caller", 3.0, 9.5) == "hier ist [NAME]. Meine Kundennummer ist [NUMMER]"
    # a part of a turn (a question, a quote) is found by its words
    assert red.text("Meine Kundennummer ist 4 7 1 1 2 9", "caller", 5.0, 9.5) == "Meine Kundennummer ist [NUMMER]"
    # the agent's text is the agent's: untouched
    assert red.text("Grumps und Söhne, Sonja Müller,", "agent", 0.0, 2.4) == "Grumps und Söhne, Sonja Müller,"
    # a text that is not made of the words is redacted by the detectors on its own
    assert "Wagner" not in red.text("Herr Wagner rief an", "caller", 3.0, 5.0)
    off = redact_transcript(words, language="de", config=PrivacyConfig(redact="off"))
    assert off.words == tuple(words) and off.spans == () and off.text(turn, "caller", 3.0) == turn


def test_record_is_redacted_and_measures_unchanged(tmp_path):
    clear = analyse(DE01, tmp_path / "off", cfg_with(redact="off"))
    red = analyse(DE01, tmp_path / "caller", Config())
    assert clear["privacy"] == {"mode": "off", "spans": [], "clear_text": None}
    assert red["privacy"]["mode"] == "caller" and red["privacy"]["clear_text"] is None
    kinds = {(s["kind"], s["speaker"]) for s in red["privacy"]["spans"]}
    assert ("name", "caller") in kinds
    assert "Wagner" in every_text(clear) and "Wagner" not in every_text(red)
    assert "[NAME]" in every_text(red)
    assert "Sonja" in red["greeting"]["text"]  # the agent's own name is part of the greeting measure
    # every measure, count and finding is the same; only texts differ
    for party in ("agent", "caller"):
        a = {k: v for k, v in clear["speakers"][party].items()}
        b = {k: v for k, v in red["speakers"][party].items()}
        assert a == b, party
    assert {k: v for k, v in clear["greeting"].items() if k != "text"} == \
        {k: v for k, v in red["greeting"].items() if k != "text"}
    assert [(t["speaker"], t["start_s"], t["end_s"]) for t in clear["turns"]] == \
        [(t["speaker"], t["start_s"], t["end_s"]) for t in red["turns"]]
    for key in ("findings", "strengths", "promises"):
        assert verdicts(clear[key]) == verdicts(red[key]), key
    rec = load_record(tmp_path / "caller" / "calls" / f"{red['call_id']}.json")
    assert rec.privacy_mode == "caller" and rec.pii_spans and all(s.end_s > s.start_s for s in rec.pii_spans)


@pytest.mark.parametrize("wav", [DE05, EN04], ids=lambda p: p.stem)
def test_findings_unchanged_by_redaction_on_the_samples(tmp_path, wav):
    clear = analyse(wav, tmp_path / "off", cfg_with(redact="off"))
    for mode in ("caller", "all"):
        red = analyse(wav, tmp_path / mode, cfg_with(redact=mode))
        for key in ("findings", "strengths", "promises"):
            assert verdicts(clear[key]) == verdicts(red[key]), (mode, key)
        assert clear["speakers"] == red["speakers"]


def test_clear_text_store_is_private(tmp_path):
    out = tmp_path / "out"
    rec = analyse(DE05, out, cfg_with(clear_text=True))
    assert rec["privacy"]["clear_text"] == f"private/{rec['call_id']}.json"
    f = out / rec["privacy"]["clear_text"]
    data = json.loads(f.read_text(encoding="utf-8"))
    assert "Becker" in " ".join(x["text"] for x in data["words"])
    assert any(s["kind"] == "name" and "Becker" in s["text"] for s in data["spans"])
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert stat.S_IMODE((out / "private").stat().st_mode) == 0o700
    cache = out / "private" / "transcripts"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(x.stat().st_mode) == 0o600 for x in cache.iterdir())
    # nothing outside private/ holds the caller's name
    for p in out.rglob("*"):
        if p.is_file() and "private" not in p.relative_to(out).parts:
            assert "Becker" not in p.read_text(encoding="utf-8", errors="ignore"), p


def test_outputs_are_owner_only_by_default(tmp_path):
    out = tmp_path / "out"
    analyse(DE05, out, Config())
    for p in out.rglob("*"):
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), (p, oct(mode))


def test_file_mode_group_relaxes_outputs_but_not_private(tmp_path):
    from callcheck import fsutil

    out = tmp_path / "out"
    try:
        fsutil.set_file_mode("group")
        analyse(DE05, out, cfg_with(file_mode="group"))
    finally:
        fsutil.set_file_mode("owner")
    rec = next((out / "calls").glob("*.json"))
    assert stat.S_IMODE(rec.stat().st_mode) == 0o640
    assert stat.S_IMODE((out / "calls").stat().st_mode) == 0o750
    assert stat.S_IMODE((out / "private").stat().st_mode) == 0o700
    assert all(stat.S_IMODE(x.stat().st_mode) == 0o600 for x in (out / "private" / "transcripts").iterdir())


def test_audio_spans_cover_what_the_timing_squeezed_and_untranscribed_speech():
    from callcheck.privacy.redact import MAX_EXTEND_DICTATED_S, audio_spans
    from callcheck.types import Interval

    words = [w("caller", "Meine", 1.0), w("caller", "Kundennummer", 1.5), w("caller", "ist", 2.0),
             w("caller", "4711299.", 5.0), w("caller", "Danke.", 9.0), w("agent", "Gut.", 10.0)]
    red = redact_transcript(words, language="de", config=PrivacyConfig())
    assert [s.kind for s in red.spans] == ["number"] and red.spans[0].start_s == 5.0
    act = {"caller": [Interval(1.0, 9.4), Interval(12.0, 14.0)], "agent": [Interval(10.0, 10.4)]}
    spans = audio_spans(red, act)
    num = next(a for a in spans if a.kind == "number")
    # a dictated value's audio reaches over one unredacted word on each side (the recogniser times
    # the cue's last word and the next word into the dictation): from the end of "Kundennummer" on,
    # over "Danke." up to MAX_EXTEND_DICTATED_S after the number's last word
    assert num.start_s == pytest.approx(1.9) and num.end_s == pytest.approx(5.4 + MAX_EXTEND_DICTATED_S)
    untr = [a for a in spans if a.kind == "untranscribed"]
    assert [(round(a.start_s, 2), round(a.end_s, 2)) for a in untr] == [(12.0, 14.0)]  # caller speech, no words
    # the record stores these times; the words' own times without activity
    red2 = redact_transcript(words, language="de", config=PrivacyConfig(), activity=act)
    assert any(x["kind"] == "untranscribed" for x in red2.spans_json())
    assert redact_transcript(words, language="de", config=PrivacyConfig()).spans_json()[0]["start_s"] == 5.0
    assert audio_spans(redact_transcript(words, language="de", config=PrivacyConfig(redact="off")), act) == ()


def test_audio_spans_reach_over_number_words_and_dictation_pauses():
    from callcheck.privacy.redact import audio_spans
    from callcheck.types import Interval

    # a number word the detectors left out next to the value is covered too, then one more word
    words = [w("caller", "Das", 0.5), w("caller", "ist", 1.0), w("caller", "gut.", 1.5), w("caller", "Meine", 2.0),
             w("caller", "Kundennummer", 2.5), w("caller", "ist", 3.0), w("caller", "4711299.", 3.5),
             w("caller", "Zwei", 4.0), w("caller", "Drucker", 4.5), w("caller", "habe", 5.0), w("caller", "ich.", 5.5)]
    red = redact_transcript(words, language="de", config=PrivacyConfig())
    assert [(s.kind, s.text) for s in red.spans] == [("number", "4711299.")]
    num = next(a for a in audio_spans(red, {"caller": [Interval(0.5, 5.9)]}) if a.kind == "number")
    assert num.start_s == pytest.approx(2.9) and num.end_s == pytest.approx(5.0)  # "ist" .. "Zwei" "Drucker"
    # a names's audio does not reach over its neighbours
    words = [w("caller", "Ich", 0.5), w("caller", "heiße", 1.0), w("caller", "Klaus", 1.5), w("caller", "Becker.", 2.0),
             w("caller", "Danke.", 2.5)]
    red = redact_transcript(words, language="de", config=PrivacyConfig())
    name = next(a for a in audio_spans(red, {"caller": [Interval(0.5, 2.9)]}) if a.kind == "name")
    assert name.start_s == pytest.approx(1.4) and name.end_s == pytest.approx(2.5)
    # speech the recogniser wrote nothing for, in pieces shorter than a second between dictation
    # pauses, is muted as one stretch
    words = [w("caller", "Hallo.", 0.5), w("caller", "Tschüss.", 9.0)]
    red = redact_transcript(words, language="de", config=PrivacyConfig())
    act = {"caller": [Interval(0.5, 0.9), Interval(2.0, 2.8), Interval(3.0, 3.8), Interval(4.0, 4.8), Interval(9.0, 9.4)]}
    untr = [(round(a.start_s, 2), round(a.end_s, 2)) for a in audio_spans(red, act) if a.kind == "untranscribed"]
    assert untr == [(2.0, 4.8)]


# ------------------------------------------------------------------ the second reading (privacy.second_reading)


def test_second_reading_redacts_what_only_it_shows():
    """A dictation the shown reading garbled past every detector ("Sonne Wolke ...") is redacted
    where a second decoding of the same speech wrote it readably; the rest is left alone."""
    garbled = "Sonne Wolke Regen Baum Hund Katze".split()
    words = ([w("caller", "Meine", 5.0), w("caller", "Kundennummer", 5.5), w("caller", "ist", 6.0)]
             + [w("caller", t, 6.5 + 0.5 * k) for k, t in enumerate(garbled)]
             + [w("agent", "mhm", 7.0), w("caller", "Danke.", 10.0)])
    words.sort(key=lambda x: x.start_s)
    second = ([w("caller", "Meine", 5.0), w("caller", "Kundennummer", 5.5), w("caller", "ist", 6.0)]
              + [w("caller", d, 6.5 + 0.5 * k) for k, d in enumerate("4 7 1 1 2 9".split())]
              + [w("caller", "Danke.", 10.0), w("caller", "0", 30.0), w("caller", "1 7 2 3 4 5 6 7", 30.5)])
    assert redact_transcript(words, language="de", config=PrivacyConfig()).spans == ()  # garbled past the rules
    red = redact_transcript(words, language="de", config=PrivacyConfig(), second_reading=second)
    assert [(s.kind, s.speaker) for s in red.spans] == [("number", "caller")]
    s = red.spans[0]
    assert [words[i].text for i in range(s.first_word, s.last_word + 1) if words[i].speaker == "caller"] == garbled
    texts = [x.text for x in red.words]
    assert "mhm" in texts and "Danke." in texts and not set(garbled) & set(texts)  # the agent's hum stays
    assert red.second_words == tuple(second)
    # the phone number at 30 s has no word of the shown reading under it: nothing to redact there
    assert all(x.end_s < 30.0 for x in red.spans)
    # what the shown reading found already is not found twice
    shown = words[:3] + [w("caller", d, 6.5 + 0.5 * k) for k, d in enumerate("4 7 1 1 2 9".split())]
    once = redact_transcript(shown, language="de", config=PrivacyConfig(), second_reading=second)
    assert once.spans == redact_transcript(shown, language="de", config=PrivacyConfig()).spans
    assert redact_transcript(words, language="de", config=PrivacyConfig(redact="off"), second_reading=second).spans == ()


class _TwoReadings(ScriptedTranscriber):
    """The script as the shown reading; a second reading that dictates digits over the caller's
    first turn (as if the shown reading had garbled a customer number there)."""

    second_identity = "scripted:second"

    def __init__(self, truth: dict) -> None:
        super().__init__(truth)
        self.second_calls = 0

    def transcribe_second(self, samples, sample_rate, *, speech, language, speaker):
        self.second_calls += 1
        seg = next(s for s in self.truth["segments"] if s["speaker"] == speaker)
        n = 12
        step = (seg["end_s"] - seg["start_s"]) / n
        return tuple(Word(speaker, str((3 * k + 1) % 10), round(seg["start_s"] + k * step, 3),
                          round(seg["start_s"] + (k + 0.9) * step, 3), 0.8) for k in range(n))


def test_pipeline_second_reading_redacts_and_keeps_measures(tmp_path):
    truth = truth_of(DE01)
    first = next(s for s in truth["segments"] if s["speaker"] == "caller")

    def run(out: Path, config: Config, tr: ScriptedTranscriber) -> dict:
        info = discover([DE01], manifest=None, config=config, out_dir=out).calls[0]
        o = analyse_and_write(info, out, config=config, transcriber=tr)
        assert o.status == "done", o.reason
        return json.loads((out / "calls" / f"{info.call_id}.json").read_text(encoding="utf-8"))

    tr = _TwoReadings(truth)
    rec = run(tmp_path / "two", cfg_with(clear_text=True), tr)
    assert tr.second_calls == 1  # the caller's channel only
    one = run(tmp_path / "one", Config(), ScriptedTranscriber(truth))
    first_words = [x for x in rec["words"] if x["speaker"] == "caller" and x["start_s"] < first["end_s"]]
    assert first_words and all(x["text"].startswith("[") for x in first_words), first_words  # the whole turn
    later = [x["text"] for x in rec["words"] if x["speaker"] == "caller" and x["start_s"] > first["end_s"] + 1]
    assert later == [x["text"] for x in one["words"] if x["speaker"] == "caller" and x["start_s"] > first["end_s"] + 1]
    # measures are those of the clear words, whatever the second reading redacts
    for k in ("talk_time", "speakers"):
        assert rec.get(k) == one.get(k)
    # the second reading is kept with the clear words only (private/), never in the record
    private = json.loads((tmp_path / "two" / "private" / f"{rec['call_id']}.json").read_text(encoding="utf-8"))
    assert len(private["second_reading"]) == 12
    assert '"second_reading": [' not in json.dumps(rec) and rec["config"]["privacy"]["second_reading"] is True
    # off: no second reading is asked for
    tr_off = _TwoReadings(truth)
    off = run(tmp_path / "off", cfg_with(second_reading=False), tr_off)
    assert tr_off.second_calls == 0 and off["words"] == one["words"]
