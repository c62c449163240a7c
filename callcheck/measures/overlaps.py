"""Overlaps: stretches where both parties speak, who started second, interruption or backchannel.

Method (norms.md, "Turn-taking")
--------------------------------
Overlaps are intersections of the two parties' activity segments (from the signal, so a "mhm"
that Whisper dropped is still seen). The party whose segment started later is the
``interrupter``. The overlap is a

* **backchannel** when that later segment is a backchannel (:mod:`callcheck.measures.turns`);
* **interruption** when both talk together longer than ``interruption_grace_s`` (0.5 s, the
  call-ai-metrics grace window);
* otherwise a *transition overlap*: the second party started a little early while the first was
  finishing (about 40 % of speaker changes involve such overlap, Stivers et al. 2009). These are
  normal turn-taking; they are counted, but not listed in ``overlaps[]`` (the contract's ``kind``
  has only "interruption" and "backchannel").

Overlap pieces of the same segment separated by at most ``max_pause_in_turn_s`` are one overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from callcheck.measures.turns import Segment
from callcheck.types import Overlap, Party


@dataclass(frozen=True)
class OverlapResult:
    """Listed overlaps plus the count of brief transition overlaps (not listed)."""

    overlaps: tuple[Overlap, ...]
    transition_overlaps: int
    transition_overlap_s: float


def find_overlaps(
    *,
    segments: Mapping[Party, Sequence[Segment]],
    interruption_grace_s: float,
    min_overlap_s: float,
    max_pause_in_turn_s: float,
) -> OverlapResult:
    """Find interruptions and backchannel overlaps between agent and caller segments.

    Parameters
    ----------
    segments : mapping party -> Segment
        Classified activity segments of both parties (s).
    interruption_grace_s : float
        Both must talk together longer than this (s) for an interruption.
    min_overlap_s : float
        Shorter intersections are ignored (s), e.g. touching VAD paddings.
    max_pause_in_turn_s : float
        Pieces of overlap on a shared segment closer than this (s) are merged.

    Returns
    -------
    OverlapResult, overlaps sorted by start.
    """
    a = sorted(segments.get("agent", ()), key=lambda s: s.start_s)
    c = sorted(segments.get("caller", ()), key=lambda s: s.start_s)
    # (start, end, agent_index, caller_index)
    pieces: list[list] = []
    i = j = 0
    while i < len(a) and j < len(c):
        s = max(a[i].start_s, c[j].start_s)
        e = min(a[i].end_s, c[j].end_s)
        if e - s > 0:
            pieces.append([s, e, i, j])
        if a[i].end_s < c[j].end_s:
            i += 1
        else:
            j += 1
    merged: list[list] = []
    for p in pieces:
        if merged:
            m = merged[-1]
            if (p[2] == m[2] or p[3] == m[3]) and p[0] - m[1] <= max_pause_in_turn_s:
                m[1] = max(m[1], p[1])
                continue
        merged.append(list(p))
    listed: list[Overlap] = []
    n_trans = 0
    trans_s = 0.0
    for s, e, ia, jc in merged:
        if e - s < min_overlap_s:
            continue
        sa, sc = a[ia], c[jc]
        later = sc if sc.start_s > sa.start_s else sa
        if later.backchannel:
            listed.append(Overlap(float(s), float(e), later.party, "backchannel"))
        elif e - s > interruption_grace_s:
            listed.append(Overlap(float(s), float(e), later.party, "interruption"))
        else:
            n_trans += 1
            trans_s += e - s
    return OverlapResult(tuple(sorted(listed, key=lambda o: o.start_s)), n_trans, float(trans_s))
