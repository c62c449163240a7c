"""The redact step: a call's transcript and the texts built from it, with personal data replaced.

:func:`redact_transcript` finds the spans to redact in the clear words of a call (mode
``privacy.redact``) and makes the redacted word list; :meth:`Redaction.text` turns any text that
was built from consecutive clear words of one party (a turn, the greeting, a question) into the
same text made of the redacted words, so turns, greeting and questions keep their times, counts
and measures and only their text changes. The pipeline's ``redact`` step
(:func:`callcheck.pipeline.step_redact`) applies both after the measures, so every measure that
counts words (rates, greeting, questions) is computed on the clear words and is unchanged.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Mapping, Sequence

from callcheck.config import PrivacyConfig
from callcheck.intervals import merge, subtract
from callcheck.privacy.numbers import word_number
from callcheck.privacy.pii import _TRAIL, PiiSpan, add_second_reading, detect_call, placeholder, redact_call_words, redact_text
from callcheck.types import Interval, Word

__all__ = ["AudioSpan", "Redaction", "audio_spans", "redact_transcript", "redact_conversation"]


#: a redacted span's audio reaches over the party's speech around it up to the neighbouring
#: unredacted words, but at most this far, s (the recogniser's word times squeeze a dictation:
#: "46300078." took 1 s of a 6 s dictation, and groups it dropped are still heard)
MAX_EXTEND_S = 3.0
#: the same for a dictated value (digits): its words are squeezed most ("DE17377992131989446"
#: took 1.9 s of a 12 s dictation)
MAX_EXTEND_DICTATED_S = 6.0
#: caller speech pieces this close together are one stretch for :data:`UNTRANSCRIBED_MIN_S`
#: (a dictation pauses between groups), s
SPEECH_JOIN_S = 0.35
#: a stretch of the caller's speech this long without any transcribed word is muted too, s: the
#: recogniser heard speech and wrote nothing (a dictation it could not read is the usual case)
UNTRANSCRIBED_MIN_S = 1.0
#: speech within this distance of a transcribed word counts as that word's, s
WORD_PAD_S = 0.3
UNTRANSCRIBED = "untranscribed"
#: a dictated value's audio also covers this many unredacted words on each side (within
#: :data:`MAX_EXTEND_S`): the recogniser squeezes a dictation's word times and times the cue
#: before it and the word after it into the dictation
ADJACENT_WORDS = 1
#: the types whose values are dictated (digits that must not be heard again)
DIGIT_KINDS = frozenset({"iban", "card", "phone", "number", "postcode", "date", "address"})


@dataclass(frozen=True)
class AudioSpan:
    """A stretch of the call muted in every audio output: a redacted span's audio, or speech of
    the caller the recogniser wrote nothing for (``kind`` ``"untranscribed"``)."""

    kind: str
    speaker: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Redaction:
    """What the redact step did to one call.

    ``spans`` index into ``clear_words`` (the whole call, time order); ``words`` is the redacted
    word list (one placeholder word per span); ``mode`` the ``privacy.redact`` mode used.
    """

    mode: str
    language: str
    clear_words: tuple[Word, ...]
    words: tuple[Word, ...]
    spans: tuple[PiiSpan, ...]
    agent_names: tuple[str, ...] = ()
    audio: tuple[AudioSpan, ...] = ()
    second_words: tuple[Word, ...] = ()  # the second reading the spans were also found in (privacy.second_reading)

    def spans_json(self) -> list[dict[str, Any]]:
        """``privacy.spans[]`` of the record: type, speaker and the times audio is muted over
        (:func:`audio_spans`; the words' own times when there are none), never the text."""
        spans = self.audio or tuple(AudioSpan(s.kind, str(s.speaker), s.start_s, s.end_s) for s in self.spans)
        return [{"kind": a.kind, "speaker": a.speaker, "start_s": round(a.start_s, 3), "end_s": round(a.end_s, 3)}
                for a in spans]

    # ------------------------------------------------------------------ texts built from words

    @cached_property
    def _party_tokens(self) -> dict[str, tuple[list[str], list[int], list[int]]]:
        """Per party: its clear tokens, the index (into ``clear_words``) of the word of each token,
        and whether the token starts its word (1) or not (0)."""
        out: dict[str, tuple[list[str], list[int], list[int]]] = {}
        for i, w in enumerate(self.clear_words):
            toks, owner, starts = out.setdefault(str(w.speaker), ([], [], []))
            for k, t in enumerate(w.text.strip().split()):
                toks.append(t)
                owner.append(i)
                starts.append(1 if k == 0 else 0)
        return out

    def _tokens(self, party: str) -> tuple[list[str], list[int], list[int]]:
        return self._party_tokens.get(party, ([], [], []))

    def text(self, text: str, speaker: str, start_s: float | None = None, end_s: float | None = None) -> str:
        """The redacted form of ``text``, a text made of consecutive clear words of ``speaker``
        (their texts stripped and joined by spaces) near ``start_s``..``end_s``.

        The words are found by their tokens (the occurrence nearest to ``start_s`` when the same
        words occur twice); each span among them becomes its placeholder once, with the trailing
        punctuation of its last word in the text. A text that cannot be matched to the words
        (edited, or from another source) is redacted by the detectors on its own
        (:func:`callcheck.privacy.redact_text`), so nothing falls through.
        """
        if self.mode == "off" or not self.spans or not text or not text.strip():
            return text
        want = text.split()
        toks, owner, starts = self._tokens(speaker)
        n = len(want)
        best: int | None = None
        best_d = float("inf")
        for i in range(len(toks) - n + 1):
            if toks[i] != want[0] or not starts[i] or toks[i:i + n] != want:
                continue
            if i + n < len(toks) and not starts[i + n]:
                continue  # the text ends inside a word
            d = abs(self.clear_words[owner[i]].start_s - start_s) if start_s is not None else 0.0
            if d < best_d:
                best, best_d = i, d
        if best is None:
            return redact_text(text, language=self.language, keep_names=self.agent_names, mode=self.mode)
        word_ids = sorted(set(owner[best:best + n]))
        span_of: dict[int, PiiSpan] = {}
        for sp in self.spans:
            if sp.speaker == speaker:
                for k in range(sp.first_word, sp.last_word + 1):
                    span_of[k] = sp
        out: list[str] = []
        k = 0
        while k < len(word_ids):
            i = word_ids[k]
            s = span_of.get(i)
            if s is None:
                out.append(self.clear_words[i].text.strip())
                k += 1
                continue
            j = k
            while j + 1 < len(word_ids) and span_of.get(word_ids[j + 1]) is s:
                j += 1
            m = _TRAIL.search(self.clear_words[word_ids[j]].text.strip())
            out.append(placeholder(s.kind, self.language) + (m.group(0) if m else ""))
            k = j + 1
        return " ".join(t for t in out if t)


def redact_transcript(words: Sequence[Word], *, language: str, config: PrivacyConfig,
                      agent_names: Sequence[str] = (), activity: Mapping[str, Sequence[Any]] | None = None,
                      second_reading: Sequence[Word] = ()) -> Redaction:
    """Detect the personal data of a call's words under ``config.redact`` and redact them.

    Parameters
    ----------
    words : sequence of Word
        Both parties' clear words in time order (as the recogniser wrote them).
    language : str
        The call's language (ISO 639-1).
    config : PrivacyConfig
        ``redact`` mode and detector thresholds.
    agent_names : sequence of str
        The agent's name(s) (e.g. from the manifest): kept under ``caller``.
    activity : mapping party -> intervals, optional
        Each party's speech (s): the audio spans reach over it (:func:`audio_spans`); without
        it the spans are the words' own times.
    second_reading : sequence of Word
        Another decoding of a party's speech (``privacy.second_reading``): what the detectors
        find in it is redacted in ``words`` too (:func:`~callcheck.privacy.pii.add_second_reading`).
    """
    clear = tuple(words)
    names = tuple(n for n in agent_names if n)
    if config.redact == "off":
        return Redaction(config.redact, language, clear, clear, (), names)
    spans = detect_call(clear, language=language, mode=config.redact, agent_names=names, config=config)
    spans = add_second_reading(clear, spans, second_reading, language=language, mode=config.redact, agent_names=names,
                               config=config)
    red = Redaction(config.redact, language, clear, redact_call_words(clear, spans, language=language), spans, names,
                    second_words=tuple(second_reading))
    if activity is not None:
        red = dataclasses.replace(red, audio=audio_spans(red, activity))
    return red


def _reach(words: Sequence[Word], order: Sequence[int], skip: int) -> int:
    """How many of the unredacted neighbour words ``order`` (nearest first) a span's audio covers:
    every number word next to it, then ``skip`` more words."""
    n = 0
    while n < len(order) and _numberish(words[order[n]].text):
        n += 1
    return min(len(order), n + skip)


def _numberish(text: str) -> bool:
    return any(ch.isdigit() for ch in text) or word_number(text, "de") is not None or word_number(text, "en") is not None


def audio_spans(red: Redaction, activity: Mapping[str, Sequence[Any]]) -> tuple[AudioSpan, ...]:
    """The stretches to mute in audio: each redacted span widened over its party's speech to the
    neighbouring unredacted words of that party (at most :data:`MAX_EXTEND_S` on each side), and
    the caller's speech without any transcribed word outside those (:data:`UNTRANSCRIBED_MIN_S`
    or longer).

    Muting only the words' own times leaves what the recogniser's timing squeezed or dropped
    audible: re-transcribing such audio gave digits back in 31 of 110 dictated values of the
    test set (benchmarks/eval_pii.py); see docs/privacy.md for the figures with these spans.
    """
    if red.mode == "off":
        return ()
    out: list[AudioSpan] = []
    by_party: dict[str, list[int]] = {}
    for i, w in enumerate(red.clear_words):
        by_party.setdefault(str(w.speaker), []).append(i)
    in_span = {k for s in red.spans for k in range(s.first_word, s.last_word + 1)}
    for s in red.spans:
        idx = by_party.get(str(s.speaker), [])
        before = [i for i in idx if i < s.first_word and i not in in_span]
        after = [i for i in idx if i > s.last_word and i not in in_span]
        skip = ADJACENT_WORDS if s.kind in DIGIT_KINDS else 0
        # the neighbouring words that are still the value's audio: number words the detectors left
        # out, and for a dictated value the one word on each side whose time the recogniser
        # squeezed into the dictation ("lautet" ending 0.8 s into "D E, eins sieben ...")
        nb = _reach(red.clear_words, before[::-1], skip)
        na = _reach(red.clear_words, after, skip)
        lo_word = float(red.clear_words[before[-1 - nb]].end_s) if len(before) > nb else 0.0
        hi_word = float(red.clear_words[after[na]].start_s) if len(after) > na else s.end_s + MAX_EXTEND_DICTATED_S
        reach = MAX_EXTEND_DICTATED_S if s.kind in DIGIT_KINDS else MAX_EXTEND_S
        lo = max(lo_word, s.start_s - reach)
        hi = min(hi_word, s.end_s + reach)
        out.append(AudioSpan(s.kind, str(s.speaker), min(lo, s.start_s), max(hi, s.end_s)))
    speech = [Interval(float(iv.start_s), float(iv.end_s)) for iv in activity.get("caller", ()) or ()]
    if speech:
        words = [Interval(max(0.0, float(red.clear_words[i].start_s) - WORD_PAD_S), float(red.clear_words[i].end_s) + WORD_PAD_S)
                 for i in by_party.get("caller", [])]
        covered = words + [Interval(a.start_s, a.end_s) for a in out]
        for iv in subtract(merge(speech, max_gap_s=SPEECH_JOIN_S), covered, min_s=UNTRANSCRIBED_MIN_S):
            out.append(AudioSpan(UNTRANSCRIBED, "caller", float(iv.start_s), float(iv.end_s)))
    return tuple(sorted(out, key=lambda a: (a.start_s, a.end_s)))


def redact_conversation(conv: Any, red: Redaction) -> Any:
    """The conversation of :func:`callcheck.measures.conversation.analyse_conversation` with the
    texts of its turns, greeting and questions redacted (times, counts and measures unchanged)."""
    if conv is None or red.mode == "off" or not red.spans:
        return conv
    turns = tuple(dataclasses.replace(t, text=red.text(t.text, t.speaker, t.start_s, t.end_s)) for t in conv.turns)
    greeting = conv.greeting
    if greeting is not None:
        first = next((t for t in sorted(conv.turns, key=lambda t: t.start_s) if t.speaker == "agent"), None)
        text = red.text(greeting.text, "agent", first.start_s if first else greeting.start_s, greeting.end_s)
        greeting = dataclasses.replace(greeting, text=text)
    summary = dict(conv.summary)
    qs = summary.get("questions")
    if isinstance(qs, list):
        summary["questions"] = [_redact_question(q, red) for q in qs]
    return dataclasses.replace(conv, turns=turns, greeting=greeting, summary=summary)


def _redact_question(q: Any, red: Redaction) -> Any:
    if not isinstance(q, Mapping) or not isinstance(q.get("text"), str):
        return q
    return dict(q, text=red.text(q["text"], str(q.get("speaker")), q.get("start_s"), q.get("end_s")))
