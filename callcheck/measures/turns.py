"""Turns: who holds the floor when, and which short vocalisations are backchannels.

Method
------
Speech activity per party (from the signal, e.g. Silero VAD per channel) is the ground truth of
*when* somebody speaks; words (which may be sparse: Whisper drops "mhm") only add text.

1. Each party's activity is sorted and merged into *segments*.
2. A segment of party P is a **backchannel** when it is short (``backchannel_max_s``), lies inside
   the other party's *floor* (the other's activity with pauses up to ``max_pause_in_turn_s``
   bridged, so the other talks before and after it), is not the answer to a question the other
   just asked, and - when words were transcribed for it - consists only of backchannel tokens
   ("mhm", "ja", "genau", "right", ...). This follows the call-ai-metrics / norms.md definition: a
   short vocalisation inside the other's speech is a sign of listening, never an interruption.
3. The other segments make **turns**: a party keeps the floor across its own pauses up to
   ``max_pause_in_turn_s`` unless the other party takes the floor (a non-backchannel segment) in
   that pause.

All times are float seconds from the start of the recording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Sequence

from callcheck.intervals import merge
from callcheck.text import normalise_text
from callcheck.types import Interval, Party, Turn, Word, other_party



#: a lexicon phrase's normalised form, remembered (the same phrases are looked for in every call)
_normalised_phrase = lru_cache(maxsize=4096)(normalise_text)


def contains_phrase(text_norm: str, phrase: str) -> bool:
    """True when normalised ``text_norm`` contains ``phrase`` as whole words."""
    p = _normalised_phrase(phrase)
    return bool(p) and f" {p} " in f" {text_norm} "


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of a party's speech activity; ``backchannel`` says how it was classified."""

    party: Party
    start_s: float
    end_s: float
    backchannel: bool = False

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)


def words_in(words: Sequence[Word], start_s: float, end_s: float, *, tolerance_s: float = 0.1) -> list[Word]:
    """Words whose midpoint lies in ``[start_s - tolerance_s, end_s + tolerance_s]``."""
    return [w for w in words if start_s - tolerance_s <= 0.5 * (w.start_s + w.end_s) <= end_s + tolerance_s]


#: words Whisper recognised with less probability than this are mumbles, not content
MUMBLE_P = 0.4


def _is_backchannel_text(words: Sequence[Word], tokens: frozenset[str]) -> bool:
    """True when a short vocalisation's words do not make it a real contribution.

    Called only for a vocalisation whose *timing* already makes it a backchannel (short, inside
    the other's floor): the text can only take that away when it holds a real word. Hums and
    hesitations in any spelling (:func:`is_hum`: "mhm", "M -HM,", "Mm-hmm", "ähm"), single letters
    (Whisper renders a "mhm" it cannot place as "M -A -M") and words recognised with probability
    below ``MUMBLE_P`` ("MIM," at 0.34 for a "mhm" at 8 kHz) do not count; backchannel tokens and
    phrases ("ja", "genau", "okay", "uh-huh", …) are covered greedily. Any other word, or a
    question, makes it a contribution.
    """
    text = normalise_text(" ".join(w.text for w in words))
    if not text:
        return True
    if any("?" in w.text for w in words):
        return False
    heard = [w for w in words if w.probability >= MUMBLE_P]
    parts = [t.strip("-'") for t in normalise_text(" ".join(w.text for w in heard)).split()]
    parts = [t for t in parts if len(t) > 1 and not is_hum(t)]
    i = 0
    while i < len(parts):
        for n in (3, 2, 1):
            if " ".join(parts[i:i + n]) in tokens:
                i += n
                break
        else:
            return False
    return True


#: a hum or hesitation however the recogniser spells it: only m/h letters ("mhm", "mmhmm", "hm",
#: "m-hm" from "M -HM"), or a vowel followed by h or mm ("äh", "ähm", "ehm", "öhm", "uh", "umm")
_HUM = re.compile(r"[mh]+|[aäeöou](?:h[mh]*|mm+)")


def is_hum(token: str) -> bool:
    """True when one normalised token is a hum ("mhm", "M-HM", "mmhmm", "hm") or a hesitation
    ("äh", "ähm", "uh", "umm"), whatever its hyphens and apostrophes: no content word is spelled so."""
    return _HUM.fullmatch(token.replace("-", "").replace("'", "")) is not None


