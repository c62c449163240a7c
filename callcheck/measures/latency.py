"""Reply latency: the gap between the end of one party's turn and the start of the other's reply.

For every turn whose predecessor (by start time) is the other party's turn, the gap is
``turn.start_s - previous.end_s`` in seconds: positive is a pause, negative means the reply began
before the other finished (overlap). Turns lying entirely inside the other's turn are not replies.
The typical gap across languages is about 0.2 s (Stivers et al. 2009, norms.md). Statistics per
replying party: median and 90th percentile (linear interpolation, numpy default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from callcheck.types import Party, Turn


@dataclass(frozen=True, slots=True)
class Gap:
    """A change of speaker: ``replier`` starts ``gap_s`` seconds after the other's turn ended."""

    replier: Party
    start_s: float
    end_s: float
    gap_s: float

    def to_json(self) -> dict:
        return {"replier": self.replier, "start_s": self.start_s, "end_s": self.end_s, "gap_s": self.gap_s}


def reply_gaps(*, turns: Sequence[Turn]) -> tuple[Gap, ...]:
    """Gaps at every change of speaker (see module doc)."""
    ordered = sorted(turns, key=lambda t: (t.start_s, t.end_s))
    out: list[Gap] = []
    prev: Turn | None = None
    for cur in ordered:
        if prev is not None and cur.end_s <= prev.end_s:
            continue  # nested inside the floor holder's turn: not a reply, floor unchanged
        if prev is None or prev.speaker == cur.speaker:
            prev = cur
            continue
        out.append(Gap(cur.speaker, min(prev.end_s, cur.start_s), max(prev.end_s, cur.start_s),
                       float(cur.start_s - prev.end_s)))
        prev = cur
    return tuple(out)


def latency_stats(*, gaps: Sequence[Gap], party: Party) -> dict[str, float | None]:
    """``reply_latency_median_s`` and ``reply_latency_p90_s`` of ``party``'s replies (None if none)."""
    xs = np.array([g.gap_s for g in gaps if g.replier == party], dtype=float)
    if xs.size == 0:
        return {"reply_latency_median_s": None, "reply_latency_p90_s": None}
    return {"reply_latency_median_s": float(np.median(xs)), "reply_latency_p90_s": float(np.percentile(xs, 90))}
