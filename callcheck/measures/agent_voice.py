"""Which of the two separated voices of a mono call is the agent (the pipeline step ``agent``).

The voice separation (:func:`callcheck.audio.separate.separate_voices`) gives two anonymous voices;
this step names them. ``separation.agent_is``:

* ``"first-speaker"`` (default): words that carry the agent's greeting phrases (company, offer of
  help, stock formulas; the German and English lists of ``callcheck/data/conversation_*.toml``,
  the same the greeting measure uses) vote for the voice that says them; without a decisive vote
  the voice that speaks first is the agent (the agent greets).
* ``"greeting-words"``: the same vote; without one, also the first voice (and a note says so).
* ``"most-talk"``: the voice with more talk time.

Own-name phrases ("hier ist ...", "this is ...") do not vote: callers introduce themselves too.
Then every word gets the party whose activity covers it (:func:`assign_speakers`).

It lives with the measures because it reads the transcript with the conversation lexicon and
phrase matching (``measures.conversation``, ``measures.turns``) — policy about words that the
audio layer must not know — and, like a measure, it is a pure function of the separation and the
words.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from callcheck.audio.separate import TwoVoices
from callcheck.errors import CallcheckError
from callcheck.intervals import total_s
from callcheck.measures.conversation import load_lexicon
from callcheck.measures.turns import contains_phrase
from callcheck.text import normalise_text
from callcheck.types import Interval, Party, Separation, Word

AGENT_CHOICES = ("first-speaker", "most-talk", "greeting-words")
#: only words starting in the first this many seconds vote (the greeting is at the start), s
GREETING_WINDOW_S = 30.0
#: phrase lengths tried at every word, words (longest first); a 5-word chunk may also *contain* a
#: phrase of at least MIN_CONTAINED_WORDS words
CHUNK_WORDS = (5, 4, 3, 2)
MIN_CONTAINED_WORDS = 3

__all__ = ["AGENT_CHOICES", "AgentChoice", "PartyAssignment", "choose_agent", "assign_parties", "assign_speakers"]


#: the note when the separation found a single voice
SINGLE_VOICE_NOTE = "a single voice: all speech given to the agent"


@dataclass(frozen=True)
class AgentChoice:
    """The agent's voice (0 or 1) and the note saying how it was chosen."""

    agent_voice: int
    note: str


@dataclass(frozen=True)
class PartyAssignment:
    """The voices named: activity per party and the separation with the agent note in front."""

    activity: Mapping[Party, tuple[Interval, ...]]
    separation: Separation
    agent_voice: int


def _agent_phrases() -> list[str]:
    phrases: list[str] = []
    for lang in ("de", "en"):
        lex = load_lexicon(lang)
        # company and offer-of-help phrases are the agent's; an own name ("hier ist ...", "this is ...") is not:
        # callers introduce themselves too
        phrases += [p for p in (*lex.company, *lex.offer_help, *lex.stock_formulas) if p not in lex.own_name]
    return phrases


def greeting_votes(words: Sequence[Word], voices: TwoVoices, first_s: float = GREETING_WINDOW_S) -> np.ndarray:
    """Phrase hits per voice (length 2): at every word of the first ``first_s`` seconds, the longest
    chunk of words that is an agent phrase (or a 5-word chunk containing one of >= 3 words) votes
    for the voice at the chunk's middle."""
    phrases = _agent_phrases()
    norm_phrases = [normalise_text(p) for p in phrases]
    long_phrases = [p for p, n in zip(phrases, norm_phrases) if len(n.split()) >= MIN_CONTAINED_WORDS]
    votes = np.zeros(2)
    ws = sorted((w for w in words if w.start_s <= first_s), key=lambda w: w.start_s)
    for k in range(len(ws)):
        for n in CHUNK_WORDS:
            chunk = ws[k:k + n]
            if len(chunk) < n:
                continue
            norm = normalise_text(" ".join(w.text for w in chunk))
            if norm in norm_phrases or (n == CHUNK_WORDS[0] and any(contains_phrase(norm, p) for p in long_phrases)):
                lab = voices.voice_at(0.5 * (chunk[0].start_s + chunk[-1].end_s))
                if lab >= 0:
                    votes[lab] += 1
                break
    return votes


def choose_agent(voices: TwoVoices, words: Sequence[Word], *, agent_is: str) -> AgentChoice:
    """The agent's voice by ``agent_is`` (module notes)."""
    if agent_is not in AGENT_CHOICES:
        raise CallcheckError(f"separation.agent_is is {agent_is!r}; use one of {', '.join(AGENT_CHOICES)}")
    if voices.single:
        return AgentChoice(0, SINGLE_VOICE_NOTE)
    talk = np.array([total_s(voices.activity[k]) for k in (0, 1)])
    first = np.array([min((i.start_s for i in voices.activity[k]), default=np.inf) for k in (0, 1)])
    gv = greeting_votes(words, voices)
    if agent_is in ("first-speaker", "greeting-words") and gv.sum() > 0 and gv[0] != gv[1]:
        return AgentChoice(int(gv.argmax()), f"agent = the voice that says the greeting phrases ({int(gv.max())} of {int(gv.sum())} phrase hits)")
    if agent_is == "most-talk":
        return AgentChoice(int(talk.argmax()), "agent = the voice with more talk time (separation.agent_is = most-talk)")
    if agent_is == "greeting-words":
        return AgentChoice(int(first.argmin()), "no greeting phrases in the transcript; agent = the voice that speaks first")
    return AgentChoice(int(first.argmin()), "agent = the voice that speaks first (no greeting phrases decided it)")


def assign_parties(voices: TwoVoices, words: Sequence[Word], *, agent_is: str) -> PartyAssignment:
    """Name the two voices: ``{"agent": ..., "caller": ...}`` and the separation with the choice's
    note first (after the separation's own note when it found a single voice)."""
    choice = choose_agent(voices, words, agent_is=agent_is)
    k = choice.agent_voice
    activity: dict[Party, tuple[Interval, ...]] = {"agent": tuple(voices.activity[k]), "caller": tuple(voices.activity[1 - k])}
    sep = voices.separation
    notes = tuple(sep.notes) + (choice.note,) if voices.single else (choice.note,) + tuple(sep.notes)
    return PartyAssignment(activity, dataclasses.replace(sep, notes=notes), k)


def assign_speakers(words: Sequence[Word], activity: Mapping[Party, Sequence[Interval]]) -> tuple[Word, ...]:
    """Words with ``speaker`` set to the party whose activity covers most of the word (else nearest).

    A word inside overlapping speech (both parties cover it equally) goes to the party whose
    covering stretch of speech is longer: Whisper transcribes the dominant voice of a mix, and a
    backchannel ("mhm" inside the other's sentence) must not take the other's words.
    """
    out = []
    for w in words:
        best, best_key = w.speaker, None
        for p, ivs in activity.items():
            ov = sum(max(0.0, min(w.end_s, i.end_s) - max(w.start_s, i.start_s)) for i in ivs)
            span = max((i.duration_s for i in ivs if i.start_s < w.end_s and i.end_s > w.start_s), default=0.0)
            mid = 0.5 * (w.start_s + w.end_s)
            dist = min((abs(mid - 0.5 * (i.start_s + i.end_s)) for i in ivs), default=np.inf)
            key = (round(ov, 3), span, -dist)
            if best_key is None or key > best_key:
                best, best_key = p, key
        out.append(Word(best, w.text, w.start_s, w.end_s, w.probability))
    return tuple(out)