def _follows_question(words_other: Sequence[Word], start_s: float, window_s: float) -> bool:
    before = [w for w in words_other if start_s - window_s <= w.end_s <= start_s + 0.1]
    return bool(before) and before[-1].text.rstrip().endswith("?")


def classify_segments(
    *,
    activity: Mapping[Party, Sequence[Interval]],
    words: Sequence[Word],
    backchannel_tokens: Sequence[str],
    max_pause_in_turn_s: float,
    backchannel_max_s: float,
) -> dict[Party, tuple[Segment, ...]]:
    """Split each party's activity into segments and mark the backchannels.

    Parameters
    ----------
    activity : mapping party -> intervals (s)
        Speech activity per party; unsorted or touching intervals are fine.
    words : sequence of Word
        Transcribed words with ``speaker`` set; may be empty or sparse.
    backchannel_tokens : sequence of str
        Lower-case tokens/phrases that count as backchannels (``callcheck/data/conversation_*.toml``).
    max_pause_in_turn_s, backchannel_max_s : float
        See :class:`callcheck.config.TurnsConfig`.

    Returns
    -------
    dict party -> tuple of Segment, sorted by start.
    """
    tokens = frozenset(normalise_text(t) for t in backchannel_tokens)
    merged = {p: merge(ivs) for p, ivs in activity.items()}
    floors = {p: merge(ivs, max_gap_s=max_pause_in_turn_s) for p, ivs in merged.items()}
    by_party = {p: [w for w in words if w.speaker == p] for p in merged}
    out: dict[Party, tuple[Segment, ...]] = {}
    for p, ivs in merged.items():
        q = other_party(p)
        segs: list[Segment] = []
        for iv in ivs:
            bc = False
            if iv.duration_s <= backchannel_max_s and q in floors:
                inside = any(f.start_s <= iv.start_s and iv.end_s <= f.end_s for f in floors[q])
                if inside:
                    own = words_in(by_party.get(p, []), iv.start_s, iv.end_s)
                    bc = _is_backchannel_text(own, tokens) and not _follows_question(
                        by_party.get(q, []), iv.start_s, max_pause_in_turn_s
                    )
            segs.append(Segment(p, iv.start_s, iv.end_s, bc))
        out[p] = tuple(segs)
    return out


def build_turns(
    *,
    segments: Mapping[Party, Sequence[Segment]],
    words: Sequence[Word],
    max_pause_in_turn_s: float,
) -> tuple[Turn, ...]:
    """Turns from classified segments (backchannels are not turns), with their words' text.

    A party's consecutive segments are one turn when the pause between them is at most
    ``max_pause_in_turn_s`` s and the other party does not speak (outside backchannels) in it.
    Each word goes to the speaker's turn that contains its midpoint, else the nearest one.
    Returns turns sorted by start time.
    """
    spans: dict[Party, list[list[float]]] = {}
    for p, segs in segments.items():
        q = other_party(p)
        others = [s for s in segments.get(q, ()) if not s.backchannel]
        cur: list[list[float]] = []
        for s in sorted((s for s in segs if not s.backchannel), key=lambda s: s.start_s):
            if cur:
                gap_start, gap_end = cur[-1][1], s.start_s
                taken = any(o.start_s < gap_end and o.end_s > gap_start for o in others)
                if gap_end - gap_start <= max_pause_in_turn_s and not taken:
                    cur[-1][1] = max(cur[-1][1], s.end_s)
                    continue
            cur.append([s.start_s, s.end_s])
        spans[p] = cur
    texts: dict[tuple[Party, int], list[str]] = {}
    for w in sorted(words, key=lambda w: w.start_s):
        cand = spans.get(w.speaker)
        if not cand:
            continue
        mid = 0.5 * (w.start_s + w.end_s)

        def dist(span: list[float], mid: float = mid) -> float:
            return 0.0 if span[0] <= mid <= span[1] else min(abs(mid - span[0]), abs(mid - span[1]))

        k = min(range(len(cand)), key=lambda i: dist(cand[i]))
        texts.setdefault((w.speaker, k), []).append(w.text.strip())
    turns = [
        Turn(p, float(s), float(e), " ".join(t for t in texts.get((p, k), []) if t))
        for p, sp in spans.items()
        for k, (s, e) in enumerate(sp)
    ]
    return tuple(sorted(turns, key=lambda t: (t.start_s, t.end_s)))
