"""The two voice models of the mono separation, and how frames and utterances are given to them.

Each voice is one diagonal Gaussian mixture on the call-normalised MFCC frames plus, on voiced
frames, a Gaussian on F0 (semitones; median and normal-scaled MAD of the voice's frames). Used by
:mod:`callcheck.audio.separate`:

* :func:`resegment`: a two-state Viterbi pass over the speech frames with ``switch_penalty``
  nats per change of voice, the models re-fitted on the new path, ``resegment_iterations`` times;
* :func:`utterance_frames` and :func:`assign_whole_utterances`: the speech cut into utterances
  (pauses, sentence ends, word gaps, the segmentation model's changes of speaker), each given
  whole to the voice with the higher mean clipped frame log-likelihood ratio.

Frames are the 10 ms grid of :mod:`callcheck.dsp.timebase`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from callcheck.audio.speaker_features import FrameFeatures
from callcheck.config import SeparationConfig
from callcheck.dsp.timebase import frame_of
from callcheck.intervals import runs
from callcheck.types import Word

#: a voice with fewer speech frames than this stops the re-segmentation / utterance rounds
MIN_VOICE_FRAMES = 50
#: one GMM component per this many frames of a voice, at most ``gmm_components``
FRAMES_PER_GMM_COMPONENT = 50
#: GMM regularisation added to the diagonal variances, and EM rounds (enough for re-segmentation)
GMM_REG_COVAR = 1e-3
GMM_MAX_ITER = 50
#: a voice model is fitted on at most this many frames (120 s of that voice's speech), evenly spaced
#: over its frames: the fit's cost stops growing with the call. Every call of benchmarks/eval_mono.py
#: has fewer per voice, so its results are unchanged; on the 15- and 60-minute mono calls of
#: benchmarks/bench_pipeline.py --mono the DER against the construction is unchanged (README)
MAX_FIT_FRAMES = 12000
#: the per-voice F0 Gaussian needs this many voiced frames; its SD is at least this, semitones
MIN_F0_FRAMES = 20
MIN_F0_SD_ST = 1.0


def fit_subset(x_fit: np.ndarray, max_frames: int = MAX_FIT_FRAMES) -> np.ndarray:
    """At most ``max_frames`` evenly spaced rows of ``x_fit`` (all of them when there are fewer).

    Neighbouring 10 ms frames are nearly the same, so a voice model fitted on every k-th frame of
    a long call is the model fitted on all of them; the fit then costs the same for a 15- or a
    60-minute call. Calls with up to ``max_frames`` frames of a voice are fitted exactly as before.
    """
    n = len(x_fit)
    if n <= max_frames:
        return x_fit
    return x_fit[np.linspace(0, n - 1, max_frames).round().astype(int)]


def gmm_loglik(x_fit: np.ndarray, x_all: np.ndarray, n_comp: int, seed: int = 0) -> np.ndarray:
    """Per-frame log-likelihood of ``x_all`` under a diagonal GMM fitted on ``x_fit`` (at most
    ``n_comp`` components, one per 50 frames; fitted on at most :data:`MAX_FIT_FRAMES` evenly
    spaced frames, :func:`fit_subset`)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    k = int(max(1, min(n_comp, len(x_fit) // FRAMES_PER_GMM_COMPONENT)))
    with warnings.catch_warnings():  # 50 EM rounds are plenty for re-segmentation; not the user's concern
        warnings.simplefilter("ignore", ConvergenceWarning)
        g = GaussianMixture(k, covariance_type="diag", reg_covar=GMM_REG_COVAR, max_iter=GMM_MAX_ITER,
                            random_state=seed).fit(fit_subset(x_fit))
    return g.score_samples(x_all)


def viterbi2(ll: np.ndarray, penalty: float) -> np.ndarray:
    """Best 2-state path through per-frame log-likelihoods ``ll`` (n x 2), ``penalty`` per switch.

    Plain Python floats in the loop: two states need no arrays, and scalar arithmetic is several
    times faster than NumPy calls on length-2 arrays.
    """
    n = len(ll)
    if n == 0:
        return np.zeros(0, dtype=int)
    l0, l1 = ll[:, 0].tolist(), ll[:, 1].tolist()
    back0 = bytearray(n)  # best predecessor of state 0 / 1 at frame t
    back1 = bytearray(n)
    s0, s1 = l0[0], l1[0]
    for t in range(1, n):
        sw1 = s1 - penalty
        sw0 = s0 - penalty
        if s0 >= sw1:
            n0 = s0
        else:
            n0, back0[t] = sw1, 1
        if s1 >= sw0:
            n1, back1[t] = s1, 1
        else:
            n1 = sw0
        s0, s1 = n0 + l0[t], n1 + l1[t]
    path = np.zeros(n, dtype=int)
    k = 0 if s0 >= s1 else 1
    path[-1] = k
    for t in range(n - 1, 0, -1):
        k = back0[t] if k == 0 else back1[t]
        path[t - 1] = k
    return path


def resegment(ff: FrameFeatures, mf: np.ndarray, frame_lab: np.ndarray, config: SeparationConfig) -> tuple[np.ndarray, float]:
    """Viterbi re-segmentation with one diagonal GMM per voice (+ a Gaussian on F0); returns the
    frame labels and the path's mean log-likelihood per frame (-inf when no round ran)."""
    idx = np.flatnonzero(ff.speech)
    lab = frame_lab[idx].copy()
    score = -np.inf
    full = np.full(len(frame_lab), -1)
    for _ in range(config.resegment_iterations):
        if min((lab == 0).sum(), (lab == 1).sum()) < MIN_VOICE_FRAMES:
            break
        full[idx] = lab
        ll = voice_loglik(mf, ff.f0_st, full, ff.speech & (full >= 0), idx, config)
        lab = viterbi2(ll, config.switch_penalty)
        score = float((ll[np.arange(len(lab)), lab].sum() - config.switch_penalty * np.count_nonzero(np.diff(lab))) / len(lab))
    out = np.full(len(frame_lab), -1)
    out[idx] = lab
    return out, score


SENTENCE_END = (".", "?", "!", "\u2026")


def utterance_frames(words: Sequence[Word], sp: np.ndarray, *, max_gap_s: float, extra_cuts: np.ndarray | None = None) -> np.ndarray:
    """Utterance index of each frame (-1: none) on the 10 ms grid.

    An utterance is a run of speech frames (``sp``) cut at every pause of the speech activity, in
    the middle of the gap after a word that ends a sentence (. ? ! ...), and in the middle of every
    gap between words longer than ``max_gap_s``. Runs that no word overlaps belong to none.
    """
    n = len(sp)
    owner = np.full(n, -1)
    ws = [w for w in words if w.end_s >= w.start_s]
    if not ws:
        return owner
    cut = ~sp if extra_cuts is None else (~sp | extra_cuts)
    for a, b in zip(ws, ws[1:]):
        if a.text.rstrip().endswith(SENTENCE_END) or b.start_s - a.end_s > max_gap_s:
            m = frame_of(0.5 * (a.end_s + b.start_s))
            if 0 <= m < n:
                cut[m] = True
    has_word = np.zeros(n, dtype=bool)
    for w in ws:
        has_word[max(0, frame_of(w.start_s)):max(0, frame_of(w.end_s)) + 1] = True
    k = 0
    for v, s0, e0 in runs(cut.astype(int)):
        if v == 0 and has_word[s0:e0].any():
            owner[s0:e0] = k
            k += 1
    return owner


def voice_loglik(mf: np.ndarray, f0: np.ndarray, lab: np.ndarray, fit: np.ndarray, test: np.ndarray,
                  config: SeparationConfig) -> np.ndarray:
    """Log-likelihood (len(test) x 2) of frames ``test`` under the two voice models fitted on the
    frames ``fit`` (bool mask) with their labels ``lab``: diagonal GMM on MFCC + F0 Gaussian on
    voiced frames (median and normal-scaled MAD of the voice's F0, semitones)."""
    from scipy.stats import median_abs_deviation

    ll = np.stack([gmm_loglik(mf[fit & (lab == k)], mf[test], config.gmm_components) for k in (0, 1)], 1)
    ft = f0[test]
    voiced = np.isfinite(ft)
    for k in (0, 1):
        fk = f0[fit & (lab == k)]
        fk = fk[np.isfinite(fk)]
        if len(fk) >= MIN_F0_FRAMES and config.frame_pitch_weight > 0:
            mu, sd = float(np.median(fk)), max(MIN_F0_SD_ST, float(median_abs_deviation(fk, scale="normal")))
            ll[voiced, k] += config.frame_pitch_weight * (-0.5 * ((ft[voiced] - mu) / sd) ** 2 - np.log(sd))
    return ll


def assign_whole_utterances(mf: np.ndarray, f0: np.ndarray, sp: np.ndarray, frame_lab: np.ndarray, owner: np.ndarray,
                       config: SeparationConfig) -> tuple[np.ndarray, int]:
    """Give every utterance whole to the voice with the higher mean clipped frame log-likelihood
    ratio; re-fit the two voice models on the new labels and repeat. Returns labels and the number
    of utterances whose voice changed against the frame-wise path."""
    lab = frame_lab.copy()
    idx = np.flatnonzero(sp)
    test = np.flatnonzero(owner >= 0)
    if not len(test):
        return lab, 0
    # per utterance (one pass over the frames, not one per utterance): its frames, first frame, start label
    u_of = owner[test]
    n_u = int(u_of.max()) + 1
    present = np.bincount(u_of, minlength=n_u) > 0
    first = np.full(n_u, -1)
    first[u_of[::-1]] = test[::-1]  # the smallest frame index of each utterance
    v = lab[test]
    lab_n = np.bincount(u_of, weights=(v >= 0), minlength=n_u)
    lab_sum = np.bincount(u_of, weights=np.where(v >= 0, v, 0), minlength=n_u)
    start_lab = np.where(lab_n > 0, np.round(lab_sum / np.maximum(lab_n, 1)), -1).astype(int)
    in_sp = sp[test]  # only utterances holding speech frames are assigned (as before)
    assigned = np.bincount(u_of, weights=in_sp, minlength=n_u) > 0
    for _ in range(config.utterance_iterations):
        if min((lab[idx] == 0).sum(), (lab[idx] == 1).sum()) < MIN_VOICE_FRAMES:
            break
        ll = voice_loglik(mf, f0, lab, sp & (lab >= 0), test, config)
        llr = np.clip(ll[:, 0] - ll[:, 1], -config.llr_clip, config.llr_clip)
        mean = np.bincount(u_of, weights=llr, minlength=n_u) / np.maximum(np.bincount(u_of, minlength=n_u), 1)
        voice_u = np.where(mean > 0, 0, 1)
        new = lab.copy()
        take = assigned[u_of]
        new[test[take]] = voice_u[u_of[take]]
        if (new == lab).all():
            break
        lab = new
    ids = np.flatnonzero(present & assigned)
    changed = int((lab[first[ids]] != start_lab[ids]).sum())
    return lab, changed
