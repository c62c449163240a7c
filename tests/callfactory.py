"""Builds measured records of the real shape (as ``callcheck analyze`` writes them) for rule and report tests.

Timing is constructed, so the right answer is known: turns follow each other with a given gap (or
start ``overlap`` seconds before the previous turn ends — a barge-in, recorded in ``overlaps[]``),
words are spread evenly over their turn, and the voice measures are whatever the test sets.
Questions come from the pipeline's own question detector on those words. Every record is
validated against ``callcheck/schema/call.schema.json`` before it is returned, and carries only
keys the pipeline writes (``tests/test_rules.py`` checks both).
"""

from __future__ import annotations

import copy
import hashlib
import statistics
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from callcheck import SCHEMA_VERSION, __version__
from callcheck.config import Config, RulesConfig, config_to_dict
from callcheck.measures.conversation import load_lexicon
from callcheck.measures.questions import detect_questions
from callcheck.result import validate_call_json
from callcheck.types import Word

CONTRACT_SPEAKER_KEYS = ("talk_time_s", "talk_share", "speech_rate_wpm", "articulation_rate_sps", "f0_median_hz",
                         "f0_variation_st", "word_confidence_mean", "monotony")


@dataclass(frozen=True)
class T:
    """One turn of a script: who, what, and how it is timed."""

    speaker: str
    text: str
    gap: float = 0.4          # silence before this turn, s
    overlap: float = 0.0      # > 0: starts this long before the previous turn ends (interruption)
    wps: float = 2.5          # words per second inside the turn
    p: float = 0.93           # ASR word probability of every word
    bc: int = 0               # backchannels the *other* party puts inside this turn


GOOD_DE: tuple[T, ...] = (
    T("agent", "Grumps und Söhne, Sonja Müller, guten Tag.", gap=0.5),
    T("caller", "Guten Tag, Frau Müller. Ich habe letzte Woche bei Ihnen einen Drucker gekauft und seit gestern "
      "zieht er kein Papier mehr ein. Ich habe schon alles versucht, neu gestartet, das Papier neu eingelegt, "
      "aber es passiert einfach gar nichts, und ich brauche ihn dringend für die Arbeit morgen früh.", bc=3),
    T("agent", "Oh, das ist ärgerlich, gerade wenn Sie ihn morgen brauchen. Das schauen wir uns gemeinsam an. "
      "Was für eine Meldung zeigt das Display denn an, wenn Sie drucken wollen?"),
    T("caller", "Da steht Papierstau, aber da ist kein Papier drin, ich habe extra nachgesehen, wirklich "
      "überall, auch hinten an der Klappe, und da ist nichts zu sehen.", bc=1),
    T("agent", "Verstehe. Welches Modell haben Sie genau? Das steht vorne rechts auf dem Gerät."),
    T("caller", "Das ist der Laser fünfhundert, der graue mit dem kleinen Display oben auf der Seite."),
    T("agent", "Gut, danke. Beim Laser fünfhundert gibt es einen kleinen Sensor an der hinteren Klappe. "
      "Könnten Sie die Klappe einmal öffnen und schauen, ob der kleine Hebel links frei beweglich ist?"),
    T("caller", "Moment, ja, der hängt tatsächlich fest, jetzt ist er wieder frei, und das Display zeigt "
      "bereit an, ich probiere es gleich einmal aus, oh, er druckt wieder, wunderbar.", bc=1),
    T("agent", "Sehr schön, das freut mich. Ich schicke Ihnen noch eine kurze Anleitung per Mail, falls es "
      "wieder passiert. Gibt es sonst noch etwas, das ich für Sie tun kann?"),
    T("caller", "Nein, das war alles, vielen Dank für Ihre Hilfe, Sie haben mir den Tag gerettet."),
    T("agent", "Gern geschehen, einen schönen Tag noch und auf Wiederhören."),
)

GOOD_EN: tuple[T, ...] = (
    T("agent", "Grumps and Sons, Sonja Miller, good morning.", gap=0.5),
    T("caller", "Good morning. I bought a printer from you last week and since yesterday it does not pull in any "
      "paper. I have tried everything, I restarted it, I put the paper in again, but nothing happens at all, "
      "and I really need it for work tomorrow morning.", bc=3),
    T("agent", "Oh, that must be frustrating, especially when you need it tomorrow. Let's look at it together. "
      "What does the display say when you try to print?"),
    T("caller", "It says paper jam, but there is no paper inside, I checked everywhere, even behind the back "
      "flap, and there is nothing to see.", bc=1),
    T("agent", "I see. Which model do you have exactly? It's written on the front right of the device."),
    T("caller", "It is the Laser five hundred, the grey one with the small display on top of the side."),
    T("agent", "Great, thank you. The Laser five hundred has a small sensor at the back flap. Could you open the "
      "flap and check whether the little lever on the left moves freely?"),
    T("caller", "One moment, yes, it is stuck, now it is free again, and the display says ready, I will try it "
      "right away, oh, it is printing again, wonderful.", bc=1),
    T("agent", "Wonderful, I'm glad. I'll send you a short guide by email in case it happens again. Is there "
      "anything else I can do for you?"),
    T("caller", "No, that was all, thank you very much for your help, you saved my day."),
    T("agent", "You're welcome, have a nice day, goodbye."),
)

