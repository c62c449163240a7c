"""Pauses inside a party's speech: where the voice stops and starts again within a turn.

Method: frames above the party's silence threshold are speech. The threshold
(:func:`callcheck.measures.voice.analyse_levels`) is de Jong & Wempe's (2009) 25 dB below the
party's peak level — here the 95th percentile of the frame levels (they use the 99th; the 95th
resists clicks and coughs) — raised to 6 dB above the noise floor; silences shorter than ``min_pause_s`` are
bridged (Goldman-Eisler: silences below ~250 ms are articulatory, not pauses) and speech bursts
shorter than ``min_segment_s`` are dropped. A pause is a silence between two speech segments that
lasts ``min_pause_s`` to ``max_pause_s``; longer silences end the turn (``turns.max_pause_in_turn_s``
uses the same 1 s). Silences in which the other party speaks are hand-overs, not pauses.

References
----------
Goldman-Eisler, F. (1968). Psycholinguistics: Experiments in spontaneous speech.
de Jong, N. H. & Wempe, T. (2009). Behavior Research Methods 41(2), 385-390.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from callcheck.intervals import intersect, merge, total_s
from callcheck.types import Interval

__all__ = ["speech_segments", "PauseStats", "find_pauses", "pause_stats"]


def speech_segments(
    *,
    frame_index: np.ndarray,
    speech: np.ndarray,
    hop_s: float,
    min_pause_s: float,
    min_segment_s: float,
) -> tuple[Interval, ...]:
    """Stretches of speech (s) from a frame-wise speech decision.

    Parameters
    ----------
    frame_index : ndarray of int
        Frame numbers on the global grid (time = index * hop_s); gaps in the numbering are silence.
    speech : ndarray of bool
        Speech decision per frame.
    hop_s : float
        Frame hop, s.
    min_pause_s : float
        Silences shorter than this are bridged, s.
    min_segment_s : float
        Speech stretches shorter than this are dropped, s.
    """
    k = frame_index[speech]
    if len(k) == 0:
        return ()
    brk = np.flatnonzero(np.diff(k) > 1)
    starts = np.r_[k[0], k[brk + 1]] * hop_s - hop_s / 2
    ends = np.r_[k[brk], k[-1]] * hop_s + hop_s / 2
    segs: list[list[float]] = []
    for s, e in zip(starts, ends):
        if segs and s - segs[-1][1] < min_pause_s:
            segs[-1][1] = e
        else:
            segs.append([float(s), float(e)])
    return tuple(Interval(max(0.0, s), e) for s, e in segs if e - s >= min_segment_s)


def find_pauses(
    segments: Sequence[Interval],
    *,
    min_pause_s: float,
    max_pause_s: float,
    max_other_share: float,
    other_activity: Sequence[Interval] = (),
) -> tuple[Interval, ...]:
    """Pauses between consecutive speech segments.

    A gap counts when ``min_pause_s <= gap <= max_pause_s`` and the other party speaks in at most
    ``max_other_share`` of it.
    """
    out = []
    other = merge(other_activity)
    for a, b in zip(segments[:-1], segments[1:]):
        gap = Interval(a.end_s, b.start_s)
        if not (min_pause_s <= gap.duration_s <= max_pause_s):
            continue
        if other and total_s(intersect((gap,), other)) > max_other_share * gap.duration_s:
            continue
        out.append(gap)
    return tuple(out)


@dataclass(frozen=True)
class PauseStats:
    """Pause statistics of one party (pauses inside turns)."""

    pause_count: int
    pause_count_per_min: float | None
    pause_mean_s: float | None
    pause_max_s: float | None
    pause_share: float | None
    phonation_s: float
    speaking_s: float


def pause_stats(*, segments: Sequence[Interval], pauses: Sequence[Interval]) -> PauseStats:
    """Pause count per minute of speaking time, mean and longest pause (s), share of pause time.

    ``phonation_s`` is the total of speech segments (pauses removed); ``speaking_s`` adds the
    pauses (the talk time of the contract's speech rate); ``pause_share`` = pauses / speaking_s.
    """
    phon = float(sum(s.duration_s for s in segments))
    p = np.array([x.duration_s for x in pauses])
    speaking = phon + float(p.sum())
    if speaking <= 0:
        return PauseStats(0, None, None, None, None, 0.0, 0.0)
    return PauseStats(
        pause_count=len(p),
        pause_count_per_min=len(p) / (speaking / 60.0),
        pause_mean_s=float(p.mean()) if len(p) else None,
        pause_max_s=float(p.max()) if len(p) else None,
        pause_share=float(p.sum() / speaking),
        phonation_s=phon,
        speaking_s=speaking,
    )
