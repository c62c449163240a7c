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


def fuzzy_find(text_norm: str, phrase: str, min_ratio: float) -> tuple[float, str] | None:
    """The stretch of ``text_norm`` (normalised text) most like ``phrase``, when its similarity
    reaches ``min_ratio``: ``(ratio, stretch)``, else None.

    Stretches of the phrase's word count and one word more or less are compared with
    :class:`difflib.SequenceMatcher` (ratio = 2·matches / total characters), so ASR variants of a
    name ("Rump und Söhne" for "Grumps und Söhne": 0.93) are found; exact matches score 1.
    """
    from difflib import SequenceMatcher

    p = normalise_text(phrase)
    words = text_norm.split()
    n = len(p.split())
    if not p or not words:
        return None
    best: tuple[float, str] | None = None
    for k in {max(1, n - 1), n, n + 1}:
        for i in range(0, max(1, len(words) - k + 1)):
            cand = " ".join(words[i:i + k])
            r = SequenceMatcher(None, p, cand, autojunk=False).ratio()
            if best is None or r > best[0]:
                best = (r, cand)
    return best if best is not None and best[0] >= min_ratio else None
