"""Clarity (mistake 6, sloppy or unclear pronunciation): ASR word confidence and its context.

A word the recogniser is unsure about is, more often than not, a word a listener finds hard too;
faster-whisper's word probability is the mean token probability of the word. Confidence also
drops for noise, clipping and rare names, so the party's SNR and clipping share are reported next
to it (see :mod:`callcheck.measures.loudness`), and a low value with a poor SNR is marked as
such in ``quality``. The ratio of acoustic syllable nuclei to the syllables of the transcript
("syllable realisation") is reported as a second, transcript-independent hint: slurred speech
merges syllables, which lowers the number of intensity peaks per written syllable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from callcheck.types import Word

__all__ = ["ClarityStats", "clarity_stats"]


@dataclass(frozen=True)
class ClarityStats:
    """Word-confidence statistics of one party."""

    word_count: int
    word_confidence_mean: float | None
    word_confidence_p10: float | None
    low_confidence_word_share: float | None


def clarity_stats(
    *, words: Sequence[Word], low_threshold: float, min_words: int
) -> ClarityStats:
    """Mean ASR word probability, its 10th percentile, and the share of words below ``low_threshold``.

    Parameters
    ----------
    words : sequence of Word
        The party's words with ``probability`` in 0..1.
    low_threshold : float
        A word below this probability counts as low-confidence.
    min_words : int
        Fewer words give None.
    """
    p = np.array([w.probability for w in words if w.text.strip()], dtype=float)
    p = p[np.isfinite(p)]
    if len(p) < min_words:
        return ClarityStats(len(p), None, None, None)
    return ClarityStats(
        word_count=len(p),
        word_confidence_mean=float(p.mean()),
        word_confidence_p10=float(np.percentile(p, 10)),
        low_confidence_word_share=float((p < low_threshold).mean()),
    )
