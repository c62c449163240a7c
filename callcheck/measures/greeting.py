"""Greeting: the agent's opening turn (mistake 4, "antiquated and overlong greeting").

Method
------
The greeting is the agent's first turn (:mod:`callcheck.measures.turns`). Reported: start, end,
duration (s), word count, text, the components present (company, own name, offer of help; found
by phrase lists in ``callcheck/data/conversation_{de,en}.toml`` plus configured company names),
the stock formulas it uses (the article's "Herzlich willkommen bei …, mein Name ist …, was kann
ich für Sie tun?" and English equivalents) and ``caller_can_speak_s``: seconds from the start of
the recording until the greeting ends, i.e. until the caller gets the floor. The article's bad
example is about 17 words; a short modern greeting 5-7 words, 2-3 s (norms.md); limits are the
rules' business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from callcheck.measures.turns import contains_phrase
from callcheck.text import normalise_text
from callcheck.types import Turn


@dataclass(frozen=True)
class Greeting:
    """The agent's opening turn; times in seconds from the start of the recording."""

    start_s: float
    end_s: float
    word_count: int
    text: str
    company: bool
    own_name: bool
    offer_help: bool
    stock_formulas: tuple[str, ...]
    caller_can_speak_s: float

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)

    def to_json(self) -> dict:
        return {
            "start_s": self.start_s,
            "end_s": self.end_s,
            "duration_s": self.duration_s,
            "word_count": self.word_count,
            "text": self.text,
            "components": {"company": self.company, "own_name": self.own_name, "offer_help": self.offer_help},
            "stock_formulas": list(self.stock_formulas),
            "caller_can_speak_s": self.caller_can_speak_s,
        }


def measure_greeting(
    *,
    turns: Sequence[Turn],
    company_phrases: Sequence[str],
    own_name_phrases: Sequence[str],
    offer_help_phrases: Sequence[str],
    stock_formulas: Sequence[str],
    company_names: Sequence[str] = (),
) -> Greeting | None:
    """The agent's greeting, or None when the agent has no turn.

    Parameters
    ----------
    turns : sequence of Turn
        Turns of the call with text (s).
    company_phrases, own_name_phrases, offer_help_phrases, stock_formulas : sequence of str
        Phrase lists (lower case); matched as whole words in the normalised text.
    company_names : sequence of str
        Known company names; any of them in the text also shows the company.
    """
    agent = sorted((t for t in turns if t.speaker == "agent"), key=lambda t: t.start_s)
    if not agent:
        return None
    t = agent[0]
    norm = normalise_text(t.text)

    def has(phrases: Sequence[str]) -> bool:
        return any(contains_phrase(norm, p) for p in phrases)

    found: list[str] = []
    for f in stock_formulas:
        if contains_phrase(norm, f) and not any(contains_phrase(normalise_text(g), f) for g in found):
            found.append(f)
    return Greeting(
        start_s=float(t.start_s),
        end_s=float(t.end_s),
        word_count=len(norm.split()),
        text=t.text,
        company=has(company_phrases) or has(company_names),
        own_name=has(own_name_phrases),
        offer_help=has(offer_help_phrases),
        stock_formulas=tuple(found),
        caller_can_speak_s=float(t.end_s),
    )