DEFAULT_VOICE: dict[str, dict[str, Any]] = {
    "agent": {"articulation_rate_sps": 5.2, "f0_median_hz": 205.0, "f0_variation_st": 3.1, "f0_range_st": 8.5,
              "f0_movement_st_per_s": 6.0, "monotony": 0.32, "loudness_dbfs": -21.0, "loudness_variation_db": 5.5,
              "pause_count_per_min": 14.0, "pause_mean_s": 0.45, "pause_max_s": 1.1, "pause_share": 0.21},
    "caller": {"articulation_rate_sps": 5.0, "f0_median_hz": 120.0, "f0_variation_st": 3.4, "f0_range_st": 9.0,
               "f0_movement_st_per_s": 6.5, "monotony": 0.30, "loudness_dbfs": -22.0, "loudness_variation_db": 6.0,
               "pause_count_per_min": 12.0, "pause_mean_s": 0.5, "pause_max_s": 1.3, "pause_share": 0.22},
}


def speaker_entry(**measures: Any) -> dict[str, Any]:
    """``speakers.<party>``: the contract's measures (None unless given), then the given ones, ``quality``."""
    entry: dict[str, Any] = {k: None for k in CONTRACT_SPEAKER_KEYS}
    entry.update(measures)
    entry.setdefault("quality", [])
    return entry


def questions_of(words: Sequence[Mapping[str, Any]], language: str) -> list[dict[str, Any]]:
    """``conversation.questions`` as the pipeline finds them in ``words`` (its own detector)."""
    lex = load_lexicon(language)
    ws = [Word(w["speaker"], w["text"], w["start_s"], w["end_s"], w["probability"]) for w in words]
    qs = detect_questions(words=ws, open_starts=lex.open_starts, closed_starts=lex.closed_starts,
                          max_pause_s=Config().turns.max_pause_in_turn_s)
    return [q.to_json() for q in qs]


