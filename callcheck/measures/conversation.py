"""Conversation dynamics of one call: the entry point of the turn-taking measures (issue 4).

``analyse_conversation`` runs, in order: segments and backchannels (:mod:`.turns`), turns,
overlaps (:mod:`.overlaps`), talk time, share, monologues, switches, dead air (:mod:`.talk`),
reply latency (:mod:`.latency`), questions (:mod:`.questions`) and the greeting
(:mod:`.greeting`). Phrase lists are read from ``callcheck/data/conversation_{de,en}.toml``
(other languages fall back to English lists, and say so in ``summary["notes"]``).

Layouts: stereo (``agent-left``/``agent-right``) is the first-class case. ``agent-only`` has no
caller. In ``mono`` the two activity tracks come from the speaker separation: with the
segmentation model's overlap detection (``mono_overlaps``) the speech it hears as two voices at
once is in both tracks, and overlaps are reported as in stereo; without it (``separation.segmentation
= "none"``, or band-passed telephone audio) the tracks cannot overlap, so overlaps, interruptions
and overlapping backchannels are not observable: they are reported as null with
``overlaps_reliable: false`` instead of being invented.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Mapping, Sequence

from callcheck.config import TurnsConfig
from callcheck.errors import CallcheckError
from callcheck.measures import latency as _latency
from callcheck.measures import talk as _talk
from callcheck.measures.greeting import Greeting, measure_greeting
from callcheck.measures.overlaps import find_overlaps
from callcheck.measures.questions import detect_questions
from callcheck.measures.turns import build_turns, classify_segments
from callcheck.intervals import merge
from callcheck.types import PARTIES, Interval, Overlap, Party, Turn, Word

_LEXICON_LANGUAGES = ("de", "en")


@dataclass(frozen=True)
class Lexicon:
    """Phrase lists of one language (lower case)."""

    language: str
    backchannel: tuple[str, ...]
    open_starts: tuple[str, ...]
    closed_starts: tuple[str, ...]
    company: tuple[str, ...]
    own_name: tuple[str, ...]
    offer_help: tuple[str, ...]
    stock_formulas: tuple[str, ...]


@lru_cache(maxsize=8)
def load_lexicon(language: str) -> Lexicon:
    """Phrase lists for ``language`` ("de" or "en"; anything else gets English)."""
    lang = language if language in _LEXICON_LANGUAGES else "en"
    try:
        raw = resources.files("callcheck").joinpath("data", f"conversation_{lang}.toml").read_text(encoding="utf-8")
        d = tomllib.loads(raw)
        return Lexicon(
            language=lang,
            backchannel=tuple(d["backchannel"]["tokens"]),
            open_starts=tuple(d["questions"]["open_starts"]),
            closed_starts=tuple(d["questions"]["closed_starts"]),
            company=tuple(d["greeting"]["company"]),
            own_name=tuple(d["greeting"]["own_name"]),
            offer_help=tuple(d["greeting"]["offer_help"]),
            stock_formulas=tuple(d["greeting"]["stock_formulas"]),
        )
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise CallcheckError(
            f"callcheck/data/conversation_{lang}.toml is missing or broken ({exc!r}); reinstall callcheck"
        ) from None


@dataclass(frozen=True)
class Conversation:
    """Everything measured about turn-taking in one call (times in s from the recording start).

    ``per_speaker`` holds the conversation keys of ``speakers.<party>``; ``summary`` is the
    ``conversation`` object of the per-call JSON.
    """

    turns: tuple[Turn, ...]
    overlaps: tuple[Overlap, ...]
    greeting: Greeting | None
    per_speaker: Mapping[Party, Mapping[str, object]] = field(default_factory=dict)
    summary: Mapping[str, object] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "turns": [{"speaker": t.speaker, "start_s": t.start_s, "end_s": t.end_s, "text": t.text} for t in self.turns],
            "overlaps": [{"start_s": o.start_s, "end_s": o.end_s, "interrupter": o.interrupter, "kind": o.kind}
                         for o in self.overlaps],
            "greeting": self.greeting.to_json() if self.greeting else None,
            "speakers": {p: dict(v) for p, v in self.per_speaker.items()},
            "conversation": dict(self.summary),
        }


def analyse_conversation(
    *,
    activity: Mapping[Party, Sequence[Interval]],
    words: Sequence[Word],
    duration_s: float,
    language: str,
    config: TurnsConfig,
    layout: str,
    mono_overlaps: bool = False,
    hold: Sequence[Interval] = (),
) -> Conversation:
    """Turns, overlaps, talk share, latency, dead air, questions and greeting of one call.

    Parameters
    ----------
    activity : mapping party -> intervals (s)
        Speech activity per party from the signal (VAD, after crosstalk suppression; in mono from
        :func:`callcheck.audio.separate.separate_voices`, named by
        :func:`callcheck.measures.agent_voice.assign_parties`). ``agent-only`` needs only "agent".
    words : sequence of Word
        Transcribed words with ``speaker`` set (may be empty or sparse).
    duration_s : float
        Length of the recording, s.
    language : str
        ISO 639-1 code; "de" and "en" have phrase lists, others use English lists.
    config : TurnsConfig
        Thresholds (see :class:`callcheck.config.TurnsConfig`).
    layout : str
        "agent-left", "agent-right", "mono" or "agent-only".
    mono_overlaps : bool
        Mono only: the separated activity carries overlapping speech of both voices (the
        segmentation model's overlap detection), so overlaps and interruptions are reported.
    hold : sequence of Interval
        Hold music, tones and announcements (s; :mod:`callcheck.audio.hold`): not dead air, and a
        change of speaker across a hold is not a reply gap.
    """
    if layout not in ("agent-left", "agent-right", "mono", "agent-only"):
        raise CallcheckError(
            f"layout {layout!r} is not one of agent-left, agent-right, mono, agent-only; resolve 'auto' before analysing"
        )
    lex = load_lexicon(language)
    notes: list[str] = []
    if lex.language != language:
        notes.append(f"no phrase lists for language {language!r}; English lists used for questions and greeting")
    parties: tuple[Party, ...] = ("agent",) if layout == "agent-only" else PARTIES
    act = {p: tuple(activity.get(p, ())) for p in parties}
    ws = tuple(w for w in words if w.speaker in parties)
    segs = classify_segments(activity=act, words=ws, backchannel_tokens=lex.backchannel,
                             max_pause_in_turn_s=config.max_pause_in_turn_s,
                             backchannel_max_s=config.backchannel_max_s)
    turns = build_turns(segments=segs, words=ws, max_pause_in_turn_s=config.max_pause_in_turn_s)
    two = layout != "agent-only"
    overlaps_reliable = layout in ("agent-left", "agent-right") or (layout == "mono" and mono_overlaps)
    ov = find_overlaps(segments=segs, interruption_grace_s=config.interruption_grace_s,
                       min_overlap_s=config.min_overlap_s, max_pause_in_turn_s=config.max_pause_in_turn_s)
    overlaps = ov.overlaps if overlaps_reliable else ()
    if layout == "mono" and mono_overlaps:
        notes.append("mono recording: overlaps are the speech the segmentation model hears as two voices at once "
                     "(benchmarks/eval_mono.py: 89 % of it is real overlap, 88 % of real overlap is found); "
                     "who started second depends on the voice separation")
    elif layout == "mono":
        notes.append("mono recording: overlapping speech can not be attributed to two voices, so overlaps, "
                     "interruptions and backchannels inside the other's speech are not reported")
    talk_s = _talk.talk_times(activity=act)
    shares = _talk.talk_shares(talk_time_s=talk_s)
    gaps = _latency.reply_gaps(turns=turns) if two else ()
    if hold:
        gaps = tuple(g for g in gaps if not any(h.start_s < g.end_s + 0.5 and h.end_s > g.start_s - 0.5 for h in hold))
    questions = detect_questions(words=ws, open_starts=lex.open_starts, closed_starts=lex.closed_starts,
                                 max_pause_s=config.max_pause_in_turn_s)
    minutes = duration_s / 60.0 if duration_s > 0 else None
    per: dict[Party, dict[str, object]] = {}
    for p in parties:
        pturns = [t for t in turns if t.speaker == p]
        q = [x for x in questions if x.speaker == p]
        d: dict[str, object] = {
            "talk_time_s": talk_s[p],
            "talk_share": shares[p],
            "turn_count": len(pturns),
            "longest_turn_s": _talk.longest_turn_s(turns=turns, party=p),
        }
        if two:
            d.update(_latency.latency_stats(gaps=gaps, party=p))
            if overlaps_reliable:
                d["interruptions"] = sum(1 for o in overlaps if o.kind == "interruption" and o.interrupter == p)
                d["backchannels"] = sum(1 for s in segs[p] if s.backchannel)
            else:
                d["interruptions"] = None
                d["backchannels"] = None
        d["questions"] = len(q)
        if p == "agent":
            d["questions_per_min"] = len(q) / minutes if minutes else None
            d["open_questions"] = sum(1 for x in q if x.kind == "open")
            d["closed_questions"] = sum(1 for x in q if x.kind == "closed")
        per[p] = d
    summary: dict[str, object] = {
        "dead_air": [{"start_s": i.start_s, "end_s": i.end_s} for i in
                     _talk.dead_air(activity=act, min_s=config.dead_air_min_s, hold=hold)],
        "speaker_switches_per_min": _talk.speaker_switches_per_min(turns=turns, duration_s=duration_s) if two else None,
        "longest_agent_monologue_s": _talk.longest_turn_s(turns=turns, party="agent"),
        "longest_caller_story_s": _talk.longest_turn_s(turns=turns, party="caller") if two else None,
        "interruptions": ([{"start_s": o.start_s, "end_s": o.end_s, "duration_s": o.duration_s,
                            "interrupter": o.interrupter} for o in overlaps if o.kind == "interruption"]
                          if overlaps_reliable else None),
        "transition_overlaps": ov.transition_overlaps if overlaps_reliable else None,
        "overlaps_reliable": overlaps_reliable,
        "gaps": [g.to_json() for g in gaps],
        "questions": [x.to_json() for x in questions],
        "hold_s": round(sum(h.duration_s for h in merge(hold)), 3),
        "notes": notes,
    }
    greeting = measure_greeting(turns=turns, company_phrases=lex.company, own_name_phrases=lex.own_name,
                                offer_help_phrases=lex.offer_help, stock_formulas=lex.stock_formulas,
                                company_names=config.company_names)
    return Conversation(turns=turns, overlaps=overlaps, greeting=greeting, per_speaker=per, summary=summary)
