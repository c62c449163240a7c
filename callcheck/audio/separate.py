"""Two-voice separation of mono recordings (diarization by clustering of acoustic features).

The result is two *anonymous* voices (0 and 1) with their activity; which one is the agent is
decided after this step, from the transcript (:mod:`callcheck.measures.agent_voice`, the
pipeline step ``agent``).

Method
------
No model download and no speaker embeddings (no PyPI package ships usable speaker-embedding
weights without torch or a hub download; see docs/conversation.md). Frame features (``speaker_features``): MFCC c1..c19 in the
telephone band, normalised per call (CMVN over speech frames), and F0 in semitones (YIN).

1. The VAD speech is cut into stretches of about ``segment_s`` (2 s), at gaps between transcribed
   words when words are given. Each stretch: MFCC mean and SD plus median F0 (weight
   ``pitch_weight``), z-scored.
2. Two-way split of the stretches from three starts (``cluster = "best-of"``): k-means, Ward
   linkage, and a split by median F0 alone; with the segmentation model (step 5) a fourth: its
   units (each window's local speakers) split by 2-means with the two speakers of one window
   kept apart.
3. Each start is re-segmented (``resegment_iterations`` rounds): one diagonal GMM per voice on the
   MFCC frames plus a Gaussian on F0 for voiced frames; a two-state Viterbi pass over the speech
   frames with ``switch_penalty`` nats per change of voice. The start that agrees best with the
   segmentation model's speakers wins (inverse purity, below; ties and without the model: the
   highest path log-likelihood). Runs shorter than ``min_segment_s`` are merged.
4. With words (``utterance_iterations`` > 0): the speech is cut into utterances at every pause
   of the speech activity, after every word that ends a sentence (. ? ! ...) and at gaps between
   words longer than ``utterance_gap_s``. Each utterance goes whole to the voice with the higher
   mean frame log-likelihood ratio (clipped to +-``llr_clip`` nats), the voice models are
   re-fitted on the new labels, and this repeats. A change of speaker almost always falls at a
   sentence end or a pause; a short turn ("Hello?") between two of the other voice's is what the
   2 s stretches and the switching penalty blur. Speech no word touches keeps its step-3 voice.

5. With ``segmentation = "cues"`` (default), pyannote's segmentation-3.0 model
   (:mod:`callcheck.audio.segmentation`) reads 10 s windows: wherever its speaker talking alone
   changes, the utterances of step 4 are cut too, and the speech it hears as two speakers at once
   counts for both voices (overlap). Its local speaker identities are not trusted across windows.

Confidence (0..1), with the segmentation model: the inverse purity of the two voices against the
model's local speakers (per window, the share of single-speaker frames whose local speaker is
the majority one of their voice), mapped 0.8 -> 0, 0.9 -> 0.5, 1 -> 1, times a factor that
halves it when the likelihood-best start gives 10 % of the speech to the other voice (zero at
15 %): two principled choices that disagree mean unsure. Measured meaning (benchmarks/eval_mono.py
--words, 26 two-party calls, chosen on that set): below 0.5 are 6 of the 7 calls with DER > 10 %
and 3 of the 19 others. Without the model: the silhouette of the stretch clustering / 0.5,
clipped (it misses splits by emotion). Both times a penalty when one voice has less than 5 % of
the speech, and (with the model) when the model hears a second speaker in less than 5 % of the
speech it hears one speaker alone in (a one-voice recording split in two by the clustering).
``Separation.notes`` also give the winning start and how much of the speech the starts agree on.

The voice models (GMMs, Viterbi re-segmentation, utterance assignment) are in
:mod:`callcheck.audio.voice_models`. :func:`separate_voices` runs the named sub-steps in order:
:func:`voice_features`, :func:`speech_stretches`, :func:`model_cues`, :func:`best_start`,
:func:`assign_utterances`, :func:`overlap_decision`, :func:`separation_confidence`; each returns a
small frozen result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from callcheck.audio.speaker_features import FrameFeatures, frame_features, low_band_share
from callcheck.audio.voice_models import assign_whole_utterances, resegment, utterance_frames
from callcheck.config import SeparationConfig
from callcheck.dsp.timebase import HOP_S, frame_of, n_frames
from callcheck.errors import CallcheckError
from callcheck.intervals import from_mask, runs, to_mask, total_s
from callcheck.types import Interval, Separation, Word

_CLUSTER_CHOICES = ("best-of", "kmeans", "ward", "ward-kmeans", "pitch")

# --- named numbers (units in the names; chosen with benchmarks/eval_mono.py unless said otherwise)
#: shortest stretch clustered, frames of 10 ms (0.2 s: shorter cuts carry too few MFCC frames)
MIN_STRETCH_FRAMES = 20
#: fewer stretches than this: no split is attempted (all speech stays one voice)
MIN_STRETCHES = 4
#: k-means++ restarts of the plain k-means start (the best inertia wins), and the seed
KMEANS_RESTARTS = 20
KMEANS_SEED = 0
#: Lloyd iterations from Ward's split ("ward-kmeans") and of the constrained 2-means of model units
LLOYD_ITERATIONS = 20
#: a stretch's median F0 needs this many voiced frames, else the call's median is used
MIN_STRETCH_F0_FRAMES = 5
#: model units need this many single-speaker speech frames; windows this many for the agreement
MIN_UNIT_FRAMES = 50
MIN_AGREEMENT_FRAMES = 30
#: frames within this of a window edge give no change of speaker (the model sees too little), s
WINDOW_EDGE_S = 0.5
#: a frame is overlap when windows holding this share of its (edge-tapered) weight hear two voices
OVERLAP_VOTE_SHARE = 0.5
#: confidence with the model: inverse purity CONF_PURITY_ZERO -> 0, + CONF_PURITY_SPAN -> 1
CONF_PURITY_ZERO = 0.8
CONF_PURITY_SPAN = 0.2
#: ... times 1 up to DISAGREE_FREE of the speech given otherwise by the likelihood-best start,
#: falling to 0 over the next DISAGREE_SPAN (halved at 10 %, zero at 15 %)
DISAGREE_FREE = 0.05
DISAGREE_SPAN = 0.1
#: without the model: a stretch silhouette of this counts as sure (uncalibrated, docs/conversation.md)
SILHOUETTE_SURE = 0.5
#: a voice with less than this share of the speech lowers the confidence proportionally
MIN_VOICE_SHARE = 0.05
#: the segmentation model hearing a second local speaker in less than this share of the solo
#: speech frames lowers the confidence proportionally (one voice; issue 10: a one-voice mono
#: recording was split with confidence 1.0)
MIN_MODEL_SECOND_SHARE = 0.05


@dataclass(frozen=True)
class TwoVoices:
    """The separation of a mono call into two anonymous voices.

    Attributes
    ----------
    activity : (tuple of Interval, tuple of Interval)
        Intervals (s) of voice 0 and voice 1 — overlapping where the segmentation model hears two
        voices at once (``separation.overlaps_observed``), else disjoint.
    frame_voice : ndarray of int, shape (n_frames,)
        The one voice of every 10 ms frame before overlap was added (-1: no speech). What the
        agent choice looks up for a word's time.
    separation : Separation
        Method, confidence (0..1) and notes; the agent step adds its note (none of these name the agent).
    single : bool
        True when no split was attempted (too little speech): all speech is voice 0.
    """

    activity: tuple[tuple[Interval, ...], tuple[Interval, ...]]
    frame_voice: np.ndarray
    separation: Separation
    single: bool = False

    def voice_at(self, t_s: float) -> int:
        """The voice at ``t_s`` (s): 0, 1, or -1 (no speech, outside the call).

        Looks up frame ``floor(t_s / HOP_S)`` — the frame at or before ``t_s``, not the nearest
        one (``frame_of``): the agent choice was evaluated this way, and at a boundary between
        speech and silence the nearest frame can differ (on one of the 26 calls of
        ``benchmarks/eval_mono.py --words`` that flipped a greeting-phrase vote).
        """
        i = int(t_s / HOP_S)
        return int(self.frame_voice[i]) if 0 <= i < len(self.frame_voice) else -1


@dataclass(frozen=True)
class VoiceFeatures:
    """Step 1: frame features, and the MFCCs normalised per call over the speech frames (CMVN)."""

    frames: FrameFeatures
    mfcc_norm: np.ndarray


@dataclass(frozen=True)
class Stretches:
    """Step 2: the ~``segment_s`` stretches (first, end frame) and their z-scored vectors."""

    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray


@dataclass(frozen=True)
class ModelCues:
    """Step 3: what the segmentation model says on the 10 ms grid (see :func:`model_cues`)."""

    cuts: np.ndarray
    overlap: np.ndarray
    grid: tuple[tuple[int, np.ndarray], ...]


@dataclass(frozen=True)
class StartChoice:
    """Step 4: the winning clustering start after re-segmentation and smoothing."""

    how: str
    stretch_labels: np.ndarray
    frame_labels: np.ndarray
    starts_agreement: float
    likelihood_best_disagreement: float


@dataclass(frozen=True)
class UtteranceResult:
    """Step 5: frame labels after utterance-level assignment (unchanged without words or model cuts)."""

    frame_labels: np.ndarray
    n_utterances: int
    n_changed: int


@dataclass(frozen=True)
class OverlapDecision:
    """Step 6: the model's overlap frames, or None when not used (no model, or band-passed audio)."""

    overlap: np.ndarray | None
    low_band_share: float | None


