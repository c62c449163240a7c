"""Questions, German and English, from the transcribed words.

Method
------
Each party's words are cut into sentences at terminal punctuation (``. ? !``), at pauses longer
than ``max_pause_s`` and at changes of speaker. A sentence is a **question** when it ends with
"?" (Whisper punctuates questions), or when it has no terminal punctuation and begins with an
interrogative word. Its kind is **open** when it begins with an interrogative word or an open
invitation ("wie", "warum", "what", "tell me"; German W-Fragen), otherwise **closed**
(verb-first yes/no questions, tag questions "…, oder?", declarative questions). One leading
filler ("und", "also", "so", "and", "okay") is skipped; for a sentence ending in "?" the clause
after the last comma counts too ("Guten Tag, was kann ich für Sie tun?" is open). Word lists live in
``callcheck/data/conversation_{de,en}.toml``.

Gong reports 11-14 questions per call on good discovery calls (norms.md); the rules use this as
context, not a hard norm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

from callcheck.text import normalise_text
from callcheck.types import Party, Word

_FILLERS = frozenset({"und", "also", "aber", "so", "okay", "ok", "gut", "na", "and", "but", "well", "alright", "now", "dann"})


@dataclass(frozen=True, slots=True)
class Question:
    """One question with its time span (s) and kind."""

    speaker: Party
    start_s: float
    end_s: float
    text: str
    kind: Literal["open", "closed"]

    def to_json(self) -> dict:
        return {"speaker": self.speaker, "start_s": self.start_s, "end_s": self.end_s,
                "text": self.text, "kind": self.kind}


def _sentences(words: Sequence[Word], max_pause_s: float) -> list[list[Word]]:
    out: list[list[Word]] = []
    cur: list[Word] = []
    for w in sorted(words, key=lambda w: (w.speaker, w.start_s)):
        if cur and (w.speaker != cur[-1].speaker or w.start_s - cur[-1].end_s > max_pause_s):
            out.append(cur)
            cur = []
        cur.append(w)
        if w.text.rstrip().endswith(("?", ".", "!")):
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def _starts_with(norm: str, phrases: Sequence[str]) -> bool:
    parts = norm.split()
    cands = [" ".join(parts)]
    if parts and parts[0] in _FILLERS:
        cands.append(" ".join(parts[1:]))
    for c in cands:
        for p in phrases:
            p = normalise_text(p)
            if p and (c == p or c.startswith(p + " ")):
                return True
    return False


def detect_questions(
    *,
    words: Sequence[Word],
    open_starts: Sequence[str],
    closed_starts: Sequence[str],
    max_pause_s: float,
) -> tuple[Question, ...]:
    """Questions in ``words`` (both parties), sorted by start time.

    Parameters
    ----------
    words : sequence of Word
        Transcribed words with speaker and times (s).
    open_starts, closed_starts : sequence of str
        Sentence openings of open questions (interrogatives) and of yes/no questions.
    max_pause_s : float
        A pause longer than this (s) ends a sentence.
    """
    out: list[Question] = []
    for sent in _sentences(words, max_pause_s):
        text = " ".join(w.text.strip() for w in sent).strip()
        norm = normalise_text(text)
        if not norm:
            continue
        ends_q = text.endswith("?")
        unpunctuated = not text.endswith((".", "!", "?"))
        clause = normalise_text(text.replace(";", ",").rsplit(",", 1)[-1])
        is_open = _starts_with(norm, open_starts) or (ends_q and _starts_with(clause, open_starts))
        if not (ends_q or (unpunctuated and (is_open or _starts_with(norm, closed_starts)))):
            continue
        out.append(Question(sent[0].speaker, float(sent[0].start_s), float(sent[-1].end_s), text,
                            "open" if is_open else "closed"))
    return tuple(sorted(out, key=lambda x: (x.start_s, x.speaker)))
