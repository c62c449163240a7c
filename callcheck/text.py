"""Text normalisation for phrase matching, and word error rate for evaluations."""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

_PUNCT = re.compile(r"[^\w'\s-]+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Lower case, typographic apostrophes unified, punctuation removed (apostrophes and in-word
    hyphens kept), whitespace collapsed — the form phrase lists are matched in."""
    t = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    t = _PUNCT.sub(" ", t)
    t = t.replace(" - ", " ")
    return _SPACE.sub(" ", t).strip()


def wer_tokens(text: str) -> list[str]:
    """Words for scoring a transcript: NFC, lower case, hyphens and slashes split, punctuation dropped."""
    t = unicodedata.normalize("NFC", text).lower()
    t = re.sub(r"[-/]", " ", t)
    return [w.strip("'") for w in re.findall(r"[\w']+", t) if w.strip("'")]


def word_errors(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Word-level edit distance (substitutions + deletions + insertions)."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]