@dataclass(frozen=True)
class Confidence:
    """Step 7: the separation confidence and what it was computed from."""

    value: float
    min_voice_share: float
    silhouette: float
    model_agreement: tuple[float, float] | None
    model_second_share: float | None = None


def _kmeans2(x: np.ndarray, restarts: int = KMEANS_RESTARTS, seed: int = KMEANS_SEED) -> tuple[np.ndarray, float]:
    from scipy.cluster.vq import kmeans2

    rng = np.random.default_rng(seed)
    best, best_inertia = None, np.inf
    for _ in range(restarts):
        cent, lab = kmeans2(x, 2, minit="++", seed=rng)
        if len(set(lab.tolist())) < 2:
            continue
        inertia = float(sum(((x[lab == k] - cent[k]) ** 2).sum() for k in (0, 1)))
        if inertia < best_inertia:
            best, best_inertia = lab, inertia
    if best is None:
        return np.zeros(len(x), dtype=int), 0.0
    return best.astype(int), best_inertia


def _kmeans_from(x: np.ndarray, labels: np.ndarray, iterations: int = LLOYD_ITERATIONS) -> np.ndarray:
    """2-means (Lloyd) started from the centroids of ``labels`` (scikit-learn's KMeans, tol 0)."""
    from sklearn.cluster import KMeans

    init = np.stack([x[labels == k].mean(0) for k in (0, 1)])
    km = KMeans(2, init=init, n_init=1, max_iter=iterations, tol=0.0, algorithm="lloyd").fit(x)
    return km.labels_.astype(int)


