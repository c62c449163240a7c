"""Monotony (mistake 1, "Stimme klingt tonlos"): a 0..1 flatness score, 1 = flat.

Design (from measured data, see docs/measures.md "Monotony"): within the same speaker and
sentence, mean absolute pitch movement (st/s) separated flat deliveries (Emo-DB boredom/neutral)
from lively ones (anger/happiness) far better (~88 % of pairs) than the F0 standard deviation
(~60 %) or the 10-90 range (~72 %); on our tracker the figures were movement 83 %, F0 SD 69 %,
range 62 %, loudness variation (SD of frame levels, dB) 70 %. The score is therefore led by pitch
movement, with loudness variation as a second, smaller term (the mission names "low loudness
variation" as part of a toneless voice; it is nearly independent of pitch). Each term is mapped to 0..1 on a log scale between two
anchors (a "flat" and a "lively" value, see :class:`callcheck.config.VoiceConfig`), and

    monotony = 1 - (w * s_movement + (1 - w) * s_loudness)

The anchors are round values chosen on Emo-DB speakers 03 and 08 only (wide enough that the
score does not saturate on their utterances: movement 12-30 st/s around their medians of 16 (boredom)
to 27 (anger) st/s; loudness variation 4-8 dB around their medians of 5.9/6.4 dB) and checked on
speakers 09, 10 and 11, which played no part in choosing them. Among the candidate settings that
tied on the development speakers the one with the a-priori composite was kept. Because pitch movement in semitones per second does not depend on the speaker's register
(Traunmüller & Eriksson), the same anchors serve men and women. Absolute norms are weak: rules
should also compare an agent with their own history and with the team.
"""

from __future__ import annotations

import math

__all__ = ["monotony_score"]


def _unit(value: float, flat: float, lively: float) -> float:
    """0 at or below ``flat``, 1 at or above ``lively``, log-linear in between."""
    if value <= 0:
        return 0.0
    x = (math.log(value) - math.log(flat)) / (math.log(lively) - math.log(flat))
    return min(1.0, max(0.0, x))


def monotony_score(
    *,
    f0_movement_st_per_s: float | None,
    loudness_variation_db: float | None,
    movement_flat_st_per_s: float,
    movement_lively_st_per_s: float,
    loudness_flat_db: float,
    loudness_lively_db: float,
    movement_weight: float,
) -> float | None:
    """Flatness score 0..1 (1 = monotonous) from pitch movement and loudness variation.

    Parameters
    ----------
    f0_movement_st_per_s : float or None
        Mean absolute pitch movement, semitones/s (:func:`callcheck.measures.pitch.pitch_stats`).
    loudness_variation_db : float or None
        SD of the speech frames' levels, dB (:func:`callcheck.measures.loudness.loudness_stats`).
    movement_flat_st_per_s, movement_lively_st_per_s : float
        Anchors: movement at which the movement term is 0 (flat) and 1 (lively), st/s.
    loudness_flat_db, loudness_lively_db : float
        Anchors for the loudness-variation term, dB.
    movement_weight : float
        Weight of the movement term, 0..1 (the loudness term gets the rest).

    Returns
    -------
    float or None
        None when pitch movement is unknown (too little voiced speech). Without a loudness
        variation the movement term alone is used.
    """
    if f0_movement_st_per_s is None:
        return None
    s_move = _unit(f0_movement_st_per_s, movement_flat_st_per_s, movement_lively_st_per_s)
    if loudness_variation_db is None:
        return 1.0 - s_move
    s_loud = _unit(loudness_variation_db, loudness_flat_db, loudness_lively_db)
    return 1.0 - (movement_weight * s_move + (1.0 - movement_weight) * s_loud)
