"""Sets of time intervals: merge, clip, subtract, intersect, complement, erode, masks, totals.

An interval is a :class:`callcheck.types.Interval` ``[start_s, end_s)`` in seconds. Every function
here returns a *normal* set: sorted by start, disjoint and not touching, no empty interval
(``end_s > start_s``); inputs may be unsorted, overlapping or empty-ish. Masks live on the frame
grid of :mod:`callcheck.dsp.timebase` (10 ms cells).

Invariants (``tests/test_intervals.py``): results are normal; ``subtract(a, b)`` and
``intersect(a, b)`` partition ``merge(a)``; ``complement`` inside a span and the set partition the
span; ``from_mask(to_mask(x))`` is ``x`` for grid-aligned ``x``; ``total_s`` equals the measure of
the union.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from callcheck.dsp.timebase import HOP_S, frame_of
from callcheck.types import Interval

__all__ = ["merge", "clip", "subtract", "intersect", "complement", "erode", "total_s", "to_mask",
           "from_mask", "runs"]


def merge(intervals: Iterable[Interval], *, max_gap_s: float = 0.0) -> tuple[Interval, ...]:
    """Sorted union of ``intervals``; intervals that overlap, touch or are separated by at most
    ``max_gap_s`` seconds become one. Empty intervals (``end_s <= start_s``) are dropped."""
    out: list[Interval] = []
    for iv in sorted(intervals, key=lambda i: (i.start_s, i.end_s)):
        if iv.end_s <= iv.start_s:
            continue
        if out and iv.start_s - out[-1].end_s <= max_gap_s:
            if iv.end_s > out[-1].end_s:
                out[-1] = Interval(out[-1].start_s, float(iv.end_s))
        else:
            out.append(Interval(float(iv.start_s), float(iv.end_s)))
    return tuple(out)


def clip(intervals: Iterable[Interval], start_s: float, end_s: float) -> tuple[Interval, ...]:
    """The union of ``intervals`` cut to ``[start_s, end_s]``."""
    return merge(Interval(max(start_s, i.start_s), min(end_s, i.end_s)) for i in intervals)


def subtract(a: Iterable[Interval], b: Iterable[Interval], *, min_s: float = 0.0) -> tuple[Interval, ...]:
    """The parts of ``a`` not covered by ``b``; pieces shorter than ``min_s`` seconds are dropped."""
    bs = merge(b)
    out: list[Interval] = []
    j = 0
    for iv in merge(a):
        start = iv.start_s
        while j < len(bs) and bs[j].end_s <= start:
            j += 1
        k = j
        while k < len(bs) and bs[k].start_s < iv.end_s:
            o = bs[k]
            if o.start_s - start >= min_s and o.start_s > start:
                out.append(Interval(start, o.start_s))
            start = max(start, o.end_s)
            k += 1
        if iv.end_s - start >= min_s and iv.end_s > start:
            out.append(Interval(start, iv.end_s))
    return tuple(out)


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> tuple[Interval, ...]:
    """The parts covered by both ``a`` and ``b``."""
    xs, ys = merge(a), merge(b)
    out: list[Interval] = []
    i = j = 0
    while i < len(xs) and j < len(ys):
        s, e = max(xs[i].start_s, ys[j].start_s), min(xs[i].end_s, ys[j].end_s)
        if e > s:
            out.append(Interval(s, e))
        if xs[i].end_s < ys[j].end_s:
            i += 1
        else:
            j += 1
    return tuple(out)


def complement(intervals: Iterable[Interval], *, start_s: float, end_s: float) -> tuple[Interval, ...]:
    """The gaps of ``intervals`` inside ``[start_s, end_s]``: where none of them is."""
    out: list[Interval] = []
    t = start_s
    for iv in merge(intervals):
        if iv.start_s > t:
            out.append(Interval(t, min(iv.start_s, end_s)))
        t = max(t, iv.end_s)
        if t >= end_s:
            break
    if end_s > t:
        out.append(Interval(t, end_s))
    return tuple(i for i in out if i.end_s > i.start_s)


def erode(intervals: Iterable[Interval], by_s: float, *, min_s: float = 0.0) -> tuple[Interval, ...]:
    """Every interval shrunk by ``by_s`` seconds at both ends; kept only when it was longer than
    ``2 * by_s + min_s`` (so what is left is longer than ``min_s``)."""
    return tuple(Interval(i.start_s + by_s, i.end_s - by_s) for i in merge(intervals)
                 if i.end_s - i.start_s > 2 * by_s + min_s)


def total_s(intervals: Iterable[Interval]) -> float:
    """Seconds covered by ``intervals`` (overlaps counted once)."""
    return float(sum(i.duration_s for i in merge(intervals)))


def to_mask(intervals: Iterable[Interval], n_frames: int, hop_s: float = HOP_S) -> np.ndarray:
    """Boolean frame mask of ``intervals`` on the grid (frames ``frame_of(start_s)`` up to, not
    including, ``frame_of(end_s)``; the "cells" mapping of :mod:`callcheck.dsp.timebase`)."""
    mask = np.zeros(n_frames, dtype=bool)
    for iv in intervals:
        mask[max(0, frame_of(iv.start_s, hop_s)):max(0, frame_of(iv.end_s, hop_s))] = True
    return mask


def runs(values: np.ndarray) -> list[tuple[int, int, int]]:
    """``(value, first, end)`` of every run of equal values in a 1-D integer array (``end`` exclusive)."""
    v = np.asarray(values)
    if v.size == 0:
        return []
    brk = np.flatnonzero(v[1:] != v[:-1]) + 1
    starts = np.r_[0, brk]
    ends = np.r_[brk, v.size]
    return [(int(v[s]), int(s), int(e)) for s, e in zip(starts, ends)]


def from_mask(mask: np.ndarray, *, frame_s: float = HOP_S, ndigits: int | None = None) -> tuple[Interval, ...]:
    """Intervals of the ``True`` runs of a frame mask: run of frames ``[k0, k1)`` ->
    ``[k0 * frame_s, k1 * frame_s)``, rounded to ``ndigits`` decimals when given."""
    out = []
    for v, s, e in runs(np.asarray(mask, dtype=np.int8)):
        if v:
            a, b = s * frame_s, e * frame_s
            out.append(Interval(a, b) if ndigits is None else Interval(round(a, ndigits), round(b, ndigits)))
    return tuple(out)