def _fill_speech(frame_lab: np.ndarray, sp: np.ndarray) -> np.ndarray:
    """Speech frames without a label (-1) take the label of the next labelled frame (the last one at the end)."""
    unl = np.flatnonzero(sp & (frame_lab < 0))
    lab_idx = np.flatnonzero(frame_lab >= 0)
    if len(unl) and len(lab_idx):
        near = lab_idx[np.clip(np.searchsorted(lab_idx, unl), 0, len(lab_idx) - 1)]
        frame_lab[unl] = frame_lab[near]
    return frame_lab


def _frame_labels(segs: Sequence[tuple[int, int]], lab: np.ndarray, sp: np.ndarray) -> np.ndarray:
    """Stretch labels spread to their speech frames; uncovered speech frames take the nearest label."""
    frame_lab = np.full(len(sp), -1)
    for (s0, e0), k in zip(segs, lab):
        frame_lab[s0:e0] = k
    frame_lab[~sp] = -1
    return _fill_speech(frame_lab, sp)


def _cluster2(v: np.ndarray, how: str) -> np.ndarray:
    """Two clusters of the stretch vectors: k-means, Ward, k-means from Ward's split, or by median F0 (last column)."""
    if how == "kmeans":
        return _kmeans2(v)[0]
    if how == "pitch":
        return _kmeans2(v[:, -1:])[0]
    from scipy.cluster.hierarchy import fcluster, linkage

    lab = fcluster(linkage(v, "ward"), 2, "maxclust").astype(int) - 1
    if how == "ward-kmeans" and len(set(lab.tolist())) == 2:
        lab = _kmeans_from(v, lab)
    return lab


def _silhouette(x: np.ndarray, lab: np.ndarray) -> float:
    """Mean silhouette of a two-way split (scikit-learn, Euclidean; 0 with one cluster)."""
    if len(set(lab.tolist())) < 2:
        return 0.0
    from sklearn.metrics import silhouette_score

    return float(silhouette_score(x, lab))


def _smooth(labels: np.ndarray, min_frames: int) -> np.ndarray:
    """Give speech runs shorter than ``min_frames`` the label of the longer adjacent speech run."""
    lab = labels.copy()
    for _ in range(3):
        speech_runs = [r for r in runs(lab) if r[0] >= 0]
        changed = False
        for k, (v, s, e) in enumerate(speech_runs):
            if e - s >= min_frames:
                continue
            prev = speech_runs[k - 1] if k > 0 else None
            nxt = speech_runs[k + 1] if k + 1 < len(speech_runs) else None
            cands = [r for r in (prev, nxt) if r is not None and r[0] != v]
            if not cands:
                continue
            tgt = max(cands, key=lambda r: r[2] - r[1])[0]
            seg = lab[s:e]
            seg[seg >= 0] = tgt
            changed = True
        if not changed:
            break
    return lab


