"""The one immutable data model shared by every layer of callcheck.

Conventions (see ``docs/architecture.md``; sets of intervals are handled by :mod:`callcheck.intervals`):

* time is always float seconds from the start of the recording, the unit is in the name
  (``start_s``); sample indices never leave :mod:`callcheck.audio`;
* objects are frozen dataclasses; nothing is mutated along the pipeline; JSON only at the edge
  (:mod:`callcheck.result`);
* a party is ``"agent"`` or ``"caller"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Mapping

import numpy as np

Party = Literal["agent", "caller"]
PARTIES: tuple[Party, Party] = ("agent", "caller")
Severity = Literal["info", "low", "medium", "high"]


class Layout(StrEnum):
    """Who is where in a recording (``--layout``); a record's ``layout`` is never ``auto``.

    ``AUTO``: stereo -> ``AGENT_LEFT``, mono (or two identical channels) -> ``MONO``.
    """

    AUTO = "auto"
    AGENT_LEFT = "agent-left"  # stereo, the agent on the left channel
    AGENT_RIGHT = "agent-right"  # stereo, the agent on the right channel
    MONO = "mono"  # both parties in one channel; callcheck separates the voices
    AGENT_ONLY = "agent-only"  # one voice, the agent's (practice recording)


def other_party(party: Party) -> Party:
    """The party that is not ``party``."""
    return "caller" if party == "agent" else "agent"


@dataclass(frozen=True, slots=True)
class Interval:
    """A stretch of time ``[start_s, end_s)`` in seconds."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)

    def overlap_s(self, other: "Interval") -> float:
        return max(0.0, min(self.end_s, other.end_s) - max(self.start_s, other.start_s))


@dataclass(frozen=True, slots=True)
class Word:
    """One transcribed word of one party; ``probability`` is the ASR word probability 0..1."""

    speaker: Party
    text: str
    start_s: float
    end_s: float
    probability: float


@dataclass(frozen=True, slots=True)
class Turn:
    """A stretch in which one party holds the floor (short pauses inside are part of it)."""

    speaker: Party
    start_s: float
    end_s: float
    text: str

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)


@dataclass(frozen=True, slots=True)
class Overlap:
    """A stretch where both parties speak; ``interrupter`` is the party that started second."""

    start_s: float
    end_s: float
    interrupter: Party
    kind: Literal["interruption", "backchannel"]

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict on a call, with the evidence that carries it."""

    mistake: int
    rule_id: str
    severity: Severity
    start_s: float | None
    end_s: float | None
    evidence: Mapping[str, object]
    message: str


@dataclass(frozen=True)
class CallAudio:
    """A decoded recording: ``samples`` has shape ``(channels, n)``, float32 in [-1, 1].

    The native sample rate and channel count are kept: nothing here is resampled or mixed down.
    """

    source: str
    samples: np.ndarray
    sample_rate: int
    codec: str = ""

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        return self.samples.shape[1] / float(self.sample_rate)

    def channel(self, index: int) -> np.ndarray:
        return self.samples[index]


@dataclass(frozen=True)
class PartySignal:
    """What one party said, as audio.

    ``samples`` is a 1-D float32 array at the recording's native ``sample_rate``.
    ``activity`` are the intervals in which this party speaks (after crosstalk suppression).
    ``exclusive`` is True when the channel carries this party alone (stereo); False when it is a
    mono mix shared with the other party (then only ``activity`` says which parts are whose).
    """

    party: Party
    samples: np.ndarray
    sample_rate: int
    activity: tuple[Interval, ...]
    exclusive: bool = True

    @property
    def talk_time_s(self) -> float:
        return float(sum(i.duration_s for i in self.activity))


@dataclass(frozen=True)
class Transcript:
    """The words of a call, both parties, sorted by start time."""

    words: tuple[Word, ...]
    language: str
    language_probability: float | None = None

    def of(self, party: Party) -> tuple[Word, ...]:
        return tuple(w for w in self.words if w.speaker == party)


@dataclass(frozen=True)
class Separation:
    """How the parties were found in the recording (meaningful for mono)."""

    method: str
    confidence: float | None = None
    notes: tuple[str, ...] = ()
    overlaps_observed: bool = False  # mono: the activity carries overlapping speech of both voices


@dataclass(frozen=True)
class CallInfo:
    """What we know about a call before analysing it (from the file name or the manifest)."""

    path: str
    call_id: str
    agent: str | None = None
    date: str | None = None
    layout: str = "auto"
    language: str = "auto"
