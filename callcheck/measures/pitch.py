"""F0 statistics of one party: median (Hz), variation and range (semitones), movement (st/s).

The F0 contour comes from the shared tracker :mod:`callcheck.dsp.pitch` (YIN plus octave and
continuity correction); this module turns it into the measures. Statistics are in semitones
relative to the speaker's median (the field's vocabulary: eGeMAPS, DisVoice), which makes men's
and women's ranges comparable (Traunmüller & Eriksson).

References
----------
Eyben, F. et al. (2016). The Geneva Minimalistic Acoustic Parameter Set (eGeMAPS). IEEE TAC 7(2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal

from callcheck.dsp.pitch import semitones

__all__ = ["PitchStats", "pitch_stats"]


@dataclass(frozen=True)
class PitchStats:
    """Pitch statistics of one party. Semitone values are relative to ``f0_median_hz``."""

    f0_median_hz: float | None
    f0_variation_st: float | None
    f0_range_st: float | None
    f0_movement_st_per_s: float | None
    voiced_s: float


def pitch_stats(
    *,
    frame_index: np.ndarray,
    f0_hz: np.ndarray,
    hop_s: float,
    min_voiced_s: float,
    smooth_frames: int,
    max_step_st: float,
    range_percentiles: tuple[float, float],
) -> PitchStats:
    """F0 median (Hz), variation and range (semitones), and pitch movement (semitones/s).

    * ``f0_median_hz``: median of voiced frames, Hz.
    * ``f0_variation_st``: standard deviation of ``12*log2(f0/median)`` over voiced frames, st
      (contract name; DisVoice "variability of F0 in semitones").
    * ``f0_range_st``: 90th minus 10th percentile of the same, st (eGeMAPS uses 20-80).
    * ``f0_movement_st_per_s``: mean absolute rate of change of the semitone contour inside
      voiced runs, st/s: each run is median-filtered over ``smooth_frames`` frames (removes
      jitter and single-frame errors), steps larger than ``max_step_st`` per frame (residual
      octave jumps) are excluded. It captures intonation movement (rises, falls, accents) that a
      global SD mixes with slow declination.

    Parameters
    ----------
    frame_index : ndarray of int
        Frame numbers on the global grid (``time = index * hop_s``).
    f0_hz : ndarray
        F0 per frame, Hz, NaN = unvoiced (output of :func:`callcheck.dsp.pitch.correct_octaves`).
    hop_s : float
        Frame hop, s.
    min_voiced_s : float
        Below this much voiced time all values are None.
    smooth_frames : int
        Median-filter length for the movement measure, frames (odd).
    max_step_st : float
        Largest plausible change between adjacent frames, st.
    range_percentiles : tuple of float
        Percentiles for the range, %.
    """
    ok = np.isfinite(f0_hz)
    voiced_s = float(ok.sum() * hop_s)
    if voiced_s < min_voiced_s:
        return PitchStats(None, None, None, None, voiced_s)
    f = f0_hz[ok]
    med = float(np.median(f))
    st = semitones(f, med)
    lo, hi = np.percentile(st, range_percentiles)
    # movement inside contiguous voiced runs
    idx = frame_index
    brk = np.r_[True, (np.diff(idx) != 1) | (ok[1:] != ok[:-1])]
    run_id = np.cumsum(brk) - 1
    st_all = np.where(ok, semitones(np.where(ok, f0_hz, med), med), np.nan)
    steps = []
    bounds = np.flatnonzero(np.r_[brk, True])
    for r0, r1 in zip(bounds[:-1], bounds[1:]):
        if not ok[r0] or r1 - r0 < smooth_frames + 1:
            continue
        seg = st_all[r0:r1]
        if smooth_frames > 1:
            seg = scipy.signal.medfilt(seg, smooth_frames)[smooth_frames // 2 : -(smooth_frames // 2) or None]
        dif = np.abs(np.diff(seg))
        steps.append(dif[dif <= max_step_st])
    del run_id
    movement = None
    if steps:
        allsteps = np.concatenate(steps)
        if len(allsteps) >= 10:
            movement = float(allsteps.mean() / hop_s)
    return PitchStats(
        f0_median_hz=med,
        f0_variation_st=float(np.std(st)),
        f0_range_st=float(hi - lo),
        f0_movement_st_per_s=movement,
        voiced_s=voiced_s,
    )
