"""Speech rate (words per minute, pauses included) and articulation rate (syllables per second,
pauses removed), for the whole call and per window of the call.

"Too fast" (mistake 7) is a high articulation rate; "rushed" (mistake 5) is little breathing room
(few, short pauses) and speeding up during the call, hence the rate per window and its trend.
Compare languages in syllables per second (German words are longer): read speech runs at about
6.0 syll/s in German and 6.2 in English (Pellegrino et al. 2011), German spontaneous speech at
~5.7 syll/s with pauses removed (stimmste.de; the sources of ``rules.m7_articulation_sps``).

References
----------
Pellegrino, F., Coupé, C. & Marsico, E. (2011). A cross-language perspective on speech
information rate. Language 87(3), 539-558.
Yuan, J., Liberman, M. & Cieri, C. (2006). Towards an integrated understanding of speaking rate
in conversation. Interspeech.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from callcheck.intervals import intersect, total_s
from callcheck.types import Interval

__all__ = ["speech_rate_wpm", "articulation_rate_sps", "RateWindow", "rate_over_time", "rate_trend"]


def speech_rate_wpm(*, word_count: int, speaking_s: float, min_speaking_s: float) -> float | None:
    """Words per minute of speaking time (pauses inside turns included); None below ``min_speaking_s``."""
    if speaking_s < min_speaking_s or word_count <= 0:
        return None
    return 60.0 * word_count / speaking_s


def articulation_rate_sps(*, syllables: int, phonation_s: float, min_phonation_s: float) -> float | None:
    """Syllables per second of phonation (pauses removed); None below ``min_phonation_s``."""
    if phonation_s < min_phonation_s or syllables <= 0:
        return None
    return syllables / phonation_s


@dataclass(frozen=True)
class RateWindow:
    """Rates inside one window of the call."""

    start_s: float
    end_s: float
    speech_rate_wpm: float | None
    articulation_rate_sps: float | None

    def to_json(self) -> dict:
        return {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "speech_rate_wpm": None if self.speech_rate_wpm is None else round(self.speech_rate_wpm, 1),
            "articulation_rate_sps": None
            if self.articulation_rate_sps is None
            else round(self.articulation_rate_sps, 2),
        }


def rate_over_time(
    *,
    segments: Sequence[Interval],
    pauses: Sequence[Interval],
    word_times_s: np.ndarray,
    syllable_times_s: np.ndarray,
    duration_s: float,
    window_s: float,
    min_window_phonation_s: float,
) -> tuple[RateWindow, ...]:
    """Speech and articulation rate per consecutive window of ``window_s`` seconds.

    Words and syllables are assigned to the window holding their time (word midpoint; for text
    syllables, the midpoint of their word). Windows with less than ``min_window_phonation_s`` of
    speech are left out (rates over a few seconds are dominated by utterance length, Yuan et al.
    2006); inside a window that threshold is also the least speaking/phonation time for a rate.
    """
    out = []
    n = max(1, int(np.ceil(duration_s / window_s)))
    wt = np.asarray(word_times_s, dtype=float)
    syl = np.asarray(syllable_times_s, dtype=float)
    for i in range(n):
        a, b = i * window_s, min(duration_s, (i + 1) * window_s)
        window = (Interval(a, b),)
        phon = total_s(intersect(segments, window))
        if phon < min_window_phonation_s:
            continue
        speaking = phon + total_s(intersect(pauses, window))
        nw = int(((wt >= a) & (wt < b)).sum())
        ns = int(((syl >= a) & (syl < b)).sum())
        out.append(
            RateWindow(
                a, b,
                speech_rate_wpm(word_count=nw, speaking_s=speaking, min_speaking_s=min_window_phonation_s),
                articulation_rate_sps(syllables=ns, phonation_s=phon, min_phonation_s=min_window_phonation_s),
            )
        )
    return tuple(out)


def rate_trend(windows: Sequence[RateWindow], *, min_windows: int = 3) -> float | None:
    """Least-squares slope of the articulation rate over the call, syllables/s per minute.

    Positive = speeding up. None with fewer than ``min_windows`` windows with a rate.
    """
    pts = [((w.start_s + w.end_s) / 120.0, w.articulation_rate_sps) for w in windows if w.articulation_rate_sps]
    if len(pts) < min_windows:
        return None
    x, y = np.array(pts).T
    if np.ptp(x) == 0:
        return None
    return float(np.polyfit(x, y, 1)[0])