def _segments(speech: Sequence[Interval], words: Sequence[Word], n: int, seg_frames: int, min_frames: int) -> list[tuple[int, int]]:
    """Cut the speech into short stretches (frames) of about ``seg_frames``, at word gaps when words are known."""
    gaps = sorted(0.5 * (a.end_s + b.start_s) for a, b in zip(words, list(words)[1:]) if b.start_s >= a.end_s)
    gap_f = np.array([frame_of(g) for g in gaps], dtype=int)
    out = []
    for iv in speech:
        s0, e0 = max(0, frame_of(iv.start_s)), min(n, frame_of(iv.end_s))
        if e0 - s0 <= 0:
            continue
        cuts = [s0]
        while e0 - cuts[-1] > int(1.5 * seg_frames):
            target = cuts[-1] + seg_frames
            near = gap_f[(gap_f > cuts[-1] + seg_frames // 2) & (gap_f < cuts[-1] + 3 * seg_frames // 2)] if len(gap_f) else gap_f
            cuts.append(int(near[np.argmin(np.abs(near - target))]) if len(near) else target)
        cuts.append(e0)
        for a, b in zip(cuts, cuts[1:]):
            if b - a >= min_frames:
                out.append((a, b))
    return out


def _unit_vectors(ff: FrameFeatures, mf: np.ndarray, mfcc_frames: list[np.ndarray], f0_frames: list[np.ndarray],
                  pitch_weight: float) -> np.ndarray:
    """One z-scored vector per unit: MFCC mean and SD over ``mfcc_frames``, median F0 (semitones)
    over the voiced ones of ``f0_frames`` (the call's median when fewer than 5), the F0 column
    weighted by ``pitch_weight``."""
    f0_all = ff.f0_st[ff.speech & np.isfinite(ff.f0_st)]
    f0_fill = float(np.median(f0_all)) if len(f0_all) else 0.0
    vecs = []
    for idx, fidx in zip(mfcc_frames, f0_frames):
        sel = mf[idx]
        f0 = ff.f0_st[fidx][np.isfinite(ff.f0_st[fidx])]
        vecs.append(np.concatenate([sel.mean(0), sel.std(0),
                                    [float(np.median(f0)) if len(f0) >= MIN_STRETCH_F0_FRAMES else f0_fill]]))
    v = np.array(vecs)
    v = (v - v.mean(0)) / (v.std(0) + 1e-9)
    v[:, -1] *= pitch_weight
    return v


def _window_grid(starts: np.ndarray, act: np.ndarray, n: int) -> list[tuple[int, np.ndarray]]:
    """Each window's local activity resampled to the 10 ms grid: (first grid frame, bool (frames, 3))."""
    from callcheck.audio import segmentation as seg

    out = []
    step = seg.FRAME_STEP / seg.RATE
    off = seg.FRAME_CENTRE / seg.RATE
    for s, a in zip(starts, act):
        i0 = max(0, int(np.ceil(s / HOP_S)))
        i1 = min(n, int(np.floor((s + seg.WINDOW_S) / HOP_S)))
        if i1 <= i0:
            out.append((i0, np.zeros((0, 3), dtype=bool)))
            continue
        t = np.clip(np.round((np.arange(i0, i1) * HOP_S - s - off) / step).astype(int), 0, seg.N_FRAMES - 1)
        out.append((i0, a[t]))
    return out


def _model_agreement(grid: Sequence[tuple[int, np.ndarray]], frame_lab: np.ndarray,
                     min_frames: int = MIN_AGREEMENT_FRAMES) -> tuple[float, float] | None:
    """How well the two voices agree with the segmentation model's local speakers.

    Returns (purity, inverse purity) over the frames where one local speaker talks alone and a
    voice is assigned: purity = share of such frames whose voice is their local speaker's majority
    voice in that window (low when one person was split into two voices, e.g. by emotion);
    inverse purity = share whose local speaker is their voice's majority local speaker in the
    window (low when two people were merged into one voice). None without such frames.
    """
    hit = inv = total = 0
    for i0, a in grid:
        lab = frame_lab[i0:i0 + len(a)]
        solo = (a.sum(1) == 1) & (lab >= 0)
        if solo.sum() < min_frames:
            continue
        c = np.zeros((3, 2))
        np.add.at(c, (a[solo].argmax(1), lab[solo]), 1)
        hit += c.max(1).sum()
        inv += c.max(0).sum()
        total += c.sum()
    return (hit / total, inv / total) if total else None


def _model_second_share(grid: Sequence[tuple[int, np.ndarray]], frame_lab: np.ndarray,
                        min_frames: int = MIN_AGREEMENT_FRAMES) -> float | None:
    """Share of the frames where one local speaker of the segmentation model talks alone (and a
    voice is assigned) that belong to a window's minority local speakers: ~0 when the model hears
    one person throughout (one voice, whatever the clustering made of it). None without such frames."""
    second = total = 0
    for i0, a in grid:
        lab = frame_lab[i0:i0 + len(a)]
        solo = (a.sum(1) == 1) & (lab >= 0)
        if solo.sum() < min_frames:
            continue
        per = a[solo].sum(0)
        second += per.sum() - per.max()
        total += per.sum()
    return float(second / total) if total else None


def _model_start(grid: Sequence[tuple[int, np.ndarray]], ff: FrameFeatures, mf: np.ndarray, pitch_weight: float,
                 min_frames: int = MIN_UNIT_FRAMES) -> np.ndarray | None:
    """A two-voice start from the segmentation model's units: every (window, local speaker) with at
    least ``min_frames`` single-speaker speech frames is one unit (MFCC mean+SD, median F0, as the
    stretches); units are split in two by 2-means under the constraint that two units of one
    window belong to different voices. Frame labels (-1 off speech), or None with < 4 units."""
    sp = ff.speech
    units, win = [], []
    for w, (i0, a) in enumerate(grid):
        solo = (a.sum(1) == 1) & sp[i0:i0 + len(a)]
        for k in range(3):
            idx = i0 + np.flatnonzero(solo & a[:, k])
            if len(idx) >= min_frames:
                units.append(idx)
                win.append(w)
    if len(units) < 4:
        return None
    v = _unit_vectors(ff, mf, units, units, pitch_weight)
    lab = _kmeans2(v)[0]
    wins = np.array(win)
    for _ in range(LLOYD_ITERATIONS):
        if len(set(lab.tolist())) < 2:
            break
        c = np.stack([v[lab == k].mean(0) for k in (0, 1)])
        d = ((v[:, None, :] - c[None]) ** 2).sum(-1)  # units x 2
        new = d.argmin(1)
        for w in np.unique(wins):
            us = np.flatnonzero(wins == w)
            if len(us) >= 2:  # the two largest units of a window go to different voices
                us = np.array(sorted(us, key=lambda u: -len(units[u])))
                a, b = us[0], us[1]
                if d[a, 0] + d[b, 1] <= d[a, 1] + d[b, 0]:
                    new[a], new[b] = 0, 1
                else:
                    new[a], new[b] = 1, 0
        if (new == lab).all():
            break
        lab = new
    frame_lab = np.full(len(sp), -1)
    for idx, k in zip(units, lab):
        frame_lab[idx] = k
    return _fill_speech(frame_lab, sp)


# ------------------------------------------------------------------------------ the named steps


def voice_features(x: np.ndarray, sample_rate: int, speech: Sequence[Interval], config: SeparationConfig) -> VoiceFeatures:
    """Step 1: MFCC and F0 per 10 ms frame (:func:`~callcheck.audio.speaker_features.frame_features`), CMVN over speech."""
    ff = frame_features(x, sample_rate, speech=speech, n_mfcc=config.n_mfcc,
                        use_pitch=config.pitch_weight > 0 or config.frame_pitch_weight > 0)
    sp = ff.speech
    mf = ff.mfcc.copy()
    mf = (mf - mf[sp].mean(0)) / (mf[sp].std(0) + 1e-9)  # per-call CMVN over speech frames
    return VoiceFeatures(ff, mf)


def speech_stretches(vf: VoiceFeatures, speech: Sequence[Interval], words: Sequence[Word], config: SeparationConfig) -> Stretches:
    """Step 2: the speech cut into ~``segment_s`` stretches (at word gaps when words are used) and their vectors."""
    ff = vf.frames
    segs = _segments(speech, words, ff.n_frames, max(1, frame_of(config.segment_s)), MIN_STRETCH_FRAMES)
    if len(segs) < MIN_STRETCHES:
        return Stretches(tuple(segs), np.zeros((0, 0)))
    vectors = _unit_vectors(ff, vf.mfcc_norm, [np.arange(a, b)[ff.speech[a:b]] for a, b in segs],
                            [np.arange(a, b) for a, b in segs], config.pitch_weight)
    return Stretches(tuple(segs), vectors)


def model_cues(x: np.ndarray, sample_rate: int, n: int, step_s: float, edge_s: float = WINDOW_EDGE_S) -> ModelCues:
    """Step 3: changes of speaker and overlapping speech seen by the segmentation model, on the 10 ms grid.

    ``cuts`` marks frames where, inside one window, the speaker talking alone changes (a different
    local speaker after a pause, or across an overlap; frames within ``edge_s`` of a window edge
    are not used, the model sees too little context there); ``overlap`` marks frames where the
    windows covering them vote for two speakers at once (each window's vote tapered towards its
    edges); ``grid`` is each window's local activity on the grid (see :func:`_window_grid`).
    """
    from callcheck.audio import segmentation as seg
    from callcheck.dsp.resample import to_16k

    starts, act = seg.local_activity(to_16k(x, sample_rate), step_s=step_s)
    grid = _window_grid(starts, act, n)
    cuts = np.zeros(n, dtype=bool)
    votes = np.zeros(n)
    weight = np.zeros(n)
    edge = frame_of(edge_s)
    for i0, a in grid:
        if not len(a):
            continue
        k = np.arange(len(a))
        w = np.minimum(1.0, (np.minimum(k, len(a) - 1 - k) + 1) / (2 * max(1, edge)))
        votes[i0:i0 + len(a)] += w * (a.sum(1) >= 2)
        weight[i0:i0 + len(a)] += w
        solo = np.flatnonzero(a.sum(1) == 1)
        who = a[solo].argmax(1)
        for j in np.flatnonzero(np.diff(who) != 0):
            f0, f1 = solo[j], solo[j + 1]  # last frame of one speaker, first of the next
            if f0 >= edge and f1 < len(a) - edge:
                cuts[i0 + (f0 + f1 + 1) // 2] = True
    overlap = votes >= OVERLAP_VOTE_SHARE * np.maximum(weight, 1e-9)
    return ModelCues(cuts, overlap, tuple(grid))


def best_start(vf: VoiceFeatures, st: Stretches, cues: ModelCues | None, config: SeparationConfig) -> StartChoice:
    """Step 4: every clustering start, re-segmented; the one agreeing best with the model's speakers wins
    (ties and without the model: the highest path likelihood); then runs < ``min_segment_s`` are merged."""
    ff, mf, v = vf.frames, vf.mfcc_norm, st.vectors
    sp = ff.speech
    grid = cues.grid if cues is not None else None
    hows: tuple[str, ...] = ("kmeans", "ward", "pitch") if config.cluster == "best-of" else (config.cluster,)
    if grid is not None and config.cluster == "best-of":
        hows += ("model",)
    best, finals, lik_best = None, [], None
    done: dict[bytes, tuple[np.ndarray, float]] = {}  # starts that are the same split re-segment once
    for how in hows:
        if how == "model":
            assert grid is not None  # "model" is a start only with the model's grid
            frame_lab = _model_start(grid, ff, mf, config.pitch_weight)
            if frame_lab is None:
                continue
            lab = _cluster2(v, "kmeans")
        else:
            lab = _cluster2(v, how)
            frame_lab = _frame_labels(st.spans, lab, sp)
        score = 0.0
        if config.resegment_iterations > 0:
            frame_lab, score = _resegment_once(ff, mf, frame_lab, config, done)
        finals.append(frame_lab[sp])
        key: tuple[float, ...] = (score,)
        if grid is not None:  # the start that agrees best with the segmentation model's speakers wins
            ag = _model_agreement(grid, frame_lab)
            key = ((round(ag[1], 2) if ag else 0.0), score)
        if best is None or key > best[0]:
            best = (key, how, lab, frame_lab)
        if lik_best is None or score > lik_best[0]:
            lik_best = (score, frame_lab[sp])
    assert best is not None and lik_best is not None  # every start but "model" gives a partition
    _, how, lab, frame_lab = best
    chosen = frame_lab[sp]
    # how much of the speech the likelihood-best start gives to the other voice (up to a swap of the labels)
    disagree = 1.0 - max(float(np.mean(lik_best[1] == chosen)), float(np.mean(lik_best[1] == 1 - chosen)))
    # stability: how much of the speech the partitions reached from different starts agree on
    agree = min((max(float(np.mean(f == chosen)), float(np.mean(f == 1 - chosen))) for f in finals), default=1.0)
    frame_lab = _smooth(frame_lab, max(1, frame_of(config.min_segment_s)))
    return StartChoice(how, lab, frame_lab, agree, disagree)


def _resegment_once(ff: FrameFeatures, mf: np.ndarray, frame_lab: np.ndarray, config: SeparationConfig,
                    done: dict[bytes, tuple[np.ndarray, float]]) -> tuple[np.ndarray, float]:
    """:func:`resegment` of a start, or the result of an earlier start with the same split (up to
    the names of the two voices, which only swap the result): k-means and Ward often agree, and the
    re-segmentation is the costly part of a start."""
    first = frame_lab[frame_lab >= 0]
    swap = bool(len(first)) and first[0] == 1
    norm = np.where(frame_lab >= 0, 1 - frame_lab, -1) if swap else frame_lab
    key = np.asarray(norm, dtype=np.int8).tobytes()
    if key not in done:
        done[key] = resegment(ff, mf, norm, config)
    out, score = done[key]
    return (np.where(out >= 0, 1 - out, -1) if swap else out.copy()), score


def assign_utterances(vf: VoiceFeatures, frame_lab: np.ndarray, words: Sequence[Word], cues: ModelCues | None,
                      config: SeparationConfig) -> UtteranceResult:
    """Step 5: each utterance (words, or speech runs cut at the model's changes of speaker) whole to one voice."""
    ff = vf.frames
    sp = ff.speech
    cuts = cues.cuts if cues is not None else None
    if config.utterance_iterations <= 0 or not (words or cuts is not None):
        return UtteranceResult(frame_lab, 0, 0)
    if words:
        owner = utterance_frames(words, sp, max_gap_s=config.utterance_gap_s, extra_cuts=cuts)
    else:  # no words: the speech runs cut at the model's changes of speaker
        owner = np.full(ff.n_frames, -1)
        for k, (_, s0, e0) in enumerate(r for r in runs((~sp | cuts).astype(int)) if r[0] == 0):
            owner[s0:e0] = k
    n_utt = int(owner.max()) + 1
    labels, n_changed = assign_whole_utterances(vf.mfcc_norm, ff.f0_st, sp, frame_lab, owner, config)
    return UtteranceResult(labels, n_utt, n_changed)


def overlap_decision(x: np.ndarray, sample_rate: int, speech: Sequence[Interval], cues: ModelCues | None,
                     config: SeparationConfig) -> OverlapDecision:
    """Step 6: use the model's overlap unless the audio is band-passed telephone audio
    (< ``min_low_band_share`` of the speech energy below 250 Hz), where it hears overlap that is not there."""
    if cues is None:
        return OverlapDecision(None, None)
    low_share = low_band_share(x, sample_rate, speech)
    if low_share is not None and low_share < config.min_low_band_share:
        return OverlapDecision(None, low_share)
    return OverlapDecision(cues.overlap, low_share)


def separation_confidence(st: Stretches, start: StartChoice, frame_lab: np.ndarray, talk_s: np.ndarray,
                          cues: ModelCues | None) -> Confidence:
    """Step 7: the confidence (module notes): model agreement and start disagreement, else the silhouette;
    lowered when one voice has less than ``MIN_VOICE_SHARE`` of the speech."""
    sil = _silhouette(st.vectors, start.stretch_labels)
    share_min = float(talk_s.min() / talk_s.sum()) if talk_s.sum() > 0 else 0.0
    agreement = _model_agreement(cues.grid, frame_lab) if cues is not None else None
    if agreement is not None:
        # inverse purity 0.8 -> 0, 0.9 -> 0.5, 1.0 -> 1 (docs/conversation.md; chosen on the evaluation set)
        conf = float(np.clip((agreement[1] - CONF_PURITY_ZERO) / CONF_PURITY_SPAN, 0.0, 1.0))
        # ... and halved at 10 %, zero at 15 % of the speech on which the likelihood-best start disagrees
        conf *= float(np.clip(1.0 - (start.likelihood_best_disagreement - DISAGREE_FREE) / DISAGREE_SPAN, 0.0, 1.0))
    else:
        conf = float(min(1.0, max(0.0, sil) / SILHOUETTE_SURE))
    conf *= 1.0 if share_min >= MIN_VOICE_SHARE else share_min / MIN_VOICE_SHARE
    second = _model_second_share(cues.grid, frame_lab) if cues is not None else None
    if second is not None and second < MIN_MODEL_SECOND_SHARE:
        conf *= second / MIN_MODEL_SECOND_SHARE
    return Confidence(conf, share_min, sil, agreement, second)


def _check(x: np.ndarray, config: SeparationConfig) -> None:
    if x.ndim != 1:
        raise CallcheckError(f"separate_voices needs a 1-D mono signal, got shape {x.shape}; mix or pick a channel first")
    if config.cluster not in _CLUSTER_CHOICES:
        raise CallcheckError(f"separation.cluster is {config.cluster!r}; use one of {', '.join(_CLUSTER_CHOICES)}")
    if config.segment_s <= 0:
        raise CallcheckError(f"separation.segment_s is {config.segment_s}; it must be > 0 seconds (default 2.0)")
    if config.segmentation not in ("cues", "none"):
        raise CallcheckError(f"separation.segmentation is {config.segmentation!r}; use 'cues' or 'none'")


def _method(config: SeparationConfig) -> str:
    return (f"mfcc+f0 stretches {config.segment_s}s, {config.cluster} 2-way split"
            + (f", gmm-viterbi resegmentation (penalty {config.switch_penalty})" if config.resegment_iterations else "")
            + (", pyannote segmentation-3.0 cues (speaker changes, overlap)" if config.segmentation == "cues" else ""))


def _one_voice(speech: Sequence[Interval], n: int, method: str, note: str) -> TwoVoices:
    """No split attempted: all speech is voice 0, confidence 0."""
    lab = np.where(to_mask(speech, n), 0, -1)
    return TwoVoices((tuple(speech), ()), lab, Separation(method, 0.0, (note,)), single=True)


def _notes(start: StartChoice, conf: Confidence, utt: UtteranceResult, cues: ModelCues | None, ov: OverlapDecision,
           masks: np.ndarray) -> tuple[str, ...]:
    notes: list[str] = []
    if conf.min_voice_share < MIN_VOICE_SHARE:
        notes.append(f"one voice has only {conf.min_voice_share:.0%} of the speech: the call may have a single voice")
    elif conf.model_second_share is not None and conf.model_second_share < MIN_MODEL_SECOND_SHARE:
        notes.append(f"the segmentation model hears a second speaker in only {conf.model_second_share:.1%} of the speech: "
                     "the call may have a single voice")
    notes.append(f"start {start.how}; agreement of the starts {start.starts_agreement:.2f}; stretch silhouette {conf.silhouette:.2f}; "
                 f"disagreement with the likelihood-best start {start.likelihood_best_disagreement:.3f}")
    if conf.model_agreement is not None:
        notes.append(f"agreement with the segmentation model's speakers: purity {conf.model_agreement[0]:.3f}, "
                     f"inverse purity {conf.model_agreement[1]:.3f} (the confidence)")
    if utt.n_utterances:
        notes.append(f"{utt.n_utterances} transcribed utterances each given whole to one voice; "
                     f"{utt.n_changed} changed voice against the frame-wise path")
    n_windows = len(cues.grid) if cues is not None else 0
    if ov.overlap is not None and cues is not None:  # (the model's overlap comes with its cues)
        both = float((masks[:, 0] & masks[:, 1]).sum() * HOP_S)
        notes.append(f"segmentation model ({n_windows} windows of 10 s): {int(cues.cuts.sum())} changes of speaker cut utterances; "
                     f"{both:.1f} s heard as two voices at once count for both parties")
    elif cues is not None:
        notes.append(f"segmentation model ({n_windows} windows of 10 s): {int(cues.cuts.sum())} changes of speaker cut utterances; "
                     f"its overlap detection is not used: only {ov.low_band_share:.1%} of the speech energy lies below 250 Hz "
                     f"(band-passed telephone audio, where it found more false than true overlap), so overlaps and "
                     f"interruptions are not observable")
    else:
        notes.append("overlapping speech is assigned to one voice: overlaps and interruptions are not observable")
    return tuple(notes)


@dataclass(frozen=True)
class Prepared:
    """What separation needs of the audio alone, before the words are known (steps 1, 3 and 6):
    :func:`prepare_separation` computes it while the recogniser runs."""

    voice: VoiceFeatures | None
    cues: ModelCues | None
    overlap: OverlapDecision | None


def prepare_separation(samples: np.ndarray, sample_rate: int, *, speech: Sequence[Interval], config: SeparationConfig) -> Prepared:
    """The voice features, the segmentation model's cues and the overlap decision of a mono call:
    the word-independent part of :func:`separate_voices` (the same values it computes itself)."""
    x = np.asarray(samples, dtype=np.float32)
    _check(x, config)
    if to_mask(speech, n_frames(len(x), sample_rate)).sum() < int(2 * config.segment_s / HOP_S):
        return Prepared(None, None, None)
    vf = voice_features(x, sample_rate, speech, config)
    cues = model_cues(x, sample_rate, vf.frames.n_frames, config.segmentation_step_s) if config.segmentation == "cues" else None
    return Prepared(vf, cues, overlap_decision(x, sample_rate, speech, cues, config))


def separate_voices(
    samples: np.ndarray,
    sample_rate: int,
    *,
    speech: Sequence[Interval],
    words: Sequence[Word],
    config: SeparationConfig,
    prepared: Prepared | None = None,
) -> TwoVoices:
    """Split the speech of a mono call into two anonymous voices.

    Parameters
    ----------
    samples : np.ndarray
        1-D float signal of the mono recording at ``sample_rate`` (Hz, >= 8000).
    sample_rate : int
        Hz.
    speech : sequence of Interval
        Speech activity of the mix (s), e.g. from :func:`callcheck.audio.activity.speech_intervals`.
    words : sequence of Word
        Transcribed words with times (s); their ``speaker`` and text are ignored except for
        sentence ends (utterance cuts). Which voice is the agent is decided later
        (:func:`callcheck.measures.agent_voice.assign_parties`).
    config : SeparationConfig
        Stretch length, clustering, re-segmentation, utterances, segmentation model.
    prepared : Prepared or None
        :func:`prepare_separation` of the same samples, speech and config, computed earlier (the
        pipeline runs it while the recogniser transcribes); None computes it here.

    Returns
    -------
    TwoVoices
        The two voices' intervals, the frame labels and a :class:`~callcheck.types.Separation`
        with ``method``, ``confidence`` (0..1) and notes.
    """
    x = np.asarray(samples, dtype=np.float32)
    _check(x, config)
    method = _method(config)
    n_total = n_frames(len(x), sample_rate)
    if to_mask(speech, n_total).sum() < int(2 * config.segment_s / HOP_S):
        return _one_voice(speech, n_total, method, "too little speech to separate two voices: all speech is one voice")
    vf = prepared.voice if prepared is not None and prepared.voice is not None else voice_features(x, sample_rate, speech, config)
    n = vf.frames.n_frames
    ws = sorted(words, key=lambda w: w.start_s) if config.use_word_boundaries else []
    st = speech_stretches(vf, speech, ws, config)
    if len(st.spans) < MIN_STRETCHES:
        return _one_voice(speech, n, method, "too few speech stretches to separate two voices: all speech is one voice")
    if prepared is not None and prepared.voice is not None:
        cues, ov = prepared.cues, prepared.overlap
    else:
        cues = model_cues(x, sample_rate, n, config.segmentation_step_s) if config.segmentation == "cues" else None
        ov = None
    start = best_start(vf, st, cues, config)
    utt = assign_utterances(vf, start.frame_labels, ws, cues, config)
    frame_lab = utt.frame_labels
    if ov is None:
        ov = overlap_decision(x, sample_rate, speech, cues, config)
    masks = np.stack([frame_lab == 0, frame_lab == 1], 1)
    if ov.overlap is not None:
        masks[ov.overlap & (frame_lab >= 0)] = True
    activity = (from_mask(masks[:, 0], frame_s=HOP_S, ndigits=3), from_mask(masks[:, 1], frame_s=HOP_S, ndigits=3))
    talk = np.array([total_s(activity[0]), total_s(activity[1])])
    conf = separation_confidence(st, start, frame_lab, talk, cues)
    notes = _notes(start, conf, utt, cues, ov, masks)
    return TwoVoices(activity, frame_lab, Separation(method, round(conf.value, 3), notes, overlaps_observed=ov.overlap is not None))
