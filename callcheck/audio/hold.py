"""Hold music, tones and recorded announcements on one channel.

While a caller is on hold the agent's channel carries music, a queue tone or a looped announcement.
None of it is the agent speaking, and none of it is line noise or dead air: it must be kept out of
talk time, voice measures, the noise floor and dead air. Silero VAD mostly ignores instrumental
music (so it used to become "dead air" and, as part of the noise floor, drop the SNR and raise the
silence threshold), but it passes announcements as speech.

Method (speech/music discrimination by sustained partials, cf. Scheirer & Slaney 1997; repetition
as in audio fingerprinting):

1. The channel is analysed at its own rate in 64 ms frames (15.6 Hz bins), 32 ms hop. In every frame the *prominent peaks* are the local spectral maxima in
   150-3400 Hz at least 10 dB above the frame's median level.
2. A peak is *sustained* when a peak sat at the same frequency (+-1 bin, 15.6 Hz) in each of the
   previous :data:`SUSTAIN_FRAMES` frames (~190 ms). Notes of music and tones hold their frequency
   that long; the harmonics of speech glide with intonation and change with every phoneme.
3. Per 1 s window (0.5 s hop): the share of the window's band energy in sustained peaks. A window
   is *music* when that share is at least ``activity.hold_sustained_share`` and the window is
   louder than the channel's quiet frames (P5 of the 32 ms frame levels) by ``activity.hold_min_level_db``.
4. Music windows closer than ``activity.hold_bridge_s`` are joined (a queue tone's off-beats, a
   pause in the music); stretches of at least ``activity.hold_min_s`` are hold.
5. Announcements: near hold (within :data:`ANNOUNCEMENT_SEARCH_S`), a stretch of at least
   :data:`REPEAT_MIN_S` whose spectral sequence repeats another stretch 3-60 s away (mean cosine
   similarity of the frames' log band spectra >= :data:`REPEAT_MIN_SIMILARITY`) is a recorded
   announcement played in a loop; it joins the hold. A live voice never repeats itself frame by
   frame.

Kinds: ``music`` (many sustained peaks), ``tone`` (one sustained peak carries the energy),
``announcement`` (the repeated speech). Figures: ``benchmarks/eval_hold.py`` (detection on
constructed calls, false holds on every real recording of the data folder).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["HoldSpan", "HoldFeatures", "hold_features", "detect_hold"]

#: STFT frame and hop, s (64 ms: 15.6 Hz bins; 32 ms hop), at the recording's own rate
FRAME_S = 0.064
HOP_S = 0.032
#: band of the peaks, Hz
BAND_HZ = (150.0, 3400.0)
#: a prominent peak is this far above the frame's median band level, dB
PEAK_PROMINENCE_DB = 10.0
#: a sustained peak was a peak at the same frequency (+-1 bin) in this many previous frames (~190 ms)
SUSTAIN_FRAMES = 6
#: window and hop of the music decision, s
WINDOW_S = 1.0
WINDOW_HOP_S = 0.5
#: the channel's quiet level = this percentile of the 32 ms frame levels, % (the pauses of
#: speech and the line noise between it; music and tones have no such quiet frames)
QUIET_PERCENTILE = 5.0
#: a window whose sustained energy sits in one peak region (+-2 bins) by this share is a tone
TONE_SHARE = 0.8
#: announcements: a stretch of at most this long next to or between music, s ...
ANNOUNCEMENT_MAX_S = 20.0
#: ... and at least this long (shorter: the music's own fade, not an announcement), s ...
ANNOUNCEMENT_MIN_S = 2.0
#: ... whose loud windows keep at least this median sustained share (the music goes on under the
#: voice) joins the hold; live speech of the data folder has medians 0.002-0.06 per recording
BED_SHARE = 0.08


@dataclass(frozen=True)
class HoldSpan:
    """A stretch of hold on one channel, s from the start of the recording."""

    start_s: float
    end_s: float
    kind: str  # "music" | "tone" | "announcement"

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)


@dataclass(frozen=True)
class HoldFeatures:
    """Per window (centre ``times_s``): sustained-peak energy share, level (dB) and tone share."""

    times_s: np.ndarray
    sustained_share: np.ndarray
    level_db: np.ndarray
    tone_share: np.ndarray
    quiet_db: float  # the channel's quiet frame level (QUIET_PERCENTILE of the frame levels), dB
    frame_sustained: np.ndarray  # per 32 ms frame: energy share of sustained peaks
    frame_hop_s: float


#: frames per block of the STFT (bounded memory: ~33 s at a time)
BLOCK_FRAMES = 1024


def _frame_energies(y: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per 32 ms frame: band energy, energy in sustained peaks, energy in the strongest sustained
    peak region (+-2 bins). Computed in blocks of BLOCK_FRAMES with SUSTAIN_FRAMES of overlap."""
    frame = int(round(FRAME_S * sr))
    hop = int(round(HOP_S * sr))
    win = np.hanning(frame).astype(np.float32)
    n_fr = max(0, 1 + (len(y) - frame) // hop)
    f = np.fft.rfftfreq(frame, 1 / sr)
    band = (f >= BAND_HZ[0]) & (f <= BAND_HZ[1])
    e_tot = np.zeros(n_fr)
    e_sus = np.zeros(n_fr)
    e_top = np.zeros(n_fr)
    for a in range(0, n_fr, BLOCK_FRAMES):
        a0 = max(0, a - SUSTAIN_FRAMES)
        b = min(n_fr, a + BLOCK_FRAMES)
        idx = (np.arange(a0, b) * hop)[:, None] + np.arange(frame)[None, :]
        spec = np.fft.rfft(y[idx] * win, axis=1)
        Pb = (spec.real ** 2 + spec.imag ** 2).T[band] + 1e-12
        L = 10 * np.log10(Pb)
        med = np.median(L, axis=0)
        pk = np.zeros_like(L, dtype=bool)
        pk[1:-1] = (L[1:-1] > L[:-2]) & (L[1:-1] >= L[2:]) & (L[1:-1] > med + PEAK_PROMINENCE_DB)
        near = pk.copy()
        near[1:] |= pk[:-1]
        near[:-1] |= pk[1:]
        sus = pk.copy()
        for d in range(1, SUSTAIN_FRAMES + 1):
            if d >= sus.shape[1]:
                sus[:] = False
                break
            sus[:, d:] &= near[:, :-d]
            sus[:, :d] = False
        sus_p = np.where(sus, Pb, 0.0)
        k = np.argmax(sus_p, axis=0)
        cols = np.arange(sus_p.shape[1])
        top = np.zeros(sus_p.shape[1])
        for dk in range(-2, 3):
            kk = k + dk
            ok = (kk >= 0) & (kk < sus_p.shape[0])
            top[ok] += sus_p[kk[ok], cols[ok]]
        keep = slice(a - a0, None)
        e_tot[a:b] = Pb.sum(axis=0)[keep]
        e_sus[a:b] = sus_p.sum(axis=0)[keep]
        e_top[a:b] = top[keep]
    return e_tot, e_sus, e_top


def hold_features(samples: np.ndarray, sample_rate: int) -> HoldFeatures:
    """Window features of one channel (see the module notes)."""
    y = np.asarray(samples, dtype=np.float32)
    e_tot, e_sus, e_top = _frame_energies(y, int(sample_rate))
    n_fr = len(e_tot)
    hop_s = int(round(HOP_S * sample_rate)) / sample_rate
    w = max(1, int(round(WINDOW_S / hop_s)))
    step = max(1, int(round(WINDOW_HOP_S / hop_s)))
    starts = np.arange(0, max(0, n_fr - w) + 1, step) if n_fr >= w else np.zeros(0, dtype=int)
    cs_tot = np.concatenate([[0.0], np.cumsum(e_tot, dtype=np.float64)])
    cs_sus = np.concatenate([[0.0], np.cumsum(e_sus, dtype=np.float64)])
    cs_top = np.concatenate([[0.0], np.cumsum(e_top, dtype=np.float64)])
    tot = cs_tot[starts + w] - cs_tot[starts]
    sus = cs_sus[starts + w] - cs_sus[starts]
    top = cs_top[starts + w] - cs_top[starts]
    share = np.where(tot > 0, sus / np.maximum(tot, 1e-30), 0.0)
    tone = np.where(sus > 0, top / np.maximum(sus, 1e-30), 0.0)
    level = 10 * np.log10(np.maximum(tot / w, 1e-30))
    times = (starts + w / 2) * hop_s + FRAME_S / 2
    quiet = float(np.percentile(10 * np.log10(e_tot + 1e-30), QUIET_PERCENTILE)) if n_fr else 0.0
    frame_share = np.where(e_tot > 0, e_sus / np.maximum(e_tot, 1e-30), 0.0)
    return HoldFeatures(times, share, level, tone, quiet, frame_share.astype(np.float32), hop_s)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    if not mask.any():
        return []
    k = np.flatnonzero(mask)
    brk = np.flatnonzero(np.diff(k) > 1)
    return list(zip(np.r_[k[0], k[brk + 1]], np.r_[k[brk], k[-1]]))


def detect_hold(samples: np.ndarray, sample_rate: int, *, sustained_share: float, min_level_db: float,
                bridge_s: float, min_s: float) -> tuple[HoldSpan, ...]:
    """Hold stretches of one channel (s), in time order; see the module notes.

    Parameters
    ----------
    samples : ndarray
        1-D audio of the channel at ``sample_rate`` Hz.
    sustained_share : float
        A window is music when at least this share of its band energy lies in sustained peaks.
    min_level_db : float
        ... and it is at least this much louder than the channel's quiet windows, dB.
    bridge_s : float
        Music windows closer than this are one stretch, s.
    min_s : float
        Shorter stretches are not hold, s.
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1 or len(x) < FRAME_S * 4 * sample_rate:
        return ()
    feat = hold_features(x, sample_rate)
    if len(feat.times_s) == 0:
        return ()
    quiet = feat.quiet_db
    loud = feat.level_db >= quiet + min_level_db
    music = loud & (feat.sustained_share >= sustained_share)
    spans: list[list[float]] = []
    for i0, i1 in _runs(music):
        s, e = _edges(feat, float(feat.times_s[i0]), float(feat.times_s[i1]), sustained_share)
        if spans and s - spans[-1][1] <= bridge_s:
            spans[-1][1] = e
        else:
            spans.append([s, e])
    holds = [(s, e) for s, e in spans if e - s >= min_s]
    if not holds:
        return ()
    duration = len(x) / sample_rate
    bed = _bed(feat, loud & ~music)
    parts: list[tuple[float, float, str]] = [(s, e, "music") for s, e in holds]
    # announcements: a stretch next to or between music over which the music bed goes on
    for i, (s, e) in enumerate(holds):
        prev_end = holds[i - 1][1] if i else 0.0
        nxt = holds[i + 1][0] if i + 1 < len(holds) else duration
        for a, b in ((max(prev_end, s - ANNOUNCEMENT_MAX_S), s), (e, min(nxt, e + ANNOUNCEMENT_MAX_S))):
            ext = _bed_stretch(feat, bed, a, b, towards_start=(b == s))
            if ext is not None and ext[1] - ext[0] >= ANNOUNCEMENT_MIN_S:
                parts.append((ext[0], ext[1], "announcement"))
    parts.sort()
    merged: list[list] = []
    for s, e, kind in parts:
        if merged and s - merged[-1][1] <= bridge_s:
            merged[-1][1] = max(merged[-1][1], e)
            merged[-1][2].append((s, e, kind))
        else:
            merged.append([s, e, [(s, e, kind)]])
    out: list[HoldSpan] = []
    for s, e, pieces in merged:
        if e - s < min_s:
            continue
        sel = (feat.times_s >= s) & (feat.times_s <= e) & music
        ann = sum(pe - ps for ps, pe, k in pieces if k == "announcement")
        if ann >= 0.5 * (e - s):
            kind = "announcement"
        elif sel.any() and float(np.median(feat.tone_share[sel])) >= TONE_SHARE:
            kind = "tone"
        else:
            kind = "music" if ann == 0 else "music+announcement"
        out.append(HoldSpan(round(float(max(0.0, s)), 3), round(float(min(duration, e)), 3), kind))
    return tuple(out)


def _edges(feat: HoldFeatures, first_s: float, last_s: float, share: float) -> tuple[float, float]:
    """Start and end of a run of music windows (centres ``first_s``..``last_s``), refined inside
    the edge windows to the first and last 32 ms frame with sustained peaks (a note is sustained
    SUSTAIN_FRAMES after it began)."""
    half = WINDOW_S / 2
    hop = feat.frame_hop_s
    fs = feat.frame_sustained
    t = np.arange(len(fs)) * hop + FRAME_S / 2
    a = np.flatnonzero((t >= first_s - half) & (t <= first_s + half) & (fs >= share))
    b = np.flatnonzero((t >= last_s - half) & (t <= last_s + half) & (fs >= share))
    start = float(t[a[0]] - SUSTAIN_FRAMES * hop) if len(a) else first_s - half
    end = float(t[b[-1]] + FRAME_S / 2) if len(b) else last_s + half
    return max(first_s - half, start), min(last_s + half, end)


def _bed(feat: HoldFeatures, loud: np.ndarray) -> np.ndarray:
    """Per window: a loud window with a sustained share of at least BED_SHARE, or a single window
    below it between two such (a word of the announcement can hide the bed for a moment)."""
    ok = loud & (feat.sustained_share >= BED_SHARE)
    out = ok.copy()
    out[1:-1] |= ok[:-2] & ok[2:]
    return out


def _bed_stretch(feat: HoldFeatures, bed: np.ndarray, a: float, b: float, *, towards_start: bool) -> tuple[float, float] | None:
    """The part of ``[a, b]`` adjoining the music (at ``b`` when ``towards_start``, else at ``a``)
    over which the bed goes on without a break (None when nothing)."""
    idx = np.flatnonzero((feat.times_s >= a) & (feat.times_s <= b))
    if len(idx) == 0:
        return None
    order = idx[::-1] if towards_start else idx
    run = []
    for i in order:
        if not bed[i]:
            break
        run.append(i)
    if not run:
        return None
    half = WINDOW_S / 2
    t = feat.times_s[run]
    return float(max(a, t.min() - half)), float(min(b, t.max() + half))
