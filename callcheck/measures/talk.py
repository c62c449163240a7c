"""Talk time, talk share, longest monologue / caller story, speaker switches, dead air.

Definitions (Gong / AWS Contact Lens / MiiTel vocabulary, norms.md):

* ``talk_time_s``: seconds of a party's speech activity (backchannels included);
* ``talk_share``: a party's talk time over both parties' talk time (0..1);
* ``longest_agent_monologue_s`` / ``longest_caller_story_s``: the longest turn of each party
  (a turn survives the other's backchannels and own pauses up to ``max_pause_in_turn_s``);
* ``speaker_switches_per_min``: changes of speaker between consecutive turns per minute of
  recording;
* ``dead_air``: stretches of at least ``dead_air_min_s`` in which nobody speaks, between the first
  and the last speech of the call (MiiTel counts silences >= 3 s).

Hold (music, tones, announcements; :mod:`callcheck.audio.hold`) is taken out of the activity
before these measures and is not dead air.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from callcheck.intervals import complement, merge, total_s
from callcheck.types import Interval, Party, Turn


def talk_times(*, activity: Mapping[Party, Sequence[Interval]]) -> dict[Party, float]:
    """Seconds of speech per party (overlapping intervals of one party counted once)."""
    return {p: total_s(ivs) for p, ivs in activity.items()}


def talk_shares(*, talk_time_s: Mapping[Party, float]) -> dict[Party, float | None]:
    """Each party's share (0..1) of the parties' summed talk time; None when nobody spoke."""
    total = sum(talk_time_s.values())
    return {p: (t / total if total > 0 else None) for p, t in talk_time_s.items()}


def dead_air(*, activity: Mapping[Party, Sequence[Interval]], min_s: float,
             hold: Sequence[Interval] = ()) -> tuple[Interval, ...]:
    """Silences of both parties lasting at least ``min_s`` s, between the first and last speech.

    Hold (music, a tone, an announcement) is not silence: the caller hears something and knows
    to wait; the stretches before and after a hold are measured on their own."""
    union = merge(iv for ivs in activity.values() for iv in ivs)
    if not union:
        return ()
    busy = merge(list(union) + list(hold))
    gaps = complement(busy, start_s=union[0].start_s, end_s=union[-1].end_s)
    return tuple(g for g in gaps if g.end_s - g.start_s >= min_s)


def longest_turn_s(*, turns: Sequence[Turn], party: Party) -> float | None:
    """Duration (s) of the party's longest turn; None when it has no turn."""
    ds = [t.duration_s for t in turns if t.speaker == party]
    return max(ds) if ds else None


def speaker_switches_per_min(*, turns: Sequence[Turn], duration_s: float) -> float | None:
    """Changes of speaker between consecutive turns (by start time) per minute of recording."""
    if duration_s <= 0:
        return None
    ordered = sorted(turns, key=lambda t: t.start_s)
    n = sum(1 for a, b in zip(ordered, ordered[1:]) if a.speaker != b.speaker)
    return n / (duration_s / 60.0)
