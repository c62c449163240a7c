"""The frame grid of callcheck: 10 ms frames, frame ``k`` centred at ``k * HOP_S`` seconds.

Every frame-wise analysis (speaker features, separation labels, levels, pitch) lives on this grid,
so frame numbers from different analyses of one call can be compared directly. Times stay float
seconds outside; frame numbers never leave the signal-processing code.

An interval ``[start_s, end_s)`` maps onto the grid in one of two named ways:

* **cells** (:func:`frame_of`, rounding to the nearest frame): frames ``frame_of(start_s)`` up to
  (not including) ``frame_of(end_s)``. Used for masks (:func:`callcheck.intervals.to_mask`) and
  the separation's cuts, where an interval is a run of 10 ms cells.
* **centres** (:func:`frames_inside`): the frames whose centre lies inside ``[start_s, end_s)``,
  i.e. ``ceil(start_s / hop)`` to ``floor((end_s - 1e-9) / hop)``. Used by every frame-wise voice
  measure (levels and pitch are computed on exactly these frames, so their tracks share one index).

The two differ by at most one frame at each end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from callcheck.types import Interval

#: frame hop of the grid, s (10 ms, as Praat and eGeMAPS)
HOP_S = 0.01

__all__ = ["HOP_S", "FrameSet", "frame_of", "time_of", "hop_samples", "n_frames", "frames_inside"]


def frame_of(t_s: float, hop_s: float = HOP_S) -> int:
    """The frame whose centre is nearest to ``t_s`` (s): ``round(t_s / hop_s)``."""
    return int(round(t_s / hop_s))


def time_of(frame: int, hop_s: float = HOP_S) -> float:
    """Centre of frame ``frame``, s."""
    return frame * hop_s


def hop_samples(sample_rate: int, hop_s: float = HOP_S) -> int:
    """The hop in samples at ``sample_rate`` (Hz), rounded."""
    return int(round(hop_s * sample_rate))


def n_frames(n_samples: int, sample_rate: int, hop_s: float = HOP_S) -> int:
    """Frames of a signal of ``n_samples`` at ``sample_rate``: frame 0 at sample 0, one every hop
    (``1 + n_samples // hop``, the count of a centred STFT such as librosa's)."""
    return 1 + int(n_samples) // hop_samples(sample_rate, hop_s)


@dataclass(frozen=True)
class FrameSet:
    """The grid frames whose centres lie inside a set of intervals.

    Attributes
    ----------
    hop_s : float
        Frame hop, s.
    spans : tuple of (int, int)
        Per interval with at least one frame centre inside it: its first and last frame
        (inclusive), in the order of the intervals.
    """

    hop_s: float
    spans: tuple[tuple[int, int], ...]

    @property
    def index(self) -> np.ndarray:
        """All frame numbers, concatenated over the spans (int)."""
        if not self.spans:
            return np.zeros(0, dtype=int)
        return np.concatenate([np.arange(k0, k1 + 1) for k0, k1 in self.spans])

    @property
    def times_s(self) -> np.ndarray:
        """Centre of every frame of :attr:`index`, s."""
        return self.index * self.hop_s

    def __len__(self) -> int:
        return sum(k1 - k0 + 1 for k0, k1 in self.spans)


def frames_inside(intervals: Sequence[Interval], hop_s: float = HOP_S) -> FrameSet:
    """The frames whose centre lies inside each interval (the "centres" mapping, module notes).

    Parameters
    ----------
    intervals : sequence of Interval
        Stretches of time, s (sorted and disjoint when the frames must not repeat).
    hop_s : float
        Frame hop, s.
    """
    spans = []
    for iv in intervals:
        k0 = int(np.ceil(iv.start_s / hop_s))
        k1 = int(np.floor((iv.end_s - 1e-9) / hop_s))
        if k1 >= k0:
            spans.append((k0, k1))
    return FrameSet(hop_s, tuple(spans))