def record(*, call_id: str, agent: str | None, language: str, duration_s: float, speakers: Mapping[str, Any],
           words: list, turns: list, overlaps: list, greeting: Mapping[str, Any] | None, conversation: Mapping[str, Any],
           date: str | None = None, source: str = "/nonexistent/call.wav", layout: str = "agent-left",
           separation: Mapping[str, Any] | None = None, notes: Sequence[str] = (),
           assessment: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A schema-valid measured record from its parts, keyed and ordered as ``result.build_call_json``
    writes it (findings, strengths and promises empty: :func:`analysed` fills them like analyze)."""
    data = {
        "schema_version": SCHEMA_VERSION, "callcheck_version": __version__, "call_id": call_id, "agent": agent,
        "date": date, "file_date": None, "source": source,
        "input_sha256": hashlib.sha256(call_id.encode()).hexdigest(), "settings_hash": "0" * 16,
        "analysed_at": "2026-11-30T12:00:00+00:00", "duration_s": round(duration_s, 3), "sample_rate": 16000,
        "channels": 1 if layout in ("mono", "agent-only") else 2, "codec": "WAV/PCM_16", "layout": layout,
        "language": language, "language_probability": 1.0,
        "model": {"name": "scripted", "source": "test", "identity": "scripted"},
        "separation": None if separation is None else dict(separation), "notes": list(notes),
        "speakers": dict(speakers), "conversation": dict(conversation), "greeting": None if greeting is None else dict(greeting),
        "words": words, "turns": turns, "overlaps": overlaps, "findings": [], "strengths": [], "promises": [],
        "timings_s": {}, "config": config_to_dict(Config()),
    }
    if assessment is not None:  # phase-2 key (the measures step writes it)
        data["assessment"] = dict(assessment)
    validate_call_json(data)
    return data


def analysed(call: Mapping[str, Any], config: RulesConfig | None = None) -> dict[str, Any]:
    """The record as ``callcheck analyze`` writes it: with the absolute-norm findings, strengths and promises."""
    from callcheck.rules import evaluate_call

    data = copy.deepcopy(dict(call))
    data.update(evaluate_call(data, config=config or RulesConfig()).to_json())
    validate_call_json(data)
    return data


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else round(a / b, 4)


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 4)


def make_call(
    script: Sequence[T] = GOOD_DE,
    *,
    call_id: str = "call-0001",
    agent: str | None = "anna",
    language: str = "de",
    date: str | None = "2026-11-16",
    source: str = "/nonexistent/call-0001.wav",
    voice: dict[str, dict[str, Any]] | None = None,
    conversation: dict[str, Any] | None = None,
    greeting: dict[str, Any] | None | bool = True,
    rate_over_time: Sequence[tuple[float, float]] | None = None,
    tail_s: float = 1.0,
    layout: str = "agent-left",
    separation: dict[str, Any] | None = None,
    assessment: dict[str, Any] | None = None,
    validity: dict[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A measured record for ``script``. ``voice`` overrides voice measures per party;
    ``rate_over_time`` gives (speech_rate_wpm, articulation_rate_sps) per equal window of the agent's span;
    ``greeting=True`` makes the first agent turn the greeting, a dict replaces it, None removes it;
    ``conversation`` overrides keys of the conversation summary; ``assessment`` is the record's
    ``assessment``; ``validity`` marks measures per party, e.g. ``{"agent": {"monotony": "unsure"}}``
    (``speakers.<party>.validity.<key> = {"class": ..., "reason": ...}``)."""
    turns, words, overlaps = [], [], []
    prev_end = 0.0
    for tu in script:
        toks = tu.text.split()
        dur = max(0.3, len(toks) / tu.wps)
        start = (prev_end - tu.overlap) if tu.overlap > 0 else prev_end + tu.gap
        end = start + dur
        if tu.overlap > 0 and turns:
            overlaps.append({"start_s": round(start, 3), "end_s": round(prev_end, 3), "interrupter": tu.speaker, "kind": "interruption"})
        turns.append({"speaker": tu.speaker, "start_s": round(start, 3), "end_s": round(end, 3), "text": tu.text})
        step = dur / len(toks)
        for k, w in enumerate(toks):
            words.append({"speaker": tu.speaker, "text": w, "start_s": round(start + k * step, 3),
                          "end_s": round(start + (k + 0.8) * step, 3), "probability": tu.p})
        other = "caller" if tu.speaker == "agent" else "agent"
        for b in range(tu.bc):
            bs = start + dur * (b + 1) / (tu.bc + 1)
            overlaps.append({"start_s": round(bs, 3), "end_s": round(bs + 0.35, 3), "interrupter": other, "kind": "backchannel"})
            words.append({"speaker": other, "text": "ja" if language == "de" else "right", "start_s": round(bs, 3),
                          "end_s": round(bs + 0.35, 3), "probability": 0.9})
        prev_end = max(prev_end, end)
    words.sort(key=lambda w: w["start_s"])
    overlaps.sort(key=lambda o: o["start_s"])
    duration = prev_end + tail_s
    questions = questions_of(words, language)
    talk = {p: sum(x["end_s"] - x["start_s"] for x in turns if x["speaker"] == p) for p in ("agent", "caller")}
    total = sum(talk.values()) or 1.0
    gaps = [{"replier": b["speaker"], "start_s": a["end_s"], "end_s": b["start_s"], "gap_s": round(b["start_s"] - a["end_s"], 3)}
            for a, b in zip(turns, turns[1:]) if b["speaker"] != a["speaker"]]
    speakers: dict[str, Any] = {}
    for p in ("agent", "caller"):
        if talk[p] == 0:
            continue
        pw = [w for w in words if w["speaker"] == p]
        nw = sum(len(x["text"].split()) for x in turns if x["speaker"] == p)
        pg = [g["gap_s"] for g in gaps if g["replier"] == p]
        pq = [q for q in questions if q["speaker"] == p]
        sp = {"talk_time_s": round(talk[p], 3), "talk_share": round(talk[p] / total, 4),
              "speech_rate_wpm": round(nw / (talk[p] / 60.0), 1),
              "word_confidence_mean": round(statistics.fmean(w["probability"] for w in pw), 3),
              "low_confidence_word_share": round(sum(w["probability"] < 0.5 for w in pw) / len(pw), 3),
              "word_count": len(pw),
              "turn_count": sum(1 for x in turns if x["speaker"] == p),
              "longest_turn_s": round(max(x["end_s"] - x["start_s"] for x in turns if x["speaker"] == p), 3),
              "reply_latency_median_s": round(statistics.median(pg), 3) if pg else None,
              "backchannels": sum(1 for o in overlaps if o["interrupter"] == p and o["kind"] == "backchannel"),
              "interruptions": sum(1 for o in overlaps if o["interrupter"] == p and o["kind"] == "interruption"),
              "questions": len(pq)}
        if p == "agent":
            sp.update(questions_per_min=round(len(pq) / (duration / 60.0), 4),
                      open_questions=sum(q["kind"] == "open" for q in pq), closed_questions=sum(q["kind"] == "closed" for q in pq))
        sp.update(copy.deepcopy(DEFAULT_VOICE[p]))
        sp.update((voice or {}).get(p, {}))
        sp["activity"] = [[x["start_s"], x["end_s"]] for x in turns if x["speaker"] == p]
        if validity and validity.get(p):
            sp["validity"] = {k: {"class": c, "reason": None if c != "unsure" else "test: marked unsure"}
                              for k, c in validity[p].items()}
        speakers[p] = speaker_entry(**sp)
    a_turns = [x for x in turns if x["speaker"] == "agent"]
    if rate_over_time and a_turns:
        a0, a1 = a_turns[0]["start_s"], a_turns[-1]["end_s"]
        n = len(rate_over_time)
        speakers["agent"]["rate_over_time"] = [
            {"start_s": round(a0 + (a1 - a0) * i / n, 3), "end_s": round(a0 + (a1 - a0) * (i + 1) / n, 3),
             "speech_rate_wpm": w, "articulation_rate_sps": s} for i, (w, s) in enumerate(rate_over_time)]
    g: dict[str, Any] | None
    if greeting is True and a_turns and a_turns[0] is turns[0]:
        g0 = turns[0]
        g = {"start_s": g0["start_s"], "end_s": g0["end_s"], "duration_s": round(g0["end_s"] - g0["start_s"], 3),
             "word_count": len(g0["text"].split()), "text": g0["text"],
             "components": {"company": True, "own_name": True, "offer_help": False}, "stock_formulas": [],
             "caller_can_speak_s": g0["end_s"]}
    elif isinstance(greeting, dict):
        g = greeting
    else:
        g = None
    ag, ca = speakers.get("agent", {}), speakers.get("caller")
    c_turns = [x for x in turns if x["speaker"] == "caller"]
    conv: dict[str, Any] = {
        "dead_air": [],
        "speaker_switches_per_min": round(len(gaps) / (duration / 60.0), 4),
        "longest_agent_monologue_s": round(max((x["end_s"] - x["start_s"] for x in a_turns), default=0.0), 3),
        "longest_caller_story_s": round(max((x["end_s"] - x["start_s"] for x in c_turns), default=0.0), 3),
        "interruptions": [{"start_s": o["start_s"], "end_s": o["end_s"], "duration_s": round(o["end_s"] - o["start_s"], 3),
                           "interrupter": o["interrupter"]} for o in overlaps if o["kind"] == "interruption"],
        "transition_overlaps": 0,
        "overlaps_reliable": True,
        "gaps": gaps,
        "questions": questions,
        "notes": [],
    }
    if ca is not None:
        conv["agent_to_caller"] = {
            "agent_minus_caller_loudness_db": _diff(ag.get("loudness_dbfs"), ca.get("loudness_dbfs")),
            "agent_to_caller_articulation_ratio": _ratio(ag.get("articulation_rate_sps"), ca.get("articulation_rate_sps")),
            "agent_to_caller_speech_rate_ratio": _ratio(ag.get("speech_rate_wpm"), ca.get("speech_rate_wpm")),
            "agent_minus_caller_f0_movement_st_per_s": _diff(ag.get("f0_movement_st_per_s"), ca.get("f0_movement_st_per_s")),
            "agent_minus_caller_monotony": _diff(ag.get("monotony"), ca.get("monotony")),
        }
    conv.update(conversation or {})
    return record(call_id=call_id, agent=agent, language=language, duration_s=duration, speakers=speakers, words=words,
                  turns=turns, overlaps=overlaps, greeting=g, conversation=conv, date=date, source=source, layout=layout,
                  separation=separation, assessment=assessment)


def good_call(language: str = "de", **kw: Any) -> dict[str, Any]:
    """The good-practice call: none of the eight mistakes."""
    return make_call(GOOD_DE if language == "de" else GOOD_EN, language=language, **kw)


def replace_turn(script: Sequence[T], index: int, **changes: Any) -> tuple[T, ...]:
    """``script`` with turn ``index`` changed (dataclasses.replace)."""
    import dataclasses
    out = list(script)
    out[index] = dataclasses.replace(out[index], **changes)
    return tuple(out)


def insert_turns(script: Sequence[T], index: int, *turns: T) -> tuple[T, ...]:
    out = list(script)
    out[index:index] = list(turns)
    return tuple(out)
